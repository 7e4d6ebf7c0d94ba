"""CSV and JSON Lines in the canonical schema (see the README), with column renaming.

Both readers stream: one record at a time, each turned into a :class:`Comment` that keeps the
original record in ``row`` so output can repeat every input column unchanged. JSON values
other than strings are kept as their JSON text (see :mod:`moderation.io.readers.json_values`).
"""

from __future__ import annotations

import csv
import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from moderation.comments import LABELS, Comment
from moderation.errors import InputError
from moderation.io.readers.json_values import JSON_ARRAY_OF_OBJECTS, JSONText, array_records, json_object
from moderation.io.readers.lines import LINE_LIMIT

DELIMITERS = (",", ";", "\t", "|")
EXCEL_SEPARATOR = re.compile(r"sep=(.)")
LINE_END = re.compile(r"\r\n|\r|\n")
TRUE_VALUES = {"1", "true", "yes", "1.0"}
FALSE_VALUES = {"0", "false", "no", "0.0"}
LABEL_SEPARATOR = re.compile(r"[\s_-]+")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
csv.field_size_limit(LINE_LIMIT)  # a comment may be megabytes long, but not unbounded


@dataclass(frozen=True)
class Columns:
    """Which input column holds each field of the canonical schema."""

    text: str = "text"
    id: str = "id"
    thread_id: str = "thread_id"
    parent_id: str = "parent_id"
    author: str = "author"
    article: str = "article"


LABEL_BY_LETTERS = {label.replace("_", ""): label for label in LABELS}


@lru_cache(maxsize=1024)
def label_of_column(column: str) -> str | None:
    """The label a column holds, by its name spelled any way a person might: "HOSTILE",
    " Off_Topic ", "ad hominem", "Ad-Hominem", "OffTopic", fullwidth letters or an invisible
    character typed in; None for other columns."""
    letters = "".join(c for c in unicodedata.normalize("NFKC", column) if unicodedata.category(c) != "Cf")
    return LABEL_BY_LETTERS.get(LABEL_SEPARATOR.sub("", letters.casefold()))


@lru_cache(maxsize=256)
def label_columns(columns: tuple[str, ...]) -> dict[str, str]:
    """Label → the column that holds it, in :data:`LABELS` order (see :func:`label_of_column`).
    A ValueError, with a one-line message, when two columns hold the same label."""
    found: dict[str, str] = {}
    for column in columns:
        label = label_of_column(column)
        if label in found:
            raise ValueError(f"columns {found[label]!r} and {column!r} both hold the {label} label; keep one of them")
        if label is not None:
            found[label] = column
    return {label: found[label] for label in LABELS if label in found}


def labels_of(record: dict, name: str, row: int, unit: str) -> dict[str, str]:
    """:func:`label_columns` of a record's keys; the ValueError as an :class:`InputError` naming the row."""
    try:
        return label_columns(tuple(record))
    except ValueError as error:
        raise InputError(str(error), name, row, unit=unit) from None


def is_null(value) -> bool:
    """True for a missing value: None or JSON null."""
    return value is None or (isinstance(value, JSONText) and value == "null")


def parse_label(value, label: str, name: str, row: int, unit: str) -> int | None:
    """1, 0, or None (not annotated: empty, missing or null) for a label cell; anything else is
    an :class:`InputError` naming the row."""
    if is_null(value):
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


def to_comment(record: dict, columns: Columns, labeled: dict[str, str], name: str, row: int, unit: str) -> Comment:
    """The comment of one CSV row or JSON record (kept whole as ``row``); ``labeled`` gives
    the column of each label the record has (:func:`label_columns`)."""

    def field(key: str) -> str:
        value = record.get(key)
        if type(value) is str:  # every CSV value, most JSON ones
            return value
        return "" if is_null(value) else str(value)

    text = record.get(columns.text)
    if isinstance(text, JSONText) and not is_null(text):
        raise InputError(f"'{columns.text}' must be a string, got {text.kind}", name, row, unit=unit)
    return Comment(
        text=field(columns.text),
        id=field(columns.id) or str(row),
        thread_id=field(columns.thread_id),
        parent_id=field(columns.parent_id),
        author=field(columns.author),
        article=field(columns.article),
        labels={label: parse_label(record.get(column), label, name, row, unit) for label, column in labeled.items()},
        row=record,
    )


def delimiter_of(first_line: str, text_column: str) -> tuple[str, bool]:
    """The delimiter of a CSV file given its first line, and whether that line is Excel's
    "sep=;" line rather than the header: the delimiter that makes a header with the text
    column (",", ";" as spreadsheets use where the comma is the decimal mark, tab, "|")."""
    separator = EXCEL_SEPARATOR.fullmatch(first_line)
    if separator:
        return separator.group(1), True
    for delimiter in DELIMITERS:
        try:
            names = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            continue  # e.g. a quote left open on the first line: the reader will say where
        if text_column in (name.strip() for name in names):
            return delimiter, False
    return ",", False


def csv_header(line: str, columns: Columns) -> list[str] | None:
    """The column names of ``line`` if it reads as the header of a CSV file with comments,
    else None: names separated by one of :data:`DELIMITERS`, one of them the text column and
    another a field of the schema or a label (in any case) or a name in snake_case
    (``created_at``). So a comment such as "Text, please" is not taken for a header."""
    text = columns.text.lower()
    known = {name.lower() for name in dataclasses.astuple(columns)} - {text}
    for delimiter in DELIMITERS:
        if delimiter not in line:
            continue
        try:
            names = [name.strip() for name in next(csv.reader([line], delimiter=delimiter), [])]
        except csv.Error:
            continue
        lowered = [name.lower() for name in names]
        if text in lowered and any(name in known or label_of_column(name) or SNAKE_CASE.fullmatch(name) for name in lowered):
            return names
    return None


def read_csv(source, report=None) -> Iterator[Comment]:
    """Comments from a CSV file with a header row (blank lines before it are skipped; the
    delimiter as :func:`delimiter_of` finds it); ``id`` defaults to the row number."""
    name, columns = source.name, source.options.columns
    delimiter, separator_line = delimiter_of(LINE_END.split(source.head().text, 1)[0], columns.text)
    reader = csv.reader((line for _, line in source.lines()), strict=True, delimiter=delimiter)
    row = 0
    try:
        rows = (values for values in reader if any(value.strip() for value in values))
        if separator_line:
            next(rows, None)
        header = next(rows, None)
        if header is None:
            raise InputError("empty file: expected a CSV header row with a 'text' column", name)
        header = [h.strip() for h in header]
        if columns.text not in header:
            shown = ", ".join(header[:50]) + (f", … ({len(header):,} columns)" if len(header) > 50 else "")
            raise InputError(
                f"no '{columns.text}' column; found columns: {shown}; name the text column with --text-column",
                name,
            )
        duplicates = sorted(h for h, count in Counter(header).items() if count > 1)
        if duplicates:
            raise InputError(f"duplicate column names in the header: {', '.join(duplicates[:20])}; rename them", name, reader.line_num)
        try:
            labeled = label_columns(tuple(header))
        except ValueError as error:
            raise InputError(str(error), name, reader.line_num) from None
        if report is not None:
            report.columns = header
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
        why = f"a field longer than {LINE_LIMIT:,} characters" if "field limit" in str(error) else str(error)
        raise InputError(
            f"malformed CSV ({why}) near line {reader.line_num}; check the quotes in this row",
            name,
            row + 1,
            unit="row",
        ) from None


def read_jsonl(source, report=None) -> Iterator[Comment]:
    """Comments from JSON Lines: one object per line with at least ``text``; or from a JSON
    array of such objects (read one object at a time), its rows numbered by the line each
    object starts on."""
    name, columns = source.name, source.options.columns
    if JSON_ARRAY_OF_OBJECTS.match(source.head().text):
        records = array_records(source.chunks(), name, "give an array of objects, or one object per line")
    else:
        records = ((number, json_object(line, name, number)) for number, line in source.lines() if line.strip())
    seen_any = False
    for number, record in records:
        seen_any = True
        yield record_comment(record, columns, name, number)
    if not seen_any:
        raise InputError("empty file: expected one JSON object per line", name)


def parse_json_record(line: str, columns: Columns, name: str, number: int) -> Comment:
    """The comment of one JSON Lines record; an :class:`InputError` naming the line if it is
    not a JSON object with a text field."""
    return record_comment(json_object(line, name, number), columns, name, number)


def record_comment(record: dict, columns: Columns, name: str, number: int) -> Comment:
    """The comment of a JSON record read from line ``number``."""
    if columns.text not in record:
        raise InputError(f"JSON object has no '{columns.text}' field; add it or name the field with --text-column", name, number)
    return to_comment(record, columns, labels_of(record, name, number, "line"), name, number, "line")
