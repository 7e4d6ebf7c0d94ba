"""How many examples a label needs to be trained: the rule ``train``, ``annotate`` and the
benchmarks share."""

from __future__ import annotations

import numpy as np

MIN_CLASS_TO_FIT = 5
"""Examples of each class a label's regression is fitted on at least; with fewer, the label is
skipped (in every cross-validation fold too)."""

MIN_CLASS_TO_TRAIN = MIN_CLASS_TO_FIT + 1
"""Examples of each class a label needs to be trained: cross-validation holds some out, and
with exactly :data:`MIN_CLASS_TO_FIT` a fold that holds one out leaves too few."""


def can_train(positives, negatives):
    """Whether a label with these counts of examples of each class can be trained (elementwise
    for arrays of counts)."""
    return np.minimum(positives, negatives) >= MIN_CLASS_TO_TRAIN
