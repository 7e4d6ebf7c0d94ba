"""``moderation annotate``: parses and validates, then runs :func:`moderation.annotate.run.annotate`."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import LABEL_OPTION, MODEL_OPTION, STATUS_OPTION, check_statuses, chosen_labels, reads_input


@app.command("annotate", short_help="Label comments in the terminal, the least certain first.")
@handles_errors
@reads_input
def annotate_command(
    source: Path = typer.Argument(
        ..., metavar="INPUT", help="Comments to label: any input format (thread export, CSV, JSONL, WordPress, Disqus, Reddit); '-' for stdin with --next/--answers."
    ),
    labels: Path = typer.Option(
        ..., "--labels", "-l", metavar="FILE", help="CSV file the answers are appended to (created if missing; `moderation train` reads it).", show_default=False
    ),
    model: Path = MODEL_OPTION,
    label: list[str] = LABEL_OPTION,
    random_share: float = typer.Option(
        0.1, "--random-share", "-r", min=0.0, max=1.0, metavar="SHARE", help="Share of comments picked at random instead of least-certain first."
    ),
    retrain_every: int = typer.Option(
        20, "--retrain-every", "-n", min=0, metavar="N", help="Retrain on your labels in the background after this many answers (0: never)."
    ),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the random picks (the same seed and labels give the same order)."),
    next_count: int = typer.Option(
        None, "--next", "-k", min=1, metavar="K", help="Print the next K comments to label and exit (no terminal needed).", show_default=False
    ),
    json_output: bool = typer.Option(False, "--json", "-j", help="With --next: one JSON object per comment, with its context."),
    answers: Path = typer.Option(
        None, "--answers", "-a", metavar="FILE", help="Apply a JSON Lines file of answers (see the README) and exit.", show_default=False
    ),
    status: list[str] = STATUS_OPTION,
    read_options=None,
) -> None:
    """Label comments one at a time in the terminal, the ones the model is least sure about first."""
    from moderation.annotate.run import AnnotateSettings, annotate

    chosen = chosen_labels(label)
    statuses = check_statuses(status)
    if json_output and next_count is None:
        raise typer.BadParameter("--json goes with --next K", param_hint="--json")
    if answers is not None and str(answers) == "-" and str(source) == "-":
        raise typer.BadParameter("the comments already come from stdin; give the answers as a file", param_hint="--answers")
    interactive = next_count is None and answers is None
    if interactive and str(source) == "-":
        raise typer.BadParameter(
            "the terminal session reads keys from stdin, so the comments cannot come from it; save them to a file", param_hint="INPUT"
        )
    if interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise typer.BadParameter(
            "the labeling screen needs a terminal; in scripts use --next K --json and --answers FILE", param_hint="INPUT"
        )
    settings = AnnotateSettings(
        input=source,
        labels=labels,
        model=model,
        chosen=chosen,
        random_share=random_share,
        retrain_every=retrain_every,
        seed=seed,
        next_count=next_count,
        json_output=json_output,
        answers=None if answers is None else (Path("/dev/stdin") if str(answers) == "-" else answers),
        read_options=dataclasses.replace(read_options, statuses=statuses),
    )
    code = annotate(settings)
    if code:
        raise typer.Exit(code)
