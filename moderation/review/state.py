"""A review session: the comments, their scores, the answers and retraining, without HTTP.

Everything that decides what is saved and which model scores is annotate's, reused:

- answers go to annotate's :class:`~moderation.annotate.labels_file.LabelsFile` (the one
  writer: append-and-fsync, atomic rewrites, one session per file, resuming), and are checked
  as annotate's ``--answers`` checks them (:func:`~moderation.annotate.script.parse_answer`);
- :class:`~moderation.annotate.session.Session` says what is done and counts the answers;
- :class:`~moderation.annotate.scoring_models.ScoringModels` scores with the starting model and, once
  retrained, per label with the model that ranks the answers better;
- :class:`~moderation.annotate.retrain.Retrainer` retrains in a background process, and the
  page says what changed in the terminal's words
  (:func:`~moderation.annotate.terminal.progress_words`).

What review adds: threads (:mod:`~moderation.review.threads`), explanations of the comments
shown (:class:`~moderation.review.model_access.Explainer`) and the JSON of
:mod:`~moderation.review.records`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.annotate.labels_file import LabelsFile
from moderation.annotate.scoring_models import ScoringModels, learned_model_dir
from moderation.annotate.ordering import uncertainty_margin
from moderation.annotate.retrain import Retrainer, RetrainResult
from moderation.annotate.script import find_comment, parse_answer
from moderation.annotate.session import Session
from moderation.annotate.terminal import progress_words
from moderation.review.model_access import LABELS, MIN_CLASS_TO_TRAIN, Comment, Explainer, InputError, can_train, flags
from moderation.review.records import answer_value, comment_record, index_data, matches, to_json
from moderation.review.threads import build_threads

MAX_QUERY_CHARS = 200


@dataclass
class RetrainStatus:
    """Where retraining is: ``idle``, ``training`` or ``scoring``; what the page should say;
    and the generation of the scores (it grows each time the page is re-scored)."""

    state: str = "idle"
    message: str = ""
    generation: int = 0


class ReviewSession:
    """The comments of one input under review, with answers in ``labels_file``.

    ``chosen`` are the labels being answered; ``name`` names the input on the page.
    Thread-safety: answers and retraining are started from one thread (the server's event
    loop); explanations and re-scoring may run in worker threads, and each model's
    explanations are computed one request at a time.
    """

    def __init__(self, comments: list[Comment], labels_file: LabelsFile, chosen: tuple[str, ...], model_dir: Path | None, name: str = ""):
        self.comments = comments
        self.name = name
        self.labels_file = labels_file
        self.threads = build_threads(comments)
        self.session = Session(comments, labels_file, chosen, random_share=0.0)
        self.chosen = self.session.chosen
        self.models = ScoringModels(comments, model_dir)
        self.learned_dir = learned_model_dir(labels_file.path)
        refused = self.models.try_learned(self.learned_dir, self.session.answers())  # a previous session's retrained model
        self.notices = [refused] if refused else []
        self.session.set_scores(self.models.current())
        self.retrainer = Retrainer(labels_file, self.learned_dir, self.models.precision_target())
        self.status = RetrainStatus()
        self._explainers = {"base": Explainer(self.models.base, comments)}
        if self.models.learned is not None:
            self._explainers["learned"] = Explainer(self.models.learned, comments)
        self._index_cache: tuple[int, bytes] | None = None
        self._reasons: dict[int, dict] = {}
        self._reasons_lock = threading.Lock()

    def warm(self) -> None:
        """Gather the thread statistics explanations need now rather than on the first page."""
        for explainer in self._explainers.values():
            explainer.warm()

    # --- what the page shows ----------------------------------------------------------------

    def margins(self) -> np.ndarray:
        """Per comment, how far its least certain chosen label is from its threshold (annotate's order)."""
        model = self.session.model
        return uncertainty_margin(model.scores, model.thresholds, self.session.columns)

    def model_description(self) -> dict:
        """Which model scores the page, per label."""
        model = self.session.model
        return {
            "description": model.description,
            "learned": [bool(flag) for flag in model.learned],
            "retrain_message": self.status.message,
        }

    def index_json(self) -> bytes:
        """The index of every comment (see :mod:`~moderation.review.records`), cached until the
        scores or an answer change."""
        if self._index_cache is None or self._index_cache[0] != self.status.generation:
            model = self.session.model
            data = index_data(
                self.comments,
                self.threads,
                self.session.keys,
                model.scores,
                model.thresholds,
                self.margins(),
                [answer_value(self.labels_file.labels_of(key)) for key in self.session.keys],
                self.chosen,
                self.model_description(),
                {"input": self.name, "labels": str(self.labels_file.path)},
            )
            self._index_cache = (self.status.generation, to_json(data))
        return self._index_cache[1]

    def records(self, positions: list[int]) -> list[dict]:
        """The records of the comments at these input positions, with their explanations."""
        generation = self.status.generation
        model = self.session.model
        flagged = flags(model.scores[positions], model.thresholds)
        wanted: dict[str, dict[int, list[str]]] = {"base": {}, "learned": {}}
        with self._reasons_lock:
            missing = [(p, row) for p, row in zip(positions, flagged) if p not in self._reasons]
        for position, row in missing:
            for j, label in enumerate(LABELS):
                if row[j]:
                    wanted["learned" if model.learned[j] else "base"].setdefault(position, []).append(label)
        reasons: dict[int, dict] = {position: {} for position, _ in missing}
        for name, asked in wanted.items():
            if asked:
                for position, by_label in self._explainers[name].explain(asked).items():
                    reasons[position].update(by_label)
        with self._reasons_lock:
            if generation == self.status.generation:
                self._reasons.update(reasons)
            found = {position: self._reasons.get(position, reasons.get(position, {})) for position in positions}
        return [comment_record(self.comments, self.threads, position, found[position]) for position in positions]

    def full_text(self, position: int) -> str:
        """The whole text of a comment (records cut long ones)."""
        return self.comments[position].text

    def search(self, query: str) -> list[int]:
        """Input positions of the comments whose text or author contains ``query``, ignoring case."""
        query = query[:MAX_QUERY_CHARS].lower()
        return [position for position, comment in enumerate(self.comments) if matches(comment, query)]

    # --- answers ---------------------------------------------------------------------------

    def answer(self, request: dict) -> dict:
        """Save one answer: ``{"key": …, LABEL: 1/0 for every chosen label}`` or ``{"key": …,
        "skip": true}``, checked as annotate's ``--answers`` checks a line. A skip records a
        comment never answered as skipped and leaves an earlier answer as it was. Raises
        :class:`InputError` for a request that is not an answer. Returns the comment's answer
        as the index holds it."""
        if "key" not in request:
            raise InputError('name the comment with "key"')
        index = find_comment(self.session, request, "answer", 1)
        labels = parse_answer(self.session, request, "answer", 1)
        key = self.session.keys[index]
        if labels or self.labels_file.labels_of(key) is None:
            self.labels_file.save(self.comments[index], labels)
            self.session.answers_this_session += bool(labels)  # as annotate counts: skips are not answers
            self._index_cache = None
        return {"key": key, "answer": answer_value(self.labels_file.labels_of(key))}

    # --- retraining ------------------------------------------------------------------------

    def start_retraining(self) -> str:
        """Retrain in the background on the answers so far; what the page should say."""
        if self.retrainer.running() or self.status.state != "idle":
            return "Already retraining; the page is re-scored when it is done."
        progress = self.session.progress()
        if not any(can_train(progress.positives[label], progress.negatives[label]) for label in self.chosen):
            counts = ", ".join(f"{label} {progress.positives[label]} yes / {progress.negatives[label]} no" for label in self.chosen)
            return f"Retraining needs {MIN_CLASS_TO_TRAIN} yes and {MIN_CLASS_TO_TRAIN} no answers for at least one label; so far {counts}."
        rows = self.retrainer.start()
        self.status.state = "training"
        self.status.message = f"Retraining on {rows} answers in the background…"
        return self.status.message

    def poll_retraining(self) -> RetrainResult | None:
        """The result of a finished retraining (then call :meth:`use_retrained`), else None."""
        result = self.retrainer.poll()
        if result is not None:
            self.status.state = "scoring" if result.ok else "idle"
            self.status.message = "Scoring the page with the retrained model…" if result.ok else progress_words(result, self.session, self.models)
            self._index_cache = None  # it says what retraining said last
        return result

    def rescore(self, answers: tuple[np.ndarray, np.ndarray]) -> Explainer:
        """Score with the retrained model and prepare its explanations (slow: run it in a
        worker thread), then pass what it returns to :meth:`use_retrained`. ``answers`` are
        :meth:`~moderation.annotate.session.Session.answers` as they were when the result came.
        Raises whatever loading or scoring the model raised."""
        self.models.use_learned(self.learned_dir, answers)
        explainer = Explainer(self.models.learned, self.comments)
        explainer.warm()
        return explainer

    def use_retrained(self, result: RetrainResult, explainer: Explainer | None, error: Exception | None = None) -> None:
        """Show the retrained model's scores (on the thread that answers), or say why not."""
        if error is not None:
            failed = RetrainResult(False, result.answers, [], f"the retrained model could not be used: {error}")
            self.status.message = progress_words(failed, self.session, self.models)
        else:
            self._explainers["learned"] = explainer
            self.session.set_scores(self.models.current())
            with self._reasons_lock:
                self._reasons = {}
            self.status.generation += 1
            self.status.message = progress_words(result, self.session, self.models)
        self.status.state = "idle"
        self._index_cache = None

    def close(self) -> None:
        """End a running retraining."""
        self.retrainer.stop()
