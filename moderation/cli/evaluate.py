"""``moderation evaluate``."""

from __future__ import annotations

import json
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

COLUMNS = ("precision", "recall", "f1", "roc_auc", "average_precision", "support")


@app.command("evaluate")
@handles_errors
def evaluate_command(
    data: list[Path] = typer.Argument(..., help="Labeled files (CSV, JSONL or any format label reads) or folders of CSV/JSONL files."),
    model: Path = MODEL_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by label."),
    threshold: list[str] = THRESHOLD_OPTION,
    report: Path = typer.Option(
        None, "--report", "-r", help="Folder to write metrics.json and per-label precision-recall and reliability plots (PNG) into.", show_default=False
    ),
    input_format: str = FORMAT_OPTION,
    text_column: str = TEXT_COLUMN_OPTION,
    id_column: str = ID_COLUMN_OPTION,
    thread_column: str = THREAD_COLUMN_OPTION,
    parent_column: str = PARENT_COLUMN_OPTION,
    author_column: str = AUTHOR_COLUMN_OPTION,
    article_column: str = ARTICLE_COLUMN_OPTION,
    encoding: str = ENCODING_OPTION,
    errors: str = ERRORS_OPTION,
) -> None:
    """Compare a model's flags with labeled comments, per label."""
    from moderation.commands.evaluate import evaluate
    from moderation.io.readers.tabular import Columns
    from moderation.commands.score import parse_thresholds
    from moderation.model.store import load_model

    check_errors_mode(errors)
    check_format(input_format)
    columns = Columns(text_column, id_column, thread_column, parent_column, author_column, article_column)
    overrides = parse_thresholds(threshold)
    loaded = load_model(model)
    results = evaluate(
        data, loaded, {**loaded.thresholds, **overrides}, format=input_format, columns=columns, encoding=encoding, errors=errors, report=report
    )
    if as_json:
        print(json.dumps(results, indent=2))
        return
    widths = [max(len(c), 6) + 2 for c in COLUMNS]
    print(f"{'label':<12}" + "".join(f"{c:>{w}}" for c, w in zip(COLUMNS, widths)))
    for label, metrics in results.items():
        cells = (f"{metrics[c]:>{w}d}" if c == "support" else f"{metrics[c]:>{w}.3f}" for c, w in zip(COLUMNS, widths))
        print(f"{label:<12}" + "".join(cells))
