"""``moderation label``: score every comment of an export and write them all back, in order."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from moderation.comments import LABELS, Comment
from moderation.commands.label_workers import BatchScorer, scoring_backend
from moderation.features.context import WholeThreads
from moderation.commands.progress import progress
from moderation.io.readers import ReadOptions, read_comments
from moderation.io.readers.lines import STDIN, open_binary
from moderation.commands.score import EMPTY_NOTE
from moderation.model.store import LoadedModel
from moderation.features.text import MAX_TEXT_CHARS
from moderation.io.writers import atomic_output, check_output_path, json_line

SCORE_COLUMNS = tuple(f"{label}_score" for label in LABELS)
FLAG_COLUMNS = tuple(f"{label}_flag" for label in LABELS)
OUTPUT_COLUMNS = (*SCORE_COLUMNS, *FLAG_COLUMNS, "note")
SUMMARY_THREADS = 10  # threads listed on stderr, most flagged first
PARALLEL_MIN_COMMENTS = 20_000  # below this, starting worker processes costs more than it saves
LARGE_THREAD = 20_000  # comments; larger threads are summarized in a pass of their own instead of held whole
CHUNK = 700  # comments scored together: enough to amortize NumPy calls; a batch's temporaries grow with it


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
        thread = self.threads.get(comment.thread_id)
        if thread is None:
            thread = self.threads[comment.thread_id] = Counter()
        thread["comments"] += 1
        if flagged:
            thread.update(flagged)
            self.flags.update(flagged)

    def lines(self) -> list[str]:
        """A short report for stderr: totals, the most flagged threads, what was skipped."""
        counts = ", ".join(f"{label} {self.flags[label]}" for label in LABELS)
        lines = [f"{plural(self.comments, 'comment')} labeled; flagged: {counts}"]
        if len(self.threads) > 1:
            busiest = sorted(self.threads.items(), key=lambda item: -sum(item[1][label] for label in LABELS))
            for thread_id, counts in busiest[:SUMMARY_THREADS]:
                flags = ", ".join(f"{label} {counts[label]}" for label in LABELS)
                lines.append(f"  thread {thread_id or '(none)'}: {plural(counts['comments'], 'comment')}; flagged: {flags}")
            if len(busiest) > SUMMARY_THREADS:
                lines.append(f"  … and {len(busiest) - SUMMARY_THREADS} more threads")
        if self.skipped:
            lines.append("not labeled: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())))
        return lines


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


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


EMPTY_FIELDS = {**{c: "" for c in SCORE_COLUMNS}, **{c: "" for c in FLAG_COLUMNS}, "note": EMPTY_NOTE}


def output_fields(comment: Comment, scores, thresholds: dict[str, float]) -> dict:
    if scores is None:
        return EMPTY_FIELDS
    fields: dict = {}
    for label, column, score in zip(LABELS, SCORE_COLUMNS, scores.tolist()):
        fields[column] = round(score, 6) if score == score else ""  # NaN: label not trained
    for label, column, score in zip(LABELS, FLAG_COLUMNS, scores.tolist()):
        fields[column] = int(score >= thresholds[label]) if label in thresholds else ""
    fields["note"] = f"scored the first {MAX_TEXT_CHARS:,} of {len(comment.text):,} characters" if len(comment.text) > MAX_TEXT_CHARS else ""
    return fields


@dataclass
class ThreadPlan:
    """What the first pass learns: sizes and extents of threads, and the output columns."""

    comments: int = 0
    keys: dict[str, None] = field(default_factory=dict)
    last_row: dict[str, int] = field(default_factory=dict)  # of each thread's non-empty comments
    sizes: Counter = field(default_factory=Counter)

    def large_threads(self) -> set[str]:
        return {thread for thread, size in self.sizes.items() if size > LARGE_THREAD}


def plan_threads(comments) -> ThreadPlan:
    plan = ThreadPlan()
    for row, comment in enumerate(comments):
        plan.comments += 1
        plan.keys.update(dict.fromkeys(input_record(comment)))
        if comment.text.strip():
            plan.last_row[comment.thread_id] = row
            plan.sizes[comment.thread_id] += 1
    return plan


def for_scoring(comment: Comment, articles: dict[str, str]) -> Comment:
    """The comment without its input row, with one shared copy of each article text (so a
    batch sent to a worker carries each article once)."""
    if len(articles) > 1000:
        articles.clear()
    article = articles.setdefault(comment.article, comment.article)
    return Comment(comment.text, comment.id, comment.thread_id, comment.parent_id, comment.author, article)


def scored_in_order(comments, plan: ThreadPlan, scorer: BatchScorer, workers: int, dask: str | None):
    """``(comment, scores)`` for every input row, in input order (scores None for empty texts).

    A comment is scored once every comment of its thread has been read, in batches of whole
    threads, and given back once it and all before it are scored: memory holds only threads
    still being read, little for exports grouped by thread. Threads larger than
    :data:`LARGE_THREAD` were summarized beforehand (``scorer.large``) and are scored as
    they come.
    """
    large = plan.large_threads()
    open_threads: dict[str, list[tuple[int, Comment]]] = {}
    batches: dict[bool, list[tuple[int, Comment]]] = {True: [], False: []}  # whole threads / large threads
    in_flight: deque = deque()
    waiting: deque = deque()  # (row, comment) not yet given back
    done: dict[int, np.ndarray] = {}
    articles: dict[str, str] = {}
    with scoring_backend(scorer, workers, dask) as (submit, window):

        def send(whole_threads: bool) -> None:
            batch = batches[whole_threads]
            in_flight.append(([row for row, _ in batch], submit([c for _, c in batch], whole_threads)))
            batches[whole_threads] = []

        def collect(block: bool) -> None:
            while in_flight and (block or len(in_flight) > window or in_flight[0][1].done()):
                rows, future = in_flight.popleft()
                done.update(zip(rows, future.result()))

        def ready():
            while waiting and (waiting[0][0] in done or not waiting[0][1].text.strip()):
                row, comment = waiting.popleft()
                yield comment, done.pop(row, None)

        for row, comment in enumerate(comments):
            waiting.append((row, comment))
            if comment.text.strip():
                thread = comment.thread_id
                if thread in large:
                    batches[False].append((row, for_scoring(comment, articles)))
                else:
                    open_threads.setdefault(thread, []).append((row, for_scoring(comment, articles)))
                    if plan.last_row[thread] == row:
                        batches[True] += open_threads.pop(thread)
                for whole_threads, batch in batches.items():
                    if len(batch) >= CHUNK:
                        send(whole_threads)
                collect(block=False)
            yield from ready()
        for whole_threads, batch in batches.items():
            if batch:
                send(whole_threads)
        collect(block=True)
        yield from ready()


def large_thread_statistics(comments, plan: ThreadPlan, model: LoadedModel) -> WholeThreads | None:
    """Thread statistics of the threads too large to hold whole (None if there are none)."""
    large = plan.large_threads()
    if not large:
        return None
    statistics = model.scorer.thread_statistics()
    for chunk in batched((c for c in comments if c.thread_id in large and c.text.strip()), CHUNK):
        statistics.add(chunk)
    return statistics


def label_file(
    source: Path,
    output: Path | None,
    model: LoadedModel,
    thresholds: dict[str, float],
    options: ReadOptions = ReadOptions(),
    only_flagged: bool = False,
    workers: int = 1,
    dask: str | None = None,
    quiet: bool = False,
) -> LabelSummary:
    """Label every comment of ``source`` and write them to ``output`` (CSV or JSONL by its
    extension; CSV on stdout when None), in input order, atomically.

    The input is read in passes, never held whole: threads and output columns; statistics
    of very large threads (if any); then scores, in batches of whole threads on ``workers``
    processes or a Dask cluster for large inputs, written out in input order as they come.
    """
    if output is not None:
        check_output_path(output, [source])
    as_jsonl = output is not None and output.suffix.lower() in (".jsonl", ".ndjson")
    summary = LabelSummary()

    def comments(skipped: Counter | None = None):
        return read_comments(path, options, skipped)

    with readable_path(source) as path:
        plan = plan_threads(comments(summary.skipped))
        summary.comments = plan.comments
        shared = large_thread_statistics(comments(), plan, model)
        if plan.comments < PARALLEL_MIN_COMMENTS and not dask:
            workers = 1
        header = [*plan.keys, *OUTPUT_COLUMNS]
        scored = scored_in_order(comments(), plan, BatchScorer(model, shared), workers, dask)
        with atomic_output(output) as stream, progress("labeling", plan.comments, quiet) as advance:
            writer = None if as_jsonl else csv.writer(stream, lineterminator="\n")
            if writer:
                writer.writerow(header)
            for comment, scores in scored:
                fields = output_fields(comment, scores, thresholds)
                flagged = [label for label in LABELS if fields[f"{label}_flag"] == 1]
                summary.count(comment, flagged)
                advance()
                if only_flagged and not flagged:
                    continue
                record = {**input_record(comment), **fields}
                if writer:
                    writer.writerow([record.get(column, "") for column in header])
                else:
                    stream.write(json_line(record))
    return summary
