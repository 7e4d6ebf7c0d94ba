"""The ASGI application: Perspective's endpoints, the native ``/v1/score``, health and discovery.

The event loop reads requests and writes answers; everything a request costs in proportion
to its size (parsing, scoring, the answer's JSON) runs on the worker thread
(:mod:`moderation.server.worker`), which scores concurrent ``comments:analyze`` requests
together. A request keeps the model it started with, so a reload (SIGHUP) never changes the
model under a request in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.errors import ModerationError
from moderation.server.access import AccessLog, digest, log_text, reread_api_keys
from moderation.server.connections import ConnectionLimits
from moderation.server.discovery import API_VERSION, discovery_document
from moderation.server.feedback import FeedbackFile, feedback_row
from moderation.server.languages import DEFAULT_POLICY, LanguagePolicy
from moderation.server.perspective import (
    WORD_LIST,
    ApiError,
    analyze_response,
    parse_analyze,
    parse_json,
    parse_suggest,
    spans_of,
    suggest_response,
    unscored_language,
)
from moderation.server.scale import DEFAULT_SCALE, served_scores
from moderation.server.scoring import (
    LABELS,
    REMEMBERED_BYTES,
    REMEMBERED_COMMENTS,
    Comment,
    InContext,
    ServingModel,
    detected_language,
    load,
    word_list_scores,
)
from moderation.server.worker import Worker

log = logging.getLogger("moderation.server")

JSON_TYPE = "application/json; charset=UTF-8"
NATIVE_FIELDS = ("text", "id", "thread_id", "parent_id", "author", "article")


@dataclass(frozen=True)
class ServerSettings:
    """Everything ``moderation serve`` is told; see its ``--help`` for each one."""

    host: str = "127.0.0.1"
    port: int = 8080
    model: Path | None = None
    api_keys: Path | None = None
    workers: int = 1
    feedback: Path | None = None
    insecure_no_auth: bool = False
    max_request_bytes: int = 1 << 20
    remembered: int = REMEMBERED_COMMENTS
    remembered_bytes: int = REMEMBERED_BYTES
    connections: ConnectionLimits = ConnectionLimits()
    scale: str = DEFAULT_SCALE
    other_languages: str = DEFAULT_POLICY
    drop_unsupported: bool = False


class ServerState:
    """What the endpoints share: the model in use, thread memory, keys and the feedback file."""

    def __init__(self, settings: ServerSettings, model: ServingModel):
        self.settings = settings
        self.model = model
        self.threads = model.thread_memory(settings.remembered, settings.remembered_bytes)
        self.keys = reread_api_keys(settings.api_keys) if settings.api_keys else None
        self.feedback = FeedbackFile(settings.feedback) if settings.feedback else None
        self.worker = Worker()
        self.languages = LanguagePolicy(settings.other_languages)
        self._reloading = asyncio.Lock()

    def check_key(self, request: Request) -> None:
        """Google's 403 unless the request carries one of the keys (when keys are set)."""
        if self.keys is None:
            return
        key = request.query_params.get("key") or request.headers.get("x-goog-api-key")
        if not key:
            raise ApiError("The request is missing a valid API key.", 403, "PERMISSION_DENIED", None, **key_error("API_KEY_MISSING"))
        if digest(key) not in self.keys:
            raise ApiError("API key not valid. Please pass a valid API key.", 403, "PERMISSION_DENIED", None, **key_error("API_KEY_INVALID"))

    def has_access(self, request: Request) -> bool:
        """Whether the request carries one of the keys (always, when keys are not set)."""
        try:
            self.check_key(request)
        except ApiError:
            return False
        return True

    async def reload(self) -> bool:
        """Read the API keys again (exactly the file's keys work afterwards: none if it is
        missing or empty) and load the model again, verified; a model that fails keeps the one
        in use serving. Returns whether the model was replaced."""
        async with self._reloading:
            if self.settings.api_keys:
                self.keys = reread_api_keys(self.settings.api_keys)
                log.info("API keys reloaded: %d key%s accepted", len(self.keys), "" if len(self.keys) == 1 else "s")
            try:
                model = await asyncio.to_thread(load, self.settings.model)
            except ModerationError as error:
                log.error("model reload refused, still serving %s (sha256 %s): %s", self.model.path, self.model.sha256, error)
                return False
            except Exception:  # noqa: BLE001 - a failed reload must never stop the server
                log.exception("model reload failed, still serving %s (sha256 %s)", self.model.path, self.model.sha256)
                return False
            self.model = model
            self.threads = model.thread_memory(self.settings.remembered, self.settings.remembered_bytes)
            log.info("reloaded model %s (sha256 %s)", model.path, model.sha256)
            return True

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        """Reload on SIGHUP while serving (only a process's main thread can handle signals)."""
        loop = asyncio.get_running_loop()
        handles_hup = threading.current_thread() is threading.main_thread()
        reloads: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks

        def reload_on_hup():
            task = loop.create_task(self.reload())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        if handles_hup:
            loop.add_signal_handler(signal.SIGHUP, reload_on_hup)
        log.info("process %d serving model %s (sha256 %s)", os.getpid(), self.model.path, self.model.sha256)
        try:
            yield
        finally:
            self.worker.close()
            if handles_hup:
                loop.remove_signal_handler(signal.SIGHUP)
                signal.signal(signal.SIGHUP, signal.SIG_IGN)  # not the default, which would end the process


# -- helpers ---------------------------------------------------------------------------


def key_error(reason: str) -> dict:
    """The ``details`` entry Google's APIs give a key error: its reason, machine-readable."""
    return {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"}


def json_response(data: dict, status: int = 200, pretty: bool = False) -> Response:
    """A JSON response, pretty-printed when the client asks (``prettyPrint``)."""
    body = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None)
    return Response(body.encode("utf-8"), status, media_type=JSON_TYPE)


def pretty_print(request: Request) -> bool:
    """Google's query parameters: ``alt`` must be json; ``prettyPrint`` defaults to true."""
    alt = request.query_params.get("alt", "json")
    if alt != "json":
        raise ApiError(f"alt={alt} is not supported here; use alt=json.")
    pretty = request.query_params.get("prettyPrint", "true").lower()
    if pretty not in ("true", "false", "1", "0"):
        raise ApiError(f'Invalid value at "prettyPrint" (TYPE_BOOL), "{pretty}".')
    return pretty in ("true", "1")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (before reading it when the
    client announced its length), and with 415 if it is compressed."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(f"Content-Encoding {encoding[:40]} is not supported: send the request body uncompressed.", 415)
    too_large = ApiError(f"Request payload size exceeds the limit: {limit} bytes.", 413)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def google_api(handler, needs_key: bool = True):
    """An endpoint answering errors in Google's shape; no traceback ever reaches a client
    (it goes to the server log, with a reference the client is given)."""

    async def endpoint(request: Request) -> Response:
        state: ServerState = request.app.state.server
        pretty = True
        try:
            pretty = pretty_print(request)
            if needs_key:
                state.check_key(request)
            return await handler(request, state, pretty)
        except ApiError as error:
            return json_response(error.body(), error.code, pretty)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        except Exception:  # noqa: BLE001 - the last line of defence
            reference = uuid.uuid4().hex[:12]
            log.exception("internal error (reference %s) on %s %s", reference, log_text(request.method), log_text(request.url.path))
            error = ApiError(f"Internal error encountered (reference {reference}).", 500, "INTERNAL", None)
            return json_response(error.body(), 500, pretty)

    return endpoint


def native_comment(record: dict) -> Comment:
    """A comment from ``score --jsonl``'s record: ``text`` and optional ``id``, ``thread_id``,
    ``parent_id``, ``author``, ``article`` (numbers are taken as their text)."""
    unknown = sorted(set(record) - set(NATIVE_FIELDS))
    if unknown:
        raise ApiError(f"unknown field(s) {', '.join(unknown)}; a record has {', '.join(NATIVE_FIELDS)}")
    values = {}
    for name in NATIVE_FIELDS:
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
            raise ApiError(f"'{name}' must be a string, got {json.dumps(value)[:40]}")
        values[name] = "" if value is None else str(value)
    if "text" not in record:
        raise ApiError("the record has no 'text'; send {\"text\": ..., \"thread_id\": ...}")
    return Comment(**values)


# -- endpoints -------------------------------------------------------------------------


async def analyze(request: Request, state: ServerState, pretty: bool) -> Response:
    """``POST /v1alpha1/comments:analyze``: Perspective's scores of one comment."""
    body = await read_body(request, state.settings.max_request_bytes)
    model, settings = state.model, state.settings
    parsed = spans = texts = detected = refusal = None

    def prepare() -> InContext | None:  # on the worker thread, as is answer()
        nonlocal parsed, spans, texts, detected, refusal
        parsed = parse_analyze(parse_json(body), model.labels, settings.drop_unsupported)
        detected = detected_language(parsed.text)
        language = unscored_language(parsed.languages, detected)
        if language is not None:
            refusal = state.languages.answer(parsed, language)
            return None
        spans = spans_of(parsed, len(body))
        texts = [parsed.text[b:e] for b, e in spans]
        if not {attribute.label for attribute in parsed.attributes} - {WORD_LIST}:
            return None  # all were dropped (dropUnsupportedAttributes), or only PROFANITY is asked
        return InContext(texts, parsed.article, parsed.earlier)

    def answer(verdicts) -> Response:
        if refusal is not None:
            return json_response(refusal, pretty=pretty)
        columns = {} if verdicts is None else served_scores(verdicts.scores, LABELS, model.thresholds, settings.scale)
        if WORD_LIST in {attribute.label for attribute in parsed.attributes}:
            columns[WORD_LIST] = word_list_scores(texts)
        return json_response(analyze_response(parsed, spans, columns, detected), pretty=pretty)

    return await state.worker.score(model, prepare, answer)


async def suggest_score(request: Request, state: ServerState, pretty: bool) -> Response:
    """``POST /v1alpha1/comments:suggestscore``: a labeled row appended to the feedback file."""
    if state.feedback is None:
        raise ApiError(
            "This server keeps no feedback: start it with --feedback FILE to collect suggested scores for training.",
            400,
            "FAILED_PRECONDITION",
        )
    body = await read_body(request, state.settings.max_request_bytes)
    parsed = await state.worker.call(lambda: parse_suggest(parse_json(body), LABELS))
    row = feedback_row(
        parsed.text, parsed.labels, parsed.article, parsed.comment_id, thread_id=parsed.thread_id, parent_id=parsed.parent_id, reason=parsed.reason
    )
    await asyncio.to_thread(state.feedback.append, [row])  # fsync takes milliseconds: off the event loop
    return json_response(suggest_response(parsed), pretty=pretty)


async def score_native(request: Request, state: ServerState, pretty: bool) -> Response:
    """``POST /v1/score``: ``score``'s record, one JSON line as ``score`` writes it (never indented)."""
    body = await read_body(request, state.settings.max_request_bytes)
    threads = state.threads
    return await state.worker.call(lambda: json_response(threads.score(native_comment(parse_json(body))), pretty=False))


async def discovery(request: Request, state: ServerState, pretty: bool) -> Response:
    """``GET /$discovery/rest?version=v1alpha1``: the document Google's clients build from."""
    version = request.query_params.get("version", API_VERSION)
    if version != API_VERSION:
        raise ApiError(
            f"Discovery document not found for API service: commentanalyzer.googleapis.com format: rest version: {version}",
            404,
            "NOT_FOUND",
            None,
        )
    return json_response(discovery_document(str(request.base_url)), pretty=pretty)


async def healthz(request: Request, state: ServerState, pretty: bool) -> Response:
    """``GET /healthz``: up; to a client with a key (any client, on a server without keys) also
    which process answered, which model it serves, and the comments in languages it does not
    score so far (this process's), by language. Anyone may ask, so others learn nothing more,
    and nobody learns the model's path (the start-up log has it)."""
    health: dict = {"status": "ok"}
    if state.has_access(request):
        model = state.model
        health |= {
            "pid": os.getpid(),
            "model": {"sha256": model.sha256, "labels": list(model.labels)},
            "languages": state.languages.health(),
        }
    return json_response(health, pretty=pretty)


async def no_such_endpoint(request: Request, error: HTTPException) -> Response:
    """Unknown paths and wrong methods, in Google's shape too."""
    if error.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
        return json_response(ApiError(message, 405, "INVALID_ARGUMENT", None).body(), 405)
    message = f"The requested URL {request.url.path} was not found on this server."
    return json_response(ApiError(message, error.status_code, "NOT_FOUND", None).body(), error.status_code)


def create_app(settings: ServerSettings, model: ServingModel | None = None) -> Starlette:
    """The application for ``settings``, serving ``model`` (default: loaded from ``settings.model``)."""
    state = ServerState(settings, model or load(settings.model))
    routes = [
        Route(f"/{API_VERSION}/comments:analyze", google_api(analyze), methods=["POST"]),
        Route(f"/{API_VERSION}/comments:suggestscore", google_api(suggest_score), methods=["POST"]),
        Route("/v1/score", google_api(score_native), methods=["POST"]),
        Route("/$discovery/rest", google_api(discovery, needs_key=False), methods=["GET"]),
        Route("/healthz", google_api(healthz, needs_key=False), methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog)],
        exception_handlers={HTTPException: no_such_endpoint},
        lifespan=state.lifespan,
    )
    app.state.server = state
    return app
