"""The comment record every reader produces and every command consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

LABELS = ("off_topic", "hostile", "ad_hominem")


@dataclass
class Comment:
    """One comment with the context the model uses.

    ``row`` holds the input record exactly as read (CSV columns or JSON object) so that
    ``label`` can write every input column back unchanged. ``labels`` maps a label name to
    1, 0 or None (not annotated); it is empty for unlabeled input.
    """

    text: str
    id: str = ""
    thread_id: str = ""
    parent_id: str = ""
    author: str = ""
    article: str = ""
    labels: dict[str, int | None] = field(default_factory=dict)
    row: dict | None = None


def has_text(text: str) -> bool:
    """Whether a text has anything to score or label: it is not empty or only white space."""
    return bool(text) and not text.isspace()
