"""The systems the accuracy benchmark compares, behind one small interface.

A system is fitted on the train rows of a ``bench.datasets`` frame (canonical columns, labels
1.0 / 0.0 / NaN) for some labels, then scores every test row in [0, 1] for each label it could
train, in row order, and flags a row when its score reaches the label's threshold.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from moderation.comments import LABELS, Comment

SEED = 20261127  # fastText's training seed, the same as the dataset splits'
FASTTEXT_OPTIONS = {"epoch": 25, "lr": 0.5, "wordNgrams": 2, "minn": 2, "maxn": 5, "dim": 100, "seed": SEED, "thread": 1}
CANONICAL_CSV_COLUMNS = ["text", "id", "thread_id", "parent_id", "author", "article", *LABELS]


class System:
    """Fit on train rows, score test rows. Subclasses set the class attributes below."""

    name: str  # as given to --systems
    description: str  # one sentence for the results
    labels: tuple[str, ...] = LABELS  # the labels it can score at all
    requires: str | None = None  # the module it needs beyond the runtime dependencies
    # True: one fit covers all labels of a dataset, so the benchmark fits and times it once.
    fits_labels_jointly = False

    def __init__(self) -> None:
        self.thresholds: dict[str, float] = {}  # the labels it trained, and where it flags

    def fit(self, train: pd.DataFrame, labels: Sequence[str]) -> None:
        raise NotImplementedError

    def score(self, test: pd.DataFrame) -> dict[str, np.ndarray]:
        """Scores of every test row, in row order, for each label in ``thresholds``."""
        raise NotImplementedError


class Ours(System):
    name = "ours"
    description = (
        "the full moderation model: `moderation.commands.train.train` on a canonical CSV of the train rows "
        "(cross-validated, Platt-calibrated, best-F1 thresholds), scored with `Scorer.score_threads` against "
        "each test comment's whole test thread; threshold = the model's"
    )
    fits_labels_jointly = True

    def fit(self, train: pd.DataFrame, labels: Sequence[str]) -> None:
        from moderation.model.store import load_model
        from moderation.commands.train import train as train_model

        # Outside the repository, and gone once the model is in memory.
        with tempfile.TemporaryDirectory(prefix="moderation-bench-") as workdir:
            csv_path = Path(workdir) / "train.csv"
            canonical_csv(train, labels).to_csv(csv_path, index=False)
            train_model([csv_path], Path(workdir) / "model")
            self.model = load_model(Path(workdir) / "model")
        self.thresholds = {label: self.model.thresholds[label] for label in labels if label in self.model.thresholds}

    def score(self, test: pd.DataFrame) -> dict[str, np.ndarray]:

        comments = [
            Comment(text=row.text, id=row.id, thread_id=row.thread_id, parent_id=row.parent_id, author=row.author, article=row.article)
            for row in test.itertuples()
        ]
        scores = self.model.scorer.score_threads(comments)
        return {label: scores[:, LABELS.index(label)] for label in self.thresholds}


def canonical_csv(frame: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """The rows in the canonical schema: the given labels as 1 / 0 / empty, the others absent."""
    table = frame[[column for column in CANONICAL_CSV_COLUMNS if column not in LABELS or column in labels]].copy()
    for label in labels:
        table[label] = table[label].map(lambda value: "" if math.isnan(value) else str(int(value)))
    return table


class PerLabelSystem(System):
    """A system with one independent model per label, fitted on the rows that annotate it."""

    def fit(self, train: pd.DataFrame, labels: Sequence[str]) -> None:
        self.models, self.thresholds = {}, {}
        for label in labels:
            known = train[label].notna()
            texts = train.loc[known, "text"].tolist()
            y = train.loc[known, label].to_numpy(dtype=int)
            self.models[label], self.thresholds[label] = self.fit_label(texts, y)

    def score(self, test: pd.DataFrame) -> dict[str, np.ndarray]:
        texts = test["text"].tolist()
        return {label: self.predict(model, texts) for label, model in self.models.items()}

    def fit_label(self, texts: list[str], y: np.ndarray):
        """The fitted model of one label and its threshold."""
        raise NotImplementedError

    def predict(self, model, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


class PlainBaseline(PerLabelSystem):
    name = "plain"
    description = (
        "TF-IDF word 1-2-grams + char_wb 2-5-grams (sublinear tf) → LogisticRegression(class_weight=balanced, "
        "liblinear), nothing else; threshold 0.5"
    )

    def fit_label(self, texts, y):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ]
        )
        classifier = LogisticRegression(class_weight="balanced", solver="liblinear")
        return make_pipeline(features, classifier).fit(texts, y), 0.5

    def predict(self, model, texts):
        return model.predict_proba(texts)[:, 1]


class ProfanityCheck(PerLabelSystem):
    name = "profanity-check"
    description = "alt-profanity-check `predict_prob`, zero-shot (not fitted on our data); hostile only; threshold 0.5"
    labels = ("hostile",)
    requires = "profanity_check"

    def fit_label(self, texts, y):
        return None, 0.5

    def predict(self, model, texts):
        from profanity_check import predict_prob

        return np.asarray(predict_prob(texts), dtype=float)


class FastText(PerLabelSystem):
    name = "fasttext"
    description = (
        "fastText supervised on lower-cased text with whitespace collapsed (epoch 25, lr 0.5, wordNgrams 2, "
        f"minn 2, maxn 5, dim 100, softmax, seed {SEED}, thread 1); probability of the positive label; threshold 0.5"
    )
    requires = "fasttext"

    def fit_label(self, texts, y):
        import fasttext

        with tempfile.TemporaryDirectory(prefix="moderation-bench-fasttext-") as workdir:
            path = Path(workdir) / "train.txt"
            path.write_text(
                "".join(f"__label__{label} {text}\n" for label, text in zip(y, map(fasttext_text, texts))), encoding="utf-8"
            )
            return fasttext.train_supervised(input=str(path), verbose=0, **FASTTEXT_OPTIONS), 0.5

    def predict(self, model, texts):
        labels, probabilities = model.predict([fasttext_text(text) for text in texts], k=2)
        positive = [dict(zip(row_labels, row_probabilities)).get("__label__1", 0.0) for row_labels, row_probabilities in zip(labels, probabilities)]
        # fastText's softmax can return 1.00001.
        return np.clip(np.asarray(positive, dtype=float), 0.0, 1.0)


def fasttext_text(text: str) -> str:
    """One line, as fastText reads one example per line."""
    return " ".join(text.lower().split())


class LengthOnly(PerLabelSystem):
    name = "length-only"
    description = (
        "logistic regression on log(1 + characters) alone; threshold: the best F1 on the train rows "
        "(the rule ours uses on its cross-validated scores)"
    )

    def fit_label(self, texts, y):
        from sklearn.linear_model import LogisticRegression

        from moderation.model.pipeline import choose_threshold

        model = LogisticRegression().fit(log_length(texts), y)
        return model, choose_threshold(model.predict_proba(log_length(texts))[:, 1], y)

    def predict(self, model, texts):
        return model.predict_proba(log_length(texts))[:, 1]


def log_length(texts: list[str]) -> np.ndarray:
    return np.log1p([len(text) for text in texts]).reshape(-1, 1)


SYSTEMS: dict[str, type[System]] = {system.name: system for system in (Ours, PlainBaseline, ProfanityCheck, FastText, LengthOnly)}
