"""The feedback file: suggested scores appended as labeled rows that ``moderation train`` reads.

The file is CSV in the canonical schema (rows formatted by :func:`moderation.io.writers.csv_row`,
so any text a commenter sends reads back as sent; NUL characters become U+FFFD, with a line in
the log). Appends follow the durable policy (:func:`moderation.io.durable.append`) under an
exclusive lock (a thread lock, and ``flock`` for the other worker processes), so concurrent
requests never interleave, and an append that fails (a full disk) leaves the file exactly as it
was and answers the client with an error. The file is opened for each append: moving it away
(to train on it) starts a new one.

The path is resolved once, when the server starts (a symlink given then is followed). Each
append opens it with ``O_NOFOLLOW`` and ``O_NONBLOCK`` and checks that it is a regular file, so
a symlink or a FIFO put there while the server runs is refused (with an error to the client
and a line in the log) and can neither redirect the rows nor block the server. Waiting for
the lock is bounded by :data:`LOCK_WAIT`.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import stat
import threading
import time
import uuid
from pathlib import Path

from moderation.errors import InputError
from moderation.io import durable
from moderation.io.writers import csv_row, writable_cells
from moderation.server.perspective import ApiError
from moderation.server.scoring import LABELS

log = logging.getLogger("moderation.server")

COLUMNS = ("text", "id", "thread_id", "parent_id", "author", "article", *LABELS, "reason")
"""The canonical schema, and ``reason``: why a row's labels are empty (a rejected comment
waiting for a person to say which problem it had), empty otherwise."""
HEADER = ",".join(COLUMNS)
EARLIER_COLUMNS = COLUMNS[:-1]
"""The columns of feedback files written before ``reason``: still read, and appended to as they are."""
LOCK_WAIT = 10.0
"""Seconds an append waits for another worker's append before answering 503 (one takes milliseconds)."""
OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


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
    if not path.exists():
        return COLUMNS
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError("is not a regular file (a FIFO or a device?); give --feedback a file name", path)
    if path.stat().st_size == 0:
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
        self.path = Path(os.path.realpath(path))
        self._lock = threading.Lock()

    def append(self, rows: list[dict]) -> None:
        """Append ``rows`` (dicts by :data:`COLUMNS`), durably, with the header if the file is
        new; a file of :data:`EARLIER_COLUMNS` gets its own columns (no reason). Or leave the
        file as it was and raise :class:`ApiError` (503, or 507 for a full disk) saying the
        suggestion was not saved. Blocks: call it from a thread."""
        if not self._lock.acquire(timeout=LOCK_WAIT):
            raise self.unavailable("another request has been writing it too long")
        try:
            descriptor = self.open()
            try:
                self.lock_file(descriptor)
                new = os.fstat(descriptor).st_size == 0
                columns = COLUMNS if new else columns_of(os.pread(descriptor, 4096, 0).split(b"\n", 1)[0])
                if columns is None:
                    raise self.unavailable(f"it is no longer a feedback file (its header is not {HEADER}); move it away to start a new one")
                data = ((HEADER + "\n") if new else "") + "".join(self.line(row, columns) for row in rows)
                durable.append(descriptor, data.encode("utf-8"))
            finally:
                os.close(descriptor)  # releases the file lock
        except OSError as error:
            if error.errno in NO_SPACE:
                raise self.unavailable(f"it cannot grow ({os.strerror(error.errno)}); the file is unchanged", 507) from None
            raise self.unavailable(f"{error.strerror or error}; the file is unchanged") from None
        finally:
            self._lock.release()

    @staticmethod
    def line(row: dict, columns: tuple[str, ...]) -> str:
        """The CSV line of ``row`` in ``columns``; what the file cannot hold (NUL) is replaced and logged."""
        cells, replaced = writable_cells([row[column] for column in columns])
        if replaced:
            log.warning("feedback row %s: %s", row["id"].encode("unicode_escape").decode("ascii")[:80], replaced)
        return csv_row(cells)

    def open(self) -> int:
        """A descriptor for appending to the file, which must be a regular file, not a symlink."""
        try:
            descriptor = os.open(self.path, OPEN_FLAGS, 0o666)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise self.unavailable("it is now a symlink, which is not followed") from None
            if error.errno == errno.ENXIO:
                raise self.unavailable("it is now a FIFO or a socket, not a regular file") from None
            raise
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise self.unavailable("it is now not a regular file (a FIFO or a device?)")
        return descriptor

    def lock_file(self, descriptor: int) -> None:
        """Take the file's lock, waiting at most :data:`LOCK_WAIT` seconds for another worker."""
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise self.unavailable("another worker process has held its lock too long") from None
                time.sleep(0.01)

    def unavailable(self, reason: str, code: int = 503) -> ApiError:
        """The client's error for a suggestion that was not saved, logged with the file's path."""
        log.error("feedback file %s: %s; a suggestion was not saved", self.path, reason)
        status = "RESOURCE_EXHAUSTED" if code == 507 else "UNAVAILABLE"
        return ApiError(f"The suggestion was not saved: the server's feedback file is unusable ({reason}). Try again later.", code, status, None)
