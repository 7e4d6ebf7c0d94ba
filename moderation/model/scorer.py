"""The NumPy-only scoring form of a trained model: :class:`Scorer`.

Scoring a comment must not import scikit-learn or pandas (together about a second of start-up),
so training exports the fitted pipeline as plain arrays — vocabularies, idf weights,
coefficients, the context-feature scaling, the calibration, the thresholds — and the Scorer
reproduces the pipeline's arithmetic on them (``tests/test_scorer.py`` checks it against the
pipeline). Every command scores through it: ``label``, ``evaluate`` and the server's Perspective
endpoint in batches of whole threads, ``score`` and the server's native endpoint one comment
at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from moderation.comments import LABELS, Comment
from moderation.errors import ModelError
from moderation.features.context import (
    CONTEXT_FEATURES,
    EarlierComments,
    WholeThreads,
    WordFacts,
    encoded_comments,
    whole_thread_features,
)
from moderation.features.sparse import pack, sorted_lookup, sublinear_tfidf, sum_by
from moderation.features.text import EncodedTexts, PerWordIds, PerWordValues, char_ngrams_of_word

WORD_TABLE_LIMIT = 1_000_000
"""Distinct words a scorer keeps between batches; beyond, it starts a new table."""

REMEMBERED_COMMENTS = 20_000
"""Comments a stream keeps to compare new ones with (the most recent), whatever its length."""

REMEMBERED_ARTICLES = 2_000
"""Distinct articles a stream keeps vectors of."""

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
    "thresholds",
)


def encode_strings(strings: list[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array: compact, and loadable without pickle."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def decode_strings(array: np.ndarray) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n") if array.size else []


def check_arrays(arrays: dict[str, np.ndarray], source: str) -> None:
    """Refuse arrays that are not a model's: missing or extra names, wrong types or shapes.

    A digest proves a file unchanged, not that it is a model this code can use.
    """

    def refuse(problem: str) -> ModelError:
        return ModelError(f"{source}: not a model this moderation can use ({problem}); retrain it with `moderation train`")

    if set(arrays) != set(ARRAY_NAMES):
        missing, extra = sorted(set(ARRAY_NAMES) - set(arrays)), sorted(set(arrays) - set(ARRAY_NAMES))
        raise refuse(", ".join(filter(None, [missing and f"missing {', '.join(missing)}", extra and f"unexpected {', '.join(extra)}"])))
    for name, array in arrays.items():
        expected = np.uint8 if name.endswith("vocabulary") else bool if name == "trained" else np.floating
        if not np.issubdtype(array.dtype, expected):
            raise refuse(f"{name} has type {array.dtype}")
        if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
            raise refuse(f"{name} holds NaN or infinite values")
    labels, context = len(LABELS), arrays["context_coef"].shape[-1] if arrays["context_coef"].ndim == 2 else -1
    try:
        words, chars = len(decode_strings(arrays["word_vocabulary"])), len(decode_strings(arrays["char_vocabulary"]))
    except UnicodeDecodeError:
        raise refuse("a vocabulary is not UTF-8") from None
    shapes = {
        "word_vocabulary": (arrays["word_vocabulary"].size,),
        "char_vocabulary": (arrays["char_vocabulary"].size,),
        "word_idf": (words,),
        "word_coef": (words, labels),
        "char_idf": (chars,),
        "char_coef": (chars, labels),
        "context_fill": (context,),
        "context_mean": (context,),
        "context_scale": (context,),
        "context_coef": (labels, context),
        "intercept": (labels,),
        "calibration": (labels, 2),
        "trained": (labels,),
        "thresholds": (labels,),
    }
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise refuse(f"{name} has shape {arrays[name].shape}, expected {shape}")
    if context not in (0, len(CONTEXT_FEATURES)):
        raise refuse(f"{context} context features, expected {len(CONTEXT_FEATURES)}")
    if not (arrays["context_scale"] > 0).all():
        raise refuse("a context feature's scale is not positive")


@dataclass
class Contribution:
    """One feature's share of a label's decision value."""

    feature: str
    weight: float


@dataclass
class FeatureRows:
    """Texts as the model's features: each n-gram block as sparse (text, feature, value)
    triples, and the context features imputed and standardized."""

    count: int
    blocks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # "word"/"char" → (texts, features, values)
    context: np.ndarray


class NgramIds:
    """Which of a model's n-gram features each word of a :class:`WordFacts` table makes, looked
    up once per word: its unigram, the bigrams it can start, its within-word char n-grams."""

    def __init__(self, word_terms: list[str], char_index: dict[str, int], facts: WordFacts):
        table = facts.table
        self.facts = facts
        self.char_index = char_index
        unigram_index, bigram_keys, bigram_features = {}, [], []
        for feature, term in enumerate(word_terms):
            first, _, second = term.partition(" ")
            if second:
                bigram_keys.append(int(pack(table.id_of(first), table.id_of(second))))
                bigram_features.append(feature)
            else:
                unigram_index[term] = feature
        order = np.argsort(bigram_keys)
        self.bigram_keys = np.array(bigram_keys, dtype=np.int64)[order]
        self.bigram_features = np.array(bigram_features, dtype=np.int64)[order]
        self._unigram_index = unigram_index
        self._unigrams = PerWordValues(table)
        self._chars = PerWordIds(table)

    def _char_features_of_word(self, word: str) -> list[int]:
        index = self.char_index
        return [index[g] for g in char_ngrams_of_word(word) if g in index]

    def occurrences(self, encoded: EncodedTexts) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(text, feature id) of every word-n-gram and char-n-gram occurrence in the vocabulary."""
        ids, docs = encoded.ids, encoded.docs
        unigrams = self._unigrams.array(lambda word: self._unigram_index.get(word, -1))[ids]
        known = unigrams >= 0
        word_docs, word_features = [docs[known]], [unigrams[known]]
        if len(ids) > 1:
            same_text = docs[1:] == docs[:-1]
            where, hit = sorted_lookup(self.bigram_keys, pack(ids[:-1][same_text], ids[1:][same_text]))
            word_docs.append(docs[:-1][same_text][hit])
            word_features.append(self.bigram_features[where[hit]])
        counts, char_features = self._chars.gather(ids, self._char_features_of_word)
        return {"word": (np.concatenate(word_docs), np.concatenate(word_features)), "char": (np.repeat(docs, counts), char_features)}


class Scorer:
    """Scores comments from a model's arrays, exactly as the training pipeline would.

    It owns the word table every step numbers words with (context features and n-gram lookups
    must agree on ids), so a text is tokenized once. Batch: :meth:`score_threads`, each comment
    against its whole thread; streaming: :meth:`stream`, each comment against the ones before
    it; :meth:`explain` says which features raised a score.
    """

    def __init__(self, arrays: dict[str, np.ndarray], source: str = "model", facts: WordFacts | None = None):
        check_arrays(arrays, source)
        self.arrays = arrays
        self.word_terms = decode_strings(arrays["word_vocabulary"])
        self.char_terms = decode_strings(arrays["char_vocabulary"])
        self.char_index = {term: i for i, term in enumerate(self.char_terms)}
        self.trained = arrays["trained"].astype(bool)
        self.thresholds = {label: float(t) for label, t, ok in zip(LABELS, arrays["thresholds"], self.trained) if ok}
        self.ngrams = self.ngram_ids(facts or WordFacts())

    @property
    def facts(self) -> WordFacts:
        return self.ngrams.facts

    def ngram_ids(self, facts: WordFacts) -> NgramIds:
        """N-gram lookups for a word table (each stream keeps its own table)."""
        return NgramIds(self.word_terms, self.char_index, facts)

    # -- features and scores --------------------------------------------------------------
    def feature_rows(self, encoded: EncodedTexts, contexts: np.ndarray, ngrams: NgramIds) -> FeatureRows:
        """The model's features of encoded texts with their context features."""
        a = self.arrays
        blocks = {
            block: sublinear_tfidf(docs, features, encoded.count, a[f"{block}_idf"])
            for block, (docs, features) in ngrams.occurrences(encoded).items()
        }
        context = np.zeros((encoded.count, 0))
        if a["context_coef"].shape[1]:
            raw = np.asarray(contexts, dtype=float).reshape(encoded.count, -1)
            raw = np.where(np.isnan(raw), a["context_fill"], raw)  # as the pipeline's imputer
            context = (raw - a["context_mean"]) / a["context_scale"]  # and its scaler
        return FeatureRows(encoded.count, blocks, context)

    def decisions(self, rows: FeatureRows) -> np.ndarray:
        """Linear decision values: one row per text, one column per label."""
        a = self.arrays
        total = np.tile(a["intercept"], (rows.count, 1))
        for block, (docs, features, values) in rows.blocks.items():
            coef = a[f"{block}_coef"]
            for j in range(total.shape[1]):
                total[:, j] += sum_by(docs, values * coef[features, j], rows.count)
        return total + rows.context @ a["context_coef"].T

    def scores_of(self, rows: FeatureRows) -> np.ndarray:
        """Calibrated probabilities, one row per text; NaN for labels the model was not trained on."""
        calibration = self.arrays["calibration"]
        z = calibration[:, 0] * self.decisions(rows) + calibration[:, 1]
        return np.where(self.trained, 1.0 / (1.0 + np.exp(-z)), np.nan)

    def thread_statistics(self) -> WholeThreads:
        """Empty statistics on this scorer's word table, to gather threads too large to score
        in one batch; pass them to :meth:`score_threads`."""
        return WholeThreads(self.facts)

    def score_threads(self, comments: Sequence[Comment], threads: WholeThreads | None = None) -> np.ndarray:
        """Scores of comments (one row each, NaN rows for empty texts), each against its whole
        thread: the comments of ``comments`` with its thread id, or ``threads`` if given."""
        if threads is None and len(self.facts.table) > WORD_TABLE_LIMIT:
            # Nothing outlives a batch of whole threads, so memory need not grow with the input.
            self.ngrams = self.ngram_ids(WordFacts())
        rows = [row for row, comment in enumerate(comments) if comment.text.strip()]
        scores = np.full((len(comments), len(LABELS)), np.nan)
        if rows:
            scores[rows] = self.scores_of(self.thread_features([comments[r] for r in rows], threads))
        return scores

    def thread_features(self, comments: Sequence[Comment], threads: WholeThreads | None = None) -> FeatureRows:
        """The features of comments (all with non-empty text) against their whole threads, as
        :meth:`score_threads` describes."""
        return self.feature_rows(*whole_thread_features(self.facts, comments, threads), self.ngrams)

    def stream(self, remembered: int = REMEMBERED_COMMENTS) -> ScoreStream:
        """A stream that scores comments one at a time against the earlier ones it was given."""
        return ScoreStream(self, remembered)

    # -- explanations ---------------------------------------------------------------------
    def contributions(self, rows: FeatureRows, row: int, label: str) -> list[Contribution]:
        """Every feature's term of ``label``'s decision value for text ``row`` (they sum to it,
        minus the intercept)."""
        a = self.arrays
        j = LABELS.index(label)
        parts = []
        for block, (docs, features, values) in rows.blocks.items():
            terms, name = (self.word_terms, "{}") if block == "word" else (self.char_terms, "chars '{}'")
            mine = docs == row
            parts += [
                Contribution(name.format(terms[f]), float(v * a[f"{block}_coef"][f, j]))
                for f, v in zip(features[mine].tolist(), values[mine].tolist())
            ]
        if rows.context.shape[1]:
            parts += [
                Contribution(f"context {name}", float(z * w)) for name, z, w in zip(CONTEXT_FEATURES, rows.context[row], a["context_coef"][j])
            ]
        return parts

    def explain(self, rows: FeatureRows, row: int, label: str, top: int = 5) -> list[Contribution]:
        """The features that pushed ``label``'s decision up the most for text ``row``, largest first."""
        positive = [p for p in self.contributions(rows, row, label) if p.weight > 0]
        return sorted(positive, key=lambda p: -p.weight)[:top]


@dataclass
class ScoredComment:
    """A streamed comment's scores (None for an empty text), and its features for :meth:`explain`."""

    scores: np.ndarray | None
    features: FeatureRows | None = None


class ScoreStream:
    """Scores comments one at a time, each against the earlier comments of its thread and its
    article, in bounded memory.

    It keeps the last ``remembered`` comments: when twice as many have gone by (or the word
    table or the articles grow past their limits), it starts afresh with a new word table and
    only the most recent ones, so time per comment and memory stay flat on an endless stream.
    """

    def __init__(self, scorer: Scorer, remembered: int = REMEMBERED_COMMENTS):
        self.scorer = scorer
        self.remembered = remembered
        self._restart([])

    def _restart(self, recent: list[Comment]) -> None:
        self.ngrams = self.scorer.ngram_ids(WordFacts())
        self.earlier = EarlierComments(self.ngrams.facts)
        self.recent: deque[Comment] = deque(recent)
        if recent:
            self.earlier.add(recent, *encoded_comments(self.ngrams.facts, recent))

    def _kept(self) -> list[Comment]:
        """The most recent comments worth keeping across a restart."""
        kept, articles = [], set()
        for comment in reversed(self.recent):
            if len(kept) >= self.remembered or (comment.article not in articles and len(articles) >= REMEMBERED_ARTICLES // 2):
                break
            kept.append(comment)
            articles.add(comment.article)
        return kept[::-1]

    def score(self, comment: Comment) -> ScoredComment:
        """Score ``comment`` against the earlier ones, then remember it."""
        if not comment.text.strip():
            return ScoredComment(None)
        facts = self.ngrams.facts
        encoded, vectors = encoded_comments(facts, [comment])
        contexts = self.earlier.features([comment], encoded, vectors)
        self.earlier.add([comment], encoded, vectors)
        rows = self.scorer.feature_rows(encoded, contexts, self.ngrams)
        self.recent.append(comment)
        if (
            len(self.recent) >= 2 * self.remembered
            or len(facts.table) > WORD_TABLE_LIMIT
            or len(self.earlier.articles) > REMEMBERED_ARTICLES
        ):
            self._restart(self._kept())
        return ScoredComment(self.scorer.scores_of(rows)[0], rows)
