"""``moderation train``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from moderation.cli.app import ENCODING_OPTION, ERRORS_OPTION, app, check_errors_mode, handles_errors


@app.command("train")
@handles_errors
def train_command(
    data: list[Path] = typer.Argument(
        None, help="Labeled CSV files or folders of them (default: the shipped labels/).", show_default=False
    ),
    model: Path = typer.Option(Path("models/default"), "--model", "-m", help="Model folder to write."),
    precision_target: float = typer.Option(
        None,
        "--precision-target",
        "-p",
        min=0.0,
        max=1.0,
        help="Pick each label's threshold as the lowest whose cross-validated precision reaches this (default: best F1).",
        show_default=False,
    ),
    c: float = typer.Option(
        None,
        "--C",
        min=1e-6,
        help="Fix the logistic regressions' inverse regularization strength (default: chosen per label by cross-validation).",
        show_default=False,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    encoding: str = ENCODING_OPTION,
    errors: str = ERRORS_OPTION,
) -> None:
    """Train a model from labeled comments, print cross-validated metrics, write the model folder."""
    from moderation.store import shipped_path
    from moderation.training import train

    check_errors_mode(errors)
    sources = data or [shipped_path("labels")]
    command = "moderation " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    metadata = train(
        sources, model, precision_target=precision_target, C=c, command=command, encoding=encoding, errors=errors, quiet=quiet
    )
    print(f"trained on {metadata['data']['comments']} comments; quality by cross-validation: {metadata['training']['cv']}")
    print(f"{'label':<12} {'ROC-AUC':>8} {'avg.prec':>8} {'F1':>6} {'threshold':>9}")
    for label, m in metadata["cv_metrics"].items():
        print(f"{label:<12} {m['roc_auc']:>8.3f} {m['average_precision']:>8.3f} {m['f1']:>6.3f} {m['threshold']:>9.3f}")
    print(f"model written to {model}")
