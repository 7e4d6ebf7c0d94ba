"""``moderation train``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import QUIET_OPTION, reads_input


@app.command("train")
@handles_errors
@reads_input
def train_command(
    data: list[Path] = typer.Argument(
        None,
        metavar="DATA",
        help="Labeled files (any input format; labels as in the canonical schema) or folders of CSV/JSONL files (default: the shipped labels/).",
        show_default=False,
    ),
    model: Path = typer.Option(
        None,
        "--model",
        "-m",
        metavar="DIR",
        help="Model folder to write (default: your model folder, which every command then uses; `moderation info` names it).",
        show_default=False,
    ),
    precision_target: float = typer.Option(
        None,
        "--precision-target",
        "-p",
        metavar="P",
        min=0.0,
        max=1.0,
        help="Pick each label's threshold as the lowest whose cross-validated precision reaches this (default: best F1).",
        show_default=False,
    ),
    c: float = typer.Option(
        None,
        "--C",
        min=1e-6,
        metavar="C",
        help="Fix the logistic regressions' inverse regularization strength (default: chosen per label by cross-validation).",
        show_default=False,
    ),
    prior: Path = typer.Option(
        None,
        "--prior",
        metavar="DIR",
        help="Build on this prior model folder instead of the shipped one (for measurements).",
        show_default=False,
    ),
    no_prior: bool = typer.Option(False, "--no-prior", help="Train without the prior: only your labels teach hostility and spam."),
    with_seed: bool = typer.Option(
        False,
        "--with-seed",
        help="Add the shipped seed labels to DATA (one news thread, every label annotated): with only a few labels "
        "of your own, enough examples of each class for every label.",
    ),
    overwrite_shipped: bool = typer.Option(
        False, "--overwrite-shipped", help="Allow --model to name a shipped model folder (maintainers rebuilding models/default)."
    ),
    quiet: bool = QUIET_OPTION,
    read_options=None,
) -> None:
    """Train a model on labeled comments and write it.

    Prints the cross-validated quality per label. Without --model the model goes to your
    model folder, which score, label, evaluate and info then use instead of the shipped one.
    """
    from moderation.commands.model_choice import user_model_dir
    from moderation.commands.train import train
    from moderation.shipped import shipped_path

    target = model or user_model_dir()
    command = "moderation " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    if prior is not None and no_prior:
        raise typer.BadParameter("give --prior or --no-prior, not both", param_hint="--prior")
    metadata = train(
        data or [shipped_path("labels")],
        target,
        precision_target,
        c,
        command,
        read_options,
        quiet=quiet,
        prior=prior,
        use_prior=not no_prior,
        overwrite_shipped=overwrite_shipped,
        with_seed=with_seed,
    )
    print(f"trained on {metadata['data']['comments']} comments; quality by cross-validation: {metadata['training']['cv']}")
    print(f"{'label':<12} {'ROC-AUC':>8} {'avg.prec':>8} {'F1':>6} {'threshold':>9}")
    for label, m in metadata["cv_metrics"].items():
        print(f"{label:<12} {m['roc_auc']:>8.3f} {m['average_precision']:>8.3f} {m['f1']:>6.3f} {m['threshold']:>9.3f}")
    print(f"model written to {target}")
    if model is None:
        print("score, label, evaluate and info now use it (pass --model to use another)")
