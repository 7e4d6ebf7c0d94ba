"""The scale ``moderation serve`` reports Perspective scores on.

A Perspective client compares a score with a threshold of its own, set for Perspective's
scores: Coral Talk withholds a comment whose TOXICITY is above 0.8, its default. Our scores are
each label's calibrated probability, flagged at the label's own threshold (about 0.3 for
hostile), so a client that changes only the address would withhold nothing. The ``coral`` scale
(the default) moves each label's threshold ``t`` to 0.8, linearly on either side::

    p <  t:  0.8 · p / t                      (0 … t  →  0 … 0.8)
    p >= t:  0.8 + 0.2 · (p − t) / (1 − t)    (t … 1  →  0.8 … 1)

It is monotone, keeps 0 and 1, and is exact where it matters: a comment the model flags
(``p >= t``) scores above 0.8 (at least 0.800001, the response's precision of six decimals),
one it does not flag scores at most 0.799999. Linear pieces are chosen over a logistic shift
of the log-odds because they keep a comment far below the threshold near 0 (the shift puts
p = 0.1 at 0.49 for t = 0.32, a number that looks borderline on a Perspective dashboard) and
because a person can read them back: 0.9 is halfway from the threshold to certainty.

The ``probability`` scale reports the probabilities as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from moderation.server.scoring import flags_of

FLAG_POINT = 0.8
"""Where the coral scale puts each label's threshold: Coral Talk's default."""
STEP = 1e-6
"""The precision of a served score (six decimals): the gap the coral scale keeps around 0.8."""
SCALES = ("coral", "probability")
DEFAULT_SCALE = "coral"
EDGE = 1e-6
"""A threshold is kept this far inside (0, 1) so that neither linear piece divides by zero."""


def coral_scale(probabilities, threshold: float) -> np.ndarray:
    """``probabilities`` on the coral scale for a label whose threshold is ``threshold``,
    rounded to six decimals (see the module docstring)."""
    p = np.asarray(probabilities, dtype=float)
    t = min(max(float(threshold), EDGE), 1 - EDGE)
    below = np.minimum(np.round(FLAG_POINT * p / t, 6), round(FLAG_POINT - STEP, 6))
    above = np.maximum(np.round(FLAG_POINT + (1 - FLAG_POINT) * (p - t) / (1 - t), 6), round(FLAG_POINT + STEP, 6))
    return np.where(flags_of(p, threshold), above, below)  # the model's flags, and only they, serve above 0.8


def served_scores(scores: np.ndarray, labels: Sequence[str], thresholds: Mapping[str, float], scale: str) -> dict[str, np.ndarray]:
    """Each trained label's column of ``scores`` (rows of probabilities, columns by
    ``labels``) on ``scale``."""
    scores = np.asarray(scores, dtype=float).reshape(-1, len(labels))
    columns = {label: scores[:, labels.index(label)] for label in thresholds}
    if scale == "probability":
        return columns
    return {label: coral_scale(column, thresholds[label]) for label, column in columns.items()}


def served_threshold(threshold: float, scale: str) -> float:
    """Where a label whose threshold is ``threshold`` is flagged, on ``scale``."""
    return threshold if scale == "probability" else FLAG_POINT


def describe(thresholds: Mapping[str, float], scale: str) -> str:
    """One line for people: the scale, and where each label's threshold lands on it."""
    listed = ", ".join(f"{label} {t:.3f}" for label, t in thresholds.items())
    if scale == "probability":
        return f"scores are probabilities; a label is flagged at its threshold ({listed})"
    return f"scores on the coral scale: each label's threshold ({listed}) becomes {FLAG_POINT}, and a score above {FLAG_POINT} means flagged"
