"""Everything the server asks of the model layer, in one module.

The rest of ``moderation.server`` never imports the model, context or store modules: it uses
:func:`load` and :class:`ServingModel` only, so a change of the scoring API is an edit of this
file. What the server needs, and nothing else:

- :func:`load`: a model folder (or the shipped default) loaded and verified, refusing a
  tampered or incompatible one with a :class:`moderation.errors.ModerationError`;
- the model's identity (path, sha256), its trained labels and its flag thresholds;
- :meth:`ServingModel.score_in_context`: scores of texts each against its own article and
  earlier comments, without remembering them (Perspective's ``comments:analyze``);
- :class:`ThreadMemory`: ``score``'s JSON record of a comment against the earlier comments
  of its thread, remembering it, in bounded memory (the native ``/v1/score``).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.comments import LABELS, Comment
from moderation.compact import CompactModel
from moderation.context import ContextFeaturizer
from moderation.scoring import result_record
from moderation.store import LoadedModel, load_model

__all__ = ["LABELS", "Comment", "InContext", "ServingModel", "ThreadMemory", "load"]

WORD_TABLE_LIMIT = 250_000
"""Distinct words the scorer may learn ids for before it starts over from the model's arrays.

The scorer numbers every new word it meets and keeps it for good: right for one batch run, a
slow leak for a server that reads arbitrary text for months (user names, typos, numbers). A
fresh scorer costs about 0.1 s and forgets :class:`ThreadMemory` contexts (their word ids
belong to the old table)."""


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
        self._loaded = loaded
        self.path: Path = loaded.path
        self.sha256: str = loaded.metadata["model_sha256"]
        self.labels: tuple[str, ...] = tuple(label for label, trained in zip(LABELS, loaded.scorer.trained) if trained)
        """The labels this model scores (a label without enough training examples is not trained)."""
        self.thresholds: dict[str, float] = dict(loaded.thresholds)

    def current(self) -> LoadedModel:
        """The scorer to use now: a fresh one when the word table outgrew :data:`WORD_TABLE_LIMIT`."""
        if len(self._loaded.scorer.table.words) > WORD_TABLE_LIMIT:
            self._loaded = dataclasses.replace(self._loaded, scorer=CompactModel(self._loaded.scorer.arrays))
        return self._loaded

    def score_in_context(self, items: Sequence[InContext]) -> list[np.ndarray]:
        """For each item, one row of probabilities per text (columns in :data:`LABELS` order,
        NaN for an untrained label), each text scored against that item's context alone.

        All items are scored in one batch: scoring is mostly per-call NumPy overhead, so a
        batch of concurrent requests costs little more than one. Every text must be non-empty.
        """
        loaded = self.current()
        featurizer = ContextFeaturizer(loaded.scorer.table, streaming=True)
        comments = []
        for number, item in enumerate(items):
            thread = str(number)  # each item is a thread of its own, so contexts do not mix
            for position, text in enumerate(item.earlier):
                if text.strip():
                    # One at a time: a streaming featurizer counts the overlap of comments added together only with earlier ones.
                    featurizer.add([Comment(text, id=f"earlier-{position}", thread_id=thread, article=item.article)])
            comments += [Comment(text, thread_id=thread, article=item.article) for text in item.texts]
        encoded = loaded.scorer.table.encode([comment.text for comment in comments])
        vectors = featurizer.content_vectors(encoded)
        contexts = featurizer.features(comments, included=False, encoded=encoded, vectors=vectors)
        scores = loaded.scorer.scores(encoded, contexts)
        ends = np.cumsum([len(item.texts) for item in items])
        return np.split(scores, ends[:-1])

    def thread_memory(self, max_threads: int, max_comments: int) -> ThreadMemory:
        """A live stream's memory of recent threads, for this model."""
        return ThreadMemory(self, max_threads, max_comments)


class _Thread:
    """One thread's context: a featurizer holding its recent comments, and those comments
    (to rebuild the featurizer from the newest ones when it has absorbed too many)."""

    def __init__(self, loaded: LoadedModel, max_comments: int):
        self.featurizer = ContextFeaturizer(loaded.scorer.table, streaming=True)
        self.recent: deque[Comment] = deque(maxlen=max_comments)
        self.absorbed = 0
        self.article = ""


class ThreadMemory:
    """Scores a live stream of comments, each against the earlier comments of its thread.

    Memory is bounded: at most ``max_threads`` threads (the least recently used one is
    forgotten first), each holding its ``max_comments`` newest comments — a thread's context is
    rebuilt from them whenever it has absorbed twice that many, so the cost stays constant per
    comment. A comment without a thread id is scored against its article alone.
    """

    def __init__(self, model: ServingModel, max_threads: int, max_comments: int):
        self.model = model
        self.max_threads = max_threads
        self.max_comments = max_comments
        self.threads: OrderedDict[str, _Thread] = OrderedDict()
        self._loaded = model.current()

    def score(self, comment: Comment) -> dict:
        """``moderation score``'s JSON record for ``comment`` (flags by the model's thresholds)."""
        loaded = self.model.current()
        if loaded is not self._loaded:  # the scorer started over: old word ids mean nothing to it
            self.threads.clear()
            self._loaded = loaded
        if not comment.thread_id:
            return result_record(loaded, comment, self.model.thresholds, False, ContextFeaturizer(loaded.scorer.table, streaming=True))
        thread = self._thread(comment.thread_id, loaded)
        if comment.article == thread.article:
            comment.article = thread.article  # one copy of the article per thread, not one per comment
        else:
            thread.article = comment.article
        record = result_record(loaded, comment, self.model.thresholds, False, thread.featurizer)
        if comment.text.strip():
            thread.recent.append(comment)
            thread.absorbed += 1
            if thread.absorbed >= 2 * self.max_comments:
                self._rebuild(thread, loaded)
        return record

    def _thread(self, thread_id: str, loaded: LoadedModel) -> _Thread:
        thread = self.threads.get(thread_id)
        if thread is None:
            thread = self.threads[thread_id] = _Thread(loaded, self.max_comments)
            if len(self.threads) > self.max_threads:
                self.threads.popitem(last=False)
        else:
            self.threads.move_to_end(thread_id)
        return thread

    def _rebuild(self, thread: _Thread, loaded: LoadedModel) -> None:
        thread.featurizer = ContextFeaturizer(loaded.scorer.table, streaming=True)
        for comment in thread.recent:
            thread.featurizer.add([comment])  # one at a time, as they were scored
        thread.absorbed = len(thread.recent)


def load(path: Path | None) -> ServingModel:
    """The model folder at ``path`` (None: the shipped default), verified before use."""
    return ServingModel(load_model(path))
