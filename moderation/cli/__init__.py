"""The command line: one module per command, each registering itself on :data:`app`."""

from moderation.cli import annotate, evaluate, info, label, score, train  # noqa: F401 - registers the commands
from moderation.cli.app import app, install_signal_handlers


def main() -> None:
    install_signal_handlers()
    app()
