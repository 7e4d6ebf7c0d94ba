"""An annotation session: which comment is shown, the answer being given, and going back.

:class:`Session` is the terminal-free core of ``moderation annotate``: the terminal UI and the
script mode (``--next``, ``--answers``) both drive it, and the tests drive it directly.

- The comments to ask about are the input's comments with text, each once (comments with
  the same thread, id and text are one comment).
- A comment is *done* when its row in the labels file answers every label being annotated,
  or records it as skipped. Done comments are never asked again, so starting again on the
  same input and labels file carries on where the last session stopped.
- The labels file's rows, in order, are the history that ``b`` walks back through.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moderation.annotate.labels_file import LabelsFile, key_of
from moderation.annotate.moderation_access import LABELS, Comment, flags_of, has_text
from moderation.annotate.ordering import annotation_order, uncertainty_margin

ARTICLE_START_CHARS = 400


@dataclass
class ModelScores:
    """The scores the order and the screen use: one row per input comment, one column per label."""

    scores: np.ndarray
    thresholds: np.ndarray  # per label; NaN where no model has the label
    learned: np.ndarray  # per label: True where the model trained on the new labels is used
    description: str  # which model(s), for the screen


@dataclass
class Progress:
    """How far the labeling is: answered, total, and positives per label."""
    answered: int  # comments done, skipped ones included
    skipped: int
    total: int  # comments to ask about
    positives: dict[str, int]  # per label being annotated
    negatives: dict[str, int]
    answers_this_session: int


def article_title_and_start(article: str) -> tuple[str, str]:
    """The article's first non-empty line (its title in every export we read) and the start of
    the rest, white space collapsed."""
    lines = [line.strip() for line in article.strip().splitlines()]
    if not lines:
        return "", ""
    rest = " ".join(" ".join(lines[1:]).split())
    return lines[0], rest[:ARTICLE_START_CHARS] + ("…" if len(rest) > ARTICLE_START_CHARS else "")


class Session:
    """The state of one annotation session over ``comments``, answers kept in ``labels_file``.

    ``chosen`` are the labels being annotated (in :data:`LABELS` order). Call
    :meth:`set_scores` with a model's scores before use, and again whenever a model is
    retrained: the comments not yet asked are re-ordered, the one on screen stays.
    """

    def __init__(self, comments: list[Comment], labels_file: LabelsFile, chosen: tuple[str, ...], random_share: float, seed: int = 0):
        self.comments = comments
        self.labels_file = labels_file
        self.chosen = tuple(label for label in LABELS if label in chosen)
        self.columns = [LABELS.index(label) for label in self.chosen]
        self.random_share = random_share
        self.seed = seed
        self.keys = [key_of(comment) for comment in comments]
        self.index_of: dict[str, int] = {}  # key → first input position, comments with text only
        for index, (comment, key) in enumerate(zip(comments, self.keys)):
            if has_text(comment.text) and key not in self.index_of:
                self.index_of[key] = index
        self.by_id = {(comment.thread_id, comment.id): index for index, comment in enumerate(comments)}
        self.model: ModelScores | None = None
        self.queue: list[int] = []  # not yet asked, in order
        self.random_picks: set[int] = set()  # input positions the order placed at random
        self.skipped_unchanged: set[str] = set()  # skipped this session without writing (see skip)
        self.current: int | None = None  # the next new comment; None when all are done
        self.cursor: int | None = None  # position in the history while revisiting answers
        self.draft: dict[str, int] = {}
        self.answers_this_session = 0

    # --- what is done ---------------------------------------------------------------------------

    def is_done(self, key: str) -> bool:
        """Whether every comment has been answered or skipped."""
        if key in self.skipped_unchanged:
            return True
        labels = self.labels_file.labels_of(key)
        return labels is not None and (not labels or all(label in labels for label in self.chosen))

    def history(self) -> list[int]:
        """Input positions of the answered comments, in the order they were first answered."""
        return [self.index_of[key] for key in self.labels_file.keys() if key in self.index_of]

    def answers(self) -> tuple[np.ndarray, np.ndarray]:
        """The answered comments of this input: input positions and a label matrix (1, 0, or
        NaN where a label was not answered)."""
        rows, matrix = [], []
        for key, index in self.index_of.items():
            labels = self.labels_file.labels_of(key)
            if labels:
                rows.append(index)
                matrix.append([labels.get(label, np.nan) for label in LABELS])
        return np.array(rows, dtype=int), np.array(matrix, dtype=float).reshape(len(rows), len(LABELS))

    def progress(self) -> Progress:
        """Comments done of the total, skips, and yes/no answers per label being annotated."""
        answered = skipped = 0
        positives = dict.fromkeys(self.chosen, 0)
        negatives = dict.fromkeys(self.chosen, 0)
        for key in self.index_of:
            labels = self.labels_file.labels_of(key)
            if labels is not None and not labels:
                skipped += 1
            if self.is_done(key):
                answered += 1
            for label in self.chosen:
                positives[label] += bool(labels and labels.get(label) == 1)
                negatives[label] += bool(labels and labels.get(label) == 0)
        return Progress(answered, skipped, len(self.index_of), positives, negatives, self.answers_this_session)

    # --- order ----------------------------------------------------------------------------------

    def set_scores(self, model: ModelScores) -> None:
        """Use a model's scores from now on: re-order every comment not yet asked."""
        self.model = model
        if self.current is not None and self.is_done(self.keys[self.current]):
            self.current = None  # answered meanwhile (by an answers file)
        candidates = np.array(
            [index for key, index in self.index_of.items() if index != self.current and not self.is_done(key)], dtype=int
        )
        margin = uncertainty_margin(model.scores[candidates], model.thresholds, self.columns) if len(candidates) else np.empty(0)
        # Seeded by the number of rows, so a restart on the same labels and model shows the same order.
        rng = np.random.default_rng([self.seed, len(self.labels_file.rows)])
        order, random = annotation_order(margin, self.random_share, rng)
        self.queue = candidates[order].tolist()
        self.random_picks = set(candidates[order[random]].tolist())
        if self.current is None:
            self._advance()

    def _advance(self) -> None:
        """Show the next comment of the queue that is not done."""
        self.current = None
        while self.queue:
            index = self.queue.pop(0)
            if not self.is_done(self.keys[index]):
                self.current = index
                break
        if self.cursor is None:
            self.draft = self._prefill(self.current)

    def upcoming(self, count: int) -> list[int]:
        """The next ``count`` comments to ask about, the one on screen first."""
        ahead = [self.current] if self.current is not None else []
        for index in self.queue:
            if len(ahead) >= count:
                break
            if not self.is_done(self.keys[index]):
                ahead.append(index)
        return ahead[:count]

    # --- the comment on screen ------------------------------------------------------------------

    def shown(self) -> int | None:
        """The input position of the comment on screen (an earlier answer while going back)."""
        if self.cursor is not None:
            return self.history()[self.cursor]
        return self.current

    def revisiting(self) -> bool:
        """Whether the comment on screen was answered before (reached with ``b``)."""
        return self.cursor is not None

    def _prefill(self, index: int | None) -> dict[str, int]:
        if index is None:
            return {}
        earlier = self.labels_file.labels_of(self.keys[index]) or {}
        return {label: earlier[label] for label in self.chosen if label in earlier}

    def toggle(self, label: str) -> None:
        """Set or clear a label of the comment on screen."""
        if label in self.chosen:
            self.draft[label] = 0 if self.draft.get(label) == 1 else 1

    def save(self) -> None:
        """Record the answer on screen (unchecked labels are 0) and move on."""
        index = self.shown()
        if index is None:
            return
        answer = {label: int(self.draft.get(label) == 1) for label in self.chosen}
        self.labels_file.save(self.comments[index], answer)
        self.answers_this_session += 1
        self._move_on()

    def skip(self) -> None:
        """Move on without an answer. A comment never answered is recorded as skipped (a row
        with no labels) and not asked again; an earlier answer is left exactly as it was."""
        index = self.shown()
        if index is None:
            return
        key = self.keys[index]
        if self.labels_file.labels_of(key) is None:
            self.labels_file.save(self.comments[index], {})
        elif not self.is_done(key):
            self.skipped_unchanged.add(key)  # answered for other labels only: not asked again today
        self._move_on()

    def _move_on(self) -> None:
        if self.cursor is None:
            self._advance()
            return
        self.cursor += 1
        if self.cursor >= len(self.history()):
            self.cursor = None
            self.draft = self._prefill(self.current)
        else:
            self.draft = self._prefill(self.shown())

    def back(self) -> bool:
        """Show the previous answer to change it; False if there is none."""
        history = self.history()
        position = len(history) - 1 if self.cursor is None else self.cursor - 1
        if position < 0:
            return False
        self.cursor = position
        self.draft = self._prefill(history[position])
        return True

    # --- context --------------------------------------------------------------------------------

    def parent_of(self, index: int) -> Comment | None:
        """The comment a comment replies to, if it is in the input."""
        comment = self.comments[index]
        if not comment.parent_id:
            return None
        parent = self.by_id.get((comment.thread_id, comment.parent_id))
        return None if parent is None else self.comments[parent]

    def scores_of(self, index: int) -> dict[str, float | None]:
        """The current model's scores of a comment."""
        if self.model is None:
            return dict.fromkeys(LABELS)
        return {label: None if np.isnan(s) else float(s) for label, s in zip(LABELS, self.model.scores[index])}

    def flags_of(self, index: int) -> list[str]:
        """The labels the current model flags a comment for."""
        if self.model is None:
            return []
        return [label for label, flag in zip(LABELS, flags_of(self.model.scores[index], self.model.thresholds)) if flag]

    def thresholds(self) -> dict[str, float | None]:
        """The current model's flag thresholds."""
        if self.model is None:
            return dict.fromkeys(LABELS)
        return {label: None if np.isnan(t) else float(t) for label, t in zip(LABELS, self.model.thresholds)}

    def record(self, index: int) -> dict:
        """A comment with what a moderator needs to judge it, as ``--next --json`` prints it."""
        comment = self.comments[index]
        title, start = article_title_and_start(comment.article)
        parent = self.parent_of(index)
        scores = self.scores_of(index)
        thresholds = self.thresholds()
        return {
            "key": self.keys[index],
            "id": comment.id,
            "thread_id": comment.thread_id,
            "parent_id": comment.parent_id,
            "author": comment.author,
            "text": comment.text,
            "article_title": title,
            "article_start": start,
            "parent": None if parent is None else {"id": parent.id, "author": parent.author, "text": parent.text},
            "scores": {label: None if s is None else round(s, 4) for label, s in scores.items()},
            "thresholds": {label: None if t is None else round(t, 4) for label, t in thresholds.items()},
            "flags": self.flags_of(index),
            "picked": "at random" if index in self.random_picks else "least certain",
            "labels": list(self.chosen),
        }
