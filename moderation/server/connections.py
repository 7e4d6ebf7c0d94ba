"""Connections: time-outs and limits, so that idle, slow or oversized clients cannot hold the server.

uvicorn alone (0.30 to 0.55 checked) leaves three gaps. Its keep-alive time-out starts only
after a response, so a connection that never completes a request is held for ever (a byte now
and then keeps it). Its connection limit (``limit_concurrency``) answers 503 once a request's
headers are in, which an idle socket never sends: idle sockets use up the process's file
descriptors, and then no client can connect. And its fast parser (httptools) keeps a request
head in memory however long it grows. :class:`GuardedHttpProtocol` closes them:

- a connection that sends no byte of a request for ``keep_alive_timeout`` seconds, after it
  opened or after its last response, is closed;
- a request must arrive whole, head and body, within ``request_timeout`` seconds of its
  first byte, or the connection is closed;
- a request head (request line and header fields) still incomplete after :data:`MAX_HEAD_BYTES`
  gets 431 (httptools buffers a header field until it is complete, so the bytes are counted
  as they are read: a complete head may pass this limit by at most one read, 256 KB);
- at most ``max_connections`` are open: one more closes the connection that has waited longest
  for a request, or, when every connection is busy with a request, is answered 503.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import time
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("moderation.server")

MAX_HEAD_BYTES = 64 * 1024
"""A request line and header fields take far less: keys and Coral's headers fit in 1 KB."""

RESERVED_FILES = 32
"""Open files a server process keeps free for itself (model reloads, the feedback file, logs)."""

LINGER_SECONDS = 2.0
"""How long a refused connection's input is still read (and dropped) before it is closed."""

NOTE_EVERY_SECONDS = 60.0
"""Connections closed or refused at the limit are logged as a count, at most this often."""


@dataclass(frozen=True)
class ConnectionLimits:
    """What a connection may take; see ``moderation serve --help``."""

    keep_alive_timeout: float = 5.0
    request_timeout: float = 30.0
    max_connections: int = 1000


def open_files_room() -> int:
    """How many connections this process can open before it runs out of file descriptors:
    its open-file limit, less the files open now and :data:`RESERVED_FILES`."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit == resource.RLIM_INFINITY:
        return 1 << 30
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux: assume a freshly started server's few files
        in_use = 16
    return limit - in_use - RESERVED_FILES


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with the time-outs and limits the module describes."""

    def __init__(self, *args, limits: ConnectionLimits, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.waiting_since = time.monotonic()  # when it last became free for a new request
        self.request_deadline: asyncio.TimerHandle | None = None
        self.reading_head = False
        self.head_bytes = 0
        self.lingering = False  # answered by the protocol itself, closing

    # -- the connection limit ------------------------------------------------------------
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._close_longest_waiting():
            limit_notes.count("refused")
            self._answer_and_close(503, "UNAVAILABLE", "The server has too many connections; try again shortly.")
            return
        # uvicorn's keep-alive time-out, armed for the first request too (uvicorn: after a response only).
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def busy(self) -> bool:
        """Whether a request's head is in and its response is not yet complete."""
        return self.cycle is not None and not self.cycle.response_complete

    def _close_longest_waiting(self) -> bool:
        """Close a connection that has no request in progress: one already answered and closing
        first, else the one that has waited longest. False if every one is busy."""
        waiting = [c for c in self.connections if c is not self and isinstance(c, GuardedHttpProtocol) and not c.busy()]
        if not waiting:
            return False
        min(waiting, key=lambda c: (not c.lingering, c.waiting_since)).transport.close()
        limit_notes.count("closed")
        return True

    # -- the request time-out and the head limit -----------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return
        self._start_request_clock()  # at a request's first byte (line breaks before one count too)
        super().data_received(data)
        if self.reading_head and not self.lingering and not self.transport.is_closing():
            # The whole read counts, though with pipelining it may begin with an earlier request's end.
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self._answer_and_close(431, "INVALID_ARGUMENT", f"Request header fields too large: at most {MAX_HEAD_BYTES // 1024} KB.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.reading_head, self.head_bytes = True, 0
        self._start_request_clock()  # a pipelined request begins inside an earlier one's data

    def on_headers_complete(self) -> None:
        self.reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._stop_request_clock()

    def on_response_complete(self) -> None:
        self.waiting_since = time.monotonic()
        super().on_response_complete()

    def connection_lost(self, exc) -> None:
        self._stop_request_clock()
        super().connection_lost(exc)

    def _start_request_clock(self) -> None:
        if self.request_deadline is None:
            self.request_deadline = self.loop.call_later(self.limits.request_timeout, self._request_timed_out)

    def _stop_request_clock(self) -> None:
        if self.request_deadline is not None:
            self.request_deadline.cancel()
            self.request_deadline = None

    def _request_timed_out(self) -> None:
        self.request_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _answer_and_close(self, code: int, status: str, message: str) -> None:
        """A JSON error in Google's shape, written directly (no request reached the
        application), then the connection closed. Its input is read and dropped until the
        client closes, or for :data:`LINGER_SECONDS`: closing with input unread would reset
        the connection, and the client could lose the answer."""
        body = json.dumps({"error": {"code": code, "message": message, "status": status}}).encode("utf-8")
        reason = {431: b"Request Header Fields Too Large", 503: b"Service Unavailable"}[code]
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % (code, reason, len(body))
        )
        self.lingering = True
        self._stop_request_clock()
        self._unset_keepalive_if_required()
        self.transport.write(head + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


class LimitNotes:
    """Counts of connections closed or refused at the limit, logged at most every
    :data:`NOTE_EVERY_SECONDS`: a flood of connections must not become a flood of log lines."""

    def __init__(self) -> None:
        self.counts = {"closed": 0, "refused": 0}
        self.last = -NOTE_EVERY_SECONDS

    def count(self, what: str) -> None:
        """Count one connection ``closed`` (the longest waiting, to make room) or ``refused``."""
        self.counts[what] += 1
        now = time.monotonic()
        if now - self.last >= NOTE_EVERY_SECONDS:
            log.warning(
                "connection limit reached: %d waiting connection(s) closed to make room, %d refused (503) since the last note",
                self.counts["closed"], self.counts["refused"],
            )  # fmt: skip
            self.counts = {"closed": 0, "refused": 0}
            self.last = now


limit_notes = LimitNotes()
