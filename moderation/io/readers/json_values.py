"""JSON read so that nothing is lost or misread, and nothing recurses without bound.

* :func:`json_object` reads one JSON Lines record. String values stay strings; every other value
  (number, true/false/null, object, array) is kept as its JSON text in a :class:`JSONText`, so a
  5,001-digit number, ``true`` or ``{"a": 1}`` is written back exactly as it came (and as JSON
  text, not a Python repr, in CSV). ``NaN`` and ``Infinity``, which JSON does not have, become
  the strings "NaN" and "Infinity". A key given twice in one object is an error.
* :func:`parse_document` reads a whole JSON document from text chunks with an explicit stack
  instead of recursion, so a reply chain thousands of levels deep is just data, and calls
  ``on_object`` on every object as it closes so that a reader can shrink what it keeps.
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Callable, Iterable, Iterator
from json import JSONDecodeError
from json.decoder import scanstring

from moderation.errors import InputError
from moderation.io.readers.lines import LINE_LIMIT

SPACE = re.compile(r"[ \t\n\r]*")
NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
NON_FINITE = ("NaN", "Infinity", "-Infinity")
LITERALS = ("true", "false", "null", *NON_FINITE)
STRING_OR_NON_FINITE = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN')
JSON_ARRAY_OF_OBJECTS = re.compile(r"\[\s*[{\]]")  # how an array of records starts
MAX_DEPTH = 100_000  # an explicit stack costs little per level; no export nests near this
# Numbers and literals come back as text: JSONText keeps the text, so nothing is converted.
_scan_value = json.scanner.make_scanner(json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str))


class JSONText(str):
    """A JSON value that is not a string, kept as its JSON text (``12``, ``true``, ``null``,
    ``{"a": 1}``): written into JSON as itself, into CSV as its text (null as an empty cell)."""

    @property
    def kind(self) -> str:
        """What JSON calls the value: number, boolean, null, object or array."""
        return {"{": "object", "[": "array", "t": "boolean", "f": "boolean", "n": "null"}.get(self[:1], "number")


def kept_value(raw: str) -> str:
    """What a record keeps of a value that is not a string, given its JSON text."""
    if raw in NON_FINITE:
        return raw
    if raw[0] in "[{" and ("NaN" in raw or "Infinity" in raw):
        raw = STRING_OR_NON_FINITE.sub(lambda m: m.group() if m.group()[0] == '"' else f'"{m.group()}"', raw)
    return JSONText(raw)


def json_object(line: str, name: str, number: int, what: str = "each line must be one JSON object") -> dict:
    """The JSON object on one line, values kept as :func:`kept_value` says; an
    :class:`InputError` naming the line (and ``what`` to do) if it is not one."""
    try:
        return _object(line)
    except JSONDecodeError as error:
        raise InputError(f"malformed JSON at column {error.colno} ({error.msg}); {what}", name, number) from None
    except RecursionError:
        raise InputError(f"JSON nested too deeply to be a comment record; {what}", name, number) from None
    except _NotAnObject as error:
        raise InputError(f"expected a JSON object, got {error}; write one object per line", name, number) from None
    except _DuplicateKey as error:
        raise InputError(
            f"the key {str(error)!r} appears twice in this object, so which value counts is unclear; keep one",
            name,
            number,
        ) from None


class _NotAnObject(Exception):
    pass


class _DuplicateKey(Exception):
    pass


def _object(text: str) -> dict:
    end = len(text)
    i = SPACE.match(text, 0).end()
    if text[i : i + 1] != "{":
        try:
            _, stop = _scan_value(text, i)
        except StopIteration as stopped:
            raise JSONDecodeError("Expecting value", text, stopped.value) from None
        if SPACE.match(text, stop).end() != end:
            raise JSONDecodeError("Extra data", text, stop)
        kind = "string" if text[i] == '"' else JSONText(text[i:stop]).kind
        raise _NotAnObject({"array": "an array", "null": "null"}.get(kind, f"a {kind}"))
    record: dict = {}
    i = SPACE.match(text, i + 1).end()
    if text[i : i + 1] == "}":
        i += 1
    else:
        while True:
            if text[i : i + 1] != '"':
                raise JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
            key, i = scanstring(text, i + 1, True)
            i = SPACE.match(text, i).end()
            if text[i : i + 1] != ":":
                raise JSONDecodeError("Expecting ':' delimiter", text, i)
            i = SPACE.match(text, i + 1).end()
            try:
                value, stop = _scan_value(text, i)
            except StopIteration as stopped:
                raise JSONDecodeError("Expecting value", text, stopped.value) from None
            if key in record:
                raise _DuplicateKey(key)
            record[key] = value if text[i] == '"' else kept_value(text[i:stop])
            i = SPACE.match(text, stop).end()
            if text[i : i + 1] == ",":
                i = SPACE.match(text, i + 1).end()
                continue
            if text[i : i + 1] == "}":
                i += 1
                break
            raise JSONDecodeError("Expecting ',' delimiter", text, i)
    if SPACE.match(text, i).end() != end:
        raise JSONDecodeError("Extra data", text, i)
    return record


class _Buffer:
    """Text from chunks, with the position being read and the line and column of its start."""

    def __init__(self, chunks: Iterable[str]):
        self.chunks = iter(chunks)
        self.text = ""
        self.position = 0
        self.ended = False
        self.line = 1  # of text[0]
        self.column = 0  # of text[0]
        self._counted = (0, 1)  # (position, its line): where() counts on from the last answer

    def more(self, at_least: int = 1) -> bool:
        """Drop what was read, add at least ``at_least`` characters; False at the end."""
        consumed = self.text[: self.position]
        newline = consumed.rfind("\n")
        self.line += consumed.count("\n")
        self.column = len(consumed) - newline - 1 if newline >= 0 else self.column + len(consumed)
        parts = [self.text[self.position :]]
        added = 0
        while added < at_least:
            chunk = next(self.chunks, None)
            if chunk is None:
                self.ended = True
                break
            parts.append(chunk)
            added += len(chunk)
        self.text = "".join(parts)
        self.position = 0
        self._counted = (0, self.line)
        return added > 0

    def where(self, position: int) -> tuple[int, int]:
        """The 1-based line and column of ``position`` in the text."""
        counted, lines = self._counted if self._counted[0] <= position else (0, self.line)
        lines += self.text.count("\n", counted, position)
        self._counted = (position, lines)  # the next call counts on from here
        newline = self.text.rfind("\n", 0, position)
        return lines, position - newline if newline >= 0 else self.column + position + 1

    def next_character(self) -> str:
        """The next character that is not white space, not consumed; "" at the end."""
        while True:
            self.position = SPACE.match(self.text, self.position).end()
            if self.position < len(self.text):
                return self.text[self.position]
            if not self.more():
                return ""

    def string(self) -> str:
        """The string starting at the current '"'."""
        while True:
            try:
                value, self.position = scanstring(self.text, self.position + 1, True)
                return value
            except JSONDecodeError as error:
                unfinished = error.msg.startswith("Unterminated") or error.pos >= len(self.text) - 12
                if not unfinished or self.ended:
                    raise
                self._grow()

    def scalar(self) -> str:
        """The number or literal at the current position, as :func:`kept_value` keeps it."""
        while True:
            text, start = self.text, self.position
            match = NUMBER.match(text, start)
            if match and match.end() < len(text):
                self.position = match.end()
                return JSONText(match.group())
            literal = next((word for word in LITERALS if text.startswith(word, start)), None)
            if literal and (start + len(literal) < len(text) or self.ended):
                self.position = start + len(literal)
                return kept_value(literal)
            if match and self.ended:
                self.position = match.end()
                return JSONText(match.group())
            if self.ended or (not match and not any(word.startswith(text[start:]) for word in LITERALS)):
                raise JSONDecodeError("Expecting value", text, start)
            self._grow()

    def _grow(self) -> None:
        held = len(self.text) - self.position
        if held > LINE_LIMIT:
            raise JSONDecodeError(f"a value longer than {LINE_LIMIT:,} characters", self.text, self.position)
        self.more(at_least=max(held, 1))  # doubling: a long value is read in linear time


def parse_document(chunks: Iterable[str], name: str, on_object: Callable[[dict], object], what: str) -> object:
    """The one JSON value of a document given in text chunks (see the module docstring).

    Malformed JSON raises :class:`InputError` with its line, column and ``what`` to do.
    """
    buffer = _Buffer(chunks)
    values = _parse(buffer, on_object, items=False)
    with _located(buffer, name, what):
        while True:
            try:
                next(values)
            except StopIteration as done:
                return done.value


def array_records(chunks: Iterable[str], name: str, what: str) -> Iterator[tuple[int, dict]]:
    """``(line, record)`` for each object of a document that is a JSON array of objects, read
    one at a time; records keep their values as :func:`json_object` does."""
    buffer = _Buffer(chunks)
    if buffer.next_character() != "[":
        raise InputError(f"expected a JSON array of objects; {what}", name, buffer.where(buffer.position)[0])
    with _located(buffer, name, what):
        for line, item in _parse(buffer, lambda value: value, items=True):
            if not isinstance(item, dict):
                raise InputError(f"expected a JSON object in the array, got {describe_value(item)}; {what}", name, line)
            yield line, {key: value if isinstance(value, str) else JSONText(json_text(value)) for key, value in item.items()}


def describe_value(value) -> str:
    """How an error names an array item that is not an object: "an array", "a string", or the
    kind of a scalar kept as :class:`JSONText` ("a number", "a boolean", "null")."""
    if isinstance(value, list):
        return "an array"
    if type(value) is str:
        return "a string"
    kind = JSONText(value).kind
    return kind if kind == "null" else f"a {kind}"


class _located:
    """Turns the parser's errors into an :class:`InputError` with line and column."""

    def __init__(self, buffer: _Buffer, name: str, what: str):
        self.buffer, self.name, self.what = buffer, name, what

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if isinstance(error, JSONDecodeError):
            line, column = self.buffer.where(error.pos)
            raise InputError(f"malformed JSON at column {column} ({error.msg}); {self.what}", self.name, line) from None
        if isinstance(error, _DuplicateKey):
            line, _ = self.buffer.where(self.buffer.position)
            raise InputError(
                f"the key {str(error)!r} appears twice in one object, so which value counts is unclear; {self.what}", self.name, line
            ) from None


def _parse(buffer: _Buffer, on_object: Callable[[dict], object], items: bool) -> Iterator[tuple[int, object]]:
    """Parse one value; returns it (as the generator's value). With ``items``, the elements of
    a top-level array are yielded as ``(line, element)`` as each is complete instead of kept."""
    stack: list[list] = []  # [container, pending key] per open object or array
    root: list = []
    expect = "value"  # or: "value or ]", "key", "key or }", ":", ", or end"
    item_line = 0

    def add(value) -> str:
        if not stack:
            root.append(value)
            return "end"
        container, key = stack[-1]
        if key is None:
            container.append(value)
        else:
            container[key] = value
            stack[-1][1] = None
        return ", or end"

    while True:
        if items and len(stack) == 1 and stack[0][0]:
            yield item_line, stack[0][0].pop()
        character = buffer.next_character()
        at = buffer.position
        if expect == "end":
            if character:
                raise JSONDecodeError("Extra data", buffer.text, at)
            return root[0]
        if not character:
            raise JSONDecodeError("Expecting value" if expect.startswith("value") else "Unexpected end of data", buffer.text, at)
        if expect in ("value", "value or ]"):
            if items and len(stack) == 1 and character != "]":
                item_line = buffer.where(at)[0]
            if character == "]" and expect == "value or ]":
                buffer.position += 1
                expect = add(stack.pop()[0])
            elif character in "{[":
                if len(stack) >= MAX_DEPTH:
                    raise JSONDecodeError(f"nested more than {MAX_DEPTH:,} levels deep", buffer.text, at)
                buffer.position += 1
                stack.append([{} if character == "{" else [], None])
                expect = "key or }" if character == "{" else "value or ]"
            elif character == '"':
                expect = add(buffer.string())
            else:
                expect = add(buffer.scalar())
        elif expect in ("key", "key or }"):
            if character == "}" and expect == "key or }":
                buffer.position += 1
                expect = add(on_object(stack.pop()[0]))
            elif character == '"':
                key = buffer.string()
                if key in stack[-1][0]:
                    raise _DuplicateKey(key)
                stack[-1][1] = key
                expect = ":"
            else:
                raise JSONDecodeError("Expecting property name enclosed in double quotes", buffer.text, at)
        elif expect == ":":
            if character != ":":
                raise JSONDecodeError("Expecting ':' delimiter", buffer.text, at)
            buffer.position += 1
            expect = "value"
        else:  # ", or end"
            container = stack[-1][0]
            closing = "}" if isinstance(container, dict) else "]"
            buffer.position += 1
            if character == ",":
                expect = "key" if closing == "}" else "value"
            elif character == closing:
                stack.pop()
                expect = add(on_object(container) if closing == "}" else container)
            else:
                buffer.position = at
                raise JSONDecodeError("Expecting ',' delimiter", buffer.text, at)


def json_text(value) -> str:
    """JSON text of a parsed value (JSONText scalars as they were read), without recursion."""
    parts: list[str] = []
    pending: list = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, _Markup):
            parts.append(item.text)
        elif type(item) is JSONText:
            parts.append(item)
        elif isinstance(item, str):
            parts.append(json.dumps(item, ensure_ascii=False))
        elif isinstance(item, dict):
            pieces: list = [_Markup("{")]
            for index, (key, element) in enumerate(item.items()):
                pieces += [_Markup((", " if index else "") + json.dumps(key, ensure_ascii=False) + ": "), element]
            pending.extend(reversed([*pieces, _Markup("}")]))
        else:
            pieces = [_Markup("[")]
            for index, element in enumerate(item):
                pieces += [_Markup(", ")] if index else []
                pieces.append(element)
            pending.extend(reversed([*pieces, _Markup("]")]))
    return "".join(parts)


class _Markup:
    """Punctuation of :func:`json_text`'s output, told apart from string values."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def iter_json_lines(lines: Iterator[tuple[int, str]], name: str, what: str) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line of JSON Lines."""
    for number, line in lines:
        if line.strip():
            yield number, json_object(line, name, number, what)
