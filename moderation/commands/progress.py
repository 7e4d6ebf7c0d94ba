"""Progress on stderr for long work: a bar when stderr is a terminal, silence otherwise."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def progress(description: str, total: int | None = None, quiet: bool = False):
    """Yields ``advance(steps=1, total=None)`` (``total`` sets the number of steps once the
    work knows it); draws a rich progress bar only for a person watching."""
    if quiet or sys.stderr is None or not sys.stderr.isatty():
        yield lambda steps=1, total=None: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, transient=True, console=None) as bar:
        task = bar.add_task(description, total=total)
        yield lambda steps=1, total=None: bar.update(task, advance=steps, **({"total": total} if total else {}))
