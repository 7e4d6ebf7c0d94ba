"""``moderation label``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moderation.cli.app import ENCODING_OPTION, ERRORS_OPTION, MODEL_OPTION, THRESHOLD_OPTION, app, check_errors_mode, handles_errors


@app.command("label")
@handles_errors
def label_command(
    source: Path = typer.Argument(..., metavar="INPUT", help="Thread export (.txt), CSV or JSONL; '-' for stdin."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Output file, CSV or JSONL by extension (default: CSV on stdout).", show_default=False
    ),
    model: Path = MODEL_OPTION,
    input_format: str = typer.Option(
        None,
        "--format",
        "-f",
        help="Input format: csv, jsonl, thread, wordpress, disqus or reddit (default: detected from the content).",
        show_default=False,
    ),
    only_flagged: bool = typer.Option(False, "--only-flagged", help="Write only comments with at least one flag."),
    status: list[str] = typer.Option(
        [],
        "--status",
        "-s",
        help="WordPress/Disqus: label only comments with this status (approved, pending, spam, trash, deleted). Repeatable.",
        show_default=False,
    ),
    workers: int = typer.Option(
        None, "--workers", "-w", min=1, help="Processes scoring in parallel for large inputs (default: one per core).", show_default=False
    ),
    dask: str = typer.Option(
        None, "--dask", help="Score on a Dask cluster: its scheduler address, or 'local' for a cluster on this machine.", show_default=False
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    threshold: list[str] = THRESHOLD_OPTION,
    text_column: str = typer.Option("text", "--text-column", help="Input column holding the comment text."),
    id_column: str = typer.Option("id", "--id-column", help="Input column holding the comment id."),
    thread_column: str = typer.Option("thread_id", "--thread-column", help="Input column holding the thread id."),
    parent_column: str = typer.Option("parent_id", "--parent-column", help="Input column holding the parent comment id."),
    author_column: str = typer.Option("author", "--author-column", help="Input column holding the author's name."),
    article_column: str = typer.Option("article", "--article-column", help="Input column holding the article text."),
    encoding: str = ENCODING_OPTION,
    errors: str = ERRORS_OPTION,
) -> None:
    """Label every comment of an exported thread; writes all input columns plus scores and flags."""
    from moderation.labeling import label_file
    from moderation.parallel import default_workers
    from moderation.readers import FORMATS, STATUSES
    from moderation.readers.tabular import Columns
    from moderation.scoring import parse_thresholds
    from moderation.store import load_model

    check_errors_mode(errors)
    if input_format is not None and input_format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        raise typer.BadParameter(f"unknown status {', '.join(unknown)}; use {', '.join(STATUSES)}", param_hint="--status")
    overrides = parse_thresholds(threshold)
    columns = Columns(text_column, id_column, thread_column, parent_column, author_column, article_column)
    loaded = load_model(model)
    summary = label_file(
        source,
        out,
        loaded,
        thresholds={**loaded.thresholds, **overrides},
        format=input_format,
        columns=columns,
        encoding=encoding,
        errors=errors,
        only_flagged=only_flagged,
        statuses=set(status) or None,
        workers=workers or default_workers(),
        dask=dask,
        quiet=quiet,
    )
    print("\n".join(summary.lines()), file=sys.stderr)
