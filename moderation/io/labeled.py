"""Labeled comments for training and evaluation: files in any input format, and folders of
CSV/JSONL files with the thread exports their rows come from."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.comments import LABELS, Comment, has_text
from moderation.errors import InputError, warn
from moderation.io.readers import ReadOptions, ReadReport, open_input
from moderation.io.readers.source import STDIN
from moderation.shipped import shipped_path

THREADS_FOLDER = "threads"
REASON_COLUMN = "reason"
"""Why a row's labels are empty, where a file says so (the server's feedback file does)."""
PURPOSES = {
    "training": "train learns from your labels",
    "evaluation": "evaluate compares the model's flags with your labels",
}


@dataclass
class TrainingData:
    """Labeled comments, and the files they came from (path, sha256, rows) with one digest of
    them all, for the model's metadata."""

    comments: list[Comment]
    sources: list[dict]
    sha256: str


def data_files(path: Path) -> list[Path]:
    """The file itself, or the CSV and JSONL files of a folder."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".jsonl"))
        if not files:
            raise InputError("folder has no .csv or .jsonl files; give labeled files or a folder of them", path)
        return files
    return [path]


def thread_articles(folder: Path) -> dict[str, tuple[str, Path, str]]:
    """Articles of the thread exports in ``folder/threads``, by thread id (the file stem),
    with the export's path and sha256."""
    threads = folder / THREADS_FOLDER
    articles = {}
    for export in sorted(threads.glob("*.txt")) if threads.is_dir() else []:
        with open_input(export, ReadOptions(format="thread")) as source:
            first = next(iter(source.comments()))
            articles[export.stem] = (first.article, export, source.sha256())
    return articles


def load_training_data(paths: list[Path], options: ReadOptions = ReadOptions(), purpose: str = "training") -> TrainingData:
    """Labeled comments from files (any format ``label`` reads, read with ``options``; ``-``
    for stdin; labels as in the canonical schema) and folders of CSV/JSONL files, for
    ``purpose`` ("training" or "evaluation", which the errors name).

    In a folder, ``threads/<thread_id>.txt`` exports supply the article of rows that have no
    ``article`` of their own. Rows without text or without any label are left out, with a
    count on stderr (rows whose ``reason`` column says why their labels are empty, such as
    the feedback file's rejected comments, are counted apart, as waiting for a person); data
    without any labeled row is one error line.
    """
    comments: list[Comment] = []
    sources: list[dict] = []
    unusable: list[tuple[str, int]] = []
    waiting: list[tuple[str, int, str]] = []
    columns: set[str] = set()
    for path in map(Path, paths):
        if str(path) != STDIN and not path.exists():
            raise InputError("no such file or folder; give labeled CSV files or a folder of them", path)
        articles = thread_articles(path) if path.is_dir() else {}
        for file in [path] if str(path) == STDIN else data_files(path):
            with open_input(file, options) as source:
                report = ReadReport()
                rows = 0
                left_out = 0
                reasons: Counter[str] = Counter()
                for comment in source.comments(report):
                    rows += 1
                    columns.update(comment.row or ())
                    if not comment.article and comment.thread_id in articles:
                        comment.article = articles[comment.thread_id][0]
                    if not comment.thread_id:
                        comment.thread_id = source.name  # a file without thread ids is one thread
                    if has_text(comment.text) and any(v is not None for v in comment.labels.values()):
                        comments.append(comment)
                    elif reason := reason_of(comment):
                        reasons[reason] += 1
                    else:
                        left_out += 1
                for note in report.notes:
                    warn(f"note: {note}")
                if left_out:
                    unusable.append((source.name, left_out))
                waiting += [(source.name, count, reason) for reason, count in reasons.most_common()]
                sources.append({"path": source_name(file), "sha256": source.sha256(), "rows": rows})
        for _, export, digest in articles.values():
            sources.append({"path": source_name(export), "sha256": digest, "rows": 0})
    if not comments:
        raise InputError(
            f"no labeled comments in {', '.join(map(str, paths))}: no row has text and a 1 or 0 in an "
            f"{', '.join(LABELS[:-1])} or {LABELS[-1]} column; {PURPOSES[purpose]}: label some rows first "
            "(labels/GUIDELINES.md), or score unlabeled comments with `moderation label`"
        )
    for name, count in unusable:
        warn(f"{name}: {count} row(s) without text or without any label were not used for {purpose}")
    annotated = {label for comment in comments for label, value in comment.labels.items() if value is not None}
    for label in LABELS:
        if label not in annotated and (near := columns_naming(label, columns - SCORE_COLUMNS)):
            warn(f"warning: no column holds {label}, so it is not used for {purpose}; rename {' or '.join(map(repr, near))} to {label} if it holds it")
    for name, count, reason in waiting:
        warn(
            f"{name}: {count} row(s) waiting for a label ({reason[:60]!r}) were not used for {purpose}; "
            "fill in their label columns (1 or 0) to use them"
        )
    combined = hashlib.sha256("".join(s["sha256"] for s in sources).encode()).hexdigest()
    return TrainingData(comments, sources, combined)


SCORE_COLUMNS = frozenset(f"{label}_{kind}" for label in LABELS for kind in ("score", "flag"))
"""``label``'s output columns: they name a label but hold no annotation."""


def columns_naming(label: str, columns: set[str]) -> list[str]:
    """The columns whose names contain ``label``'s letters without being it ("is_hostile",
    "off_topic_label"): a label a person meant, under a name the reader does not take for it."""
    letters = label.replace("_", "")
    return sorted(column for column in columns if letters in "".join(c for c in column.casefold() if c.isalnum()))


def reason_of(comment: Comment) -> str:
    """The ``reason`` column of a row without labels (why it has none), or ""."""
    reason = (comment.row or {}).get(REASON_COLUMN)
    return reason.strip() if isinstance(reason, str) and not any(v is not None for v in comment.labels.values()) else ""


def label_matrix(comments: list[Comment]) -> np.ndarray:
    """One column per label: 1, 0 or NaN (not annotated)."""
    return np.array(
        [[np.nan if c.labels.get(label) is None else c.labels[label] for label in LABELS] for c in comments],
        dtype=float,
    ).reshape(len(comments), len(LABELS))


def source_name(path: Path) -> str:
    """How a model's metadata names a data file: the shipped labels by their place in the
    project, others relative to the current folder when inside it, so that no machine's
    absolute paths end up in a model."""
    if str(path) == STDIN:
        return "<stdin>"
    resolved = Path(path).resolve()
    for root in (shipped_path("labels").parent, Path.cwd()):
        try:
            return str(resolved.relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)
