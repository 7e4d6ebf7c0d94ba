"""``moderation label``: score every comment of an export and write them all back, in order."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from moderation.comments import LABELS, Comment
from moderation.context import ContextFeaturizer
from moderation.parallel import ChunkScorer, score_chunks
from moderation.progress import progress
from moderation.readers import read_comments
from moderation.readers.lines import STDIN, open_binary
from moderation.readers.tabular import Columns
from moderation.scoring import CHUNK, EMPTY_NOTE, flags_of
from moderation.store import LoadedModel
from moderation.text import MAX_TEXT_CHARS
from moderation.writers import atomic_output, check_output_path, json_line

SCORE_COLUMNS = tuple(f"{label}_score" for label in LABELS)
FLAG_COLUMNS = tuple(f"{label}_flag" for label in LABELS)
OUTPUT_COLUMNS = (*SCORE_COLUMNS, *FLAG_COLUMNS, "note")
SUMMARY_THREADS = 10  # threads listed on stderr, most flagged first
PARALLEL_MIN_COMMENTS = 20_000  # below this, starting worker processes costs more than it saves


def batched(items, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class LabelSummary:
    comments: int = 0
    flags: Counter = field(default_factory=Counter)
    threads: dict[str, Counter] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)

    def count(self, comment: Comment, flagged: list[str]) -> None:
        thread = self.threads.setdefault(comment.thread_id, Counter())
        thread["comments"] += 1
        thread.update(flagged)
        self.flags.update(flagged)

    def lines(self) -> list[str]:
        """A short report for stderr: totals, the most flagged threads, what was skipped."""
        counts = ", ".join(f"{label} {self.flags[label]}" for label in LABELS)
        lines = [f"flagged of {self.comments} comments: {counts}"]
        if len(self.threads) > 1:
            busiest = sorted(self.threads.items(), key=lambda item: -sum(item[1][label] for label in LABELS))
            for thread_id, counts in busiest[:SUMMARY_THREADS]:
                flags = ", ".join(f"{label} {counts[label]}" for label in LABELS)
                lines.append(f"  thread {thread_id or '(none)'}: {counts['comments']} comments; {flags}")
            if len(busiest) > SUMMARY_THREADS:
                lines.append(f"  … and {len(busiest) - SUMMARY_THREADS} more threads")
        if self.skipped:
            lines.append("not labeled: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())))
        return lines


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
    note = ""
    if len(comment.text) > MAX_TEXT_CHARS:
        note = f"scored the first {MAX_TEXT_CHARS:,} of {len(comment.text):,} characters"
    return {
        **{column: round(float(s), 6) if s == s else "" for column, s in zip(SCORE_COLUMNS, scores)},
        **{f"{label}_flag": int(label in flagged) if label in thresholds else "" for label in LABELS},
        "note": note,
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
    statuses: set[str] | None = None,
    workers: int = 1,
    dask: str | None = None,
    quiet: bool = False,
) -> LabelSummary:
    """Label every comment of ``source`` and write them to ``output`` (CSV or JSONL by its
    extension; CSV on stdout when None), in input order, atomically.

    Two passes over the input: the first gathers each thread's statistics (so a comment is
    compared with its whole thread) and the output columns; the second scores chunks — on
    ``workers`` processes or a Dask cluster for large inputs — and writes them.
    """
    if output is not None:
        check_output_path(output, [source])
    as_jsonl = output is not None and output.suffix.lower() in (".jsonl", ".ndjson")
    summary = LabelSummary()

    def comments(skipped: Counter | None = None):
        return read_comments(path, format, columns, encoding, errors, statuses=statuses, skipped=skipped)

    with readable_path(source) as path:
        featurizer = ContextFeaturizer(model.scorer.table)
        keys: dict[str, None] = {}
        with progress("reading", quiet=quiet) as advance:
            for chunk in batched(comments(summary.skipped), CHUNK):
                summary.comments += len(chunk)
                for comment in chunk:
                    keys.update(dict.fromkeys(input_record(comment)))
                featurizer.add([c for c in chunk if c.text.strip()])
                advance(len(chunk))

        def numbered_chunks():
            for chunk in batched(comments(), CHUNK):
                yield chunk, featurizer.batch([c for c in chunk if c.text.strip()])

        if summary.comments < PARALLEL_MIN_COMMENTS and not dask:
            workers = 1
        scored = score_chunks(ChunkScorer(model, featurizer), numbered_chunks(), workers, dask)
        with atomic_output(output) as stream, progress("labeling", summary.comments, quiet) as advance:
            writer = None if as_jsonl else csv.DictWriter(stream, fieldnames=[*keys, *OUTPUT_COLUMNS], lineterminator="\n")
            if writer:
                writer.writeheader()
            for chunk, chunk_scores in scored:
                nonempty = iter(chunk_scores)
                for comment in chunk:
                    scores = next(nonempty) if comment.text.strip() else None
                    fields = output_fields(comment, scores, thresholds)
                    flagged = [label for label in LABELS if fields[f"{label}_flag"] == 1]
                    summary.count(comment, flagged)
                    if only_flagged and not flagged:
                        continue
                    record = {**input_record(comment), **fields}
                    if writer:
                        writer.writerow(record)
                    else:
                        stream.write(json_line(record))
                advance(len(chunk))
    return summary
