"""``moderation train``."""

from __future__ import annotations

import shlex
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
    PARENT_COLUMN_OPTION,
    TEXT_COLUMN_OPTION,
    THREAD_COLUMN_OPTION,
    app,
    check_errors_mode,
    check_format,
    handles_errors,
)


@app.command("train")
@handles_errors
def train_command(
    data: list[Path] = typer.Argument(
        None, help="Labeled files (CSV, JSONL or any format label reads) or folders of CSV/JSONL files (default: the shipped labels/).", show_default=False
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
    """Train a model from labeled comments, print cross-validated metrics, write the model folder."""
    from moderation.io.readers.tabular import Columns
    from moderation.model.store import shipped_path
    from moderation.commands.train import train

    check_errors_mode(errors)
    check_format(input_format)
    columns = Columns(text_column, id_column, thread_column, parent_column, author_column, article_column)
    sources = data or [shipped_path("labels")]
    command = "moderation " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    metadata = train(
        sources,
        model,
        precision_target=precision_target,
        C=c,
        command=command,
        format=input_format,
        columns=columns,
        encoding=encoding,
        errors=errors,
        quiet=quiet,
    )
    print(f"trained on {metadata['data']['comments']} comments; quality by cross-validation: {metadata['training']['cv']}")
    print(f"{'label':<12} {'ROC-AUC':>8} {'avg.prec':>8} {'F1':>6} {'threshold':>9}")
    for label, m in metadata["cv_metrics"].items():
        print(f"{label:<12} {m['roc_auc']:>8.3f} {m['average_precision']:>8.3f} {m['f1']:>6.3f} {m['threshold']:>9.3f}")
    print(f"model written to {model}")
