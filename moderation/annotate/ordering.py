"""Which comment to ask about next: the ones the model is least sure of, with some random picks.

Plain functions on arrays, so the benchmark and the tests use exactly what the command uses.
Scores are calibrated probabilities (n comments × labels, NaN where a model has none) and each
label has a flag threshold. A comment's *margin* on a label is how far its score is from the
threshold in log-odds; its margin overall is the smallest over the labels being annotated. The
smallest margins come first: those are the answers most likely to move the model's decisions.

Pure uncertainty sampling sees only what the model already half-knows, so a share of the picks
(``random_share``) is drawn uniformly from the rest instead. Those labels are representative of
the whole input — they show the model's blind spots and keep the positive rate honest — but each
teaches the model less on average; ``bench/active_learning.py`` measures the trade.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-6  # scores of exactly 0 or 1 would have infinite log-odds


def log_odds(p: np.ndarray) -> np.ndarray:
    """The log-odds of probabilities, clipped away from 0 and 1."""
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


def label_margins(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per comment and label: |log-odds(score) − log-odds(threshold)|; NaN where either is missing."""
    return np.abs(log_odds(scores) - log_odds(thresholds)[None, :])


def uncertainty_margin(scores: np.ndarray, thresholds: np.ndarray, columns: list[int]) -> np.ndarray:
    """Per comment, the smallest margin over the label ``columns`` (NaN if none is scored)."""
    margins = label_margins(scores, thresholds)[:, columns]
    result = np.full(len(scores), np.nan)
    scored = ~np.isnan(margins).all(axis=1)
    result[scored] = np.nanmin(margins[scored], axis=1)
    return result


def annotation_order(margin: np.ndarray, random_share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An order of all comments: at each position, with probability ``random_share`` the next of
    a random permutation, otherwise the remaining comment with the smallest margin.

    Comments without a margin (no model scores them) come after the others, in random order;
    ties are broken at random. Returns the order and, per position, whether it was a random pick.
    """
    count = len(margin)
    if not 0.0 <= random_share <= 1.0:
        raise ValueError("random_share must be between 0 and 1")
    by_margin = np.lexsort((rng.random(count), np.where(np.isnan(margin), np.inf, margin)))
    shuffled = rng.permutation(count)
    pick_random = rng.random(count) < random_share
    taken = np.zeros(count, dtype=bool)
    order = np.empty(count, dtype=int)
    next_by_margin = next_random = 0
    for position in range(count):
        if pick_random[position]:
            while taken[shuffled[next_random]]:
                next_random += 1
            chosen = shuffled[next_random]
        else:
            while taken[by_margin[next_by_margin]]:
                next_by_margin += 1
            chosen = by_margin[next_by_margin]
        taken[chosen] = True
        order[position] = chosen
    return order, pick_random


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN unless both classes are present."""
    y, scores = np.asarray(y, dtype=float), np.asarray(scores, dtype=float)
    known = ~np.isnan(y) & ~np.isnan(scores)
    y, scores = y[known], scores[known]
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]  # tied scores share their average rank
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def prefer_learned(learned_cv_auc: np.ndarray, base_auc_on_answers: np.ndarray) -> np.ndarray:
    """Per label, whether the model retrained on the answers should replace the starting model:
    where its cross-validated ROC-AUC on the answers is at least the starting model's ROC-AUC on
    the same answers (which it never trained on). A starting model that cannot be judged (one
    class only among the answers, or no scores) gives way; NaN for the learned model never wins.

    A few dozen answers train a model that ranks worse than a good starting model (its word
    lists carry over, n-grams from a handful of positives do not), so it is not used blindly.
    """
    learned_cv_auc = np.asarray(learned_cv_auc, dtype=float)
    base = np.nan_to_num(np.asarray(base_auc_on_answers, dtype=float), nan=-np.inf)
    return ~np.isnan(learned_cv_auc) & (np.nan_to_num(learned_cv_auc, nan=-np.inf) >= base)


def combine_models(
    base_scores: np.ndarray,
    base_thresholds: np.ndarray,
    learned_scores: np.ndarray | None,
    learned_thresholds: np.ndarray | None,
    use_learned: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per label, the model trained on the new labels where it trained that label (and, if
    ``use_learned`` is given, where it says so), else the starting model. Returns scores,
    thresholds and, per label, True where the learned model is used."""
    if learned_scores is None:
        return base_scores, base_thresholds, np.zeros(len(base_thresholds), dtype=bool)
    learned = ~np.isnan(learned_thresholds)
    if use_learned is not None:
        learned &= use_learned
    scores = np.where(learned[None, :], learned_scores, base_scores)
    thresholds = np.where(learned, learned_thresholds, base_thresholds)
    return scores, thresholds, learned
