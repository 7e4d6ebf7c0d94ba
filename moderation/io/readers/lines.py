"""Decoded lines of a file or stdin, with errors that say where the bad bytes are.

Reading bytes line by line and decoding each line ourselves (instead of opening the file in
text mode) lets an invalid byte be reported by line and byte offset, keeps memory bounded by
the longest line, and treats stdin (``-``) like any other file.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from moderation.errors import InputError

STDIN = "-"


def open_binary(path: str | Path) -> BinaryIO:
    """Open ``path`` (or stdin for ``-``) for reading bytes, with a clear error if we cannot."""
    if str(path) == STDIN:
        return sys.stdin.buffer
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory, not a file; give a file inside it", path)
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError("no such file; check the path", path) from None
    except PermissionError:
        raise InputError("cannot read this file (permission denied); check its permissions", path) from None
    except OSError as error:
        raise InputError(f"cannot open this file ({error.strerror}); check the path", path) from None


def iter_lines(path: str | Path, encoding: str = "utf-8", errors: str = "strict") -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` pairs, 1-based, with their line ends as in the file.

    A UTF-8 byte-order mark is dropped silently; CRLF line ends are kept for the readers (the
    CSV reader needs them to keep line breaks inside quoted fields exactly). NUL bytes mean
    the file is not text, and undecodable bytes are reported with their offset unless
    ``errors`` is ``"replace"`` or ``"ignore"``.
    """
    name = "<stdin>" if str(path) == STDIN else str(path)
    stream = open_binary(path)
    offset = 0
    try:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf") and encoding.replace("-", "").lower() == "utf8":
                raw = raw[3:]
                offset += 3
            nul = raw.find(b"\x00")
            if nul >= 0:
                raise InputError(
                    f"NUL byte at byte offset {offset + nul}: this looks like a binary file, not text; "
                    "export the comments as CSV, JSONL or a text thread",
                    name,
                    number,
                )
            try:
                text = raw.decode(encoding, errors)
            except UnicodeDecodeError as error:
                raise InputError(
                    f"invalid {encoding} at byte offset {offset + error.start}; "
                    "pass --encoding with the file's encoding, or --errors replace to continue",
                    name,
                    number,
                ) from None
            except LookupError:
                raise InputError(f"unknown encoding {encoding!r}; use a name Python knows, e.g. utf-8 or latin-1") from None
            offset += len(raw)
            yield number, text
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


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
