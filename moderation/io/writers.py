"""Output files written atomically: complete, or not there at all."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from moderation.errors import InputError


def check_output_path(output: Path, inputs: list[Path]) -> None:
    """Refuse, before any work, an output we could not write or that would overwrite an input."""
    for source in inputs:
        if str(source) != "-" and output.exists() and output.resolve() == Path(source).resolve():
            raise InputError("the output is the input file; write to another file", output)
    if output.is_dir():
        raise InputError("is a directory; give a file name for the output", output)
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"the output folder {folder} does not exist; create it first", output)
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write to the output folder {folder} (permission denied)", output)


@contextlib.contextmanager
def atomic_output(output: Path | None, binary: bool = False):
    """A text stream (bytes if ``binary``) for ``output`` (stdout if None), renamed into place
    only on success.

    The temporary file lives in the output's folder so the final rename is atomic; on any
    error or interruption it is removed and an existing output is left as it was.
    """
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent or ".")
    except OSError as error:
        raise InputError(f"cannot write the output here ({error.strerror or error}); choose another path", output) from None
    try:
        opened = os.fdopen(descriptor, "wb") if binary else os.fdopen(descriptor, "w", encoding="utf-8", newline="")
        with opened as stream:
            yield stream
        os.chmod(temporary, default_file_mode())
        os.replace(temporary, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def json_line(record: dict) -> str:
    """One JSON object on one line. U+0085, U+2028 and U+2029 are escaped as well: JSON allows
    them raw, but many line readers (Python's splitlines, JavaScript) would break the line there."""
    text = json.dumps(record, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def default_file_mode() -> int:
    """What ``open()`` would give a new file: mkstemp's 0600 would hide output from others."""
    return 0o666 & ~current_umask()
