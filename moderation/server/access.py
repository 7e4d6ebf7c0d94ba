"""Who may call the server, and the access log.

API keys are held as sha256 digests: a lookup then reveals nothing usable about a key through
its timing, and no key sits in memory in the clear. The access log writes one line per request
on stderr without the query string, where clients put their keys.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from pathlib import Path

from moderation.errors import InputError

log = logging.getLogger("moderation.server")


def read_api_keys(path: Path) -> frozenset[str]:
    """The sha256 digests of the keys in ``path``: one key per line; blank lines and lines
    starting with ``#`` are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError("no such file; give --api-keys a file with one key per line", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the API keys ({error}); give a UTF-8 text file with one key per line", path) from None
    keys = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not keys:
        raise InputError("holds no API key; write one key per line", path)
    return frozenset(digest(key) for key in keys)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


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
                f"{client[0]}:{client[1]}" if client else "-",
                scope["method"],
                scope["path"],
                status,
                size,
                (time.perf_counter() - start) * 1000,
            )
