"""Context features: what a comment's article, thread and wording say beyond its n-grams.

Forty-seven labeled comments cannot teach n-gram weights that carry over to other threads;
these features describe a comment *relative to its own thread*, so they do. They are plain
Python over dicts, shared by training (batch) and scoring (batch or streaming).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from moderation.comments import Comment
from moderation.text import tokenize
from moderation.wordlists import GROUP_ADDRESS_PHRASES, HOSTILE_WORDS, SECOND_PERSON, STOP_WORDS

CONTEXT_FEATURES = (
    "article_similarity",
    "thread_similarity",
    "second_person",
    "names_participant",
    "addresses_group",
    "hostile_words",
    "length",
)
"""Feature names in column order. Missing context (no article, a thread of one) is NaN."""

# "Nidal, …", "No nidal.", "Correction nidal!": a word on its own at the start of a comment.
OPENING_VOCATIVE = re.compile(
    r"^\s*(?:(?:no|yes|so|correction|please|well|hey|oh|ok|really|but|thanks|sorry|dear)\s+)?"
    r"([^\W\d_][\w'-]{2,})\s*(?:[,!?.:\n]|$)"
)
# "So nidal, you …", "But really nidal, …", "Please nidal, don't …".
INNER_VOCATIVE = re.compile(r"\b(?:really|please|so|no|correction|thanks|hey|dear)\s+([^\W\d_][\w'-]{2,})\s*[,!?]")
GROUP_ADDRESS = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in GROUP_ADDRESS_PHRASES) + r")\b")
VOCATIVE_MIN_COMMENTS = 2  # one comment alone does not make a word a participant's name


def content_vector(tokens: tuple[str, ...]) -> dict[str, float]:
    """Unit-length log-frequency vector of the content words (no function words, no numbers)."""
    counts = Counter(t for t in tokens if len(t) > 2 and t not in STOP_WORDS and not t.isdigit())
    weights = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


def dot(small: dict[str, float], large: dict[str, float]) -> float:
    if len(small) > len(large):
        small, large = large, small
    return sum(w * large.get(t, 0.0) for t, w in small.items())


@lru_cache(maxsize=256)
def article_vector(article: str) -> dict[str, float]:
    return content_vector(tokenize(article))


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


class Thread:
    """What the comments of one thread have in common: summed content vectors and names.

    Batch scoring adds every comment first and then asks for features with
    ``included=True`` (the comment's own vector is subtracted); streaming asks before adding,
    so a comment is compared with the comments that came before it.
    """

    def __init__(self) -> None:
        self.comment_sum: dict[str, float] = {}
        self._sum_norm2: float | None = 0.0
        self.size = 0
        self.authors: set[str] = set()
        self.vocative_comments: Counter[str] = Counter()

    def add(self, comment: Comment) -> None:
        for term, weight in content_vector(tokenize(comment.text)).items():
            self.comment_sum[term] = self.comment_sum.get(term, 0.0) + weight
        self._sum_norm2 = None
        self.size += 1
        self.authors |= name_parts(comment.author)
        self.vocative_comments.update(vocative_names(comment.text))

    def sum_norm2(self) -> float:
        if self._sum_norm2 is None:
            self._sum_norm2 = sum(w * w for w in self.comment_sum.values())
        return self._sum_norm2

    def participant_names(self, article_terms: dict[str, float]) -> set[str]:
        # A word addressed in several comments is a name unless the article uses it (a place, a leader).
        addressed = {n for n, k in self.vocative_comments.items() if k >= VOCATIVE_MIN_COMMENTS and n not in article_terms}
        return self.authors | addressed

    def similarity_to_others(self, vector: dict[str, float], included: bool) -> float:
        """Cosine between a comment and the sum of the thread's *other* comments."""
        others = self.size - 1 if included else self.size
        if others < 1:
            return math.nan
        overlap = dot(vector, self.comment_sum)
        if included:
            # |S - v|² = |S|² - 2 v·S + |v|², with |v|² = 1 for a non-empty vector.
            own = 1.0 if vector else 0.0
            norm2 = self.sum_norm2() - 2 * overlap + own
            overlap -= own
        else:
            norm2 = self.sum_norm2()
        return overlap / math.sqrt(norm2) if norm2 > 1e-12 else 0.0

    def features(self, comment: Comment, included: bool) -> tuple[float, ...]:
        """The :data:`CONTEXT_FEATURES` of ``comment`` within this thread."""
        tokens = tokenize(comment.text)
        vector = content_vector(tokens)
        article = article_vector(comment.article) if comment.article.strip() else None
        names = self.participant_names(article or {}) - name_parts(comment.author)
        padded = " " + " ".join(tokens) + " "
        return (
            dot(vector, article) if article is not None else math.nan,
            self.similarity_to_others(vector, included),
            math.log1p(sum(t in SECOND_PERSON for t in tokens)),
            math.log1p(sum(t in names for t in tokens)),
            math.log1p(len(GROUP_ADDRESS.findall(padded))),
            math.log1p(sum(t in HOSTILE_WORDS for t in tokens)),
            math.log1p(len(tokens)),
        )


def thread_key(comment: Comment) -> str:
    return comment.thread_id


def build_threads(comments) -> dict[str, Thread]:
    """One :class:`Thread` per thread id, with every comment added (the batch first pass)."""
    threads: dict[str, Thread] = {}
    for comment in comments:
        threads.setdefault(thread_key(comment), Thread()).add(comment)
    return threads


def context_features(comments: list[Comment]) -> list[tuple[float, ...]]:
    """Context features of every comment against its whole thread (batch form)."""
    threads = build_threads(comments)
    return [threads[thread_key(c)].features(c, included=True) for c in comments]
