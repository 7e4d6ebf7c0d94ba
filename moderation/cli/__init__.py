"""The command line: typer only. One module per command, each registering itself on
:data:`moderation.cli.app.app`, parsing and validating its options, then calling the plain
function in :mod:`moderation.commands` that the tests call too."""

from moderation.cli import annotate, evaluate, info, label, review, score, serve, train  # noqa: F401 - registers the commands
from moderation.cli.app import guard_standard_streams, install_signal_handlers, run


def main() -> None:
    """The ``moderation`` console script."""
    guard_standard_streams()
    install_signal_handlers()
    run()
