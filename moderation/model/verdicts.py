"""Verdicts on comments — scores, flags and notes — from the one scoring call every command,
the server and annotate use: :class:`Judge`.

A :class:`Judge` holds a model's :class:`~moderation.model.scorer.Scorer`, the flag thresholds
(the model's, some replaced by ``--threshold``) and whether to explain flags. It takes comments
with their context:

- :meth:`Judge.threads`: a batch, each comment against its whole thread (``label``,
  ``evaluate``, ``annotate``);
- :meth:`Judge.after`: a batch, each comment against its article and the earlier comments
  given with it, nothing remembered (the server's Perspective endpoint);
- :meth:`Judge.stream`, then :meth:`VerdictStream.verdict` per comment: comments as they
  arrive, each against the ones before it, in flat memory (``score``, ``/v1/score``).

Each comment gets a :class:`Verdict`. A comment that one of :data:`UNSCORABLE_CHECKS` refuses
gets no scores, no flags and that check's note, and is no context for other comments; a scored
one gets the notes of :data:`SCORED_NOTES` that apply (e.g. that only its start was scored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from moderation.comments import LABELS, Comment, has_text
from moderation.features.context import WholeThreads
from moderation.features.language import language_note
from moderation.features.text import MAX_TEXT_CHARS
from moderation.model.explanations import Reason
from moderation.model.scorer import REMEMBERED_BYTES, REMEMBERED_COMMENTS, FeatureRows, Scorer

NOTHING_TO_SCORE = "empty text: nothing to score"


def nothing_to_score(comment: Comment) -> str | None:
    """The note of a comment without text (empty, or only white space)."""
    return None if has_text(comment.text) else NOTHING_TO_SCORE


def truncated(comment: Comment) -> str | None:
    """The note of a comment longer than the model reads (:data:`MAX_TEXT_CHARS`)."""
    length = len(comment.text)
    return f"scored the first {MAX_TEXT_CHARS:,} of {length:,} characters" if length > MAX_TEXT_CHARS else None


def other_language(comment: Comment) -> str | None:
    """The note of a comment in a language the model was not trained on ("language zh: not
    scored"): it cannot read it, so it gives no verdict (see :mod:`moderation.features.language`)."""
    return language_note(comment.text)


UNSCORABLE_CHECKS: tuple[Callable[[Comment], str | None], ...] = (nothing_to_score, other_language)
"""Checks that refuse to score a comment, each giving the note that says why (None: no
objection). The first objection decides. A refused comment gets no scores and no flags, and is
no context for the others. A new reason not to score is a function added here."""

SCORED_NOTES: tuple[Callable[[Comment], str | None], ...] = (truncated,)
"""Notes on a comment that is scored: what its reader should know about its scores."""


def unscorable(comment: Comment) -> str | None:
    """Why ``comment`` is not scored (the first of :data:`UNSCORABLE_CHECKS` to object), or None."""
    for check in UNSCORABLE_CHECKS:
        note = check(comment)
        if note is not None:
            return note
    return None


def scored_notes(comment: Comment) -> tuple[str, ...]:
    """The notes of :data:`SCORED_NOTES` that apply to a scored comment."""
    return tuple(note for note in (check(comment) for check in SCORED_NOTES) if note is not None)


def notes_of(comment: Comment) -> tuple[str, ...]:
    """A comment's notes: why it is not scored, or what to know about its scores."""
    refusal = unscorable(comment)
    return (refusal,) if refusal is not None else scored_notes(comment)


def flags_of(scores, thresholds):
    """The flag rule, elementwise: a score flags its label when it reaches the label's
    threshold. No score (NaN) or no threshold (NaN) never flags."""
    with np.errstate(invalid="ignore"):
        return np.asarray(scores) >= thresholds


@dataclass(slots=True)  # not frozen: label makes one per comment, and frozen ones are 4× slower to make
class Verdict:
    """What the model says of one comment.

    ``scores``: every label of :data:`LABELS`, None where the model has no score (a label it
    was not trained on, or a comment it did not score). ``flags``: the labels whose score
    reached their threshold, in :data:`LABELS` order. ``notes``: why it was not scored, or what
    to know about its scores. ``scored``: whether it was scored at all. ``explanation``: with
    ``explain``, per flag, the words of the comment and its features that raised the score
    most (:mod:`moderation.model.explanations`; None if not asked for, or not scored).
    """

    scores: dict[str, float | None]
    flags: tuple[str, ...]
    notes: tuple[str, ...]
    scored: bool
    explanation: dict[str, list[Reason]] | None = None

    @classmethod
    def unscored(cls, note: str) -> Verdict:
        """The verdict on a comment that was not scored, and why."""
        return cls(dict.fromkeys(LABELS), (), (note,), False)


@dataclass(frozen=True, eq=False)
class Verdicts:
    """Verdicts on a batch of comments, in their order: as arrays (``scores``: one row per
    comment, one column per label, NaN where there is no score; ``flagged``: booleans of the
    same shape; ``scored``: one boolean per comment) and per comment (``verdicts[i]``,
    iteration; a slice is a batch again)."""

    scores: np.ndarray
    flagged: np.ndarray
    scored: np.ndarray
    notes: list[tuple[str, ...]]
    explanations: list[dict[str, list[Reason]] | None]

    def __len__(self) -> int:
        return len(self.notes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Verdicts(self.scores[index], self.flagged[index], self.scored[index], self.notes[index], self.explanations[index])
        return self._verdict(index, self.scores[index].tolist(), self.flagged[index].tolist(), bool(self.scored[index]))

    def __iter__(self) -> Iterator[Verdict]:
        for index, rows in enumerate(zip(self.scores.tolist(), self.flagged.tolist(), self.scored.tolist())):
            yield self._verdict(index, *rows)

    def _verdict(self, index: int, scores: list[float], flagged: list[bool], scored: bool) -> Verdict:
        return Verdict(
            {label: None if s != s else s for label, s in zip(LABELS, scores)},  # s != s: NaN
            tuple(label for label, flag in zip(LABELS, flagged) if flag),
            self.notes[index],
            scored,
            self.explanations[index],
        )


class Judge:
    """The scoring call: verdicts on comments with their context (see the module's doc).

    ``thresholds`` replace the model's flag thresholds for the labels they name (``--threshold``);
    ``explain`` adds, per flag, the features that raised the score most.
    """

    def __init__(self, scorer: Scorer, thresholds: dict[str, float] | None = None, explain: bool = False):
        self.scorer = scorer
        self.thresholds = {**scorer.thresholds, **(thresholds or {})}
        """The flag threshold of each label that has one."""
        self.explain = explain
        self._threshold_row = np.array([self.thresholds.get(label, np.nan) for label in LABELS])

    def threads(self, comments: Sequence[Comment], threads: WholeThreads | None = None) -> Verdicts:
        """Verdicts on comments, each against its whole thread: the comments of ``comments``
        with its thread id, or, if given, ``threads`` (:meth:`large_threads`)."""
        return self._batch(comments, lambda scorable: self.scorer.thread_features(scorable, threads))

    def after(self, comments: Sequence[Comment], earlier: Sequence[Comment]) -> Verdicts:
        """Verdicts on comments, each against its article and the ``earlier`` comments of its
        thread, as if it came next; nothing is remembered."""
        context = [comment for comment in earlier if unscorable(comment) is None]
        return self._batch(comments, lambda scorable: self.scorer.features_after(scorable, context))

    def stream(self, remembered: int = REMEMBERED_COMMENTS, unthreaded: str = "together", remembered_bytes: int = REMEMBERED_BYTES) -> VerdictStream:
        """A stream of verdicts on comments as they arrive, each against the earlier ones,
        remembering the ``remembered`` most recent within ``remembered_bytes`` (see
        :class:`~moderation.model.scorer.ScoreStream`). Comments without a thread id form one
        thread (``unthreaded="together"``), or are each judged against their article alone
        and not remembered (``"alone"``: records from unrelated sources never meet)."""
        if unthreaded not in ("together", "alone"):
            raise ValueError(f"unthreaded must be 'together' or 'alone', not {unthreaded!r}")
        return VerdictStream(self, remembered, unthreaded == "alone", remembered_bytes)

    def large_threads(self, comments: Iterable[Comment], chunk: int) -> WholeThreads:
        """Statistics of whole threads gathered from ``comments`` (read ``chunk`` at a time),
        for threads too large to judge in one batch; pass them to :meth:`threads`."""
        statistics = self.scorer.thread_statistics()
        batch: list[Comment] = []
        for comment in comments:
            if unscorable(comment) is None:
                batch.append(comment)
                if len(batch) >= chunk:
                    statistics.add(batch)
                    batch = []
        if batch:
            statistics.add(batch)
        return statistics

    def _batch(self, comments: Sequence[Comment], features_of: Callable[[list[Comment]], FeatureRows]) -> Verdicts:
        refusals = [unscorable(comment) for comment in comments]
        rows = [row for row, refusal in enumerate(refusals) if refusal is None]
        scores = np.full((len(comments), len(LABELS)), np.nan)
        features = None
        if rows:
            features = features_of([comments[row] for row in rows])
            scores[rows] = self.scorer.scores_of(features)
        return self.assemble(comments, refusals, scores, features)

    def assemble(self, comments: Sequence[Comment], refusals: list[str | None], scores: np.ndarray, features: FeatureRows | None) -> Verdicts:
        """The verdicts on comments from why each was refused (None: scored), their scores
        (NaN rows for the refused) and the features of the scored ones, in order."""
        flagged = flags_of(scores, self._threshold_row)
        scored = np.array([refusal is None for refusal in refusals], dtype=bool)
        notes = [(refusal,) if refusal is not None else scored_notes(comment) for comment, refusal in zip(comments, refusals)]
        explanations: list = [None] * len(comments)
        if self.explain and features is not None:
            for position, row in enumerate(np.flatnonzero(scored)):
                text = comments[row].text
                explanations[row] = {label: self.scorer.explain(features, position, label, text) for label, flag in zip(LABELS, flagged[row]) if flag}
        return Verdicts(scores, flagged, scored, notes, explanations)


class VerdictStream:
    """Verdicts on comments as they arrive, each against the earlier comments of its thread
    and its article, in flat memory (:meth:`Judge.stream`)."""

    def __init__(self, judge: Judge, remembered: int, unthreaded_alone: bool, remembered_bytes: int = REMEMBERED_BYTES):
        self.judge = judge
        self.unthreaded_alone = unthreaded_alone
        self.score_stream = judge.scorer.stream(remembered, remembered_bytes)

    def verdict(self, comment: Comment) -> Verdict:
        """The verdict on ``comment`` against the earlier ones; then it is one of them."""
        refusal = unscorable(comment)
        if refusal is not None:
            return Verdict.unscored(refusal)
        if self.unthreaded_alone and not comment.thread_id:
            return self.judge.after([comment], [])[0]
        scored = self.score_stream.score(comment)
        return self.judge.assemble([comment], [None], scored.scores[None, :], scored.features)[0]
