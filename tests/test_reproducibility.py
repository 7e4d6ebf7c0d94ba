"""The same labels give the same model: retraining reproduces the shipped one."""

import json

import numpy as np
import pytest

from moderation.commands.score import score_comments
from moderation.model.store import load_model, sha256_file
from moderation.commands.train import library_versions
from tests.conftest import DEFAULT_MODEL


def test_retrained_model_scores_the_seed_like_the_shipped_model(trained_model, seed_comments):
    shipped = score_comments(load_model(), seed_comments)
    retrained = score_comments(load_model(trained_model), seed_comments)
    np.testing.assert_allclose(retrained, shipped, rtol=0, atol=1e-6)

