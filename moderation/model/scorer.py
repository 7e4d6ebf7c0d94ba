"""The NumPy-only scoring form of a trained model.

Scoring a comment must not import scikit-learn or pandas (together about a second of start-up),
so training exports the fitted pipeline as plain arrays — vocabularies, idf weights,
coefficients, the context-feature scaling and the calibration — and this module reproduces
the pipeline's arithmetic on them. ``tests/test_compact.py`` checks it against the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moderation.comments import LABELS
from moderation.features.context import CONTEXT_FEATURES
from moderation.features.text import KEY_SHIFT, EncodedTexts, PerWordIds, WordTable, char_ngrams_of_word, pack, sum_by


def encode_strings(strings: list[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array: compact, and loadable without pickle."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def decode_strings(array: np.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n") if array.size else []


def export_arrays(classifier) -> dict[str, np.ndarray]:
    """The arrays of a fitted :class:`moderation.model.pipeline.ModerationClassifier`."""
    features = classifier.pipeline_.named_steps["features"]
    classifiers = classifier.pipeline_.named_steps["classifiers"]
    heads, feature_weights = classifiers.classifiers_, classifiers.feature_weights_
    words, chars = features.named_transformers_["words"], features.named_transformers_["chars"]
    word_terms = sorted(words.vocabulary_, key=words.vocabulary_.get)
    char_terms = sorted(chars.vocabulary_, key=chars.vocabulary_.get)
    n_words, n_chars = len(word_terms), len(char_terms)
    n_context = len(CONTEXT_FEATURES) if "context" in features.named_transformers_ else 0
    coef = np.zeros((len(heads), n_words + n_chars + n_context))
    intercept = np.zeros(len(heads))
    for j, grid in enumerate(heads):
        if grid is not None:
            head = grid[classifier.chosen_C_[j]]
            # Feature weights (Naive Bayes ratios) fold into the coefficients: one linear model.
            coef[j], intercept[j] = head.coef_[0] * feature_weights[j], head.intercept_[0]
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
    """Scores comments from the exported arrays; mirrors the training pipeline exactly.

    Texts are encoded once per chunk as word ids (:class:`moderation.features.text.WordTable`, shared
    with the context features); each word's n-gram feature ids are looked up once, when the
    word is first seen, and everything per comment is NumPy over whole chunks.
    """

    def __init__(self, arrays: dict[str, np.ndarray], table: WordTable | None = None):
        self.arrays = arrays
        self.word_terms = decode_strings(arrays["word_vocabulary"])
        self.char_terms = decode_strings(arrays["char_vocabulary"])
        self.char_index = {term: i for i, term in enumerate(self.char_terms)}
        self.trained = arrays["trained"].astype(bool)
        self.has_context = arrays["context_coef"].shape[1] > 0
        self.table = table or WordTable()
        unigrams, bigram_keys, bigram_features = [], [], []
        for feature, term in enumerate(self.word_terms):
            first, _, second = term.partition(" ")
            if second:
                bigram_keys.append(int(pack(self.table.id_of(first), self.table.id_of(second))))
                bigram_features.append(feature)
            else:
                unigrams.append((self.table.id_of(term), feature))
        order = np.argsort(bigram_keys)
        self.bigram_keys = np.array(bigram_keys, dtype=np.int64)[order]
        self.bigram_features = np.array(bigram_features, dtype=np.int64)[order]
        self.unigram_feature = np.full(len(self.table.words), -1, dtype=np.int64)
        for word_id, feature in unigrams:
            self.unigram_feature[word_id] = feature
        self.char_features = PerWordIds(self.table)

    def _char_features_of_word(self, word: str) -> list[int]:
        index = self.char_index
        return [index[g] for g in char_ngrams_of_word(word) if g in index]

    def _ngram_occurrences(self, encoded: EncodedTexts):
        """(text, feature id) of every word-n-gram and char-n-gram occurrence in vocabulary."""
        ids, docs = encoded.ids, encoded.docs
        missing = len(self.table.words) - len(self.unigram_feature)
        if missing > 0:  # words first seen since: none is a vocabulary unigram
            self.unigram_feature = np.concatenate([self.unigram_feature, np.full(missing, -1, dtype=np.int64)])
        unigrams = self.unigram_feature[ids]
        known = unigrams >= 0
        word_docs, word_features = [docs[known]], [unigrams[known]]
        if len(self.bigram_keys) and len(ids) > 1:
            same_text = docs[1:] == docs[:-1]
            keys = pack(ids[:-1][same_text], ids[1:][same_text])
            where = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
            hit = self.bigram_keys[where] == keys
            word_docs.append(docs[:-1][same_text][hit])
            word_features.append(self.bigram_features[where[hit]])
        counts, char_features = self.char_features.gather(ids, self._char_features_of_word)
        return (
            (np.concatenate(word_docs), np.concatenate(word_features), "word"),
            (np.repeat(docs, counts), char_features, "char"),
        )

    def _tfidf(self, docs: np.ndarray, features: np.ndarray, idf: np.ndarray, n_docs: int):
        """Per (text, feature) l2-normalized sublinear TF-IDF values, as TfidfVectorizer computes."""
        keys, counts = np.unique(pack(docs, features), return_counts=True)
        docs, features = keys >> KEY_SHIFT, keys & ((1 << KEY_SHIFT) - 1)
        values = (1.0 + np.log(counts)) * idf[features]
        norms = np.sqrt(sum_by(docs, values * values, n_docs))
        return docs, features, values / norms[docs]

    def _scaled_context(self, context) -> np.ndarray:
        """Context features imputed and standardized, as the pipeline's imputer and scaler do."""
        a = self.arrays
        raw = np.asarray(context, dtype=float)
        raw = np.where(np.isnan(raw), a["context_fill"], raw)
        return (raw - a["context_mean"]) / a["context_scale"]

    def decisions(self, encoded: EncodedTexts, contexts: np.ndarray) -> np.ndarray:
        """Linear decision values: one row per text, one column per label."""
        a = self.arrays
        n = encoded.count
        total = np.tile(a["intercept"], (n, 1))
        for docs, features, block in self._ngram_occurrences(encoded):
            if len(features):
                docs, features, x = self._tfidf(docs, features, a[f"{block}_idf"], n)
                coef = a[f"{block}_coef"]
                for j in range(total.shape[1]):
                    total[:, j] += sum_by(docs, x * coef[features, j], n)
        if self.has_context:
            total += self._scaled_context(contexts) @ a["context_coef"].T
        return total

    def scores(self, encoded: EncodedTexts, contexts: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, one row per text; NaN for labels the model was not trained on."""
        calibration = self.arrays["calibration"]
        z = calibration[:, 0] * self.decisions(encoded, contexts) + calibration[:, 1]
        return np.where(self.trained, 1.0 / (1.0 + np.exp(-z)), np.nan)

    def contributions(self, text: str, context, label: str) -> list[Contribution]:
        """Every feature's term of ``label``'s decision value (they sum to it, minus the intercept)."""
        a = self.arrays
        j = LABELS.index(label)
        parts = []
        for docs, features, block in self._ngram_occurrences(self.table.encode([text])):
            if len(features):
                _, features, x = self._tfidf(docs, features, a[f"{block}_idf"], 1)
                terms = self.word_terms if block == "word" else self.char_terms
                label_text = "{}" if block == "word" else "chars '{}'"
                parts += [Contribution(label_text.format(terms[f]), float(v * a[f"{block}_coef"][f, j])) for f, v in zip(features, x)]
        if self.has_context:
            scaled = self._scaled_context(context)
            parts += [Contribution(f"context {name}", float(z * w)) for name, z, w in zip(CONTEXT_FEATURES, scaled, a["context_coef"][j])]
        return parts

    def explain(self, text: str, context, label: str, top: int = 5) -> list[Contribution]:
        """The features that pushed ``label``'s decision up the most, largest first."""
        positive = [p for p in self.contributions(text, context, label) if p.weight > 0]
        return sorted(positive, key=lambda p: -p.weight)[:top]
