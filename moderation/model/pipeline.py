"""The trainable model: scikit-learn pipelines, cross-validated thresholds, calibrated scores.

Only training imports this module (it pulls in scikit-learn and pandas); scoring uses the
NumPy-only :class:`moderation.model.scorer.Scorer` on the arrays a fitted
:class:`ModerationClassifier` exports (:meth:`ModerationClassifier.arrays`).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, LeaveOneOut
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from moderation.comments import LABELS, Comment
from moderation.features.context import CONTEXT_FEATURES, WordFacts, whole_thread_features
from moderation.features.text import char_ngrams, word_ngrams
from moderation.model.scorer import encode_strings
from moderation.model.vectorizer import NgramTfidf

LEAVE_ONE_OUT_MAX_ROWS = 100
FOLDS = 5
MANY_ROWS = 20_000
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def feature_frame(comments: list[Comment]) -> pd.DataFrame:
    """The pipeline's input: each comment's tokens and its context features against its
    whole thread, from one tokenization of each text."""
    facts = WordFacts()
    encoded, context = whole_thread_features(facts, comments)
    frame = pd.DataFrame(context, columns=list(CONTEXT_FEATURES), dtype=float)
    frame.insert(0, "tokens", pd.Series(facts.table.tokens(encoded), dtype=object))
    return frame


def build_features(context: bool = True, reference: bool = False) -> ColumnTransformer:
    """Word 1–2-grams and within-word char 2–5-grams (TF-IDF), plus scaled context features.

    ``reference=True`` uses scikit-learn's own TfidfVectorizer (a Python loop per n-gram)
    instead of :class:`NgramTfidf`: the same matrix, slower; the benchmarks compare against it.
    """
    if reference:
        words = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)
    else:
        words, chars = NgramTfidf("words"), NgramTfidf("chars")
    parts = [("words", words, "tokens"), ("chars", chars, "tokens")]
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
    """Logistic regressions per label and per regularization strength in ``C_grid``, each
    fitted on the rows where its label is known.

    ``Y`` has one column per label with 1, 0 or NaN (not annotated). A label with fewer than
    ``min_class_size`` examples of either class is skipped: its decision values are NaN.
    :meth:`decision_function` gives one value per row, label and C (shape n × labels × C's);
    :class:`ModerationClassifier` picks each label's C by cross-validation.
    """

    def __init__(
        self,
        C_grid: tuple[float, ...] = (1.0,),
        class_weight: str | None = "balanced",
        min_class_size: int = 5,
        nb_weighting: bool = False,
        dense_columns: int = 0,
    ):
        self.C_grid = C_grid
        self.class_weight = class_weight
        self.min_class_size = min_class_size
        self.nb_weighting = nb_weighting
        self.dense_columns = dense_columns

    def fit(self, X, Y):
        Y = np.asarray(Y, dtype=float)
        X = sp.csr_matrix(X)
        self.classifiers_ = []
        self.feature_weights_ = []
        for column in Y.T:
            known = ~np.isnan(column)
            y = column[known]
            if min(int(y.sum()), int(len(y) - y.sum())) < self.min_class_size:
                self.classifiers_.append(None)
                self.feature_weights_.append(None)
                continue
            weights = self._nb_ratios(X[known], y) if self.nb_weighting else np.ones(X.shape[1])
            self.feature_weights_.append(weights)
            rows = X[known] @ sp.diags(weights)
            self.classifiers_.append(
                [
                    LogisticRegression(C=C, class_weight=self.class_weight, solver="liblinear", random_state=0).fit(rows, y)
                    for C in self.C_grid
                ]
            )
        return self

    def _nb_ratios(self, X, y: np.ndarray) -> np.ndarray:
        """Naive Bayes log-count ratios of the n-gram columns (Wang & Manning 2012): how much
        more often each n-gram occurs in positive rows than in negative ones."""
        present = (X > 0).astype(float)
        positive = 1.0 + np.asarray(present[y == 1].sum(axis=0)).ravel()
        negative = 1.0 + np.asarray(present[y == 0].sum(axis=0)).ravel()
        ratios = np.abs(np.log((positive / positive.sum()) / (negative / negative.sum())))
        if self.dense_columns:
            ratios[-self.dense_columns :] = 1.0  # context features are not counts
        return ratios

    def decision_function(self, X) -> np.ndarray:
        X = sp.csr_matrix(X)
        missing = np.full((X.shape[0], len(self.C_grid)), np.nan)
        per_label = [
            np.column_stack([c.decision_function(X @ sp.diags(w)) for c in grid]) if grid is not None else missing
            for grid, w in zip(self.classifiers_, self.feature_weights_)
        ]
        return np.stack(per_label, axis=1)


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
    """Leave-one-out for a labeled thread or two, grouped 5-fold by thread beyond that, and
    for large data one grouped hold-out of a fifth (thousands of held-out comments are plenty
    for calibration and thresholds, and every fold refits everything)."""
    rows = np.arange(len(comments))
    if len(comments) <= LEAVE_ONE_OUT_MAX_ROWS:
        return list(LeaveOneOut().split(rows))
    groups = [c.thread_id or c.id for c in comments]
    folds = list(GroupKFold(n_splits=min(FOLDS, len(set(groups))), shuffle=True, random_state=random_state).split(rows, groups=groups))
    return folds[:1] if len(comments) > MANY_ROWS else folds


def cv_scheme(splits, rows: int) -> str:
    if len(splits) == rows:
        return "leave-one-out"
    if len(splits) == 1:
        return f"grouped hold-out of {len(splits[0][1])} comments"
    return f"{len(splits)}-fold grouped by thread"


def fit_part(pipeline: Pipeline, X: pd.DataFrame, Y: np.ndarray, train: np.ndarray, test: np.ndarray | None):
    """Fit on ``train``; return the decision values of ``test``, or the pipeline if there is none."""
    pipeline.fit(X.iloc[train], Y[train])
    return pipeline if test is None else pipeline.decision_function(X.iloc[test])


class ModerationClassifier(BaseEstimator):
    """Features → per-label logistic regression, with C, calibration and thresholds from CV.

    ``fit`` cross-validates the whole pipeline (features refitted in every fold) for every C
    in ``C_grid`` and, per label, keeps the C with the best out-of-fold ROC-AUC, fits a Platt
    calibration and picks a threshold on that C's out-of-fold decision values. The pipeline
    fitted on all rows gives the final model. Fitted attributes: ``pipeline_``,
    ``chosen_C_`` (index into ``C_grid`` per label), ``oof_decision_`` (for the reported
    metrics), ``calibration_``, ``thresholds_``, ``trained_labels_``, ``cv_scheme_``.
    """

    def __init__(
        self,
        C_grid: tuple[float, ...] = C_GRID,
        context: bool = True,
        precision_target: float | None = None,
        min_class_size: int = 5,
        random_state: int = 0,
        reference: bool = False,
        n_jobs: int | None = None,
        nb_weighting: bool = True,
    ):
        self.nb_weighting = nb_weighting
        self.C_grid = C_grid
        self.context = context
        self.precision_target = precision_target
        self.min_class_size = min_class_size
        self.random_state = random_state
        self.reference = reference
        self.n_jobs = n_jobs

    def _pipeline(self) -> Pipeline:
        return Pipeline(
            [
                ("features", build_features(self.context, self.reference)),
                (
                    "classifiers",
                    PerLabelClassifier(
                        C_grid=tuple(self.C_grid),
                        min_class_size=self.min_class_size,
                        nb_weighting=self.nb_weighting,
                        dense_columns=len(CONTEXT_FEATURES) if self.context else 0,
                    ),
                ),
            ]
        )

    def fit(self, comments: list[Comment], Y: np.ndarray, progress=None):
        """``progress(steps, total)``, if given, learns the number of fits (folds and the final
        one) first and is called after each."""
        Y = np.asarray(Y, dtype=float)
        X = feature_frame(comments)
        splits = cv_splits(comments, self.random_state)
        self.cv_scheme_ = cv_scheme(splits, len(comments))
        # The folds and the final fit are independent: run them on all cores for large data.
        jobs = self.n_jobs or (1 if len(comments) <= LEAVE_ONE_OUT_MAX_ROWS else min(os.cpu_count() or 1, len(splits) + 1))
        tasks = [(train, test) for train, test in splits] + [(np.arange(len(comments)), None)]
        if progress:
            progress(0, total=len(tasks))
        results = Parallel(n_jobs=jobs, return_as="generator")(
            delayed(fit_part)(self._pipeline(), X, Y, train, test) for train, test in tasks
        )
        oof = np.full((*Y.shape, len(self.C_grid)), np.nan)
        for (train, test), result in zip(tasks, results):
            if test is None:
                self.pipeline_ = result
            else:
                oof[test] = result
            if progress:
                progress()
        trained = [grid is not None for grid in self.pipeline_.named_steps["classifiers"].classifiers_]
        self.chosen_C_ = np.zeros(Y.shape[1], dtype=int)
        self.oof_decision_ = np.full(Y.shape, np.nan)
        self.calibration_ = np.full((Y.shape[1], 2), np.nan)
        self.thresholds_ = np.full(Y.shape[1], np.nan)
        for j in np.flatnonzero(trained):
            rows = ~np.isnan(Y[:, j]) & ~np.isnan(oof[:, j, 0])
            aucs = [roc_auc_score(Y[rows, j], oof[rows, j, g]) for g in range(len(self.C_grid))]
            self.chosen_C_[j] = int(np.argmax(aucs))  # the first best: the strongest regularization
            self.oof_decision_[:, j] = oof[:, j, self.chosen_C_[j]]
            a, b = platt_scaling(self.oof_decision_[rows, j], Y[rows, j])
            self.calibration_[j] = a, b
            scores = sigmoid(a * self.oof_decision_[rows, j] + b)
            self.thresholds_[j] = choose_threshold(scores, Y[rows, j], self.precision_target)
        self.trained_labels_ = tuple(label for label, ok in zip(LABELS, trained) if ok)
        return self

    def chosen_C(self) -> dict[str, float]:
        return {label: self.C_grid[self.chosen_C_[LABELS.index(label)]] for label in self.trained_labels_}

    def oof_scores(self) -> np.ndarray:
        """Calibrated out-of-fold scores (NaN where a label was not annotated or not trained)."""
        return sigmoid(self.calibration_[:, 0] * self.oof_decision_ + self.calibration_[:, 1])

    def decision_function(self, comments: list[Comment]) -> np.ndarray:
        """Decision values at each label's chosen C: one row per comment, one column per label."""
        grid = self.pipeline_.decision_function(feature_frame(comments))
        return np.take_along_axis(grid, self.chosen_C_[None, :, None], axis=2)[:, :, 0]

    def predict_proba(self, comments: list[Comment]) -> np.ndarray:
        return sigmoid(self.calibration_[:, 0] * self.decision_function(comments) + self.calibration_[:, 1])

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted model as the arrays :class:`moderation.model.scorer.Scorer` scores with:
        vocabularies, idf weights, coefficients (Naive Bayes ratios folded in), the context
        features' imputation and scaling, calibration, thresholds."""
        features = self.pipeline_.named_steps["features"]
        classifiers = self.pipeline_.named_steps["classifiers"]
        heads, feature_weights = classifiers.classifiers_, classifiers.feature_weights_
        words, chars = features.named_transformers_["words"], features.named_transformers_["chars"]
        word_terms = sorted(words.vocabulary_, key=words.vocabulary_.get)
        char_terms = sorted(chars.vocabulary_, key=chars.vocabulary_.get)
        n_words, n_chars = len(word_terms), len(char_terms)
        n_context = len(CONTEXT_FEATURES) if self.context else 0
        coef = np.zeros((len(heads), n_words + n_chars + n_context))
        intercept = np.zeros(len(heads))
        for j, grid in enumerate(heads):
            if grid is not None:
                head = grid[self.chosen_C_[j]]
                # Feature weights (Naive Bayes ratios) fold into the coefficients: one linear model.
                coef[j], intercept[j] = head.coef_[0] * feature_weights[j], head.intercept_[0]
        if n_context:
            context = features.named_transformers_["context"]
            fill = context.named_steps["impute"].statistics_
            mean, scale = context.named_steps["scale"].mean_, context.named_steps["scale"].scale_
        else:
            fill = mean = np.zeros(0)
            scale = np.ones(0)
        trained = np.array([head is not None for head in heads])
        return {
            "word_vocabulary": encode_strings(word_terms),
            "word_idf": words.idf_,
            "word_coef": np.ascontiguousarray(coef[:, :n_words].T),
            "char_vocabulary": encode_strings(char_terms),
            "char_idf": chars.idf_,
            "char_coef": np.ascontiguousarray(coef[:, n_words : n_words + n_chars].T),
            "context_fill": np.asarray(fill, dtype=float),
            "context_mean": np.asarray(mean, dtype=float),
            "context_scale": np.asarray(scale, dtype=float),
            "context_coef": np.ascontiguousarray(coef[:, n_words + n_chars :]),
            "intercept": intercept,
            "calibration": np.nan_to_num(self.calibration_, nan=0.0),
            "trained": trained,
            # An untrained label flags nothing: its threshold is never compared with a score.
            "thresholds": np.where(trained, np.nan_to_num(self.thresholds_, nan=1.0), 1.0),
        }
