"""The typer application and what every command shares: error handling and common options."""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback

import typer

from moderation.errors import ModerationError

app = typer.Typer(
    name="moderation",
    help="Flag comments as off_topic, hostile and/or ad_hominem, offline, with a model you can retrain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DEBUG = {"enabled": False}


class Terminated(Exception):
    """SIGTERM, raised as an exception so that partial output is cleaned up on the way out."""


def raise_terminated(signum, frame):
    raise Terminated()


def install_signal_handlers() -> None:
    signal.signal(signal.SIGTERM, raise_terminated)

MODEL_OPTION = typer.Option(
    None, "--model", "-m", help="Model folder to use (default: the shipped model in models/default).", show_default=False
)
THRESHOLD_OPTION = typer.Option(
    [], "--threshold", "-t", metavar="LABEL=VALUE", help="Override a label's flag threshold, e.g. hostile=0.8. Repeatable."
)
FORMAT_OPTION = typer.Option(
    None,
    "--format",
    "-f",
    help="Input format: csv, jsonl, thread, wordpress, disqus or reddit (default: detected from the content).",
    show_default=False,
)
TEXT_COLUMN_OPTION = typer.Option("text", "--text-column", help="Input column holding the comment text.")
ID_COLUMN_OPTION = typer.Option("id", "--id-column", help="Input column holding the comment id.")
THREAD_COLUMN_OPTION = typer.Option("thread_id", "--thread-column", help="Input column holding the thread id.")
PARENT_COLUMN_OPTION = typer.Option("parent_id", "--parent-column", help="Input column holding the parent comment id.")
AUTHOR_COLUMN_OPTION = typer.Option("author", "--author-column", help="Input column holding the author's name.")
ARTICLE_COLUMN_OPTION = typer.Option("article", "--article-column", help="Input column holding the article text.")
ENCODING_OPTION = typer.Option("utf-8", "--encoding", help="Text encoding of the input.")
ERRORS_OPTION = typer.Option(
    "strict", "--errors", help="What to do with bytes the encoding cannot decode: strict (stop), replace or ignore."
)


def check_format(input_format: str | None) -> None:
    from moderation.io.readers import FORMATS

    if input_format is not None and input_format not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors.")) -> None:
    DEBUG["enabled"] = debug


def fail(message: str, code: int) -> None:
    print(f"moderation: error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def handles_errors(command):
    """Turn our errors into one line on stderr and an exit code; never show a traceback
    unless --debug. Ctrl-C exits 130, a closed pipe (``| head``) exits quietly."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.BadParameter):
            raise  # typer prints the usage and the problem; exit code 2
        except ModerationError as error:
            if DEBUG["enabled"]:
                traceback.print_exc()
            fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            print("moderation: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (e.g. `| head -1`): stop quietly, as other Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Terminated:
            print("moderation: terminated", file=sys.stderr)
            raise typer.Exit(143) from None
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if DEBUG["enabled"]:
                traceback.print_exc()
            fail(f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)", 1)

    return wrapper


def check_errors_mode(errors: str) -> str:
    if errors not in ("strict", "replace", "ignore"):
        raise typer.BadParameter("use strict, replace or ignore", param_hint="--errors")
    return errors

