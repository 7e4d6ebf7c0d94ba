"""``moderation score``."""

from __future__ import annotations

from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import ARTICLE_OPTION, MODEL_OPTION, THRESHOLD_OPTION, parse_thresholds, reads_lines


@app.command("score")
@handles_errors
@reads_lines
def score_command(
    source: str = typer.Argument("-", metavar="FILE", help="Comments, one per line ('-' or nothing: stdin).", show_default=False),
    model: Path = MODEL_OPTION,
    article: Path = ARTICLE_OPTION,
    jsonl: bool = typer.Option(
        False,
        "--jsonl",
        "-j",
        help="Read one JSON object per line: text, and optionally id, thread_id, parent_id, author, article (other names with the column options).",
    ),
    explain: bool = typer.Option(False, "--explain", "-e", help="Add, per flag, the words and features that raised the score most."),
    threshold: list[str] = THRESHOLD_OPTION,
    read_options=None,
) -> None:
    """Score comments as they arrive, one JSON line per line.

    Each comment is compared with the article and with the comments before it in its thread
    (plain lines form one thread); each result is written as soon as its line is read.
    """
    from moderation.commands.model_choice import load_chosen_model
    from moderation.commands.score import score_lines
    from moderation.io.writers import json_line

    overrides = parse_thresholds(threshold)
    loaded = load_chosen_model(model)
    bad_lines = score_lines(
        source,
        loaded,
        overrides,
        write=lambda record: print(json_line(record), end="", flush=True),
        article=article,
        jsonl=jsonl,
        explain=explain,
        options=read_options,
    )
    if bad_lines:
        raise typer.Exit(2)
