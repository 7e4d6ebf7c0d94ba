"""The same labels give the same model: retraining reproduces the shipped one's scores."""

import numpy as np

from moderation.model.store import load_model


def test_retrained_model_scores_the_seed_like_the_shipped_model(trained_model, shipped_model, seed_comments):
    # Arrays differ across machines in the last bits (BLAS, summation order), so compare
    # what they do, with a tolerance, never their bytes.
    shipped = shipped_model.scorer.score_threads(seed_comments)
    retrained = load_model(trained_model).scorer.score_threads(seed_comments)
    np.testing.assert_allclose(retrained, shipped, rtol=0, atol=1e-6)
