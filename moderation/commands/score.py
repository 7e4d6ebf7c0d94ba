"""``moderation score``: comments as they arrive, one JSON record out per line in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from moderation.comments import LABELS, Comment, has_text
from moderation.errors import InputError, warn
from moderation.io.readers import ReadOptions
from moderation.io.readers.lines import STDIN, iter_lines, read_text_file
from moderation.io.readers.tabular import parse_json_record
from moderation.model.store import LoadedModel
from moderation.model.verdicts import Judge, Verdict


def score_record(comment_id: str, verdict: Verdict) -> dict:
    """The JSON record ``score`` writes for one comment: its scores (null where the model has
    none), its flags, its notes (why it has no scores, or what to know about them) and, when
    asked for, what raised each flag."""
    record = {
        "id": comment_id,
        "scores": {label: None if score is None else round(score, 4) for label, score in verdict.scores.items()},
        "flags": list(verdict.flags),
    }
    if verdict.notes:
        record["note"] = "; ".join(verdict.notes)
    if verdict.explanation is not None:
        record["explain"] = {
            label: [{"feature": c.feature, "weight": round(c.weight, 4)} for c in contributions]
            for label, contributions in verdict.explanation.items()
        }
    return record


def error_record(comment_id: str, message: str) -> dict:
    """The record of a line that could not be read as a comment."""
    return {"id": comment_id, "scores": {label: None for label in LABELS}, "flags": [], "error": message}


def score_lines(
    source: str | Path,
    model: LoadedModel,
    thresholds: dict[str, float],
    write: Callable[[dict], None],
    article: Path | None = None,
    jsonl: bool = False,
    explain: bool = False,
    options: ReadOptions = ReadOptions(),
) -> int:
    """Score each line of ``source`` (``-`` for stdin) against the lines before it and
    ``write`` one record per line, as soon as it is read; ``thresholds`` replace the model's
    for the labels they name.

    Plain lines are comments of one thread about ``article``. With ``jsonl`` each line is a
    record with ``text`` and optionally ``id``, ``thread_id``, ``parent_id``, ``author``,
    ``article``; a line that is not one, or that is not text in the encoding, still gets a
    record, with an ``error`` instead of scores, and a message on stderr. Returns how many
    lines were bad.
    """
    name = "<stdin>" if str(source) == STDIN else str(source)
    article_text = read_text_file(article, "article", options.encoding, options.errors) if article is not None else ""
    stream = Judge(model.scorer, thresholds, explain).stream()
    bad = 0
    lines = 0

    def report(error: InputError) -> None:
        nonlocal bad, lines
        bad += 1
        lines = error.line
        warn(f"error: {error}")
        write(error_record(str(error.line), error.message))

    for number, line in iter_lines(source, options.encoding, options.errors, on_undecodable=report):
        lines = number
        text = line.rstrip("\r\n")
        comment = Comment(text=text, id=str(number), article=article_text)
        if jsonl and has_text(text):
            try:
                comment = parse_json_record(text, options.columns, name, number)
            except InputError as error:
                report(error)
                continue
            comment.article = comment.article or article_text
        write(score_record(comment.id, stream.verdict(comment)))
    if lines == 0 and name != "<stdin>":
        raise InputError("empty file: no comments to score; give one comment per line", name)
    return bad
