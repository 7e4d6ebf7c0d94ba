"""Every input format, behind one function: :func:`read_comments`."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.readers.lines import STDIN, iter_lines
from moderation.readers.tabular import Columns, read_csv, read_jsonl
from moderation.readers.thread_export import looks_like_thread_export, read_thread_export

FORMATS = ("csv", "jsonl", "thread")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SNIFF_LINES = 5000


def detect_format(path: str | Path, encoding: str = "utf-8", errors: str = "strict") -> str:
    """The format of a file: from its extension, else from its first lines."""
    by_extension = EXTENSIONS.get(Path(path).suffix.lower())
    if by_extension:
        return by_extension
    first = [line for _, line in islice(iter_lines(path, encoding, errors), SNIFF_LINES)]
    if not any(line.strip() for line in first):
        raise InputError("empty file: nothing to read", path)
    if next(line for line in first if line.strip()).lstrip().startswith("{"):
        return "jsonl"
    if looks_like_thread_export(first):
        return "thread"
    return "csv"


def read_comments(
    path: str | Path,
    format: str | None = None,
    columns: Columns = Columns(),
    encoding: str = "utf-8",
    errors: str = "strict",
) -> Iterator[Comment]:
    """The comments of a file in any supported format, in file order.

    ``path`` may not be stdin: detection and two-pass reading need to read it again (the
    commands copy stdin to a temporary file first).
    """
    if str(path) == STDIN:
        raise ValueError("read_comments needs a file; spool stdin first")
    format = format or detect_format(path, encoding, errors)
    if format == "csv":
        return read_csv(path, columns, encoding, errors)
    if format == "jsonl":
        return read_jsonl(path, columns, encoding, errors)
    if format == "thread":
        return read_thread_export(path, encoding=encoding, errors=errors)
    raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
