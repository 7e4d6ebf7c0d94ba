"""The server application in-process (Starlette's test client): endpoints, errors, keys,
limits, feedback, reload and the scoring adapter behind them."""

import csv
import fcntl
import json
import shutil
import threading

import numpy as np
import pytest
from starlette.testclient import TestClient

from moderation.server import scoring
from moderation.server.app import ServerSettings, create_app
from moderation.server.feedback import COLUMNS, FeedbackFile, check_feedback_file, feedback_row
from moderation.server.scale import coral_scale
from tests.conftest import DEFAULT_MODEL, invoke_cli

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
ARTICLE = "Cuba and North Korea exchanged views on bilateral links and pledged closer cooperation in trade and culture."


@pytest.fixture(scope="module")
def model():
    return scoring.load(None)


def client_for(model, **settings) -> TestClient:
    return TestClient(create_app(ServerSettings(**settings), model), raise_server_exceptions=False)


@pytest.fixture
def client(model):
    with client_for(model) as client:
        yield client


def analyze_body(text="you are a bunch of loudmouth hypocrites", **extra):
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **extra}


def google_error(response, code, status):
    assert response.status_code == code
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (code, status)
    assert error["message"]
    return error


def test_analyze_scores_the_hostile_probability_on_the_coral_scale(client, model):
    response = client.post(ANALYZE, json=analyze_body(languages=["en"], clientToken="c1"))
    assert response.status_code == 200
    body = response.json()
    value = body["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    expected = model.score_in_context([scoring.InContext(["you are a bunch of loudmouth hypocrites"])])[0][0]
    hostile = expected.scores["hostile"]
    assert value == pytest.approx(float(coral_scale(hostile, model.thresholds["hostile"])), abs=1e-6)
    assert body["clientToken"] == "c1" and body["languages"] == ["en"]
    assert body["attributeScores"]["TOXICITY"]["spanScores"][0]["begin"] == 0


def test_pretty_print_is_googles_default(client):
    pretty = client.post(ANALYZE, json=analyze_body())
    compact = client.post(ANALYZE + "?prettyPrint=false&alt=json", json=analyze_body())
    assert "\n  " in pretty.text and "\n" not in compact.text
    assert pretty.json() == compact.json()
    google_error(client.post(ANALYZE + "?alt=proto", json=analyze_body()), 400, "INVALID_ARGUMENT")


def test_context_changes_off_topic(client):
    on_topic = "Cuba and North Korea pledged closer trade cooperation."
    alone = client.post(ANALYZE, json=analyze_body(on_topic, requestedAttributes={"OFF_TOPIC": {}}))
    with_article = client.post(
        ANALYZE,
        json=analyze_body(on_topic, requestedAttributes={"OFF_TOPIC": {}}, context={"articleAndParentComment": {"article": {"text": ARTICLE}}}),
    )
    value = lambda r: r.json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]  # noqa: E731
    assert value(with_article) < value(alone)


def test_earlier_comments_set_the_threads_subject(client):
    # Off the article's subject, but on the subject the thread's earlier comments took up.
    aside = "The football match last night was a disgrace, the referee ruined the football."
    request = analyze_body(aside, requestedAttributes={"OFF_TOPIC": {}})
    alone = client.post(ANALYZE, json={**request, "context": {"entries": [{"text": ARTICLE}]}})
    earlier = [{"text": ARTICLE}, {"text": "Did anyone watch the football match? The referee was terrible."}]
    in_thread = client.post(ANALYZE, json={**request, "context": {"entries": earlier}})
    value = lambda r: r.json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]  # noqa: E731
    assert value(in_thread) < value(alone)


def test_errors_have_googles_shape(client):
    assert google_error(client.post(ANALYZE, json=analyze_body("")), 400, "INVALID_ARGUMENT")["details"][0]["errorType"] == "COMMENT_EMPTY"
    error = google_error(client.post(ANALYZE, content=b'{"comment": '), 400, "INVALID_ARGUMENT")
    assert error["message"].startswith("Invalid JSON payload received.")
    google_error(client.post(ANALYZE, json=analyze_body(requestedAttributes={"THREAT": {}})), 400, "INVALID_ARGUMENT")
    assert google_error(client.get("/v1alpha1/comments:nothing"), 404, "NOT_FOUND")
    google_error(client.get(ANALYZE), 405, "INVALID_ARGUMENT")


def test_no_traceback_reaches_the_client(model, monkeypatch, caplog):
    def broken(items):
        raise RuntimeError("secret internals")

    with client_for(model) as client:
        monkeypatch.setattr(model, "score_in_context", broken)
        response = client.post(ANALYZE, json=analyze_body())
    error = google_error(response, 500, "INTERNAL")
    assert "secret" not in response.text and "Traceback" not in response.text
    reference = error["message"].split("reference ")[1].rstrip(").")
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)


def test_body_over_the_limit_is_413(model):
    with client_for(model, max_request_bytes=40_000) as client:
        big = analyze_body(context={"entries": [{"text": "x" * 50_000}]})
        google_error(client.post(ANALYZE, json=big), 413, "INVALID_ARGUMENT")

        def chunks():  # no Content-Length: the limit still holds while reading
            yield b'{"comment": {"text": "'
            for _ in range(50):
                yield b"y" * 1000
            yield b'"}}'

        google_error(client.post(ANALYZE, content=chunks()), 413, "INVALID_ARGUMENT")
        assert client.post(ANALYZE, json=analyze_body("z" * 20_000)).status_code == 200


def test_api_keys(model, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("# site keys\nalpha-key\n\n  beta-key  \n", encoding="utf-8")
    with client_for(model, api_keys=keys) as client:
        missing = google_error(client.post(ANALYZE, json=analyze_body()), 403, "PERMISSION_DENIED")
        assert "missing" in missing["message"] and missing["details"][0]["reason"] == "API_KEY_MISSING"
        wrong = google_error(client.post(ANALYZE + "?key=gamma", json=analyze_body()), 403, "PERMISSION_DENIED")
        assert "not valid" in wrong["message"] and wrong["details"][0]["reason"] == "API_KEY_INVALID"
        assert client.post(ANALYZE + "?key=alpha-key", json=analyze_body()).status_code == 200
        assert client.post(ANALYZE, json=analyze_body(), headers={"X-Goog-Api-Key": "beta-key"}).status_code == 200
        google_error(client.post("/v1/score", json={"text": "hi"}), 403, "PERMISSION_DENIED")
        assert client.get("/healthz").status_code == 200  # health and discovery need no key
        assert client.get("/$discovery/rest?version=v1alpha1").status_code == 200


def test_discovery_points_at_this_server(client):
    document = client.get("/$discovery/rest", params={"version": "v1alpha1"}).json()
    assert document["rootUrl"] == "http://testserver/"
    method = document["resources"]["comments"]["methods"]["analyze"]
    assert (method["httpMethod"], method["path"]) == ("POST", "v1alpha1/comments:analyze")
    assert set(document["schemas"]) >= {"AnalyzeCommentRequest", "AnalyzeCommentResponse", "SuggestCommentScoreRequest"}
    google_error(client.get("/$discovery/rest?version=v2"), 404, "NOT_FOUND")


def test_native_score_remembers_each_thread(client):
    first = {"text": "The talks covered trade and culture.", "id": "1", "thread_id": "t1", "author": "Nidal Haddad", "article": ARTICLE}
    reply = {"text": "Nidal, you are a liar and you know it.", "id": "2", "thread_id": "t1", "parent_id": "1", "author": "Bob", "article": ARTICLE}
    assert client.post("/v1/score", json=first).json()["id"] == "1"
    in_thread = client.post("/v1/score", json=reply).json()
    elsewhere = client.post("/v1/score", json={**reply, "thread_id": "t2"}).json()
    assert set(in_thread) == {"id", "scores", "flags"} and set(in_thread["scores"]) == set(scoring.LABELS)
    assert in_thread["scores"]["ad_hominem"] > elsewhere["scores"]["ad_hominem"]
    empty = client.post("/v1/score", json={"text": " ", "id": "3"}).json()
    assert empty["scores"]["hostile"] is None and empty["note"].startswith("empty text")
    google_error(client.post("/v1/score", json={"id": "x"}), 400, "INVALID_ARGUMENT")
    google_error(client.post("/v1/score", json={"text": "x", "colour": "red"}), 400, "INVALID_ARGUMENT")


def test_batched_scores_equal_one_by_one(model):
    items = [
        scoring.InContext(["you people are idiots", "you people"], ARTICLE, ["I agree with the article."]),
        scoring.InContext(["Cuba and North Korea trade more now."], ARTICLE),
        scoring.InContext(["What a lovely day for football!"], "", ["first", "Go away, Bob."]),
    ]
    batched = model.score_in_context(items)
    for item, verdicts in zip(items, batched):
        np.testing.assert_allclose(verdicts.scores, model.score_in_context([item])[0].scores, rtol=0, atol=1e-12)


def test_thread_memory_is_bounded_and_keeps_threads_apart(model):
    memory = model.thread_memory(remembered=4)
    first = memory.score(scoring.Comment("Cuba and North Korea trade sugar", id="1", thread_id="t1"))
    for n in range(20):
        memory.score(scoring.Comment(f"another remark {n} about trade", id=f"x{n}", thread_id="t2"))
        assert len(memory.stream.score_stream.recent) < 8  # twice the memory at most, then only the newest four
    assert [c.id for c in memory.stream.score_stream.recent][-4:] == ["x16", "x17", "x18", "x19"]
    # A thread's first comment is compared with nothing of another thread.
    again = memory.score(scoring.Comment("Cuba and North Korea trade sugar", id="2", thread_id="t3"))
    assert again["scores"] == first["scores"]


def test_a_record_without_thread_is_scored_against_its_article_alone(model):
    memory = model.thread_memory(remembered=10)
    memory.score(scoring.Comment("Go away, Bob, you idiot.", id="1", thread_id="t"))
    alone = memory.score(scoring.Comment("Bob is right about trade.", id="2", article=ARTICLE))
    assert alone == memory.score(scoring.Comment("Bob is right about trade.", id="2", article=ARTICLE))
    assert [c.id for c in memory.stream.score_stream.recent] == ["1"]  # not remembered


def test_suggestscore_needs_a_feedback_file(client):
    response = client.post(SUGGEST, json={"comment": {"text": "x"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}})
    assert "--feedback" in google_error(response, 400, "FAILED_PRECONDITION")["message"]


def suggestion(text, scores, **extra):
    return {"comment": {"text": text}, "attributeScores": {k: {"summaryScore": {"value": v}} for k, v in scores.items()}, **extra}


def test_suggestscore_appends_canonical_rows(model, tmp_path):
    feedback = tmp_path / "feedback.csv"
    with client_for(model, feedback=feedback) as client:
        first = client.post(SUGGEST, json=suggestion("You absolute idiot.", {"TOXICITY": 1}, clientToken="comment:1", languages=["en"]))
        assert first.status_code == 200
        assert first.json() == {"detectedLanguages": ["en"], "requestedLanguages": ["en"], "clientToken": "comment:1"}
        context = {"articleAndParentComment": {"article": {"text": ARTICLE}, "parentComment": {"text": "Hi"}}}
        assert client.post(SUGGEST, json=suggestion('Fine, "quoted",\nmultiline', {"APPROVED": 1}, context=context)).status_code == 200
        google_error(client.post(SUGGEST, json=suggestion("x", {"THREAT": 1})), 400, "INVALID_ARGUMENT")
    rows = list(csv.DictReader(feedback.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["text"], r["id"], r["hostile"], r["off_topic"]) for r in rows] == [
        ("You absolute idiot.", "comment:1", "1", ""),
        ('Fine, "quoted",\nmultiline', rows[1]["id"], "0", "0"),
    ]
    assert rows[1]["article"] == ARTICLE and rows[1]["thread_id"].startswith("article-")


def test_concurrent_appends_never_interleave(tmp_path):
    # Two writers of one file, as two worker processes have.
    files = [FeedbackFile(tmp_path / "feedback.csv"), FeedbackFile(tmp_path / "feedback.csv")]
    long_text = "word " * 5000  # larger than a page: a torn write would show

    def writer(n):
        for i in range(10):
            files[n % 2].append([feedback_row(f"{n}-{i} {long_text}", {"hostile": i % 2}, comment_id=f"{n}-{i}")])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = list(csv.DictReader((tmp_path / "feedback.csv").open(encoding="utf-8", newline="")))
    assert len(rows) == 40 and len({r["id"] for r in rows}) == 40  # one header: no row repeats it
    assert all(r["text"] == f"{r['id']} {long_text}" for r in rows)
    check_feedback_file(tmp_path / "feedback.csv")  # still a valid feedback file


def test_an_append_waits_for_another_processs_file_lock(tmp_path):
    path = tmp_path / "feedback.csv"
    feedback = FeedbackFile(path)
    writer = threading.Thread(target=feedback.append, args=([feedback_row("hello", {"hostile": 0})],))
    with open(path, "ab") as other:  # another worker process, in the middle of its own append
        fcntl.flock(other, fcntl.LOCK_EX)
        writer.start()
        writer.join(1.0)
        assert writer.is_alive() and path.stat().st_size == 0
    writer.join(60)  # closing the other file released its lock
    assert not writer.is_alive()
    assert [r["text"] for r in csv.DictReader(path.open(encoding="utf-8", newline=""))] == ["hello"]


def test_feedback_file_checks(tmp_path):
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(Exception, match="not a feedback file"):
        check_feedback_file(foreign)
    torn = tmp_path / "torn.csv"
    torn.write_text(",".join(COLUMNS) + "\nhalf a ro", encoding="utf-8")
    with pytest.raises(Exception, match="incomplete row"):
        check_feedback_file(torn)
    with pytest.raises(Exception, match="does not exist"):
        check_feedback_file(tmp_path / "missing" / "feedback.csv")


def test_train_reads_the_feedback_file(model, tmp_path):
    feedback = tmp_path / "feedback.csv"
    # Six of each: training needs five of each class in every fold's training part.
    hostile = ["You absolute idiot.", "Shut up, moron.", "What a pathetic clown you are.", "You are a disgusting liar.", "Idiots, all of you.", "Go away, troll."]
    fine = ["Thanks for the clear report.", "The trade figures look right.", "I visited Havana last year.", "Good point about the talks.", "Interesting history.", "Well said."]
    with client_for(model, feedback=feedback) as client:
        for text in hostile:
            assert client.post(SUGGEST, json=suggestion(text, {"TOXICITY": 1})).status_code == 200
        for text in fine:
            assert client.post(SUGGEST, json=suggestion(text, {"APPROVED": 1})).status_code == 200
        assert client.post(SUGGEST, json=suggestion("Deleted, reason unknown.", {"DELETED": 1})).status_code == 200
    result = invoke_cli("train", feedback, "--model", tmp_path / "m", "--quiet")
    assert result.returncode == 0, result.stderr
    metadata = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert metadata["data"]["comments"] == 12  # the deleted comment has no label yet
    assert metadata["data"]["labels"]["hostile"] == {"annotated": 12, "positive": 6}
    assert metadata["trained_labels"] == ["hostile"]  # only approvals say anything of the others: all 0
    assert "1 row(s) waiting for a label ('rejected by a moderator')" in result.stderr


def tampered_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, folder)
    return folder


def test_reload_keeps_the_old_model_when_the_new_one_fails(tmp_path):
    import asyncio

    folder = tampered_copy(tmp_path)
    loaded = scoring.load(folder)
    app = create_app(ServerSettings(model=folder), loaded)
    state = app.state.server
    with TestClient(app) as client:
        data = bytearray((folder / "model.npz").read_bytes())
        data[100] ^= 0xFF
        (folder / "model.npz").write_bytes(bytes(data))
        assert asyncio.run(state.reload()) is False
        assert state.model is loaded
        assert client.post(ANALYZE, json=analyze_body()).status_code == 200
        shutil.copy(DEFAULT_MODEL / "model.npz", folder / "model.npz")
        assert asyncio.run(state.reload()) is True
        assert state.model is not loaded and state.model.sha256 == loaded.sha256
        assert client.get("/healthz").json()["model"]["sha256"] == loaded.sha256


def test_any_json_gets_a_google_answer_never_a_500(model, tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
    names = st.sampled_from(["TOXICITY", "OFF_TOPIC", "hostile", "TOXICITY@2", "THREAT", "APPROVED", "DELETED", ""])
    keys = st.sampled_from(
        ["comment", "requestedAttributes", "attributeScores", "context", "languages", "clientToken", "spanAnnotations",
         "doNotStore", "dropUnsupportedAttributes", "text", "thread_id", "id", "author"]
    )  # fmt: skip
    score = st.fixed_dictionaries({}, optional={"summaryScore": st.fixed_dictionaries({}, optional={"value": values, "type": values})})
    fields = {
        "comment": st.fixed_dictionaries({}, optional={"text": values | st.text(max_size=200), "type": values}) | values,
        "requestedAttributes": st.dictionaries(names, st.fixed_dictionaries({}, optional={"scoreThreshold": values, "scoreType": values}) | values, max_size=3),
        "attributeScores": st.dictionaries(names, score | values, max_size=3),
        "context": st.fixed_dictionaries({}, optional={"entries": values, "articleAndParentComment": values}) | values,
        "languages": st.lists(st.sampled_from(["en", "en-GB", "fr", ""]) | values, max_size=2) | values,
    }
    requests = st.fixed_dictionaries({}, optional=fields) | st.dictionaries(keys, values, max_size=4) | values

    with client_for(model, feedback=tmp_path / "feedback.csv") as client:

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body=requests, path=st.sampled_from([ANALYZE, SUGGEST, "/v1/score"]))
        def answers(body, path):
            response = client.post(path, content=json.dumps(body).encode())
            assert response.status_code in (200, 400), response.text
            if response.status_code == 400:
                assert response.json()["error"]["status"] in ("INVALID_ARGUMENT", "FAILED_PRECONDITION")

        answers()
