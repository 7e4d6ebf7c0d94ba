"""What raised a score, in the words of the comment: :class:`Reason` and :func:`reasons`.

A label's decision value is a sum of feature terms (:meth:`moderation.model.scorer.Scorer.terms`):
word and word-pair n-grams, character n-grams inside words (the model's own and the prior's),
and context features. Named as features, they mislead out of context: the n-gram ``'hoe'``
raises hostility in "Whoever", ``' bi'`` in "bike", and "context hostile_words" does not say
which word the list matched. So the terms are gathered by what a reader sees:

- a character n-gram's term is shared among the words of the comment that contain it, in
  proportion to how often each does;
- a word or a word pair is itself;
- a context feature that counts words or phrases of a list (:data:`WORD_FINDERS`) is shared
  equally among the ones the comment has, when it has more of them than the average comment
  (otherwise what raised the score is their absence, and the feature is named as a whole);
- any other context feature (length, similarity to the article, …) is named as a whole,
  ``context NAME``.

Terms of the same word or phrase are added up, so a word is listed once with all it
contributed. The weights still sum to the decision value minus the intercept.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat

import numpy as np

from moderation.features.context import GROUP_ADDRESS
from moderation.features.spam import spam_found
from moderation.features.text import char_ngrams_of_word, tokenize
from moderation.features.wordlists import DISPARAGING_WORDS, HOSTILE_WORDS, SECOND_PERSON


@dataclass
class BlockTerms:
    """One text's features in one block ("word", "char", "prior_word", "prior_char" or
    "context"), and their terms of one label's decision value: ``names`` (the n-grams, or the
    context features' names), ``values`` (tf-idf, or the standardized context feature) and
    ``weights`` (value × coefficient)."""

    block: str
    names: list[str]
    values: np.ndarray
    weights: np.ndarray


@dataclass
class Contribution:
    """One feature's share of a label's decision value: ``weight``, the feature's ``value``
    times its coefficient. ``block`` and ``term`` as in :class:`BlockTerms`; ``feature``: both
    in one name (:func:`feature_name`)."""

    feature: str
    weight: float
    block: str = ""
    term: str = ""
    value: float = 0.0


def feature_name(block: str, term: str) -> str:
    """A feature's name: ``idiot``, ``you are``, ``chars 'idi'``, ``prior: …`` for the prior's
    n-grams, ``context length``."""
    if block == "context":
        return f"context {term}"
    name = f"chars '{term}'" if block.endswith("char") else term
    return f"prior: {name}" if block.startswith("prior_") else name


@dataclass(frozen=True)
class Reason:
    """Something in a comment that raised (or, with a negative weight, lowered) a label's
    decision value by ``weight``: a word or phrase of the comment as the model read it
    (lowercased, disguises undone), with the context features whose word lists matched it
    (``matched``, e.g. ``("hostile_words",)``); or, when not ``in_text``, a feature of the
    comment as a whole (``"context length"``)."""

    feature: str
    weight: float
    matched: tuple[str, ...] = ()
    in_text: bool = True


def listed(words: frozenset[str]) -> Callable[[str, tuple[str, ...]], list[str]]:
    """A finder of the comment's words that are in ``words``, once per occurrence."""
    return lambda text, tokens: [token for token in tokens if token in words]


def group_addresses(text: str, tokens: tuple[str, ...]) -> list[str]:
    """The phrases addressing the commenters as a group, found as the feature finds them."""
    return GROUP_ADDRESS.findall(" " + " ".join(tokens) + " ")


WORD_FINDERS: dict[str, Callable[[str, tuple[str, ...]], list[str]]] = {
    "hostile_words": listed(HOSTILE_WORDS),
    "disparaging_words": listed(DISPARAGING_WORDS),
    "second_person": listed(SECOND_PERSON),
    "addresses_parent": listed(SECOND_PERSON),  # "you" in a reply; the parent author's name is not known here
    "addresses_group": group_addresses,
    "links": lambda text, tokens: spam_found(text)[0],
    "promotion": lambda text, tokens: spam_found(text)[1],
}
"""Context feature → a function of the comment's text and tokens giving the words or phrases
the feature counted, one per occurrence. A feature not named here is named as a whole."""


class WordGrams:
    """The character n-grams of a text's words as arrays: for every (word, n-gram) occurrence,
    the word, the n-gram and how often the word occurs; and how often each n-gram occurs in
    the text. A text's n-grams number in the thousands, so the sharing is done in NumPy."""

    def __init__(self, tokens: tuple[str, ...]):
        counts = Counter(tokens)
        self.words = list(counts)
        grams = [char_ngrams_of_word(word) for word in self.words]
        flat = list(chain.from_iterable(grams))
        self.index = {gram: number for number, gram in enumerate(dict.fromkeys(flat))}
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        self.word_of = np.repeat(np.arange(len(self.words)), lengths)
        self.gram_of = np.fromiter(map(self.index.__getitem__, flat), dtype=np.int64, count=len(flat))
        occurrences = np.repeat(np.fromiter(counts.values(), dtype=float, count=len(counts)), lengths)
        self.share_of = occurrences / np.bincount(self.gram_of, weights=occurrences, minlength=len(self.index))[self.gram_of]

    def shares(self, grams: list[str], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each word's share of the weights of ``grams`` (distinct n-grams of one block), and
        the positions of the n-grams no word holds (none, for the text's own n-grams)."""
        where = np.fromiter(map(self.index.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
        held = where >= 0
        per_gram = np.zeros(len(self.index))
        per_gram[where[held]] = weights[held]
        return np.bincount(self.word_of, weights=per_gram[self.gram_of] * self.share_of, minlength=len(self.words)), np.flatnonzero(~held)


@lru_cache(maxsize=8)  # a comment is explained once per flagged label
def word_grams(tokens: tuple[str, ...]) -> WordGrams:
    """:class:`WordGrams` of a text's tokens."""
    return WordGrams(tokens)


def reasons(terms: Iterable[BlockTerms], text: str, top: int | None = None) -> list[Reason]:
    """The terms of a decision value for the comment with ``text``, block by block
    (:meth:`Scorer.terms`), gathered by word, phrase and whole-comment feature as the module
    describes; the ``top`` largest positive ones, largest first (None: every one, in no
    particular order)."""
    tokens = tokenize(text)
    words: dict[str, float] = defaultdict(float)  # word or phrase → weight
    matched: dict[str, dict[str, None]] = defaultdict(dict)  # word or phrase → the features that matched it, in order
    whole: dict[str, float] = defaultdict(float)  # feature named as a whole → weight
    for part in terms:
        if part.block.endswith("char"):
            grams = word_grams(tokens)
            shares, unheld = grams.shares(part.names, part.weights)
            for word, weight in zip(grams.words, shares.tolist()):
                if weight:  # a word with no n-grams (one naming a group) shares nothing
                    words[word] += weight
            for position in unheld.tolist():  # not an n-gram of this text's words: named as it is
                whole[feature_name(part.block, part.names[position])] += float(part.weights[position])
        elif part.block == "context":
            for name, value, weight in zip(part.names, part.values.tolist(), part.weights.tolist()):
                found = WORD_FINDERS[name](text, tokens) if name in WORD_FINDERS and value > 0 else []
                if not found:
                    whole[feature_name(part.block, name)] += weight
                for phrase in found:
                    words[phrase] += weight / len(found)
                    matched[phrase][name] = None
        else:  # words and word pairs of the comment
            for name, weight in zip(part.names, part.weights.tolist()):
                words[name] += weight
    named = [(weight, phrase, True) for phrase, weight in words.items()] + [(weight, feature, False) for feature, weight in whole.items()]
    if top is not None:
        named = [item for item in heapq.nlargest(top, named, key=lambda item: item[0]) if item[0] > 0]
    return [Reason(name, weight, tuple(matched.get(name, ())) if in_text else (), in_text) for weight, name, in_text in named]
