"""Everything the server asks of the model layer, in one module.

The rest of ``moderation.server`` never imports the model modules: it uses :func:`load` and
:class:`ServingModel` only. What the server needs, and nothing else:

- :func:`load`: the model ``--model`` names (or the one every command uses by default),
  verified, refusing a tampered or incompatible one with a :class:`moderation.errors.ModerationError`;
- the model's identity (path, sha256), its trained labels and its flag thresholds;
- :meth:`ServingModel.score_in_context`: scores of texts each against its own article and
  earlier comments, without remembering them (Perspective's ``comments:analyze``);
- :class:`ThreadMemory`: ``score``'s JSON record of a comment against the earlier comments
  of its thread, remembering it, in bounded memory (the native ``/v1/score``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.commands.models import load_chosen_model
from moderation.commands.score import score_record
from moderation.comments import LABELS, Comment
from moderation.model.scorer import REMEMBERED_BYTES, REMEMBERED_COMMENTS, ScoredComment
from moderation.model.store import LoadedModel

__all__ = ["LABELS", "REMEMBERED_BYTES", "REMEMBERED_COMMENTS", "Comment", "InContext", "ServingModel", "ThreadMemory", "load"]


@dataclass(frozen=True)
class InContext:
    """Texts to score against one context: an article and the thread's earlier comments
    (oldest first; the last is the parent comment). Nothing here is remembered."""

    texts: Sequence[str]
    article: str = ""
    earlier: Sequence[str] = ()


class ServingModel:
    """A verified model as the server uses it."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.path: Path = loaded.path
        self.sha256: str = loaded.metadata["model_sha256"]
        self.labels: tuple[str, ...] = tuple(loaded.thresholds)
        """The labels this model scores (a label without enough training examples is not trained)."""
        self.thresholds: dict[str, float] = dict(loaded.thresholds)

    def score_in_context(self, items: Sequence[InContext]) -> list[np.ndarray]:
        """For each item, one row of probabilities per text (columns in :data:`LABELS` order,
        NaN for an untrained label), each text scored against that item's context alone.

        All items are scored in one batch: scoring is mostly per-call NumPy overhead, so a
        batch of concurrent requests costs little more than one. Every text must be non-empty.
        """
        comments, earlier = [], []
        for number, item in enumerate(items):
            thread = str(number)  # each item is a thread of its own, so contexts do not mix
            earlier += [Comment(text, id=f"earlier-{position}", thread_id=thread, article=item.article) for position, text in enumerate(item.earlier)]
            comments += [Comment(text, thread_id=thread, article=item.article) for text in item.texts]
        scores = self.loaded.scorer.score_after(comments, earlier)
        ends = np.cumsum([len(item.texts) for item in items])
        return np.split(scores, ends[:-1])

    def thread_memory(self, remembered: int, remembered_bytes: int = REMEMBERED_BYTES) -> ThreadMemory:
        """A live stream's memory of its ``remembered`` most recent comments (within
        ``remembered_bytes``), for this model."""
        return ThreadMemory(self, remembered, remembered_bytes)


class ThreadMemory:
    """Scores a live stream of comments, each against the earlier comments of its thread.

    Memory is bounded: the scorer's stream keeps the ``remembered`` most recent comments
    (across threads) within ``remembered_bytes``, and starts afresh from them when twice as
    many, or twice the bytes, have gone by, so memory and time per comment stay flat. It keeps
    no comment's text. A comment without a thread id is scored against its
    article alone and not remembered: records of unrelated sources should not meet.
    """

    def __init__(self, model: ServingModel, remembered: int, remembered_bytes: int = REMEMBERED_BYTES):
        self.model = model
        self.stream = model.loaded.scorer.stream(remembered, remembered_bytes)

    def score(self, comment: Comment) -> dict:
        """``moderation score``'s JSON record for ``comment`` (flags by the model's thresholds)."""
        scorer, thresholds = self.model.loaded.scorer, self.model.thresholds
        if comment.thread_id:
            scored = self.stream.score(comment)
        else:
            scored = ScoredComment(scorer.score_after([comment], [])[0] if comment.text.strip() else None)
        return score_record(scorer, comment.id, scored, thresholds)


def load(path: Path | None) -> ServingModel:
    """The model folder at ``path`` (None: the one every command uses by default), verified before use."""
    return ServingModel(load_chosen_model(path))
