"""The benchmark protocol and its statistics, on made-up data: splits, modes, run records, AUC uncertainty."""

from __future__ import annotations

import argparse
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from bench.protocol import (
    add_mode_arguments,
    capped,
    fit_and_evaluation_rows,
    mode_suffix,
    run_record,
    without_nan,
    zero_shot_rows,
)
from bench.stats import auc_with_uncertainty, bootstrap_auc_difference, hanley_mcneil_se, needs_uncertainty, roc_auc
from bench.tests.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def dataset():
    return synthetic_dataset(rows=200, threads=20)


def test_dev_mode_never_reads_the_test_split(dataset):
    fit, dev = fit_and_evaluation_rows(dataset, "dev")
    train_ids = set(dataset.frame.loc[dataset.frame["split"] == "train", "id"])
    assert set(fit["id"]) | set(dev["id"]) == train_ids
    assert not set(fit["id"]) & set(dev["id"])
    # Split again by the dataset's own rule: whole threads, about a fifth of the rows.
    assert not set(fit["thread_id"]) & set(dev["thread_id"])
    assert 0.1 <= len(dev) / len(train_ids) <= 0.3


def test_final_mode_fits_on_train_and_scores_test(dataset):
    fit, test = fit_and_evaluation_rows(dataset, "final")
    frame = dataset.frame
    assert fit["id"].tolist() == frame.loc[frame["split"] == "train", "id"].tolist()
    assert test["id"].tolist() == frame.loc[frame["split"] == "test", "id"].tolist()


def test_dev_split_is_the_same_every_time(dataset):
    first, second = fit_and_evaluation_rows(dataset, "dev"), fit_and_evaluation_rows(dataset, "dev")
    assert first[1]["id"].tolist() == second[1]["id"].tolist()


def test_zero_shot_rows_are_the_train_split_in_dev_and_the_test_split_in_final(dataset):
    frame = dataset.frame
    assert set(zero_shot_rows(dataset, "dev")["id"]) == set(frame.loc[frame["split"] == "train", "id"])
    assert set(zero_shot_rows(dataset, "final")["id"]) == set(frame.loc[frame["split"] == "test", "id"])
    with pytest.raises(ValueError, match="unknown mode"):
        zero_shot_rows(dataset, "test")
    with pytest.raises(ValueError, match="unknown mode"):
        fit_and_evaluation_rows(dataset, "test")


def test_capped_keeps_order_and_is_seeded(dataset):
    frame = dataset.frame
    sample = capped(frame, 50)
    assert len(sample) == 50
    assert sample["id"].astype(int).is_monotonic_increasing
    assert sample["id"].tolist() == capped(frame, 50)["id"].tolist()
    assert capped(frame, None) is frame and capped(frame, 10_000) is frame


def test_mode_arguments_default_to_dev_and_exclude_each_other():
    parser = argparse.ArgumentParser()
    add_mode_arguments(parser)
    assert parser.parse_args([]).mode == "dev"
    assert parser.parse_args(["--final"]).mode == "final"
    with pytest.raises(SystemExit):
        parser.parse_args(["--dev", "--final"])
    assert mode_suffix("final") == "" and mode_suffix("dev") == ".dev"


def test_run_record_says_what_made_the_result():
    record = run_record("bench/accuracy.py", ["--final", "--datasets", "c3"], "final", False)
    assert record["command"] == "python bench/accuracy.py --final --datasets c3"
    assert record["final"] is True and record["mode"] == "final"
    assert record["date"].endswith("UTC")
    assert record["code"]["describe"]  # a commit, or why there is none


def test_without_nan_makes_json_nulls():
    assert without_nan({"a": math.nan, "b": [1.0, math.nan], "c": (math.nan,)}) == {"a": None, "b": [1.0, None], "c": [None]}


# --- statistics ---------------------------------------------------------------------------------


def test_roc_auc_matches_scikit_learn_with_ties():
    rng = np.random.RandomState(1)
    y = rng.rand(300) < 0.2
    scores = np.round(rng.rand(300) + 0.3 * y, 1)  # many ties
    assert roc_auc(y, scores) == pytest.approx(roc_auc_score(y, scores))
    assert math.isnan(roc_auc(np.zeros(5, bool), np.arange(5.0)))


def test_hanley_mcneil_standard_error():
    # BENCHMARKS.md's figure for C3 off_topic: AUC 0.85, 31 positives, 1,949 negatives.
    assert hanley_mcneil_se(0.85, 31, 1949) == pytest.approx(0.0436, abs=5e-4)
    # More positives, smaller error.
    assert hanley_mcneil_se(0.85, 310, 1949) < hanley_mcneil_se(0.85, 31, 1949)
    assert math.isnan(hanley_mcneil_se(math.nan, 3, 4))


def test_uncertainty_is_for_small_classes():
    assert needs_uncertainty(31, 1949) and needs_uncertainty(5000, 40)
    assert not needs_uncertainty(100, 100)
    result = auc_with_uncertainty(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4]))
    assert result["roc_auc"] == 1.0 and (result["positives"], result["negatives"]) == (2, 2)


def test_bootstrap_interval_of_a_difference():
    rng = np.random.RandomState(2)
    y = rng.rand(400) < 0.3
    good = y + rng.normal(0, 0.5, 400)
    poor = y + rng.normal(0, 3.0, 400)
    low, high = bootstrap_auc_difference(y, good, poor, resamples=200)
    assert 0 < low < high  # clearly better
    assert bootstrap_auc_difference(y, good, good, resamples=50) == (0.0, 0.0)


def test_bootstrap_over_groups_is_wider_when_groups_are_alike():
    # Ten threads whose comments share one label and one score: only ten independent facts.
    y = np.repeat(np.arange(10) % 2 == 0, 30)
    rng = np.random.RandomState(3)
    ours = np.repeat(rng.rand(10), 30) + 0.3 * y
    rival = np.repeat(rng.rand(10), 30)
    groups = np.repeat(np.arange(10), 30)
    by_row = bootstrap_auc_difference(y, ours, rival, resamples=200)
    by_thread = bootstrap_auc_difference(y, ours, rival, groups, resamples=200)
    assert by_thread[1] - by_thread[0] > by_row[1] - by_row[0]
