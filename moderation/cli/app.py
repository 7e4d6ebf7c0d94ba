"""The typer application and what every command shares: error handling and common options."""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback

import typer

from moderation import __version__
from moderation.errors import ModerationError, printable

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
    """SIGTERM or SIGHUP, raised as an exception so that partial output is cleaned up on the way out."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_terminated(signum, frame):
    """The SIGTERM and SIGHUP handler: unwind like Ctrl-C, so that partial output is removed."""
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP (a closed terminal or SSH session) end a command as Ctrl-C does:
    cleaning up, with exit code 128 + the signal's number (``serve`` handles SIGHUP itself)."""
    signal.signal(signal.SIGTERM, raise_terminated)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, raise_terminated)


def guard_standard_streams() -> None:
    """Make a closed stdin, stdout or stderr (``<&-``, ``>&-``, ``2>&-``) safe.

    The descriptor is reopened on /dev/null so that no file we open takes its number (and
    receives what was meant for it). Then a closed stdin reads as "stdin is closed" (it stays
    None), a closed stdout is an error as soon as anything is written to it, and a closed
    stderr swallows messages instead of letting Python print them to stdout. An open stdout is
    written as UTF-8 and its write failures (disk full) become clear errors.
    """
    from moderation.io.writers import ClosedStdout, checked_stdout

    closed = set()
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            closed.add(descriptor)
            null = os.open(os.devnull, os.O_RDWR)
            if null != descriptor:
                os.dup2(null, descriptor)
                os.close(null)
    if 0 in closed:
        sys.stdin = None
    if 2 in closed:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if 1 in closed:
        sys.stdout = ClosedStdout()
    elif sys.stdout is not None:
        sys.stdout.flush()
        sys.stdout = checked_stdout(line_buffering=sys.stdout.isatty())


def print_version(asked: bool) -> None:
    """``--version``: print ``moderation X.Y.Z`` and exit."""
    if asked:
        print(f"moderation {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=print_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Options of every command: ``--debug`` shows tracebacks, ``--version`` prints the version."""
    DEBUG["enabled"] = debug


def fail(message: str, code: int) -> None:
    """Print one error line on stderr and exit with ``code``."""
    say(f"moderation: error: {message}")
    raise typer.Exit(code)


def say(message: str) -> None:
    """Print a line on stderr, if there is one (print(file=None) would write to stdout), with
    what the input chose shown as text (:func:`~moderation.errors.printable`)."""
    if sys.stderr is not None:
        print(printable(message), file=sys.stderr)


def run() -> None:
    """Run the application, with the errors that arise outside a command (``--help`` written
    to a full disk, a reader of ``--help`` gone) ended like those inside one."""
    try:
        app()
    except ModerationError as error:
        say(f"moderation: error: {error}")
        sys.exit(error.exit_code)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.exit(0)


def handles_errors(command):
    """Turn our errors into one line on stderr and an exit code; never show a traceback
    unless --debug. Ctrl-C exits 130, a closed pipe (``| head``) exits quietly."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            result = command(*args, **kwargs)
            if sys.stdout is not None:
                sys.stdout.flush()  # here, so that a failing write is reported like any other
            return result
        except (typer.Exit, typer.BadParameter):
            raise  # typer prints the usage and the problem; exit code 2
        except ModerationError as error:
            if DEBUG["enabled"]:
                traceback.print_exc()
            fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            say("moderation: interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (e.g. `| head -1`): stop quietly, as other Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            raise typer.Exit(0) from None
        except Terminated as signalled:
            say("moderation: hung up" if signalled.signum == getattr(signal, "SIGHUP", None) else "moderation: terminated")
            raise typer.Exit(128 + signalled.signum) from None
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if DEBUG["enabled"]:
                traceback.print_exc()
            fail(f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)", 1)

    return wrapper

