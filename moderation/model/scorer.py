"""The NumPy-only scoring form of a trained model: :class:`Scorer`.

Scoring a comment must not import scikit-learn or pandas (together about a second of start-up),
so training exports the fitted pipeline as plain arrays (:class:`moderation.model.format.ModelArrays`)
and the Scorer reproduces the pipeline's arithmetic on them (``tests/test_scorer.py`` checks it
against the pipeline). It scores comments against one of three contexts: each comment's whole
thread (:meth:`Scorer.score_threads`), earlier comments given with them
(:meth:`Scorer.score_after`), or the comments streamed before each (:meth:`Scorer.stream`, in
bounded memory); :meth:`Scorer.explain` says which features raised a score. Commands, the
server and annotate do not call it directly: they get verdicts (scores, flags, notes) from
:mod:`moderation.model.verdicts`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from moderation.comments import LABELS, Comment, has_text
from moderation.features.context import (
    CONTENT,
    CONTEXT_FEATURES,
    SHRUNK_BY,
    EarlierComments,
    WholeThreads,
    WordFacts,
    encoded_comments,
    vocative_names,
    whole_thread_features,
    without_own_topic,
)
from moderation.features.sparse import count_pairs, pack, sorted_lookup, sum_by, tfidf_of_counts
from moderation.features.text import EncodedTexts, PerWordIds, PerWordValues, char_ngrams_of_word
from moderation.model.explanations import BlockTerms, Contribution, Reason, feature_name, reasons
from moderation.model.format import ModelArrays

WORD_TABLE_LIMIT = 1_000_000
"""Distinct words a scorer keeps between batches; beyond, it starts a new table."""

REMEMBERED_COMMENTS = 20_000
"""Comments a stream keeps to compare new ones with (the most recent), whatever its length."""

REMEMBERED_ARTICLES = 2_000
"""Distinct articles a stream keeps vectors of."""

REMEMBERED_BYTES = 256 << 20
"""Memory a stream keeps for its recent comments, by :meth:`ScoreStream.cost`'s estimate. 20,000
news comments (C3) take 130 MB, so the count binds for ordinary comments and this for long ones
(a 100 KB comment of new words takes about 6 MB)."""
# Bytes per item, measured with tracemalloc (the estimate came within 1 % on C3 comments and
# 30 % above on comments of random words):
ENTRY_BYTES = 140  # a word of a comment's content vector: in its thread's sums, and kept with the comment
WORD_BYTES = 450  # a new word of the word table, with its per-word caches (flags, stems, n-grams)
COMMENT_BYTES = 600  # a remembered comment's record and its share of its thread's statistics

SHRINK = [(CONTEXT_FEATURES.index(similarity), CONTEXT_FEATURES.index(evidence)) for similarity, evidence in SHRUNK_BY.items()]
"""(similarity, evidence) column pairs: each similarity is shrunk toward its fill by its evidence."""


@dataclass
class FeatureRows:
    """Texts as the model's features: each n-gram block as sparse (text, feature, value)
    triples, the context features imputed, shrunk and standardized, and whether each text has
    a topic of its own to judge off-topic."""

    count: int
    blocks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # "word", "char", "prior_word"… → (texts, features, values)
    context: np.ndarray
    own_topic: np.ndarray


class WordVocabulary:
    """One word n-gram vocabulary of a model, indexed for lookups by word: each unigram's
    feature, each word of a bigram numbered, the bigrams as sorted keys of those numbers.
    Built once per model: word tables come and go, this stays."""

    def __init__(self, terms: list[str]):
        self.unigrams: dict[str, int] = {}
        self.bigram_words: dict[str, int] = {}
        firsts, seconds, bigram_features = [], [], []
        for feature, term in enumerate(terms):
            first, _, second = term.partition(" ")
            if second:
                firsts.append(self.bigram_words.setdefault(first, len(self.bigram_words)))
                seconds.append(self.bigram_words.setdefault(second, len(self.bigram_words)))
                bigram_features.append(feature)
            else:
                self.unigrams[term] = feature
        keys = pack(np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64))
        order = np.argsort(keys)
        self.bigram_keys = keys[order]
        self.bigram_features = np.array(bigram_features, dtype=np.int64)[order]


class CharVocabularies:
    """The char n-gram vocabularies of a model's origins (its own, the prior's), as one: every
    n-gram any of them knows, numbered, and its feature in each (-1 where absent). A text's
    n-grams are then counted once for all origins."""

    def __init__(self, terms: dict[str, list[str]]):
        self.grams: dict[str, int] = {}
        for origin_terms in terms.values():
            for term in origin_terms:
                self.grams.setdefault(term, len(self.grams))
        self.features = {}
        for origin, origin_terms in terms.items():
            feature_of_gram = np.full(len(self.grams), -1, dtype=np.int64)
            feature_of_gram[[self.grams[term] for term in origin_terms]] = np.arange(len(origin_terms))
            self.features[origin] = feature_of_gram

    def grams_of_word(self, word: str) -> list[int]:
        """The numbers of a word's char n-grams that some origin knows."""
        get = self.grams.get
        return [g for g in map(get, char_ngrams_of_word(word)) if g is not None]


class NgramLookups:
    """The n-gram lookups of a model's vocabularies on one word table, per word once: each
    word's unigram feature and bigram-word number in each word vocabulary, and its char
    n-grams."""

    def __init__(self, words: dict[str, WordVocabulary], chars: CharVocabularies, facts: WordFacts):
        self.facts = facts
        self.words = words
        self.chars = chars
        self._unigrams = {origin: PerWordValues(facts.table) for origin in words}
        self._bigram_words = {origin: PerWordValues(facts.table) for origin in words}
        self._grams = PerWordIds(facts.table)

    def counts(self, encoded: EncodedTexts) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(text, feature, count) of every n-gram in a vocabulary, by block ("word", "char",
        "prior_word", "prior_char")."""
        ids, docs = encoded.ids, encoded.docs
        found = {}
        for origin, vocabulary in self.words.items():
            unigrams = self._unigrams[origin].array(lambda word: vocabulary.unigrams.get(word, -1))[ids]
            known = unigrams >= 0
            word_docs, word_features = [docs[known]], [unigrams[known]]
            if len(ids) > 1:
                numbers = self._bigram_words[origin].array(lambda word: vocabulary.bigram_words.get(word, -1))[ids]
                pairs = (docs[1:] == docs[:-1]) & (numbers[:-1] >= 0) & (numbers[1:] >= 0)
                where, hit = sorted_lookup(vocabulary.bigram_keys, pack(numbers[:-1][pairs], numbers[1:][pairs]))
                word_docs.append(docs[:-1][pairs][hit])
                word_features.append(vocabulary.bigram_features[where[hit]])
            found[f"{origin}word"] = count_pairs(np.concatenate(word_docs), np.concatenate(word_features))
        per_token, grams = self._grams.gather(ids, self.chars.grams_of_word)
        rows, grams, counts = count_pairs(np.repeat(docs, per_token), grams)
        for origin, feature_of_gram in self.chars.features.items():
            features = feature_of_gram[grams]
            kept = features >= 0
            found[f"{origin}char"] = (rows[kept], features[kept], counts[kept])
        return found


class Scorer:
    """Scores comments from a model's arrays, exactly as the training pipeline would.

    It owns the word table every step numbers words with (context features and n-gram lookups
    must agree on ids), so a text is tokenized once. Batch: :meth:`score_threads`, each comment
    against its whole thread; streaming: :meth:`stream`, each comment against the ones before
    it; :meth:`explain` says which features raised a score.
    """

    def __init__(self, arrays: ModelArrays, facts: WordFacts | None = None):
        self.arrays = arrays
        self.blocks = {block: arrays.block(block) for block in arrays.blocks}
        self._words = {origin: WordVocabulary(self.blocks[f"{origin}word"].terms) for origin in arrays.origins}
        self._chars = CharVocabularies({origin: self.blocks[f"{origin}char"].terms for origin in arrays.origins})
        self.trained = arrays.trained.astype(bool)
        self.thresholds = {label: float(t) for label, t, ok in zip(LABELS, arrays.thresholds, self.trained) if ok}
        self.ngrams = self.ngram_lookups(facts or WordFacts())

    @property
    def facts(self) -> WordFacts:
        """The word table (and its per-word facts) batch scoring numbers words with."""
        return self.ngrams.facts

    def ngram_lookups(self, facts: WordFacts) -> NgramLookups:
        """N-gram lookups for a word table (each stream keeps its own table)."""
        return NgramLookups(self._words, self._chars, facts)

    # -- features and scores --------------------------------------------------------------
    def feature_rows(self, encoded: EncodedTexts, contexts: np.ndarray, ngrams: NgramLookups) -> FeatureRows:
        """The model's features of encoded texts with their context features, as the training
        pipeline computes them (see :func:`moderation.model.pipeline.build_features`)."""
        a = self.arrays
        blocks = {
            block: tfidf_of_counts(docs, features, counts, encoded.count, self.blocks[block].idf)
            for block, (docs, features, counts) in ngrams.counts(encoded).items()
        }
        context = np.zeros((encoded.count, 0))
        if a.context_features:
            raw = np.asarray(contexts, dtype=float).reshape(encoded.count, -1)
            raw = np.where(np.isnan(raw), a.context_fill, raw)  # imputed,
            for similarity, evidence in SHRINK:  # shrunk by their evidence,
                fill = a.context_fill[similarity]
                raw[:, similarity] = fill + raw[:, evidence] * (raw[:, similarity] - fill)
                raw[:, evidence] = 0.0
            context = (raw - a.context_mean) / a.context_scale  # and standardized
        content = (ngrams.facts.flags()[encoded.ids] & CONTENT) != 0
        content_words = np.bincount(encoded.docs[content], minlength=encoded.count)
        own_topic = ~without_own_topic(content_words, np.asarray(contexts, dtype=float).reshape(encoded.count, -1))
        return FeatureRows(encoded.count, blocks, context, own_topic)

    def decisions(self, rows: FeatureRows) -> np.ndarray:
        """Linear decision values: one row per text, one column per label."""
        a = self.arrays
        total = np.tile(a.intercept, (rows.count, 1))
        for block, (docs, features, values) in rows.blocks.items():
            coef = self.blocks[block].coef
            for j in range(total.shape[1]):
                total[:, j] += sum_by(docs, values * coef[features, j], rows.count)
        return total + rows.context @ a.context_coef.T

    def scores_of(self, rows: FeatureRows) -> np.ndarray:
        """Calibrated probabilities, one row per text; NaN for labels the model was not trained on.

        A label that needs content (off_topic) gives a text without a topic of its own its base
        rate (:func:`~moderation.features.context.without_own_topic`): a text without content
        words has nothing to compare with its article or thread, and a short reply counts
        through what it answers.
        """
        a = self.arrays
        z = a.calibration[:, 0] * self.decisions(rows) + a.calibration[:, 1]
        scores = 1.0 / (1.0 + np.exp(-z))
        scores = np.where(a.needs_content & ~rows.own_topic[:, None], a.base_rate, scores)
        return np.where(self.trained, scores, np.nan)

    def thread_statistics(self) -> WholeThreads:
        """Empty statistics on this scorer's word table, to gather threads too large to score
        in one batch; pass them to :meth:`score_threads`."""
        return WholeThreads(self.facts)

    def score_threads(self, comments: Sequence[Comment], threads: WholeThreads | None = None) -> np.ndarray:
        """Scores of comments (one row each, NaN rows for comments without text), each against its
        whole thread, as :meth:`thread_features` describes."""
        return self._scores_with_text(comments, lambda chosen: self.thread_features(chosen, threads))

    def score_after(self, comments: Sequence[Comment], earlier: Sequence[Comment]) -> np.ndarray:
        """Scores of comments (one row each, NaN rows for comments without text), each against its
        article and the ``earlier`` comments, as :meth:`features_after` describes."""
        return self._scores_with_text(comments, lambda chosen: self.features_after(chosen, [c for c in earlier if has_text(c.text)]))

    def _scores_with_text(self, comments: Sequence[Comment], features) -> np.ndarray:
        rows = [row for row, comment in enumerate(comments) if has_text(comment.text)]
        scores = np.full((len(comments), len(LABELS)), np.nan)
        if rows:
            scores[rows] = self.scores_of(features([comments[r] for r in rows]))
        return scores

    def thread_features(self, comments: Sequence[Comment], threads: WholeThreads | None = None) -> FeatureRows:
        """The features of comments (all with text), each against its whole thread: the
        comments of ``comments`` with its thread id, or ``threads`` if given."""
        if threads is None:  # statistics gathered beforehand number words with this table
            self._bound_word_table()
        return self.feature_rows(*whole_thread_features(self.facts, comments, threads), self.ngrams)

    def features_after(self, comments: Sequence[Comment], earlier: Sequence[Comment]) -> FeatureRows:
        """The features of comments (all with text), each against its article and the
        ``earlier`` comments (all with text) of its thread, as if it came next; nothing is
        remembered."""
        self._bound_word_table()
        statistics = EarlierComments(self.facts)
        if earlier:
            statistics.add(earlier)
        encoded, vectors = encoded_comments(self.facts, comments)
        return self.feature_rows(encoded, statistics.features(comments, encoded, vectors), self.ngrams)

    def _bound_word_table(self) -> None:
        """Start a new word table when this one grew past :data:`WORD_TABLE_LIMIT`: nothing
        outlives a call of :meth:`thread_features` or :meth:`features_after`, so memory need
        not grow with everything ever scored."""
        if len(self.facts.table) > WORD_TABLE_LIMIT:
            self.ngrams = self.ngram_lookups(WordFacts())

    def stream(self, remembered: int = REMEMBERED_COMMENTS, remembered_bytes: int = REMEMBERED_BYTES) -> ScoreStream:
        """A stream that scores comments one at a time against the earlier ones it was given."""
        return ScoreStream(self, remembered, remembered_bytes)

    # -- explanations ---------------------------------------------------------------------
    def terms(self, rows: FeatureRows, row: int, label: str) -> Iterator[BlockTerms]:
        """``label``'s decision value for text ``row`` term by term (the terms sum to it, minus
        the intercept): per n-gram block, then for the context features (block "context"),
        the features' names (n-grams, context features), values, and terms (value × coefficient)."""
        a = self.arrays
        j = LABELS.index(label)
        for block, (docs, features, values) in rows.blocks.items():
            start, end = np.searchsorted(docs, [row, row + 1])  # a block's triples are sorted by text
            terms, mine, value = self.blocks[block].terms, features[start:end], values[start:end]
            coef = self.blocks[block].coef[mine, j]
            yield BlockTerms(block, list(map(terms.__getitem__, mine.tolist())), value, value * coef)
        if rows.context.shape[1]:
            yield BlockTerms("context", list(CONTEXT_FEATURES), rows.context[row], rows.context[row] * a.context_coef[j])

    def contributions(self, rows: FeatureRows, row: int, label: str) -> list[Contribution]:
        """Every feature's term of ``label``'s decision value for text ``row``, one by one."""
        return [
            Contribution(feature_name(part.block, name), weight, part.block, name, value)
            for part in self.terms(rows, row, label)
            for name, value, weight in zip(part.names, part.values.tolist(), part.weights.tolist())
        ]

    def explain(self, rows: FeatureRows, row: int, label: str, text: str, top: int | None = 5) -> list[Reason]:
        """The words and phrases of ``text`` (the text of row ``row``), and the features of
        the comment as a whole, that pushed ``label``'s decision up the most, largest first
        (see :mod:`moderation.model.explanations`); ``top=None``: all of them, the terms
        gathered, in no particular order."""
        return reasons(self.terms(rows, row, label), text, top)


@dataclass
class ScoredComment:
    """A streamed comment's scores (None for an empty text), and its features for :meth:`explain`."""

    scores: np.ndarray | None
    features: FeatureRows | None = None


@dataclass(frozen=True)
class RememberedComment:
    """What a stream keeps of a comment to compare later ones with: its content vector and
    the fields that name people, never its text or its article."""

    id: str
    thread_id: str
    author: str
    article: int  # the article's hash: articles are only told apart, to bound how many are kept
    vocatives: frozenset[str]
    words: np.ndarray  # content words (plurals folded), as ids of the stream's word table
    weights: np.ndarray
    cost: int  # estimated bytes the comment costs the stream


class ScoreStream:
    """Scores comments one at a time, each against the earlier comments of its thread and its
    article, in bounded memory.

    It keeps the last ``remembered`` comments, within ``remembered_bytes`` (estimated, see
    :meth:`cost`): when twice as many, or twice the bytes, have gone by (or the word table or the
    articles grow past their limits), it starts afresh with a new word table and only the most
    recent ones, so time per comment and memory stay flat on an endless stream. Of a comment it
    keeps only what the context features need (:class:`RememberedComment`).
    """

    def __init__(self, scorer: Scorer, remembered: int = REMEMBERED_COMMENTS, remembered_bytes: int = REMEMBERED_BYTES):
        self.scorer = scorer
        self.remembered = remembered
        self.remembered_bytes = remembered_bytes
        self._restart([])

    def _restart(self, kept: list[RememberedComment]) -> None:
        old_words = self.ngrams.facts.table.words if kept else []  # kept words are renumbered
        self.ngrams = self.scorer.ngram_lookups(WordFacts())
        self.earlier = EarlierComments(self.ngrams.facts)
        id_of = self.ngrams.facts.table.id_of
        kept = [replace(c, words=np.array([id_of(old_words[i]) for i in c.words.tolist()], dtype=np.int64)) for c in kept]
        self.recent: deque[RememberedComment] = deque(kept)
        self.bytes = sum(c.cost for c in kept)
        if kept:
            docs = np.repeat(np.arange(len(kept)), [len(c.words) for c in kept])
            vectors = (docs, np.concatenate([c.words for c in kept]), np.concatenate([c.weights for c in kept]))
            self.earlier.add(kept, None, vectors, [c.vocatives for c in kept])

    def _kept(self) -> list[RememberedComment]:
        """The most recent comments worth keeping across a restart: within the limits, and
        within half the word table's and the articles' (or the next comment would restart again)."""
        kept, articles, size, words = [], set(), 0, 0
        for comment in reversed(self.recent):
            if (
                len(kept) >= self.remembered
                or size + comment.cost > self.remembered_bytes
                or words + len(comment.words) > WORD_TABLE_LIMIT // 2
                or (comment.article not in articles and len(articles) >= REMEMBERED_ARTICLES // 2)
            ):
                break
            kept.append(comment)
            articles.add(comment.article)
            size += comment.cost
            words += len(comment.words)
        return kept[::-1]

    @staticmethod
    def cost(comment: Comment, vocatives: frozenset[str], vector_words: int, new_words: list[str], new_article: tuple[int, int] | None) -> int:
        """Estimated bytes a comment costs a stream: its record and fields, its content vector
        (kept, and summed into its thread's), the words it added to the word table, and its
        article (text and vector) if it brought a new one."""
        fields = len(comment.id) + len(comment.thread_id) + len(comment.author) + sum(len(v) + 60 for v in vocatives)
        words = len(new_words) * WORD_BYTES + sum(map(len, new_words))
        article = new_article[0] + new_article[1] * ENTRY_BYTES if new_article else 0
        return COMMENT_BYTES + fields + vector_words * ENTRY_BYTES + words + article

    def score(self, comment: Comment) -> ScoredComment:
        """Score ``comment`` against the earlier ones, then remember it."""
        if not has_text(comment.text):
            return ScoredComment(None)
        facts = self.ngrams.facts
        known_words, known_articles = len(facts.table), len(self.earlier.articles)
        encoded, vectors = encoded_comments(facts, [comment])
        contexts = self.earlier.features([comment], encoded, vectors)
        vocatives = frozenset(vocative_names(comment.text))
        self.earlier.add([comment], encoded, vectors, [vocatives])
        rows = self.scorer.feature_rows(encoded, contexts, self.ngrams)
        new_article = (len(comment.article), self.earlier.article_words[-1]) if len(self.earlier.articles) > known_articles else None
        _, words, weights = vectors
        cost = self.cost(comment, vocatives, len(words), facts.table.words[known_words:], new_article)
        self.recent.append(RememberedComment(comment.id, comment.thread_id, comment.author, hash(comment.article), vocatives, words, weights, cost))
        self.bytes += cost
        if (
            len(self.recent) >= 2 * self.remembered
            or self.bytes >= 2 * self.remembered_bytes
            or len(facts.table) > WORD_TABLE_LIMIT
            or len(self.earlier.articles) > REMEMBERED_ARTICLES
        ):
            self._restart(self._kept())
        return ScoredComment(self.scorer.scores_of(rows)[0], rows)
