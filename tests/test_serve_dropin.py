"""``moderation serve`` as a drop-in for Perspective: Coral's threshold works, no language fails
open unseen, Coral's feedback becomes the right labels, attributes we cannot score are answered
honestly, and what a request causes is bounded by its size."""

import csv
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from moderation.io.labeled import load_training_data
from moderation.io.readers import ReadOptions, read_comments
from moderation.server import app as server_app
from moderation.server import scoring
from moderation.server.app import ServerSettings, create_app
from moderation.server.feedback import COLUMNS, EARLIER_COLUMNS, check_feedback_file
from moderation.server.perspective import MAX_REQUESTED_ATTRIBUTES
from moderation.server.run import check_settings
from moderation.server.scale import FLAG_POINT, coral_scale
from tests.conftest import SEED_CSV, SEED_THREAD

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
CORAL = Path(__file__).parent / "fixtures" / "coral"
ATTRIBUTES = {"TOXICITY": "hostile", "ATTACK_ON_COMMENTER": "ad_hominem", "OFF_TOPIC": "off_topic"}


@pytest.fixture(scope="module")
def model():
    return scoring.load(None)


def client_for(model, **settings) -> TestClient:
    return TestClient(create_app(ServerSettings(**settings), model), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(model):
    with client_for(model) as client:
        yield client


def summary(response, name="TOXICITY") -> float:
    assert response.status_code == 200, response.text
    return response.json()["attributeScores"][name]["summaryScore"]["value"]


# -- the coral scale ---------------------------------------------------------------------------

probabilities = st.floats(0, 1)
thresholds = st.floats(0.01, 0.99)


@settings(max_examples=500, deadline=None)
@given(probabilities, probabilities, thresholds)
def test_the_coral_scale_is_monotone_and_puts_the_threshold_at_0_8(p, q, t):
    low, high = sorted((p, q))
    scaled_low, scaled_high = coral_scale([low, high], t)
    assert 0 <= scaled_low <= scaled_high <= 1
    assert (scaled_low > FLAG_POINT) == (low >= t) and (scaled_high > FLAG_POINT) == (high >= t)


def test_the_coral_scale_at_its_fixed_points():
    assert coral_scale([0.0, 0.16, 0.32, 0.66, 1.0], 0.32).tolist() == [0.0, 0.4, 0.800001, 0.9, 1.0]
    just_below = np.nextafter(0.32, 0)
    assert float(coral_scale(just_below, 0.32)) == 0.799999  # rounding never lifts an unflagged score to 0.8


def seed_texts() -> list[tuple[str, str]]:
    """(text, article) of every seed comment, and each again with an insult or a fragment of
    another comment appended, so that both sides of every threshold are well covered."""
    thread = list(read_comments(SEED_THREAD, ReadOptions(format="thread")))
    labeled = list(read_comments(SEED_CSV, ReadOptions()))
    article = thread[0].article
    texts = [(c.text, article) for c in thread] + [(c.text, c.article or article) for c in labeled]
    extras = ["You are an idiot.", "Thanks, Bob.", "Whatever.", "Shut up, moron, nobody asked you."]
    texts += [(f"{text} {extras[i % len(extras)]}", article) for i, (text, _) in enumerate(texts[:60])]
    return texts


def test_coral_withholds_what_the_model_flags_and_nothing_else(model, client):
    flagged = {name: 0 for name in ATTRIBUTES}
    texts = seed_texts()
    for text, article in texts:
        body = {
            "comment": {"text": text},
            "context": {"articleAndParentComment": {"article": {"text": article}}},
            "requestedAttributes": {name: {} for name in ATTRIBUTES},
            "languages": ["en"],
        }
        response = client.post(ANALYZE, json=body)
        probabilities = model.score_in_context([scoring.InContext([text], article)])[0].scores[0]
        for name, label in ATTRIBUTES.items():
            is_flagged = probabilities[scoring.LABELS.index(label)] >= model.thresholds[label]
            assert (summary(response, name) > FLAG_POINT) == is_flagged, (text, name)
            flagged[name] += is_flagged
    assert all(0 < count < len(texts) for count in flagged.values()), flagged  # both sides seen


def test_the_probability_scale_serves_the_probability(model):
    text = "Shut up, you ignorant moron."
    with client_for(model, scale="probability") as client:
        value = summary(client.post(ANALYZE, json={"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}))
    expected = model.score_in_context([scoring.InContext([text])])[0].scores[0, scoring.LABELS.index("hostile")]
    assert value == pytest.approx(expected, abs=1e-6)


def test_score_threshold_compares_with_the_served_score(client):
    hostile, fine = "Shut up, you ignorant moron. You people are idiots.", "Thank you for the clear report on the talks."
    for text in (hostile, fine):
        body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": FLAG_POINT}}, "spanAnnotations": True}
        scores = client.post(ANALYZE, json=body).json()["attributeScores"]
        assert ("TOXICITY" in scores) == (text == hostile)
        assert all(span["score"]["value"] >= FLAG_POINT for span in scores.get("TOXICITY", {}).get("spanScores", []))


def test_a_coral_analyze_request_byte_for_byte(client, model):
    body = (CORAL / "analyze.json").read_bytes()
    text = json.loads(body)["comment"]["text"]
    assert model.score_in_context([scoring.InContext([text])])[0].scores[0, scoring.LABELS.index("hostile")] >= model.thresholds["hostile"]
    response = client.post(ANALYZE + "?key=k", content=body, headers={"Content-Type": "application/json"})
    assert summary(response) > 0.8  # Coral's default threshold: this comment is withheld


# -- languages the model does not score --------------------------------------------------------


def test_coral_on_a_spanish_site_is_held_by_default(model, caplog):
    body = (CORAL / "analyze-es.json").read_bytes()
    with client_for(model) as client, caplog.at_level(logging.INFO, logger="moderation.server"):
        first, second = (client.post(ANALYZE, content=body) for _ in range(2))
        health = client.get("/healthz").json()
    assert summary(first) == 1.0 > 0.8
    assert first.json()["detectedLanguages"] == ["es"] and first.json()["languages"] == ["es"]
    assert second.json() == first.json()
    assert health["languages"] == {"scored": ["en"], "policy": "hold", "counts": {"es": 2}}
    assert "a comment in es was held for a person" in caplog.text and "2 so far in es" in caplog.text


def test_the_other_policies(model):
    body = {"comment": {"text": "Sois unos idiotas."}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {"scoreThreshold": 0.5}}, "languages": ["es-MX"]}
    with client_for(model, other_languages="pass") as client:
        passed = client.post(ANALYZE, json=body)
        assert summary(passed) == 0.0 and set(passed.json()["attributeScores"]) == {"TOXICITY"}  # 0 is below INSULT's 0.5
        assert client.get("/healthz").json()["languages"]["counts"] == {"es": 1}
    with client_for(model, other_languages="error") as client:
        refused = client.post(ANALYZE, json=body)
        assert refused.status_code == 400
        assert refused.json()["error"]["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
        assert refused.json()["error"]["message"] == "Attribute TOXICITY does not support request languages: es-MX"
        assert client.get("/healthz").json()["languages"] == {"scored": ["en"], "policy": "error", "counts": {"es": 1}}


def test_a_detected_language_is_treated_as_a_requested_one(model, monkeypatch):
    monkeypatch.setattr(server_app, "detected_language", lambda text: "it" if "Siete" in text else "en")
    with client_for(model) as client:
        italian = client.post(ANALYZE, json={"comment": {"text": "Siete tutti idioti."}, "requestedAttributes": {"TOXICITY": {}}})
        assert summary(italian) == 1.0 and italian.json()["detectedLanguages"] == ["it"]
        claimed = client.post(ANALYZE, json={"comment": {"text": "Siete tutti idioti."}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]})
        assert summary(claimed) == 1.0  # Coral sends "en" for an Italian site
        english = client.post(ANALYZE, json={"comment": {"text": "Thanks for the report."}, "requestedAttributes": {"TOXICITY": {}}})
        assert summary(english) < 0.8 and english.json()["detectedLanguages"] == ["en"]
        assert client.get("/healthz").json()["languages"]["counts"] == {"it": 2}


def test_a_refusal_names_the_language_the_comment_is_in_not_the_en_coral_sends(model, monkeypatch):
    monkeypatch.setattr(server_app, "detected_language", lambda text: "it")
    claimed = {"comment": {"text": "Siete tutti idioti."}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]}
    with client_for(model, other_languages="error") as client:
        refused = client.post(ANALYZE, json=claimed)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Attribute TOXICITY does not support request languages: it"


@pytest.mark.parametrize("languages", [[None], [1], [["en"]], [""], ["english language"]])
def test_a_malformed_language_is_a_400_never_a_500(model, tmp_path, languages):
    analyze = {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "languages": languages}
    suggest = {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}}, "languages": languages}
    with client_for(model, feedback=tmp_path / "feedback.csv") as client:
        for path, body in ((ANALYZE, analyze), (SUGGEST, suggest)):
            answer = client.post(path, json=body)
            assert answer.status_code == 400, (path, answer.text)
            assert 'Invalid value at "languages[0]"' in answer.json()["error"]["message"]
    assert not (tmp_path / "feedback.csv").exists() or "hi" not in (tmp_path / "feedback.csv").read_text(encoding="utf-8")


def test_the_server_detects_other_languages_itself(model):
    spanish = {"comment": {"text": "Eres un idiota, vete a la mierda."}, "requestedAttributes": {"TOXICITY": {}}}
    english = {"comment": {"text": "You are an idiot and nobody wants your opinion."}, "requestedAttributes": {"TOXICITY": {}}}
    with client_for(model, other_languages="error") as client:
        refused = client.post(ANALYZE, json=spanish)  # no `languages`: Perspective detects, and so do we
        assert refused.status_code == 400 and refused.json()["error"]["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
        assert summary(client.post(ANALYZE, json=english)) > 0.8
        native = client.post("/v1/score", json={"text": "Eres un idiota, vete a la mierda."}).json()
        assert native["flags"] == [] and native["note"] == "language es: not scored"


# -- attributes ---------------------------------------------------------------------------------


def test_profanity_is_the_word_list_and_spam_is_off_topic(client):
    text = "What a load of crap. The routes are fine."
    body = {"comment": {"text": text}, "requestedAttributes": {"PROFANITY": {}, "SPAM": {}, "OFF_TOPIC": {}}, "spanAnnotations": True}
    scores = client.post(ANALYZE, json=body).json()["attributeScores"]
    assert scores["PROFANITY"]["summaryScore"]["value"] == 1.0
    assert [span["score"]["value"] for span in scores["PROFANITY"]["spanScores"]] == [1.0, 1.0, 0.0]
    assert scores["SPAM"] == scores["OFF_TOPIC"]
    clean = {"comment": {"text": "Whoever approved the routes did well."}, "requestedAttributes": {"PROFANITY": {}}}
    assert summary(client.post(ANALYZE, json=clean), "PROFANITY") == 0.0


def test_a_client_asking_for_everything_works_with_the_drop_option(model):
    # PyPI perspectiveapi's attributes: without the option, the 400 makes it crash (KeyError: 'attributeScores').
    body = {"comment": {"text": "You clown."}, "languages": ["en"], "requestedAttributes": {n: {} for n in ("TOXICITY", "SEVERE_TOXICITY", "INSULT", "THREAT", "SEXUALLY_EXPLICIT", "FLIRTATION")}}
    with client_for(model) as client:
        assert client.post(ANALYZE, json=body).json()["error"]["message"] == "Unknown requested attribute: THREAT"
    with client_for(model, drop_unsupported=True) as client:
        assert set(client.post(ANALYZE, json=body).json()["attributeScores"]) == {"TOXICITY", "SEVERE_TOXICITY", "INSULT"}


# -- bounded work and answers -------------------------------------------------------------------


def test_each_label_is_scored_once_however_many_names_ask(model, monkeypatch):
    scored = []
    original = model.score_in_context
    monkeypatch.setattr(model, "score_in_context", lambda items: scored.append(sum(len(i.texts) for i in items)) or original(items))
    text = " ".join(f"Sentence number {i} is here." for i in range(10))
    names = {f"TOXICITY@{i}": {} for i in range(20)} | {"INSULT": {}, "SEVERE_TOXICITY": {}, "ATTACK_ON_AUTHOR": {}}
    with client_for(model) as client:
        response = client.post(ANALYZE, json={"comment": {"text": text}, "requestedAttributes": names, "spanAnnotations": True})
    attribute_scores = response.json()["attributeScores"]
    assert response.status_code == 200 and len(attribute_scores) == 23
    spans = len(attribute_scores["INSULT"]["spanScores"])
    assert spans > 2 and scored == [spans]  # the whole text and each (run of) sentences, once for all 23 names


def adversarial_requests():
    """Requests built to make the answer large: many names of one attribute, many sentences,
    short names and sentences (``SPAM@1``, ``a\\n``), no spaces."""
    names = lambda n: {f"SPAM@{i}": {} for i in range(n)}  # noqa: E731
    shapes = {
        "the issue's: 23 KB of names and spans": ("a. " * 100, 1500),
        "1 MB of names": ("You. Are. Wrong.", 60_000),
        "the most names, 20 KB of sentences": ("a\n" * 6800, MAX_REQUESTED_ATTRIBUTES),
        "the most names, 250 sentences": ("a\n" * 250, MAX_REQUESTED_ATTRIBUTES),
        "24 names, 5 sentences (the worst measured)": ("a\n" * 5, 24),
        "5 names, 50 sentences": ("a\n" * 50, 5),
        "1 name, 20 KB of sentences": ("a\n" * 6800, 1),
        "1 name, 50 sentences": ("a\n" * 50, 1),
    }
    return {name: {"comment": {"text": text}, "requestedAttributes": names(count), "spanAnnotations": True} for name, (text, count) in shapes.items()}


@pytest.mark.parametrize("name", list(adversarial_requests()))
def test_the_answer_is_bounded_by_the_request(model, name):
    request = json.dumps(adversarial_requests()[name], separators=(",", ":")).encode()
    with client_for(model, max_request_bytes=2 << 20) as client:
        response = client.post(ANALYZE, content=request)  # pretty-printed, Google's default: the larger answer
    assert response.status_code in (200, 400), response.text
    assert len(response.content) <= 50 * len(request), (len(response.content), len(request))  # 39 times at worst, measured
    assert len(response.content) <= 64 * 1024


# -- Coral's feedback ---------------------------------------------------------------------------


def post_coral_feedback(model, feedback: Path) -> None:
    with client_for(model, feedback=feedback) as client:
        for name in ("suggest-approved.json", "suggest-rejected.json"):
            response = client.post(SUGGEST + "?key=k", content=(CORAL / name).read_bytes(), headers={"Content-Type": "application/json"})
            assert response.status_code == 200, response.text
            assert response.json()["clientToken"] == json.loads((CORAL / name).read_bytes())["clientToken"]  # Coral checks it


def test_coral_feedback_becomes_the_right_rows(model, tmp_path):
    feedback = tmp_path / "feedback.csv"
    post_coral_feedback(model, feedback)
    rows = list(csv.DictReader(feedback.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == list(COLUMNS)
    story = "https://news.example.com/2026/12/council-bus-routes"
    approved, rejected = rows
    assert approved == {
        "text": "Thanks for covering the new routes.\nThe 42 finally stops near the clinic.",
        "id": "0d1f5c6e-8a42-4b1e-9f0a-3c6b2d7e4a11",
        "thread_id": story,
        "parent_id": "",
        "author": "",
        "article": "",
        "off_topic": "0",
        "hostile": "0",
        "ad_hominem": "0",
        "reason": "",
    }
    assert rejected == {
        "text": "BUY CHEAP WATCHES at www.example.biz!!!",
        "id": "7b9e2a4c-1d3f-4e5a-8b6c-9d0e1f2a3b4c",
        "thread_id": story,
        "parent_id": "0d1f5c6e-8a42-4b1e-9f0a-3c6b2d7e4a11",
        "author": "",
        "article": "",
        "off_topic": "",
        "hostile": "",
        "ad_hominem": "",
        "reason": "rejected in Coral",
    }


def test_training_waits_for_a_person_to_label_a_rejected_comment(model, tmp_path, capsys):
    feedback = tmp_path / "feedback.csv"
    post_coral_feedback(model, feedback)
    data = load_training_data([feedback])
    assert [c.id for c in data.comments] == ["0d1f5c6e-8a42-4b1e-9f0a-3c6b2d7e4a11"]
    assert "feedback.csv: 1 row(s) waiting for a label ('rejected in Coral') were not used for training" in capsys.readouterr().err
    # A moderator says why it was rejected: spam is off-topic.
    rows = list(csv.DictReader(feedback.open(encoding="utf-8", newline="")))
    rows[1].update(off_topic="1", hostile="0", ad_hominem="0")
    with feedback.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    labeled = load_training_data([feedback])
    assert {c.id: c.labels["off_topic"] for c in labeled.comments} == {"0d1f5c6e-8a42-4b1e-9f0a-3c6b2d7e4a11": 0, "7b9e2a4c-1d3f-4e5a-8b6c-9d0e1f2a3b4c": 1}
    assert "waiting" not in capsys.readouterr().err


def test_a_feedback_file_of_an_earlier_version_is_read_and_appended_to(model, tmp_path):
    feedback = tmp_path / "feedback.csv"
    earlier_row = ["You absolute idiot.", "comment:1", "feedback-comment:1", "", "", "", "", "1", ""]
    with feedback.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows([EARLIER_COLUMNS, earlier_row])
    assert check_feedback_file(feedback) == EARLIER_COLUMNS
    assert any("no reason column" in note for note in check_settings(ServerSettings(feedback=feedback)))  # logged at start
    post_coral_feedback(model, feedback)
    with feedback.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == list(EARLIER_COLUMNS) and rows[1] == earlier_row
    assert [len(row) for row in rows] == [len(EARLIER_COLUMNS)] * 4  # appended in its own columns
    assert rows[3][:3] == ["BUY CHEAP WATCHES at www.example.biz!!!", "7b9e2a4c-1d3f-4e5a-8b6c-9d0e1f2a3b4c", "https://news.example.com/2026/12/council-bus-routes"]
    assert [c.id for c in load_training_data([feedback]).comments] == ["comment:1", "0d1f5c6e-8a42-4b1e-9f0a-3c6b2d7e4a11"]
