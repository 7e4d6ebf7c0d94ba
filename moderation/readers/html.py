"""Markup in platform exports: HTML comment bodies to plain text, and streamed XML files.

:func:`html_to_text` turns the HTML of a comment or article into the text a reader sees:
entities decoded, block boundaries (``<p>``, ``<br>``, ``<div>``, ``<li>``, ``<blockquote>``,
headings, …) as line breaks, paragraphs separated by one blank line, links as their anchor
text (followed by the URL in parentheses when the text is not the URL itself), and the
content of ``<script>`` and ``<style>`` dropped.

:func:`xml_root` and :func:`xml_elements` read the WordPress and Disqus XML exports, which can
be hundreds of MB, without holding them in memory. Both decode the file like every other
reader (``--encoding``, ``--errors``, byte-order mark; the XML declaration's encoding is not
used) and parse it with the standard library's expat, which refuses the "billion laughs"
entity expansion (expat 2.4 and newer) and never fetches external entities: ElementTree
reports them as undefined, which becomes an :class:`InputError` like any malformed XML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from itertools import islice
from pathlib import Path

from moderation.errors import InputError
from moderation.readers.lines import iter_lines

LINE_BREAK, PARAGRAPH_BREAK = 1, 2
PARAGRAPH_TAGS = {"p", "blockquote", "pre", "ul", "ol", "table", "figure", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
LINE_TAGS = {"div", "li", "tr", "dt", "dd", "figcaption"}
DROPPED_TAGS = {"script", "style"}
COLLAPSIBLE_SPACE = re.compile(r"[ \t\r\n\f]+")
NEWLINE_SPACE = re.compile(r"([ \t\r\f]*\n[ \t\r\n\f]*)")  # whitespace holding newlines, kept by split()
SPACES = re.compile(r" {2,}")
URL_PREFIX = re.compile(r"^(?:mailto:|(?:https?:)?//)?(?:www\.)?", re.IGNORECASE)
XML_POSITION = re.compile(r": line \d+, column \d+$")


def html_to_text(html: str, newlines_are_breaks: bool = False) -> str:
    """The plain text of an HTML fragment, lines stripped, no runs of blank lines.

    With ``newlines_are_breaks`` a newline in the text is a line break and an empty line a
    paragraph break, as WordPress displays comments and classic-editor posts (its
    ``wpautop``); otherwise newlines are spaces, as in a browser.
    """
    parser = TextExtractor(newlines_are_breaks)
    if "<" in html:
        parser.feed(html)
        parser.close()
    else:  # plain text, as most WordPress comments are: no need to parse tags
        parser.handle_data(unescape(html))
    return parser.text()


def same_url(anchor: str, href: str) -> bool:
    """True if a link's text is its own URL, give or take the scheme, "www." and a final "/"."""
    return URL_PREFIX.sub("", anchor).rstrip("/").lower() == URL_PREFIX.sub("", href).rstrip("/").lower()


class TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment as :func:`html_to_text` describes."""

    def __init__(self, newlines_are_breaks: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.newlines_are_breaks = newlines_are_breaks
        self.parts: list[str] = []
        self.pending_break = 0  # the strongest break seen since the last text: 0, LINE_BREAK or PARAGRAPH_BREAK
        self.dropped_depth = 0  # inside <script>/<style>
        self.pre_depth = 0
        self.links: list[tuple[str, int]] = []  # (href, index in parts where the anchor text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_TAGS:
            self.dropped_depth += 1
        elif tag == "br":
            # Breaks merge (</p> then <p> is one paragraph break), but each <br> adds one.
            self.pending_break = min(self.pending_break + LINE_BREAK, PARAGRAPH_BREAK)
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))
        else:
            self.block_boundary(tag)
            if tag == "pre":
                self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_TAGS:
            self.dropped_depth = max(self.dropped_depth - 1, 0)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            anchor = " ".join("".join(self.parts[start:]).split())
            if href and not href.startswith("#") and not same_url(anchor, href):
                self.add_text(f" ({href})" if anchor else f"({href})")
        else:
            self.block_boundary(tag)
            if tag == "pre":
                self.pre_depth = max(self.pre_depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.dropped_depth:
            return
        if not (self.newlines_are_breaks or self.pre_depth):
            self.add_text(COLLAPSIBLE_SPACE.sub(" ", data))
            return
        # Split at whitespace runs that hold newlines: one newline breaks the line, two a paragraph.
        for index, piece in enumerate(NEWLINE_SPACE.split(data)):
            if index % 2:
                self.pending_break = max(self.pending_break, min(piece.count("\n"), PARAGRAPH_BREAK))
            else:
                self.add_text(COLLAPSIBLE_SPACE.sub(" ", piece))

    def block_boundary(self, tag: str) -> None:
        if tag in PARAGRAPH_TAGS:
            self.pending_break = PARAGRAPH_BREAK
        elif tag in LINE_TAGS:
            self.pending_break = max(self.pending_break, LINE_BREAK)

    def add_text(self, text: str) -> None:
        if not text.strip():
            if text and not self.pending_break:
                self.parts.append(" ")
            return
        if self.pending_break and self.parts:
            self.parts.append("\n" * self.pending_break)
        self.pending_break = 0
        self.parts.append(text)

    def text(self) -> str:
        lines = [SPACES.sub(" ", line).strip() for line in "".join(self.parts).split("\n")]
        return "\n".join(lines).strip()


def xml_root(
    path: str | Path, encoding: str = "utf-8", errors: str = "strict", max_lines: int = 5000
) -> tuple[str, set[str]] | None:
    """The root element's tag (``{namespace}name``) and the namespaces declared up to it, or
    None if the first ``max_lines`` lines do not start an XML document."""
    parser = ET.XMLPullParser(events=("start-ns", "start"))
    namespaces: set[str] = set()
    try:
        for _, line in islice(iter_lines(path, encoding, errors), max_lines):
            parser.feed(line)
            for event, value in parser.read_events():
                if event == "start-ns":
                    namespaces.add(value[1])
                else:
                    return value.tag, namespaces
    except ET.ParseError:
        return None
    return None


def xml_elements(
    path: str | Path, depth: int, encoding: str = "utf-8", errors: str = "strict"
) -> Iterator[tuple[int, ET.Element]]:
    """Yield ``(line_number, element)`` for each complete element ``depth`` levels below the
    root (1 = the root's children), in document order; the line is where the element ends.

    Each element is removed from the tree once the caller is done with it, so memory holds one
    element at a time. Malformed XML raises :class:`InputError` with its line.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    parser = ET.XMLPullParser(events=("start", "end"))
    open_elements: list[ET.Element] = []
    try:
        # Fed line by line so that the line being parsed is known for error messages.
        for number, line in iter_lines(path, encoding, errors):
            parser.feed(line)
            for event, element in parser.read_events():
                if event == "start":
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if len(open_elements) == depth:
                    yield number, element
                    open_elements[-1].remove(element)
        parser.close()
    except ET.ParseError as error:
        line, column = error.position
        raise InputError(
            f"malformed XML at column {column + 1} ({XML_POSITION.sub('', str(error))}); fix the file or export it again",
            name,
            line,
        ) from None


def child_text(element: ET.Element, tag: str) -> str:
    """The stripped text of ``element``'s first ``tag`` child; "" if there is none."""
    return (element.findtext(tag) or "").strip()
