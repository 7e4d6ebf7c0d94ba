"""The NumPy-only scoring form of a trained model.

Scoring a comment must not import scikit-learn or pandas (together about a second of start-up),
so training exports the fitted pipeline as plain arrays — vocabularies, idf weights,
coefficients, the context-feature scaling and the calibration — and this module reproduces
the pipeline's arithmetic on them. ``tests/test_compact.py`` checks it against the pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from moderation.comments import LABELS, Comment
from moderation.context import CONTEXT_FEATURES
from moderation.text import char_ngrams_of_word, tokenize, word_ngrams

ARRAY_NAMES = (
    "word_vocabulary",
    "word_idf",
    "word_coef",
    "char_vocabulary",
    "char_idf",
    "char_coef",
    "context_fill",
    "context_mean",
    "context_scale",
    "context_coef",
    "intercept",
    "calibration",
    "trained",
)


def encode_strings(strings: list[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array: compact, and loadable without pickle."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def decode_strings(array: np.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n") if array.size else []


def export_arrays(classifier) -> dict[str, np.ndarray]:
    """The arrays of a fitted :class:`moderation.model.ModerationClassifier`."""
    features = classifier.pipeline_.named_steps["features"]
    heads = classifier.pipeline_.named_steps["classifiers"].classifiers_
    words, chars = features.named_transformers_["words"], features.named_transformers_["chars"]
    word_terms = sorted(words.vocabulary_, key=words.vocabulary_.get)
    char_terms = sorted(chars.vocabulary_, key=chars.vocabulary_.get)
    n_words, n_chars = len(word_terms), len(char_terms)
    n_context = len(CONTEXT_FEATURES) if "context" in features.named_transformers_ else 0
    coef = np.zeros((len(heads), n_words + n_chars + n_context))
    intercept = np.zeros(len(heads))
    for j, head in enumerate(heads):
        if head is not None:
            coef[j], intercept[j] = head.coef_[0], head.intercept_[0]
    if n_context:
        context = features.named_transformers_["context"]
        fill = context.named_steps["impute"].statistics_
        mean, scale = context.named_steps["scale"].mean_, context.named_steps["scale"].scale_
    else:
        fill = mean = np.zeros(0)
        scale = np.ones(0)
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
        "calibration": np.nan_to_num(classifier.calibration_, nan=0.0),
        "trained": np.array([head is not None for head in heads]),
    }


@dataclass
class Contribution:
    feature: str
    weight: float


class CompactModel:
    """Scores comments from the exported arrays; mirrors the training pipeline exactly."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.word_terms = decode_strings(arrays["word_vocabulary"])
        self.char_terms = decode_strings(arrays["char_vocabulary"])
        self.word_index = {term: i for i, term in enumerate(self.word_terms)}
        self.char_index = {term: i for i, term in enumerate(self.char_terms)}
        self.labels = tuple(label for label, ok in zip(LABELS, arrays["trained"]) if ok)
        self.trained = arrays["trained"].astype(bool)
        self.has_context = arrays["context_coef"].shape[1] > 0
        # Per-word cache of in-vocabulary char n-gram ids: words repeat, n-grams are costly.
        self.char_ids_of_word = lru_cache(maxsize=1 << 18)(self._char_ids_of_word)

    def _char_ids_of_word(self, word: str) -> np.ndarray:
        index = self.char_index
        return np.array([index[g] for g in char_ngrams_of_word(word) if g in index], dtype=np.int64)

    def _tfidf(self, ids: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unique feature ids and their l2-normalized sublinear TF-IDF values."""
        if ids.size == 0:
            return ids, np.zeros(0)
        unique, counts = np.unique(ids, return_counts=True)
        values = (1.0 + np.log(counts)) * idf[unique]
        return unique, values / math.sqrt(values @ values)

    def _vectors(self, text: str):
        tokens = tokenize(text)
        index = self.word_index
        word_ids = np.array([index[g] for g in word_ngrams(tokens) if g in index], dtype=np.int64)
        char_ids = np.concatenate([self.char_ids_of_word(w) for w in tokens]) if tokens else np.zeros(0, np.int64)
        return self._tfidf(word_ids, self.arrays["word_idf"]), self._tfidf(char_ids, self.arrays["char_idf"])

    def _scaled_context(self, context: tuple[float, ...]) -> np.ndarray:
        a = self.arrays
        raw = np.asarray(context, dtype=float)
        raw = np.where(np.isnan(raw), a["context_fill"], raw)
        return (raw - a["context_mean"]) / a["context_scale"]

    def decision(self, text: str, context: tuple[float, ...]) -> np.ndarray:
        """Linear decision values, one per label (the logistic regressions' outputs)."""
        a = self.arrays
        (word_ids, word_x), (char_ids, char_x) = self._vectors(text)
        total = a["intercept"] + word_x @ a["word_coef"][word_ids] + char_x @ a["char_coef"][char_ids]
        if self.has_context:
            total = total + a["context_coef"] @ self._scaled_context(context)
        return total

    def scores(self, text: str, context: tuple[float, ...]) -> np.ndarray:
        """Calibrated probabilities, one per label; NaN for labels the model was not trained on."""
        calibration = self.arrays["calibration"]
        z = calibration[:, 0] * self.decision(text, context) + calibration[:, 1]
        return np.where(self.trained, 1.0 / (1.0 + np.exp(-z)), np.nan)

    def contributions(self, text: str, context: tuple[float, ...], label: str) -> list[Contribution]:
        """Every feature's term of ``label``'s decision value (they sum to it, minus the intercept)."""
        a = self.arrays
        j = LABELS.index(label)
        (word_ids, word_x), (char_ids, char_x) = self._vectors(text)
        parts = [
            *(Contribution(self.word_terms[i], float(x * a["word_coef"][i, j])) for i, x in zip(word_ids, word_x)),
            *(Contribution(f"chars '{self.char_terms[i]}'", float(x * a["char_coef"][i, j])) for i, x in zip(char_ids, char_x)),
        ]
        if self.has_context:
            scaled = self._scaled_context(context)
            parts += [
                Contribution(f"context {name}", float(z * w))
                for name, z, w in zip(CONTEXT_FEATURES, scaled, a["context_coef"][j])
            ]
        return parts

    def explain(self, text: str, context: tuple[float, ...], label: str, top: int = 5) -> list[Contribution]:
        """The features that pushed ``label``'s decision up the most, largest first."""
        positive = [p for p in self.contributions(text, context, label) if p.weight > 0]
        return sorted(positive, key=lambda p: -p.weight)[:top]


def score_batch(model: CompactModel, comments: list[Comment], contexts) -> np.ndarray:
    """Scores of many comments, one row per comment."""
    return np.array([model.scores(c.text, ctx) for c, ctx in zip(comments, contexts)]).reshape(len(comments), len(LABELS))
