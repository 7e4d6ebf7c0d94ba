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
from threadpoolctl import threadpool_limits
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from moderation.comments import LABELS, Comment
from moderation.features.context import CONTENT, CONTEXT_FEATURES, SHRUNK_BY, WordFacts, whole_thread_features, without_own_topic
from moderation.features.text import char_ngrams, tokenize, word_ngrams
from moderation.model.format import NGRAM_KINDS, ModelArrays, encode_strings
from moderation.model.scorer import Scorer
from moderation.model.trainable import MIN_CLASS_TO_FIT
from moderation.model.vectorizer import NgramTfidf

SMALL_DATA_ROWS = 100
SMALL_DATA_FOLDS = 10
FOLDS = 5
MANY_ROWS = 20_000
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
PRIOR_WEIGHT = 10.0
"""The standardized prior columns are multiplied by this before the logistic regressions, so
their weights are penalized PRIOR_WEIGHT² times less than any n-gram's: a few labels reweigh
the prior but cannot wash it out."""
PRIOR_INPUTS = {"off_topic": ("off_topic",), "hostile": ("hostile",), "ad_hominem": ("hostile",)}
"""Per label, the prior's scores its regression weighs. Off-topic weighs the spam prior, not
the hostility one: it is about the subject, not the manner, and the seed's off-topic comments
would otherwise teach it that insults are off topic. Ad hominem weighs hostility: most attacks
on a person are insulting, and no public data labels attacks on participants."""
MANNER_FEATURES = ("second_person", "names_participant", "addresses_group", "hostile_words", "disparaging_words")
"""Context features about how a comment speaks and to whom, not what about."""
CONTEXT_HIDDEN = {"off_topic": MANNER_FEATURES, "hostile": (), "ad_hominem": ()}
"""Per label, the context features its regression does not weigh. Off-topic does not weigh the
manner of a comment, for the reason it does not weigh the hostility prior: trained on the seed
and the public labels, it learned that addressing someone is off topic (second person +0.60),
and ranked news comments worse for it (C3 dev split, ROC-AUC 0.70 with them, 0.76 without)."""
CONTENT_LABELS = ("off_topic",)
"""Labels that need a topic of the comment's own to judge: a comment without one ("Great
article.", a short reply) gets the label's base rate (see
:func:`moderation.features.context.without_own_topic`)."""


def prior_columns(prior: ModelArrays | None) -> list[str]:
    """The frame's columns of the prior's decision values: one per label the prior scores."""
    return [] if prior is None else [f"prior_{label}" for label, trained in zip(LABELS, prior.trained) if trained]


def feature_frame(comments: list[Comment], prior: ModelArrays | None = None) -> pd.DataFrame:
    """The pipeline's input, from one tokenization of each text: each comment's tokens, its
    context features against its whole thread, with ``prior`` the prior's decision values
    (:func:`prior_columns`), and how many content words it has."""
    facts = WordFacts()
    encoded, context = whole_thread_features(facts, comments)
    frame = pd.DataFrame(context, columns=list(CONTEXT_FEATURES), dtype=float)
    frame.insert(0, "tokens", pd.Series(facts.table.tokens(encoded), dtype=object))
    if prior is not None:
        scorer = Scorer(prior, facts=facts)
        decisions = scorer.decisions(scorer.feature_rows(encoded, context, scorer.ngrams))
        for column in prior_columns(prior):
            frame[column] = decisions[:, LABELS.index(column.removeprefix("prior_"))]
    content = (facts.flags()[encoded.ids] & CONTENT) != 0
    frame["own_topic"] = ~without_own_topic(np.bincount(encoded.docs[content], minlength=len(comments)), context)
    return frame


class SimilarityShrink(TransformerMixin, BaseEstimator):
    """Similarity columns shrunk toward their mean by their evidence columns (see
    :data:`moderation.features.context.CONTEXT_FEATURES`): fill + evidence × (similarity −
    fill). Missing context (evidence 0) is exactly the mean, as imputed; a similarity measured
    on a title or on a two-word comment stays close to it. The evidence columns are then set
    to 0, so no regression weighs them (they would stand in for length)."""

    def __init__(self, pairs: tuple[tuple[int, int], ...] = ()):
        self.pairs = pairs

    def fit(self, X, y=None):
        self.fill_ = np.asarray(X, dtype=float).mean(axis=0)
        return self

    def transform(self, X):
        X = np.array(X, dtype=float, copy=True)
        for similarity, evidence in self.pairs:
            fill = self.fill_[similarity]
            X[:, similarity] = fill + X[:, evidence] * (X[:, similarity] - fill)
            X[:, evidence] = 0.0
        return X


class LastColumnsWeight(TransformerMixin, BaseEstimator):
    """Multiplies the last ``count`` columns by ``weight``: a lighter penalty on their coefficients."""

    def __init__(self, weight: float = 1.0, count: int = 0):
        self.weight = weight
        self.count = count

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        X = np.array(X, dtype=float, copy=True)
        if self.count:
            X[:, -self.count :] *= self.weight
        return X


def dense_column_names(context: bool, priors: list[str]) -> list[str]:
    """The frame's columns the context step of :func:`build_features` takes, in order: the
    context features, then the prior's columns (:func:`prior_columns`)."""
    return [*(CONTEXT_FEATURES if context else ()), *priors]


def build_features(context: bool = True, reference: bool = False, priors: list[str] = ()) -> ColumnTransformer:
    """Word 1–2-grams and within-word char 2–5-grams (TF-IDF), plus the context features
    imputed, shrunk and scaled, and the prior's columns, weighted.

    ``reference=True`` uses scikit-learn's own TfidfVectorizer (a Python loop per n-gram)
    instead of :class:`NgramTfidf`: the same matrix, slower; the benchmarks compare against it.
    """
    if reference:
        words = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)
    else:
        words, chars = NgramTfidf("words"), NgramTfidf("chars")
    parts = [("words", words, "tokens"), ("chars", chars, "tokens")]
    columns = dense_column_names(context, list(priors))
    if columns:
        pairs = tuple((columns.index(s), columns.index(e)) for s, e in SHRUNK_BY.items() if s in columns)
        scaled = Pipeline(
            [
                # Missing context (no article, a thread of one) counts as an average comment.
                ("impute", SimpleImputer(strategy="mean", keep_empty_features=True)),
                ("shrink", SimilarityShrink(pairs)),
                ("scale", StandardScaler()),
                ("weigh", LastColumnsWeight(PRIOR_WEIGHT, len(priors))),
            ]
        )
        parts.append(("context", scaled, columns))
    return ColumnTransformer(parts)


class PerLabelClassifier(BaseEstimator):
    """Logistic regressions per label and per regularization strength in ``C_grid``, each
    fitted on the rows where its label is known.

    ``Y`` has one column per label with 1, 0 or NaN (not annotated). A label with fewer than
    ``min_class_size`` examples of either class is skipped: its decision values are NaN.
    The last ``n_dense`` columns of ``X`` are dense (context features, the prior's column):
    not counts, so Naive Bayes weighting leaves them alone. ``hidden`` gives, per label, dense
    columns (counted from the first dense column) that its regressions do not see. :meth:`decision_function` gives one value per row, label and C
    (shape n × labels × C's); :class:`ModerationClassifier` picks each label's C by
    cross-validation.
    """

    def __init__(
        self,
        C_grid: tuple[float, ...] = (1.0,),
        class_weight: str | None = "balanced",
        min_class_size: int = MIN_CLASS_TO_FIT,
        nb_weighting: bool = False,
        n_dense: int = 0,
        hidden: tuple[tuple[int, ...], ...] = (),
    ):
        self.C_grid = C_grid
        self.class_weight = class_weight
        self.min_class_size = min_class_size
        self.nb_weighting = nb_weighting
        self.n_dense = n_dense
        self.hidden = hidden

    def fit(self, X, Y):
        Y = np.asarray(Y, dtype=float)
        X = sp.csr_matrix(X)
        self.classifiers_ = []
        self.feature_weights_ = []
        for j, column in enumerate(Y.T):
            known = ~np.isnan(column)
            y = column[known]
            if min(int(y.sum()), int(len(y) - y.sum())) < self.min_class_size:
                self.classifiers_.append(None)
                self.feature_weights_.append(None)
                continue
            weights = self._nb_ratios(X[known], y) if self.nb_weighting else np.ones(X.shape[1])
            if j < len(self.hidden) and self.hidden[j]:
                # A column weighted 0 is invisible to the regression: its coefficient stays 0.
                weights[X.shape[1] - self.n_dense + np.asarray(self.hidden[j])] = 0.0
            self.feature_weights_.append(weights)
            rows = X[known] @ sp.diags(weights)
            # The primal (trust-region Newton) solver: the prior's column, weighted up, makes the
            # dual problem ill-conditioned, and its coordinate descent then ran to max_iter at
            # large C; the primal reaches the same optimum in tens of iterations (OLID's 10,592
            # tweets: 73 s of fits instead of 300 s).
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
        if self.n_dense:
            ratios[-self.n_dense :] = 1.0  # context features are not counts
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
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def choose_threshold(
    scores: np.ndarray, y: np.ndarray, precision_target: float | None = None, floor: float = 0.0, prevalence: float | None = None
) -> float:
    """The flag threshold on calibrated scores, chosen on out-of-fold predictions.

    Default: the threshold with the best F1. With ``precision_target``: the lowest threshold
    whose precision is at least the target, or 1.0 (flag nothing) if none reaches it. A
    chosen threshold sits halfway between the lowest flagged score and the next score below,
    so it does not depend on one example's exact score. Scores at or below ``floor`` are
    never flagged.

    Precision depends on how common the label is. With ``prevalence``, it is the precision the
    thresholds would have on comments of which that share carries the label (the negatives are
    reweighted): labeled data collected where a label is common (or picked for being
    uncertain) would otherwise give thresholds that flag far too much on an ordinary site.
    """
    order = np.argsort(-scores, kind="stable")
    ranked, truth = scores[order], y[order]
    if prevalence is not None:
        positives = max(truth.sum(), 1)
        negatives = max(len(truth) - truth.sum(), 1)
        weights = np.where(truth == 1, prevalence / positives, (1 - prevalence) / negatives)
    else:
        weights = np.ones(len(truth))
    true_positives = np.cumsum(truth * weights)
    flagged = np.cumsum(weights)
    # Only cut between distinct scores (equal scores are flagged together), above the floor.
    cuts = np.flatnonzero(np.append(ranked[1:] < ranked[:-1], True) & (ranked > floor))
    if len(cuts) == 0:
        return 1.0
    precision = true_positives[cuts] / flagged[cuts]
    recall = true_positives[cuts] / max(true_positives[-1], 1e-12)
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


def duplicate_numbers(comments: list[Comment]) -> np.ndarray:
    """Each comment's text number: comments whose texts tokenize alike (exact duplicates,
    give or take case, spacing and punctuation) share one."""
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(" ".join(tokenize(c.text)), len(numbers)) for c in comments], dtype=np.int64)


def cv_splits(comments: list[Comment], Y: np.ndarray, random_state: int, min_class_size: int = MIN_CLASS_TO_FIT) -> tuple[list, str, int]:
    """The cross-validation folds, how to describe them in the model card, and how many
    comments repeat the text of an earlier one.

    Beyond :data:`SMALL_DATA_ROWS` distinct comments: 5 folds grouped by thread, so that
    quality is measured on threads the model never saw, and for large data a single grouped
    hold-out of a fifth (thousands of held-out comments are plenty for calibration and
    thresholds, and every fold refits everything). Data with fewer threads than folds (a file
    without thread ids is one thread) cannot be grouped, nor can a few dozen comments be split
    into whole threads: their folds are stratified by the label with the fewest positives
    instead, so that every fold has some (up to 10 folds; each refit is most of the training
    time).

    Either way every copy of a text is in the same fold: a duplicate scored in one fold while
    its copy trains in another only measures memory (each training row three times lifted the
    seed's hostile ROC-AUC from 0.84 to 1.00). Repeated feedback suggestions make such copies.
    """
    text_of_row = duplicate_numbers(comments)
    first_rows = np.unique(text_of_row, return_index=True)[1]  # one row per distinct text, in order
    distinct = len(first_rows)
    duplicates = len(comments) - distinct
    note = f"; {duplicates} comment{'s' if duplicates != 1 else ''} repeating another's text kept in its fold" if duplicates else ""
    rows = np.arange(len(comments))
    thread_of_row = [c.thread_id or c.id for c in comments]
    threads = len(set(thread_of_row))
    if distinct > SMALL_DATA_ROWS and threads >= FOLDS:
        # A text in several threads is a group of its own: its copies go together.
        threads_of_text: dict[int, set] = {}
        for text, thread in zip(text_of_row.tolist(), thread_of_row):
            threads_of_text.setdefault(text, set()).add(thread)
        group_names: dict[tuple, int] = {}
        groups = [
            group_names.setdefault(("text", text) if len(threads_of_text[text]) > 1 else ("thread", thread), len(group_names))
            for text, thread in zip(text_of_row.tolist(), thread_of_row)
        ]
        folds = list(GroupKFold(n_splits=FOLDS, shuffle=True, random_state=random_state).split(rows, groups=groups))
        if len(comments) > MANY_ROWS:
            return folds[:1], f"hold-out of {len(folds[0][1])} comments, grouped by thread{note}", duplicates
        return folds, f"{FOLDS}-fold, grouped by thread{note}", duplicates
    # Stratify by the trainable label with the smallest class, and keep that class in every
    # fold's training part (a label needs min_class_size of each class to be fitted). Folds
    # are drawn over distinct texts, each text's copies following it.
    distinct_Y = Y[first_rows]
    known = ~np.isnan(distinct_Y)
    positives, negatives = np.nansum(distinct_Y, axis=0), known.sum(axis=0) - np.nansum(distinct_Y, axis=0)
    smaller = np.minimum(positives, negatives)
    trainable = smaller > min_class_size
    rarest = int(np.argmin(np.where(trainable, smaller, np.inf))) if trainable.any() else int(np.argmax(smaller))
    strata = (distinct_Y[:, rarest] == 1).astype(int)  # rows it does not annotate go with the negatives
    smallest_class = int(np.bincount(strata, minlength=2).min())
    count = min(SMALL_DATA_FOLDS if distinct <= SMALL_DATA_ROWS else FOLDS, max(2, smallest_class))
    splitter = StratifiedKFold(n_splits=count, shuffle=True, random_state=random_state)
    folds = [
        (rows[np.isin(text_of_row, text_of_row[first_rows[train]])], rows[np.isin(text_of_row, text_of_row[first_rows[test]])])
        for train, test in splitter.split(first_rows, strata)
    ]
    if distinct <= SMALL_DATA_ROWS:
        why = f"{distinct} {'distinct ' if duplicates else ''}comments"
    else:
        why = f"{threads} thread{'s' if threads > 1 else ''}"
    if len(comments) > MANY_ROWS:
        scheme = f"hold-out of {len(folds[0][1])} comments, stratified by {LABELS[rarest]}, not grouped by thread: the data has {why}{note}"
        return folds[:1], scheme, duplicates
    return folds, f"{count}-fold, stratified by {LABELS[rarest]}, not grouped by thread: the data has {why}{note}", duplicates


def usable_cores() -> int:
    """The cores this process may run on (fewer than the machine's in a container or under taskset)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fit_part(pipeline: Pipeline, X: pd.DataFrame, Y: np.ndarray, train: np.ndarray, test: np.ndarray | None):
    """Fit on ``train``; return the decision values of ``test``, or the pipeline if there is none.

    One BLAS thread: the work is sparse and already spread over processes, and BLAS threads
    that spin while waiting for a core slow everything down on a busy machine.
    """
    with threadpool_limits(1):
        pipeline.fit(X.iloc[train], Y[train])
        return pipeline if test is None else pipeline.decision_function(X.iloc[test])


class ModerationClassifier(BaseEstimator):
    """Features → per-label logistic regression, with C, calibration and thresholds from CV.

    ``fit`` cross-validates the whole pipeline (features refitted in every fold) for every C
    in ``C_grid`` and, per label, keeps the C with the best out-of-fold ROC-AUC, fits a Platt
    calibration and picks a threshold on that C's out-of-fold decision values. The pipeline
    fitted on all rows gives the final model. Fitted attributes: ``pipeline_``,
    ``chosen_C_`` (index into ``C_grid`` per label), ``oof_decision_`` (for the reported
    metrics), ``calibration_``, ``thresholds_``, ``trained_labels_``, ``cv_scheme_``,
    ``duplicates_`` (comments repeating an earlier one's text, kept in its fold).
    """

    def __init__(
        self,
        C_grid: tuple[float, ...] = C_GRID,
        context: bool = True,
        precision_target: float | None = None,
        prevalence: float | None = None,
        min_class_size: int = MIN_CLASS_TO_FIT,
        random_state: int = 0,
        reference: bool = False,
        n_jobs: int | None = None,
        nb_weighting: bool = True,
        prior: ModelArrays | None = None,
    ):
        self.nb_weighting = nb_weighting
        self.prior = prior
        self.C_grid = C_grid
        self.context = context
        self.precision_target = precision_target
        self.prevalence = prevalence
        self.min_class_size = min_class_size
        self.random_state = random_state
        self.reference = reference
        self.n_jobs = n_jobs

    def _pipeline(self) -> Pipeline:
        return Pipeline(
            [
                ("features", build_features(self.context, self.reference, prior_columns(self.prior))),
                (
                    "classifiers",
                    PerLabelClassifier(
                        C_grid=tuple(self.C_grid),
                        min_class_size=self.min_class_size,
                        nb_weighting=self.nb_weighting,
                        n_dense=len(dense_column_names(self.context, prior_columns(self.prior))),
                        hidden=self._hidden(),
                    ),
                ),
            ]
        )

    def _hidden(self) -> tuple[tuple[int, ...], ...]:
        """Per label: the dense columns it does not weigh, context features
        (:data:`CONTEXT_HIDDEN`) and the prior's (:data:`PRIOR_INPUTS`)."""
        columns = dense_column_names(self.context, prior_columns(self.prior))
        return tuple(
            tuple(
                i
                for i, column in enumerate(columns)
                if column in CONTEXT_HIDDEN[label] or (column.startswith("prior_") and column.removeprefix("prior_") not in PRIOR_INPUTS[label])
            )
            for label in LABELS
        )

    def fit(self, comments: list[Comment], Y: np.ndarray, progress=None):
        """``progress(steps, total)``, if given, learns the number of fits (folds and the final
        one) first and is called after each."""
        Y = np.asarray(Y, dtype=float)
        X = feature_frame(comments, self.prior)
        splits, self.cv_scheme_, self.duplicates_ = cv_splits(comments, Y, self.random_state, self.min_class_size)
        # The folds and the final fit are independent: run them on all cores for large data.
        jobs = self.n_jobs or (1 if len(comments) <= SMALL_DATA_ROWS else min(usable_cores(), len(splits) + 1))
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
        # A label is trained when the final fit could fit it and cross-validation scored both
        # classes (MIN_CLASS_TO_FIT examples of a class leave one too few in a fold that holds one out).
        trained = [
            grid is not None and len(np.unique(Y[~np.isnan(Y[:, j]) & ~np.isnan(oof[:, j, 0]), j])) == 2
            for j, grid in enumerate(self.pipeline_.named_steps["classifiers"].classifiers_)
        ]
        self.chosen_C_ = np.zeros(Y.shape[1], dtype=int)
        self.oof_decision_ = np.full(Y.shape, np.nan)
        self.calibration_ = np.full((Y.shape[1], 2), np.nan)
        self.thresholds_ = np.full(Y.shape[1], np.nan)
        self.base_rate_ = np.array([np.nanmean(column) if (~np.isnan(column)).any() else 0.0 for column in Y.T])
        self.needs_content_ = np.array([label in CONTENT_LABELS for label in LABELS])
        self.oof_own_topic_ = X["own_topic"].to_numpy()
        for j in np.flatnonzero(trained):
            rows = ~np.isnan(Y[:, j]) & ~np.isnan(oof[:, j, 0])
            aucs = [roc_auc_score(Y[rows, j], oof[rows, j, g]) for g in range(len(self.C_grid))]
            self.chosen_C_[j] = int(np.argmax(aucs))  # the first best: the strongest regularization
            self.oof_decision_[:, j] = oof[:, j, self.chosen_C_[j]]
            self.calibration_[j] = platt_scaling(self.oof_decision_[rows, j], Y[rows, j])
            floor = self.base_rate_[j] if self.needs_content_[j] else 0.0
            self.thresholds_[j] = choose_threshold(self.oof_scores()[rows, j], Y[rows, j], self.precision_target, floor, self.prevalence)
        self.trained_labels_ = tuple(label for label, ok in zip(LABELS, trained) if ok)
        return self

    def _scores(self, decisions: np.ndarray, own_topic: np.ndarray) -> np.ndarray:
        """Calibrated scores of decision values; labels that need content give comments
        without content words their base rate."""
        scores = sigmoid(self.calibration_[:, 0] * decisions + self.calibration_[:, 1])
        return np.where(self.needs_content_ & ~own_topic[:, None], self.base_rate_, scores)

    def chosen_C(self) -> dict[str, float]:
        """Each trained label's regularization strength, as chosen by cross-validation."""
        return {label: self.C_grid[self.chosen_C_[LABELS.index(label)]] for label in self.trained_labels_}

    def oof_scores(self) -> np.ndarray:
        """Calibrated out-of-fold scores (NaN where a label was not annotated or not trained)."""
        return np.where(np.isnan(self.oof_decision_), np.nan, self._scores(self.oof_decision_, self.oof_own_topic_))

    def decision_function(self, comments: list[Comment]) -> np.ndarray:
        """Decision values at each label's chosen C: one row per comment, one column per label."""
        return self._decisions(feature_frame(comments, self.prior))

    def _decisions(self, frame: pd.DataFrame) -> np.ndarray:
        grid = self.pipeline_.decision_function(frame)
        return np.take_along_axis(grid, self.chosen_C_[None, :, None], axis=2)[:, :, 0]

    def predict_proba(self, comments: list[Comment]) -> np.ndarray:
        """Calibrated scores, as the exported :class:`moderation.model.scorer.Scorer` gives them."""
        frame = feature_frame(comments, self.prior)
        return self._scores(self._decisions(frame), frame["own_topic"].to_numpy())

    def arrays(self) -> ModelArrays:
        """The fitted model as the arrays :class:`moderation.model.scorer.Scorer` scores with:
        vocabularies, idf weights, coefficients (Naive Bayes ratios folded in), the context
        features' imputation and scaling, calibration, thresholds, and the prior's n-grams as
        blocks of their own (each label's weights of its scores folded in): one linear model."""
        features = self.pipeline_.named_steps["features"]
        classifiers = self.pipeline_.named_steps["classifiers"]
        heads, feature_weights = classifiers.classifiers_, classifiers.feature_weights_
        words, chars = features.named_transformers_["words"], features.named_transformers_["chars"]
        word_terms = sorted(words.vocabulary_, key=words.vocabulary_.get)
        char_terms = sorted(chars.vocabulary_, key=chars.vocabulary_.get)
        n_words, n_chars = len(word_terms), len(char_terms)
        priors = prior_columns(self.prior)
        n_dense = len(dense_column_names(self.context, priors))
        coef = np.zeros((len(heads), n_words + n_chars + n_dense))
        intercept = np.zeros(len(heads))
        trained = np.array([label in self.trained_labels_ for label in LABELS])
        for j, grid in enumerate(heads):
            if trained[j]:
                head = grid[self.chosen_C_[j]]
                # Feature weights (Naive Bayes ratios) fold into the coefficients: one linear model.
                coef[j], intercept[j] = head.coef_[0] * feature_weights[j], head.intercept_[0]
        n_context = len(CONTEXT_FEATURES) if self.context else 0
        fill = mean = np.zeros(n_context)
        scale = np.ones(n_context)
        if n_dense:
            context = features.named_transformers_["context"]
            fill = context.named_steps["impute"].statistics_
            mean, scale = context.named_steps["scale"].mean_, context.named_steps["scale"].scale_
        context_coef = coef[:, n_words + n_chars : n_words + n_chars + n_context]
        arrays = ModelArrays(
            word_vocabulary=encode_strings(word_terms),
            word_idf=words.idf_,
            word_coef=np.ascontiguousarray(coef[:, :n_words].T),
            char_vocabulary=encode_strings(char_terms),
            char_idf=chars.idf_,
            char_coef=np.ascontiguousarray(coef[:, n_words : n_words + n_chars].T),
            context_fill=np.asarray(fill[:n_context], dtype=float),
            context_mean=np.asarray(mean[:n_context], dtype=float),
            context_scale=np.asarray(scale[:n_context], dtype=float),
            context_coef=np.ascontiguousarray(context_coef),
            intercept=intercept,
            calibration=np.nan_to_num(self.calibration_, nan=0.0),
            trained=trained,
            # An untrained label flags nothing: its threshold is never compared with a score.
            thresholds=np.where(trained, np.nan_to_num(self.thresholds_, nan=1.0), 1.0),
            base_rate=self.base_rate_,
            needs_content=self.needs_content_,
        )
        if priors:
            # Each label weighs each standardized, weighted prior decision d:
            # w (d - m) / s × PRIOR_WEIGHT = k d - k m with k = w × PRIOR_WEIGHT / s.
            columns = slice(n_dense - len(priors), n_dense)
            weights = coef[:, n_words + n_chars :][:, columns] * PRIOR_WEIGHT / scale[columns]
            scored = [LABELS.index(column.removeprefix("prior_")) for column in priors]
            arrays = fold_prior(self.prior, scored, weights, mean[columns], arrays)
        return arrays


def fold_prior(prior: ModelArrays, scored: list[int], weights: np.ndarray, means: np.ndarray, arrays: ModelArrays) -> ModelArrays:
    """``arrays`` with Σ_p weights[:, p] × (the prior's decision for label ``scored[p]`` −
    ``means[p]``) added to each label's decision: the prior's n-gram blocks as blocks of their
    own, weighted, and its intercepts and word-list weights folded into the model's intercept
    and context coefficients."""
    lexicon = prior.context_coef[scored]
    # The prior reads raw counts of never-missing, never-shrunk columns (its word lists); in the
    # model they are standardized: a x = a (s z + m).
    if np.any(lexicon[:, [CONTEXT_FEATURES.index(name) for name in (*SHRUNK_BY, *SHRUNK_BY.values())]]):
        raise ValueError("a prior may weigh only context features that are never missing or shrunk")
    intercept = arrays.intercept + weights @ (prior.intercept[scored] - means + lexicon @ arrays.context_mean)
    context_coef = arrays.context_coef + weights @ (lexicon * arrays.context_scale)
    folded = {"intercept": intercept, "context_coef": context_coef}
    for kind in NGRAM_KINDS:
        folded[f"prior_{kind}_vocabulary"] = getattr(prior, f"{kind}_vocabulary")
        folded[f"prior_{kind}_idf"] = getattr(prior, f"{kind}_idf")
        # Single precision, as the prior's own: the largest arrays of the model.
        folded[f"prior_{kind}_coef"] = (getattr(prior, f"{kind}_coef")[:, scored].astype(float) @ weights.T).astype(np.float32)
    return arrays.replace(**folded)
