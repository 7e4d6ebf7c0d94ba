"""Everything the server asks of the model layer, in one module.

The rest of ``moderation.server`` never imports the model modules: it uses :func:`load` and
:class:`ServingModel` only. What the server needs, and nothing else:

- :func:`load`: the model ``--model`` names (or the one every command uses by default),
  verified, refusing a tampered or incompatible one with a :class:`moderation.errors.ModerationError`;
- the model's identity (path, sha256), its trained labels, its flag thresholds and the flag
  rule (:func:`flags_of`);
- :meth:`ServingModel.score_in_context`: verdicts on texts each against its own article and
  earlier comments, without remembering them (Perspective's ``comments:analyze``);
- :class:`ThreadMemory`: ``score``'s JSON record of a comment against the earlier comments
  of its thread, remembering it, in bounded memory (the native ``/v1/score``);
- the languages the model scores, and :func:`detected_language` of a comment;
- :func:`word_list_scores`: whether texts hold a word of the hostile word list (PROFANITY).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.commands.model_choice import load_chosen_model
from moderation.commands.score import score_record
from moderation.comments import LABELS, Comment, has_text
from moderation.features.language import SCORED_LANGUAGES, detect_language
from moderation.features.text import tokenize
from moderation.features.wordlists import HOSTILE_WORDS
from moderation.model.scorer import REMEMBERED_BYTES, REMEMBERED_COMMENTS
from moderation.model.store import LoadedModel
from moderation.model.verdicts import Judge, Verdicts, flags_of

__all__ = [
    "LABELS", "REMEMBERED_BYTES", "REMEMBERED_COMMENTS", "SCORED_LANGUAGES", "Comment", "InContext", "ServingModel", "ThreadMemory",
    "Verdicts", "detected_language", "flags_of", "has_text", "load", "word_list_scores",
]  # fmt: skip


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
        self.judge = Judge(loaded.scorer)
        self.path: Path = loaded.path
        self.sha256: str = loaded.metadata["model_sha256"]
        self.labels: tuple[str, ...] = tuple(loaded.thresholds)
        """The labels this model scores (a label without enough training examples is not trained)."""
        self.thresholds: dict[str, float] = dict(loaded.thresholds)

    def score_in_context(self, items: Sequence[InContext]) -> list[Verdicts]:
        """For each item, the verdicts on its texts (``.scores``: one row of probabilities per
        text, columns in :data:`LABELS` order, NaN for an untrained label), each text judged
        against that item's context alone.

        All items are judged in one batch: scoring is mostly per-call NumPy overhead, so a
        batch of concurrent requests costs little more than one.
        """
        comments, earlier = [], []
        for number, item in enumerate(items):
            thread = str(number)  # each item is a thread of its own, so contexts do not mix
            earlier += [Comment(text, id=f"earlier-{position}", thread_id=thread, article=item.article) for position, text in enumerate(item.earlier)]
            comments += [Comment(text, thread_id=thread, article=item.article) for text in item.texts]
        verdicts = self.judge.after(comments, earlier)
        ends = np.cumsum([0] + [len(item.texts) for item in items])
        return [verdicts[start:end] for start, end in zip(ends[:-1], ends[1:])]

    def thread_memory(self, remembered: int, remembered_bytes: int = REMEMBERED_BYTES) -> ThreadMemory:
        """A live stream's memory of its ``remembered`` most recent comments (within
        ``remembered_bytes``), for this model."""
        return ThreadMemory(self, remembered, remembered_bytes)


class ThreadMemory:
    """Judges a live stream of comments, each against the earlier comments of its thread.

    Memory is bounded: the stream keeps the ``remembered`` most recent comments (across
    threads) within ``remembered_bytes``, and starts afresh from them when twice as many, or
    twice the bytes, have gone by, so memory and time per comment stay flat; it keeps no
    comment's text. A comment without a thread id is judged against its article alone and not
    remembered: records of unrelated sources should not meet.
    """

    def __init__(self, model: ServingModel, remembered: int, remembered_bytes: int = REMEMBERED_BYTES):
        self.model = model
        self.stream = model.judge.stream(remembered, unthreaded="alone", remembered_bytes=remembered_bytes)

    def score(self, comment: Comment) -> dict:
        """``moderation score``'s JSON record for ``comment`` (flags by the model's thresholds)."""
        return score_record(comment.id, self.stream.verdict(comment))


def load(path: Path | None) -> ServingModel:
    """The model folder at ``path`` (None: the one every command uses by default), verified before use."""
    return ServingModel(load_chosen_model(path))


def detected_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when unknown (too
    little text to tell; see :func:`moderation.features.language.detect_language`). The server
    treats a comment detected as a language outside :data:`SCORED_LANGUAGES` as it treats a
    request for one."""
    return detect_language(text)


def word_list_scores(texts: Sequence[str]) -> np.ndarray:
    """1.0 for each text holding a word of the hostile word list (insults, slurs, swear words,
    starred-out words, after the model's own normalization), else 0.0: a match, not a probability."""
    return np.array([float(not HOSTILE_WORDS.isdisjoint(tokenize(text))) for text in texts])
