"""``moderation train``: read labeled comments, fit, cross-validate, write a model folder."""

from __future__ import annotations

import platform
import shlex
from pathlib import Path

import numpy as np

from moderation import __version__
from moderation.comments import LABELS
from moderation.commands.model_choice import load_prior, shipped_model_named
from moderation.commands.progress import progress
from moderation.errors import InputError, warn
from moderation.io.labeled import TrainingData, label_matrix, load_training_data, source_name
from moderation.io.readers import ReadOptions
from moderation.io.readers.source import STDIN
from moderation.model.store import LoadedModel, check_model_target, write_model
from moderation.model.trainable import MIN_CLASS_TO_FIT, MIN_CLASS_TO_TRAIN, can_train
from moderation.shipped import shipped_path


def library_versions() -> dict[str, str]:
    """The versions of the libraries that trained a model, for its metadata."""
    import joblib
    import numpy
    import pandas
    import sklearn

    return {
        "moderation": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "pandas": pandas.__version__,
        "joblib": joblib.__version__,
    }


def train(
    data_paths: list[Path],
    model_dir: Path,
    precision_target: float | None = None,
    C: float | None = None,
    command: str | None = None,
    options: ReadOptions = ReadOptions(),
    quiet: bool = True,
    prior: Path | None = None,
    use_prior: bool = True,
    overwrite_shipped: bool = False,
    with_seed: bool = False,
) -> dict:
    """Train on labeled data and write the model folder; returns its metadata.

    ``with_seed`` adds the shipped seed labels to ``data_paths`` (:func:`with_seed_labels`).

    The model builds on the shipped prior (or the prior folder ``prior``; none if
    not ``use_prior``). Labels with too few examples of either class
    (:data:`~moderation.model.trainable.MIN_CLASS_TO_TRAIN`) are skipped with a warning; it is
    an error only when no label can be trained. A shipped model folder is written only with
    ``overwrite_shipped``.
    """
    if not overwrite_shipped and shipped_model_named(Path(model_dir)):
        raise InputError(
            "is a model shipped with moderation, checked against the digest this version pins, so training must not "
            "replace it; train without --model to write your own model (every command then uses it), or give --model "
            "another folder (maintainers rebuilding it: add --overwrite-shipped)",
            model_dir,
        )
    check_model_target(Path(model_dir))  # before minutes of training, not after
    prior_model = load_prior(prior) if use_prior else None
    data = load_training_data(with_seed_labels(data_paths) if with_seed else data_paths, options)
    command = command or "moderation train " + " ".join(shlex.quote(source_name(p)) for p in data_paths) + f" --model {shlex.quote(str(model_dir))}"
    return fit_and_write(data, Path(model_dir), prior_model, command, precision_target, C, quiet)


def fit_and_write(
    data: TrainingData,
    model_dir: Path,
    prior_model: LoadedModel | None,
    command: str,
    precision_target: float | None = None,
    C: float | None = None,
    quiet: bool = True,
    prevalence: float | None = None,
    identity_check=None,
) -> dict:
    """Fit a model on labeled ``data`` (building on ``prior_model`` if given) and write its
    folder with metadata and card; returns the metadata. :func:`train` reads the data from
    files; ``models/build.py`` joins the shipped labels with public texts. ``prevalence``: the
    share of comments carrying a label at which thresholds are chosen (see
    :func:`moderation.model.pipeline.choose_threshold`; None: the data's own).
    ``identity_check(scorer)``, if given, measures how often the model flags non-toxic
    comments that name an identity group; its result goes into the metadata and the card."""
    from moderation.model.card import model_card
    from moderation.model.metrics import label_metrics
    from moderation.model.pipeline import ModerationClassifier

    Y = label_matrix(data.comments)
    classifier = ModerationClassifier(
        precision_target=precision_target,
        prevalence=prevalence,
        prior=prior_model.scorer.arrays if prior_model else None,
        **({"C_grid": (C,)} if C else {}),
    )
    positives, annotated = np.nansum(Y, axis=0), (~np.isnan(Y)).sum(axis=0)
    if not can_train(positives, annotated - positives).any():
        counts = ", ".join(f"{label}: {int(positives[j])} of {int(annotated[j])}" for j, label in enumerate(LABELS))
        raise InputError(
            f"no label has enough examples of each class to train and cross-validate ({counts}); "
            f"label more comments: at least {MIN_CLASS_TO_TRAIN} of each class, or add the shipped seed labels with --with-seed"
        )
    with progress("training (cross-validation folds, then the final fit)", quiet=quiet) as advance:
        classifier.fit(data.comments, Y, progress=advance)
    if not classifier.trained_labels_:
        raise InputError(
            "no label could be cross-validated: every fold lacked examples of a class; label more comments of the smaller class"
        )
    for j, label in enumerate(LABELS):
        known = Y[~np.isnan(Y[:, j]), j]
        if label not in classifier.trained_labels_ and len(known):  # unannotated labels are no news
            warn(
                f"warning: {label} not trained: {int(known.sum())} positive and {int(len(known) - known.sum())} negative "
                f"examples; at least {MIN_CLASS_TO_FIT} of each must remain when cross-validation holds some out"
            )
    oof = classifier.oof_scores()
    metrics = {}
    for j, label in enumerate(LABELS):
        if label in classifier.trained_labels_:
            rows = ~np.isnan(Y[:, j]) & ~np.isnan(oof[:, j])  # a hold-out scores only some rows
            metrics[label] = label_metrics(Y[rows, j], oof[rows, j], classifier.thresholds_[j])
    metadata = {
        "moderation_version": __version__,
        "trained_labels": list(classifier.trained_labels_),
        "threshold_rule": ("best F1 on cross-validated scores" if precision_target is None else f"lowest threshold with cross-validated precision >= {precision_target}")
        + (f", counting precision as if {prevalence:.0%} of comments carried the label" if prevalence is not None else ""),
        "versions": library_versions(),
        "data": {
            "sha256": data.sha256,
            "sources": data.sources,
            "comments": len(data.comments),
            "threads": len({c.thread_id for c in data.comments}),
            "duplicates": classifier.duplicates_,  # comments repeating an earlier one's text
            "labels": {
                label: {"annotated": int((~np.isnan(Y[:, j])).sum()), "positive": int(np.nansum(Y[:, j]))}
                for j, label in enumerate(LABELS)
            },
        },
        "prior": prior_description(prior_model),
        "training": {
            "C": classifier.chosen_C(),
            "C_grid": list(classifier.C_grid),
            "precision_target": precision_target,
            "prevalence": prevalence,
            "cv": classifier.cv_scheme_,
        },
        "cv_metrics": metrics,
        "command": command,
    }
    arrays = classifier.arrays()
    if identity_check is not None:
        from moderation.model.scorer import Scorer

        metadata["identity"] = identity_check(Scorer(arrays))
    return write_model(model_dir, arrays, metadata, model_card)


def with_seed_labels(data_paths: list[Path]) -> list[Path]:
    """``data_paths`` with the shipped seed labels (the folder :func:`shipped_path` finds, in
    a clone or an installed wheel) in place of any of their files named among them, so that
    no seed row is read twice."""
    seed = shipped_path("labels").resolve()

    def in_seed(path: Path) -> bool:
        resolved = Path(path).resolve()
        return resolved == seed or seed in resolved.parents

    return [path for path in data_paths if str(path) == STDIN or not in_seed(path)] + [seed]


def prior_description(prior: LoadedModel | None) -> dict | None:
    """What a model's metadata and card say of the prior it builds on."""
    if prior is None:
        return None
    return {
        "path": source_name(prior.path),
        "model_sha256": prior.metadata["model_sha256"],
        "comments": prior.metadata["data"]["comments"],
        "sources": [{key: s[key] for key in ("path", "license", "rows")} for s in prior.metadata["data"]["sources"]],
    }
