"""Context features: what a comment's article, thread and wording say beyond its n-grams.

Forty-seven labeled comments cannot teach n-gram weights that carry over to other threads;
these features describe a comment *relative to its own thread*, so they do. One
implementation serves training and scoring: :class:`WholeThreads` compares each comment with
every other comment of its thread (training, ``label``), :class:`EarlierComments` with the ones
before it (``score``, the server). Per-comment work is NumPy over word ids (see
:class:`moderation.features.text.WordTable`), so a million comments take seconds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from moderation.comments import Comment
from moderation.features.spam import spam_signs
from moderation.features.sparse import pack, sorted_lookup, sublinear_tfidf, sum_by, unpack
from moderation.features.text import EncodedTexts, PerWordValues, WordTable, tokenize
from moderation.features.wordlists import (
    DISPARAGING_WORDS,
    GROUP_ADDRESS_PHRASES,
    GROUP_ADDRESS_TRIGGERS,
    HOSTILE_WORDS,
    REACTION_WORDS,
    SECOND_PERSON,
    STOP_WORDS,
)

CONTEXT_FEATURES = (
    "article_similarity",
    "article_evidence",
    "thread_similarity",
    "thread_evidence",
    "second_person",
    "names_participant",
    "addresses_group",
    "hostile_words",
    "disparaging_words",
    "length",
    "addresses_parent",
    "parent_similarity",
    "parent_evidence",
    "is_reply",
    "links",
    "promotion",
)
"""Feature names in column order. Missing context (no article, a thread of one) is NaN.

- article_similarity: cosine between the comment's content words and its article's. Off-topic
  comments share few words with the article, whatever the subject — but only when both have
  words to compare: a three-word title or a two-word comment says little.
- article_evidence: how much that cosine can say, c/(c + 3) × a/(a + 30) with c and a the
  distinct content words of the comment and of the article (0 without an article). The model
  does not weigh it: it shrinks the similarity toward the value it assumes when there is no
  article, fill + evidence × (similarity − fill), so a title-only article counts little.
- thread_similarity, thread_evidence: the same against the sum of the thread's other comments
  (the earlier ones when streaming), with t, the distinct content words of those comments
  (other than the comment's own), in place of a. Catches comments that leave the subject of
  a discussion; a reply that engages its thread shares its words.
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
- parent_similarity, parent_evidence: the same as article_similarity against the comment it
  replies to, with p, the parent's distinct content words, in place of a (p/(p + 3)): a reply
  counts through what it answers (guidelines, off_topic rule 2). Missing when the comment is no
  reply or its parent is not at hand.
- is_reply: 1 for a comment that names the comment it replies to, else 0.
- links: log(1 + links, e-mail addresses and phone numbers); promotion: log(1 + advertising
  phrases and amounts of money) — see :mod:`moderation.features.spam`.
"""

SHRUNK_BY = {
    "article_similarity": "article_evidence",
    "thread_similarity": "thread_evidence",
    "parent_similarity": "parent_evidence",
}
"""The similarity columns and the evidence column each is shrunk by (see :data:`CONTEXT_FEATURES`)."""

COMMENT_WORDS_HALF = 3.0  # content words at which a comment's similarity counts half
CONTEXT_WORDS_HALF = 30.0  # the same for an article's, or a thread's, content words
PARENT_WORDS_HALF = 3.0  # the same for the parent comment's content words

# "Nidal, …", "No nidal.", "Correction nidal!": a word on its own at the start of a comment.
OPENING_VOCATIVE = re.compile(
    r"^\s*(?:(?:no|yes|so|correction|please|well|hey|oh|ok|really|but|thanks|sorry|dear)\s+)?"
    r"([^\W\d_][\w'-]{2,})\s*(?:[,!?.:\n]|$)"
)
# "So nidal, you …", "But really nidal, …", "Please nidal, don't …".
INNER_VOCATIVE = re.compile(r"\b(?:really|please|so|no|correction|thanks|hey|dear)\s+([^\W\d_][\w'-]{2,})\s*[,!?]")
GROUP_ADDRESS = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in GROUP_ADDRESS_PHRASES) + r")\b")
VOCATIVE_MIN_COMMENTS = 2  # one comment alone does not make a word a participant's name

SHORT_REPLY_WORDS = 3
"""Content words up to which a reply has no topic of its own: "Source?", "Darude, Sandstorm."
count through the comment they answer (guidelines, off_topic rules 2 and 7)."""


def without_own_topic(content_words: np.ndarray, context: np.ndarray) -> np.ndarray:
    """Comments with no topic of their own to judge as off-topic: those without content words
    ("Great article.") and short replies (:data:`SHORT_REPLY_WORDS`), unless they carry links
    or advertising. ``context`` holds their raw :data:`CONTEXT_FEATURES`."""
    column = CONTEXT_FEATURES.index
    reply = context[:, column("is_reply")] > 0
    spam = (context[:, column("links")] > 0) | (context[:, column("promotion")] > 0)
    return ((content_words == 0) | (reply & (content_words <= SHORT_REPLY_WORDS))) & ~spam


NOT_PLURALS = frozenset({"news", "series", "species", "means"})
CONTENT, SECOND_PERSON_WORD, HOSTILE_WORD, GROUP_TRIGGER, DISPARAGING_WORD = 1, 2, 4, 8, 16


def word_flags(word: str) -> int:
    """The context-feature flags of a word: content word, second person, hostile, group trigger, disparaging."""
    flags = 0
    if len(word) > 2 and word not in STOP_WORDS and word not in REACTION_WORDS and not word.isdigit():
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


class WordFacts:
    """What the context features need of each word of a :class:`WordTable`, computed once per
    word: its :func:`word_flags` and the id of its :func:`plural_stem`."""

    def __init__(self, table: WordTable | None = None):
        self.table = table if table is not None else WordTable()
        self._flags = PerWordValues(self.table, np.int8)
        self._stems = PerWordValues(self.table)

    def flags(self) -> np.ndarray:
        """:func:`word_flags` of every word of the table, by word id."""
        return self._flags.array(word_flags)

    def stems(self) -> np.ndarray:
        """The word id of each word's :func:`plural_stem`, by word id."""
        return self._stems.array(lambda word: self.table.id_of(plural_stem(word)))

    def content_vectors(self, encoded: EncodedTexts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text, word id, weight) of each text's unit-length log-frequency vector over its
        content words (no function words, no numbers), plurals folded."""
        content = (self.flags()[encoded.ids] & CONTENT) != 0
        return sublinear_tfidf(encoded.docs[content], self.stems()[encoded.ids[content]], encoded.count)


class RunningSums:
    """Sums of weights by key in a dict: cheap to update one comment at a time."""

    def __init__(self) -> None:
        self.sums: dict[int, float] = {}

    def add(self, keys: np.ndarray, weights: np.ndarray) -> None:
        """Add ``weights`` to the sums of ``keys``."""
        sums = self.sums
        for key, weight in zip(keys.tolist(), weights.tolist()):
            sums[key] = sums.get(key, 0.0) + weight

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The sums of ``keys`` (0 for keys never added)."""
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
        """Add ``weights`` to the sums of ``keys`` (buffered until the next lookup)."""
        self._pending.append((keys, weights))
        self._pending_size += len(keys)
        if self._pending_size >= self.MERGE_EVERY:
            self.merge()

    def merge(self) -> None:
        """Fold pending additions into the sorted arrays."""
        if not self._pending:
            return
        keys = np.concatenate([self.keys, *(k for k, _ in self._pending)])
        values = np.concatenate([self.values, *(w for _, w in self._pending)])
        self.keys, inverse = np.unique(keys, return_inverse=True)
        self.values = sum_by(inverse.reshape(-1), values, len(self.keys))
        self._pending, self._pending_size = [], 0

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The sums of ``keys`` (0 for keys never added)."""
        self.merge()
        where, found = sorted_lookup(self.keys, keys)
        return np.where(found, self.values[where], 0.0) if len(self.keys) else np.zeros(len(keys))


class Thread:
    """What is known of one thread: how many comments, who wrote them, which words address
    someone, and which comment ids belong to which author (to recognize replies)."""

    __slots__ = ("number", "size", "norm2", "words", "authors", "vocatives", "names", "comment_authors", "name_ids", "vectors")

    def __init__(self, number: int):
        self.number = number
        self.size = 0
        self.norm2 = 0.0  # |S|² of the thread's summed comment vectors S
        self.words = 0  # distinct content words of its comments
        self.authors: set[str] = set()
        self.vocatives: Counter = Counter()  # word → comments that open by addressing it
        self.names: set[str] = set()  # authors' name parts and words addressed in several comments
        self.comment_authors: dict[str, str] = {}  # comment id → author
        self.name_ids: dict[int, np.ndarray] = {}  # article number → name word ids the article does not use
        self.vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # comment id → its content vector (words, weights)

    def add(self, comment: Comment, vocatives: set[str] | None = None) -> None:
        """Count a comment in: its author's name parts, the words it addresses (its
        :func:`vocative_names`, if not given), its id's author."""
        self.size += 1
        before = len(self.names)
        if comment.author:
            self.names |= name_parts(comment.author)
            if comment.id:
                self.comment_authors[comment.id] = comment.author
        for name in vocative_names(comment.text) if vocatives is None else vocatives:
            self.vocatives[name] += 1
            if self.vocatives[name] == VOCATIVE_MIN_COMMENTS:
                self.names.add(name)
        if len(self.names) != before:
            self.name_ids.clear()


class ThreadStatistics:
    """The statistics context features compare a comment with: each thread's summed content
    vectors and participants, and each article's content vector.

    Subclasses decide what a comment is compared with: :class:`WholeThreads` (every other
    comment of the thread) or :class:`EarlierComments` (the ones added before it).
    """

    leaves_out_own = False  # whether a comment's own words are in its thread's sums when it is featurized

    def __init__(self, facts: WordFacts, sums_type):
        self.facts = facts
        self.thread_sums = sums_type()  # (thread, word) → sum of the thread's unit comment vectors
        self.article_sums = sums_type()  # (article, word) → the article's unit vector
        self.threads: dict[str, Thread] = {}
        self.thread_list: list[Thread] = []
        self.articles: dict[str, int] = {}
        self.article_words: list[int] = []  # distinct content words of each article

    @property
    def table(self) -> WordTable:
        """The word table every word id of these statistics belongs to."""
        return self.facts.table

    def thread(self, thread_id: str) -> Thread:
        """The statistics of a thread, created empty when first seen."""
        thread = self.threads.get(thread_id)
        if thread is None:
            thread = self.threads[thread_id] = Thread(len(self.thread_list))
            self.thread_list.append(thread)
        return thread

    def article_number(self, article: str) -> int:
        """-1 for no article; an article is vectorized once, when first seen."""
        if not article.strip():
            return -1
        number = self.articles.get(article)
        if number is None:
            number = self.articles[article] = len(self.articles)
            _, words, weights = self.facts.content_vectors(self.table.encode([article]))
            self.article_sums.add(pack(np.full(len(words), number), words), weights)
            self.article_words.append(len(words))
        return number

    def add(self, comments: Sequence[Comment], encoded: EncodedTexts | None = None, vectors=None, vocatives=None) -> None:
        """Add comments (with non-empty text) to their threads' statistics; ``vectors`` (and
        ``vocatives``) are theirs from :func:`encoded_comments` (and :func:`vocative_names`), if
        already computed: then their texts are not read."""
        if vectors is None:
            encoded, vectors = encoded_comments(self.facts, comments)
        threads = [self.thread(c.thread_id) for c in comments]
        numbers = np.array([t.number for t in threads], dtype=np.int64)
        docs, words, weights = vectors
        self._add_vectors(pack(numbers[docs], words), weights, docs, threads)
        starts = np.searchsorted(docs, np.arange(len(comments) + 1))
        for row, (comment, thread, names) in enumerate(zip(comments, threads, vocatives or [None] * len(comments))):
            thread.add(comment, names)
            if comment.id:  # replies find their parent's vector by its id
                thread.vectors[comment.id] = (words[starts[row] : starts[row + 1]], weights[starts[row] : starts[row + 1]])

    def _add_vectors(self, keys, weights, docs, threads) -> None:
        raise NotImplementedError

    def participant_names(self, thread: Thread, article: int) -> np.ndarray:
        """Word ids of the thread's participants: its authors, and words addressed in several
        comments unless the article uses them (a place, a leader)."""
        ids = thread.name_ids.get(article)
        if ids is None:
            ids = np.array(sorted(self.table.id_of(name) for name in thread.names), dtype=np.int64)
            if article >= 0 and len(ids):
                in_article = self.article_sums.lookup(pack(np.full(len(ids), article), self.facts.stems()[ids])) != 0
                ids = ids[~in_article]
            thread.name_ids[article] = ids
        return ids

    def features(self, comments: Sequence[Comment], encoded: EncodedTexts, vectors) -> np.ndarray:
        """One row of :data:`CONTEXT_FEATURES` per comment (all with non-empty text, all of
        known threads if :attr:`leaves_out_own`)."""
        n = len(comments)
        threads = [self.thread(c.thread_id) for c in comments]
        numbers = np.array([t.number for t in threads], dtype=np.int64)
        articles = np.array([self.article_number(c.article) for c in comments], dtype=np.int64)
        docs, words, weights = vectors

        has_article = articles >= 0
        article_weights = self.article_sums.lookup(pack(np.maximum(articles[docs], 0), words))
        article_similarity = sum_by(docs, weights * article_weights * has_article[docs], n)
        article_similarity[~has_article] = np.nan
        comment_evidence = evidence(np.bincount(docs, minlength=n), COMMENT_WORDS_HALF)
        article_words = np.array(self.article_words + [0])[articles]  # -1 (no article): 0 words
        article_evidence = comment_evidence * evidence(article_words, CONTEXT_WORDS_HALF)

        thread_weights = self.thread_sums.lookup(pack(numbers[docs], words))
        overlap = sum_by(docs, weights * thread_weights, n)
        norm2 = self._norm2(threads)
        others = np.array([t.size for t in threads], dtype=np.int64)
        thread_words = np.array([t.words for t in threads], dtype=float)
        if self.leaves_out_own:
            # Take the comment out of its thread: |S - v|² = |S|² - 2 v·S + |v|², |v|² = 1 if v ≠ 0.
            own = (np.bincount(docs, minlength=n) > 0).astype(float)
            norm2 = norm2 - 2 * overlap + own
            overlap = overlap - own
            others = others - 1
            # Words whose thread sum is the comment's own weight are its alone.
            thread_words -= sum_by(docs, np.abs(thread_weights - weights) < 1e-9, n)
        safe = norm2 > 1e-12
        thread_similarity = np.where(safe, overlap / np.sqrt(np.where(safe, norm2, 1.0)), 0.0)
        thread_similarity[others < 1] = np.nan
        thread_evidence = np.where(others >= 1, comment_evidence * evidence(thread_words, CONTEXT_WORDS_HALF), 0.0)

        flags = self.facts.flags()[encoded.ids]
        second_person = sum_by(encoded.docs, (flags & SECOND_PERSON_WORD) != 0, n)
        hostile = sum_by(encoded.docs, (flags & HOSTILE_WORD) != 0, n)
        disparaging = sum_by(encoded.docs, (flags & DISPARAGING_WORD) != 0, n)
        may_address_group = sum_by(encoded.docs, (flags & GROUP_TRIGGER) != 0, n) > 0
        group_address = np.zeros(n)
        words = self.table.words
        for row in np.flatnonzero(may_address_group):
            # The comment's tokens from its word ids: tokenize()'s cache would keep whole texts.
            start = encoded.offsets[row]
            tokens = [words[i] for i in encoded.ids[start : start + encoded.lengths[row]].tolist()]
            group_address[row] = len(GROUP_ADDRESS.findall(" " + " ".join(tokens) + " "))
        names = self._name_mentions(comments, threads, articles, encoded)
        addresses_parent = self._parent_address(comments, threads, encoded, second_person)
        parent_similarity, parent_evidence = self._parent_similarity(comments, threads, vectors, comment_evidence)
        is_reply = np.array([bool(c.parent_id) for c in comments], dtype=float)
        links, promotion = np.array([spam_signs(c.text) for c in comments], dtype=float).reshape(n, 2).T
        return np.column_stack(
            [
                article_similarity,
                article_evidence,
                thread_similarity,
                thread_evidence,
                np.log1p(second_person),
                np.log1p(names),
                np.log1p(group_address),
                np.log1p(hostile),
                np.log1p(disparaging),
                np.log1p(encoded.lengths),
                np.log1p(addresses_parent),
                parent_similarity,
                parent_evidence,
                is_reply,
                np.log1p(links),
                np.log1p(promotion),
            ]
        )

    def _parent_similarity(self, comments, threads: list[Thread], vectors, comment_evidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosine of each reply's content vector with its parent's, and how much it can say;
        NaN and 0 where the parent is not known."""
        n = len(comments)
        similarity, parent_words = np.full(n, np.nan), np.zeros(n)
        rows, keys, values = [], [], []
        for row, (comment, thread) in enumerate(zip(comments, threads)):
            parent = thread.vectors.get(comment.parent_id) if comment.parent_id else None
            if parent is not None:
                rows.append(row)
                keys.append(pack(np.full(len(parent[0]), row), parent[0]))
                values.append(parent[1])
                parent_words[row] = len(parent[0])
        if rows:
            docs, words, weights = vectors
            lookup = FrozenSums()
            lookup.add(np.concatenate(keys), np.concatenate(values))
            dots = sum_by(docs, weights * lookup.lookup(pack(docs, words)), n)
            similarity[rows] = dots[rows]
        return similarity, comment_evidence * evidence(parent_words, PARENT_WORDS_HALF)

    def _norm2(self, threads: list[Thread]) -> np.ndarray:
        return np.array([t.norm2 for t in threads], dtype=float)

    def _parent_address(self, comments, threads: list[Thread], encoded: EncodedTexts, second_person: np.ndarray) -> np.ndarray:
        """"You" and mentions of the parent author's name, in replies to a known author."""
        counts = np.zeros(len(comments))
        for row, (comment, thread) in enumerate(zip(comments, threads)):
            author = comment.parent_id and thread.comment_authors.get(comment.parent_id)
            if author:
                ids = [self.table.id_of(part) for part in name_parts(author)]
                start = encoded.offsets[row]
                tokens = encoded.ids[start : start + encoded.lengths[row]]
                counts[row] = second_person[row] + np.isin(tokens, ids).sum()
        return counts

    def _name_mentions(self, comments, threads: list[Thread], articles: np.ndarray, encoded: EncodedTexts) -> np.ndarray:
        """How many tokens of each comment name another participant of its thread."""
        n = len(comments)
        numbers = np.array([t.number for t in threads], dtype=np.int64)
        # One key per (thread, article) pair; articles are numbered from -1 (none), hence the + 1.
        _, first, pair_of_doc = np.unique(pack(numbers, articles + 1), return_index=True, return_inverse=True)
        name_keys = [
            pack(np.full(len(ids), pair), ids)
            for pair, row in enumerate(first.tolist())
            if len(ids := self.participant_names(threads[row], int(articles[row])))
        ]
        if not name_keys:
            return np.zeros(n)
        named = np.isin(pack(pair_of_doc.reshape(-1)[encoded.docs], encoded.ids), np.concatenate(name_keys))
        own = [(row, self.table.id_of(part)) for row, c in enumerate(comments) if c.author for part in name_parts(c.author)]
        if own:
            rows, ids = zip(*own)
            named &= ~np.isin(pack(encoded.docs, encoded.ids), pack(np.array(rows), np.array(ids)))
        return sum_by(encoded.docs, named, n)


class WholeThreads(ThreadStatistics):
    """Statistics of whole threads: :meth:`add` every comment first, then :meth:`features`
    compares each comment with the other comments of its thread."""

    leaves_out_own = True

    def __init__(self, facts: WordFacts):
        super().__init__(facts, FrozenSums)
        self._norms_stale = False

    def _add_vectors(self, keys, weights, docs, threads) -> None:
        self.thread_sums.add(keys, weights)
        self._norms_stale = True

    def _norm2(self, threads: list[Thread]) -> np.ndarray:
        self.finish()
        return super()._norm2(threads)

    def finish(self) -> None:
        """Compute each thread's |S|² once all its comments are in (before shipping to workers)."""
        if self._norms_stale:
            self.thread_sums.merge()
            numbers, _ = unpack(self.thread_sums.keys)
            norm2 = sum_by(numbers, self.thread_sums.values**2, len(self.thread_list))
            words = np.bincount(numbers, minlength=len(self.thread_list))
            for thread, value, count in zip(self.thread_list, norm2.tolist(), words.tolist()):
                thread.norm2, thread.words = value, count
            self._norms_stale = False


class EarlierComments(ThreadStatistics):
    """Statistics of the comments seen so far: :meth:`features` compares a comment with the
    earlier comments of its thread; :meth:`add` it afterwards."""

    def __init__(self, facts: WordFacts):
        super().__init__(facts, RunningSums)

    def _add_vectors(self, keys, weights, docs, threads) -> None:
        # Keep each thread's |S|² current. Adding the batch's sum V of a thread's new vectors:
        # |S + V|² = |S|² + 2 V·S + |V|², per (thread, word) key.
        distinct, where = np.unique(keys, return_inverse=True)
        added = sum_by(where.reshape(-1), weights, len(distinct))
        before = self.thread_sums.lookup(distinct)
        numbers, thread_of_key = np.unique(unpack(distinct)[0], return_inverse=True)
        thread_of_key = thread_of_key.reshape(-1)
        growth = sum_by(thread_of_key, added * (2 * before + added), len(numbers))
        new_words = np.bincount(thread_of_key[before == 0], minlength=len(numbers))
        by_number = {thread.number: thread for thread in threads}
        for number, change, words in zip(numbers.tolist(), growth.tolist(), new_words.tolist()):
            by_number[number].norm2 += change
            by_number[number].words += words
        self.thread_sums.add(distinct, added)


def evidence(words, half: float) -> np.ndarray:
    """words / (words + half): 0 without words, ½ at ``half`` words, toward 1 beyond."""
    words = np.asarray(words, dtype=float)
    return words / (words + half)


def encoded_comments(facts: WordFacts, comments: Sequence[Comment]) -> tuple[EncodedTexts, tuple]:
    """The comments' texts as word ids, and their content vectors: what both
    :meth:`ThreadStatistics.add` and :meth:`ThreadStatistics.features` take."""
    encoded = facts.table.encode([c.text for c in comments])
    return encoded, facts.content_vectors(encoded)


def whole_thread_features(
    facts: WordFacts, comments: Sequence[Comment], threads: WholeThreads | None = None
) -> tuple[EncodedTexts, np.ndarray]:
    """Encode comments (all with non-empty text) once, and give each one's context features
    against its whole thread: the threads' ``comments`` themselves, or ``threads`` when their
    statistics were gathered beforehand (threads too large to hold whole)."""
    encoded, vectors = encoded_comments(facts, comments)
    if threads is None:
        threads = WholeThreads(facts)
        threads.add(comments, encoded, vectors)
    return encoded, threads.features(comments, encoded, vectors)
