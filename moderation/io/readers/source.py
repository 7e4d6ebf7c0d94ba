"""An input's bytes: opened once, decompressed when compressed, and readable from the start again.

A regular file is read through the one descriptor opened for it, at explicit offsets, so every
pass sees the same file even if its path is replaced meanwhile. Anything else — stdin, a pipe, a
FIFO, ``<(…)``, a character device — can be read only once, so :class:`ByteSource` keeps its
bytes, as they are first read, in an anonymous temporary file that no path names (``O_TMPFILE``,
or a file unlinked as soon as it is made): nothing is left behind even after SIGKILL, and a
source that is read only once is copied only as far as it is read.

Compressed input (gzip, bzip2, xz, or a zip archive holding one file) is recognized by its first
bytes, whatever its name, and decompressed on every read; the copy of a pipe holds the
compressed bytes.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from moderation.errors import InputError

STDIN = "-"
CHUNK = 1 << 16
MAX_LAYERS = 3  # compression inside compression (a .gz in a .zip); more is no export
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zip")
# Formats we recognize only to say what to do with them.
UNSUPPORTED = {
    b"\x28\xb5\x2f\xfd": "Zstandard-compressed: decompress it first (zstd -d FILE)",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive: extract the file you want and give that",
    b"Rar!\x1a\x07": "a RAR archive: extract the file you want and give that",
}


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes start ``head``: gzip, bz2, xz or zip; None for none."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    return None


class ByteSource:
    """The bytes of one input (a path, or ``-`` for stdin), opened once.

    :meth:`open` gives a fresh binary stream of the (decompressed) content from its start;
    with ``rereadable=False`` (for a single streaming pass, as ``score`` makes) it may be
    called once and nothing is copied. ``identity`` is ``(st_dev, st_ino)`` of a regular file,
    so that an output can be checked against it.
    """

    def __init__(self, path: str | Path, rereadable: bool = True):
        self.name = "<stdin>" if str(path) == STDIN else str(path)
        self.inner_name = "" if str(path) == STDIN else Path(path).name  # the name that tells the format
        self.rereadable = rereadable
        self._descriptor, self._owned = open_descriptor(path, self.name)
        status = os.fstat(self._descriptor)
        self.identity = (status.st_dev, status.st_ino) if stat.S_ISREG(status.st_mode) else None
        self._base = 0
        self._live: BinaryIO | None = None
        self._spool: int | None = None  # descriptor of the copy of a pipe
        self._spooled = 0
        self._ended = False
        self._opened = False
        if self.identity is not None:
            # stdin redirected from a file is read from where the shell left it.
            self._base = os.lseek(self._descriptor, 0, os.SEEK_CUR) if str(path) == STDIN else 0
        else:
            self._live = io.open(self._descriptor, "rb", buffering=CHUNK, closefd=False)

    def open(self) -> BinaryIO:
        """A new stream of the content from its start, decompressed (see the module docstring)."""
        if not self.rereadable:
            if self._opened:
                raise RuntimeError(f"{self.name} was opened for one pass only")
            self._opened = True
            stream = self._live or io.BufferedReader(PositionalReader(self), CHUNK)
        else:
            stream = io.BufferedReader(PositionalReader(self), CHUNK)
        return decompressed(stream, self)

    def read_at(self, offset: int, size: int) -> bytes:
        """Up to ``size`` raw bytes at ``offset`` (b"" at the end)."""
        if self.identity is not None:
            return os.pread(self._descriptor, size, self._base + offset)
        self._copy_until(offset + size)
        return os.pread(self._spool, size, offset)

    def size(self) -> int:
        """The raw size; for a pipe this reads it to its end."""
        if self.identity is not None:
            return os.fstat(self._descriptor).st_size - self._base
        self._copy_until(sys.maxsize)
        return self._spooled

    def _copy_until(self, size: int) -> None:
        """Copy the pipe into the spool until it holds ``size`` bytes or the pipe has ended."""
        if self._spool is None:
            import tempfile

            try:
                spool = tempfile.TemporaryFile(prefix="moderation-input-")
            except OSError as error:
                raise spool_error(error, self.name) from None
            self._spool = os.dup(spool.fileno())
            spool.close()
        while not self._ended and self._spooled < size:
            try:
                chunk = self._live.read1(CHUNK)
            except OSError as error:
                raise InputError(f"cannot read ({error.strerror or error})", self.name) from None
            if not chunk:
                self._ended = True
                break
            try:
                view = memoryview(chunk)
                while view:
                    written = os.pwrite(self._spool, view, self._spooled)
                    self._spooled += written
                    view = view[written:]
            except OSError as error:
                raise spool_error(error, self.name) from None

    def close(self) -> None:
        """Close the input and drop the copy of a pipe."""
        if self._spool is not None:
            os.close(self._spool)
            self._spool = None
        if self._owned and self._descriptor >= 0:
            os.close(self._descriptor)
        self._descriptor = -1


def spool_error(error: OSError, name: str) -> InputError:
    """The :class:`InputError` for a failure to keep the copy of a pipe."""
    import tempfile

    where = tempfile.gettempdir()
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return InputError(
            f"no space left in {where} for the copy of this input that is read more than once; "
            "set TMPDIR to a folder with room, or give the input as a file",
            name,
        )
    return InputError(f"cannot keep a copy of this input in {where} ({error.strerror or error}); set TMPDIR or give a file", name)


def open_descriptor(path: str | Path, name: str) -> tuple[int, bool]:
    """A descriptor for reading ``path`` (stdin's for ``-``) and whether we must close it."""
    if str(path) == STDIN:
        if sys.stdin is None:
            raise InputError("stdin is closed; pipe the comments in, or give a file")
        return sys.stdin.fileno(), False
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("no such file; check the path", name) from None
    except PermissionError:
        raise InputError("cannot read this file (permission denied); check its permissions", name) from None
    except OSError as error:
        raise InputError(f"cannot open this file ({error.strerror}); check the path", name) from None
    if stat.S_ISDIR(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InputError("is a directory, not a file; give a file inside it", name)
    return descriptor, True


class PositionalReader(io.RawIOBase):
    """A seekable raw stream over a :class:`ByteSource`, with a position of its own."""

    def __init__(self, source: ByteSource):
        self.source = source
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.source.read_at(self.position, len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: None}[whence]
        self.position = max(0, (self.source.size() if base is None else base) + offset)
        return self.position

    def tell(self) -> int:
        return self.position


def decompressed(stream: BinaryIO, source: ByteSource) -> BinaryIO:
    """``stream``, or its decompressed content when its first bytes show a compression."""
    for _ in range(MAX_LAYERS + 1):
        head = peek(stream, 512, source.name)
        for magic, what in UNSUPPORTED.items():
            if head.startswith(magic):
                raise InputError(f"this file is {what}", source.name)
        if head[257:262] == b"ustar":
            raise InputError("this is a tar archive: extract the file you want and give that", source.name)
        kind = compression_of(head)
        if kind is None:
            return stream
        if kind == "zip":
            stream = zip_member(stream, source)
        elif kind == "gzip":
            import gzip

            stream = gzip.GzipFile(fileobj=stream)
        elif kind == "bz2":
            import bz2

            stream = bz2.BZ2File(stream)
        else:
            import lzma

            stream = lzma.LZMAFile(stream)
        if kind != "zip":
            source.inner_name = strip_suffix(source.inner_name)
    raise InputError(f"compressed more than {MAX_LAYERS} times over; decompress it first", source.name)


def peek(stream: BinaryIO, size: int, name: str) -> bytes:
    """The next bytes of ``stream`` without consuming them (at least one unless at the end)."""
    try:
        return stream.peek(size)[:size]
    except Exception as error:  # noqa: BLE001 - damaged compressed data shows here first
        raise read_error(error, name) from None


def strip_suffix(name: str) -> str:
    """"export.xml.gz" → "export.xml": the name that tells the format of what is inside."""
    for suffix in COMPRESSED_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def zip_member(stream: BinaryIO, source: ByteSource) -> BinaryIO:
    """The one file in a zip archive (folders and macOS metadata aside)."""
    import zipfile

    if not source.rereadable:
        raise InputError("a zip archive cannot be read as a stream; unzip it, or give it as a file", source.name)
    try:
        archive = zipfile.ZipFile(stream)
        members = [
            member
            for member in archive.infolist()
            if not member.is_dir() and not member.filename.startswith("__MACOSX/") and not Path(member.filename).name.startswith("._")
        ]
        if len(members) != 1:
            names = ", ".join(member.filename for member in members[:3]) + (", …" if len(members) > 3 else "")
            raise InputError(
                f"the zip archive holds {len(members)} files{' (' + names + ')' if members else ''}; unzip it and give one",
                source.name,
            )
        if members[0].flag_bits & 0x1:
            raise InputError(f"{members[0].filename} in the zip archive is encrypted; unzip it and give the file", source.name)
        source.inner_name = Path(members[0].filename).name
        return archive.open(members[0])
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError) as error:
        raise InputError(f"damaged or unsupported zip archive ({error}); unzip it and give the file", source.name) from None


def read_chunk(stream: BinaryIO, name: str) -> bytes:
    """Up to :data:`CHUNK` bytes, as soon as some are there (b"" at the end); errors of damaged
    compressed data or of the device become an :class:`InputError`."""
    try:
        return stream.read1(CHUNK)
    except Exception as error:  # noqa: BLE001 - decompressors raise several types
        raise read_error(error, name) from None


def read_error(error: Exception, name: str) -> InputError:
    """The :class:`InputError` for an exception while reading (or decompressing) an input."""
    import gzip
    import lzma
    import zipfile
    import zlib

    if isinstance(error, InputError):
        return error
    if isinstance(error, EOFError):
        return InputError("the compressed data ends too early: the file is cut short; download or copy it again", name)
    if isinstance(error, (gzip.BadGzipFile, zlib.error, lzma.LZMAError, zipfile.BadZipFile)) or (
        isinstance(error, OSError) and error.errno is None
    ):
        return InputError(f"damaged compressed data ({error}); download or copy it again", name)
    if isinstance(error, OSError):
        return InputError(f"cannot read ({error.strerror or error})", name)
    raise error
