"""The benchmark systems' interface on a tiny made-up frame, and the benchmark's skip path.

No dataset is needed. fastText and alt-profanity-check are benchmark-only extras: their tests
are skipped when the package is not installed.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bench.datasets import COLUMNS
from bench.protocol import ROOT
from bench.tests.synthetic import FRIENDLY, HOSTILE
from bench.systems import DEFAULT_SYSTEMS, SYSTEMS, FastText, HostileWordList, LengthOnly, Ours, OursNoPrior, PlainBaseline, ProfanityCheck


def synthetic_frame(rows: int = 60) -> pd.DataFrame:
    """Alternating hostile and friendly comments in three threads; the last third is the test split."""
    texts = [(HOSTILE if i % 2 == 0 else FRIENDLY)[i // 2 % 5] + f" (comment {i})" for i in range(rows)]
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(rows)],
            "thread_id": [f"thread-{i % 3}" for i in range(rows)],
            "parent_id": "",
            "author": [f"user{i % 7}" for i in range(rows)],
            "article": "The city council approved the new harbour budget.",
            "text": texts,
            "off_topic": np.nan,
            "hostile": [float(i % 2 == 0) for i in range(rows)],
            "ad_hominem": [float(i % 2 == 0) for i in range(rows)],
            "split": ["train" if i < 2 * rows // 3 else "test" for i in range(rows)],
        }
    )
    return frame[COLUMNS]


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = synthetic_frame()
    return (
        frame[frame["split"] == "train"].reset_index(drop=True),
        frame[frame["split"] == "test"].reset_index(drop=True),
    )


def fitted_scores(system, frames, labels=("hostile",)) -> dict[str, np.ndarray]:
    train, test = frames
    system.fit(train, list(labels))
    return system.score(test)


def assert_one_score_per_row_that_separates(scores: np.ndarray, test: pd.DataFrame) -> None:
    assert scores.shape == (len(test),)
    assert np.all((scores >= 0) & (scores <= 1))
    # In row order: each hostile row scores above each friendly row.
    hostile = test["hostile"].to_numpy() == 1
    assert scores[hostile].min() > scores[~hostile].max()


@pytest.mark.parametrize("system_class", [Ours, PlainBaseline])
def test_trained_systems_score_every_test_row_in_order(system_class, frames):
    system = system_class()
    scores = fitted_scores(system, frames, labels=("hostile", "ad_hominem"))
    assert set(scores) == set(system.thresholds) == {"hostile", "ad_hominem"}
    for label in scores:
        assert_one_score_per_row_that_separates(scores[label], frames[1])
        assert 0 < system.thresholds[label] < 1


def test_ours_reports_a_label_without_examples_as_not_trained(frames):
    # off_topic is NaN on every row of the frame.
    system = Ours()
    scores = fitted_scores(system, frames, labels=("off_topic", "hostile"))
    assert set(scores) == set(system.thresholds) == {"hostile"}


def test_fasttext_scores_every_test_row_in_order(frames):
    pytest.importorskip("fasttext", reason="fasttext is not installed: pip install '.[bench]'")
    scores = fitted_scores(FastText(), frames)
    assert_one_score_per_row_that_separates(scores["hostile"], frames[1])


def test_profanity_check_is_zero_shot_and_hostile_only(frames):
    pytest.importorskip("profanity_check", reason="alt-profanity-check is not installed: pip install '.[bench]'")
    assert ProfanityCheck.labels == ("hostile",)
    scores = fitted_scores(ProfanityCheck(), frames)
    assert_one_score_per_row_that_separates(scores["hostile"], frames[1])


def test_length_only_ranks_by_length(frames):
    train, test = frames
    # Make the label a matter of length alone: the long comments are the positives.
    lengths = train["text"].str.len()
    train = train.assign(hostile=(lengths > lengths.median()).astype(float))
    system = LengthOnly()
    system.fit(train, ["hostile"])
    scores = system.score(test)["hostile"]
    assert np.all((scores >= 0) & (scores <= 1))
    by_length = np.argsort(test["text"].str.len().to_numpy(), kind="stable")
    assert np.all(np.diff(scores[by_length]) >= 0)
    assert scores[by_length[-1]] > scores[by_length[0]]
    assert 0 < system.thresholds["hostile"] < 1


def test_word_list_counts_hostile_words_zero_shot(frames):
    system = HostileWordList()
    scores = fitted_scores(system, frames)["hostile"]
    assert_one_score_per_row_that_separates(scores, frames[1])
    assert system.thresholds == {"hostile": 0.5}  # one hit flags
    one_hit, two_hits = system.score(pd.DataFrame({"text": ["you idiot", "you stupid idiot"]}))["hostile"]
    assert (one_hit, two_hits) == (0.5, 2 / 3)


def test_every_system_is_registered_by_its_name():
    assert SYSTEMS == {
        "ours": Ours,
        "ours-no-prior": OursNoPrior,
        "plain": PlainBaseline,
        "profanity-check": ProfanityCheck,
        "word-list": HostileWordList,
        "fasttext": FastText,
        "length-only": LengthOnly,
    }
    # ours-no-prior needs `moderation train --no-prior` (main): run only when asked for.
    assert set(DEFAULT_SYSTEMS) == set(SYSTEMS) - {"ours-no-prior"}


def test_benchmark_without_data_exits_0_and_says_it_skipped(tmp_path):
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "bench/accuracy.py", "--data", str(tmp_path), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "accuracy benchmark skipped" in done.stdout
    assert not out.exists()
