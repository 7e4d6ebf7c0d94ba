"""Who may call the server, and the access log.

API keys are held as sha256 digests: a lookup then reveals nothing usable about a key through
its timing, and no key sits in memory in the clear. The access log writes one line per request
on stderr without the query string, where clients put their keys. Whatever a request sent
reaches a log line only through :func:`log_text`, so it cannot forge lines or drive a terminal.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from pathlib import Path

from moderation.errors import InputError, printable

log = logging.getLogger("moderation.server")


def read_api_keys(path: Path) -> frozenset[str]:
    """The sha256 digests of the keys in ``path`` (empty if it holds none): one key per line;
    blank lines and lines starting with ``#`` are skipped, and a byte-order mark is not part of
    the first key."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError("no such file; give --api-keys a file with one key per line", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the API keys ({error}); give a UTF-8 text file with one key per line", path) from None
    keys = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return frozenset(digest(key) for key in keys)


def reread_api_keys(path: Path) -> frozenset[str]:
    """The keys in ``path`` as a running server takes them (at start and on SIGHUP): exactly
    those, and none when the file is missing, unreadable or holds none. Revoking must never
    fail open, so a file that cannot be read revokes every key (with an error in the log)."""
    try:
        keys = read_api_keys(path)
    except InputError as error:
        log.error("%s; no API key is accepted until a reload (SIGHUP) reads the file", log_text(str(error)))
        return frozenset()
    if not keys:
        log.warning("%s holds no API key; every request that needs one gets 403 until a reload reads some", log_text(str(path)))
    return keys


def digest(key: str) -> str:
    """The sha256 of an API key: keys are compared, and kept in memory, only as digests."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def log_text(value) -> str:
    """``value`` as text safe for one log line: backslash, quote and every character that is
    not printable (line breaks, NUL, escape codes, bidi and other format controls) written as
    Python escapes (``\\n``, ``\\x1b``, ``\\u202e``), so a request can neither add a line nor
    change how one looks."""
    return printable(str(value).replace("\\", "\\\\").replace('"', '\\"'))


class AccessLog:
    """ASGI middleware: one line per HTTP request on the server log — client, method, path
    (never the query: it holds API keys), status, response bytes and milliseconds."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status, size = 0, 0

        async def send_and_note(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            client = scope.get("client")
            log.info(
                '%s "%s %s" %d %d %.1fms',
                log_text(f"{client[0]}:{client[1]}") if client else "-",
                log_text(scope["method"]),
                log_text(scope["path"]),
                status,
                size,
                (time.perf_counter() - start) * 1000,
            )
