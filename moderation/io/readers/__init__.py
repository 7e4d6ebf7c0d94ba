"""Every input format behind one object: :func:`open_input` opens an input once, detects its
format once, and gives an :class:`InputSource` whose comments can be read as often as a
command needs (``label`` reads in passes to keep memory bounded)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from moderation.comments import Comment, has_text
from moderation.errors import InputError
from moderation.io.readers.detect import SNIFF_CHARS, Head, detect_format as format_of_head
from moderation.io.readers.lines import LINE_LIMIT, checked_encoding, decoded_chunks, decoded_lines
from moderation.io.readers.source import CHUNK, ByteSource
from moderation.io.readers.tabular import Columns

# The platform-export readers (XML, HTML parsing) are imported where used: `moderation score`
# reads lines through this package and should not pay for them at start-up.

FORMATS = ("csv", "jsonl", "thread", "wordpress", "disqus", "reddit")
STATUSES = ("approved", "pending", "spam", "trash", "deleted")  # as the export readers normalize them
EXPORT_FORMATS = ("wordpress", "disqus", "reddit")  # the formats whose comments have a status


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input: its format (None: detected), which columns hold the schema's
    fields, its text encoding and what to do with undecodable bytes, for platform exports
    which comment statuses to keep (None: all), and the article of comments that come
    without one ("": none)."""

    format: str | None = None
    columns: Columns = field(default_factory=Columns)
    encoding: str = "utf-8"
    errors: str = "strict"
    statuses: frozenset[str] | None = None
    article: str = ""


@dataclass
class ReadReport:
    """What one reading of an input left out or noticed.

    ``skipped`` counts what was not given as a comment, by a singular noun phrase whose first
    word takes the plural ("pingback", "comment with status spam"); ``notes`` are lines for
    stderr about the input as a whole (e.g. a thread export's header counting other comments
    than it holds); ``columns`` are a CSV file's header, rows or not.
    """

    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


class InputSource:
    """One opened input: its ``name`` for messages, its ``format``, and its text and comments,
    readable from the start again and again (a context manager: close it when done)."""

    def __init__(self, data: ByteSource, options: ReadOptions):
        self.data = data
        self.options = options
        self.name = data.name
        self._head: Head | None = None
        self.format = options.format or format_of_head(self.head(), data.inner_name, self.name)

    @property
    def identity(self) -> tuple[int, int] | None:
        """``(st_dev, st_ino)`` if the input is a regular file, else None."""
        return self.data.identity

    @property
    def stem(self) -> str:
        """The name of the file inside any compression, without its extension ("stdin" for stdin)."""
        return Path(self.data.inner_name).stem or "stdin"

    def lines(self, limit: int = LINE_LIMIT) -> Iterator[tuple[int, str]]:
        """``(line number, line)`` from the start; a line longer than ``limit`` characters is an
        :class:`InputError` (see :mod:`moderation.io.readers.lines`)."""
        stream = self.data.open()
        try:
            yield from decoded_lines(stream, self.name, self.options.encoding, self.options.errors, limit)
        finally:
            stream.close()

    def chunks(self) -> Iterator[str]:
        """The text from the start, in chunks (for documents parsed as a whole: XML, JSON)."""
        stream = self.data.open()
        try:
            yield from decoded_chunks(stream, self.name, self.options.encoding, self.options.errors)
        finally:
            stream.close()

    def head(self) -> Head:
        """The start of the content, blank space skipped (read once)."""
        if self._head is None:
            from moderation.io.readers.xml_stream import without_leading_space

            chunks = self.chunks()
            try:
                content, lines, columns = without_leading_space(chunks)
                parts, size = [], 0
                for chunk in content:
                    parts.append(chunk)
                    size += len(chunk)
                    if size >= SNIFF_CHARS:
                        break
                self._head = Head("".join(parts)[:SNIFF_CHARS], lines + 1, columns)
            finally:
                chunks.close()
        return self._head

    def comments(self, report: ReadReport | None = None) -> Iterator[Comment]:
        """The comments in file order. For platform exports, ``options.statuses`` keeps only
        comments with these statuses; ``options.article`` is the article of comments without
        one; ``report`` (if given) learns what was skipped and noticed."""
        report = ReadReport() if report is None else report
        if self.format in ("csv", "jsonl"):
            from moderation.io.readers.tabular import read_csv as read, read_jsonl

            read = read if self.format == "csv" else read_jsonl
        elif self.format == "thread":
            from moderation.io.readers.thread_export import thread_comments as read
        elif self.format == "wordpress":
            from moderation.io.readers.wordpress import read_wordpress as read
        elif self.format == "disqus":
            from moderation.io.readers.disqus import read_disqus as read
        elif self.format == "reddit":
            from moderation.io.readers.reddit import read_reddit as read
        else:
            raise InputError(f"unknown format {self.format!r}; use one of {', '.join(FORMATS)}")
        comments = read(self, report)
        return with_article(comments, self.options.article) if self.options.article else comments

    def sha256(self) -> str:
        """The sha256 of the input's bytes as given (compressed if it is), as hex."""
        digest = hashlib.sha256()
        offset = 0
        while block := self.data.read_at(offset, CHUNK):
            digest.update(block)
            offset += len(block)
        return digest.hexdigest()

    def close(self) -> None:
        """Close the input (and drop the copy of a pipe)."""
        self.data.close()

    def __enter__(self) -> InputSource:
        return self

    def __exit__(self, *exception) -> None:
        self.close()


def with_article(comments: Iterator[Comment], article: str) -> Iterator[Comment]:
    """``comments``, each without an article given ``article``."""
    for comment in comments:
        if not has_text(comment.article):
            comment.article = article
        yield comment


def open_input(path: str | Path, options: ReadOptions = ReadOptions()) -> InputSource:
    """Open ``path`` (``-`` for stdin) and detect its format unless ``options.format`` names it.

    Raises :class:`InputError` for what cannot be read: a missing file, a directory, an
    unknown encoding, an empty file, XML that is no export, ….
    """
    checked_encoding(options.encoding)
    data = ByteSource(path)
    try:
        return InputSource(data, options)
    except BaseException:
        data.close()
        raise


def read_comments(path: str | Path, options: ReadOptions = ReadOptions(), report: ReadReport | None = None) -> Iterator[Comment]:
    """The comments of a file in any supported format, in file order (see
    :meth:`InputSource.comments`), for a command that reads them once."""
    with open_input(path, options) as source:
        yield from source.comments(report)


def detect_format(path: str | Path, options: ReadOptions = ReadOptions()) -> str:
    """The format :func:`open_input` detects for a file."""
    with open_input(path, options) as source:
        return source.format
