"""``moderation label``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import typer

from moderation.cli.app import app, handles_errors
from moderation.cli.options import ARTICLE_OPTION, MODEL_OPTION, QUIET_OPTION, STATUS_OPTION, THRESHOLD_OPTION, check_statuses, parse_thresholds, reads_input
from moderation.errors import printable


@app.command("label", short_help="Label every comment of an export, keeping its columns.")
@handles_errors
@reads_input
def label_command(
    source: Path = typer.Argument(
        ...,
        metavar="INPUT",
        help="A thread export (.txt), CSV, JSONL, WordPress (WXR) or Disqus XML, or a Reddit thread .json or comment dump; '-' for stdin.",
    ),
    out: Path = typer.Option(
        None, "--out", "-o", metavar="FILE", help="Output file, CSV or JSONL by extension (default: CSV on stdout).", show_default=False
    ),
    model: Path = MODEL_OPTION,
    only_flagged: bool = typer.Option(False, "--only-flagged", help="Write only comments with at least one flag."),
    html: Path = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Also write a self-contained, read-only HTML report of the threads, flags and reasons (without --out: only the report).",
        show_default=False,
    ),
    article: Path = ARTICLE_OPTION,
    explain: bool = typer.Option(
        False, "--explain", "-e", help="Add a column 'explain': per flag, the words and features that raised the score most."
    ),
    status: list[str] = STATUS_OPTION,
    workers: int = typer.Option(
        None, "--workers", "-w", min=1, metavar="N", help="Processes scoring in parallel for large inputs (default: one per core).", show_default=False
    ),
    dask: str = typer.Option(
        None, "--dask", metavar="ADDRESS", help="Score on a Dask cluster: its scheduler address, or 'local' for a cluster on this machine.", show_default=False
    ),
    quiet: bool = QUIET_OPTION,
    threshold: list[str] = THRESHOLD_OPTION,
    read_options=None,
) -> None:
    """Label every comment of an export: all input columns plus scores and flags.

    Rows are written in input order; a summary of flags per thread goes to stderr.
    """
    from moderation.commands.label import label_file
    from moderation.commands.label_workers import default_workers
    from moderation.commands.model_choice import load_chosen_model
    from moderation.io.readers.lines import read_text_file
    from moderation.model.verdicts import Judge

    statuses = check_statuses(status)
    overrides = parse_thresholds(threshold)
    article_text = read_text_file(article, "article", read_options.encoding, read_options.errors) if article is not None else ""
    options = dataclasses.replace(read_options, statuses=statuses, article=article_text)
    loaded = load_chosen_model(model)
    if html is not None:
        summary = write_html_report(source, out, html, model, loaded, Judge(loaded.scorer, overrides).thresholds, options, only_flagged)
        if out is None:
            print("\n".join(map(printable, summary.lines())), file=sys.stderr)
            return
    summary = label_file(
        source,
        out,
        loaded,
        thresholds=overrides,
        options=options,
        only_flagged=only_flagged,
        workers=workers or default_workers(),
        dask=dask,
        quiet=quiet,
        explain=explain,
    )
    print("\n".join(map(printable, summary.lines())), file=sys.stderr)


def write_html_report(source: Path, out: Path | None, html: Path, model: Path | None, loaded, thresholds: dict, options, only_flagged: bool):
    """``--html``: the report (with ``--out`` too, the labeled rows are written afterwards)."""
    from moderation.commands.model_choice import choose_model
    from moderation.review.report import write_report

    if out is not None and str(source) == "-":
        raise typer.BadParameter("stdin can be read only once: give --out or --html, or save the comments to a file", param_hint="--html")
    if out is not None and html.resolve() == out.resolve():
        raise typer.BadParameter("the report and the output are the same file", param_hint="--html")
    return write_report(source, html, loaded, thresholds, options, only_flagged, choose_model(model).name)
