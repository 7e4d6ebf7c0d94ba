"""HTML comment bodies and articles of platform exports, as plain text.

:func:`html_to_text` turns the HTML of a comment or article into the text a reader sees:
entities decoded, block boundaries (``<p>``, ``<br>``, ``<div>``, ``<li>``, ``<blockquote>``,
headings, …) as line breaks, paragraphs separated by one blank line, links as their anchor
text (followed by the URL in parentheses when the text is not the URL itself), and the
content of ``<script>`` and ``<style>`` dropped.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

LINE_BREAK, PARAGRAPH_BREAK = 1, 2
PARAGRAPH_TAGS = {"p", "blockquote", "pre", "ul", "ol", "table", "figure", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
LINE_TAGS = {"div", "li", "tr", "dt", "dd", "figcaption"}
DROPPED_TAGS = {"script", "style"}
COLLAPSIBLE_SPACE = re.compile(r"[ \t\r\n\f]+")
NEWLINE_SPACE = re.compile(r"([ \t\r\f]*\n[ \t\r\n\f]*)")  # whitespace holding newlines, kept by split()
SPACES = re.compile(r" {2,}")
URL_PREFIX = re.compile(r"^(?:mailto:|(?:https?:)?//)?(?:www\.)?", re.IGNORECASE)


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
        """Note the break a block tag makes (paragraph or line); breaks merge, the strongest is kept."""
        if tag in PARAGRAPH_TAGS:
            self.pending_break = PARAGRAPH_BREAK
        elif tag in LINE_TAGS:
            self.pending_break = max(self.pending_break, LINE_BREAK)

    def add_text(self, text: str) -> None:
        """Append text, after the pending break if text came before; blank text is one space, or
        nothing where a break is pending."""
        if not text.strip():
            if text and not self.pending_break:
                self.parts.append(" ")
            return
        if self.pending_break and self.parts:
            self.parts.append("\n" * self.pending_break)
        self.pending_break = 0
        self.parts.append(text)

    def text(self) -> str:
        """The text collected: runs of spaces as one, lines stripped, no blank lines at the ends."""
        lines = [SPACES.sub(" ", line).strip() for line in "".join(self.parts).split("\n")]
        return "\n".join(lines).strip()
