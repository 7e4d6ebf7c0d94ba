"""``moderation label``: score every comment of an export and write them all back, in order."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from moderation.comments import LABELS, Comment
from moderation.commands.explanations import explanation_json, explanation_text
from moderation.commands.label_workers import BatchScorer, scoring_backend
from moderation.commands.progress import progress
from moderation.errors import InputError, warn
from moderation.features.context import WholeThreads
from moderation.io.readers import EXPORT_FORMATS, ReadOptions, ReadReport, open_input
from moderation.io.writers import check_output, csv_cell, csv_row, json_line, open_output, writable_cells
from moderation.model.store import LoadedModel
from moderation.model.verdicts import Judge, Verdict

SCORE_COLUMNS = tuple(f"{label}_score" for label in LABELS)
FLAG_COLUMNS = tuple(f"{label}_flag" for label in LABELS)
OUTPUT_COLUMNS = (*SCORE_COLUMNS, *FLAG_COLUMNS, "note")
EXPLAINED_COLUMNS = (*SCORE_COLUMNS, *FLAG_COLUMNS, "explain", "note")
"""The columns ``label --explain`` adds: what raised each flag, before the note."""
SUMMARY_THREADS = 10  # threads listed on stderr, most flagged first
PARALLEL_MIN_COMMENTS = 20_000  # below this, starting worker processes costs more than it saves
LARGE_THREAD = 20_000  # comments; larger threads are summarized in a pass of their own instead of held whole
PLAIN_CELLS = (str, int, float)  # written into CSV as they are; anything else through csv_cell
CHUNK = 700  # comments scored together: enough to amortize NumPy calls; a batch's temporaries grow with it


@dataclass
class LabelSummary:
    """What ``label`` did, for stderr: comments and flags per thread, how many of each status
    (platform exports), and what the input held that was not labeled, by reason."""

    comments: int = 0
    flags: Counter = field(default_factory=Counter)
    threads: dict[str, Counter] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    unscored: Counter = field(default_factory=Counter)  # note → comments written without scores

    def count(self, comment: Comment, flagged: list[str], unscored: str | None = None) -> None:
        """Count a comment in its thread, and the labels it is ``flagged`` for there and in
        total; ``unscored``: why it got no scores, if it got none."""
        if unscored is not None:
            self.unscored[unscored] += 1
        thread = self.threads.get(comment.thread_id)
        if thread is None:
            thread = self.threads[comment.thread_id] = Counter()
        thread["comments"] += 1
        if flagged:
            thread.update(flagged)
            self.flags.update(flagged)

    def lines(self) -> list[str]:
        """A short report for stderr: totals, the most flagged threads, statuses, what was skipped."""
        counts = ", ".join(f"{label} {self.flags[label]}" for label in LABELS)
        lines = [f"{plural(self.comments, 'comment')} labeled; flagged: {counts}"]
        if len(self.threads) > 1:
            busiest = sorted(self.threads.items(), key=lambda item: -sum(item[1][label] for label in LABELS))
            for thread_id, counts in busiest[:SUMMARY_THREADS]:
                flags = ", ".join(f"{label} {counts[label]}" for label in LABELS)
                lines.append(f"  thread {thread_id or '(none)'}: {plural(counts['comments'], 'comment')}; flagged: {flags}")
            if len(busiest) > SUMMARY_THREADS:
                lines.append(f"  … and {len(busiest) - SUMMARY_THREADS} more threads")
        if set(self.statuses) - {"approved"}:
            statuses = ", ".join(f"{n:,} {status}" for status, n in sorted(self.statuses.items(), key=lambda item: -item[1]))
            lines.append(f"labeled by status: {statuses} (--status approved labels only the approved ones)")
        if self.unscored:
            lines.append("written without scores: " + ", ".join(f"{n:,} ({note})" for note, n in self.unscored.most_common()))
        if self.skipped:
            lines.append("not labeled: " + ", ".join(plural(n, reason) for reason, n in sorted(self.skipped.items())))
        return lines


def plural(count: int, phrase: str) -> str:
    """"1 pingback", "4 pingbacks", "2 comments with status spam": the phrase's first word counts."""
    if count == 1:
        return f"1 {phrase}"
    word, _, rest = phrase.partition(" ")
    word = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{count:,} {word}" + (f" {rest}" if rest else "")


def input_record(comment: Comment) -> dict:
    """The comment's input columns; thread exports have none, so give the canonical ones."""
    if comment.row is not None:
        return comment.row
    return {"id": comment.id, "thread_id": comment.thread_id, "text": comment.text}


def output_names(input_columns, ours: tuple[str, ...] = OUTPUT_COLUMNS) -> dict[str, str]:
    """Our column → its name in the output. Input columns are never overwritten: if any has
    the name of one of ours, all of ours get the first suffix ``_2``, ``_3``, … that is free."""
    taken = set(input_columns)
    if not taken & set(ours):
        return {column: column for column in ours}
    suffix = 2
    while any(f"{column}_{suffix}" in taken for column in ours):
        suffix += 1
    return {column: f"{column}_{suffix}" for column in ours}


def output_fields(verdict: Verdict, thresholds: dict[str, float], explain: Callable[[dict], object] | None = None) -> dict:
    """Our columns for a comment: scores ("" where there is none), flags ("" for a label
    without a threshold, or a comment not scored), with ``explain`` what raised each flag as
    it formats it, and its notes."""
    fields: dict = {}
    for column, score in zip(SCORE_COLUMNS, verdict.scores.values()):
        fields[column] = "" if score is None else round(score, 6)
    for label, column in zip(LABELS, FLAG_COLUMNS):
        fields[column] = int(label in verdict.flags) if verdict.scored and label in thresholds else ""
    if explain is not None:
        fields["explain"] = explain(verdict.explanation or {})
    fields["note"] = "; ".join(verdict.notes)
    return fields


@dataclass
class ThreadPlan:
    """What the first pass learns: sizes and extents of threads, and the output columns."""

    comments: int = 0
    keys: dict[str, None] = field(default_factory=dict)
    last_row: dict[str, int] = field(default_factory=dict)
    sizes: Counter = field(default_factory=Counter)

    def large_threads(self) -> set[str]:
        """The threads with more than :data:`LARGE_THREAD` comments: too large to hold whole."""
        return {thread for thread, size in self.sizes.items() if size > LARGE_THREAD}


def plan_threads(comments) -> ThreadPlan:
    """The first pass: how many comments, the input columns, each thread's size and last row."""
    plan = ThreadPlan()
    for row, comment in enumerate(comments):
        plan.comments += 1
        plan.keys.update(dict.fromkeys(input_record(comment)))
        plan.last_row[comment.thread_id] = row
        plan.sizes[comment.thread_id] += 1
    return plan


def changed_input(name: str) -> InputError:
    """The error for an input that no longer matches the first pass (written to while read)."""
    return InputError("the input changed while it was being read; run again on a copy that nothing is writing to", name)


def for_scoring(comment: Comment, articles: dict[str, str]) -> Comment:
    """The comment without its input row, with one shared copy of each article text (so a
    batch sent to a worker carries each article once)."""
    if len(articles) > 1000:
        articles.clear()
    article = articles.setdefault(comment.article, comment.article)
    return Comment(comment.text, comment.id, comment.thread_id, comment.parent_id, comment.author, article)


@dataclass
class Batch:
    """Comments (with their input rows) to judge together: whole threads, or comments of
    threads too large to hold whole, judged against their statistics."""

    whole_threads: bool
    rows: list[int] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    def add(self, row: int, comment: Comment) -> None:
        """Add one comment."""
        self.rows.append(row)
        self.comments.append(comment)


def verdicts_in_order(comments, plan: ThreadPlan, scorer: BatchScorer, workers: int, dask: str | None, name: str = ""):
    """``(comment, verdict)`` for every input row, in input order.

    A comment is judged once every comment of its thread has been read, in batches of whole
    threads, and given back once it and all before it are judged: memory holds only threads
    still being read, little for exports grouped by thread. Threads larger than
    :data:`LARGE_THREAD` were summarized beforehand (``scorer.large``) and are judged as
    they come. An input that no longer matches the plan (a file being written meanwhile) is
    an :class:`InputError`.
    """
    large = plan.large_threads()
    open_threads: dict[str, list[tuple[int, Comment]]] = {}
    batches = (Batch(whole_threads=True), Batch(whole_threads=False))
    whole, in_large_threads = batches
    in_flight: deque = deque()
    waiting: deque = deque()  # (row, comment) not yet given back
    done: dict[int, Verdict] = {}
    articles: dict[str, str] = {}
    with scoring_backend(scorer, workers, dask) as (submit, window):

        def send(batch: Batch) -> None:
            in_flight.append((batch.rows, submit(batch.comments, batch.whole_threads)))
            batch.rows, batch.comments = [], []

        def collect(block: bool) -> None:
            while in_flight and (block or len(in_flight) > window or in_flight[0][1].done()):
                rows, future = in_flight.popleft()
                done.update(zip(rows, future.result()))

        def ready():
            while waiting and waiting[0][0] in done:
                row, comment = waiting.popleft()
                yield comment, done.pop(row)

        row = -1
        for row, comment in enumerate(comments):
            waiting.append((row, comment))
            thread = comment.thread_id
            if thread in large:
                in_large_threads.add(row, for_scoring(comment, articles))
            else:
                last_row = plan.last_row.get(thread, -1)
                if row > last_row:
                    raise changed_input(name)
                open_threads.setdefault(thread, []).append((row, for_scoring(comment, articles)))
                if last_row == row:
                    for item in open_threads.pop(thread):
                        whole.add(*item)
            for batch in batches:
                if len(batch.rows) >= CHUNK:
                    send(batch)
            collect(block=False)
            yield from ready()
        if row + 1 != plan.comments or open_threads:
            raise changed_input(name)
        for batch in batches:
            if batch.rows:
                send(batch)
        collect(block=True)
        yield from ready()


def large_thread_statistics(comments, plan: ThreadPlan, judge: Judge) -> WholeThreads | None:
    """Thread statistics of the threads too large to hold whole (None if there are none)."""
    large = plan.large_threads()
    if not large:
        return None
    return judge.large_threads((c for c in comments if c.thread_id in large), CHUNK)


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
    explain: bool = False,
) -> LabelSummary:
    """Label every comment of ``source`` and write them to ``output`` (CSV or JSONL by its
    extension; CSV on stdout when None), in input order, with every input column kept;
    ``thresholds`` replace the model's for the labels they name. With ``explain``, a column
    (a JSON field) ``explain`` says what raised each flag (see
    :mod:`moderation.commands.explanations`).

    The input is opened once and read in passes, never held whole: threads and output
    columns; statistics of very large threads (if any); then scores, in batches of whole
    threads on ``workers`` processes or a Dask cluster for large inputs, written out in input
    order as they come. Notes about the input (and renamed output columns) go to stderr.
    """
    check_output(output)
    as_jsonl = output is not None and output.suffix.lower() in (".jsonl", ".ndjson")
    summary = LabelSummary()
    with open_input(source, options) as comments:
        check_output(output, comments.identity)
        report = ReadReport(summary.skipped)
        plan = plan_threads(comments.comments(report))
        plan.keys = dict.fromkeys([*report.columns, *plan.keys])  # a CSV's header, even without rows
        for note in report.notes:
            warn(f"note: {note}")
        ours = EXPLAINED_COLUMNS if explain else OUTPUT_COLUMNS
        names = output_names(plan.keys, ours)
        if names["note"] != "note":
            clashing = ", ".join(column for column in ours if column in plan.keys)
            warn(
                f"note: the input has columns named like label's ({clashing}); they are kept unchanged, "
                f"and this run's columns are named {names[ours[0]]} … {names['note']}"
            )
        summary.comments = plan.comments
        judge = Judge(model.scorer, thresholds)
        shared = large_thread_statistics(comments.comments(), plan, judge)
        if plan.comments < PARALLEL_MIN_COMMENTS and not dask:
            workers = 1
        header = [*plan.keys, *names.values()]
        note_column = len(header) - 1
        no_value = repeat("")  # a column a row does not have (JSON Lines) is an empty cell
        statuses = summary.statuses if comments.format in EXPORT_FORMATS else Counter()
        verdicts = verdicts_in_order(comments.comments(), plan, BatchScorer(model, shared, thresholds, explain), workers, dask, comments.name)
        formatted = (explanation_json if as_jsonl else explanation_text) if explain else None
        with open_output(output, input_identity=comments.identity) as stream, progress("labeling", plan.comments, quiet) as advance:
            if not as_jsonl:
                stream.write(csv_row(writable_cells(header)[0]))
            for comment, verdict in verdicts:
                fields = output_fields(verdict, judge.thresholds, formatted)
                flagged = verdict.flags
                summary.count(comment, flagged, None if verdict.scored else verdict.notes[0])
                if comment.row is not None and "status" in comment.row:
                    statuses[comment.row["status"]] += 1
                advance()
                if only_flagged and not flagged:
                    continue
                record = {**input_record(comment), **{names[column]: value for column, value in fields.items()}}
                if as_jsonl:
                    stream.write(json_line(record))
                    continue
                values = [value if type(value) in PLAIN_CELLS else csv_cell(value) for value in map(record.get, header, no_value)]
                values, replaced = writable_cells(values)
                if replaced:
                    values[note_column] = "; ".join(note for note in (values[note_column], replaced) if note)
                stream.write(csv_row(values))
    return summary
