"""The JSON the page shows: a compact index of every comment, and what a moderator reads of one.

The **index** holds, per comment, only what filtering, sorting and counting need (thread,
parent, depth, scores, flags, the uncertainty margin, the answer so far), as one list per
field: 10,000 comments make about a megabyte, parsed in milliseconds. Texts and explanations
are in the **records**, asked for a page at a time. The static report embeds both.

Everything is text for the page to show: the page builds its DOM from it with ``textContent``,
never as HTML. :func:`to_json` escapes ``<``, ``>``, ``&``, U+2028, U+2029 and lone surrogates,
so the JSON is also safe inside a ``<script type="application/json">`` element.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from moderation.review.highlights import highlights, reason
from moderation.review.model_access import LABELS, Comment, flags, score_note
from moderation.review.threads import Threads, comment_status, comment_time

DISPLAY_CHARS = 20_000  # a longer text is sent cut here; the page asks for the rest on demand
PARENT_EXCERPT_CHARS = 160
ESCAPED = re.compile("[<>&\x85\u2028\u2029\ud800-\udfff]")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
SKIPPED = "skip"


def to_json(data) -> bytes:
    """UTF-8 JSON safe to embed in HTML (see the module docstring); NaN is not allowed."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text).encode("utf-8")


def rounded(value: float, digits: int = 4) -> float | None:
    """A score or margin for JSON: None for NaN."""
    return None if value is None or math.isnan(value) else round(float(value), digits)


def answer_value(labels: dict[str, int] | None):
    """A comment's answer in the index: None (not answered), ``"skip"``, or one value per
    label (1, 0, or None where that label was not answered)."""
    if labels is None:
        return None
    if not labels:
        return SKIPPED
    return [labels.get(label) for label in LABELS]


def flag_bits(flagged: np.ndarray) -> list[int]:
    """Each comment's flags as a bit mask: bit j set when label j is flagged."""
    return (flagged.astype(int) * (1 << np.arange(len(LABELS)))).sum(axis=1).tolist() if len(flagged) else []


def index_data(
    comments: list[Comment],
    threads: Threads,
    keys: list[str],
    scores: np.ndarray,
    thresholds: np.ndarray,
    margins: np.ndarray,
    answers: list,
    chosen: tuple[str, ...],
    model: dict,
    source: dict,
) -> dict:
    """The index of every comment (see the module docstring). ``thresholds`` has NaN for labels
    without a model; ``answers`` are :func:`answer_value`\\ s; ``model`` says which model scored,
    ``source`` what was read and where answers go."""
    return {
        "labels": list(LABELS),
        "chosen": list(chosen),
        "thresholds": [rounded(t) for t in thresholds.tolist()],
        "model": model,
        "source": source,
        "threads": [{"id": t.id, "title": t.title, "opening": t.opening, "link": t.link} for t in threads.threads],
        "order": threads.order,
        "key": keys,
        "id": [c.id for c in comments],
        "author": [c.author for c in comments],
        "status": [comment_status(c) for c in comments],
        "thread": threads.thread,
        "parent": threads.parent,
        "depth": threads.depth,
        "scores": [[rounded(s) for s in row] for row in scores.tolist()],
        "flags": flag_bits(flags(scores, thresholds)),
        "margin": [rounded(m, 3) for m in margins.tolist()],
        "answer": answers,
    }


def comment_record(
    comments: list[Comment],
    threads: Threads,
    position: int,
    explanations: dict[str, list[tuple[str, float, tuple[str, ...]]]],
    display_chars: int | None = DISPLAY_CHARS,
) -> dict:
    """What the page shows of one comment: who, when, status, its text (cut at
    ``display_chars``; None: whole) with the features that raised each flag highlighted, the
    reasons in words, the comment it replies to, and notes."""
    comment = comments[position]
    text = comment.text
    spans, spans_cut, found = highlights(text, explanations)
    parent = threads.parent[position]
    notes = [note for note in (score_note(comment),) if note]
    if spans_cut:
        notes.append("only the first matches of each reason are highlighted")
    if BIDI_CONTROLS.search(text) or BIDI_CONTROLS.search(comment.author):
        notes.append("contains characters that change the direction of text; they are shown as written")
    record = {
        "position": position,
        "id": comment.id,
        "author": comment.author,
        "time": comment_time(comment),
        "status": comment_status(comment),
        "length": len(text),
        "text": text if display_chars is None else text[:display_chars],
        "spans": spans,
        "reasons": {
            label: [
                {"feature": feature, "weight": round(weight, 3), "reason": reason(feature, feature in found, matched)}
                for feature, weight, matched in features
            ]
            for label, features in explanations.items()
        },
        "notes": notes,
        "parent": None,
    }
    if parent >= 0:
        replied = comments[parent]
        excerpt = " ".join(replied.text[: PARENT_EXCERPT_CHARS * 4].split())
        if len(excerpt) > PARENT_EXCERPT_CHARS:
            excerpt = excerpt[: PARENT_EXCERPT_CHARS - 1] + "…"
        record["parent"] = {"position": parent, "id": replied.id, "author": replied.author, "excerpt": excerpt}
    return record


def matches(comment: Comment, query: str) -> bool:
    """Whether a search finds a comment: the query, ignoring case, in its text or author."""
    return query in comment.text.lower() or query in comment.author.lower()
