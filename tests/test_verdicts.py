"""The one scoring call (moderation.model.verdicts): flags, notes and explanations, the same
on every path — whole-thread batches, given earlier comments, streams — and in what ``score``,
``label`` and ``/v1/score`` write."""

import csv
import json

import numpy as np
import pytest
from starlette.testclient import TestClient

from moderation.comments import LABELS, Comment
from moderation.commands.label import label_file
from moderation.commands.score import score_lines
from moderation.features.text import MAX_TEXT_CHARS
from moderation.model import verdicts as verdicts_module
from moderation.model.trainable import MIN_CLASS_TO_FIT, MIN_CLASS_TO_TRAIN, can_train
from moderation.model.verdicts import NOTHING_TO_SCORE, Judge, flags_of
from moderation.server import scoring
from moderation.server.app import ServerSettings, create_app

LONG_TEXT = "filler " * (MAX_TEXT_CHARS // 7 + 100) + "you are an idiot"
TRUNCATION_NOTE = f"scored the first {MAX_TEXT_CHARS:,} of {len(LONG_TEXT):,} characters"


@pytest.fixture(scope="module")
def judge(shipped_model):
    return Judge(shipped_model.scorer)


def test_the_flag_rule_flags_a_score_that_reaches_its_threshold(shipped_model, seed_comments):
    scores = Judge(shipped_model.scorer).threads(seed_comments).scores
    hostile = LABELS.index("hostile")
    row = int(np.nanargmax(scores[:, hostile]))
    at = Judge(shipped_model.scorer, {"hostile": float(scores[row, hostile])}).threads(seed_comments)
    above = Judge(shipped_model.scorer, {"hostile": float(scores[row, hostile]) + 1e-9}).threads(seed_comments)
    assert "hostile" in at[row].flags and "hostile" not in above[row].flags
    assert at.flagged[:, hostile].sum() == 1 and not above.flagged[:, hostile].any()
    # An override changes only its label; the others keep the model's thresholds.
    others = [j for j, label in enumerate(LABELS) if label != "hostile"]
    np.testing.assert_array_equal(at.flagged[:, others], Judge(shipped_model.scorer).threads(seed_comments).flagged[:, others])


def test_no_score_or_no_threshold_never_flags():
    assert flags_of(np.array([np.nan, 0.9, 0.9]), np.array([0.5, np.nan, 0.9])).tolist() == [False, False, True]


def test_an_empty_text_gets_a_note_no_scores_and_is_no_context(judge, seed_comments):
    thread = [Comment(c.text, c.id, "t", article=c.article) for c in seed_comments[:8]]
    blank = Comment(" \n\t", "blank", "t", article=thread[0].article)
    with_blank = judge.threads([*thread[:4], blank, *thread[4:]])
    verdict = with_blank[4]
    assert verdict.scores == dict.fromkeys(LABELS) and verdict.flags == () and verdict.notes == (NOTHING_TO_SCORE,)
    assert not verdict.scored and verdict.explanation is None
    without = judge.threads(thread)
    np.testing.assert_allclose(np.delete(with_blank.scores, 4, axis=0), without.scores, rtol=0, atol=1e-12)
    stream = judge.stream()
    assert stream.verdict(blank).notes == (NOTHING_TO_SCORE,)
    assert len(stream.score_stream.recent) == 0  # not remembered


def test_a_long_text_is_scored_on_its_start_with_a_note_on_every_path(judge):
    comment = Comment(LONG_TEXT, "long", "t")
    for verdict in (judge.threads([comment])[0], judge.after([comment], [])[0], judge.stream().verdict(comment)):
        assert verdict.scored and verdict.notes == (TRUNCATION_NOTE,)
        assert verdict.scores["hostile"] is not None


def test_score_label_and_the_server_write_the_truncation_note(shipped_model, tmp_path):
    lines = tmp_path / "comments.txt"
    lines.write_text(f"a short remark\n{LONG_TEXT}\n\n", encoding="utf-8")
    records = []
    score_lines(lines, shipped_model, {}, records.append)
    assert [r.get("note") for r in records] == [None, TRUNCATION_NOTE, NOTHING_TO_SCORE]

    source = tmp_path / "comments.csv"
    with source.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([["id", "thread_id", "text"], ["1", "t", "a short remark"], ["2", "t", LONG_TEXT], ["3", "t", " "]])
    label_file(source, tmp_path / "out.csv", shipped_model, {}, quiet=True)
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["note"] for r in rows] == ["", TRUNCATION_NOTE, NOTHING_TO_SCORE]
    assert rows[1]["hostile_score"] != "" and rows[2]["hostile_score"] == rows[2]["hostile_flag"] == ""

    with TestClient(create_app(ServerSettings(), scoring.load(None))) as client:
        answers = [client.post("/v1/score", json={"text": text, "id": str(n), "thread_id": "t"}).json() for n, text in enumerate(["a short remark", LONG_TEXT, " "])]
    assert [a.get("note") for a in answers] == [None, TRUNCATION_NOTE, NOTHING_TO_SCORE]
    assert answers[1]["scores"] == records[1]["scores"]  # /v1/score and score give the same record


def test_stream_after_and_batch_agree_where_their_contexts_do(judge, seed_comments):
    stream = judge.stream()
    streamed = [stream.verdict(comment) for comment in seed_comments]
    batch = judge.threads(seed_comments)
    # The last comment of a thread sees the whole thread either way; the first sees less when streamed.
    assert streamed[-1].scores == pytest.approx(batch[-1].scores, abs=1e-12)
    assert streamed[0].scores != pytest.approx(batch[0].scores, abs=1e-6)
    after = judge.after(seed_comments[10:11], seed_comments[:10])
    assert after[0].scores == pytest.approx(streamed[10].scores, abs=1e-12)
    # Flags follow the same rule on every path.
    assert [v.flags for v in streamed] == [tuple(label for label in LABELS if v.scores[label] is not None and v.scores[label] >= judge.thresholds[label]) for v in streamed]


def test_a_stream_judges_comments_without_thread_together_or_alone(judge):
    article = "Cuba and North Korea pledged closer cooperation in trade."
    first, second = Comment("Go away, Bob, you idiot.", "1", article=article), Comment("Bob is right about trade.", "2", article=article)
    alone = judge.stream(unthreaded="alone")
    alone.verdict(first)
    assert alone.verdict(second).scores == judge.after([second], [])[0].scores
    assert len(alone.score_stream.recent) == 0
    together = judge.stream()
    together.verdict(first)
    assert together.verdict(second).scores == judge.after([second], [first])[0].scores
    with pytest.raises(ValueError):
        judge.stream(unthreaded="apart")


def test_explanations_are_given_on_request_for_each_flag(shipped_model, seed_comments):
    plain = Judge(shipped_model.scorer).threads(seed_comments)
    explained = Judge(shipped_model.scorer, explain=True).threads(seed_comments)
    np.testing.assert_array_equal(plain.scores, explained.scores)
    assert all(v.explanation is None for v in plain)
    flagged = [v for v in explained if v.flags]
    assert flagged and all(set(v.explanation) == set(v.flags) for v in explained)
    features = shipped_model.scorer.thread_features(seed_comments)
    row = next(i for i, v in enumerate(explained) if "hostile" in v.flags)
    assert explained[row].explanation["hostile"] == shipped_model.scorer.explain(features, row, "hostile", seed_comments[row].text)
    streamed = Judge(shipped_model.scorer, explain=True).stream().verdict(Comment("You are an idiot and nobody wants your opinion."))
    assert set(streamed.explanation) == set(streamed.flags) and streamed.explanation["hostile"][0].weight > 0


def test_a_batch_is_the_same_as_arrays_as_per_comment(judge, seed_comments):
    batch = judge.threads([*seed_comments[:5], Comment("", "empty")])
    assert len(batch) == 6 and len(batch[1:3]) == 2
    for row, verdict in enumerate(batch):
        assert [verdict.scores[label] for label in LABELS] == [None if np.isnan(s) else s for s in batch.scores[row]]
        assert verdict.flags == tuple(label for label, flag in zip(LABELS, batch.flagged[row]) if flag)
    assert batch[1:3][0] == batch[1]


def test_a_new_unscorable_check_applies_on_every_path(shipped_model, tmp_path, monkeypatch):
    """A language check, say, is one function added to UNSCORABLE_CHECKS."""
    note = "language xx: not scored"
    monkeypatch.setattr(verdicts_module, "UNSCORABLE_CHECKS", (*verdicts_module.UNSCORABLE_CHECKS, lambda c: note if "xx" in c.text.split() else None))
    judge = Judge(shipped_model.scorer)
    comments = [Comment("Go away, Bob, you idiot.", "1", "t"), Comment("xx yy zz Bob", "2", "t"), Comment("Bob is wrong about trade.", "3", "t")]
    for verdict in (judge.threads(comments)[1], judge.after(comments[1:2], comments[:1])[0]):
        assert (verdict.scored, verdict.scores, verdict.flags, verdict.notes) == (False, dict.fromkeys(LABELS), (), (note,))
    # It is no context for the others either.
    assert judge.threads(comments)[2].scores == judge.threads([comments[0], comments[2]])[1].scores
    stream = judge.stream()
    assert [stream.verdict(c).notes for c in comments] == [(), (note,), ()]
    lines = tmp_path / "comments.jsonl"
    lines.write_text("".join(json.dumps({"text": c.text, "thread_id": "t"}) + "\n" for c in comments), encoding="utf-8")
    records = []
    score_lines(lines, shipped_model, {}, records.append, jsonl=True)
    assert [r.get("note") for r in records] == [None, note, None] and records[1]["flags"] == []


def test_a_label_is_trained_with_one_more_example_of_each_class_than_a_fit_needs():
    assert MIN_CLASS_TO_TRAIN == MIN_CLASS_TO_FIT + 1
    assert not can_train(MIN_CLASS_TO_FIT, 100) and can_train(MIN_CLASS_TO_TRAIN, MIN_CLASS_TO_TRAIN)
    assert can_train(np.array([6, 5, 40]), np.array([6, 40, 5])).tolist() == [True, False, False]
