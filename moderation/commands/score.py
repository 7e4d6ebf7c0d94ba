"""``moderation score``: comments as they arrive, one JSON record out per line in."""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Callable
from pathlib import Path

from moderation.comments import LABELS, Comment, has_text
from moderation.commands.explanations import explanation_json
from moderation.errors import InputError, warn
from moderation.io.readers import ReadOptions
from moderation.io.readers.lines import STDIN, iter_lines, read_text_file
from moderation.io.readers.json_values import json_object
from moderation.io.readers.tabular import Columns, csv_header, parse_json_record
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
        record["explain"] = explanation_json(verdict.explanation)
    return record


def error_record(comment_id: str, message: str) -> dict:
    """The record of a line that could not be read as a comment."""
    return {"id": comment_id, "scores": {label: None for label in LABELS}, "flags": [], "error": message}


def is_regular_file(source: str | Path) -> bool:
    """Whether ``source`` (``-``: stdin) is a regular file, as opposed to a pipe, a FIFO or a
    terminal: a stream of comments as they arrive."""
    try:
        status = os.fstat(0) if str(source) == STDIN else os.stat(source)
    except OSError:
        return False
    return stat.S_ISREG(status.st_mode)


def refuse_other_format(first_line: str, columns: Columns, name: str) -> None:
    """An :class:`InputError` if the first line of a file given to ``score`` shows that the
    file is a CSV file (a header naming the text column) or JSON Lines read without
    ``--jsonl``: its lines are records, not comments, and each would be scored as one."""
    file = "FILE" if name == "<stdin>" else shlex.quote(name)
    anyway = f"or pipe it in (cat {file} | moderation score) to score each line as a comment"
    header = csv_header(first_line, columns)
    if header is not None:
        shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
        raise InputError(
            f"looks like a CSV file (a header with the columns {shown}), not one comment per line; "
            f"label a CSV export with `moderation label {file}`, {anyway}",
            name,
            1,
        )
    if first_line.lstrip().startswith("{"):
        try:
            record = json_object(first_line, name, 1)
        except InputError:
            return  # a comment that opens with a brace
        if columns.text in record:
            raise InputError(
                f"looks like JSON Lines (an object with a '{columns.text}' field), not one comment per line; "
                f"read it with `moderation score --jsonl {file}`, {anyway}",
                name,
                1,
            )


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

    check_first_line = not jsonl and is_regular_file(source)
    for number, line in iter_lines(source, options.encoding, options.errors, on_undecodable=report):
        lines = number
        text = line.rstrip("\r\n")
        if check_first_line and number == 1:
            refuse_other_format(text, options.columns, name)
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
