"""``moderation evaluate``: how well a model's flags match labeled comments."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from moderation.comments import LABELS
from moderation.metrics import label_metrics
from moderation.scoring import score_comments
from moderation.store import LoadedModel
from moderation.training import label_matrix, load_training_data


def evaluate(
    data_paths: list[Path], model: LoadedModel, thresholds: dict[str, float], encoding: str = "utf-8", errors: str = "strict"
) -> dict[str, dict]:
    """Metrics per label on the rows annotated for it; labels the data does not annotate, or
    the model was not trained on, are left out rather than counted as negatives."""
    comments = load_training_data(data_paths, encoding, errors).comments
    Y = label_matrix(comments)
    scores = score_comments(model, comments)
    results = {}
    for j, label in enumerate(LABELS):
        rows = ~np.isnan(Y[:, j]) & ~np.isnan(scores[:, j])
        if rows.any() and label in thresholds:
            results[label] = label_metrics(Y[rows, j], scores[rows, j], thresholds[label])
    return results
