"""Everything ``annotate`` uses from the rest of moderation, in one place.

The readers, the model store, scoring (and the flag rule), training and how many examples it
needs, the comment record and the error types are reached only through this module, so a change of those APIs is ported here and nowhere
else in :mod:`moderation.annotate`. Scikit-learn is imported only by :func:`train_model`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moderation.comments import LABELS, Comment, has_text
from moderation.errors import InputError, ModelError, ModerationError
from moderation.io.readers import ReadOptions
from moderation.model.trainable import MIN_CLASS_TO_TRAIN, can_train
from moderation.model.verdicts import Judge, flags_of

SCORE_CHUNK = 700  # comments featurized at a time

__all__ = [
    "LABELS",
    "MIN_CLASS_TO_TRAIN",
    "Comment",
    "InputError",
    "ModelError",
    "ModerationError",
    "ReadOptions",
    "can_train",
    "flags_of",
    "has_text",
    "read_input",
    "read_json_line",
    "load_model",
    "model_name",
    "score",
    "thread_statistics",
    "thresholds",
    "precision_target",
    "train_model",
    "cv_roc_auc",
    "training_size",
    "trained_labels",
]

def read_input(path: str | Path, options: ReadOptions = ReadOptions()) -> list[Comment]:
    """Every comment of an input file in any format the readers accept, in file order; ``-``
    reads stdin."""
    from moderation.io.readers import read_comments

    return list(read_comments(path, options))


def read_json_line(line: str, name: str, number: int) -> dict:
    """The JSON object on line ``number`` of ``name``, its values as Python values, read by the
    readers' JSON reader: anything but one object (malformed, nested too deeply, a key given
    twice) is an :class:`InputError` naming the line."""
    import json

    from moderation.io.readers.json_values import JSONText, json_object

    record = json_object(line, name, number)
    try:  # the reader keeps values that are not strings as their JSON text
        return {key: json.loads(value) if isinstance(value, JSONText) else value for key, value in record.items()}
    except ValueError as error:  # a number of more than 4,300 digits
        raise InputError(f"a value cannot be read ({error}); each line must be one JSON object", name, number) from None


def load_model(model_dir: Path | None):
    """A verified model (for None, the one every command uses by default); raises
    :class:`ModelError` if refused."""
    from moderation.commands.model_choice import load_chosen_model

    return load_chosen_model(model_dir)


def model_name(model_dir: Path | None) -> str:
    """The model :func:`load_model` loads, in a few words: "the shipped default model", "your
    model (FOLDER)", or the folder given."""
    from moderation.commands.model_choice import choose_model

    return choose_model(model_dir).name


def thread_statistics(model, comments: Sequence[Comment]):
    """The statistics of every thread of ``comments`` that scoring compares a comment with,
    gathered :data:`SCORE_CHUNK` comments at a time."""
    return Judge(model.scorer).large_threads(comments, SCORE_CHUNK)


def score(model, comments: Sequence[Comment]) -> np.ndarray:
    """Calibrated scores, n × len(LABELS), each comment against its whole thread within
    ``comments``; NaN for comments not scored (empty texts) and for labels the model was not
    trained on.

    Scored :data:`SCORE_CHUNK` comments at a time against the statistics of every thread, as
    ``label`` scores its largest threads: the features of 10,000 comments at once took 700 MB."""
    judge = Judge(model.scorer)
    threads = judge.large_threads(comments, SCORE_CHUNK)
    scores = np.full((len(comments), len(LABELS)), np.nan)
    for start in range(0, len(comments), SCORE_CHUNK):
        scores[start : start + SCORE_CHUNK] = judge.threads(comments[start : start + SCORE_CHUNK], threads).scores
    return scores


def thresholds(model) -> dict[str, float]:
    """The model's flag threshold per trained label."""
    return dict(model.thresholds)


def precision_target(model) -> float | None:
    """The precision target the model's thresholds were chosen for (None: best F1)."""
    return (model.metadata.get("training") or {}).get("precision_target")


def train_model(labels_csv: Path, model_dir: Path, precision_target: float | None, command: str) -> dict:
    """Train like ``moderation train LABELS --model DIR`` and write the model folder
    atomically; returns its metadata. Raises :class:`InputError` when no label has enough
    examples of each class."""
    from moderation.commands.train import train

    return train([Path(labels_csv)], Path(model_dir), precision_target=precision_target, command=command, quiet=True)


def cv_roc_auc(model) -> dict[str, float]:
    """Per trained label, the model's cross-validated ROC-AUC on its training data."""
    return {label: float(m["roc_auc"]) for label, m in (model.metadata.get("cv_metrics") or {}).items() if m.get("roc_auc") is not None}


def training_size(model) -> int:
    """How many labeled comments the model was trained on."""
    return int((model.metadata.get("data") or {}).get("comments", 0))


def trained_labels(metadata: dict) -> list[str]:
    """The labels a training run could train (from the metadata :func:`train_model` returns)."""
    return list(metadata.get("trained_labels", []))
