"""The trainable model: scikit-learn pipelines, cross-validated thresholds, calibrated scores.

Only training imports this module (it pulls in scikit-learn and pandas); scoring uses the
NumPy-only form that :mod:`moderation.compact` exports from a fitted
:class:`ModerationClassifier`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, LeaveOneOut
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from moderation.comments import LABELS, Comment
from moderation.context import CONTEXT_FEATURES, context_features
from moderation.text import comment_char_ngrams, comment_word_ngrams

LEAVE_ONE_OUT_MAX_ROWS = 100
FOLDS = 5


def feature_frame(comments: list[Comment]) -> pd.DataFrame:
    """The pipeline's input: the text plus the context features of each comment."""
    frame = pd.DataFrame(context_features(comments), columns=list(CONTEXT_FEATURES), dtype=float)
    frame.insert(0, "text", [c.text for c in comments])
    return frame


def build_features(context: bool = True) -> ColumnTransformer:
    """Word 1–2-grams and within-word char 2–5-grams (TF-IDF), plus scaled context features."""
    parts = [
        ("words", TfidfVectorizer(analyzer=comment_word_ngrams, sublinear_tf=True), "text"),
        ("chars", TfidfVectorizer(analyzer=comment_char_ngrams, sublinear_tf=True), "text"),
    ]
    if context:
        scaled = Pipeline(
            [
                # Missing context (no article, a thread of one) counts as an average comment.
                ("impute", SimpleImputer(strategy="mean", keep_empty_features=True)),
                ("scale", StandardScaler()),
            ]
        )
        parts.append(("context", scaled, list(CONTEXT_FEATURES)))
    return ColumnTransformer(parts)


class PerLabelClassifier(BaseEstimator):
    """One logistic regression per label, each fitted on the rows where its label is known.

    ``Y`` has one column per label with 1, 0 or NaN (not annotated). A label with fewer than
    ``min_class_size`` examples of either class is skipped: its decision values are NaN.
    """

    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced", min_class_size: int = 5):
        self.C = C
        self.class_weight = class_weight
        self.min_class_size = min_class_size

    def fit(self, X, Y):
        Y = np.asarray(Y, dtype=float)
        self.classifiers_ = []
        for column in Y.T:
            known = ~np.isnan(column)
            y = column[known]
            if min(int(y.sum()), int(len(y) - y.sum())) < self.min_class_size:
                self.classifiers_.append(None)
                continue
            classifier = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear")
            self.classifiers_.append(classifier.fit(X[known], y))
        return self

    def decision_function(self, X) -> np.ndarray:
        columns = [
            clf.decision_function(X) if clf is not None else np.full(X.shape[0], np.nan) for clf in self.classifiers_
        ]
        return np.column_stack(columns)


def platt_scaling(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = 1 / (1 + exp(-(a·d + b))) to out-of-fold decision values.

    Targets are Platt's smoothed ones ((N₊+1)/(N₊+2) and 1/(N₋+2)) so a few dozen
    examples do not produce scores of exactly 0 or 1; soft targets are fitted as two weighted
    copies of each row.
    """
    positives = float(y.sum())
    negatives = float(len(y) - positives)
    target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    x = np.concatenate([decision, decision]).reshape(-1, 1)
    labels = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    weights = np.concatenate([target, 1 - target])
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(x, labels, sample_weight=weights)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def choose_threshold(scores: np.ndarray, y: np.ndarray, precision_target: float | None = None) -> float:
    """The flag threshold on calibrated scores, chosen on out-of-fold predictions.

    Default: the threshold with the best F1. With ``precision_target``: the lowest threshold
    whose precision is at least the target, or 1.0 (flag nothing) if none reaches it. A
    chosen threshold sits halfway between the lowest flagged score and the next score below,
    so it does not depend on one example's exact score.
    """
    order = np.argsort(-scores, kind="stable")
    ranked, truth = scores[order], y[order]
    true_positives = np.cumsum(truth)
    flagged = np.arange(1, len(ranked) + 1)
    # Only cut between distinct scores: equal scores are flagged together.
    cuts = np.flatnonzero(np.append(ranked[1:] < ranked[:-1], True))
    precision = true_positives[cuts] / flagged[cuts]
    recall = true_positives[cuts] / max(truth.sum(), 1)
    if precision_target is None:
        f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(precision), where=precision + recall > 0)
        best = cuts[int(np.argmax(f1))]
    else:
        reaching = np.flatnonzero(precision >= precision_target)
        if len(reaching) == 0:
            return 1.0
        best = cuts[reaching[-1]]
    below = ranked[best + 1] if best + 1 < len(ranked) else 0.0
    return float((ranked[best] + below) / 2)


def cv_splits(comments: list[Comment], random_state: int):
    """Leave-one-out for a labeled thread or two; grouped k-fold by thread beyond that."""
    rows = np.arange(len(comments))
    if len(comments) <= LEAVE_ONE_OUT_MAX_ROWS:
        return list(LeaveOneOut().split(rows))
    groups = [c.thread_id or c.id for c in comments]
    folds = min(FOLDS, len(set(groups)))
    return list(GroupKFold(n_splits=folds, shuffle=True, random_state=random_state).split(rows, groups=groups))


class ModerationClassifier(BaseEstimator):
    """Features → per-label logistic regression, with calibration and thresholds from CV.

    ``fit`` first cross-validates the whole pipeline (features refitted in every fold) to get
    out-of-fold decision values, fits a Platt calibration and picks a threshold per label on
    them, then fits the pipeline on all rows. The out-of-fold values stay in
    ``oof_decision_`` for the reported metrics.
    """

    def __init__(
        self,
        C: float = 1.0,
        context: bool = True,
        precision_target: float | None = None,
        min_class_size: int = 5,
        random_state: int = 0,
    ):
        self.C = C
        self.context = context
        self.precision_target = precision_target
        self.min_class_size = min_class_size
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        return Pipeline(
            [
                ("features", build_features(self.context)),
                ("classifiers", PerLabelClassifier(C=self.C, min_class_size=self.min_class_size)),
            ]
        )

    def fit(self, comments: list[Comment], Y: np.ndarray, progress=None):
        """``progress()``, if given, is called after each fold and after the final fit."""
        Y = np.asarray(Y, dtype=float)
        X = feature_frame(comments)
        splits = cv_splits(comments, self.random_state)
        self.oof_decision_ = np.full(Y.shape, np.nan)
        for train, test in splits:
            fold = clone(self._pipeline()).fit(X.iloc[train], Y[train])
            self.oof_decision_[test] = fold.decision_function(X.iloc[test])
            if progress:
                progress()
        self.pipeline_ = self._pipeline().fit(X, Y)
        if progress:
            progress()
        trained = [clf is not None for clf in self.pipeline_.named_steps["classifiers"].classifiers_]
        self.calibration_ = np.full((Y.shape[1], 2), np.nan)
        self.thresholds_ = np.full(Y.shape[1], np.nan)
        for j in np.flatnonzero(trained):
            rows = ~np.isnan(Y[:, j]) & ~np.isnan(self.oof_decision_[:, j])
            a, b = platt_scaling(self.oof_decision_[rows, j], Y[rows, j])
            self.calibration_[j] = a, b
            scores = sigmoid(a * self.oof_decision_[rows, j] + b)
            self.thresholds_[j] = choose_threshold(scores, Y[rows, j], self.precision_target)
        self.trained_labels_ = tuple(label for label, ok in zip(LABELS, trained) if ok)
        return self

    def oof_scores(self) -> np.ndarray:
        """Calibrated out-of-fold scores (NaN where a label was not annotated or not trained)."""
        return sigmoid(self.calibration_[:, 0] * self.oof_decision_ + self.calibration_[:, 1])

    def predict_proba(self, comments: list[Comment]) -> np.ndarray:
        decision = self.pipeline_.decision_function(feature_frame(comments))
        return sigmoid(self.calibration_[:, 0] * decision + self.calibration_[:, 1])
