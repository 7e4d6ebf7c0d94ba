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
    """The SIGTERM handler: unwind like Ctrl-C, so that partial output is removed."""
    raise Terminated()


def install_signal_handlers() -> None:
    """Make SIGTERM end a command the way Ctrl-C does (see :func:`handles_errors`)."""
    signal.signal(signal.SIGTERM, raise_terminated)


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors.")) -> None:
    """Options of every command: ``--debug`` shows tracebacks."""
    DEBUG["enabled"] = debug


def fail(message: str, code: int) -> None:
    """Print one error line on stderr and exit with ``code``."""
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

