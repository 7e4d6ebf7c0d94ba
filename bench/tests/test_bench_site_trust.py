"""bench/site_trust.py's own parts: what it counts, and that its spam is spam no model learned from."""

import importlib.util
import sys

import numpy as np
import pandas as pd

from bench.protocol import ROOT
from bench.site_trust import EVALUATION_VIDEO, identity_rates, place, quality


def test_the_evaluation_video_is_the_one_the_build_leaves_out():
    spec = importlib.util.spec_from_file_location("build", ROOT / "models" / "build.py")
    build = importlib.util.module_from_spec(spec)
    sys.modules["build"] = build
    spec.loader.exec_module(build)
    assert build.EVALUATION_VIDEO == EVALUATION_VIDEO
    assert not any(EVALUATION_VIDEO in path for files in build.FILES.values() for path in files)


def test_quality_counts_precision_and_recall_at_the_flags():
    truth = np.array([1, 1, 0, 0, 0, 1.0])
    scores = np.array([0.9, 0.2, 0.8, 0.1, np.nan, 0.7])
    flags = scores >= 0.5
    q = quality(truth, scores, flags)
    assert (q["rows"], q["positives"], q["flagged"]) == (5, 3, 3)  # the unscored row is left out
    assert q["precision"] == 2 / 3 and q["recall"] == 2 / 3 and q["flags_per_true_positive"] == 1.5


def test_placed_comments_go_into_existing_threads_after_their_comments():
    threads = pd.DataFrame({"id": ["a", "b"], "thread_id": ["t1", "t2"], "text": ["x", "y"], "article": ["A1", "A2"]})
    placed = place(pd.DataFrame({"text": ["spam"] * 4}), threads, np.random.RandomState(0), parent=True)
    assert set(placed["thread_id"]) <= {"t1", "t2"}
    assert all(dict(zip(threads["thread_id"], threads["id"]))[t] == p for t, p in zip(placed["thread_id"], placed["parent_id"]))
    assert all(dict(zip(threads["thread_id"], threads["article"]))[t] == a for t, a in zip(placed["thread_id"], placed["article"]))


def test_identity_rates_and_their_ratio():
    r = identity_rates(np.array([True, True, False, False, False, False]), np.array([True, False, True, False, False, False]))
    assert (r["flagged_with_group"], r["flagged_without_group"], r["ratio"]) == (0.5, 0.25, 2.0)
