"""``moderation review`` as a plain function: :func:`review` with :class:`ReviewSettings`."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import socket
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from moderation.annotate.labels_file import LabelsFile, unwritable_note
from moderation.errors import warn
from moderation.review.app import ReviewServer
from moderation.review.model_access import LABELS, InputError, ReadOptions, has_text, read_input
from moderation.review.state import ReviewSession
from moderation.server.access import is_loopback
from moderation.server.run import absorbing_stop_signals

BACKLOG = 128


@dataclass
class ReviewSettings:
    """Everything the command line decided (validated there)."""

    input: Path
    labels: Path
    model: Path | None = None
    chosen: tuple[str, ...] = LABELS
    host: str = "127.0.0.1"
    port: int = 0
    open_browser: bool = True
    read_options: ReadOptions = field(default_factory=ReadOptions)


def can_open_browser() -> bool:
    """Whether a graphical browser can be opened (on Linux, only with a display: otherwise
    :mod:`webbrowser` may start a text browser in the terminal the server is printing to)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def page_address(host: str, port: int, token: str) -> str:
    """The address to open: the session token travels in the fragment, never sent to a server."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/#token={token}"


@contextlib.contextmanager
def listening(host: str, port: int):
    """A socket listening on ``host``:``port``, taken before the input is scored so that a port
    in use stops the command at once; connections wait in its backlog until the server runs."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise InputError(f"cannot listen on {host} ({error.strerror or error}); give --host an address of this machine") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        advice = "give another --port, or --port 0 for any free one" if error.errno == errno.EADDRINUSE else "give --host an address of this machine"
        raise InputError(f"cannot listen on {host}:{port} ({error.strerror or error}); {advice}") from None
    with sock:
        yield sock


def review(settings: ReviewSettings, on_ready: Callable[[str], None] | None = None) -> int:
    """Score the input, serve the review page until Ctrl-C or SIGTERM, and return the exit code.

    ``on_ready`` is called with the page's address once the server listens (the command line
    prints it and opens a browser)."""
    if str(settings.input) != "-" and Path(settings.input).resolve() == Path(settings.labels).resolve():
        raise InputError("the labels file is the input; give a new file for --labels", settings.labels)
    with LabelsFile(settings.labels) as labels_file, listening(settings.host, settings.port) as sock:
        if labels_file.repair is not None:
            warn(
                f"the last row of {settings.labels} was cut off while being written; its {labels_file.repair.size} bytes "
                f"were moved to {labels_file.repair.moved_to} and that comment can be answered again"
            )
        comments = read_input(settings.input, settings.read_options)
        if not any(has_text(comment.text) for comment in comments):
            raise InputError("no comments with text to review", settings.input)
        if replaced := unwritable_note(comments):
            warn(replaced)
        warn(f"scoring {len(comments):,} comments ...")
        session = ReviewSession(comments, labels_file, settings.chosen, settings.model, str(settings.input))
        for message in session.notices:
            warn(message)
        session.warm()
        token = secrets.token_urlsafe(32)
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            ReviewServer(session, token, settings.host, port).app(), access_log=False, server_header=False, log_level="warning"
        )
        if not is_loopback(settings.host):
            warn(f"listening on {settings.host}: anyone who has the address below, with its token, can read and answer these comments")
        address = page_address(settings.host, port, token)
        if on_ready is not None:
            on_ready(address)
        with absorbing_stop_signals():
            uvicorn.Server(config).run(sockets=[sock])
        progress = session.session.progress()
        warn(
            f"{progress.answers_this_session} answers saved to {settings.labels} this session; "
            f"{progress.answered:,} of {progress.total:,} comments done"
        )
    return 0


def announce(address: str, open_browser: bool) -> None:
    """Print the page's address, and open it in a browser when asked and one is available."""
    print(f"Review page: {address}", flush=True)
    print("Stop with Ctrl-C; every answer is saved the moment it is given.", flush=True)
    if open_browser and can_open_browser():
        webbrowser.open(address)
