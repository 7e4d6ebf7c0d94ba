"""Errors a user can act on.

Every error that reaches the command line is one of these: the CLI prints it as a single
line on stderr and exits with ``exit_code``, never with a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path


class ModerationError(Exception):
    """Base class: ``str(error)`` is the one line shown to the user."""

    exit_code = 1


class InputError(ModerationError):
    """Bad input or usage: names the file, the line or row, what is wrong and what to do."""

    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None, *, unit: str = "line"):
        self.path = str(path) if path is not None else None
        self.line = line
        self.unit = unit
        self.message = message
        where = self.path or ""
        if line is not None:
            where = f"{where}, {unit} {line}" if where else f"{unit} {line}"
        super().__init__(f"{where}: {message}" if where else message)


class ModelError(ModerationError):
    """A model we will not load (unknown, tampered, incompatible): says why and how to fix it."""

    exit_code = 2


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on rather than show (line breaks,
    escape codes, bidi and other format controls) written as a Python escape (``\\x1b``,
    ``\\u202e``): a thread id or column name a commenter chose can neither recolour the
    terminal, retitle it, nor add or reorder a line of ours."""
    return text if text.isprintable() else "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def warn(message: str) -> None:
    """One line for the user on stderr, prefixed like every message of ours.

    With stderr closed, Python's ``print(file=None)`` would write to stdout and corrupt the
    output; the message is dropped instead.
    """
    stream = sys.stderr
    if stream is None:
        return
    try:
        print(f"moderation: {printable(message)}", file=stream, flush=True)
    except (OSError, ValueError):
        pass  # stderr closed or broken: nowhere left to say it
