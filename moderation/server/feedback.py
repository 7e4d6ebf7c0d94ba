"""The feedback file: suggested scores appended as labeled rows that ``moderation train`` reads.

The file is CSV in the canonical schema. Each append writes whole rows in one ``write`` under
an exclusive lock (a thread lock, and ``flock`` for the other worker processes), then flushes
and fsyncs, so concurrent requests never interleave and a crash loses at most the rows being
written. The file is opened for each append: moving it away (to train on it) starts a new one.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import os
import threading
import uuid
from pathlib import Path

from moderation.errors import InputError
from moderation.server.scoring import LABELS

COLUMNS = ("text", "id", "thread_id", "parent_id", "author", "article", *LABELS, "reason")
"""The canonical schema, and ``reason``: why a row's labels are empty (a rejected comment
waiting for a person to say which problem it had), empty otherwise."""
HEADER = ",".join(COLUMNS)
EARLIER_COLUMNS = COLUMNS[:-1]
"""The columns of feedback files written before ``reason``: still read, and appended to as they are."""


def columns_of(first_line: bytes) -> tuple[str, ...] | None:
    """The columns of a feedback file whose first line is ``first_line`` (a byte-order mark and
    line end allowed), or None when it is not a feedback file's header."""
    header = first_line.decode("utf-8", "replace").strip().lstrip("\ufeff")
    return next((columns for columns in (COLUMNS, EARLIER_COLUMNS) if header == ",".join(columns)), None)


def check_feedback_file(path: Path) -> tuple[str, ...]:
    """Refuse, before serving, a feedback file we could not append to or that is not ours;
    return its columns (:data:`COLUMNS` for a new file)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError("is a folder; give --feedback a file name", path)
    if not folder.is_dir():
        raise InputError(f"the folder {folder} does not exist; create it or choose another --feedback file", path)
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise InputError("cannot write the feedback file here (permission denied); choose another --feedback file", path)
    if not path.exists() or path.stat().st_size == 0:
        return COLUMNS
    with open(path, "rb") as stream:
        first = stream.readline()
        stream.seek(-1, os.SEEK_END)
        last = stream.read(1)
    columns = columns_of(first)
    if columns is None:
        raise InputError(f"is not a feedback file (its header is not {HEADER}); choose another --feedback file", path)
    if last != b"\n":
        raise InputError("ends with an incomplete row (a write was cut short); repair or move it, then start again", path)
    return columns


def thread_of(article: str, comment_id: str) -> str:
    """Feedback on the same article forms one thread (training compares a comment with its
    thread); a comment without an article is a thread of its own."""
    if article.strip():
        return "article-" + hashlib.sha256(article.encode("utf-8")).hexdigest()[:16]
    return f"feedback-{comment_id}"


def feedback_row(
    text: str,
    labels: dict[str, int | None],
    article: str = "",
    comment_id: str | None = None,
    *,
    thread_id: str | None = None,
    parent_id: str = "",
    reason: str = "",
) -> dict:
    """One row of the feedback file; ``comment_id`` defaults to a new unique id, ``thread_id``
    to :func:`thread_of` the article."""
    comment_id = comment_id or uuid.uuid4().hex
    thread_id = thread_id or thread_of(article, comment_id)
    row = {"text": text, "id": comment_id, "thread_id": thread_id, "parent_id": parent_id, "author": "", "article": article}
    row.update({label: "" if labels.get(label) is None else str(labels[label]) for label in LABELS})
    row["reason"] = reason
    return row


class FeedbackFile:
    """Appends rows to the feedback file at ``path``, safely under concurrency (see module doc)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, rows: list[dict]) -> None:
        """Append ``rows`` (dicts by :data:`COLUMNS`), durably, with the header if the file is
        new; a file of :data:`EARLIER_COLUMNS` gets its own columns (no reason)."""
        with self._lock, open(self.path, "a+b") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)  # released when the file is closed
            new = os.fstat(stream.fileno()).st_size == 0
            columns = COLUMNS if new else columns_of(os.pread(stream.fileno(), 4096, 0).split(b"\n", 1)[0])
            if columns is None:
                raise InputError(f"is no longer a feedback file (its header is not {HEADER}); move it away to start a new one", self.path)
            buffer = io.StringIO()
            csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n").writerows(rows)
            data = ((HEADER + "\n") if new else "").encode("utf-8") + buffer.getvalue().encode("utf-8")
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
