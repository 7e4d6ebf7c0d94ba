"""The models that score the comments being annotated: the starting model, and the one
retrained on the new labels.

The retrained model lives beside the labels file (``labels.csv`` → ``labels.model/``), so a
later session, ``--next`` and ``moderation score --model labels.model`` all find it. Per label,
it replaces the starting model only where it trained that label and its cross-validated
ROC-AUC on the answers is at least the starting model's ROC-AUC on the same answers (see
:func:`moderation.annotate.ordering.prefer_learned` and
:func:`~moderation.annotate.ordering.combine_models`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from moderation.annotate import moderation_access
from moderation.annotate.moderation_access import LABELS, Comment, ModelError
from moderation.annotate.ordering import combine_models, prefer_learned, roc_auc
from moderation.annotate.session import ModelScores


def learned_model_dir(labels_path: Path) -> Path:
    """Where the model retrained on a labels file is kept."""
    return Path(labels_path).with_suffix(".model")


def threshold_array(model) -> np.ndarray:
    """The thresholds in :data:`LABELS` order (NaN for labels without one)."""
    by_label = moderation_access.thresholds(model)
    return np.array([by_label.get(label, np.nan) for label in LABELS], dtype=float)


class ScoringModels:
    """Scores of the input's comments by the starting model and, once there is one, the model
    retrained on the labels; :meth:`current` combines them per label.

    Per label, the retrained model is used only where its cross-validated ROC-AUC on the
    answers is at least the starting model's on the same answers
    (:func:`~moderation.annotate.ordering.prefer_learned`).
    """

    def __init__(self, comments: list[Comment], base_dir: Path | None):
        self.comments = comments
        self.base = moderation_access.load_model(base_dir)
        self.base_name = moderation_access.model_name(base_dir)
        self.base_scores = moderation_access.score(self.base, comments)
        self.base_thresholds = threshold_array(self.base)
        self.learned = None  # the retrained model, once there is one
        self.learned_scores: np.ndarray | None = None
        self.learned_thresholds: np.ndarray | None = None
        self.learned_cv_auc = np.full(len(LABELS), np.nan)
        self.base_auc = np.full(len(LABELS), np.nan)  # on the answers the learned model saw
        self.learned_from = 0  # answers the retrained model learned from

    def precision_target(self) -> float | None:
        """The precision target the starting model's thresholds were chosen for."""
        return moderation_access.precision_target(self.base)

    def use_learned(self, model_dir: Path, answers: tuple[np.ndarray, np.ndarray]) -> None:
        """Score with the model in ``model_dir`` (raises :class:`ModelError` if it is refused).

        ``answers`` are (input positions, label matrix with NaN where not answered), to judge
        the starting model on the same comments.
        """
        model = moderation_access.load_model(model_dir)
        scores = moderation_access.score(model, self.comments)
        cv_auc = moderation_access.cv_roc_auc(model)
        rows, Y = answers
        self.base_auc = np.array([roc_auc(Y[:, j], self.base_scores[rows, j]) for j in range(len(LABELS))])
        self.learned_cv_auc = np.array([cv_auc.get(label, np.nan) for label in LABELS])
        self.learned, self.learned_scores, self.learned_thresholds = model, scores, threshold_array(model)
        self.learned_from = moderation_access.training_size(model)

    def try_learned(self, model_dir: Path, answers: tuple[np.ndarray, np.ndarray]) -> str | None:
        """Use the retrained model if there is a usable one; a message if it was refused."""
        if not Path(model_dir).is_dir():
            return None
        try:
            self.use_learned(model_dir, answers)
        except ModelError as error:
            return f"not using the retrained model: {error}"
        return None

    def current(self) -> ModelScores:
        """The model that scores and orders the comments now."""
        use = prefer_learned(self.learned_cv_auc, self.base_auc)
        scores, thresholds, learned = combine_models(self.base_scores, self.base_thresholds, self.learned_scores, self.learned_thresholds, use)
        if learned.all():
            description = f"retrained on {self.learned_from} answers"
        elif learned.any():
            mine = ", ".join(label for label, used in zip(LABELS, learned) if used)
            description = f"retrained on {self.learned_from} answers for {mine}; {self.base_name} for the rest"
        else:
            description = self.base_name
        return ModelScores(scores, thresholds, learned, description)
