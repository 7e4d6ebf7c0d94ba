"""label's batching (whole threads, large threads, worker processes, Dask) gives exactly the
scores of scoring all comments at once."""

import csv
import pickle
import random

import numpy as np
import pytest

from moderation.commands import label as labeling
from moderation.comments import LABELS, Comment
from moderation.errors import ModelError
from moderation.commands.label import label_file
from moderation.commands.label_workers import BatchScorer
from tests.conftest import SEED_CSV


@pytest.fixture(scope="module")
def model(shipped_model):
    return shipped_model


@pytest.fixture
def interleaved(tmp_path):
    """The seed comments five times, in five threads, shuffled so threads interleave, with
    a few empty rows."""
    with open(SEED_CSV, encoding="utf-8", newline="") as stream:
        seed = list(csv.DictReader(stream))
    rows = [{"id": f"{i}-{r['id']}", "thread_id": f"thread-{i}", "text": r["text"]} for i in range(5) for r in seed]
    rows += [{"id": f"empty-{i}", "thread_id": "thread-0", "text": " "} for i in range(3)]
    random.Random(4).shuffle(rows)
    source = tmp_path / "many.csv"
    with source.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["id", "thread_id", "text"])
        writer.writeheader()
        writer.writerows(rows)
    return source, rows


def scores_of(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return np.array([[float(r[f"{l}_score"]) if r[f"{l}_score"] else np.nan for l in LABELS] for r in csv.DictReader(stream)])


def expected(model, rows):
    return model.scorer.score_threads([Comment(text=r["text"], id=r["id"], thread_id=r["thread_id"]) for r in rows])


@pytest.mark.parametrize(
    "large_thread, chunk, workers",
    [
        pytest.param(10_000, 2000, 1, id="one batch"),
        pytest.param(10_000, 40, 1, id="many batches"),
        pytest.param(30, 40, 1, id="large threads"),
        pytest.param(30, 40, 2, id="large threads, 2 workers", marks=pytest.mark.slow),  # worker processes
        pytest.param(10_000, 40, 2, id="2 workers", marks=pytest.mark.slow),
    ],
)
def test_batched_label_scores_like_all_at_once(model, interleaved, tmp_path, monkeypatch, large_thread, chunk, workers):
    source, rows = interleaved
    monkeypatch.setattr(labeling, "LARGE_THREAD", large_thread)
    monkeypatch.setattr(labeling, "CHUNK", chunk)
    monkeypatch.setattr(labeling, "PARALLEL_MIN_COMMENTS", 0)
    label_file(source, tmp_path / "out.csv", model, model.thresholds, workers=workers, quiet=True)
    np.testing.assert_allclose(scores_of(tmp_path / "out.csv"), expected(model, rows), rtol=0, atol=1e-6)


@pytest.mark.slow  # starts a Dask cluster of processes
def test_dask_local_cluster_scores_like_all_at_once(model, interleaved, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed", reason="dask is not installed: pip install '.[dask]'")
    source, rows = interleaved
    monkeypatch.setattr(labeling, "CHUNK", 40)
    label_file(source, tmp_path / "out.csv", model, model.thresholds, workers=2, dask="local", quiet=True)
    np.testing.assert_allclose(scores_of(tmp_path / "out.csv"), expected(model, rows), rtol=0, atol=1e-6)


def test_workers_verify_the_model_they_receive(model):
    shipped = pickle.dumps(BatchScorer(model))
    assert isinstance(pickle.loads(shipped), BatchScorer)
    tampered = shipped.replace(b"word_idf.npy", b"word_idg.npy")
    with pytest.raises(ModelError, match="sha256"):
        pickle.loads(tampered)
