"""``moderation annotate``: parses and validates, then runs :func:`moderation.annotate.run.annotate`."""

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
    app,
    check_errors_mode,
    check_format,
    handles_errors,
)

LABEL_NAMES = ("off_topic", "hostile", "ad_hominem")  # checked against moderation.comments.LABELS by the tests
STATUS_NAMES = ("approved", "pending", "spam", "trash", "deleted")


@app.command("annotate")
@handles_errors
def annotate_command(
    source: Path = typer.Argument(
        ..., metavar="INPUT", help="Comments to label: any input format (thread export, CSV, JSONL, WordPress, Disqus, Reddit); '-' for stdin with --next/--answers."
    ),
    labels: Path = typer.Option(
        ..., "--labels", "-l", help="CSV file the answers are appended to (created if missing; `moderation train` reads it).", show_default=False
    ),
    model: Path = MODEL_OPTION,
    label: list[str] = typer.Option(
        [], "--label", help="A label to annotate: off_topic, hostile or ad_hominem. Repeatable (default: all three).", show_default=False
    ),
    random_share: float = typer.Option(
        0.1, "--random-share", "-r", min=0.0, max=1.0, help="Share of comments picked at random instead of least-certain first."
    ),
    retrain_every: int = typer.Option(
        20, "--retrain-every", "-n", min=0, help="Retrain on your labels in the background after this many answers (0: never)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the random picks (the same seed and labels give the same order)."),
    next_count: int = typer.Option(
        None, "--next", "-k", min=1, help="Print the next K comments to label and exit (no terminal needed).", show_default=False
    ),
    json_output: bool = typer.Option(False, "--json", "-j", help="With --next: one JSON object per comment, with its context."),
    answers: Path = typer.Option(
        None, "--answers", "-a", help="Apply a JSON Lines file of answers (see the README) and exit.", show_default=False
    ),
    status: list[str] = typer.Option(
        [], "--status", "-s", help="WordPress/Disqus: only comments with this status (approved, pending, spam, trash, deleted). Repeatable.", show_default=False
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
    """Label comments one at a time in the terminal, the ones the model is least sure about first."""
    from moderation.annotate.run import AnnotateSettings, annotate

    check_errors_mode(errors)
    check_format(input_format)
    unknown = sorted(set(label) - set(LABEL_NAMES))
    if unknown:
        raise typer.BadParameter(f"unknown label {', '.join(unknown)}; use {', '.join(LABEL_NAMES)}", param_hint="--label")
    unknown = sorted(set(status) - set(STATUS_NAMES))
    if unknown:
        raise typer.BadParameter(f"unknown status {', '.join(unknown)}; use {', '.join(STATUS_NAMES)}", param_hint="--status")
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
        chosen=tuple(name for name in LABEL_NAMES if name in label) or LABEL_NAMES,
        random_share=random_share,
        retrain_every=retrain_every,
        seed=seed,
        next_count=next_count,
        json_output=json_output,
        answers=None if answers is None else (Path("/dev/stdin") if str(answers) == "-" else answers),
        format=input_format,
        column_names={
            "text": text_column,
            "id": id_column,
            "thread_id": thread_column,
            "parent_id": parent_column,
            "author": author_column,
            "article": article_column,
        },
        encoding=encoding,
        errors=errors,
        statuses=tuple(status),
    )
    code = annotate(settings)
    if code:
        raise typer.Exit(code)
