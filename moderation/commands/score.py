"""Scoring comments with a loaded model: batch (whole threads known) or streaming."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from moderation.comments import LABELS, Comment
from moderation.features.context import ContextFeaturizer
from moderation.errors import InputError
from moderation.io.readers.lines import iter_lines
from moderation.io.readers.tabular import Columns, parse_json_record
from moderation.model.store import LoadedModel, notice

EMPTY_NOTE = "empty text: nothing to score"
CHUNK = 700  # comments scored together: enough to amortize NumPy calls; a batch's temporaries grow with it


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


def score_comments(model: LoadedModel, comments: Sequence[Comment]) -> np.ndarray:
    """Scores of comments held in memory, one row per comment (NaN for empty texts), each
    against its whole thread (the comments of ``comments`` with its thread id)."""
    rows = [row for row, comment in enumerate(comments) if comment.text.strip()]
    scored = [comments[row] for row in rows]
    featurizer = ContextFeaturizer(model.scorer.table)
    # Every comment joins its thread's statistics before any is scored against them.
    chunks = []
    for start in range(0, len(scored), CHUNK):
        chunk = scored[start : start + CHUNK]
        encoded = model.scorer.table.encode([c.text for c in chunk])
        vectors = featurizer.content_vectors(encoded)
        featurizer.add(chunk, encoded, vectors)
        chunks.append((start, chunk, encoded, vectors))
    scores = np.full((len(comments), len(LABELS)), np.nan)
    for start, chunk, encoded, vectors in chunks:
        contexts = featurizer.features(chunk, included=True, encoded=encoded, vectors=vectors)
        scores[rows[start : start + CHUNK]] = model.scorer.scores(encoded, contexts)
    return scores


def result_record(model: LoadedModel, comment: Comment, thresholds: dict[str, float], explain: bool, featurizer: ContextFeaturizer) -> dict:
    """The JSON record ``score`` writes for one comment, scored against the comments before
    it in its thread (the featurizer is then told about this one)."""
    if not comment.text.strip():
        return {"id": comment.id, "scores": {label: None for label in LABELS}, "flags": [], "note": EMPTY_NOTE}
    encoded = model.scorer.table.encode([comment.text])
    vectors = featurizer.content_vectors(encoded)
    context = featurizer.features([comment], included=False, encoded=encoded, vectors=vectors)
    scores = model.scorer.scores(encoded, context)[0]
    featurizer.add([comment], encoded, vectors)
    flags = flags_of(scores, thresholds)
    record = {
        "id": comment.id,
        "scores": {label: None if math.isnan(s) else round(float(s), 4) for label, s in zip(LABELS, scores)},
        "flags": flags,
    }
    if explain:
        record["explain"] = {
            label: [{"feature": c.feature, "weight": round(c.weight, 4)} for c in model.scorer.explain(comment.text, context[0], label)]
            for label in flags
        }
    return record


def stream_scores(
    model: LoadedModel, comments: Iterable[Comment], thresholds: dict[str, float], explain: bool = False
) -> Iterator[dict]:
    """Score each comment as it arrives, against the earlier comments of its thread."""
    featurizer = ContextFeaturizer(model.scorer.table, streaming=True)
    for comment in comments:
        yield result_record(model, comment, thresholds, explain, featurizer)


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
    lines = 0

    def comments() -> Iterator[Comment]:
        nonlocal bad, lines
        for number, line in iter_lines(source, encoding, errors):
            lines = number
            text = line.rstrip("\r\n")
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
    if lines == 0 and name != "<stdin>":
        raise InputError("empty file: no comments to score; give one comment per line", name)
    return bad
