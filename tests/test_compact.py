"""The NumPy scoring form gives the scikit-learn pipeline's probabilities (to 1e-9)."""

import random

import numpy as np
import pytest

from moderation.comments import LABELS, Comment
from moderation.model.scorer import CompactModel, export_arrays
from moderation.features.context import context_features
from moderation.model.store import LoadedModel
from moderation.commands.score import score_comments
from moderation.commands.train import label_matrix, load_training_data
from tests.conftest import LABELS_DIR


@pytest.fixture(scope="module")
def fitted():
    from moderation.model.pipeline import ModerationClassifier

    data = load_training_data([LABELS_DIR])
    classifier = ModerationClassifier().fit(data.comments, label_matrix(data.comments))
    loaded = LoadedModel(path=None, metadata={}, scorer=CompactModel(export_arrays(classifier)), payload=b"")
    return classifier, loaded, data.comments


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


def test_compact_scores_equal_the_pipeline_on_the_seed(fitted):
    classifier, loaded, seed = fitted
    np.testing.assert_allclose(score_comments(loaded, seed), classifier.predict_proba(seed), rtol=0, atol=1e-9)


def test_compact_scores_equal_the_pipeline_on_thousands_of_others(fitted):
    classifier, loaded, seed = fitted
    others = [c for c in synthetic_comments([c.text for c in seed], 3000) if c.text.strip()]
    assert len(others) > 2000
    np.testing.assert_allclose(score_comments(loaded, others), classifier.predict_proba(others), rtol=0, atol=1e-9)


def test_contributions_sum_to_the_decision(fitted):
    _, loaded, seed = fitted
    scorer = loaded.scorer
    context = context_features(seed)
    for row in (1, 36):
        decision = scorer.decisions(scorer.table.encode([seed[row].text]), context[row : row + 1])[0]
        for j, label in enumerate(LABELS):
            parts = scorer.contributions(seed[row].text, context[row], label)
            total = sum(p.weight for p in parts) + scorer.arrays["intercept"][j]
            assert total == pytest.approx(decision[j], abs=1e-9)


def test_explain_lists_the_largest_positive_contributions(fitted):
    _, loaded, seed = fitted
    context = context_features(seed)[36]  # "… come on people are you that god damn ignorant …"
    top = loaded.scorer.explain(seed[36].text, context, "hostile", top=3)
    everything = loaded.scorer.contributions(seed[36].text, context, "hostile")
    assert [c.weight for c in top] == sorted((c.weight for c in everything if c.weight > 0), reverse=True)[:3]
    assert "context hostile_words" in [c.feature for c in top]
