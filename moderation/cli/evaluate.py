"""``moderation evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import MODEL_OPTION, THRESHOLD_OPTION, parse_thresholds, reads_input

COLUMNS = ("precision", "recall", "f1", "roc_auc", "average_precision", "support")


@app.command("evaluate")
@handles_errors
@reads_input
def evaluate_command(
    data: list[Path] = typer.Argument(
        ..., metavar="DATA", help="Labeled files (any input format) or folders of CSV/JSONL files."
    ),
    model: Path = MODEL_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by label."),
    threshold: list[str] = THRESHOLD_OPTION,
    report: Path = typer.Option(
        None, "--report", "-r", metavar="DIR", help="Folder to write metrics.json and per-label precision-recall and reliability plots (PNG) into.", show_default=False
    ),
    read_options=None,
) -> None:
    """Compare a model's flags with labeled comments, per label."""
    from moderation.commands.evaluate import evaluate
    from moderation.commands.model_choice import load_chosen_model

    overrides = parse_thresholds(threshold)
    loaded = load_chosen_model(model)
    results = evaluate(data, loaded, overrides, read_options, report=report)
    if as_json:
        print(json.dumps(results, indent=2))
        return
    widths = [max(len(c), 6) + 2 for c in COLUMNS]
    print(f"{'label':<12}" + "".join(f"{c:>{w}}" for c, w in zip(COLUMNS, widths)))
    for label, metrics in results.items():
        cells = (f"{metrics[c]:>{w}d}" if c == "support" else f"{metrics[c]:>{w}.3f}" for c, w in zip(COLUMNS, widths))
        print(f"{label:<12}" + "".join(cells))
