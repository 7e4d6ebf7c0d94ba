"""``moderation label``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moderation.cli.app import (
    ARTICLE_COLUMN_OPTION,
    AUTHOR_COLUMN_OPTION,
    ENCODING_OPTION,
    ERRORS_OPTION,
    FORMAT_OPTION,
    ID_COLUMN_OPTION,
    MODEL_OPTION,
    PARENT_COLUMN_OPTION,
    TEXT_COLUMN_OPTION,
    THREAD_COLUMN_OPTION,
    THRESHOLD_OPTION,
    app,
    check_errors_mode,
    check_format,
    handles_errors,
)


@app.command("label")
@handles_errors
def label_command(
    source: Path = typer.Argument(..., metavar="INPUT", help="Thread export (.txt), CSV or JSONL; '-' for stdin."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Output file, CSV or JSONL by extension (default: CSV on stdout).", show_default=False
    ),
    model: Path = MODEL_OPTION,
    input_format: str = FORMAT_OPTION,
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
    text_column: str = TEXT_COLUMN_OPTION,
    id_column: str = ID_COLUMN_OPTION,
    thread_column: str = THREAD_COLUMN_OPTION,
    parent_column: str = PARENT_COLUMN_OPTION,
    author_column: str = AUTHOR_COLUMN_OPTION,
    article_column: str = ARTICLE_COLUMN_OPTION,
    encoding: str = ENCODING_OPTION,
    errors: str = ERRORS_OPTION,
) -> None:
    """Label every comment of an exported thread; writes all input columns plus scores and flags."""
    from moderation.commands.label import label_file
    from moderation.commands.label_workers import default_workers
    from moderation.io.readers import STATUSES
    from moderation.io.readers.tabular import Columns
    from moderation.commands.score import parse_thresholds
    from moderation.model.store import load_model

    check_errors_mode(errors)
    check_format(input_format)
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
