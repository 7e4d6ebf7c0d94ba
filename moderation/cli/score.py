"""``moderation score``."""

from __future__ import annotations

from pathlib import Path

import typer

from moderation.cli.app import ENCODING_OPTION, ERRORS_OPTION, MODEL_OPTION, THRESHOLD_OPTION, app, check_errors_mode, handles_errors


@app.command("score")
@handles_errors
def score_command(
    source: str = typer.Argument("-", metavar="[FILE|-]", help="Comments, one per line ('-' or nothing: stdin)."),
    model: Path = MODEL_OPTION,
    article: Path = typer.Option(
        None, "--article", "-a", help="File with the article the plain-text comments respond to.", show_default=False
    ),
    jsonl: bool = typer.Option(
        False, "--jsonl", "-j", help="Read one JSON object per line: text, and optionally id, thread_id, article, author."
    ),
    explain: bool = typer.Option(False, "--explain", "-e", help="Add the features that contributed most to each flag."),
    threshold: list[str] = THRESHOLD_OPTION,
    encoding: str = ENCODING_OPTION,
    errors: str = ERRORS_OPTION,
) -> None:
    """Score comments as they arrive: one JSON line out per line in, flushed immediately.

    Each comment is compared with the article and with the comments before it in its thread
    (plain lines form one thread).
    """
    from moderation.commands.score import parse_thresholds, score_stream
    from moderation.model.store import load_model
    from moderation.io.writers import json_line

    check_errors_mode(errors)
    overrides = parse_thresholds(threshold)
    loaded = load_model(model)
    bad_lines = score_stream(
        source,
        loaded,
        thresholds={**loaded.thresholds, **overrides},
        article=article,
        jsonl=jsonl,
        explain=explain,
        encoding=encoding,
        errors=errors,
        write=lambda record: print(json_line(record), end="", flush=True),
    )
    if bad_lines:
        raise typer.Exit(2)
