"""Everything ``review`` uses from the model layer, in one place.

Scores, flags, the notes a comment's scores carry, the explanations behind a flag, and the word
lists behind the context features are reached only through this module, so a change of the
scoring API is ported here and nowhere else in :mod:`moderation.review`. Reading inputs,
training and retraining go through annotate's door (:mod:`moderation.annotate.moderation_access`),
which review shares. Scores, flags and notes follow :mod:`moderation.model.verdicts`, as in
every command.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import islice

import numpy as np

from moderation.annotate.moderation_access import (  # noqa: F401 - review's names for them
    LABELS,
    MIN_CLASS_TO_TRAIN,
    Comment,
    InputError,
    ReadOptions,
    can_train,
    has_text,
    read_input,
)
from moderation.annotate.moderation_access import score as score_threads  # noqa: F401
from moderation.annotate.moderation_access import thread_statistics
from moderation.features.context import GROUP_ADDRESS  # noqa: F401 - for highlights
from moderation.features.text import MAX_TEXT_CHARS  # noqa: F401 - for highlights
from moderation.features.wordlists import DISPARAGING_WORDS, HOSTILE_WORDS, SECOND_PERSON
from moderation.model.verdicts import flags_of, notes_of, unscorable

EXPLAIN_CHUNK = 100  # comments featurized together when explaining
TOP_FEATURES = 5  # as `score --explain`

Explained = tuple[str, float, tuple[str, ...]]
"""A reason for a flag: a word, phrase or feature, its weight, the word lists that matched it."""

WORD_LISTS = {"hostile_words": HOSTILE_WORDS, "disparaging_words": DISPARAGING_WORDS, "second_person": SECOND_PERSON}
"""The context features that count words of a list, and their lists."""


def flags(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per comment and label, whether the score reaches the label's threshold (``thresholds``:
    one per label, NaN for a label without a model; a NaN score is never flagged): the flag
    rule of every command (:func:`moderation.model.verdicts.flags_of`)."""
    return flags_of(scores, thresholds[None, :])


def score_note(comment: Comment) -> str:
    """Why a comment's scores are partial or missing ("" when they are whole), as every
    command notes it."""
    return "; ".join(notes_of(comment))


def batched(items: Sequence, size: int):
    """``items`` in lists of ``size``."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Explainer:
    """What raised each flag of one model's scores, for the comments of one input, on demand.

    A comment's features depend on its whole thread, so the statistics of every thread are
    gathered once, the first time an explanation is asked for; a request then featurizes only
    the comments it asks about (a page of them), so explaining costs in proportion to what is
    shown. Thread-safe: requests are served one at a time.
    """

    def __init__(self, model, comments: Sequence[Comment]):
        self.model = model
        self.comments = comments
        self._threads = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Gather the thread statistics now, so that the first explanation does not wait for them."""
        with self._lock:
            self._statistics()

    def _statistics(self):
        if self._threads is None or self._threads.facts is not self.model.scorer.facts:  # the scorer may start a new word table
            self._threads = thread_statistics(self.model, self.comments)
        return self._threads

    def explain(self, wanted: dict[int, Sequence[str]]) -> dict[int, dict[str, list[Explained]]]:
        """For each input position, the labels asked about → the words, phrases and features
        that pushed that label's score up most, largest first: ``(feature, weight, matched)``
        as ``score --explain`` gives them (``matched``: the context features whose word lists
        matched a word). Comments without text have none."""
        positions = sorted(p for p, labels in wanted.items() if labels and unscorable(self.comments[p]) is None)
        result: dict[int, dict[str, list[Explained]]] = {}
        if not positions:
            return result
        with self._lock:
            scorer = self.model.scorer
            threads = self._statistics()
            for chunk in batched(positions, EXPLAIN_CHUNK):
                rows = scorer.thread_features([self.comments[p] for p in chunk], threads)
                for row, position in enumerate(chunk):
                    text = self.comments[position].text
                    result[position] = {
                        label: [(r.feature, r.weight, r.matched) for r in scorer.explain(rows, row, label, text, TOP_FEATURES)]
                        for label in wanted[position]
                    }
        return result

