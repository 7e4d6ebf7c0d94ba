"""The review page's web server: the page, its static files, and a small JSON API.

Who may use it:

- It listens on 127.0.0.1 unless told otherwise.
- Every ``/api/`` request must carry the session's token (``X-Review-Token``), compared in
  constant time. The token is made fresh for each session and handed to the browser in the
  address's fragment (``#token=…``), which browsers never send to a server or put in a
  Referer. The page and its static files hold no data and need no token.
- A request whose ``Host`` is not an address the server was started on is refused: a web page
  cannot reach it by pointing a name of its own at 127.0.0.1 (DNS rebinding). A request with
  an ``Origin`` other than the page's own is refused too.
- The page may run only its own script file (Content-Security-Policy ``script-src 'self'``),
  load nothing from elsewhere, and never be framed.

Answers and re-scoring touch the labels file and the model, so they run one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.review.model_access import InputError
from moderation.review.page import page_html, static_text
from moderation.review.records import to_json
from moderation.review.state import ReviewSession

log = logging.getLogger("moderation.review")

TOKEN_HEADER = "x-review-token"
MAX_BODY_BYTES = 16 * 1024
MAX_PAGE = 100  # comments per /api/comments request
POLL_SECONDS = 0.5
JSON_TYPE = "application/json; charset=utf-8"
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
STATIC_TYPES = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"}


SERVED_HEAD = (
    '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">\n'
    '<link rel="stylesheet" href="/static/review.css">\n<script src="/static/review.js" defer></script>'
)


class ApiError(Exception):
    """An answer other than 200: the status and one line for the page to show."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def allowed_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` values a request may carry: the address listened on and the loopback names."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    return {f"{name}:{port}" for name in names}


class ReviewServer:
    """The endpoints over one :class:`ReviewSession`."""

    def __init__(self, review: ReviewSession, token: str, host: str, port: int):
        self.review = review
        self.token = token
        self.hosts = allowed_hosts(host, port)
        self.origins = {f"http://{name}" for name in self.hosts}
        self.writing = asyncio.Lock()
        self.page = page_html(SERVED_HEAD).encode("utf-8")
        self.static = {name: static_text(name).encode("utf-8") for name in STATIC_TYPES}

    # --- checks ------------------------------------------------------------------------------

    def check_request(self, request: Request, needs_token: bool) -> None:
        """Refuse a request from elsewhere (see the module docstring)."""
        if request.headers.get("host", "") not in self.hosts:
            raise ApiError(421, "this server answers only to its own address; open the address moderation review printed")
        origin = request.headers.get("origin")
        if origin is not None and origin not in self.origins:
            raise ApiError(403, "requests from other sites are refused")
        if needs_token:
            given = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode("utf-8")):
                raise ApiError(403, "missing or wrong session token; open the address moderation review printed")

    # --- responses ---------------------------------------------------------------------------

    @staticmethod
    def respond(body: bytes, media_type: str, status: int = 200, headers: dict | None = None) -> Response:
        """A response with the security headers every answer carries."""
        return Response(body, status, headers={**SECURITY_HEADERS, **(headers or {})}, media_type=media_type)

    def endpoint(self, handler, needs_token: bool = True):
        """``handler`` behind the checks, its errors answered as JSON ``{"error": …}``."""

        async def run(request: Request) -> Response:
            try:
                self.check_request(request, needs_token)
                return await handler(request)
            except ApiError as error:
                return self.respond(to_json({"error": error.message}), JSON_TYPE, error.status)
            except InputError as error:
                return self.respond(to_json({"error": error.message}), JSON_TYPE, 400)

        return run

    async def read_json(self, request: Request) -> dict:
        """The request's JSON object body (at most :data:`MAX_BODY_BYTES`), sent as
        ``application/json``: the only type the page sends, and one no plain HTML form can."""
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise ApiError(415, "send the answer as application/json")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise ApiError(413, "request too large")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "the request is not JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the request must be a JSON object")
        return data

    def positions(self, values: str, limit: int) -> list[int]:
        """Input positions from a comma-separated list, each checked."""
        try:
            positions = [int(value) for value in values.split(",") if value.strip()]
        except ValueError:
            raise ApiError(400, "positions are whole numbers, separated by commas") from None
        if len(positions) > limit:
            raise ApiError(400, f"at most {limit} comments per request")
        if any(not 0 <= position < len(self.review.comments) for position in positions):
            raise ApiError(400, "no comment at that position")
        return positions

    # --- endpoints ---------------------------------------------------------------------------

    async def page_endpoint(self, request: Request) -> Response:
        return self.respond(self.page, "text/html; charset=utf-8", headers={"content-security-policy": PAGE_POLICY})

    async def static_endpoint(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.static:
            raise ApiError(404, "no such file")
        return self.respond(self.static[name], STATIC_TYPES[name])

    async def index_endpoint(self, request: Request) -> Response:
        body = await asyncio.to_thread(self.review.index_json)
        return self.respond(body, JSON_TYPE)

    async def comments_endpoint(self, request: Request) -> Response:
        positions = self.positions(request.query_params.get("positions", ""), MAX_PAGE)
        records = await asyncio.to_thread(self.review.records, positions)
        return self.respond(to_json({"records": records, "generation": self.review.status.generation}), JSON_TYPE)

    async def text_endpoint(self, request: Request) -> Response:
        positions = self.positions(request.query_params.get("position", ""), 1)
        if not positions:
            raise ApiError(400, "give the comment's position")
        position = positions[0]
        return self.respond(to_json({"position": position, "text": self.review.full_text(position)}), JSON_TYPE)

    async def search_endpoint(self, request: Request) -> Response:
        positions = await asyncio.to_thread(self.review.search, request.query_params.get("q", ""))
        return self.respond(to_json({"positions": positions}), JSON_TYPE)

    async def answer_endpoint(self, request: Request) -> Response:
        data = await self.read_json(request)
        async with self.writing:
            saved = await asyncio.to_thread(self.review.answer, data)
        return self.respond(to_json(saved), JSON_TYPE)

    async def retrain_endpoint(self, request: Request) -> Response:
        await self.read_json(request)
        async with self.writing:  # the snapshot is taken while no answer is being written
            message = self.review.start_retraining()
        return self.respond(to_json({**self.status(), "message": message}), JSON_TYPE)

    async def status_endpoint(self, request: Request) -> Response:
        return self.respond(to_json(self.status()), JSON_TYPE)

    def status(self) -> dict:
        """Where retraining is, and the generation of the scores."""
        status = self.review.status
        return {"state": status.state, "message": status.message, "generation": status.generation}

    async def watch_retraining(self) -> None:
        """Re-score the page when a background retraining finishes."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            async with self.writing:
                result = self.review.poll_retraining()
                if result is None or not result.ok:
                    continue
                answers = self.review.session.answers()
            explainer, error = None, None
            try:
                explainer = await asyncio.to_thread(self.review.rescore, answers)
            except Exception as failure:  # noqa: BLE001 - said on the page; the current model stays
                error = failure
            async with self.writing:
                self.review.use_retrained(result, explainer, error)

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        """Watch for finished retraining while serving; stop a running one at the end."""
        watcher = asyncio.get_running_loop().create_task(self.watch_retraining())
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.review.close()

    def app(self) -> Starlette:
        """The ASGI application."""
        routes = [
            Route("/", self.endpoint(self.page_endpoint, needs_token=False), methods=["GET"]),
            Route("/static/{name}", self.endpoint(self.static_endpoint, needs_token=False), methods=["GET"]),
            Route("/api/index", self.endpoint(self.index_endpoint), methods=["GET"]),
            Route("/api/comments", self.endpoint(self.comments_endpoint), methods=["GET"]),
            Route("/api/text", self.endpoint(self.text_endpoint), methods=["GET"]),
            Route("/api/search", self.endpoint(self.search_endpoint), methods=["GET"]),
            Route("/api/answer", self.endpoint(self.answer_endpoint), methods=["POST"]),
            Route("/api/retrain", self.endpoint(self.retrain_endpoint), methods=["POST"]),
            Route("/api/status", self.endpoint(self.status_endpoint), methods=["GET"]),
        ]
        return Starlette(routes=routes, lifespan=self.lifespan)
