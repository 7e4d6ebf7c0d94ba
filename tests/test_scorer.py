"""The Scorer (NumPy only) gives the scikit-learn pipeline's probabilities (to 1e-9)."""

import random

import numpy as np
import pytest

from moderation.comments import LABELS, Comment
from moderation.io.labeled import label_matrix, load_training_data
from moderation.model.scorer import Scorer
from tests.conftest import LABELS_DIR


@pytest.fixture(scope="module")
def fitted():
    from moderation.model.pipeline import ModerationClassifier

    data = load_training_data([LABELS_DIR])
    classifier = ModerationClassifier().fit(data.comments, label_matrix(data.comments))
    return classifier, Scorer(classifier.arrays()), data.comments


def synthetic_comments(seed_texts: list[str], count: int) -> list[Comment]:
    """Comments mixing seed words with unseen words, leetspeak, URLs, mentions, emoji and
    accents, in threads of varying size, some with an article and some without."""
    rng = random.Random(20261127)
    words = " ".join(seed_texts).split()
    extras = ["sh!+", "h3ll0", "@moderator", "https://example.org/x?y=1", "soooo", "🙂", "naïve", "Ünïcödé", "IDIOTS", "zzqx"]
    comments = []
    for i in range(count):
        length = rng.choice([0, 1, 2, 5, 12, 40])
        text = " ".join(rng.choice(words) if rng.random() < 0.85 else rng.choice(extras) for _ in range(length))
        thread = f"t{rng.randrange(count // 20)}"
        article = "" if rng.random() < 0.3 else " ".join(rng.choice(words) for _ in range(60))
        comments.append(Comment(text=text, id=str(i), thread_id=thread, article=article, author=rng.choice(["", "nidal", "Ann Lee"])))
    return comments


def test_scores_equal_the_pipeline_on_the_seed(fitted):
    classifier, scorer, seed = fitted
    np.testing.assert_allclose(scorer.score_threads(seed), classifier.predict_proba(seed), rtol=0, atol=1e-9)


def test_scores_equal_the_pipeline_on_thousands_of_others(fitted):
    classifier, scorer, seed = fitted
    others = [c for c in synthetic_comments([c.text for c in seed], 3000) if c.text.strip()]
    assert len(others) > 2000
    np.testing.assert_allclose(scorer.score_threads(others), classifier.predict_proba(others), rtol=0, atol=1e-9)


def test_streaming_scores_the_last_comment_of_a_thread_as_the_batch_does(fitted):
    _, scorer, seed = fitted
    stream = scorer.stream()
    streamed = [stream.score(comment).scores for comment in seed]
    np.testing.assert_allclose(streamed[-1], scorer.score_threads(seed)[-1], rtol=0, atol=1e-12)
    # An earlier comment is compared with fewer comments than in the batch: its thread similarity differs.
    assert not np.allclose(streamed[0], scorer.score_threads(seed)[0])


def test_contributions_sum_to_the_decision(fitted):
    _, scorer, seed = fitted
    rows = scorer.thread_features(seed)
    decisions = scorer.decisions(rows)
    for row in (1, 36):
        for j, label in enumerate(LABELS):
            parts = scorer.contributions(rows, row, label)
            total = sum(p.weight for p in parts) + scorer.arrays.intercept[j]
            assert total == pytest.approx(decisions[row, j], abs=1e-9)


def test_explain_lists_the_words_that_raised_the_score_most(fitted):
    _, scorer, seed = fitted
    rows = scorer.thread_features(seed)  # row 36: "… come on people are you that god damn ignorant …"
    text = seed[36].text
    top = scorer.explain(rows, 36, "hostile", text, top=3)
    everything = scorer.explain(rows, 36, "hostile", text, top=None)
    assert [r.weight for r in top] == sorted((r.weight for r in everything if r.weight > 0), reverse=True)[:3]
    # Gathered by word, the terms still sum to the decision value.
    decision = scorer.decisions(rows)[36, LABELS.index("hostile")] - scorer.arrays.intercept[LABELS.index("hostile")]
    assert sum(r.weight for r in everything) == pytest.approx(decision, abs=1e-9)
    assert "damn" in [r.feature for r in top] and "context hostile_words" not in [r.feature for r in everything]


def test_scoring_after_earlier_comments_equals_streaming_them(fitted):
    _, scorer, seed = fitted
    stream = scorer.stream()
    for comment in seed[:10]:
        stream.score(comment)
    np.testing.assert_allclose(scorer.score_after(seed[10:11], seed[:10])[0], stream.score(seed[10]).scores, rtol=0, atol=1e-12)


def test_a_stream_keeps_a_bounded_number_of_recent_comments(fitted):
    _, scorer, seed = fitted
    stream = scorer.stream(remembered=5)
    for comment in seed[:12]:
        stream.score(comment)
    # At ten comments it started afresh with the last five (5..9), then took in 10 and 11.
    assert [c.id for c in stream.recent] == [c.id for c in seed[5:12]]
    np.testing.assert_allclose(stream.score(seed[12]).scores, scorer.score_after(seed[12:13], seed[5:12])[0], rtol=0, atol=1e-12)


def test_a_stream_keeps_no_text_and_bounds_its_memory_by_bytes(fitted):
    """Long comments of new words fill the byte budget long before the count: the stream keeps
    within twice the budget, keeps of a comment no text (only its vector and fields), and what
    it kept scores the next comment as the kept comments themselves would."""
    _, scorer, seed = fitted
    rng = random.Random(7)
    budget = 2 << 20
    stream = scorer.stream(remembered=1000, remembered_bytes=budget)
    comments = []
    for n in range(40):
        words = " ".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 8))) for _ in range(rng.choice([5, 3000])))
        comments.append(Comment(f"Nidal, {words}", id=str(n), thread_id=f"t{n % 3}", author=f"user {n % 5}", article=seed[0].article))
        stream.score(comments[-1])
        assert stream.bytes < 2 * budget
        kept = list(stream.recent)
        assert all(len(c.id) + len(c.author) + len(c.thread_id) < 20 for c in kept) and not any(hasattr(c, "text") for c in kept)
    assert 0 < len(kept) < 40  # the bytes bound, not the count, started it afresh
    by_id = {c.id: c for c in comments}
    following = Comment("Nidal, you people repeat the same words", id="next", thread_id="t1", author="user 2", article=seed[0].article)
    expected = scorer.score_after([following], [by_id[c.id] for c in kept])[0]
    np.testing.assert_allclose(stream.score(following).scores, expected, rtol=0, atol=1e-12)


def test_batch_scoring_starts_a_new_word_table_past_the_limit(fitted, monkeypatch):
    from moderation.model import scorer as scorer_module

    _, scorer, seed = fitted
    before = scorer.score_threads(seed[:5])
    table = scorer.facts.table
    monkeypatch.setattr(scorer_module, "WORD_TABLE_LIMIT", len(table) - 1)
    np.testing.assert_allclose(scorer.score_threads(seed[:5]), before, rtol=0, atol=1e-12)
    assert scorer.facts.table is not table
