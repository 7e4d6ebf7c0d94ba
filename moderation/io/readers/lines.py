"""Decoded text of an input, line by line or in chunks, with errors that say where the bad bytes are.

Lines end at ``\\n``, ``\\r\\n`` or a bare ``\\r`` (old Mac files), and keep their line ends
(the CSV reader needs them to keep line breaks inside quoted fields exactly). No line is held
beyond :data:`LINE_LIMIT` bytes (characters for UTF-16/32), so input without line breaks
(``/dev/zero``, a broken file) cannot grow memory: the readers of records stop there with an
error naming the line, as a row cut short could not be written back whole; ``score``, which
writes no text back, reads the line's start (scored on its first 100,000 characters, like
every long comment) and skips the rest.

For encodings that keep ASCII bytes as they are (UTF-8, Latin-1, …) bytes are split into lines
before decoding, so an invalid byte is reported by line and byte offset. A UTF-8 byte-order mark
is dropped; a UTF-16 or UTF-32 one makes the text decode as that encoding unless another
encoding than UTF-8 was asked for. NUL bytes mean the file is not text.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from moderation.errors import InputError, warn
from moderation.io.readers.source import STDIN, ByteSource, read_chunk

__all__ = [  # STDIN too: the commands reading lines take it from here
    "LINE_LIMIT", "STDIN", "checked_encoding", "decoded_chunks", "decoded_lines", "encoding_and_bom", "iter_lines",
    "keeps_ascii", "line_ends", "nul_error", "read_text_file", "sha256_file",
]  # fmt: skip
LINE_LIMIT = 10_000_000  # bytes (characters for UTF-16/32) held of one line: 100 times what is scored of a comment
TEXT_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
UTF8_NAMES = ("utf-8", "utf-8-sig")
XML_ENCODING = re.compile(rb"""[ \t\r\n]{0,100}<\?xml[^>]{0,200}?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,40})["']""")
HEAD_BYTES = 256  # enough for a byte-order mark and an XML declaration


def checked_encoding(encoding: str) -> str:
    """The codec's canonical name; an unknown encoding is an :class:`InputError`."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}; use a name Python knows, e.g. utf-8 or latin-1") from None


def keeps_ascii(encoding: str) -> bool:
    """True if the encoding writes line ends and ASCII as the same single bytes (UTF-8, Latin-1,
    cp1252, …), so that bytes can be split into lines before decoding; False for UTF-16/32."""
    try:
        return all(character.encode(encoding) == character.encode("ascii") for character in "\n\r <{a")
    except (UnicodeError, LookupError):
        return False


def encoding_and_bom(head: bytes, encoding: str) -> tuple[str, int]:
    """The encoding to decode with and how many byte-order-mark bytes to skip first.

    With UTF-8 asked for (the default), a UTF-16 or UTF-32 byte-order mark, or an XML
    declaration naming another encoding (old WordPress blogs export ISO-8859-1), decides.
    """
    name = checked_encoding(encoding)
    if name not in UTF8_NAMES:
        return encoding, 0
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", 0
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0
    bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
    declared = XML_ENCODING.match(head, bom)
    if declared and not bom:
        try:
            if keeps_ascii(declared.group(1).decode("ascii")):
                return declared.group(1).decode("ascii"), 0
        except LookupError:
            pass  # an unknown name: decode as asked, and let the XML parser judge the file
    return "utf-8", bom


def line_ends(data: bytes | str) -> int:
    """How many lines end in ``data``."""
    if isinstance(data, bytes):
        return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return data.count("\n") + data.count("\r") - data.count("\r\n")


def nul_error(name: str, line: int, offset: int | None) -> InputError:
    """The error for a NUL byte on ``line`` (at byte ``offset`` when known): the file is not text."""
    where = f" at byte offset {offset}" if offset is not None else ""
    return InputError(
        f"NUL byte{where}: this looks like a binary file, not text; export the comments as CSV, JSONL or a text thread",
        name,
        line,
    )


def overlong_error(name: str, line: int, limit: int) -> InputError:
    """The error for a line longer than ``limit`` bytes, which no comment export has."""
    return InputError(
        f"more than {limit:,} bytes without a line break; no comment export has lines this long: "
        "is this the right file? (split the line, or give the file it was made from)",
        name,
        line,
    )


def decoded_lines(
    stream: BinaryIO,
    name: str,
    encoding: str = "utf-8",
    errors: str = "strict",
    limit: int = LINE_LIMIT,
    on_overlong: Callable[[int], None] | None = None,
    on_undecodable: Callable[[InputError], None] | None = None,
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)``, 1-based, line ends kept (see the module docstring).

    A line longer than ``limit`` bytes (characters for UTF-16/32) raises :class:`InputError`;
    with ``on_overlong`` it is cut there instead, the rest skipped, and ``on_overlong(number)``
    called. A line that does not decode raises :class:`InputError`; with ``on_undecodable``
    (encodings that keep ASCII bytes, where each line decodes alone) that error is passed to
    it instead, before the next line is yielded, and reading goes on.
    """
    encoding, bom = encoding_and_bom(stream.peek(HEAD_BYTES)[:HEAD_BYTES], encoding)
    stream.read(bom)
    if keeps_ascii(encoding):
        yield from _byte_lines(stream, name, encoding, errors, limit, on_overlong, on_undecodable, bom)
    else:
        yield from _text_lines(stream, name, encoding, errors, limit, on_overlong)


def _byte_lines(stream, name, encoding, errors, limit, on_overlong, on_undecodable, offset) -> Iterator[tuple[int, str]]:
    """:func:`decoded_lines` for encodings that keep ASCII bytes: split bytes, then decode each line."""
    number = 0
    for raw, start, complete in _split_lines(stream, name, b"", limit, lambda data: data.splitlines(keepends=True), offset):
        number += 1
        if complete:
            try:
                yield number, raw.decode(encoding, errors)
            except UnicodeDecodeError as error:
                undecodable = InputError(
                    f"invalid {encoding} at byte offset {start + error.start}; "
                    "pass --encoding with the file's encoding, or --errors replace to continue",
                    name,
                    number,
                )
                if on_undecodable is None:
                    raise undecodable from None
                on_undecodable(undecodable)
        elif on_overlong is None:
            raise overlong_error(name, number, limit)
        else:  # its start, up to a whole character; the rest is skipped
            on_overlong(number)
            yield number, codecs.getincrementaldecoder(encoding)(errors).decode(raw[:limit])


def _text_lines(stream, name, encoding, errors, limit, on_overlong) -> Iterator[tuple[int, str]]:
    """:func:`decoded_lines` for encodings such as UTF-16: decode, then split."""
    number = 0
    first = True
    for text, _, complete in _split_lines(decoded_chunks(stream, name, encoding, errors), name, "", limit, TEXT_LINES.findall):
        if first:
            text, first = text.lstrip("\ufeff"), False
        number += 1
        if not complete:
            if on_overlong is None:
                raise overlong_error(name, number, limit)
            on_overlong(number)
            text = text[:limit]
        yield number, text


def _split_lines(source, name: str, empty, limit: int, split, offset: int = 0) -> Iterator[tuple]:
    """Yield ``(line, offset of its start, complete)`` from a byte stream (``empty`` = b"") or
    an iterator of text chunks (``empty`` = ""), holding at most ``limit`` units of a line.

    A line longer than ``limit`` is given once, as not complete (with at least its first
    ``limit`` units), and its rest is skipped.
    """
    chunks = iter(lambda: read_chunk(source, name), b"") if empty == b"" else source
    nul, breaks = ("\0", ("\n", "\r")) if empty == "" else (b"\0", (b"\n", b"\r"))
    pending: list = []
    pending_size = 0
    skipping = False  # in the rest of an overlong line
    lines = 0
    for chunk in chunks:
        position = chunk.find(nul)
        if position >= 0:
            before = empty.join(pending) + chunk[:position]
            raise nul_error(name, lines + line_ends(before) + 1, offset + len(before) if empty == b"" else None)
        if breaks[0] not in chunk and breaks[1] not in chunk:
            if skipping:
                offset += len(chunk)
                continue
            pending.append(chunk)
            pending_size += len(chunk)
            if pending_size > limit:
                lines += 1
                yield empty.join(pending), offset, False
                offset += pending_size
                pending, pending_size, skipping = [], 0, True
            continue
        pieces = split(empty.join(pending) + chunk if pending else chunk)
        pending, pending_size = [], 0
        if not pieces[-1].endswith(breaks[0]):  # unfinished, or a "\r" that "\n" may follow
            pending = [pieces.pop()]
            pending_size = len(pending[0])
        for piece in pieces:
            if skipping:
                skipping = False
            else:
                lines += 1
                yield piece, offset, len(piece) <= limit
            offset += len(piece)
        if pending_size > limit and not skipping:
            lines += 1
            yield pending[0], offset, False
            offset += pending_size
            pending, pending_size, skipping = [], 0, True
    if pending and not skipping:
        yield empty.join(pending), offset, True


def decoded_chunks(stream: BinaryIO, name: str, encoding: str = "utf-8", errors: str = "strict") -> Iterator[str]:
    """The text of ``stream`` in chunks, for documents read as a whole (XML, JSON), with the
    same decoding, byte-order marks and NUL check as :func:`decoded_lines`."""
    encoding, bom = encoding_and_bom(stream.peek(HEAD_BYTES)[:HEAD_BYTES], encoding)
    stream.read(bom)
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    bytewise = keeps_ascii(encoding)
    consumed, lines, first = bom, 0, True
    while True:
        chunk = read_chunk(stream, name)
        if bytewise and b"\0" in chunk:
            position = chunk.find(b"\0")
            raise nul_error(name, lines + line_ends(chunk[:position]) + 1, consumed + position)
        waiting = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            start = consumed - len(waiting) + error.start
            raise InputError(
                f"invalid {encoding} at byte offset {start}; pass --encoding with the file's encoding, or --errors replace to continue",
                name,
                lines + line_ends(error.object[: error.start]) + 1,
            ) from None
        if first and text:
            text, first = text.lstrip("\ufeff"), False
        position = -1 if bytewise else text.find("\0")
        if position >= 0:
            raise nul_error(name, lines + line_ends(text[:position]) + 1, None)
        consumed += len(chunk)
        lines += line_ends(chunk if bytewise else text)
        if text:
            yield text
        if not chunk:
            return


def iter_lines(
    path: str | Path,
    encoding: str = "utf-8",
    errors: str = "strict",
    on_undecodable: Callable[[InputError], None] | None = None,
) -> Iterator[tuple[int, str]]:
    """The lines of a file or of stdin (``-``), read once as they come (``score`` answers each
    line before the next arrives), decompressed if compressed. A line longer than
    :data:`LINE_LIMIT` bytes is cut there, with a note on stderr."""
    source = ByteSource(path, rereadable=False)
    name = source.name

    def note(number: int) -> None:
        warn(f"{name}, line {number}: more than {LINE_LIMIT:,} bytes without a line break; read its start and skipped the rest")

    try:
        yield from decoded_lines(source.open(), name, encoding, errors, on_overlong=note, on_undecodable=on_undecodable)
    finally:
        source.close()


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text_file(path: str | Path, what: str, encoding: str = "utf-8", errors: str = "strict") -> str:
    """The whole text of a small file (an article), stripped; an empty one is an error."""
    text = "".join(line for _, line in iter_lines(path, encoding, errors)).strip()
    if not text:
        raise InputError(f"the file is empty; give the text of the {what}", path)
    return text
