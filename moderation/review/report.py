"""``moderation label INPUT --html FILE``: the review page as one self-contained, read-only file.

The file holds everything: the page's styles and script inline, and the data as JSON in a
``<script type="application/json">`` element (with ``<``, ``>``, ``&``, U+2028 and U+2029
escaped, so no comment can close the element). Its Content-Security-Policy (a ``<meta>``
element, before anything else) allows only that one script and that one style sheet, by their
sha256, and nothing from any network: the report can be mailed and opened anywhere, and makes
no request. It shows what the page shows, with every comment's explanations, without answers.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
from pathlib import Path

import numpy as np

from moderation.annotate.ordering import uncertainty_margin
from moderation.commands.label import LabelSummary
from moderation.errors import warn
from moderation.io.readers import EXPORT_FORMATS, ReadReport, open_input
from moderation.io.writers import check_output, open_output
from moderation.review.model_access import LABELS, Explainer, InputError, ReadOptions, flags, score_threads
from moderation.review.page import page_html, static_text
from moderation.review.records import comment_record, index_data, to_json
from moderation.review.threads import build_threads


def digest(text: str) -> str:
    """A CSP source for inline text: ``'sha256-…'`` of its UTF-8 bytes."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def report_html(data: dict) -> str:
    """The whole report: the page with its styles, data and script inline."""
    css, script = static_text("review.css"), static_text("review.js")
    for name, text in (("review.css", css), ("review.js", script)):
        if "</" in text or "<!--" in text:  # would end or confuse the inline element
            raise ValueError(f"{name} must not contain '</' or '<!--' to be inlined")
    policy = f"default-src 'none'; script-src {digest(script)}; style-src {digest(css)}; base-uri 'none'; form-action 'none'"
    head = (
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        f"<style>{css}</style>\n"
        f'<script type="application/json" id="review-data">{to_json(data).decode("utf-8")}</script>\n'
        f"<script>{script}</script>"
    )
    return page_html(head)


def report_data(comments, model, thresholds: dict[str, float], name: str, model_name: str, only_flagged: bool) -> dict:
    """The report's JSON: the index and every comment's record, with its explanations."""
    threads = build_threads(comments)
    scores = score_threads(model, comments)
    threshold_array = np.array([thresholds.get(label, np.nan) for label in LABELS], dtype=float)
    wanted = {position: [label for label, flag in zip(LABELS, row) if flag] for position, row in enumerate(flags(scores, threshold_array).tolist())}
    explanations = Explainer(model, comments).explain(wanted)
    index = index_data(
        comments,
        threads,
        [str(position) for position in range(len(comments))],
        scores,
        threshold_array,
        uncertainty_margin(scores, threshold_array, list(range(len(LABELS)))),
        [None] * len(comments),
        (),
        {"description": model_name, "learned": [False] * len(LABELS), "retrain_message": ""},
        {"input": name, "labels": ""},
    )
    written = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    threads_count = len(threads.threads)
    return {
        "subtitle": (
            f"Written by moderation label on {written}: {len(comments):,} comments in {threads_count:,} "
            f"thread{'s' if threads_count != 1 else ''}, read-only. This file loads nothing from any network."
        ),
        "initial": {"flagged_only": only_flagged},
        "index": index,
        "records": [comment_record(comments, threads, p, explanations.get(p, {}), display_chars=None) for p in range(len(comments))],
    }


def write_report(
    source: Path,
    output: Path,
    model,
    thresholds: dict[str, float],
    options: ReadOptions = ReadOptions(),
    only_flagged: bool = False,
    model_name: str = "",
) -> LabelSummary:
    """Score ``source`` and write the report to ``output`` atomically; returns ``label``'s
    summary of the comments and flags. ``only_flagged`` opens the report filtered to flagged
    comments (all comments are in it: replies need what they answer)."""
    identity = None
    if str(source) != "-":
        try:
            stat = os.stat(source)
            identity = (stat.st_dev, stat.st_ino)
        except OSError:
            pass
    check_output(output, identity)
    summary = LabelSummary()
    read = ReadReport(summary.skipped)
    with open_input(source, options) as opened:
        comments = list(opened.comments(read))
        with_status = opened.format in EXPORT_FORMATS
    for note in read.notes:
        warn(f"note: {note}")
    if not comments:
        raise InputError("no comments to report on", source)
    data = report_data(comments, model, thresholds, "stdin" if str(source) == "-" else str(source), model_name, only_flagged)
    with open_output(output, input_identity=identity) as stream:
        stream.write(report_html(data))
    summary.comments = len(comments)
    for position, comment in enumerate(comments):
        summary.count(comment, [label for bit, label in enumerate(LABELS) if data["index"]["flags"][position] >> bit & 1])
        if with_status and comment.row is not None and "status" in comment.row:
            summary.statuses[comment.row["status"]] += 1
    return summary
