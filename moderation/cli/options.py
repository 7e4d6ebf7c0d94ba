"""Options several commands share, each declared once.

:func:`reads_input` adds the reader options (``--format``, the column names, ``--encoding``,
``--errors``) to a command and hands them to it as one :class:`ReadOptions`.
"""

from __future__ import annotations

import functools
import inspect

import typer

from moderation.comments import LABELS

MODEL_OPTION = typer.Option(
    None,
    "--model",
    "-m",
    metavar="DIR",
    help="Model folder to use (default: the one `moderation info` names: your trained model, else the shipped one).",
    show_default=False,
)
ARTICLE_OPTION = typer.Option(
    None,
    "--article",
    "-a",
    metavar="FILE",
    help="File with the article text of the comments that have none (plain lines, records without an article).",
    show_default=False,
)
THRESHOLD_OPTION = typer.Option(
    [], "--threshold", "-t", metavar="LABEL=VALUE", help="Override a label's flag threshold, e.g. hostile=0.8. Repeatable."
)
QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="No progress bar.")
LABEL_OPTION = typer.Option(
    [], "--label", metavar="LABEL", help="A label to answer: off_topic, hostile or ad_hominem. Repeatable (default: all three).", show_default=False
)
STATUSES = ("approved", "pending", "spam", "trash", "deleted")
STATUS_OPTION = typer.Option(
    [],
    "--status",
    "-s",
    metavar="STATUS",
    help=f"WordPress/Disqus/Reddit: only comments with this status ({', '.join(STATUSES)}). Repeatable.",
    show_default=False,
)
FORMATS = ("csv", "jsonl", "thread", "wordpress", "disqus", "reddit")
ERROR_MODES = ("strict", "replace", "ignore")

# name → (default, flags, metavar, help); the names are the wrapped command's parameters.
READ_OPTIONS = {
    "input_format": (
        None,
        ("--format", "-f"),
        "FORMAT",
        f"Input format: {', '.join(FORMATS)} (default: detected from the content).",
    ),
    "text_column": ("text", ("--text-column",), "NAME", "Input column holding the comment text."),
    "id_column": ("id", ("--id-column",), "NAME", "Input column holding the comment id."),
    "thread_column": ("thread_id", ("--thread-column",), "NAME", "Input column holding the thread id."),
    "parent_column": ("parent_id", ("--parent-column",), "NAME", "Input column holding the parent comment's id."),
    "author_column": ("author", ("--author-column",), "NAME", "Input column holding the author's name."),
    "article_column": ("article", ("--article-column",), "NAME", "Input column holding the article text."),
    "encoding": ("utf-8", ("--encoding",), "ENCODING", "Text encoding of the input."),
    "errors": ("strict", ("--errors",), "MODE", "Bytes the encoding cannot decode: strict (stop), replace or ignore."),
}


def parse_thresholds(overrides: list[str]) -> dict[str, float]:
    """``["hostile=0.7"]`` → ``{"hostile": 0.7}``; a bad item is a usage error."""
    thresholds = {}
    for item in overrides:
        label, _, value = item.partition("=")
        label = label.strip()
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if label not in LABELS or not 0.0 <= number <= 1.0:
            raise typer.BadParameter(
                f"{item!r}: use LABEL=VALUE with LABEL one of {', '.join(LABELS)} and VALUE from 0 to 1", param_hint="--threshold"
            )
        thresholds[label] = number
    return thresholds


def chosen_labels(labels: list[str]) -> tuple[str, ...]:
    """``--label`` values, validated, in :data:`LABELS` order (all three when none is given)."""
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise typer.BadParameter(f"unknown label {', '.join(unknown)}; use {', '.join(LABELS)}", param_hint="--label")
    return tuple(name for name in LABELS if name in labels) or LABELS


def check_statuses(statuses: list[str]) -> frozenset[str] | None:
    """``--status`` values, validated (None: every status)."""
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise typer.BadParameter(f"unknown status {', '.join(unknown)}; use {', '.join(STATUSES)}", param_hint="--status")
    return frozenset(statuses) or None


def read_options_from(values: dict):
    """The :class:`ReadOptions` of the values of :data:`READ_OPTIONS`, validated."""
    from moderation.io.readers import ReadOptions
    from moderation.io.readers.tabular import Columns

    if values.get("input_format") is not None and values["input_format"] not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if values["errors"] not in ERROR_MODES:
        raise typer.BadParameter(f"use one of {', '.join(ERROR_MODES)}", param_hint="--errors")
    columns = Columns(
        text=values["text_column"],
        id=values["id_column"],
        thread_id=values["thread_column"],
        parent_id=values["parent_column"],
        author=values["author_column"],
        article=values["article_column"],
    )
    return ReadOptions(values.get("input_format"), columns, values["encoding"], values["errors"])


def adds_read_options(names: tuple[str, ...]):
    """A decorator giving a command the reader options ``names`` of :data:`READ_OPTIONS`; the
    command receives them as one ``read_options``.

    typer reads a command's parameters from its signature, so the wrapper's signature is the
    command's own with ``read_options`` replaced by those options.
    """

    def decorate(command):
        signature = inspect.signature(command)
        own = [p for name, p in signature.parameters.items() if name != "read_options"]
        added = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(default, *flags, metavar=metavar, help=help, show_default=default is not None),
            )
            for name, (default, flags, metavar, help) in READ_OPTIONS.items()
            if name in names
        ]

        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            values = {name: kwargs.pop(name) for name in names}
            return command(*args, read_options=read_options_from(values), **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*own, *added])
        return wrapper

    return decorate


reads_input = adds_read_options(tuple(READ_OPTIONS))
"""For commands reading files in any format: ``--format``, the column names, the encoding."""

reads_lines = adds_read_options(tuple(name for name in READ_OPTIONS if name != "input_format"))
"""For ``score``, which reads lines (plain or JSON records): the column names, the encoding."""

