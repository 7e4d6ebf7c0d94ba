"""Per-label quality metrics, shared by ``train`` (cross-validation), ``evaluate`` and the benchmarks."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, f1_score, precision_score, recall_score, roc_auc_score

from moderation.model.verdicts import flags_of

CALIBRATION_BINS = 10


def expected_calibration_error(y: np.ndarray, scores: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Mean |observed rate − mean score| over equal-width score bins, weighted by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            error += in_bin.mean() * abs(y[in_bin].mean() - scores[in_bin].mean())
    return float(error)


def label_metrics(y, scores, threshold: float) -> dict[str, float | int]:
    """Ranking, thresholded and calibration metrics of one label; NaN where undefined."""
    y = np.asarray(y, dtype=int)
    scores = np.asarray(scores, dtype=float)
    flags = flags_of(scores, threshold)
    both_classes = 0 < y.sum() < len(y)
    return {
        "support": int(len(y)),
        "positives": int(y.sum()),
        "roc_auc": float(roc_auc_score(y, scores)) if both_classes else math.nan,
        "average_precision": float(average_precision_score(y, scores)) if both_classes else math.nan,
        "precision": float(precision_score(y, flags, zero_division=0)),
        "recall": float(recall_score(y, flags, zero_division=0)),
        "f1": float(f1_score(y, flags, zero_division=0)),
        "macro_f1": float(f1_score(y, flags, average="macro", zero_division=0)),
        "brier": float(brier_score_loss(y, scores)) if len(y) else math.nan,
        "ece": expected_calibration_error(y, scores) if len(y) else math.nan,
        "threshold": float(threshold),
    }
