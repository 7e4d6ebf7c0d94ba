"""Tests for bench/speed.py and bench/speed_systems.py. Nothing here is timed: timing is the
benchmark's job; these check that what it measures is what it claims to measure."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest

from bench.datasets import data_dir
from bench.speed import parse_args, render_markdown
from bench.speed_systems import (
    ROOT,
    build_corpus,
    corpus_source,
    max_score_difference,
    python_command,
    run_child,
    training_rows,
    whole_threads,
    write_expected_scores,
    write_labeled_csv,
)
from bench.tests.public_data import needs_data

SOURCE = pd.DataFrame(
    {
        "text": ["a", "b", "c", "d", "e"],
        "id": ["1", "2", "3", "4", "5"],
        "thread_id": ["t1", "t1", "t2", "t2", "t2"],
        "article": "",
    }
)


def test_corpus_has_exactly_n_rows_with_unique_ids():
    corpus = build_corpus(SOURCE, 12)
    assert len(corpus) == 12
    assert corpus["id"].is_unique
    assert corpus["text"].tolist() == (SOURCE["text"].tolist() * 3)[:12]


def test_corpus_keeps_thread_ids_and_grouping_per_copy():
    corpus = build_corpus(SOURCE, 12)
    original, _, copy = zip(*(t.rpartition("~") for t in corpus["thread_id"]))
    assert list(original) == (SOURCE["thread_id"].tolist() * 3)[:12]
    # Each copy's threads hold the same comments as the source's; copies do not merge.
    for thread_id, rows in corpus.groupby("thread_id"):
        assert len(set(rows["text"])) == len(rows)
    assert corpus["thread_id"].nunique() == 2 + 2 + 1  # the third copy is cut inside t1


def test_whole_threads_never_cuts_a_thread():
    corpus = build_corpus(SOURCE, 15)
    sample = whole_threads(corpus, 6)
    assert len(sample) == 5  # t1~0 and t2~0; t1~1 would make 7
    sizes = corpus["thread_id"].value_counts()
    assert all(len(rows) == sizes[t] for t, rows in sample.groupby("thread_id"))
    assert len(whole_threads(corpus, 1)) == 2  # at least the first thread


def test_corpus_falls_back_to_the_seed_thread():
    source = corpus_source(None)
    assert len(source.frame) == 47
    assert source.frame["thread_id"].eq("havana-times-cuba-north-korea").all()
    assert source.frame["text"].str.strip().ne("").all()


@needs_data
def test_corpus_source_is_c3():
    source = corpus_source(data_dir())
    assert len(source.frame) == 9_900 and source.frame["id"].is_unique
    assert "C3" in source.description


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_max_score_difference(tmp_path):
    expected = write(tmp_path / "e.csv", "id,off_topic_score,hostile_score,ad_hominem_score\na,0.1,0.2,0.3\nb,0.5,0.5,0.5\n")
    # Extra columns and a different row order, as label writes them.
    actual = write(
        tmp_path / "a.csv",
        "id,text,off_topic_score,hostile_score,ad_hominem_score,note\nb,x,0.5,0.25,0.5,\na,y,0.1000004,0.2,0.3,\n",
    )
    assert max_score_difference(expected, actual) == pytest.approx(0.25)
    assert max_score_difference(expected, expected) == 0.0


def test_max_score_difference_mismatches(tmp_path):
    expected = write(tmp_path / "e.csv", "id,off_topic_score,hostile_score,ad_hominem_score\na,0.1,,0.3\n")
    same_empty = write(tmp_path / "s.csv", "id,off_topic_score,hostile_score,ad_hominem_score\na,0.1,,0.3\n")
    filled = write(tmp_path / "f.csv", "id,off_topic_score,hostile_score,ad_hominem_score\na,0.1,0.2,0.3\n")
    other_ids = write(tmp_path / "o.csv", "id,off_topic_score,hostile_score,ad_hominem_score\nb,0.1,,0.3\n")
    assert max_score_difference(expected, same_empty) == 0.0
    assert max_score_difference(expected, filled) == math.inf
    with pytest.raises(ValueError, match="different ids"):
        max_score_difference(expected, other_ids)


def test_expected_scores_round_trip_exactly(tmp_path):
    scores = [[1 / 3, math.nan, 2 / 7]]
    path = tmp_path / "expected.csv"
    write_expected_scores(["x"], scores, path)
    assert max_score_difference(path, write(tmp_path / "a.csv", f"id,off_topic_score,hostile_score,ad_hominem_score\nx,{1 / 3!r},,{2 / 7!r}\n")) == 0.0


@needs_data
def test_training_rows_are_capped_and_readable_by_moderation(tmp_path):
    from moderation.io.labeled import load_training_data

    rows, datasets = training_rows(data_dir(), cap=300, seed=1)
    assert len(rows) == 300 and rows["id"].is_unique
    assert datasets == ["olid", "davidson", "c3"]
    assert rows.equals(training_rows(data_dir(), cap=300, seed=1)[0])  # the seed fixes the draw
    path = tmp_path / "train.csv"
    write_labeled_csv(rows, path)
    comments = load_training_data([path]).comments
    assert len(comments) == 300
    davidson = next(c for c in comments if c.id.startswith("davidson:"))
    assert davidson.labels["off_topic"] is None and davidson.labels["hostile"] in (0, 1)


def test_training_rows_absent_data():
    assert training_rows(None, cap=10, seed=1) is None


def test_run_child_reports_failures():
    with pytest.raises(RuntimeError, match="boom"):
        run_child(python_command("import sys; sys.exit('boom')"))


HOLD_MEMORY_IN_TWO_PROCESSES = """
import multiprocessing, time

def hold(megabytes):
    block = bytearray(megabytes * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
    time.sleep(1)

if __name__ == "__main__":
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(hold, [50, 50])
"""


def test_peak_rss_counts_every_process_and_not_the_parent(tmp_path):
    script = write(tmp_path / "hold.py", HOLD_MEMORY_IN_TWO_PROCESSES)
    ballast = bytearray(300 * 2**20)  # a big benchmark process must not show in its children
    ballast[::4096] = b"x" * len(ballast[::4096])
    peak = run_child([sys.executable, str(script)]).peak_rss_mb
    assert 100 < peak < 250


def test_arguments():
    quick = parse_args(["--quick", "--only", "cold,train"])
    assert (quick.n, quick.cold_runs, quick.train_rows, quick.only) == (5_000, 3, 3_000, ["cold", "train"])
    assert parse_args([]).n == 200_000
    with pytest.raises(SystemExit):
        parse_args(["--only", "speed"])
    with pytest.raises(SystemExit):
        parse_args(["--only", "cold", "--big-gb", "1"])


def test_markdown_flags_failures():
    report = {
        "command": "python bench/speed.py --only equality",
        "date": "2026-01-01 00:00 UTC",
        "quick": False,
        "total_seconds": 1.0,
        "machine": {
            "cpus": 2, "memory_gb": 1.0, "load_average_at_start": [0, 0, 0], "niceness": 0, "platform": "p",
            "python": "3", "versions": {"numpy": "2"}, "git": "abc",
        },
        "results": {
            "equality": {"comments": 10, "threads": 2, "max_abs_difference": 0.01, "tolerance": 1e-6, "passed": False},
            "train": {"error": "RuntimeError: boom"},
        },
    }
    markdown = render_markdown(report)
    assert markdown.startswith("# Speed and scale benchmark\n\nGenerated by `bench/speed.py`")
    assert "**not met**" in markdown and "**FAIL**" in markdown
    assert "## train: failed" in markdown and "boom" in markdown


def test_quick_equality_run_passes(tmp_path):
    """The real thing, small: trains on the seed labels, labels 5,000 comments, compares."""
    done = subprocess.run(
        [sys.executable, "bench/speed.py", "--quick", "--only", "equality", "--results", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "speed.json").read_text())["results"]["equality"]
    assert result["passed"] and result["comments"] > 0
    assert (tmp_path / "speed.md").read_text().startswith("# Speed and scale benchmark")
    assert done.stdout.startswith("# Speed and scale benchmark")
