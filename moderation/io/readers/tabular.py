"""CSV and JSON Lines in the canonical schema (see the README), with column renaming.

Both readers stream: one record at a time, each turned into a :class:`Comment` that keeps the
original record in ``row`` so output can repeat every input column unchanged.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from moderation.comments import LABELS, Comment
from moderation.errors import InputError
from moderation.io.readers.lines import iter_lines

TRUE_VALUES = {"1", "true", "yes", "1.0"}
FALSE_VALUES = {"0", "false", "no", "0.0"}
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a comment may be megabytes long


@dataclass(frozen=True)
class Columns:
    """Which input column holds each field of the canonical schema."""

    text: str = "text"
    id: str = "id"
    thread_id: str = "thread_id"
    parent_id: str = "parent_id"
    author: str = "author"
    article: str = "article"


def parse_label(value, label: str, name: str, row: int, unit: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in TRUE_VALUES:
        return 1
    if text in FALSE_VALUES:
        return 0
    raise InputError(
        f"{label} = {str(value)[:20]!r} is not a label value; use 1/0, true/false, yes/no, or leave it empty",
        name,
        row,
        unit=unit,
    )


def to_comment(record: dict, columns: Columns, labeled: tuple[str, ...], name: str, row: int, unit: str) -> Comment:
    def field(key: str) -> str:
        value = record.get(key)
        return "" if value is None else str(value)

    text = record.get(columns.text)
    if text is not None and not isinstance(text, str):
        raise InputError(f"'{columns.text}' must be a string, got {type(text).__name__}", name, row, unit=unit)
    return Comment(
        text=text or "",
        id=field(columns.id) or str(row),
        thread_id=field(columns.thread_id),
        parent_id=field(columns.parent_id),
        author=field(columns.author),
        article=field(columns.article),
        labels={label: parse_label(record.get(label), label, name, row, unit) for label in labeled},
        row=record,
    )


def read_csv(path: str | Path, columns: Columns = Columns(), encoding: str = "utf-8", errors: str = "strict") -> Iterator[Comment]:
    """Comments from a CSV file with a header row; ``id`` defaults to the row number."""
    name = "<stdin>" if str(path) == "-" else str(path)
    lines = (line for _, line in iter_lines(path, encoding, errors))
    reader = csv.reader(lines, strict=True)
    row = 0
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError("empty file: expected a CSV header row with a 'text' column", name)
        header = [h.strip() for h in header]
        if columns.text not in header:
            raise InputError(
                f"no '{columns.text}' column; found columns: {', '.join(header)}; "
                "name the text column with --text-column",
                name,
            )
        duplicates = sorted({h for h in header if header.count(h) > 1})
        if duplicates:
            raise InputError(f"duplicate column names in the header: {', '.join(duplicates)}; rename them", name, 1, unit="line")
        labeled = tuple(label for label in LABELS if label in header)
        for row, values in enumerate(reader, start=1):
            if len(values) != len(header):
                if not any(v.strip() for v in values):
                    continue  # a blank line between rows holds no comment
                raise InputError(
                    f"has {len(values)} fields but the header has {len(header)} (line {reader.line_num}); "
                    "check the quoting of this row",
                    name,
                    row,
                    unit="row",
                )
            yield to_comment(dict(zip(header, values)), columns, labeled, name, row, "row")
    except csv.Error as error:
        raise InputError(
            f"malformed CSV ({error}) near line {reader.line_num}; check the quotes in this row",
            name,
            row + 1,
            unit="row",
        ) from None


def read_jsonl(path: str | Path, columns: Columns = Columns(), encoding: str = "utf-8", errors: str = "strict") -> Iterator[Comment]:
    """Comments from JSON Lines: one object per line with at least ``text``."""
    name = "<stdin>" if str(path) == "-" else str(path)
    seen_any = False
    for number, line in iter_lines(path, encoding, errors):
        if not line.strip():
            continue
        seen_any = True
        yield parse_json_record(line, columns, name, number)
    if not seen_any:
        raise InputError("empty file: expected one JSON object per line", name)


def parse_json_record(line: str, columns: Columns, name: str, number: int) -> Comment:
    try:
        record = json.loads(line)
    except ValueError as error:
        raise InputError(f"malformed JSON ({error}); each line must be one JSON object", name, number) from None
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}; write one object per line", name, number)
    if columns.text not in record:
        raise InputError(f"JSON object has no '{columns.text}' field; add it or name the field with --text-column", name, number)
    labeled = tuple(label for label in LABELS if label in record)
    return to_comment(record, columns, labeled, name, number, "line")
