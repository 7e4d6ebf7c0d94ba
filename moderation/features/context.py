"""Context features: what a comment's article, thread and wording say beyond its n-grams.

Forty-seven labeled comments cannot teach n-gram weights that carry over to other threads;
these features describe a comment *relative to its own thread*, so they do. One
implementation serves training and scoring, in batches (every comment of a thread known, two
passes) or streaming (each comment against the ones before it). Per-comment work is NumPy over
word ids (see :class:`moderation.features.text.WordTable`), so a million comments take seconds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from moderation.comments import Comment
from moderation.features.text import KEY_SHIFT, EncodedTexts, WordTable, pack, sum_by, tokenize
from moderation.features.wordlists import (
    DISPARAGING_WORDS,
    GROUP_ADDRESS_PHRASES,
    GROUP_ADDRESS_TRIGGERS,
    HOSTILE_WORDS,
    SECOND_PERSON,
    STOP_WORDS,
)

CONTEXT_FEATURES = (
    "article_similarity",
    "thread_similarity",
    "second_person",
    "names_participant",
    "addresses_group",
    "hostile_words",
    "disparaging_words",
    "length",
    "addresses_parent",
)
"""Feature names in column order. Missing context (no article, a thread of one) is NaN.

- article_similarity: cosine between the comment's content words and its article's. Off-topic
  comments share few words with the article, whatever the subject.
- thread_similarity: the same against the sum of the thread's other comments. Catches
  comments that leave the subject of a discussion, also where no article text is available.
- second_person: log(1 + "you"/"your"… count). Attacks on a fellow commenter address them.
- names_participant: log(1 + mentions of another participant's name): thread authors, and
  words that several comments use to address someone ("nidal, …").
- addresses_group: log(1 + "you people", "all of you"… count): attacks on the commenters as a group.
- hostile_words: log(1 + hits in a list of insults, slurs and profanity): carries hostility
  to words the labeled comments never used.
- disparaging_words: log(1 + hits in a list of accusations and disparaging words: "liar",
  "corrupt", "ridiculous"…), milder than insults and weighed apart from them.
- length: log(1 + tokens). One-liners are asides more often than arguments.
- addresses_parent: for a reply whose parent's author is known, log(1 + "you" count + mentions
  of that author's name); 0 otherwise. In a reply, "you" is aimed at the person replied to.
"""

# "Nidal, …", "No nidal.", "Correction nidal!": a word on its own at the start of a comment.
OPENING_VOCATIVE = re.compile(
    r"^\s*(?:(?:no|yes|so|correction|please|well|hey|oh|ok|really|but|thanks|sorry|dear)\s+)?"
    r"([^\W\d_][\w'-]{2,})\s*(?:[,!?.:\n]|$)"
)
# "So nidal, you …", "But really nidal, …", "Please nidal, don't …".
INNER_VOCATIVE = re.compile(r"\b(?:really|please|so|no|correction|thanks|hey|dear)\s+([^\W\d_][\w'-]{2,})\s*[,!?]")
GROUP_ADDRESS = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in GROUP_ADDRESS_PHRASES) + r")\b")
VOCATIVE_MIN_COMMENTS = 2  # one comment alone does not make a word a participant's name

NOT_PLURALS = frozenset({"news", "series", "species", "means"})
CONTENT, SECOND_PERSON_WORD, HOSTILE_WORD, GROUP_TRIGGER, DISPARAGING_WORD = 1, 2, 4, 8, 16


class CommentBatch(NamedTuple):
    """Comments reduced to what the features need, threads and articles as numbers."""

    texts: list[str]
    threads: np.ndarray
    articles: np.ndarray  # -1: no article
    authors: list[str]
    parents: list[str]


def word_flags(word: str) -> int:
    flags = 0
    if len(word) > 2 and word not in STOP_WORDS and not word.isdigit():
        flags |= CONTENT
    if word in SECOND_PERSON:
        flags |= SECOND_PERSON_WORD
    if word in HOSTILE_WORDS:
        flags |= HOSTILE_WORD
    if word in GROUP_ADDRESS_TRIGGERS:
        flags |= GROUP_TRIGGER
    if word in DISPARAGING_WORDS:
        flags |= DISPARAGING_WORD
    return flags


def plural_stem(word: str) -> str:
    """"governments" → "government", "policies" → "policy", "taxes" → "tax": comments and
    articles say the same thing in singular and plural."""
    if word in NOT_PLURALS:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz" or word.endswith(("ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def vocative_names(text: str) -> set[str]:
    """Words used to address someone by name in ``text`` (lowercased)."""
    lowered = text.lower()
    found = set(INNER_VOCATIVE.findall(lowered))
    opening = OPENING_VOCATIVE.match(lowered)
    if opening:
        found.add(opening.group(1))
    return {name for name in found if name not in STOP_WORDS}


def name_parts(author: str) -> set[str]:
    """"Carlyle McDuff" → {"carlyle", "mcduff"}: commenters are addressed by either part."""
    return {t for t in tokenize(author) if len(t) > 2 and t not in STOP_WORDS}


class RunningSums:
    """Sums of weights by key, updated comment by comment (streaming)."""

    def __init__(self) -> None:
        self.sums: dict[int, float] = {}

    def add(self, keys: np.ndarray, weights: np.ndarray) -> None:
        sums = self.sums
        for key, weight in zip(keys.tolist(), weights.tolist()):
            sums[key] = sums.get(key, 0.0) + weight

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        sums = self.sums
        return np.array([sums.get(key, 0.0) for key in keys.tolist()], dtype=float)


class FrozenSums:
    """Sums of weights by key as sorted arrays: vectorized lookups once all comments are in.

    Additions are buffered and merged in bulk, so memory stays near the number of distinct
    keys rather than the number of additions.
    """

    MERGE_EVERY = 1 << 21

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    def add(self, keys: np.ndarray, weights: np.ndarray) -> None:
        self._pending.append((keys, weights))
        self._pending_size += len(keys)
        if self._pending_size >= self.MERGE_EVERY:
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        keys = np.concatenate([self.keys, *(k for k, _ in self._pending)])
        values = np.concatenate([self.values, *(w for _, w in self._pending)])
        self.keys, inverse = np.unique(keys, return_inverse=True)
        self.values = sum_by(inverse, values, len(self.keys))
        self._pending, self._pending_size = [], 0

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        self._merge()
        if not len(self.keys):
            return np.zeros(len(keys))
        where = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[where] == keys, self.values[where], 0.0)


class ContextFeaturizer:
    """Computes :data:`CONTEXT_FEATURES` for chunks of comments.

    Batch use: :meth:`add` every comment (first pass), then :meth:`features` with
    ``included=True`` (each comment's own words are taken out of its thread's sum). Streaming
    use (``streaming=True``): :meth:`features` with ``included=False``, then :meth:`add`, so a
    comment is compared with the comments before it. ``table`` may be shared with a
    :class:`moderation.model.scorer.CompactModel` so a chunk is tokenized once.
    """

    def __init__(self, table: WordTable | None = None, streaming: bool = False):
        self.table = table or WordTable()
        sums = RunningSums if streaming else FrozenSums
        self.thread_sums = sums()  # (thread, word) → sum of the thread's unit comment vectors
        self.article_sums = FrozenSums()  # (article, word) → the article's unit vector
        self.threads: dict[str, int] = {}
        self.thread_sizes: list[int] = []
        self.thread_norm2: list[float] = []
        self.thread_authors: list[set[str]] = []
        self.thread_vocatives: list[Counter] = []
        self.articles: dict[str, int] = {}
        self._names: dict[tuple[int, int], np.ndarray] = {}
        self._norm2_stale = False
        self.comment_authors: dict[tuple[int, str], str] = {}  # (thread, comment id) → author

    # -- per-word and per-comment pieces ------------------------------------------------
    def flags(self) -> np.ndarray:
        """:func:`word_flags` of every word of the table, kept with the table across batches."""
        words, known = self.table.words, self.table.per_word.get("context_flags", np.zeros(0, dtype=np.int8))
        if len(known) < len(words):
            new = np.array([word_flags(w) for w in words[len(known) :]], dtype=np.int8)
            known = self.table.per_word["context_flags"] = np.concatenate([known, new])
        return known

    def stems(self) -> np.ndarray:
        """The word id of each word's :func:`plural_stem`, kept with the table across batches."""
        table = self.table
        known = table.per_word.get("plural_stems", np.zeros(0, dtype=np.int64))
        while len(known) < len(table.words):  # stems may add words to the table
            start = len(known)
            new = np.array([table.id_of(plural_stem(w)) for w in table.words[start:]], dtype=np.int64)
            known = table.per_word["plural_stems"] = np.concatenate([known, new])
        return known

    def content_vectors(self, encoded: EncodedTexts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(comment, word id, weight) of each comment's unit-length log-frequency vector
        over its content words (no function words, no numbers), plurals folded."""
        content = (self.flags()[encoded.ids] & CONTENT) != 0
        docs, words = encoded.docs[content], self.stems()[encoded.ids[content]]
        if not len(words):
            return docs, words, np.zeros(0)
        keys, counts = np.unique(pack(docs, words), return_counts=True)
        docs, words = keys >> KEY_SHIFT, keys & ((1 << KEY_SHIFT) - 1)
        weights = 1.0 + np.log(counts)
        norms = np.sqrt(sum_by(docs, weights * weights, encoded.count))
        return docs, words, weights / norms[docs]

    def thread_number(self, thread_id: str) -> int:
        number = self.threads.get(thread_id)
        if number is None:
            number = self.threads[thread_id] = len(self.thread_sizes)
            self.thread_sizes.append(0)
            self.thread_norm2.append(0.0)
            self.thread_authors.append(set())
            self.thread_vocatives.append(Counter())
        return number

    def article_number(self, article: str) -> int:
        """-1 for no article; articles are vectorized once, when first seen."""
        if not article.strip():
            return -1
        number = self.articles.get(article)
        if number is None:
            number = self.articles[article] = len(self.articles)
            docs, words, weights = self.content_vectors(self.table.encode([article]))
            self.article_sums.add(pack(np.full(len(words), number), words), weights)
        return number

    # -- the two passes -----------------------------------------------------------------
    def add(self, comments: Sequence[Comment], encoded: EncodedTexts | None = None, vectors=None) -> None:
        """Add comments (with non-empty text) to their threads' statistics. ``vectors``: their
        :meth:`content_vectors`, if already computed."""
        encoded = encoded or self.table.encode([c.text for c in comments])
        threads = np.array([self.thread_number(c.thread_id) for c in comments], dtype=np.int64)
        docs, words, weights = vectors or self.content_vectors(encoded)
        keys = pack(threads[docs], words)
        if isinstance(self.thread_sums, RunningSums):
            # Keep |S|² current: |S + v|² = |S|² + 2 v·S + |v|², |v|² = 1 if v ≠ 0.
            overlap = sum_by(docs, weights * self.thread_sums.lookup(keys), len(comments))
            own = np.bincount(docs, minlength=len(comments)) > 0
            for row, thread in enumerate(threads.tolist()):
                self.thread_norm2[thread] += 2 * overlap[row] + own[row]
        else:
            self._norm2_stale = True
        self.thread_sums.add(keys, weights)
        for comment, thread in zip(comments, threads.tolist()):
            self.thread_sizes[thread] += 1
            if comment.author:
                self.thread_authors[thread] |= name_parts(comment.author)
                if comment.id:
                    self.comment_authors[(thread, comment.id)] = comment.author
            vocatives = vocative_names(comment.text)
            if vocatives:
                self.thread_vocatives[thread].update(vocatives)
        self._names.clear()

    def prepare(self) -> None:
        """Finish pending work of the first pass (before the featurizer is shipped to workers)."""
        if self._norm2_stale:
            self._refresh_norms()

    def _refresh_norms(self) -> None:
        """Batch: each thread's |S|², once all comments are in."""
        sums = self.thread_sums
        sums.lookup(np.zeros(0, dtype=np.int64))  # merges pending additions
        threads = sums.keys >> KEY_SHIFT
        self.thread_norm2 = sum_by(threads, sums.values**2, len(self.thread_sizes)).tolist()
        self._norm2_stale = False

    def participant_names(self, thread: int, article: int) -> np.ndarray:
        """Word ids of the thread's participants: its authors, and words addressed in several
        comments unless the article uses them (a place, a leader)."""
        cached = self._names.get((thread, article))
        if cached is None:
            addressed = {n for n, k in self.thread_vocatives[thread].items() if k >= VOCATIVE_MIN_COMMENTS}
            names = self.thread_authors[thread] | addressed
            ids = np.array(sorted(self.table.id_of(name) for name in names), dtype=np.int64)
            if article >= 0 and len(ids):
                in_article = self.article_sums.lookup(pack(np.full(len(ids), article), self.stems()[ids])) != 0
                ids = ids[~in_article]
            cached = self._names[(thread, article)] = ids
        return cached

    def batch(self, comments: Sequence[Comment]) -> CommentBatch:
        """What :meth:`features_of` needs of ``comments``, with threads and articles numbered."""
        return CommentBatch(
            texts=[c.text for c in comments],
            threads=np.array([self.thread_number(c.thread_id) for c in comments], dtype=np.int64),
            articles=np.array([self.article_number(c.article) for c in comments], dtype=np.int64),
            authors=[c.author for c in comments],
            parents=[c.parent_id for c in comments],
        )

    def features(self, comments: Sequence[Comment], included: bool, encoded: EncodedTexts | None = None, vectors=None) -> np.ndarray:
        """One row of :data:`CONTEXT_FEATURES` per comment (all with non-empty text)."""
        return self.features_of(self.batch(comments), included, encoded, vectors)

    def features_of(self, batch: CommentBatch, included: bool, encoded: EncodedTexts | None = None, vectors=None) -> np.ndarray:
        """:meth:`features` of a numbered batch."""
        encoded = encoded or self.table.encode(batch.texts)
        n = len(batch.texts)
        threads, articles = batch.threads, batch.articles
        self.prepare()
        docs, words, weights = vectors or self.content_vectors(encoded)

        has_article = articles >= 0
        article_weights = self.article_sums.lookup(pack(np.maximum(articles[docs], 0), words))
        article_similarity = sum_by(docs, weights * article_weights * has_article[docs], n)
        article_similarity[~has_article] = np.nan

        overlap = sum_by(docs, weights * self.thread_sums.lookup(pack(threads[docs], words)), n)
        # Only this batch's threads: copying every thread's entries made streaming quadratic.
        norm2 = np.array([self.thread_norm2[t] for t in threads.tolist()], dtype=float)
        others = np.array([self.thread_sizes[t] for t in threads.tolist()], dtype=np.int64)
        if included:
            # Take the comment out of its thread: |S - v|² = |S|² - 2 v·S + |v|², |v|² = 1 if v ≠ 0.
            own = (np.bincount(docs, minlength=n) > 0).astype(float)
            norm2 = norm2 - 2 * overlap + own
            overlap = overlap - own
            others = others - 1
        safe = norm2 > 1e-12
        thread_similarity = np.where(safe, overlap / np.sqrt(np.where(safe, norm2, 1.0)), 0.0)
        thread_similarity[others < 1] = np.nan

        flags = self.flags()[encoded.ids]
        second_person = sum_by(encoded.docs, (flags & SECOND_PERSON_WORD) != 0, n)
        hostile = sum_by(encoded.docs, (flags & HOSTILE_WORD) != 0, n)
        disparaging = sum_by(encoded.docs, (flags & DISPARAGING_WORD) != 0, n)
        may_address_group = sum_by(encoded.docs, (flags & GROUP_TRIGGER) != 0, n) > 0
        group_address = np.zeros(n)
        for row in np.flatnonzero(may_address_group):
            group_address[row] = len(GROUP_ADDRESS.findall(" " + " ".join(tokenize(batch.texts[row])) + " "))
        names = self._name_mentions(batch, encoded)
        addresses_parent = self._parent_address(batch, encoded, second_person)
        return np.column_stack(
            [
                article_similarity,
                thread_similarity,
                np.log1p(second_person),
                np.log1p(names),
                np.log1p(group_address),
                np.log1p(hostile),
                np.log1p(disparaging),
                np.log1p(encoded.lengths),
                np.log1p(addresses_parent),
            ]
        )

    def _parent_address(self, batch: CommentBatch, encoded: EncodedTexts, second_person: np.ndarray) -> np.ndarray:
        """"You" and mentions of the parent author's name, in replies to a known author."""
        counts = np.zeros(len(batch.texts))
        for row, parent in enumerate(batch.parents):
            author = parent and self.comment_authors.get((int(batch.threads[row]), parent))
            if author:
                ids = [self.table.id_of(part) for part in name_parts(author)]
                start = encoded.offsets[row]
                tokens = encoded.ids[start : start + encoded.lengths[row]]
                counts[row] = second_person[row] + np.isin(tokens, ids).sum()
        return counts

    def _name_mentions(self, batch: CommentBatch, encoded: EncodedTexts) -> np.ndarray:
        """How many tokens of each comment name another participant of its thread."""
        n = len(batch.texts)
        # One key per (thread, article) pair; articles are numbered from -1 (none), hence the + 1.
        _, first, pair_of_doc = np.unique(pack(batch.threads, batch.articles + 1), return_index=True, return_inverse=True)
        pairs = zip(batch.threads[first].tolist(), batch.articles[first].tolist())
        name_keys = [pack(np.full(len(ids), p), ids) for p, (t, a) in enumerate(pairs) if len(ids := self.participant_names(t, a))]
        if not name_keys:
            return np.zeros(n)
        pair_of_doc = pair_of_doc.reshape(-1)
        named = np.isin(pack(pair_of_doc[encoded.docs], encoded.ids), np.concatenate(name_keys))
        own = [(row, self.table.id_of(part)) for row, author in enumerate(batch.authors) if author for part in name_parts(author)]
        if own:
            rows, ids = zip(*own)
            named &= ~np.isin(pack(encoded.docs, encoded.ids), pack(np.array(rows), np.array(ids)))
        return sum_by(encoded.docs, named, n)


def context_features(comments: Sequence[Comment], chunk: int = 4096) -> np.ndarray:
    """Context features of every comment against its whole thread (batch form)."""
    featurizer = ContextFeaturizer()
    for start in range(0, len(comments), chunk):
        featurizer.add(comments[start : start + chunk])
    rows = [featurizer.features(comments[start : start + chunk], included=True) for start in range(0, len(comments), chunk)]
    return np.vstack(rows) if rows else np.zeros((0, len(CONTEXT_FEATURES)))
