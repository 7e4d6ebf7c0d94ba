"""bench/active_learning.py's simulated annotator, on made-up data (no datasets needed)."""

import numpy as np

from bench.active_learning import CHECKPOINTS, simulate


class RecordingLearner:
    """Scores comment i by how close it is to being positive for hostile; records what it saw."""

    name = "toy"

    def __init__(self, pool_scores, test_scores):
        self.pool_scores, self.test_scores = pool_scores, test_scores
        self.fits: list[list[int]] = []

    def fit(self, rows, Y):
        self.fits.append(sorted(rows.tolist()))
        thresholds = np.array([np.nan, 0.5, np.nan])  # only hostile can be trained
        return self.pool_scores, self.test_scores, thresholds, np.array([np.nan, 1.0, np.nan])


def data(count=800):
    rng = np.random.default_rng(0)
    Y_pool = (rng.random((count, 3)) < 0.1).astype(float)
    Y_test = (rng.random((200, 3)) < 0.1).astype(float)
    Y_test[:2] = [[1, 1, 1], [0, 0, 0]]
    pool = np.column_stack([np.full(count, 0.1), np.linspace(0.01, 0.99, count), np.full(count, 0.1)])
    test = np.where(Y_test == 1, 0.9, 0.1)
    base = (np.full((count, 3), 0.2), np.full((200, 3), 0.2), np.array([0.5, 0.5, 0.5]))
    return pool, test, Y_pool, Y_test, base


def test_active_order_asks_the_least_certain_and_retrains_every_batch():
    pool, test, Y_pool, Y_test, base = data()
    learner = RecordingLearner(pool, test)
    results = simulate(learner, Y_pool, Y_test, base, "active", 0.0, seed=0, batch=50)
    assert sorted(results) == list(CHECKPOINTS)
    assert [len(rows) for rows in learner.fits] == [50, 100, 150, 200, 250, 300, 350, 400, 450, 500]
    # After the first retraining, the pool's hostile scores nearest 0.5 are asked first.
    second_batch = sorted(set(learner.fits[1]) - set(learner.fits[0]))
    assert all(abs(pool[i, 1] - 0.5) < 0.05 for i in second_batch)
    assert results[500]["learned"][1] == 1.0  # the toy model separates the test labels
    assert results[500]["learned"][0] == 0.5  # untrained: ranks nothing
    assert results[500]["retrained_used"] == [0, 1, 0]


def test_random_order_trains_only_at_the_checkpoints_on_a_seeded_sample():
    pool, test, Y_pool, Y_test, base = data()
    learner = RecordingLearner(pool, test)
    simulate(learner, Y_pool, Y_test, base, "random", 1.0, seed=3, batch=20)
    assert [len(rows) for rows in learner.fits] == list(CHECKPOINTS)
    again = RecordingLearner(pool, test)
    simulate(again, Y_pool, Y_test, base, "random", 1.0, seed=3, batch=20)
    assert again.fits == learner.fits
