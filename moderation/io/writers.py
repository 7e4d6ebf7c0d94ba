"""Where output goes, and how values are written into it.

:func:`open_output` writes a regular file under the durable policy of
:mod:`moderation.io.durable`: a new file in the same folder, given the old file's permissions
and owner, synced, and renamed into place only when complete (a file with other hard links is
copied in place then), so a failed or interrupted run leaves the previous output as it was.
Anything that is not a regular file is written directly, never replaced: stdout,
``/dev/stdout`` and other ``/dev/fd/N``, a FIFO, a character device such as ``/dev/null``.

Write failures (disk full, quota, file size limit, a closed stdout) raise :class:`OutputError`:
one line that says what failed and whether the previous output is intact.

Every CSV this tool writes is formatted by :func:`csv_row`, and reads back as written.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import re
import stat
import sys
from pathlib import Path

from moderation.errors import InputError, ModerationError
from moderation.io import durable
from moderation.io.readers.json_values import JSONText

DESCRIPTOR_PATH = re.compile(r"/dev/(?:stdout|stderr|fd/(\d+))|/proc/self/fd/(\d+)")
ESCAPED_IN_JSON = re.compile("[\x85\u2028\u2029\ud800-\udfff]")
UNWRITABLE = re.compile("[\x00\ud800-\udfff]")
QUOTED = re.compile('[,"\r\n]')
BUFFER = 1 << 16


class OutputError(ModerationError):
    """Output that could not be written: says what failed and what became of the previous output."""

    exit_code = 2


def failure(error: OSError, where: str, aftermath: str) -> OutputError:
    """The :class:`OutputError` for an ``OSError`` while writing ``where``."""
    if error.errno == errno.ENOSPC:
        what = f"no space left on the device of {where}"
    elif error.errno == errno.EDQUOT:
        what = f"disk quota exceeded writing {where}"
    elif error.errno == errno.EFBIG:
        what = f"{where} would exceed the file size limit (see ulimit -f)"
    else:
        what = f"cannot write {where} ({error.strerror or error})"
    return OutputError(f"{what}; {aftermath}")


class CheckedWriter(io.RawIOBase):
    """A raw writer on a descriptor whose failures become :class:`OutputError` (a reader that
    went away stays a ``BrokenPipeError``, which the CLI ends quietly). Closing it closes the
    descriptor if ``owns``; after :meth:`discard`, what is still buffered is dropped."""

    def __init__(self, descriptor: int, where: str, aftermath: str, owns: bool = True):
        self.descriptor = descriptor
        self.where = where
        self.aftermath = aftermath
        self.owns = owns
        self.discarded = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.discarded:
            return len(data)
        try:
            return os.write(self.descriptor, data)
        except BrokenPipeError:
            raise
        except OSError as error:
            self.discard()  # nothing more can be written; later flushes (at exit) must not fail again
            raise failure(error, self.where, self.aftermath) from None

    def fileno(self) -> int:
        return self.descriptor

    def isatty(self) -> bool:
        return os.isatty(self.descriptor)

    def discard(self) -> None:
        """Drop whatever is written from now on (the output has failed)."""
        self.discarded = True

    def close(self) -> None:
        if not self.closed and self.owns:
            os.close(self.descriptor)
        super().close()


def text_stream(raw: io.RawIOBase, binary: bool, line_buffering: bool = False):
    """A buffered binary stream, or a UTF-8 text stream, over ``raw``."""
    buffered = io.BufferedWriter(raw, BUFFER)
    if binary:
        return buffered
    return io.TextIOWrapper(buffered, encoding="utf-8", errors="strict", newline="", line_buffering=line_buffering, write_through=False)


class ClosedStdout(io.TextIOBase):
    """Stands in for stdout when the process started with it closed (``>&-``): writing to it is
    an error, not silence."""

    MESSAGE = "stdout is closed, so there is nowhere to write; give --out FILE (label) or run without >&-"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OutputError(self.MESSAGE)


def checked_stdout(line_buffering: bool):
    """A UTF-8 text stream on descriptor 1 whose write failures are :class:`OutputError`."""
    raw = CheckedWriter(1, "stdout", "the output is incomplete", owns=False)
    return text_stream(raw, binary=False, line_buffering=line_buffering)


class OutputTarget:
    """What ``--out`` names: stdout (None), a descriptor (``/dev/stdout``, ``/dev/fd/N``), a
    stream to write directly (FIFO, character device), or a regular file to replace."""

    def __init__(self, output: Path | None):
        self.output = output
        self.descriptor: int | None = None
        self.existing: os.stat_result | None = None
        self.kind = "stdout"
        if output is None:
            self.descriptor = 1
            return
        name = str(output)
        match = DESCRIPTOR_PATH.fullmatch(name)
        if match:
            self.kind = "descriptor"
            self.descriptor = int(match.group(1) or match.group(2) or (1 if name == "/dev/stdout" else 2))
            return
        try:
            self.existing = os.stat(output)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise InputError(f"cannot use this output ({error.strerror})", output) from None
        mode = self.existing.st_mode if self.existing else stat.S_IFREG
        if stat.S_ISDIR(mode):
            raise InputError("is a directory; give a file name for the output", output)
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
            self.kind = "stream"
        elif stat.S_ISREG(mode):
            self.kind = "file"
        else:
            raise InputError("is a block device or socket; write to a file, a FIFO or a character device such as /dev/null", output)
        self.real = Path(os.path.realpath(output))  # a symlink's target is replaced, not the link

    def check(self, input_identity: tuple[int, int] | None = None) -> None:
        """Refuse, before any work, an output we could not write or that is the input."""
        if self.kind in ("stdout", "descriptor"):
            if self.descriptor == 1 and isinstance(sys.stdout, ClosedStdout):
                raise OutputError(ClosedStdout.MESSAGE)
            try:
                os.fstat(self.descriptor)
            except OSError:
                raise InputError(f"descriptor {self.descriptor} is not open", self.output) from None
            return
        if self.existing is not None and input_identity == (self.existing.st_dev, self.existing.st_ino):
            raise InputError("the output is the input file; write to another file", self.output)
        if self.kind == "file":
            folder = self.real.parent
            if not folder.is_dir():
                raise InputError(f"the output folder {folder} does not exist; create it first", self.output)
            if not os.access(folder, os.W_OK):
                raise InputError(f"cannot write to the output folder {folder} (permission denied)", self.output)

    def aftermath(self) -> str:
        """What a failed write leaves, for messages."""
        if self.kind == "file":
            return "the previous output is intact" if self.existing else "no output was written"
        return "the output is incomplete"


def check_output(output: Path | None, input_identity: tuple[int, int] | None = None) -> None:
    """Refuse, before any work, an output that cannot be written or that is the input."""
    OutputTarget(output).check(input_identity)


@contextlib.contextmanager
def open_output(output: Path | None, binary: bool = False, input_identity: tuple[int, int] | None = None):
    """A UTF-8 text stream (bytes if ``binary``) for ``output`` (stdout if None), written as the
    module docstring says; write failures raise :class:`OutputError`."""
    target = OutputTarget(output)
    target.check(input_identity)
    where = "stdout" if output is None else str(output)
    if target.kind == "file":
        with staged_file(target, binary) as stream:
            yield stream
        return
    if target.kind == "stream":
        try:
            descriptor = os.open(output, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as error:
            raise failure(error, where, "no output was written") from None
        if stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced meanwhile: never write into a file unstaged
            os.close(descriptor)
            raise InputError("changed from a device or FIFO to a file; run again", output)
    else:
        descriptor = os.dup(target.descriptor)
    raw = CheckedWriter(descriptor, where, target.aftermath())
    stream = text_stream(raw, binary)
    try:
        yield stream
        stream.flush()
    except BaseException:
        raw.discard()
        raise
    finally:
        stream.close()


@contextlib.contextmanager
def staged_file(target: OutputTarget, binary: bool):
    """A regular file written under the durable policy (:func:`moderation.io.durable.replacing`)."""
    aftermath = target.aftermath()
    try:
        replacement = durable.Replacement.start(target.real)
    except OSError as error:
        raise InputError(f"cannot write the output here ({error.strerror or error}); choose another path", target.output) from None
    raw = CheckedWriter(replacement.descriptor, str(target.output), aftermath, owns=False)
    stream = text_stream(raw, binary)
    try:
        yield stream
        stream.flush()
        try:
            replacement.commit()
        except OSError as error:
            raise failure(error, str(target.output), "the output may be incomplete" if replacement.in_place else aftermath) from None
    except BaseException:
        raw.discard()
        raise
    finally:
        stream.close()
        replacement.close()


def json_line(record: dict) -> str:
    """One JSON object on one line.

    :class:`JSONText` values are written as the JSON they were read as; NaN and infinities as
    the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers); lone surrogates as
    ``\\udXXX`` escapes, so that invalid Unicode from a JSON input goes back out unchanged and
    the line stays UTF-8. U+0085, U+2028 and U+2029 are escaped as well: JSON allows them raw,
    but many line readers (Python's splitlines, JavaScript) would break the line there.
    """
    if any(type(value) is JSONText for value in record.values()):
        text = "{" + ", ".join(f"{json.dumps(key, ensure_ascii=False)}: {json_value(value)}" for key, value in record.items()) + "}"
    else:
        try:
            text = json.dumps(record, ensure_ascii=False, allow_nan=False)
        except ValueError:
            text = json.dumps(finite(record), ensure_ascii=False, allow_nan=False)
    return ESCAPED_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


def json_value(value) -> str:
    """A value as JSON text: a :class:`JSONText` as it was read, anything else with NaN and
    infinities as strings (see :func:`finite`)."""
    if type(value) is JSONText:
        return str(value)
    return json.dumps(finite(value), ensure_ascii=False, allow_nan=False)


def finite(value):
    """``value`` with NaN and infinities (in our own records) as the strings JSON can hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item) for item in value]
    return value


def csv_cell(value):
    """How a value is written in a CSV cell: JSON values as their JSON text (null as empty),
    never as a Python repr."""
    if type(value) is str or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if value is None or (type(value) is JSONText and value == "null"):
        return ""
    if isinstance(value, str):
        return str(value)
    return json.dumps(finite(value), ensure_ascii=False)


def csv_row(cells: list) -> str:
    """One CSV record, ending in a newline, that our readers read back cell for cell.

    A cell is quoted when it holds a comma, a quote or any line break. ``csv.writer`` with
    ``lineterminator="\\n"`` leaves a bare carriage return unquoted, and the row then splits
    in two on reading: one commenter's ``\\r`` would break the whole file. Cells must be
    writable (see :func:`writable_cells`); numbers are written as ``str`` gives them.
    """
    texts = [cell if type(cell) is str else str(cell) for cell in cells]
    if texts == [""]:
        return '""\n'  # a lone empty cell would be a blank line, which readers skip
    return ",".join('"' + text.replace('"', '""') + '"' if QUOTED.search(text) else text for text in texts) + "\n"


def writable_cells(cells: list) -> tuple[list, str | None]:
    """The cells with what a UTF-8 CSV cannot carry replaced by U+FFFD: lone surrogates
    (invalid Unicode, possible from JSON's ``"\\ud800"``, which UTF-8 cannot encode) and NUL
    characters (which our readers refuse as the mark of a binary file); and a note saying what
    was replaced, or None if nothing was."""
    texts = "".join(cell for cell in cells if isinstance(cell, str))
    if not UNWRITABLE.search(texts):
        return cells, None
    found = set(UNWRITABLE.findall(texts))
    replaced = [UNWRITABLE.sub("\ufffd", cell) if isinstance(cell, str) else cell for cell in cells]
    what = [name for name, present in (("NUL characters", "\x00" in found), ("invalid Unicode (lone surrogates)", found != {"\x00"})) if present]
    return replaced, " and ".join(what) + " replaced with U+FFFD in this row"


def current_umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def default_file_mode() -> int:
    """What ``open()`` would give a new file: the mode for files written by other means."""
    return 0o666 & ~current_umask()
