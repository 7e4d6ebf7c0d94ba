"""What raised a score, in the words of the comment: :class:`Reason` and :func:`reasons`.

A label's decision value is a sum of feature terms (:meth:`moderation.model.scorer.Scorer.contributions`):
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

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from moderation.features.context import GROUP_ADDRESS
from moderation.features.text import char_ngrams_of_word, tokenize
from moderation.features.wordlists import DISPARAGING_WORDS, HOSTILE_WORDS, SECOND_PERSON


@dataclass
class Contribution:
    """One feature's share of a label's decision value: ``weight``, the feature's ``value``
    times its coefficient. ``block``: the n-gram block ("word", "char", "prior_word",
    "prior_char") or "context"; ``term``: the n-gram, or the context feature's name;
    ``feature``: both in one name ("prior: chars 'idi'", "context length")."""

    feature: str
    weight: float
    block: str = ""
    term: str = ""
    value: float = 0.0


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
}
"""Context feature → a function of the comment's text and tokens giving the words or phrases
the feature counted, one per occurrence. A feature not named here is named as a whole."""


def gram_owners(tokens: tuple[str, ...]) -> dict[str, Counter]:
    """Each character n-gram of the comment → how often each of its words holds it."""
    owners: dict[str, Counter] = defaultdict(Counter)
    for word, count in Counter(tokens).items():
        for gram in char_ngrams_of_word(word):
            owners[gram][word] += count
    return owners


def reasons(contributions: Iterable[Contribution], text: str, top: int | None = None) -> list[Reason]:
    """The terms of a decision value (every one of :meth:`Scorer.contributions` for the
    comment with ``text``) gathered by word, phrase and whole-comment feature as the module
    describes; the ``top`` largest positive ones, largest first (None: every one, in no
    particular order)."""
    tokens = tokenize(text)
    owners: dict[str, Counter] | None = None
    words: dict[str, float] = defaultdict(float)  # word or phrase → weight
    matched: dict[str, dict[str, None]] = defaultdict(dict)  # word or phrase → the features that matched it, in order
    whole: dict[str, float] = defaultdict(float)  # feature named as a whole → weight
    for part in contributions:
        if part.block.endswith("char"):
            if owners is None:
                owners = gram_owners(tokens)
            holders = owners.get(part.term)
            if not holders:  # not a gram of this text's words: name it as it is
                whole[part.feature] += part.weight
                continue
            total = sum(holders.values())
            for word, count in holders.items():
                words[word] += part.weight * count / total
        elif part.block == "context":
            found = WORD_FINDERS[part.term](text, tokens) if part.term in WORD_FINDERS and part.value > 0 else []
            if not found:
                whole[part.feature] += part.weight
                continue
            for phrase in found:
                words[phrase] += part.weight / len(found)
                matched[phrase][part.term] = None
        else:  # a word or a word pair of the comment
            words[part.term] += part.weight
    gathered = [Reason(phrase, weight, tuple(matched.get(phrase, ()))) for phrase, weight in words.items()]
    gathered += [Reason(feature, weight, in_text=False) for feature, weight in whole.items()]
    if top is None:
        return gathered
    return sorted((reason for reason in gathered if reason.weight > 0), key=lambda reason: -reason.weight)[:top]
