"""``moderation evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from moderation.cli.app import ENCODING_OPTION, ERRORS_OPTION, MODEL_OPTION, THRESHOLD_OPTION, app, check_errors_mode, handles_errors

COLUMNS = ("precision", "recall", "f1", "roc_auc", "average_precision", "support")


@app.command("evaluate")
@handles_errors
def evaluate_command(
    data: list[Path] = typer.Argument(..., help="Labeled CSV files or folders of them."),
    model: Path = MODEL_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by label."),
    threshold: list[str] = THRESHOLD_OPTION,
    report: Path = typer.Option(
        None, "--report", "-r", help="Folder to write metrics.json and per-label precision-recall and reliability plots (PNG) into.", show_default=False
    ),
    encoding: str = ENCODING_OPTION,
    errors: str = ERRORS_OPTION,
) -> None:
    """Compare a model's flags with labeled comments, per label."""
    from moderation.evaluation import evaluate
    from moderation.scoring import parse_thresholds
    from moderation.store import load_model

    check_errors_mode(errors)
    overrides = parse_thresholds(threshold)
    loaded = load_model(model)
    results = evaluate(data, loaded, {**loaded.thresholds, **overrides}, encoding, errors, report)
    if as_json:
        print(json.dumps(results, indent=2))
        return
    widths = [max(len(c), 6) + 2 for c in COLUMNS]
    print(f"{'label':<12}" + "".join(f"{c:>{w}}" for c, w in zip(COLUMNS, widths)))
    for label, metrics in results.items():
        cells = (f"{metrics[c]:>{w}d}" if c == "support" else f"{metrics[c]:>{w}.3f}" for c, w in zip(COLUMNS, widths))
        print(f"{label:<12}" + "".join(cells))
