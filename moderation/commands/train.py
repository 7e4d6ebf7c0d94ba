"""``moderation train``: read labeled comments, fit, cross-validate, write a model folder."""

from __future__ import annotations

import hashlib
import platform
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation import __version__
from moderation.comments import LABELS, Comment
from moderation.errors import InputError
from moderation.commands.progress import progress
from moderation.io.readers import read_comments
from moderation.io.readers.tabular import Columns
from moderation.io.readers.thread_export import read_thread_export
from moderation.model.store import check_model_target, notice, sha256_file, write_model

THREADS_FOLDER = "threads"


@dataclass
class TrainingData:
    comments: list[Comment]
    sources: list[dict]  # path, sha256, rows
    sha256: str  # of all source files together


def data_files(path: Path) -> list[Path]:
    """The file itself, or the CSV and JSONL files of a folder."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".jsonl"))
        if not files:
            raise InputError("folder has no .csv or .jsonl files; give labeled files or a folder of them", path)
        return files
    return [path]


def thread_articles(folder: Path) -> dict[str, tuple[str, Path]]:
    """Articles of the thread exports in ``folder/threads``, by thread id (the file stem)."""
    threads = folder / THREADS_FOLDER
    articles = {}
    for export in sorted(threads.glob("*.txt")) if threads.is_dir() else []:
        first = next(iter(read_thread_export(export)))
        articles[export.stem] = (first.article, export)
    return articles


def load_training_data(
    paths: list[Path], format: str | None = None, columns: Columns = Columns(), encoding: str = "utf-8", errors: str = "strict"
) -> TrainingData:
    """Labeled comments from files (any format ``label`` reads, ``format`` and ``columns`` as
    for ``label``; labels as in the canonical schema) and folders of CSV/JSONL files.

    In a folder, ``threads/<thread_id>.txt`` exports supply the article of rows that have no
    ``article`` of their own. Rows without text or without any label are left out, with a
    count on stderr.
    """
    comments: list[Comment] = []
    sources: list[dict] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError("no such file or folder; give labeled CSV files or a folder of them", path)
        articles = thread_articles(path) if path.is_dir() else {}
        for file in data_files(path):
            rows = list(read_comments(file, format, columns, encoding=encoding, errors=errors))
            unusable = 0
            for comment in rows:
                if not comment.article and comment.thread_id in articles:
                    comment.article = articles[comment.thread_id][0]
                if not comment.thread_id:
                    comment.thread_id = str(file)  # a file without thread ids is one thread
                if comment.text.strip() and any(v is not None for v in comment.labels.values()):
                    comments.append(comment)
                else:
                    unusable += 1
            if unusable:
                notice(f"{file}: {unusable} row(s) without text or without any label were not used for training")
            sources.append({"path": str(file), "sha256": sha256_file(file), "rows": len(rows)})
        for article, export in articles.values():
            sources.append({"path": str(export), "sha256": sha256_file(export), "rows": 0})
    if not comments:
        raise InputError("no labeled comments found in " + ", ".join(map(str, paths)) + "; label some rows (1/0) first")
    combined = hashlib.sha256("".join(s["sha256"] for s in sources).encode()).hexdigest()
    return TrainingData(comments, sources, combined)



def label_matrix(comments: list[Comment]) -> np.ndarray:
    """One column per label: 1, 0 or NaN (not annotated)."""
    return np.array(
        [[np.nan if c.labels.get(label) is None else c.labels[label] for label in LABELS] for c in comments],
        dtype=float,
    ).reshape(len(comments), len(LABELS))


def library_versions() -> dict[str, str]:
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
    format: str | None = None,
    columns: Columns = Columns(),
    encoding: str = "utf-8",
    errors: str = "strict",
    quiet: bool = True,
) -> dict:
    """Train on labeled data and write the model folder; returns its metadata.

    Labels with fewer than five examples of either class are skipped with a warning; it is
    an error only when no label can be trained.
    """
    from moderation.model.card import model_card
    from moderation.model.scorer import export_arrays
    from moderation.model.metrics import label_metrics
    from moderation.model.pipeline import ModerationClassifier, cv_splits

    check_model_target(Path(model_dir))  # before minutes of training, not after
    data = load_training_data(data_paths, format, columns, encoding, errors)
    Y = label_matrix(data.comments)
    classifier = ModerationClassifier(precision_target=precision_target, **({"C_grid": (C,)} if C else {}))
    folds = len(cv_splits(data.comments, classifier.random_state))
    with progress("training (cross-validation folds, then the final fit)", folds + 1, quiet) as advance:
        classifier.fit(data.comments, Y, progress=advance)
    if not classifier.trained_labels_:
        counts = ", ".join(f"{label}: {int(np.nansum(Y[:, j]))} of {int((~np.isnan(Y[:, j])).sum())}" for j, label in enumerate(LABELS))
        raise InputError(
            f"no label has at least {classifier.min_class_size} examples of each class ({counts}); label more comments"
        )
    for j, label in enumerate(LABELS):
        known = Y[~np.isnan(Y[:, j]), j]
        if label not in classifier.trained_labels_ and len(known):  # unannotated labels are no news
            notice(
                f"warning: {label} not trained: {int(known.sum())} positive and {int(len(known) - known.sum())} negative "
                f"examples, at least {classifier.min_class_size} of each are needed"
            )
    oof = classifier.oof_scores()
    metrics = {}
    for j, label in enumerate(LABELS):
        if label in classifier.trained_labels_:
            rows = ~np.isnan(Y[:, j]) & ~np.isnan(oof[:, j])  # a hold-out scores only some rows
            metrics[label] = label_metrics(Y[rows, j], oof[rows, j], classifier.thresholds_[j])
    metadata = {
        "moderation_version": __version__,
        "labels": list(LABELS),
        "trained_labels": list(classifier.trained_labels_),
        "thresholds": {label: float(classifier.thresholds_[j]) for j, label in enumerate(LABELS) if label in metrics},
        "threshold_rule": "best F1 on cross-validated scores"
        if precision_target is None
        else f"lowest threshold with cross-validated precision >= {precision_target}",
        "versions": library_versions(),
        "data": {
            "sha256": data.sha256,
            "sources": data.sources,
            "comments": len(data.comments),
            "threads": len({c.thread_id for c in data.comments}),
            "labels": {
                label: {"annotated": int((~np.isnan(Y[:, j])).sum()), "positive": int(np.nansum(Y[:, j]))}
                for j, label in enumerate(LABELS)
            },
        },
        "training": {
            "C": classifier.chosen_C(),
            "C_grid": list(classifier.C_grid),
            "precision_target": precision_target,
            "cv": classifier.cv_scheme_,
        },
        "cv_metrics": metrics,
        "command": command or "moderation train " + " ".join(shlex.quote(str(p)) for p in data_paths) + f" --model {shlex.quote(str(model_dir))}",
    }
    return write_model(model_dir, export_arrays(classifier), metadata, model_card)
