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
        None, "--format", "-f", help="Input format: csv, jsonl or thread (default: detected).", show_default=False
    ),
    only_flagged: bool = typer.Option(False, "--only-flagged", help="Write only comments with at least one flag."),
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
    from moderation.readers import FORMATS
    from moderation.readers.tabular import Columns
    from moderation.scoring import parse_thresholds
    from moderation.store import load_model

    check_errors_mode(errors)
    if input_format is not None and input_format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
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
    )
    print(summary.line(), file=sys.stderr)
