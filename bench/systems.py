"""The systems the accuracy benchmark compares, behind one small interface.

A system is fitted on the train rows of a ``bench.datasets`` frame (canonical columns, labels
1.0 / 0.0 / NaN) for some labels, then scores every test row in [0, 1] for each label it could
train, in row order, and flags a row when its score reaches the label's threshold.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bench.priors import moderation_command, run_checked
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
        "the full moderation model: `moderation train` on a canonical CSV of the train rows (cross-validated, "
        "Platt-calibrated, thresholds from out-of-fold scores), with the hostility prior noted per dataset; scored "
        "with `Scorer.score_threads` against each test comment's whole test thread; threshold = the model's"
    )
    fits_labels_jointly = True

    def __init__(self, train_arguments: Sequence[str] = (), runner: Callable = subprocess.run) -> None:
        """``train_arguments`` go to ``moderation train`` (e.g. ``--prior DIR``); ``runner`` runs it
        (``subprocess.run``; tests pass a stand-in)."""
        super().__init__()
        self.train_arguments = list(train_arguments)
        self.runner = runner

    def fit(self, train: pd.DataFrame, labels: Sequence[str]) -> None:
        from moderation.model.store import load_model

        # The command line, as a user trains: the benchmark tests what ships, options included.
        # Outside the repository, and gone once the model is in memory.
        with tempfile.TemporaryDirectory(prefix="moderation-bench-") as workdir:
            csv_path, model_dir = Path(workdir) / "train.csv", Path(workdir) / "model"
            canonical_csv(train, labels).to_csv(csv_path, index=False)
            command = moderation_command("train", str(csv_path), "--model", str(model_dir), "--quiet", *self.train_arguments)
            run_checked(command, Path(workdir), "moderation train", self.runner)
            self.model = load_model(model_dir)
        self.thresholds = {label: self.model.thresholds[label] for label in labels if label in self.model.thresholds}

    def score(self, test: pd.DataFrame) -> dict[str, np.ndarray]:
        scores = self.model.scorer.score_threads(comments_of(test))
        return {label: scores[:, LABELS.index(label)] for label in self.thresholds}


class OursNoPrior(Ours):
    name = "ours-no-prior"
    description = "ours trained with `moderation train --no-prior`: the same model without the hostility prior"

    def __init__(self, train_arguments: Sequence[str] = (), runner: Callable = subprocess.run) -> None:
        # Whatever prior the benchmark would pick, this system has none.
        super().__init__(["--no-prior"], runner)


def comments_of(frame: pd.DataFrame) -> list[Comment]:
    """The rows of a canonical frame as comments, in row order."""
    return [
        Comment(text=row.text, id=row.id, thread_id=row.thread_id, parent_id=row.parent_id, author=row.author, article=row.article)
        for row in frame.itertuples()
    ]


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


class HostileWordList(PerLabelSystem):
    name = "word-list"
    description = (
        "hits in the hostile word list (`moderation.features.wordlists.HOSTILE_WORDS`) over the tokens of "
        "`moderation.features.text.tokenize`, alone; score hits / (1 + hits); zero-shot; hostile only; "
        "threshold 0.5 (one hit)"
    )
    labels = ("hostile",)

    def fit_label(self, texts, y):
        return None, 0.5

    def predict(self, model, texts):
        hits = hostile_word_hits(texts)
        return hits / (1.0 + hits)


def hostile_word_hits(texts: Sequence[str]) -> np.ndarray:
    """How many tokens of each text are in the hostile word list."""
    from moderation.features.text import tokenize
    from moderation.features.wordlists import HOSTILE_WORDS

    return np.array([sum(token in HOSTILE_WORDS for token in tokenize(text)) for text in texts], dtype=float)


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


SYSTEMS: dict[str, type[System]] = {
    system.name: system for system in (Ours, OursNoPrior, PlainBaseline, ProfanityCheck, HostileWordList, FastText, LengthOnly)
}
DEFAULT_SYSTEMS = ["ours", "plain", "profanity-check", "word-list", "fasttext", "length-only"]
"""What a run compares unless told otherwise: ours-no-prior is for design runs that ask what the prior adds."""
