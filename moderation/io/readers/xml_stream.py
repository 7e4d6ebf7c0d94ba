"""WordPress and Disqus XML exports, read as a stream in bounded memory.

Exports can be hundreds of MB. :func:`xml_records` parses with the standard library's expat and
keeps only what a reader asks for: the elements it reads as records (an ``item``, a ``post``)
and, of each, the text of the descendants and attributes it names. Nothing else is built, so
memory holds one record's fields at a time, whatever the file holds around them.

A field's text is its inner markup: character data as it is (in these exports it is HTML
source, in CDATA or escaped) and child elements written back as tags, so a Disqus message
whose HTML was exported as XML elements (``<message><p>a <b>b</b> c</p></message>``) keeps
every word.

Files are decoded like every other input (``--encoding``, ``--errors``, byte-order marks; the
XML declaration's encoding is not used), and blank space before ``<?xml`` is skipped. Refused,
with an :class:`InputError` naming the line: malformed XML; entity declarations
(``<!ENTITY …>``), which no export has and which can expand to gigabytes or read other files;
nesting deeper than :data:`MAX_DEPTH`; a field longer than :data:`LINE_LIMIT` characters; a
single tag, comment or declaration longer than :data:`TOKEN_LIMIT` characters (expat holds
one whole).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from xml.parsers import expat

from moderation.errors import InputError
from moderation.io.readers.lines import LINE_LIMIT, line_ends

MAX_DEPTH = 1000
TOKEN_LIMIT = 16 * 2**20
LEADING_SPACE = " \t\r\n\ufeff"


@dataclass(frozen=True)
class XMLRoot:
    """The root element of a document: its namespace ("" for none), local name, and the
    namespaces declared up to it."""

    namespace: str
    name: str
    declared: frozenset[str]


@dataclass
class XMLRecord:
    """An element read as a record: its tag, attributes, the line where it ends, and the text
    (inner markup) or attribute value of each field asked for, by relative path
    (``"author/name"``, ``"thread@dsq:id"``); a field missing from the element is absent."""

    tag: str
    attributes: dict[str, str]
    line: int = 0
    fields: dict[str, str] = field(default_factory=dict)

    def text(self, path: str) -> str:
        """The field's text, stripped; "" if the element has no such field."""
        return self.fields.get(path, "").strip()


class XMLPosition:
    """Line numbers of the parser, counted from the file's first line (blank lines before the
    document are skipped before expat sees them)."""

    def __init__(self, parser, skipped_lines: int = 0, skipped_columns: int = 0):
        self.parser = parser
        self.skipped_lines = skipped_lines
        self.skipped_columns = skipped_columns

    def line(self, expat_line: int | None = None) -> int:
        """The file's line of expat's ``expat_line`` (by default the line the parser is at)."""
        return (self.parser.CurrentLineNumber if expat_line is None else expat_line) + self.skipped_lines

    def column(self, expat_line: int, expat_column: int) -> int:
        """The file's 1-based column of expat's 0-based ``expat_column`` on ``expat_line``,
        counting the blank space skipped before the document on the first line."""
        return expat_column + 1 + (self.skipped_columns if expat_line == 1 else 0)


def new_parser(name: str, position: Callable[[], int]):
    """An expat parser that refuses entity declarations and references it cannot resolve."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16

    def refuse_entities(entity, *_):
        raise InputError(
            f"the XML declares the entity {entity!r}; comment exports never declare entities, "
            "and they can expand to gigabytes or read other files: refused",
            name,
            position(),
        )

    def unresolved_entity(entity, *_):
        raise InputError(f"the XML refers to the entity &{entity}; that it does not define; fix the file or export it again", name, position())

    parser.EntityDeclHandler = refuse_entities
    parser.SkippedEntityHandler = unresolved_entity
    return parser


def malformed(error: expat.ExpatError, name: str, position: XMLPosition, what: str = "malformed XML") -> InputError:
    """The error for XML expat could not parse, at its line and column."""
    return InputError(
        f"{what} at column {position.column(error.lineno, error.offset)} ({expat.ErrorString(error.code)}); "
        "fix the file or export it again",
        name,
        position.line(error.lineno),
    )


def without_leading_space(chunks: Iterable[str]) -> tuple[Iterator[str], int, int]:
    """The chunks from the first character that is not blank space or a byte-order mark, and
    the lines and columns skipped before it."""
    chunks = iter(chunks)
    lines = columns = 0
    for chunk in chunks:
        content = chunk.lstrip(LEADING_SPACE)
        skipped = chunk[: len(chunk) - len(content)]
        lines += line_ends(skipped)
        newline = max(skipped.rfind("\n"), skipped.rfind("\r"))
        columns = len(skipped) - newline - 1 if newline >= 0 else columns + len(skipped)
        if content:
            return _prepend(content, chunks), lines, columns
    return iter(()), lines, columns


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class _Found(Exception):
    pass


def xml_root(text: str, name: str, skipped_lines: int = 0, skipped_columns: int = 0) -> XMLRoot | None:
    """The root element of the XML document that ``text`` (the start of a file, blank space
    skipped) begins, or None if the root element does not start within ``text``.

    Raises :class:`InputError` if the text is not well-formed up to the root.
    """
    parser = new_parser(name, lambda: position.line())
    position = XMLPosition(parser, skipped_lines, skipped_columns)
    declared: set[str] = set()
    found: list[XMLRoot] = []

    def start(element: str, attributes) -> None:
        namespace, _, local = element.rpartition(" ")
        found.append(XMLRoot(namespace, local, frozenset(declared)))
        raise _Found

    parser.StartNamespaceDeclHandler = lambda prefix, uri: declared.add(uri)
    parser.StartElementHandler = start
    try:
        parser.Parse(text, False)
    except _Found:
        return found[0]
    except expat.ExpatError as error:
        raise malformed(error, name, position, "looks like XML that is not well-formed: it breaks off") from None
    return None


class _Collector:
    """The expat handlers of :func:`xml_records` and what they have collected."""

    def __init__(self, name, records, tag_of, check_root, position: XMLPosition):
        self.name = name
        self.records = records
        self.tag_of = tag_of
        self.check_root = check_root
        self.position = position
        self.declared: set[str] = set()
        self.path: list[str] = []
        self.open_records: list[tuple[int, XMLRecord, frozenset[str]]] = []  # (depth, record, its fields)
        self.capture: list | None = None  # [record, field, depth, parts, size]
        self.ready: list[XMLRecord] = []
        self.fed = 0  # characters given to expat since the last event

    def start(self, element: str, attributes: dict[str, str]) -> None:
        """An element starts: check the root, open a record asked for, keep the attributes and
        start capturing the field asked for; inside a captured field, keep the tag as markup."""
        self.fed = 0
        depth = len(self.path)
        if depth >= MAX_DEPTH:
            raise InputError(f"XML nested more than {MAX_DEPTH:,} elements deep; no export is: refused", self.name, self.position.line())
        if depth == 0:
            namespace, _, local = element.rpartition(" ")
            self.check_root(XMLRoot(namespace, local, frozenset(self.declared)))
        tag = self.tag_of(element)
        self.path.append(tag)
        if self.capture is not None:
            attributes_markup = "".join(f' {self.tag_of(key)}="{escape(value)}"' for key, value in attributes.items())
            self.add(f"<{tag}{attributes_markup}>")
            return
        wanted = self.records.get(tuple(self.path))
        if wanted is not None:
            record = XMLRecord(tag, {self.tag_of(key): value for key, value in attributes.items()})
            self.open_records.append((depth, record, wanted))
            return
        if not self.open_records:
            return
        record_depth, record, wanted = self.open_records[-1]
        relative = "/".join(self.path[record_depth + 1 :])
        for key, value in attributes.items():
            path = f"{relative}@{self.tag_of(key)}"
            if path in wanted and path not in record.fields:
                record.fields[path] = value
        if relative in wanted and relative not in record.fields:
            self.capture = [record, relative, depth, [], 0]

    def data(self, text: str) -> None:
        """Character data: kept if a field is being captured."""
        self.fed = 0
        if self.capture is not None:
            self.add(text)

    def add(self, text: str) -> None:
        """Add to the field being captured; an :class:`InputError` past :data:`LINE_LIMIT` characters."""
        capture = self.capture
        capture[3].append(text)
        capture[4] += len(text)
        if capture[4] > LINE_LIMIT:
            raise InputError(
                f"the <{capture[1]}> of a <{capture[0].tag}> is longer than {LINE_LIMIT:,} characters; no comment is: "
                "is this the right file?",
                self.name,
                self.position.line(),
            )

    def end(self, element: str) -> None:
        """An element ends: finish the captured field (inside it, keep the end tag as markup), or
        finish a record, ready to be yielded, with the line where it ends."""
        self.fed = 0
        depth = len(self.path) - 1
        tag = self.path.pop()
        if self.capture is not None:
            if self.capture[2] == depth:
                record, path, _, parts, _ = self.capture
                record.fields[path] = "".join(parts)
                self.capture = None
            else:
                self.add(f"</{tag}>")
            return
        if self.open_records and self.open_records[-1][0] == depth:
            _, record, _ = self.open_records.pop()
            record.line = self.position.line()
            self.ready.append(record)

    def other_event(self, *_) -> None:
        """A comment or processing instruction: only resets ``fed``, which :data:`TOKEN_LIMIT` bounds."""
        self.fed = 0


def xml_records(
    chunks: Iterable[str],
    name: str,
    records: dict[tuple[str, ...], frozenset[str]],
    prefixes: Callable[[str], str | None],
    check_root: Callable[[XMLRoot], None],
) -> Iterator[XMLRecord]:
    """Yield an :class:`XMLRecord` for each element whose path of tags from the root is a key
    of ``records``, with the fields its value names, in the order the elements end.

    Tags are written ``prefix:local`` with the prefix ``prefixes(namespace)`` gives ("" for
    none: just ``local``; None keeps ``{namespace}local``). ``check_root`` is given the root
    element and raises if the document is not the export expected.
    """
    chunks, skipped_lines, skipped_columns = without_leading_space(chunks)
    parser = new_parser(name, lambda: position.line())
    position = XMLPosition(parser, skipped_lines, skipped_columns)
    tags: dict[str, str] = {}

    def tag_of(element: str) -> str:
        tag = tags.get(element)
        if tag is None:
            namespace, _, local = element.rpartition(" ")
            prefix = prefixes(namespace) if namespace else ""
            tag = tags[element] = local if prefix == "" else f"{prefix}:{local}" if prefix else f"{{{namespace}}}{local}"
        return tag

    collector = _Collector(name, records, tag_of, check_root, position)
    parser.StartNamespaceDeclHandler = lambda prefix, uri: collector.declared.add(uri)
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.data
    parser.CommentHandler = parser.ProcessingInstructionHandler = collector.other_event
    try:
        for chunk in chunks:
            collector.fed += len(chunk)
            parser.Parse(chunk, False)
            if collector.fed > TOKEN_LIMIT:
                raise InputError(
                    f"a single XML tag, comment or declaration longer than {TOKEN_LIMIT:,} characters; no export has one: refused",
                    name,
                    position.line(),
                )
            yield from collector.ready
            collector.ready.clear()
        parser.Parse("", True)
    except expat.ExpatError as error:
        raise malformed(error, name, position) from None
    yield from collector.ready
