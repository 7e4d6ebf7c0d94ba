"""The labels file: every answer on disk the moment it is given, in the canonical CSV schema.

One row per comment, in the order the comments were first answered, with the columns
:data:`COLUMNS`. A label cell is ``1``, ``0`` or empty (not annotated); a row whose labels are
all empty records a skipped comment. ``moderation train FILE`` trains on the file as it is.

How nothing is lost (the policy is :mod:`moderation.io.durable`'s):

- A new answer is appended and fsynced before the next comment is shown; an append that fails
  (a full disk) leaves the file exactly as it was, and the error says so.
- Changing an earlier answer (going back, or answering a label a previous session left
  empty) rewrites the file: a complete copy is written and fsynced beside it and renamed over
  it, so the file is always either the old or the new version, with one row per comment. A
  symlinked labels file is written through: its target is replaced, the link stays.
- Every row we write ends with a newline. A last row that is an unclosed quoted field, or that
  has fewer cells than the header, was cut off while being appended (``kill -9``, power
  loss): on opening, it is moved to ``FILE.torn`` (or ``FILE.torn-2``, …) and the file is
  truncated after its last complete row. That comment is simply asked again. A complete last
  row without a newline (a file edited by hand) is kept.
- A session locks the file itself (``flock`` on its inode, not on its name), so a second
  session is refused whichever name, symlink or hard link, it opens the file by.
- Text a UTF-8 CSV cannot hold (lone surrogates, NUL) is written as U+FFFD; comment keys are
  computed after that replacement, so such a comment is still found again.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from moderation.annotate.moderation_access import LABELS, Comment, InputError
from moderation.io import durable
from moderation.io.readers.tabular import parse_label
from moderation.io.writers import UNWRITABLE, csv_row, failure, writable_cells

COLUMNS = ("text", "id", "thread_id", "parent_id", "author", "article", *LABELS)
BOM = b"\xef\xbb\xbf"


def comment_key(thread_id: str, id: str, text: str) -> str:
    """A comment's identity across runs: its thread, its id and its text.

    Line ends and surrounding white space are normalized, so a labels file re-saved by an
    editor still matches, and what the file writes as U+FFFD (lone surrogates, NUL) is
    replaced first, so a comment matches its own row; a comment whose text changed in the
    input counts as a new one.
    """
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    joined = UNWRITABLE.sub("\ufffd", "\x1f".join((thread_id, id, normalized)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def key_of(comment: Comment) -> str:
    """The key that identifies a comment across runs: thread, id and a digest of its text."""
    return comment_key(comment.thread_id, comment.id, comment.text)


def unwritable_note(comments: list[Comment]) -> str | None:
    """What the labels file will say differently from the input, if anything: the comments
    with text a UTF-8 CSV cannot hold (lone surrogates, NUL), written with U+FFFD instead."""
    fields = ("text", "id", "thread_id", "parent_id", "author", "article")
    count = sum(1 for comment in comments if any(UNWRITABLE.search(getattr(comment, name)) for name in fields))
    if not count:
        return None
    return (
        f"{count:,} comment(s) hold invalid Unicode (lone surrogates) or NUL characters, which a UTF-8 CSV cannot "
        "hold; the labels file gets U+FFFD in their place"
    )


@dataclass
class Answer:
    """What the annotator said about one comment: 1/0 per answered label; empty = skipped."""

    labels: dict[str, int]

    @property
    def skipped(self) -> bool:
        """Whether the comment was skipped rather than answered."""
        return not self.labels


def row_for(comment: Comment, labels: dict[str, int]) -> dict[str, str]:
    """The labels-file row of a comment with these label values (others left empty)."""
    row = {
        "text": comment.text,
        "id": comment.id,
        "thread_id": comment.thread_id,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "article": comment.article,
    }
    row.update({label: str(labels[label]) if label in labels else "" for label in LABELS})
    return row


def row_labels(row: dict[str, str]) -> dict[str, int]:
    """The answered labels of a (validated) row."""
    values = {label: parse_label(row[label], label, "labels file", 0, "row") for label in LABELS}
    return {label: value for label, value in values.items() if value is not None}


def split_records(text: str) -> Iterator[tuple[list[str], int, int]]:
    """CSV records of ``text`` with the character offsets where each starts and ends.

    Raises ``csv.Error`` (with the start offset in ``args[1]``) for a malformed record.
    """
    position = 0
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        while consumed < len(text):
            end = text.find("\n", consumed)
            end = len(text) if end < 0 else end + 1
            line = text[consumed:end]
            consumed = end
            yield line

    reader = csv.reader(lines(), strict=True)
    while True:
        start = position
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise csv.Error(str(error), start) from None
        position = consumed
        yield record, start, position


def same_file(descriptor: int, path: Path) -> bool:
    """True if ``path`` (followed if a symlink) is the file open on ``descriptor``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


@dataclass
class Repair:
    """A partial last row moved out of the labels file."""

    moved_to: Path
    size: int  # bytes


class LabelsFile:
    """An open labels file: its rows by comment key, and safe ways to add and change them.

    ``writable=False`` reads only (no lock, no repair: a partial last row is ignored).
    Raises :class:`InputError` naming the file and row for a file that is not in the schema.
    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: Path, writable: bool = True):
        self.path = Path(path)
        self.writable = writable
        self.rows: dict[str, dict[str, str]] = {}  # key → row, in file order
        self.header: list[str] = list(COLUMNS)
        self.repair: Repair | None = None
        self._descriptor: int | None = None  # the file itself, locked, open for appending
        self._bom = False
        if self.path.suffix.lower() != ".csv":
            raise InputError("the labels file is written as CSV; give it a .csv name", self.path)
        if self.path.is_dir():
            raise InputError("is a directory; give a file name for the labels", self.path)
        folder = Path(os.path.realpath(self.path)).parent  # a symlink's target is what gets written
        if not folder.is_dir():
            raise InputError(f"the folder {folder} does not exist; create it first", self.path)
        if writable:
            if not os.access(folder, os.W_OK):
                raise InputError(f"cannot write to the folder {folder} (permission denied)", self.path)
            self._open_locked()
        try:
            self._load()
        except BaseException:
            self.close()
            raise

    # --- opening ------------------------------------------------------------------------------

    def _open_locked(self) -> None:
        """Open the file itself for appending (creating it if need be) and lock it: the lock is
        on the file, so any name for it (a symlink, a hard link) finds it taken."""
        while True:
            try:
                descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError as error:
                raise InputError(f"cannot open the labels file for writing ({error.strerror or error})", self.path) from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                raise InputError(
                    "another `moderation annotate` or `moderation review` is writing this labels file; finish that session first",
                    self.path,
                ) from None
            if same_file(descriptor, self.path):
                self._descriptor = descriptor
                return
            os.close(descriptor)  # a rewrite replaced the file between our open and our lock: again

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as error:
            raise InputError(f"cannot read the labels file ({error.strerror or error})", self.path) from None
        if data.startswith(BOM):
            self._bom = True
            data = data[len(BOM) :]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InputError(
                f"not UTF-8 (byte offset {error.start}); a labels file is UTF-8 CSV: fix or move this file", self.path, line
            ) from None
        if not text.strip():
            if self.writable:
                self._rewrite()  # a new file starts with its header, on disk before any answer
            return
        records: list[list[str]] = []
        starts: list[int] = []
        torn_from = None  # where a row cut off mid-write starts
        try:
            for record, start, _ in split_records(text):
                records.append(record)
                starts.append(start)
        except csv.Error as error:
            message, start = error.args
            if "end of data" not in message:
                line = text.count("\n", 0, start) + 1
                raise InputError(f"malformed CSV ({message}); fix the quoting of this row", self.path, line) from None
            torn_from = start  # a quoted field never closed: the last row was cut off
        if torn_from is None and not text.endswith("\n") and len(records) > 1 and len(records[-1]) < len(records[0]):
            torn_from = starts[-1]  # cut off before its last cells: every row we write ends with a newline
            records.pop()
        if not records:
            raise InputError("has no complete header row; expected the columns " + ",".join(COLUMNS), self.path, 1)
        # Everything is checked before the file is touched: a file that is not ours stays as it is.
        self._check_header([h.strip() for h in records[0]])
        for number, record in enumerate(records[1:], start=1):
            self._add_record(record, number)
        if torn_from is not None:
            self._move_torn_tail(text, torn_from)
        elif self.writable and not text.endswith("\n"):
            self._rewrite()  # a hand-made file without a final newline: appending needs one

    def _check_header(self, header: list[str]) -> None:
        if sorted(header) != sorted(COLUMNS):
            missing = [c for c in COLUMNS if c not in header]
            extra = [c for c in header if c not in COLUMNS]
            problems = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unexpected {', '.join(extra)}"] if extra else [])
            if not problems:
                problems = ["duplicate column names"]
            raise InputError(
                f"not a labels file of this schema ({'; '.join(problems)}); it needs exactly the columns "
                f"{','.join(COLUMNS)}; give a new file name with --labels",
                self.path,
                1,
            )
        self.header = header

    def _add_record(self, record: list[str], number: int) -> None:
        if len(record) != len(self.header):
            if not any(cell.strip() for cell in record):
                return  # a blank line holds no answer
            raise InputError(
                f"has {len(record)} fields but the header has {len(self.header)}; fix the quoting of this row",
                self.path,
                number,
                unit="row",
            )
        row = dict(zip(self.header, record))
        for label in LABELS:
            parse_label(row[label], label, str(self.path), number, "row")
        key = comment_key(row["thread_id"], row["id"], row["text"])
        if key in self.rows:
            first = list(self.rows).index(key) + 1
            raise InputError(
                f"the same comment as row {first} (thread {row['thread_id']!r}, id {row['id']!r}); "
                "keep one of the two rows",
                self.path,
                number,
                unit="row",
            )
        self.rows[key] = row

    def _move_torn_tail(self, text: str, end: int) -> None:
        """Move the partial last row out of the way, keeping its bytes in ``FILE.torn``."""
        tail = text[end:].encode("utf-8")
        if not self.writable:
            return
        target = self.path.with_name(self.path.name + ".torn")
        number = 2
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.torn-{number}")
            number += 1
        durable.write_new_file(target, tail)
        durable.fsync_folder(target.parent)
        os.ftruncate(self._descriptor, len(text[:end].encode("utf-8")) + (len(BOM) if self._bom else 0))
        os.fsync(self._descriptor)
        self.repair = Repair(target, len(tail))

    # --- reading --------------------------------------------------------------------------------

    def labels_of(self, key: str) -> dict[str, int] | None:
        """The answered labels of a comment ({} if skipped), or None if it has no row."""
        row = self.rows.get(key)
        return None if row is None else row_labels(row)

    def keys(self) -> list[str]:
        """Comment keys in the order they were first answered."""
        return list(self.rows)

    # --- writing --------------------------------------------------------------------------------

    def save(self, comment: Comment, labels: dict[str, int]) -> None:
        """Record an answer durably: appended if the comment is new, else the file is
        rewritten with the comment's row updated in place.

        ``{}`` records a new comment as skipped; labels not in ``labels`` keep the value an
        earlier answer gave them, so an earlier answer is never erased.
        """
        if not self.writable:
            raise RuntimeError("labels file opened read-only")
        key = key_of(comment)
        earlier = self.rows.get(key)
        if earlier is None:
            row = row_for(comment, labels)
            self._append(row)
            self.rows[key] = row
            return
        merged = {**row_labels(earlier), **labels}
        updated = {**earlier, **{label: str(merged[label]) if label in merged else "" for label in LABELS}}
        previous = dict(self.rows)
        self.rows[key] = updated
        try:
            self._rewrite()
        except BaseException:
            self.rows = previous
            raise

    def save_many(self, answers: list[tuple[Comment, dict[str, int]]]) -> None:
        """Record several answers at once: one append of the new rows, or one rewrite if any
        changes an existing row."""
        previous = dict(self.rows)
        rewrite = any(key_of(comment) in self.rows for comment, _ in answers)
        new_rows = []
        for comment, labels in answers:
            key = key_of(comment)
            if key in self.rows:
                merged = {**row_labels(self.rows[key]), **labels}
                self.rows[key] = {**self.rows[key], **{label: str(merged[label]) if label in merged else "" for label in LABELS}}
            else:
                self.rows[key] = row_for(comment, labels)
                new_rows.append(self.rows[key])
        try:
            if rewrite:
                self._rewrite()
            elif new_rows:
                self._append(*new_rows)
        except BaseException:
            self.rows = previous
            raise

    def _format(self, rows: list[dict[str, str]], header: bool = False) -> bytes:
        lines = [csv_row(self.header)] if header else []
        lines += [csv_row(writable_cells([row[column] for column in self.header])[0]) for row in rows]
        return "".join(lines).encode("utf-8")

    def _append(self, *rows: dict[str, str]) -> None:
        try:
            durable.append(self._descriptor, self._format(list(rows)))
        except OSError as error:
            raise failure(error, str(self.path), "the labels file is as it was before this answer") from None

    def _rewrite(self) -> None:
        """Replace the file with the header and every row, atomically and durably, and move
        the lock (and the appends) to the new file before its name is given to it."""
        data = (BOM if self._bom else b"") + self._format(list(self.rows.values()), header=True)
        try:
            with durable.replacing(self.path) as replacement:
                durable.write_all(replacement.descriptor, data)
                if replacement.in_place:  # the same file: our lock and descriptor stay valid
                    replacement.commit()
                    return
                descriptor = os.dup(replacement.descriptor)
                try:
                    fcntl.fcntl(descriptor, fcntl.F_SETFL, fcntl.fcntl(descriptor, fcntl.F_GETFL) | os.O_APPEND)
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else has it
                    replacement.commit()
                except BaseException:
                    os.close(descriptor)
                    raise
        except OSError as error:
            raise failure(error, str(self.path), "the labels file is as it was before this change") from None
        os.close(self._descriptor)
        self._descriptor = descriptor

    def write_snapshot(self, target: Path) -> None:
        """A copy of the labels as they are now (for training while answers keep coming)."""
        durable.replace_file(Path(target), self._format(list(self.rows.values()), header=True))

    def close(self) -> None:
        """Release the lock on the labels file."""
        if self._descriptor is not None:
            os.close(self._descriptor)  # releases the lock
            self._descriptor = None

    def __enter__(self) -> LabelsFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

