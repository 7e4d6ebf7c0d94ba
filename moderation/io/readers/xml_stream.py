"""WordPress and Disqus XML exports, read as a stream.

Exports can be hundreds of MB, so :func:`xml_elements` yields one element at a time and drops
it once used. Files are decoded like every other input (``--encoding``, ``--errors``,
byte-order mark; the XML declaration's encoding is not used) and parsed with the standard
library's expat, which refuses the "billion laughs" entity expansion (expat 2.4 and newer) and
never fetches external entities: ElementTree reports them as undefined, which becomes an
:class:`InputError` like any malformed XML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from moderation.errors import InputError
from moderation.io.readers.lines import iter_lines

XML_POSITION = re.compile(r": line \d+, column \d+$")


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
    name = str(path)
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
