"""Running the server: checks before serving, one process or several, and signals.

One worker runs uvicorn in this process. Several share one listening socket, each in its own
process with its own model; this process then only supervises: it passes SIGHUP on (each
worker reloads and verifies the model itself, keeping its old one on failure), and SIGTERM or
Ctrl-C (each worker finishes its requests in flight, then exits). uvicorn's own multi-process
mode is not used because on SIGHUP it restarts its workers, and a worker restarted onto a model
that fails verification has no old model to keep serving.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time

import uvicorn

from moderation.errors import InputError
from moderation.server.access import is_loopback, read_api_keys
from moderation.server.app import ServerSettings, create_app
from moderation.server.connections import MAX_HEAD_BYTES, ConnectionLimits, GuardedHttpProtocol, open_files_room
from moderation.server.feedback import EARLIER_COLUMNS, check_feedback_file
from moderation.server.languages import LanguagePolicy
from moderation.server.scale import describe as describe_scale
from moderation.server.scoring import load
from moderation.server.worker import GIL_SWITCH_SECONDS

log = logging.getLogger("moderation.server")

GRACEFUL_SHUTDOWN_SECONDS = 30
"""How long requests in flight get to finish after SIGTERM."""

MIN_REQUEST_BYTES = 32 * 1024
"""A body limit must leave room for a 20 KB comment and its JSON."""


def check_settings(settings: ServerSettings) -> list[str]:
    """Refuse, before binding anything, settings that cannot serve or would serve unsafely;
    return what the operator should know about the others, for the log."""
    notes = []
    if not is_loopback(settings.host) and settings.api_keys is None and not settings.insecure_no_auth:
        raise InputError(
            f"--host {settings.host} is reachable from other machines, and no --api-keys file was given; "
            "give --api-keys FILE (one key per line), or --insecure-no-auth if another layer checks access"
        )
    if settings.api_keys is not None and not read_api_keys(settings.api_keys):
        raise InputError("holds no API key; write one key per line", settings.api_keys)
    if settings.feedback is not None and check_feedback_file(settings.feedback) == EARLIER_COLUMNS:
        notes.append(
            f"{settings.feedback} has no reason column (an earlier version wrote it): rows are appended in its columns, so a "
            "rejected comment is kept with empty labels but without its reason; move the file away to start one that keeps it"
        )
    if settings.max_request_bytes < MIN_REQUEST_BYTES:
        raise InputError(f"the request size limit must be at least {MIN_REQUEST_BYTES // 1024} KB, to fit a 20 KB comment")
    if open_files_room() < 1:
        raise InputError("the open-file limit leaves no room for connections; raise it (ulimit -n) and start again")
    return notes


def configure_process() -> None:
    """A server process: log lines (access and events) on stderr with a timestamp, and the
    GIL handed between the event loop and the worker thread quickly (:data:`GIL_SWITCH_SECONDS`)."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("moderation.server")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def connection_limits(settings: ServerSettings) -> ConnectionLimits:
    """The connection limits of this process: a connection limit the open-file limit cannot
    hold is lowered to what it can."""
    wanted = settings.connections.max_connections
    return dataclasses.replace(settings.connections, max_connections=max(1, min(wanted, open_files_room())))


def uvicorn_config(settings: ServerSettings, app):
    """The uvicorn configuration of one server process."""
    limits = connection_limits(settings)
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=functools.partial(GuardedHttpProtocol, limits=limits),
        ws="none",
        timeout_keep_alive=limits.keep_alive_timeout,
        access_log=False,  # ours leaves out the query string, which holds API keys
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_level="warning",
    )


def run_server(settings: ServerSettings) -> None:
    """Serve until SIGTERM or Ctrl-C, then finish the requests in flight and return."""
    notes = check_settings(settings)
    configure_process()
    for note in notes:
        log.warning("note: %s", note)
    # SIGHUP's default action ends the process: ignore it until the server handles it (reloads).
    previous_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        listen_and_serve(settings)
    finally:
        signal.signal(signal.SIGHUP, previous_hup)
    log.info("stopped")


def listen_and_serve(settings: ServerSettings) -> None:
    """Verify the model, listen, and serve in this process or in workers until stopped."""
    model = load(settings.model)  # verified here, so a bad model stops us before we listen
    config = uvicorn_config(settings, None)
    sock = config.bind_socket()
    sock.listen(config.backlog)  # connections wait in the backlog from now on, not refused while we start
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    log.info(
        "serving on http://%s:%d (Perspective endpoint http://%s:%d/v1alpha1; pid %d, %d worker%s)",
        shown, port, shown, port, os.getpid(), settings.workers, "s" if settings.workers > 1 else "",
    )  # fmt: skip
    log_limits(settings)
    log.info("%s; --scores %s", describe_scale(model.thresholds, settings.scale), settings.scale)
    log.info("%s", LanguagePolicy(settings.other_languages).describe())
    if settings.drop_unsupported:
        log.info("requested attributes this server does not answer are left out of responses (--drop-unsupported-attributes)")
    if settings.workers == 1:
        config.app = create_app(settings, model)
        server = uvicorn.Server(config)
        with absorbing_stop_signals():
            server.run(sockets=[sock])
    else:
        supervise(settings, sock)


def log_limits(settings: ServerSettings) -> None:
    """Say at start-up what a client may take, so that a refused client can be explained."""
    wanted, limits = settings.connections, connection_limits(settings)
    lowered = f" (lowered from {wanted.max_connections}: the open-file limit allows no more)" if limits.max_connections < wanted.max_connections else ""
    log.info(
        "limits: at most %d connection%s per process%s; an idle connection is closed after %g s, a request must arrive "
        "within %g s of its first byte, its head within %d KB and its body within %d KB",
        limits.max_connections, "s" if limits.max_connections > 1 else "", lowered, limits.keep_alive_timeout,
        limits.request_timeout, MAX_HEAD_BYTES // 1024, settings.max_request_bytes // 1024,
    )  # fmt: skip


@contextlib.contextmanager
def absorbing_stop_signals():
    """uvicorn finishes in-flight requests on SIGTERM/SIGINT, then raises the signal again for
    the handler it found; this handler takes it as done, so a graceful stop exits 0."""
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def worker_main(settings: ServerSettings, sock) -> None:
    """One worker process of :func:`supervise`: its own verified model, the shared socket."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the application handles it
    configure_process()
    config = uvicorn_config(settings, create_app(settings))
    server = uvicorn.Server(config)
    with absorbing_stop_signals():
        server.run(sockets=[sock])


RESTART_PAUSE_SECONDS = 10
"""A worker that died is replaced at most this often, so a worker that cannot start does not
spin; the others keep serving meanwhile."""


def supervise(settings: ServerSettings, sock) -> None:
    """Run ``settings.workers`` worker processes on ``sock``; replace one that dies, pass
    SIGHUP on, and on SIGTERM/SIGINT stop them all gracefully."""
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads and BLAS state
    wake = threading.Event()
    signals: list[int] = []

    def on_signal(signum, frame):
        signals.append(signum)
        wake.set()

    def start():
        process = context.Process(target=worker_main, args=(settings, sock))
        process.start()
        return process, time.monotonic()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)}
    workers = [start() for _ in range(settings.workers)]
    try:
        while True:
            wake.wait(0.5)
            wake.clear()
            received = []
            while signals:  # popped one by one: a signal may arrive meanwhile
                received.append(signals.pop(0))
            if any(signum != signal.SIGHUP for signum in received):
                break
            if received:
                log.info("SIGHUP: each worker reloads the model")
                for process, _ in workers:
                    send(process, signal.SIGHUP)
            for slot, (process, started) in enumerate(workers):
                if not process.is_alive() and time.monotonic() - started >= RESTART_PAUSE_SECONDS:
                    log.error("worker %d exited with code %s; starting another", process.pid, process.exitcode)
                    workers[slot] = start()
    finally:
        for process, _ in workers:
            send(process, signal.SIGTERM)
        for process, _ in workers:
            process.join(GRACEFUL_SHUTDOWN_SECONDS + 5)
            if process.is_alive():
                log.error("worker %d did not stop in time; killing it", process.pid)
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def send(process, signum: int) -> None:
    """Signal a worker process if it is still running."""
    if process.is_alive():
        os.kill(process.pid, signum)
