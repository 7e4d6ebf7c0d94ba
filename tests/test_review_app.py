"""The review server without a browser: who may call it, what it saves, and retraining."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import time

import pytest
from starlette.testclient import TestClient

from moderation.annotate.labels_file import COLUMNS, LabelsFile
from moderation.annotate.session import Session
from moderation.comments import LABELS
from moderation.errors import InputError
from moderation.io.readers import read_comments
from moderation.review.app import MAX_PAGE, TOKEN_HEADER, ReviewServer
from moderation.review.state import ReviewSession
from tests.annotate_support import read_rows, write_comments
from tests.conftest import SEED_THREAD, run_cli

TOKEN = "k" * 43
PORT = 8123
ADDRESS = f"http://127.0.0.1:{PORT}"
API_GETS = ["/api/index", "/api/comments?positions=0,1", "/api/text?position=0", "/api/search?q=cuba", "/api/status"]


@pytest.fixture
def comments(tmp_path):
    return list(read_comments(write_comments(tmp_path / "comments.csv", 30)))


@pytest.fixture
def labels_path(tmp_path):
    return tmp_path / "answers.csv"


def client_for(comments, labels_file) -> tuple[TestClient, ReviewSession]:
    review = ReviewSession(comments, labels_file, LABELS, None, "comments.csv")
    return TestClient(ReviewServer(review, TOKEN, "127.0.0.1", PORT).app(), base_url=ADDRESS), review


@pytest.fixture
def client(comments, labels_path):
    with LabelsFile(labels_path) as labels_file:
        test_client, _ = client_for(comments, labels_file)
        with test_client:
            test_client.headers[TOKEN_HEADER] = TOKEN
            yield test_client


def test_every_api_needs_the_session_token(client):
    for path in API_GETS:
        assert client.get(path).status_code == 200, path
        assert client.get(path, headers={TOKEN_HEADER: ""}).status_code == 403, path
        assert client.get(path, headers={TOKEN_HEADER: TOKEN[:-1] + "x"}).status_code == 403, path
    for path in ("/api/answer", "/api/retrain"):
        response = client.post(path, json={}, headers={TOKEN_HEADER: "wrong"})
        assert response.status_code == 403 and "token" in response.json()["error"]
    for path in ("/", "/static/review.js", "/static/review.css", "/static/icon.svg"):  # hold no data
        assert client.get(path, headers={TOKEN_HEADER: ""}).status_code == 200, path


def test_other_hosts_and_other_sites_are_refused(client):
    for host in ("evil.example", f"evil.example:{PORT}", "127.0.0.1:1", "localhost"):
        response = client.get("/api/index", headers={"Host": host})
        assert response.status_code == 421, host  # a name pointed at 127.0.0.1 (DNS rebinding)
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 421
    for host in (f"localhost:{PORT}", f"[::1]:{PORT}", f"127.0.0.1:{PORT}"):
        assert client.get("/api/index", headers={"Host": host}).status_code == 200, host
    assert client.post("/api/answer", json={}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.get("/api/index", headers={"Origin": "null"}).status_code == 403
    assert client.get("/api/index", headers={"Origin": ADDRESS}).status_code == 200


def test_the_page_runs_only_its_own_script(client):
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script src=\"/static/review.js\" defer></script>" in page.text
    assert page.text.count("<script") == 1 and "onclick" not in page.text.lower()
    script = client.get("/static/review.js")
    assert script.headers["content-type"].startswith("text/javascript") and "innerHTML" not in script.text
    assert client.get("/static/page.html").status_code == 404
    assert client.get("/static/..%2Fapp.py").status_code == 404


def answer(client, key, **labels):
    return client.post("/api/answer", json={"key": key, **labels})


def test_answers_are_saved_in_annotates_schema(client, labels_path, comments):
    index = client.get("/api/index").json()
    first, second = index["key"][0], index["key"][1]
    assert answer(client, first, off_topic=0, hostile=1, ad_hominem=1).json() == {"key": first, "answer": [0, 1, 1]}
    assert answer(client, second, skip=True).json()["answer"] == "skip"
    with labels_path.open(encoding="utf-8", newline="") as stream:
        assert tuple(next(csv.reader(stream))) == COLUMNS
    rows = read_rows(labels_path)
    assert [(row["id"], row["off_topic"], row["hostile"], row["ad_hominem"]) for row in rows] == [("c1", "0", "1", "1"), ("c2", "", "", "")]
    assert rows[0]["text"] == comments[0].text and rows[0]["author"] == comments[0].author
    assert client.get("/api/index").json()["answer"][:3] == [[0, 1, 1], "skip", None]
    # Changing an answer rewrites the row in place; a skip never erases an answer.
    answer(client, first, off_topic=1, hostile=0, ad_hominem=0)
    answer(client, first, skip=True)
    assert [(row["off_topic"], row["hostile"], row["ad_hominem"]) for row in read_rows(labels_path)] == [("1", "0", "0"), ("", "", "")]


def test_bad_answers_are_refused_and_nothing_is_written(client, labels_path):
    key = client.get("/api/index").json()["key"][0]
    before = labels_path.read_bytes()
    for body, message in (
        ({"key": key, "hostile": 1}, "no value for off_topic, ad_hominem"),
        ({"key": key, "off_topic": 2, "hostile": 1, "ad_hominem": 0}, "not an answer"),
        ({"key": "nope", "skip": True}, "no comment of the input has key"),
        ({"id": "c1", "skip": True}, 'name the comment with "key"'),
    ):
        response = client.post("/api/answer", json=body)
        assert response.status_code == 400 and message in response.json()["error"], body
    assert client.post("/api/answer", content=b"[1,", headers={"content-type": "application/json"}).status_code == 400
    assert client.post("/api/answer", content=b"{" + b" " * 20_000 + b"}", headers={"content-type": "application/json"}).status_code == 413
    answer = json.dumps({"key": key, "off_topic": 0, "hostile": 1, "ad_hominem": 1}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):  # what a cross-site form or beacon sends
        headers = {"content-type": content_type} if content_type else {}
        assert client.post("/api/answer", content=answer, headers=headers).status_code == 415, content_type
    assert labels_path.read_bytes() == before


def test_comments_come_a_bounded_page_at_a_time(client, comments):
    records = client.get("/api/comments?positions=2,0").json()["records"]
    assert [record["id"] for record in records] == ["c3", "c1"] and records[0]["author"] == comments[2].author
    too_many = ",".join(["0"] * (MAX_PAGE + 1))
    assert client.get(f"/api/comments?positions={too_many}").status_code == 400
    assert client.get("/api/comments?positions=30").status_code == 400
    assert client.get("/api/comments?positions=-1").status_code == 400
    assert client.get("/api/comments?positions=x").status_code == 400
    assert client.get("/api/text?position=4").json()["text"] == comments[4].text
    hits = client.get("/api/search?q=CUBA").json()["positions"]
    assert hits == [p for p, c in enumerate(comments) if "cuba" in c.text.lower()] and hits


def test_resumes_what_annotate_wrote_and_holds_the_file(comments, labels_path):
    with LabelsFile(labels_path) as annotated:  # as `moderation annotate` would have saved them
        annotated.save(comments[3], {"off_topic": 0, "hostile": 1, "ad_hominem": 0})
    with LabelsFile(labels_path) as labels_file:
        test_client, review = client_for(comments, labels_file)
        with test_client:
            test_client.headers[TOKEN_HEADER] = TOKEN
            assert test_client.get("/api/index").json()["answer"][3] == [0, 1, 0]
            with pytest.raises(InputError, match="another"):
                LabelsFile(labels_path)  # one session per labels file
            answer(test_client, review.session.keys[5], off_topic=0, hostile=0, ad_hominem=1)
    with LabelsFile(labels_path) as again:  # and annotate reads what review wrote
        session = Session(comments, again, LABELS, 0.0)
        assert session.is_done(session.keys[3]) and session.is_done(session.keys[5]) and not session.is_done(session.keys[0])


@pytest.mark.slow  # trains in a background process
def test_retraining_rescores_the_page(tmp_path):
    """A site whose standard the starting model does not know: here, comments that mention
    Cuba are off topic. Retrained on those answers, the page follows them for off_topic."""
    comments = list(read_comments(SEED_THREAD))
    with LabelsFile(tmp_path / "seed.csv") as labels_file:
        test_client, review = client_for(comments, labels_file)
        with test_client:
            test_client.headers[TOKEN_HEADER] = TOKEN
            too_few = test_client.post("/api/retrain", json={}).json()
            assert too_few["state"] == "idle" and too_few["message"].startswith("Retraining needs 6 yes and 6 no answers")
            for key, comment in zip(review.session.keys, comments):
                mentions_cuba = int("cuba" in comment.text.lower())  # 19 of the 47
                assert answer(test_client, key, off_topic=mentions_cuba, hostile=0, ad_hominem=0).status_code == 200
            started = test_client.post("/api/retrain", json={}).json()
            assert started["state"] == "training" and "47 answers" in started["message"]
            deadline = time.monotonic() + 240
            status = started
            while status["state"] != "idle" and time.monotonic() < deadline:
                time.sleep(0.5)
                status = test_client.get("/api/status").json()
            assert status["state"] == "idle" and status["generation"] == 1, status
            assert status["message"].startswith("Retrained on 47 answers.")
            assert all(f"{label}: " in status["message"] for label in LABELS)
            index = test_client.get("/api/index").json()
            assert index["model"]["retrain_message"] == status["message"]
            assert index["model"]["learned"] == [True, False, False]
            assert "off_topic: now from your answers" in status["message"]
            assert "hostile: too few yes or no answers" in status["message"]
            assert index["model"]["description"] == "retrained on 47 answers for off_topic; the shipped default model for the rest"
            off_topic = [scores[0] for scores in index["scores"]]
            cuba = [p for p, comment in enumerate(comments) if "cuba" in comment.text.lower()]
            others = [p for p in range(len(comments)) if p not in cuba]
            assert sum(off_topic[p] for p in cuba) / len(cuba) > sum(off_topic[p] for p in others) / len(others)
            assert (tmp_path / "seed.model" / "model.npz").is_file()


@pytest.mark.slow  # real processes: a server must refuse to start
def test_the_command_line_refuses_clearly(tmp_path):
    labels = tmp_path / "answers.csv"
    for arguments, message in (
        (["-"], "comments from stdin need --labels FILE"),
        ([tmp_path / "missing.txt", "--labels", labels], "missing.txt"),
        ([SEED_THREAD, "--labels", tmp_path / "answers.txt"], "give it a .csv name"),
        ([SEED_THREAD, "--label", "rude"], "unknown label rude"),
    ):
        result = run_cli("review", *arguments, "--no-browser", cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, (arguments, result.stderr)
        assert "Traceback" not in result.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("review", SEED_THREAD, "--labels", labels, "--port", taken.getsockname()[1], "--no-browser", cwd=tmp_path)
    assert result.returncode == 2 and "give another --port, or --port 0" in result.stderr and "scoring" not in result.stderr
    result = run_cli("review", SEED_THREAD, "--host", "0.0.0.0", "--no-browser", cwd=tmp_path)
    assert result.returncode == 2 and "requests naming another host are refused" in result.stderr
    with LabelsFile(labels):  # a session already holds it
        result = run_cli("review", SEED_THREAD, "--labels", labels, "--no-browser", cwd=tmp_path)
    assert result.returncode == 2 and "another `moderation annotate` or `moderation review`" in result.stderr
    without_server = "import sys; sys.modules['uvicorn'] = None; from moderation.cli import main; sys.argv[0] = 'moderation'; main()"
    result = subprocess.run([sys.executable, "-c", without_server, "review", str(SEED_THREAD), "--no-browser"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and "pip install 'moderation[serve]'" in result.stderr
