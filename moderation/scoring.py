"""Scoring comments with a loaded model: batch (whole threads known) or streaming."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from moderation.comments import LABELS, Comment
from moderation.context import Thread, build_threads, thread_key
from moderation.errors import InputError
from moderation.readers.lines import iter_lines
from moderation.readers.tabular import Columns, parse_json_record
from moderation.store import LoadedModel, notice

EMPTY_NOTE = "empty text: nothing to score"


def parse_thresholds(overrides: Iterable[str]) -> dict[str, float]:
    """``["hostile=0.7"]`` → ``{"hostile": 0.7}``, validated."""
    thresholds = {}
    for item in overrides:
        label, _, value = item.partition("=")
        label = label.strip()
        if label not in LABELS or not value:
            raise InputError(f"--threshold {item!r}: use LABEL=VALUE with LABEL one of {', '.join(LABELS)}")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not 0.0 <= number <= 1.0:
            raise InputError(f"--threshold {item!r}: the value must be a number from 0 to 1")
        thresholds[label] = number
    return thresholds


def flags_of(scores: np.ndarray, thresholds: dict[str, float]) -> list[str]:
    return [label for label, score in zip(LABELS, scores) if label in thresholds and score >= thresholds[label]]


def score_comments(model: LoadedModel, comments: list[Comment], threads: dict[str, Thread] | None = None) -> np.ndarray:
    """Scores of comments, one row per comment (NaN for empty texts), each against its whole
    thread: ``threads`` as built by :func:`build_threads` over all the input, by default
    over ``comments``."""
    if threads is None:
        threads = build_threads(c for c in comments if c.text.strip())
    scores = np.full((len(comments), len(LABELS)), np.nan)
    for row, comment in enumerate(comments):
        if comment.text.strip():
            context = threads[thread_key(comment)].features(comment, included=True)
            scores[row] = model.scorer.scores(comment.text, context)
    return scores


def result_record(
    model: LoadedModel, comment: Comment, context, thresholds: dict[str, float], explain: bool
) -> dict:
    """The JSON record ``score`` writes for one comment."""
    if not comment.text.strip():
        return {"id": comment.id, "scores": {label: None for label in LABELS}, "flags": [], "note": EMPTY_NOTE}
    scores = model.scorer.scores(comment.text, context)
    flags = flags_of(scores, thresholds)
    record = {
        "id": comment.id,
        "scores": {label: None if math.isnan(s) else round(float(s), 4) for label, s in zip(LABELS, scores)},
        "flags": flags,
    }
    if explain:
        record["explain"] = {
            label: [{"feature": c.feature, "weight": round(c.weight, 4)} for c in model.scorer.explain(comment.text, context, label)]
            for label in flags
        }
    return record


def stream_scores(
    model: LoadedModel, comments: Iterable[Comment], thresholds: dict[str, float], explain: bool = False
) -> Iterator[dict]:
    """Score each comment as it arrives, against the earlier comments of its thread."""
    threads: dict[str, Thread] = {}
    for comment in comments:
        thread = threads.setdefault(thread_key(comment), Thread())
        context = thread.features(comment, included=False) if comment.text.strip() else None
        yield result_record(model, comment, context, thresholds, explain)
        if comment.text.strip():
            thread.add(comment)


def read_article(path: Path | None) -> str:
    if path is None:
        return ""
    text = "".join(line for _, line in iter_lines(path)).strip()
    if not text:
        raise InputError("the article file is empty; give the text of the article", path)
    return text


def score_stream(
    source: str | Path,
    model: LoadedModel,
    thresholds: dict[str, float],
    write: Callable[[dict], None],
    article: Path | None = None,
    jsonl: bool = False,
    explain: bool = False,
    encoding: str = "utf-8",
    errors: str = "strict",
) -> int:
    """Score each line of ``source`` (``-`` for stdin) and ``write`` one record per line.

    A line that is not a valid JSON object (with ``--jsonl``) still gets a record, with an
    ``error`` instead of scores, and a message on stderr; returns how many lines were bad.
    """
    name = "<stdin>" if str(source) == "-" else str(source)
    article_text = read_article(article)
    bad = 0

    def comments() -> Iterator[Comment]:
        nonlocal bad
        for number, line in iter_lines(source, encoding, errors):
            text = line.rstrip("\n")
            if not jsonl or not text.strip():
                yield Comment(text=text, id=str(number), thread_id="", article=article_text)
                continue
            try:
                comment = parse_json_record(text, Columns(), name, number)
            except InputError as error:
                bad += 1
                notice(f"error: {error}")
                write({"id": str(number), "scores": {label: None for label in LABELS}, "flags": [], "error": error.message})
                continue
            comment.article = comment.article or article_text
            yield comment

    for record in stream_scores(model, comments(), thresholds, explain):
        write(record)
    return bad
