"""``moderation serve`` as a real process on 127.0.0.1 and a free port, called by real clients:
Google's Python client, a request shaped like Coral Talk's, raw sockets; SIGHUP and SIGTERM.

Every server here stops by itself (SIGTERM, then SIGKILL if it hangs); timeouts are generous
because the machine may be busy, and nothing is timed.
"""

import csv
import json
import shutil
import signal
import socket
import time

import httpx
import pytest

from tests.conftest import DEFAULT_MODEL, run_cli
from tests.serve_support import WAIT, Server

pytestmark = pytest.mark.slow  # real servers


def model_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, folder)
    return folder


def write_variant_model(folder):
    """A different, valid model in ``folder``: the shipped one with its intercepts moved."""
    from moderation.model.store import read_model, write_model

    arrays, metadata, _ = read_model(DEFAULT_MODEL)
    arrays = arrays.replace(intercept=arrays.intercept + 0.5)
    metadata = {k: v for k, v in metadata.items() if k not in ("format", "model_sha256")}
    return write_model(folder, arrays, metadata, lambda m: "A variant for tests.\n")["model_sha256"]


def test_google_api_client_builds_from_our_discovery_document(tmp_path):
    from googleapiclient import discovery
    from googleapiclient.errors import HttpError

    keys = tmp_path / "keys.txt"
    keys.write_text("site-key\n", encoding="utf-8")
    with Server("--api-keys", keys, "--feedback", tmp_path / "feedback.csv") as server:
        client = discovery.build(
            "commentanalyzer",
            "v1alpha1",
            developerKey="site-key",
            discoveryServiceUrl=server.base + "/$discovery/rest?version=v1alpha1",
            static_discovery=False,
            cache_discovery=False,
        )
        request = {
            "comment": {"text": "You are a pathetic liar, Bob."},
            "requestedAttributes": {"TOXICITY": {}, "ATTACK_ON_COMMENTER": {}},
            "languages": ["en"],
        }
        response = client.comments().analyze(body=request).execute()
        for name in ("TOXICITY", "ATTACK_ON_COMMENTER"):
            assert 0 <= response["attributeScores"][name]["summaryScore"]["value"] <= 1
        suggestion = {"comment": {"text": "You are a pathetic liar, Bob."}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}
        assert client.comments().suggestscore(body=suggestion).execute()["detectedLanguages"] == ["en"]
        with pytest.raises(HttpError) as refused:
            client.comments().analyze(body={**request, "comment": {"text": ""}}).execute()
        assert refused.value.resp.status == 400
        assert json.loads(refused.value.content)["error"]["details"][0]["errorType"] == "COMMENT_EMPTY"
        assert "site-key" not in server.log  # keys never reach the access log
    rows = list(csv.DictReader((tmp_path / "feedback.csv").open(encoding="utf-8", newline="")))
    assert [(r["text"], r["hostile"]) for r in rows] == [("You are a pathetic liar, Bob.", "1")]


def test_a_request_shaped_like_coral_talks(tmp_path):
    with Server() as server:
        endpoint = server.base + "/v1alpha1"  # Coral's custom endpoint setting: the base it appends to

        def toxicity(text):
            # Coral: POST {endpoint}/comments:analyze?key=…, this body, then reads summaryScore.value.
            # It gives up after 800 ms; latency is measured in bench/serve.py, not asserted here.
            response = httpx.post(
                f"{endpoint}/comments:analyze?key=any-key",
                headers={"Content-Type": "application/json"},
                content=json.dumps(
                    {"comment": {"text": text}, "languages": ["en"], "doNotStore": True, "requestedAttributes": {"TOXICITY": {}}}
                ),
                timeout=WAIT,
            )
            assert response.status_code == 200
            return response.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]

        hostile = toxicity("Shut up, you ignorant moron. You people are idiots.")
        benign = toxicity("Thank you for the article, it explains the trade agreement well.")
        assert 0 <= benign <= 0.8 < hostile <= 1  # Coral withholds a comment above its threshold, 0.8 by default


def test_access_log_has_one_line_per_request():
    with Server() as server:
        with httpx.Client(base_url=server.base, timeout=WAIT) as client:
            for _ in range(3):
                client.post("/v1/score?key=secret-123", json={"text": "hello", "thread_id": "t"})
            client.get("/healthz")
        lines = [server.wait_for(r'"POST /v1/score" 200', count=3), server.wait_for(r'"GET /healthz" 200', count=2)]
        assert all(lines)
        assert "secret-123" not in server.log


def test_sighup_reloads_a_verified_model_and_refuses_a_tampered_one(tmp_path):
    folder = model_copy(tmp_path)
    with Server("--model", folder) as server:
        original = httpx.get(server.base + "/healthz", timeout=WAIT).json()["model"]["sha256"]
        variant = write_variant_model(folder)
        assert variant != original
        server.process.send_signal(signal.SIGHUP)
        server.wait_for("reloaded model")
        assert httpx.get(server.base + "/healthz", timeout=WAIT).json()["model"]["sha256"] == variant

        data = bytearray((folder / "model.npz").read_bytes())
        data[200] ^= 0xFF
        (folder / "model.npz").write_bytes(bytes(data))
        server.process.send_signal(signal.SIGHUP)
        server.wait_for("model reload refused")
        assert httpx.get(server.base + "/healthz", timeout=WAIT).json()["model"]["sha256"] == variant
        body = {"comment": {"text": "still serving?"}, "requestedAttributes": {"TOXICITY": {}}}
        assert httpx.post(server.base + "/v1alpha1/comments:analyze", json=body, timeout=WAIT).status_code == 200
        assert server.stop() == 0
    assert "Traceback" not in server.log


def test_sigterm_lets_a_request_in_flight_finish_then_exits_0():
    server = Server()
    try:
        body = json.dumps({"comment": {"text": "Finish me, please."}, "requestedAttributes": {"TOXICITY": {}}}).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as connection:
            head = f"POST /v1alpha1/comments:analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            connection.sendall(head.encode() + body[:10])
            server.wait_for(r"serving model")  # the request is under way; now ask the server to stop
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            connection.sendall(body[10:])
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 200"), reply
        assert b"TOXICITY" in reply
        assert server.process.wait(WAIT) == 0
    finally:
        server.stop()
    assert "stopped" in server.log and "Traceback" not in server.log


def test_several_workers_share_the_port_and_each_reloads(tmp_path):
    with Server("--workers", "2", "--model", model_copy(tmp_path)) as server:
        server.wait_for("serving model", count=2)
        pids = set()
        for _ in range(8):
            with httpx.Client(timeout=WAIT) as client:  # a new connection each time
                pids.add(client.get(server.base + "/healthz").json()["pid"])
        assert pids and server.process.pid not in pids
        server.process.send_signal(signal.SIGHUP)
        server.wait_for("reloaded model", count=2)
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "--api-keys"),
        (["--api-keys", "no-such-keys.txt"], "no such file"),
        (["--model", "no-such-model"], "no model folder"),
    ],
)
def test_unsafe_or_broken_settings_refuse_to_start(args, message):
    result = run_cli("serve", "--port", "0", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_foreign_feedback_file_refuses_to_start(tmp_path):
    foreign = tmp_path / "data.csv"
    foreign.write_text("name,value\nx,1\n", encoding="utf-8")
    result = run_cli("serve", "--port", "0", "--feedback", foreign)
    assert result.returncode == 2 and "not a feedback file" in result.stderr


def test_discovery_behind_a_local_tls_proxy_gives_the_https_address():
    with Server() as server:
        headers = {"Host": "comments.example.org", "X-Forwarded-Proto": "https"}
        document = httpx.get(server.base + "/$discovery/rest?version=v1alpha1", headers=headers, timeout=WAIT).json()
        assert document["rootUrl"] == "https://comments.example.org/"


def test_a_body_over_the_limit_is_413_and_the_connection_serves_on():
    with Server("--max-request-kb", "64") as server, httpx.Client(base_url=server.base, timeout=WAIT) as client:
        small = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
        big = {**small, "context": {"entries": [{"text": "y" * 100_000}]}}
        refused = client.post("/v1alpha1/comments:analyze", json=big)
        assert refused.status_code == 413 and refused.json()["error"]["message"].endswith("65536 bytes.")
        assert client.post("/v1alpha1/comments:analyze", json=small).status_code == 200
