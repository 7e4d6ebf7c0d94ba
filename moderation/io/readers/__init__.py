"""Every input format, behind one function: :func:`read_comments`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.lines import STDIN, iter_lines
from moderation.io.readers.tabular import Columns, read_csv, read_jsonl
from moderation.io.readers.thread_export import looks_like_thread_export, read_thread_export

# The platform-export readers (XML, HTML parsing) are imported where used: `moderation score`
# reads lines through this package and should not pay for them at start-up.

FORMATS = ("csv", "jsonl", "thread", "wordpress", "disqus", "reddit")
STATUSES = ("approved", "pending", "spam", "trash", "deleted")  # as the export readers normalize them
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".txt": "thread"}
SNIFF_LINES = 5000
EXPORT_SNIFF_LINES = 50  # a WXR file opens with a comment of about 20 lines before <rss>


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input: its format (None: detected), which columns hold the schema's
    fields, its text encoding and what to do with undecodable bytes, and, for platform
    exports, which comment statuses to keep (None: all)."""

    format: str | None = None
    columns: Columns = field(default_factory=Columns)
    encoding: str = "utf-8"
    errors: str = "strict"
    statuses: frozenset[str] | None = None


def detect_export(path: str | Path, encoding: str = "utf-8", errors: str = "strict") -> str | None:
    """The platform export (wordpress, disqus, reddit) a file's content shows, or None.

    Raises :class:`InputError` for XML that is none of the exports we read.
    """
    from moderation.io.readers.disqus import is_disqus_root
    from moderation.io.readers.reddit import looks_like_reddit
    from moderation.io.readers.wordpress import wxr_namespace
    from moderation.io.readers.xml_stream import xml_root

    first = [line for _, line in islice(iter_lines(path, encoding, errors), EXPORT_SNIFF_LINES)]
    start = "".join(first).lstrip()[:1]
    if start == "<":
        root = xml_root(path, encoding, errors, SNIFF_LINES)
        if wxr_namespace(root):
            return "wordpress"
        if is_disqus_root(root):
            return "disqus"
        if root is not None:
            raise InputError(
                f"an XML file with root element <{root[0]}>, not a WordPress (WXR) or Disqus export; "
                "give one of those, a thread export, CSV or JSONL",
                path,
            )
    elif start in ("{", "[") and looks_like_reddit(first):
        return "reddit"
    return None


def detect_format(path: str | Path, encoding: str = "utf-8", errors: str = "strict") -> str:
    """The format of a file: a platform export from its content whatever its name, else from
    its extension, else from its first lines."""
    export = detect_export(path, encoding, errors)
    if export:
        return export
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


def read_comments(path: str | Path, options: ReadOptions = ReadOptions(), skipped: Counter | None = None) -> Iterator[Comment]:
    """The comments of a file in any supported format, in file order.

    For platform exports, ``options.statuses`` keeps only comments with these statuses (None
    keeps all; see the reader modules) and ``skipped`` counts every comment not yielded by reason
    (pingbacks, statuses left out, comments Reddit did not load). ``path`` may not be stdin:
    detection and two-pass reading need to read it again (the commands copy stdin to a
    temporary file first).
    """
    if str(path) == STDIN:
        raise ValueError("read_comments needs a file; spool stdin first")
    encoding, errors, columns = options.encoding, options.errors, options.columns
    format = options.format or detect_format(path, encoding, errors)
    if format == "csv":
        return read_csv(path, columns, encoding, errors)
    if format == "jsonl":
        return read_jsonl(path, columns, encoding, errors)
    if format == "thread":
        return read_thread_export(path, encoding=encoding, errors=errors)
    if format == "wordpress":
        from moderation.io.readers.wordpress import read_wordpress as read_export
    elif format == "disqus":
        from moderation.io.readers.disqus import read_disqus as read_export
    elif format == "reddit":
        from moderation.io.readers.reddit import read_reddit as read_export
    else:
        raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    return read_export(path, encoding=encoding, errors=errors, statuses=options.statuses, skipped=skipped)
