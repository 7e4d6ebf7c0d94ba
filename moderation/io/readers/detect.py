"""Which format an input is, decided once, from its first characters and its name.

A platform export is recognized by its content whatever its name (WordPress and Disqus by the
XML root element and its namespace, Reddit by the shape of its JSON), as is a JSON array of
records (read like JSON Lines); then the extension decides (.csv/.tsv, .jsonl/.ndjson/.json,
.txt), then the content again: a JSON object per line, a "N thoughts on …" line, else CSV. Blank space before the content (plugins add some before
``<?xml``) is skipped, and text that starts like XML but is not well-formed is reported as
such instead of being read as CSV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from moderation.errors import InputError
from moderation.io.readers.json_values import JSON_ARRAY_OF_OBJECTS

EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".txt": "thread"}
SNIFF_CHARS = 1 << 20  # characters of content read to decide the format
THREAD_SNIFF_LINES = 5000  # a "N thoughts on …" line must come within the first lines
XML_START = re.compile(r"<[?!A-Za-z_]")
DECLARED_XML = ("<?xml", "<!--", "<!DOCTYPE", "<!doctype")
STRAY_SEARCH = 1024  # "<?xml" this close to the start means the text before it is stray


@dataclass(frozen=True)
class Head:
    """The start of an input's content: up to :data:`SNIFF_CHARS` characters from the first
    one that is not blank space, and where that one is (1-based line, 0-based column)."""

    text: str
    line: int = 1
    column: int = 0


def detect_format(head: Head, file_name: str, name: str) -> str:
    """The format (see :data:`moderation.io.readers.FORMATS`) of an input whose content starts
    with ``head``; ``file_name`` gives the extension, ``name`` names the input in errors."""
    text = head.text
    extension = Path(file_name).suffix.lower()
    if not text:
        raise InputError("empty file: nothing to read" if head.line == 1 else "empty file: only blank lines", name)
    xml = xml_export(head, extension, name)
    if xml:
        return xml
    stray = stray_declaration(text) if extension not in EXTENSIONS else -1
    if stray > 0:
        before = text[:stray]
        raise InputError(
            f"looks like XML that is not well-formed: {len(before):,} character{'s' if len(before) != 1 else ''} "
            f"({before[:20]!r}) at column {head.column + 1} before '<?xml'; remove them, or export the file again",
            name,
            head.line,
        )
    if text[0] in "[{":
        from moderation.io.readers.reddit import reddit_shape

        if reddit_shape(text):
            return "reddit"
        if JSON_ARRAY_OF_OBJECTS.match(text):
            return "jsonl"  # an array of records, read like JSON Lines
    if extension in EXTENSIONS:
        return EXTENSIONS[extension]
    if text[0] == "{":
        return "jsonl"
    from moderation.io.readers.thread_export import looks_like_thread_export

    if looks_like_thread_export(text.splitlines()[:THREAD_SNIFF_LINES]):
        return "thread"
    return "csv"


def stray_declaration(text: str) -> int:
    """Where an XML declaration starts after stray text (a byte, a plugin's warning), or -1.

    Only on the first line or at the start of a line, within :data:`STRAY_SEARCH` characters:
    a comment quoting ``<?xml`` inside a table row is text, not a broken export.
    """
    stray = text.find("<?xml", 0, STRAY_SEARCH)
    while stray > 0 and "\n" in text[:stray] and text[stray - 1] != "\n":
        stray = text.find("<?xml", stray + 1, STRAY_SEARCH)
    return stray


def xml_export(head: Head, extension: str, name: str) -> str | None:
    """wordpress or disqus if the head starts that export; None if it does not look like XML.

    Raises :class:`InputError` for XML that is another document, or broken.
    """
    text = head.text
    if not XML_START.match(text) and extension != ".xml":
        return None
    from moderation.io.readers.disqus import is_disqus_root
    from moderation.io.readers.wordpress import wxr_namespace
    from moderation.io.readers.xml_stream import xml_root

    declared = text.startswith(DECLARED_XML) or extension == ".xml"
    try:
        root = xml_root(text, name, head.line - 1, head.column)
    except InputError:
        if declared:
            raise
        return None  # e.g. "<3 my town" opening a CSV: not XML at all
    if root is None:
        if declared:
            raise InputError(f"no XML root element in the first {SNIFF_CHARS:,} characters; is this an export?", name)
        return None
    if wxr_namespace(root):
        return "wordpress"
    if is_disqus_root(root):
        return "disqus"
    if root.name.lower() == "html":
        raise InputError(
            "an HTML page, not an export: save the page as text (a thread export), or export the comments from the platform",
            name,
        )
    if not declared and root.name not in ("rss", "disqus"):
        return None  # a text that happens to open with a tag
    namespace = f" in the namespace {root.namespace}" if root.namespace else ""
    raise InputError(
        f"an XML file with root element <{root.name}>{namespace}, not a WordPress (WXR) or Disqus export; "
        "give one of those, a thread export, CSV or JSONL",
        name,
    )
