"""Metrics, thresholds and calibration on cases small enough to check by hand."""

import numpy as np
import pytest

from moderation.model.metrics import expected_calibration_error, label_metrics
from moderation.model.pipeline import choose_threshold, platt_scaling, sigmoid


def test_label_metrics_on_a_hand_computed_case():
    y = [0, 0, 1, 1]
    scores = [0.1, 0.4, 0.35, 0.8]
    m = label_metrics(y, scores, threshold=0.5)
    # Ranked: 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-): 3 of 4 positive/negative pairs in order.
    assert m["roc_auc"] == pytest.approx(0.75)
    # Precision at each positive: 1/1 and 2/3.
    assert m["average_precision"] == pytest.approx((1 + 2 / 3) / 2)
    # Flags at 0.5: only 0.8. Positive class: P 1, R 1/2. Negative class: P 2/3, R 1.
    assert (m["precision"], m["recall"]) == (1.0, 0.5)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert m["brier"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    # One comment per occupied bin: |0-0.1|, |0-0.4|, |1-0.35|, |1-0.8|, each weighted 1/4.
    assert m["ece"] == pytest.approx((0.1 + 0.4 + 0.65 + 0.2) / 4)
    assert (m["support"], m["positives"]) == (4, 2)


def test_ranking_metrics_are_undefined_with_one_class():
    m = label_metrics([0, 0, 0], [0.1, 0.2, 0.3], threshold=0.5)
    assert np.isnan(m["roc_auc"]) and np.isnan(m["average_precision"])


def test_perfectly_calibrated_bins_have_no_calibration_error():
    y = np.array([0, 0, 0, 1, 1, 0, 1, 1])
    scores = np.array([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75])  # 1 in 4 and 3 in 4
    assert expected_calibration_error(y, scores) == pytest.approx(0.0)


def test_calibration_error_weights_bins_by_their_size():
    # Three comments in the 0.1 bin (gap 0.1) and one in the 0.8 bin (gap 0.2):
    # 3/4 * 0.1 + 1/4 * 0.2 = 0.125, where an unweighted mean of the bins would give 0.15.
    assert expected_calibration_error(np.array([0, 0, 0, 1]), np.array([0.1, 0.1, 0.1, 0.8])) == pytest.approx(0.125)


SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
TRUTH = np.array([1, 1, 0, 1, 0, 0])


def test_f1_threshold_is_halfway_to_the_next_score():
    # F1 when flagging the top 1..6: 0.5, 0.8, 0.667, 0.857, 0.75, 0.667 → flag the top 4.
    assert choose_threshold(SCORES, TRUTH) == pytest.approx(0.55)


def test_precision_target_picks_the_lowest_threshold_reaching_it():
    # Precision flagging the top 1..6: 1, 1, 0.667, 0.75, 0.6, 0.5.
    assert choose_threshold(SCORES, TRUTH, precision_target=0.9) == pytest.approx(0.75)
    assert choose_threshold(SCORES, TRUTH, precision_target=0.7) == pytest.approx(0.55)
    assert choose_threshold(SCORES, TRUTH, precision_target=0.5) == pytest.approx(0.2)  # flag all: halfway to 0


def test_unreachable_precision_target_flags_nothing():
    assert choose_threshold(np.array([0.9, 0.8]), np.array([0, 1]), precision_target=0.9) == 1.0


def test_tied_scores_are_flagged_together():
    # The two 0.7s cannot be split: flagging one of them is not an option.
    threshold = choose_threshold(np.array([0.9, 0.7, 0.7, 0.1]), np.array([1, 1, 0, 0]))
    # Flag the 0.9 alone: F1 2/3 (threshold 0.8); with both 0.7s: P 2/3, R 1, F1 0.8 (threshold 0.4).
    assert threshold == pytest.approx(0.4)


def test_platt_scaling_repairs_overconfident_scores():
    rng = np.random.default_rng(7)
    decision = rng.normal(0, 4, 4000)
    y = (rng.random(4000) < sigmoid(decision / 4)).astype(float)  # the truth is 4× less sure
    raw = sigmoid(decision)
    a, b = platt_scaling(decision, y)
    calibrated = sigmoid(a * decision + b)
    assert a == pytest.approx(0.25, abs=0.05)
    assert np.mean((calibrated - y) ** 2) < np.mean((raw - y) ** 2)
    assert expected_calibration_error(y, calibrated) < expected_calibration_error(y, raw) / 2
