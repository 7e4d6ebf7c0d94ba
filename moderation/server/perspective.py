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

The work a request causes and the size of its answer are bounded: at most
:data:`MAX_REQUESTED_ATTRIBUTES` attributes, each label scored once however many names ask for
it, sentences found in one linear pass, and at most :data:`MAX_SPAN_SCORES` span scores in a
response and one per :data:`REQUEST_BYTES_PER_SPAN_SCORE` bytes of the request (consecutive
sentences are grouped beyond that).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from moderation.server.coral import REJECTED_IN_CORAL, coral_comment
from moderation.server.scoring import LABELS, SCORED_LANGUAGES, has_text

WORD_LIST = "hostile_words"
"""What answers PROFANITY: the hostile word list, not a model label (always served)."""

ATTRIBUTES = {
    "TOXICITY": "hostile",
    # No severity model here: SEVERE_TOXICITY is the same hostile probability as TOXICITY.
    "SEVERE_TOXICITY": "hostile",
    "INSULT": "hostile",
    "ATTACK_ON_COMMENTER": "ad_hominem",
    "ATTACK_ON_AUTHOR": "ad_hominem",
    "OFF_TOPIC": "off_topic",
    # Spam does not engage with the article: off-topic by the labelling guidelines' definition.
    "SPAM": "off_topic",
    "PROFANITY": WORD_LIST,
    "HOSTILE": "hostile",
    "AD_HOMINEM": "ad_hominem",
    **{label: label for label in LABELS},
}
"""Perspective attribute names (and ours) → the label (or word list) whose score answers them."""

APPROVED = "APPROVED"
"""A ``suggestscore`` attribute name that is a moderator's verdict (older Coral Talk sends these)."""
REJECTED = ("DELETED", "REJECTED")
"""Verdicts that the comment was removed, for a reason the suggestion does not give."""
REJECTED_REASON = "rejected by a moderator"
"""The feedback row's reason for a DELETED/REJECTED verdict: its labels wait for a person."""

MAX_COMMENT_BYTES = 20 * 1024
MAX_CONTEXT_COMMENTS = 50
"""Earlier comments of ``context.entries`` used, the newest ones: each costs scoring time on
the event loop, and a thread's recent comments say what it is about."""
MAX_REQUESTED_ATTRIBUTES = 32
"""More names than Perspective has attributes (about 30), so any honest request fits; each name
repeats its scores in the response."""
MAX_SPANS = 50
"""Span scores per attribute at most: a comment of more sentences gets runs of consecutive ones."""
MAX_SPAN_SCORES = 250
"""Span scores per response at most, over all requested attributes: bounds the answer to about
50 KB whatever the request asks."""
REQUEST_BYTES_PER_SPAN_SCORE = 8
"""And at most one span score per this many bytes of the request: an answer (about 70 bytes per
span score, 165 pretty-printed) is then at most about 40 times its request."""
SERVED_LANGUAGE = "en"
PROBABILITY = "PROBABILITY"
SCORE_TYPES = ("SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW")
TEXT_TYPES = ("TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML")
ERROR_DETAIL_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
# Where a sentence may end: a run of . ! ? … followed by whitespace or the end (starting only at
# the run's first character, so that no run is scanned twice), or a line break.
SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]+(?=\s|$)|\n")
NON_SPACE = re.compile(r"\S")


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
    """One requested attribute: the name as requested, the label (or :data:`WORD_LIST`) that
    answers it, and the threshold below which it is left out of the response."""

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
    """A comments:suggestscore request, parsed and validated, with what its feedback row holds:
    ``comment_id`` and ``thread_id`` None mean "make them up" (the client token, the article)."""
    text: str
    labels: dict[str, int | None]
    languages: list[str]
    client_token: str | None = None
    article: str = ""
    comment_id: str | None = None
    thread_id: str | None = None
    parent_id: str = ""
    reason: str = ""


# -- parsing -----------------------------------------------------------------------------


def parse_json(body: bytes) -> dict:
    """The request body as a JSON object, or Google's 400 for anything else."""
    try:
        # Decoded strictly (json.loads would let a lone surrogate of UTF-16 or UTF-8 through).
        text = body.decode(json.detect_encoding(body))
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(f"Invalid JSON payload received. {error}.") from None
    except RecursionError:
        raise ApiError("Invalid JSON payload received. Nested too deeply.") from None
    if not isinstance(value, dict):
        raise ApiError(f"Invalid JSON payload received. Expected an object, got {type(value).__name__}.")
    if SURROGATE_ESCAPE.search(text):  # in the decoded text: UTF-16 puts NULs between the bytes
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
    if not has_text(text):
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
        return article, [parent] if has_text(parent) else []
    entries = [text_entry(entry, f"context.entries[{i}]") for i, entry in enumerate(typed(context.get("entries"), list, "context.entries", []))]
    return (entries[0], entries[1:][-MAX_CONTEXT_COMMENTS:]) if entries else ("", [])


def languages_of(request: dict) -> list[str]:
    """The requested languages, each a language code (``en``, ``pt-BR``); whether the model
    scores them is :func:`unscored_language`'s question."""
    languages = typed(request.get("languages"), list, "languages", [])
    for i, language in enumerate(languages):
        if not isinstance(language, str) or not LANGUAGE_CODE.fullmatch(language):
            raise ApiError(f'Invalid value at "languages[{i}]": {json.dumps(language)[:40]} is not a language code such as "en".')
    return languages


def primary_language(code: str) -> str:
    """The language of a language code, lowercased: ``pt-BR`` → ``pt``."""
    return code.replace("_", "-").split("-")[0].lower()


def unscored_language(requested: Sequence[str], detected: str | None) -> str | None:
    """The language a comment is in when the model does not score it, else None: the first
    requested language (``languages``) outside :data:`SCORED_LANGUAGES`, or else the detected
    one. Coral sends ``en`` for every site language but Spanish, French, German and Portuguese,
    so a detected language counts even when the request names English."""
    for code in requested:
        if primary_language(code) not in SCORED_LANGUAGES:
            return primary_language(code)
    if detected is not None and detected not in SCORED_LANGUAGES:
        return detected
    return None


def language_error(attribute: str, languages: Sequence[str]) -> ApiError:
    """Perspective's 400 for a request in languages its attributes do not support."""
    return ApiError(
        f"Attribute {attribute} does not support request languages: {', '.join(languages)}",
        error_type="LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        languageNotSupportedByAttributeError={"requestedLanguages": list(languages), "attribute": attribute},
    )


def probability(value, where: str) -> float | None:
    """A number from 0 to 1 (None when absent), or Google's 400: NaN, infinities, numbers out of
    range and integers too large for a float are all refused."""
    value = typed(value, (int, float), where)
    if value is None:
        return None
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not 0 <= value <= 1:  # NaN fails this too
        raise ApiError(f'Invalid value at "{where}": expected a probability, a number from 0 to 1.')
    return value


def label_of(name: str, served: Sequence[str]) -> str | None:
    """The label (or :data:`WORD_LIST`) answering attribute ``name`` (``TOXICITY`` or
    versioned ``TOXICITY@6``), or None if this server, with a model serving the labels
    ``served``, has no such attribute."""
    base, at, version = name.partition("@")
    if at and not (version.isascii() and version.isdigit()):
        return None
    label = ATTRIBUTES.get(base)
    return label if label in served or label == WORD_LIST else None


def parse_analyze(request: dict, served: Sequence[str], drop_unsupported: bool = False) -> AnalyzeRequest:
    """An ``AnalyzeCommentRequest``, validated, for a model serving the labels ``served``.

    An attribute this server does not answer is Perspective's 400, or is left out when the
    request sets ``dropUnsupportedAttributes`` or the server was told ``drop_unsupported``.
    """
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
    if len(requested) > MAX_REQUESTED_ATTRIBUTES:
        raise ApiError(f"Too many requested attributes: {len(requested)}; at most {MAX_REQUESTED_ATTRIBUTES} per request.")
    drop_unsupported = drop_unsupported or bool(request.get("dropUnsupportedAttributes"))
    attributes = []
    for name, parameters in requested.items():
        where = f"requestedAttributes[{name}]"
        parameters = fields(parameters if parameters is not None else {}, ("scoreType", "scoreThreshold"), where)
        score_type = typed(parameters.get("scoreType"), str, f"{where}.scoreType", PROBABILITY)
        if score_type not in SCORE_TYPES:
            raise ApiError(f'Invalid value at "{where}.score_type" (TYPE_ENUM), "{score_type}".')
        threshold = probability(parameters.get("scoreThreshold"), f"{where}.scoreThreshold")
        label = label_of(name, served)
        if label is None:
            if drop_unsupported:
                continue  # the client asked for attributes we cannot serve to be left out
            raise ApiError(f"Unknown requested attribute: {name}")
        if score_type not in ("SCORE_TYPE_UNSPECIFIED", PROBABILITY):
            raise ApiError(f"Requested score type {score_type} is not supported by attribute {name}")
        attributes.append(Attribute(name, label, threshold))
    languages = languages_of(request)
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
    the suggestion says nothing about a label), and what else its feedback row holds.

    From Coral Talk (its context blob, :mod:`moderation.server.coral`) the score is the
    moderator's decision: approved sets every label to 0; rejected leaves the labels empty with
    the reason "rejected in Coral", for a person to fill in. The row's id is Coral's comment id,
    its thread the story's URL, and the blob is not taken for the article.

    From other clients a score of 0.5 or more for an attribute sets its label to 1, less sets
    it to 0 (several attributes of one label: any 1 wins). ``APPROVED`` says the comment has
    none of the problems: every label not otherwise set is 0. ``DELETED``/``REJECTED`` says it
    has some problem but not which: its labels stay empty, with a reason.
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
    scores = {name: suggested_score(name, value) for name, value in suggested.items()}
    languages = languages_of(request)
    if unscored_language(languages, None) is not None:
        raise language_error(next(iter(suggested)), languages)  # feedback in a language the model does not score
    article, earlier = context_texts(request.get("context"))
    try:
        coral = coral_comment(article) if not earlier else None
    except ValueError as error:
        raise ApiError(f"{error}.") from None
    if coral is not None:
        rejected = coral_rejected(scores)
        labels: dict[str, int | None] = {label: None if rejected else 0 for label in LABELS}
        reason = REJECTED_IN_CORAL if rejected else ""
        return SuggestRequest(text, labels, languages, request.get("clientToken"), "", coral.comment_id, coral.story_url, coral.parent_id, reason)
    labels = {label: None for label in LABELS}
    approved = rejected = False
    for name, value in scores.items():
        verdict = name.upper()
        if verdict == APPROVED:
            approved = approved or value >= 0.5
        elif verdict in REJECTED:
            rejected = rejected or value >= 0.5
        else:
            label = label_of(name, LABELS)
            if label is None or label == WORD_LIST:
                raise ApiError(f"Unknown requested attribute: {name}")
            labels[label] = max(labels[label] or 0, int(value >= 0.5))
    if approved:
        labels = {label: 0 if value is None else value for label, value in labels.items()}
    reason = REJECTED_REASON if rejected and all(value is None for value in labels.values()) else ""
    return SuggestRequest(text, labels, languages, request.get("clientToken"), article, request.get("clientToken"), reason=reason)


def coral_rejected(scores: dict[str, float]) -> bool:
    """Whether Coral's suggestion says its moderator rejected the comment: 1 for the attribute
    Coral scores with (0 is approved), or the older verdicts DELETED (rejected) and APPROVED."""
    return any(value < 0.5 if name.upper() == APPROVED else value >= 0.5 for name, value in scores.items())


def suggested_score(name: str, scores) -> float:
    """The summary score suggested for attribute ``name``: a probability, or Google's 400."""
    where = f"attributeScores[{name}]"
    scores = fields(scores if scores is not None else {}, ("summaryScore", "spanScores"), where)
    typed(scores.get("spanScores"), list, f"{where}.spanScores")
    if scores.get("summaryScore") is None:
        raise ApiError(f"{where}.summaryScore must be set: this server learns from whole-comment scores only.")
    summary = fields(scores["summaryScore"], ("value", "type"), f"{where}.summaryScore")
    score_type = typed(summary.get("type"), str, f"{where}.summaryScore.type", PROBABILITY)
    if score_type not in ("SCORE_TYPE_UNSPECIFIED", PROBABILITY):
        raise ApiError(f"Requested score type {score_type} is not supported by attribute {name}")
    value = probability(summary.get("value"), f"{where}.summaryScore.value")
    if value is None:
        raise ApiError(f"{where}.summaryScore.value must be a probability from 0 to 1.")
    return value


# -- responses ---------------------------------------------------------------------------


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``. A sentence starts at a non-space
    character and ends after a run of ``. ! ? …`` followed by whitespace or the end of the
    text (a run that is the sentence's first character alone does not end it), before a line
    break, or at the end of the text.

    One pass, linear in the text: :data:`SENTENCE_END` examines each punctuation run once.
    """
    spans = []
    start = NON_SPACE.search(text)
    for match in SENTENCE_END.finditer(text):
        if start is None:
            break
        begin, end = match.span()
        if begin < start.start() or (begin == start.start() and end == begin + 1):
            continue  # a line break between sentences, or a sentence's lone first character
        end = begin if match.group() == "\n" else end
        spans.append((start.start(), end))
        start = NON_SPACE.search(text, end)
    if start is not None:
        spans.append((start.start(), len(text)))
    return spans


def grouped(spans: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """``spans`` (in order) as at most ``count`` spans, each a run of consecutive ones of
    nearly equal length in spans."""
    if len(spans) <= count:
        return spans
    size, larger = divmod(len(spans), count)
    runs, first = [], 0
    for number in range(count):
        last = first + size + (number < larger) - 1
        runs.append((spans[first][0], spans[last][1]))
        first = last + 1
    return runs


def spans_of(request: AnalyzeRequest, request_bytes: int) -> list[tuple[int, int]]:
    """Character spans to score: the whole text, then its sentences when the request asked
    for span annotations and the text has more than one.

    The response repeats the span scores for every requested attribute, so they are bounded:
    each attribute gets at most :data:`MAX_SPANS`, the response at most
    :data:`MAX_SPAN_SCORES` in all and one per :data:`REQUEST_BYTES_PER_SPAN_SCORE` bytes of
    the request (``request_bytes``); beyond that, consecutive sentences are grouped into one span.
    """
    whole = [(0, len(request.text))]
    if not request.span_annotations or not request.attributes:
        return whole
    budget = min(MAX_SPAN_SCORES, request_bytes // REQUEST_BYTES_PER_SPAN_SCORE) // len(request.attributes)
    found = sentences(request.text)
    if len(found) <= 1 or budget < 2:
        return whole
    return whole + grouped(found, min(MAX_SPANS, budget))


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
    """A served score: its value to six decimals, and its type."""
    return {"value": round(float(value), 6), "type": PROBABILITY}


def analyze_response(request: AnalyzeRequest, spans: list[tuple[int, int]], columns: Mapping[str, Sequence[float]], detected: str | None = None) -> dict:
    """The ``AnalyzeCommentResponse`` for ``request``, from the served scores of its ``spans``.

    ``spans`` are character spans of the text, the first one the whole text (see
    :func:`spans_of`); ``columns`` holds, for each label (or :data:`WORD_LIST`) a requested
    attribute names, one served score per span. Each requested attribute gets its summary
    score (the whole text's) and its span scores, the whole text first, offsets in UTF-16 code
    units. An attribute whose summary score is below its ``scoreThreshold`` is left out of the
    response altogether; otherwise only its span scores below the threshold are. ``languages``
    echoes the request's (``detected`` or English when it names none), ``detectedLanguages`` is
    ``detected`` or English, and ``clientToken`` is echoed when sent.
    """
    offsets = utf16_offsets(request.text, [offset for span in spans for offset in span])
    units = list(zip(offsets[::2], offsets[1::2]))
    attribute_scores = {}
    for attribute in request.attributes:
        column = columns[attribute.label]
        threshold = attribute.threshold if attribute.threshold is not None else -math.inf
        if column[0] < threshold:
            continue
        attribute_scores[attribute.name] = {
            "spanScores": [{"begin": begin, "end": end, "score": score_value(value)} for (begin, end), value in zip(units, column) if value >= threshold],
            "summaryScore": score_value(column[0]),
        }
    language = detected or SERVED_LANGUAGE
    response = {"attributeScores": attribute_scores, "languages": request.languages or [language], "detectedLanguages": [language]}
    if request.client_token:
        response["clientToken"] = request.client_token
    return response


def suggest_response(request: SuggestRequest) -> dict:
    """The ``SuggestCommentScoreResponse``."""
    response = {"detectedLanguages": [SERVED_LANGUAGE], "requestedLanguages": request.languages}
    if request.client_token:
        response["clientToken"] = request.client_token
    return response
