"""Perspective API's wire format (``commentanalyzer`` v1alpha1): requests in, responses and
Google-shaped errors out.

Facts this follows, from Perspective's reference and its discovery document:

- JSON field names are lowerCamelCase; like Google's parser we also accept the proto's
  snake_case spelling, and refuse names that are neither (a typo must not pass unnoticed).
- Errors are ``{"error": {"code", "message", "status", "details": [...]}}``; request errors
  carry a ``google.commentanalyzer.v1alpha1.Error`` detail with an ``errorType`` (COMMENT_EMPTY,
  COMMENT_TOO_LONG, NO_REQUESTED_ATTRIBUTES, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE, and
  INVALID_REQUEST for any other malformed request), with Perspective's messages.
- A comment may be at most 20 KB of UTF-8. Span offsets count UTF-16 code units.
- ``context`` holds either ``entries`` or ``articleAndParentComment``, never both.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.server.scoring import LABELS

ATTRIBUTES = {
    "TOXICITY": "hostile",
    # No severity model here: SEVERE_TOXICITY is the same hostile probability as TOXICITY.
    "SEVERE_TOXICITY": "hostile",
    "INSULT": "hostile",
    "ATTACK_ON_COMMENTER": "ad_hominem",
    "ATTACK_ON_AUTHOR": "ad_hominem",
    "OFF_TOPIC": "off_topic",
    "HOSTILE": "hostile",
    "AD_HOMINEM": "ad_hominem",
    **{label: label for label in LABELS},
}
"""Perspective attribute names (and ours) → the label whose probability answers them."""

APPROVED = "APPROVED"
"""A ``suggestscore`` attribute name that is a moderator's verdict (Coral Talk sends these): kept."""
REJECTED = ("DELETED", "REJECTED")
"""Verdicts that the comment was removed, for a reason the suggestion does not give."""

MAX_COMMENT_BYTES = 20 * 1024
MAX_CONTEXT_COMMENTS = 50
"""Earlier comments of ``context.entries`` used, the newest ones: each costs scoring time on
the event loop, and a thread's recent comments say what it is about."""
SERVED_LANGUAGE = "en"
PROBABILITY = "PROBABILITY"
SCORE_TYPES = ("SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW")
TEXT_TYPES = ("TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML")
ERROR_DETAIL_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
SENTENCE = re.compile(r"\S(?:.*?(?:[.!?…]+(?=\s|$)|(?=\n)|$))", re.DOTALL)


class ApiError(Exception):
    """An error answered in Google's shape; ``str(error)`` is its message."""

    def __init__(
        self,
        message: str,
        code: int = 400,
        status: str = "INVALID_ARGUMENT",
        error_type: str | None = "INVALID_REQUEST",
        **detail,
    ):
        super().__init__(message)
        self.code = code
        self.status = status
        self.error_type = error_type
        self.detail = detail

    def body(self) -> dict:
        """``{"error": {...}}`` as Google's APIs write it."""
        error = {"code": self.code, "message": str(self), "status": self.status}
        if self.error_type:
            error["details"] = [{"@type": ERROR_DETAIL_TYPE, "errorType": self.error_type, **self.detail}]
        elif self.detail:
            error["details"] = [self.detail]
        return {"error": error}


@dataclass
class Attribute:
    """One requested attribute: the name as requested, the label that answers it, and the
    threshold below which it is left out of the response."""

    name: str
    label: str
    threshold: float | None = None


@dataclass
class AnalyzeRequest:
    """A comments:analyze request, parsed and validated."""
    text: str
    attributes: list[Attribute]
    languages: list[str]
    client_token: str | None = None
    span_annotations: bool = False
    article: str = ""
    earlier: list[str] = field(default_factory=list)


@dataclass
class SuggestRequest:
    """A comments:suggestscore request, parsed and validated."""
    text: str
    labels: dict[str, int | None]
    languages: list[str]
    client_token: str | None = None
    article: str = ""


# -- parsing -----------------------------------------------------------------------------


def parse_json(body: bytes) -> dict:
    """The request body as a JSON object, or Google's 400 for anything else."""
    try:
        # Decoded strictly (json.loads would let a lone surrogate of UTF-16 or UTF-8 through).
        value = json.loads(body.decode(json.detect_encoding(body)))
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(f"Invalid JSON payload received. {error}.") from None
    except RecursionError:
        raise ApiError("Invalid JSON payload received. Nested too deeply.") from None
    if not isinstance(value, dict):
        raise ApiError(f"Invalid JSON payload received. Expected an object, got {type(value).__name__}.")
    if SURROGATE_ESCAPE.search(body):
        # JSON lets "\ud800" stand alone; such a string is no text (it has no UTF-8 form).
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError("Invalid JSON payload received. A string holds an unpaired UTF-16 surrogate.") from None
    return value


def camel_case(name: str) -> str:
    """``snake_case`` → ``snakeCase``: Perspective accepts both spellings of its fields."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def fields(value, allowed: Sequence[str], where: str) -> dict:
    """The fields of a JSON object by their lowerCamelCase names; unknown names are an error."""
    if not isinstance(value, dict):
        raise ApiError(f'Invalid value at "{where}": expected an object.')
    found = {}
    for name, item in value.items():
        key = camel_case(name)
        if key not in allowed:
            raise ApiError(f'Invalid JSON payload received. Unknown name "{name}" at "{where}": Cannot find field.')
        found[key] = item
    return found


def typed(value, kind: type | tuple[type, ...], where: str, default=None):
    """``value`` if it is of ``kind`` (None gives ``default``), else Google's 400."""
    if value is None:
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # A JSON true is a Python int too, but it is no number.
    if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
        return value
    expected = {str: "a string", bool: "true or false", list: "a list", dict: "an object"}.get(kinds[0], "a number")
    raise ApiError(f'Invalid value at "{where}": expected {expected}, got {json.dumps(value)[:40]}.')


def text_entry(value, where: str) -> str:
    """The text of a ``TextEntry`` (``{text, type}``): plain text only, as Perspective."""
    entry = fields(value, ("text", "type"), where)
    text_type = typed(entry.get("type"), str, f"{where}.type", "TEXT_TYPE_UNSPECIFIED")
    if text_type not in TEXT_TYPES:
        raise ApiError(f'Invalid value at "{where}.type" (TYPE_ENUM), "{text_type}".')
    if text_type == "HTML":
        raise ApiError("Currently, only 'PLAIN_TEXT' comments are supported.")
    return typed(entry.get("text"), str, f"{where}.text", "")


def comment_text(request: dict) -> str:
    """The comment's text, refused when empty or over 20 KB."""
    if request.get("comment") is None:
        raise ApiError("Comment must be non-empty.", error_type="COMMENT_EMPTY")
    text = text_entry(request["comment"], "comment")
    if not text.strip():
        raise ApiError("Comment must be non-empty.", error_type="COMMENT_EMPTY")
    # Fewer characters than a quarter of the limit cannot exceed it (UTF-8 takes at most 4 bytes each).
    if len(text) > MAX_COMMENT_BYTES // 4 and len(text.encode("utf-8")) > MAX_COMMENT_BYTES:
        raise ApiError("Comment text too long.", error_type="COMMENT_TOO_LONG")
    return text


def context_texts(value) -> tuple[str, list[str]]:
    """(article, earlier comments) from ``context``.

    ``articleAndParentComment`` gives both. ``entries`` is a conversation in order: its first
    entry is taken as the article (or the opening post) and the others as the earlier comments,
    the last of them the parent (only the newest :data:`MAX_CONTEXT_COMMENTS` are kept).
    """
    if value is None:
        return "", []
    context = fields(value, ("entries", "articleAndParentComment"), "context")
    if context.get("entries") is not None and context.get("articleAndParentComment") is not None:
        raise ApiError("Context can have either entries or article_and_parent_comment, but both fields were populated.")
    if context.get("articleAndParentComment") is not None:
        where = "context.articleAndParentComment"
        pair = fields(context["articleAndParentComment"], ("article", "parentComment"), where)
        article = text_entry(pair["article"], f"{where}.article") if pair.get("article") is not None else ""
        parent = text_entry(pair["parentComment"], f"{where}.parentComment") if pair.get("parentComment") is not None else ""
        return article, [parent] if parent.strip() else []
    entries = [text_entry(entry, f"context.entries[{i}]") for i, entry in enumerate(typed(context.get("entries"), list, "context.entries", []))]
    return (entries[0], entries[1:][-MAX_CONTEXT_COMMENTS:]) if entries else ("", [])


def languages_of(request: dict, attributes: Sequence[str]) -> list[str]:
    """The requested languages; any but English is refused as Perspective refuses an
    unsupported one. None given means English (there is no language detection here)."""
    languages = typed(request.get("languages"), list, "languages", [])
    for i, language in enumerate(languages):
        typed(language, str, f"languages[{i}]")
    unsupported = [language for language in languages if language.split("-")[0].lower() != SERVED_LANGUAGE]
    if unsupported:
        attribute = attributes[0] if attributes else "TOXICITY"
        raise ApiError(
            f"Attribute {attribute} does not support request languages: {', '.join(languages)}",
            error_type="LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
            languageNotSupportedByAttributeError={"requestedLanguages": languages, "attribute": attribute},
        )
    return languages


def label_of(name: str, served: Sequence[str]) -> str | None:
    """The label answering attribute ``name`` (``TOXICITY`` or versioned ``TOXICITY@6``), or
    None if this model serves no such attribute."""
    base, _, version = name.partition("@")
    if version and not version.isdigit():
        return None
    label = ATTRIBUTES.get(base)
    return label if label in served else None


def parse_analyze(request: dict, served: Sequence[str]) -> AnalyzeRequest:
    """An ``AnalyzeCommentRequest``, validated, for a model serving the labels ``served``."""
    request = fields(
        request,
        (
            "comment", "context", "requestedAttributes", "languages", "doNotStore", "clientToken",
            "sessionId", "communityId", "spanAnnotations", "dropUnsupportedAttributes",
        ),
        "request",
    )  # fmt: skip
    for flag in ("doNotStore", "spanAnnotations", "dropUnsupportedAttributes"):
        typed(request.get(flag), bool, flag)
    for name in ("clientToken", "sessionId", "communityId"):
        typed(request.get(name), str, name)
    text = comment_text(request)
    requested = typed(request.get("requestedAttributes"), dict, "requestedAttributes", {})
    if not requested:
        raise ApiError("Missing requested_attributes.", error_type="NO_REQUESTED_ATTRIBUTES")
    drop_unsupported = bool(request.get("dropUnsupportedAttributes"))
    attributes = []
    for name, parameters in requested.items():
        where = f"requestedAttributes[{name}]"
        parameters = fields(parameters if parameters is not None else {}, ("scoreType", "scoreThreshold"), where)
        score_type = typed(parameters.get("scoreType"), str, f"{where}.scoreType", PROBABILITY)
        if score_type not in SCORE_TYPES:
            raise ApiError(f'Invalid value at "{where}.score_type" (TYPE_ENUM), "{score_type}".')
        threshold = typed(parameters.get("scoreThreshold"), (int, float), f"{where}.scoreThreshold")
        if threshold is not None and not math.isfinite(threshold):
            raise ApiError(f'Invalid value at "{where}.scoreThreshold": expected a finite number.')
        label = label_of(name, served)
        if label is None:
            if drop_unsupported:
                continue  # the client asked for attributes we cannot serve to be left out
            raise ApiError(f"Unknown requested attribute: {name}")
        if score_type not in ("SCORE_TYPE_UNSPECIFIED", PROBABILITY):
            raise ApiError(f"Requested score type {score_type} is not supported by attribute {name}")
        attributes.append(Attribute(name, label, threshold))
    languages = languages_of(request, list(requested))
    article, earlier = context_texts(request.get("context"))
    return AnalyzeRequest(
        text=text,
        attributes=attributes,
        languages=languages,
        client_token=request.get("clientToken"),
        span_annotations=bool(request.get("spanAnnotations")),
        article=article,
        earlier=earlier,
    )


def parse_suggest(request: dict, served: Sequence[str]) -> SuggestRequest:
    """A ``SuggestCommentScoreRequest``: the labels its scores suggest (1, 0, or None when
    the suggestion says nothing about a label).

    A score of 0.5 or more for an attribute sets its label to 1, less sets it to 0 (several
    attributes of one label: any 1 wins). ``APPROVED`` (Coral Talk's verdict) says the comment
    has none of the problems: every label not otherwise set is 0. ``DELETED``/``REJECTED``
    says it has some problem but not which: the comment is kept with its labels empty, to be
    annotated by hand.
    """
    request = fields(
        request,
        ("comment", "context", "attributeScores", "languages", "clientToken", "sessionId", "communityId"),
        "request",
    )
    for name in ("clientToken", "sessionId", "communityId"):
        typed(request.get(name), str, name)
    text = comment_text(request)
    suggested = typed(request.get("attributeScores"), dict, "attributeScores", {})
    if not suggested:
        raise ApiError("attribute_scores must not be empty.")
    labels: dict[str, int | None] = {label: None for label in LABELS}
    approved = False
    for name, scores in suggested.items():
        where = f"attributeScores[{name}]"
        scores = fields(scores if scores is not None else {}, ("summaryScore", "spanScores"), where)
        typed(scores.get("spanScores"), list, f"{where}.spanScores")
        if scores.get("summaryScore") is None:
            raise ApiError(f"{where}.summaryScore must be set: this server learns from whole-comment scores only.")
        summary = fields(scores["summaryScore"], ("value", "type"), f"{where}.summaryScore")
        score_type = typed(summary.get("type"), str, f"{where}.summaryScore.type", PROBABILITY)
        if score_type not in ("SCORE_TYPE_UNSPECIFIED", PROBABILITY):
            raise ApiError(f"Requested score type {score_type} is not supported by attribute {name}")
        value = typed(summary.get("value"), (int, float), f"{where}.summaryScore.value")
        if value is None or not 0 <= value <= 1:
            raise ApiError(f"{where}.summaryScore.value must be a probability from 0 to 1.")
        verdict = name.upper()
        if verdict == APPROVED:
            approved = approved or value >= 0.5
        elif verdict in REJECTED:
            continue
        else:
            label = label_of(name, LABELS)
            if label is None:
                raise ApiError(f"Unknown requested attribute: {name}")
            labels[label] = max(labels[label] or 0, int(value >= 0.5))
    if approved:
        labels = {label: 0 if value is None else value for label, value in labels.items()}
    languages = languages_of(request, list(suggested))
    article, _ = context_texts(request.get("context"))
    return SuggestRequest(text, labels, languages, request.get("clientToken"), article)


# -- responses ---------------------------------------------------------------------------


def spans_of(request: AnalyzeRequest) -> list[tuple[int, int]]:
    """Character spans to score: the whole text, then its sentences when the request asked
    for span annotations and the text has more than one."""
    whole = [(0, len(request.text))]
    if not request.span_annotations:
        return whole
    sentences = [match.span() for match in SENTENCE.finditer(request.text)]
    return whole + sentences if len(sentences) > 1 else whole


def utf16_offsets(text: str, offsets: Sequence[int]) -> list[int]:
    """Character offsets as UTF-16 code unit offsets: a character past U+FFFF (most emoji)
    is two code units, as JavaScript and Java count them."""
    if not text or max(text) <= "\uffff":
        return list(offsets)
    units, astral, position = {}, 0, 0
    for offset in sorted(set(offsets)):
        astral += sum(1 for ch in text[position:offset] if ch > "\uffff")
        position = offset
        units[offset] = offset + astral
    return [units[offset] for offset in offsets]


def score_value(value: float) -> dict:
    """A suggested score's value, which must be a number from 0 to 1."""
    return {"value": round(float(value), 6), "type": PROBABILITY}


def analyze_response(request: AnalyzeRequest, spans: list[tuple[int, int]], scores, labels: Sequence[str] = LABELS) -> dict:
    """The ``AnalyzeCommentResponse`` for ``request``.

    ``spans`` are character spans of the text, the first one the whole text; ``scores`` has
    one row per span (columns by ``labels``). Each attribute gets its summary score (the whole
    text's) and its span scores, the whole text first, sentences after when span annotations
    were asked for; scores below an attribute's ``scoreThreshold`` are left out.
    """
    offsets = utf16_offsets(request.text, [offset for span in spans for offset in span])
    units = list(zip(offsets[::2], offsets[1::2]))
    attribute_scores = {}
    for attribute in request.attributes:
        column = labels.index(attribute.label)
        threshold = attribute.threshold if attribute.threshold is not None else -math.inf
        summary = scores[0][column]
        if summary < threshold:
            continue
        attribute_scores[attribute.name] = {
            "spanScores": [
                {"begin": begin, "end": end, "score": score_value(row[column])}
                for (begin, end), row in zip(units, scores)
                if row[column] >= threshold
            ],
            "summaryScore": score_value(summary),
        }
    response = {
        "attributeScores": attribute_scores,
        "languages": request.languages or [SERVED_LANGUAGE],
        "detectedLanguages": [SERVED_LANGUAGE],
    }
    if request.client_token:
        response["clientToken"] = request.client_token
    return response


def suggest_response(request: SuggestRequest) -> dict:
    """The ``SuggestCommentScoreResponse``."""
    response = {"detectedLanguages": [SERVED_LANGUAGE], "requestedLanguages": request.languages}
    if request.client_token:
        response["clientToken"] = request.client_token
    return response
