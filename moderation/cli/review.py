"""``moderation review``: parses and validates, then runs :func:`moderation.review.run.review`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import LABEL_OPTION, MODEL_OPTION, STATUS_OPTION, check_statuses, chosen_labels, reads_input
from moderation.errors import InputError


def default_labels_path(source: Path) -> Path:
    """Where answers go without ``--labels``: ``<input name>.labels.csv`` in the current folder."""
    return Path(f"{Path(source).name.split('.')[0] or 'comments'}.labels.csv")


@app.command("review", short_help="Review an export's flags as threads in the browser, and answer.")
@handles_errors
@reads_input
def review_command(
    source: Path = typer.Argument(
        ..., metavar="INPUT", help="Comments to review: any input format (thread export, CSV, JSONL, WordPress, Disqus, Reddit)."
    ),
    labels: Path = typer.Option(
        None,
        "--labels",
        "-l",
        metavar="FILE",
        help="CSV file the answers are saved to, as `moderation annotate` saves them (default: INPUT's name + .labels.csv, here).",
        show_default=False,
    ),
    model: Path = MODEL_OPTION,
    label: list[str] = LABEL_OPTION,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on and open the page at (default: this machine only); others need the page's token."
    ),
    port: int = typer.Option(0, "--port", "-p", min=0, max=65535, help="Port to listen on (0: any free port, shown at start)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser; just print the page's address."),
    status: list[str] = STATUS_OPTION,
    read_options=None,
) -> None:
    """Open an export in the browser as threads, with each comment's scores, flags and the
    words that raised them; filter, sort, answer with single keys, and retrain.

    Answers go to the same labels file as `moderation annotate`'s, in the same way. Needs the
    serve extra: pip install 'moderation[serve]'.
    """
    try:
        from moderation.review.run import ReviewSettings, announce, review
    except ImportError as error:
        raise InputError(f"moderation review needs {error.name}: install it with pip install 'moderation[serve]'") from None

    chosen = chosen_labels(label)
    if host.strip("[]") in ("0.0.0.0", "::", ""):
        raise typer.BadParameter(
            "give the address other machines will open the page at (e.g. 192.168.1.5): requests naming another host are refused",
            param_hint="--host",
        )
    if str(source) == "-" and labels is None:
        raise typer.BadParameter("comments from stdin need --labels FILE for the answers", param_hint="--labels")
    settings = ReviewSettings(
        input=source,
        labels=labels if labels is not None else default_labels_path(source),
        model=model,
        chosen=chosen,
        host=host,
        port=port,
        open_browser=not no_browser,
        read_options=dataclasses.replace(read_options, statuses=check_statuses(status)),
    )
    code = review(settings, on_ready=lambda address: announce(address, settings.open_browser))
    if code:
        raise typer.Exit(code)
