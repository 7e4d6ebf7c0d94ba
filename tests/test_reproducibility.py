"""The same labels give the same model: retraining reproduces the shipped one."""

import json

import numpy as np
import pytest

from moderation.scoring import score_comments
from moderation.store import load_model, sha256_file
from moderation.training import library_versions
from tests.conftest import DEFAULT_MODEL


def test_retrained_model_scores_the_seed_like_the_shipped_model(trained_model, seed_comments):
    shipped = score_comments(load_model(), seed_comments)
    retrained = score_comments(load_model(trained_model), seed_comments)
    np.testing.assert_allclose(retrained, shipped, rtol=0, atol=1e-6)


def test_retraining_with_the_same_libraries_is_byte_for_byte_identical(trained_model):
    recorded = json.loads((DEFAULT_MODEL / "metadata.json").read_text())["versions"]
    if {k: v for k, v in recorded.items() if k != "python"} != {k: v for k, v in library_versions().items() if k != "python"}:
        pytest.skip("other library versions than the shipped model's: only the scores are comparable")
    assert sha256_file(trained_model / "model.npz") == sha256_file(DEFAULT_MODEL / "model.npz")
