"""The order of `moderation annotate`: least certain first, a share of random picks."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from moderation.annotate.ordering import (
    annotation_order,
    combine_models,
    label_margins,
    prefer_learned,
    roc_auc,
    uncertainty_margin,
)

NAN = np.nan


def test_margin_is_the_log_odds_distance_to_each_labels_threshold():
    scores = np.array([[0.5, 0.2, NAN], [0.9, 0.2, 0.3]])
    thresholds = np.array([0.5, 0.2, NAN])
    margins = label_margins(scores, thresholds)
    assert margins[0, 0] == pytest.approx(0.0)
    assert margins[1, 0] == pytest.approx(np.log(9))  # log-odds 0.9 vs 0.5
    assert margins[0, 1] == pytest.approx(0.0)
    assert np.isnan(margins[:, 2]).all()  # no threshold, no margin


def test_a_comment_is_as_uncertain_as_its_most_uncertain_chosen_label():
    scores = np.array([[0.5, 0.99], [0.9, 0.9], [NAN, NAN]])
    thresholds = np.array([0.5, 0.9])
    assert uncertainty_margin(scores, thresholds, [0, 1]).tolist()[:2] == pytest.approx([0.0, 0.0])
    only_first = uncertainty_margin(scores, thresholds, [0])
    assert only_first[0] == pytest.approx(0.0) and only_first[1] == pytest.approx(np.log(9))
    assert np.isnan(uncertainty_margin(scores, thresholds, [0, 1])[2])  # unscored


def test_without_random_picks_the_smallest_margins_come_first_and_unscored_last():
    margin = np.array([3.0, 0.1, NAN, 1.0, 0.0])
    order, random = annotation_order(margin, 0.0, np.random.default_rng(0))
    assert order.tolist() == [4, 1, 3, 0, 2]
    assert not random.any()


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5, 1.0])
def test_every_comment_appears_exactly_once(share):
    margin = np.random.default_rng(1).random(500)
    order, _ = annotation_order(margin, share, np.random.default_rng(2))
    assert sorted(order.tolist()) == list(range(500))


def test_random_share_sets_how_many_picks_ignore_the_model():
    margin = np.arange(2000, dtype=float)
    order, random = annotation_order(margin, 0.25, np.random.default_rng(3))
    assert 0.2 < random.mean() < 0.3
    # The model's picks stay in margin order; the random ones reach far down the list.
    assert np.all(np.diff(order[~random]) > 0)
    assert np.median(order[random][:100]) > 200


def test_the_same_seed_gives_the_same_order():
    margin = np.random.default_rng(4).random(100)
    first, _ = annotation_order(margin, 0.3, np.random.default_rng(7))
    again, _ = annotation_order(margin, 0.3, np.random.default_rng(7))
    assert first.tolist() == again.tolist()


def test_roc_auc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(5)
    for _ in range(100):
        y = rng.integers(0, 2, 30).astype(float)
        scores = rng.integers(0, 4, 30) / 3
        if 0 < y.sum() < 30:
            assert roc_auc(y, scores) == pytest.approx(roc_auc_score(y, scores))
    assert np.isnan(roc_auc(np.ones(5), np.arange(5.0)))  # one class: undefined


def test_the_retrained_model_replaces_the_starting_one_only_where_it_ranks_the_answers_better():
    learned_cv = np.array([0.80, 0.60, NAN])
    base_on_answers = np.array([0.70, 0.75, 0.50])
    assert prefer_learned(learned_cv, base_on_answers).tolist() == [True, False, False]
    assert prefer_learned(np.array([0.6]), np.array([NAN])).tolist() == [True]  # base cannot be judged


def test_combining_models_takes_each_label_from_the_model_that_is_used():
    base = np.array([[0.1, 0.2, 0.3]])
    learned = np.array([[0.7, 0.8, NAN]])
    scores, thresholds, used = combine_models(base, np.array([0.5, 0.5, 0.5]), learned, np.array([0.4, 0.6, NAN]), np.array([True, False, True]))
    assert scores.tolist() == [[0.7, 0.2, 0.3]]  # hostile not preferred, ad_hominem not trained
    assert thresholds.tolist() == [0.4, 0.5, 0.5]
    assert used.tolist() == [True, False, False]
