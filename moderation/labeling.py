"""``moderation label``: score every comment of an export and write them all back, in order."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from moderation.comments import LABELS, Comment
from moderation.context import Thread, thread_key
from moderation.readers import read_comments
from moderation.readers.lines import STDIN, open_binary
from moderation.readers.tabular import Columns
from moderation.scoring import EMPTY_NOTE, flags_of, score_comments
from moderation.store import LoadedModel
from moderation.writers import atomic_output, check_output_path

SCORE_COLUMNS = tuple(f"{label}_score" for label in LABELS)
FLAG_COLUMNS = tuple(f"{label}_flag" for label in LABELS)
OUTPUT_COLUMNS = (*SCORE_COLUMNS, *FLAG_COLUMNS, "note")
CHUNK = 1000


def batched(items, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class LabelSummary:
    comments: int
    flags: Counter

    def line(self) -> str:
        counts = ", ".join(f"{label} {self.flags[label]}" for label in LABELS)
        return f"flagged of {self.comments} comments: {counts}"


@contextmanager
def readable_path(path: Path):
    """``path`` itself, or stdin copied to a temporary file (labeling reads its input twice)."""
    if str(path) != STDIN:
        yield path
        return
    with tempfile.NamedTemporaryFile(prefix="moderation-stdin-") as spool:
        shutil.copyfileobj(open_binary(STDIN), spool)
        spool.flush()
        yield Path(spool.name)


def input_record(comment: Comment) -> dict:
    """The comment's input columns; thread exports have none, so give the canonical ones."""
    if comment.row is not None:
        return {k: v for k, v in comment.row.items() if k not in OUTPUT_COLUMNS}
    return {"id": comment.id, "thread_id": comment.thread_id, "text": comment.text}


def output_fields(comment: Comment, scores, thresholds: dict[str, float]) -> dict:
    if not comment.text.strip():
        return {**{c: "" for c in SCORE_COLUMNS}, **{c: "" for c in FLAG_COLUMNS}, "note": EMPTY_NOTE}
    flagged = set(flags_of(scores, thresholds))
    return {
        **{column: round(float(s), 6) if s == s else "" for column, s in zip(SCORE_COLUMNS, scores)},
        **{f"{label}_flag": int(label in flagged) if label in thresholds else "" for label in LABELS},
        "note": "",
    }


def label_file(
    source: Path,
    output: Path | None,
    model: LoadedModel,
    thresholds: dict[str, float],
    format: str | None = None,
    columns: Columns = Columns(),
    encoding: str = "utf-8",
    errors: str = "strict",
    only_flagged: bool = False,
) -> LabelSummary:
    """Label every comment of ``source`` and write them to ``output`` (CSV or JSONL by its
    extension; CSV on stdout when None), in input order, atomically."""
    if output is not None:
        check_output_path(output, [source])
    as_jsonl = output is not None and output.suffix.lower() in (".jsonl", ".ndjson")
    with readable_path(source) as path:
        # First pass: thread context and the output header; second pass: score and write.
        threads: dict[str, Thread] = {}
        keys: dict[str, None] = {}
        count = 0
        for comment in read_comments(path, format, columns, encoding, errors):
            count += 1
            keys.update(dict.fromkeys(input_record(comment)))
            if comment.text.strip():
                threads.setdefault(thread_key(comment), Thread()).add(comment)
        summary = LabelSummary(count, Counter())
        with atomic_output(output) as stream:
            writer = None if as_jsonl else csv.DictWriter(stream, fieldnames=[*keys, *OUTPUT_COLUMNS], lineterminator="\n")
            if writer:
                writer.writeheader()
            for chunk in batched(read_comments(path, format, columns, encoding, errors), CHUNK):
                for comment, scores in zip(chunk, score_comments(model, chunk, threads)):
                    fields = output_fields(comment, scores, thresholds)
                    flagged = [label for label in LABELS if fields[f"{label}_flag"] == 1]
                    summary.flags.update(flagged)
                    if only_flagged and not flagged:
                        continue
                    record = {**input_record(comment), **fields}
                    if writer:
                        writer.writerow(record)
                    else:
                        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return summary
