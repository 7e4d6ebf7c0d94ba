"""Keys that really revoke, logs a request cannot forge, a health check that tells strangers
nothing, and request bodies that get a 4xx, never a 500."""

import asyncio
import gzip
import json
import logging
import signal

import httpx
import pytest
from starlette.testclient import TestClient

from moderation.server import scoring
from moderation.server.access import log_text
from moderation.server.app import ServerSettings, create_app
from tests.serve_support import WAIT, Server

ANALYZE = "/v1alpha1/comments:analyze"
BODY = {"comment": {"text": "you are a bunch of loudmouth hypocrites"}, "requestedAttributes": {"TOXICITY": {}}}


@pytest.fixture(scope="module")
def model():
    return scoring.load(None)


def accepted(client, *keys) -> list[str]:
    """Which of ``keys`` the server accepts now."""
    return [key for key in keys if client.post(f"{ANALYZE}?key={key}", json=BODY).status_code == 200]


def test_after_a_reload_exactly_the_keys_in_the_file_work(model, tmp_path, caplog):
    keys = tmp_path / "keys.txt"
    keys.write_text("\ufeffalpha\nbeta\n", encoding="utf-8")  # a byte-order mark, as some editors write
    app = create_app(ServerSettings(api_keys=keys), model)
    state = app.state.server
    with TestClient(app) as client:
        assert accepted(client, "alpha", "beta", "gamma") == ["alpha", "beta"]
        for content, left in [
            ("beta\ngamma\n", ["beta", "gamma"]),
            ("", []),  # emptied
            ("# alpha\n  # beta\n\n", []),  # every key commented out
            ("\ufeffalpha\r\n", ["alpha"]),
        ]:
            keys.write_text(content, encoding="utf-8")
            asyncio.run(state.reload())
            assert accepted(client, "alpha", "beta", "gamma") == left, content
        caplog.clear()
        keys.unlink()  # deleted: no key works, and the log says why
        asyncio.run(state.reload())
        assert accepted(client, "alpha", "beta", "gamma") == []
        assert any("no API key is accepted" in record.getMessage() for record in caplog.records)
        keys.write_bytes(b"alpha\n\xff\n")  # unreadable as UTF-8: no key works either
        asyncio.run(state.reload())
        assert accepted(client, "alpha") == []


@pytest.mark.slow  # a real server
def test_sighup_revokes_keys_in_a_running_server(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("site-key\n", encoding="utf-8")
    with Server("--api-keys", keys) as server, httpx.Client(base_url=server.base, timeout=WAIT) as client:
        assert client.post(f"{ANALYZE}?key=site-key", json=BODY).status_code == 200
        keys.write_text("# revoked\n", encoding="utf-8")
        server.process.send_signal(signal.SIGHUP)
        server.wait_for("API keys reloaded: 0 keys accepted")
        assert client.post(f"{ANALYZE}?key=site-key", json=BODY).status_code == 403
        assert "holds no API key" in server.log


@pytest.mark.slow  # a real server
def test_a_keys_file_with_a_byte_order_mark_starts_with_its_first_key(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_bytes("\ufeffsite-key\n".encode("utf-8"))
    with Server("--api-keys", keys) as server:
        assert httpx.post(f"{server.base}{ANALYZE}?key=site-key", json=BODY, timeout=WAIT).status_code == 200


def test_healthz_tells_a_stranger_only_that_the_server_is_up(model, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("site-key\n", encoding="utf-8")
    with TestClient(create_app(ServerSettings(api_keys=keys), model)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/healthz?key=wrong").json() == {"status": "ok"}
        detail = client.get("/healthz?key=site-key").json()
    assert detail["status"] == "ok" and detail["model"] == {"sha256": model.sha256, "labels": list(model.labels)}
    assert str(model.path) not in json.dumps(detail)
    with TestClient(create_app(ServerSettings(), model)) as client:  # no keys: every client may see it
        assert client.get("/healthz").json()["model"]["sha256"] == model.sha256


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("a\nb", "a\\nb"),
        ("nul\x00 esc\x1b[2J", "nul\\x00 esc\\x1b[2J"),
        ('quote " and \\', 'quote \\" and \\\\'),
        ("\u202eevil\u2028next", "\\u202eevil\\u2028next"),
        ("café ☕ ok", "café ☕ ok"),
    ],
)
def test_log_text_escapes_what_could_forge_or_restyle_a_line(text, escaped):
    assert log_text(text) == escaped


def test_a_request_path_cannot_forge_a_log_line(model, caplog):
    forged = '/v1/x%0A2026-12-05 12:00:00,000 127.0.0.1:1 "POST /v1/score" 200 2 1.0ms%00%1B[31m%E2%80%AE'
    with caplog.at_level(logging.INFO, logger="moderation.server"), TestClient(create_app(ServerSettings(), model)) as client:
        assert client.get(forged).status_code == 404
    lines = [record.getMessage() for record in caplog.records if "/v1/x" in record.getMessage()]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\x00" not in lines[0] and "\x1b" not in lines[0] and "\u202e" not in lines[0]
    assert '/v1/x\\n2026-12-05 12:00:00,000 127.0.0.1:1 \\"POST /v1/score\\" 200 2 1.0ms\\x00\\x1b[31m\\u202e"' in lines[0]


def analyze_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return json.dumps({**BODY, "comment": {"text": text}}, ensure_ascii=False).encode(encoding, "surrogatepass")


@pytest.mark.parametrize(
    "body, headers, code",
    [
        (analyze_bytes("lone \ud800 surrogate", "utf-16"), {}, 400),
        (analyze_bytes("lone \udfff surrogate", "utf-16-le"), {}, 400),
        (analyze_bytes("lone \ud800 surrogate", "utf-32"), {}, 400),
        (analyze_bytes("encoded \ud800 surrogate"), {}, 400),
        # An escaped lone surrogate (the six characters \ud800) in a UTF-16 body.
        (json.dumps({**BODY, "comment": {"text": "escaped \ud800 surrogate"}}).encode("utf-16-le"), {}, 400),
        (analyze_bytes("well-formed UTF-16 \U0001f642", "utf-16"), {}, 200),
        ("\ufeff".encode() + analyze_bytes("a byte-order mark"), {}, 200),
        (gzip.compress(analyze_bytes("compressed")), {"Content-Encoding": "gzip"}, 415),
        (b"", {}, 400),
        (b"\xff\xfe\xfd\xfc", {}, 400),
        (b'{"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": ' + b"9" * 5000 + b"}}}", {}, 400),
        (b"[" * 100_000 + b"]" * 100_000, {}, 400),
    ],
)
def test_hostile_bodies_get_a_google_error_never_a_500(model, body, headers, code):
    with TestClient(create_app(ServerSettings(), model), raise_server_exceptions=False) as client:
        for path in (ANALYZE, "/v1/score"):
            response = client.post(path, content=body, headers=headers)
            if path == "/v1/score" and code == 200:
                continue  # an analyze body is no /v1/score record
            assert response.status_code == code, response.text
            if code != 200:
                assert response.json()["error"]["code"] == code
