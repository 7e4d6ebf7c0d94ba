"""The plain-text thread export: an article, a "N thoughts on …" line, bulleted comments.

This is what a WordPress comment section looks like when saved as text (the format of the
seed thread in ``labels/threads/``)::

    <title>
    <article paragraphs>
    50 thoughts on “<title>”
      • first line of a comment
        indented continuation line

        another paragraph of the same comment
      • next comment
    Comments are closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.lines import iter_lines

COMMENTS_HEADER = re.compile(
    r"^\s*(?:\d[\d,.]*|one|no)\s+(?:thoughts?|comments?|responses?|replies|reactions?)\s+(?:on|to)\b",
    re.IGNORECASE,
)
BULLET = "•"
END_MARKERS = ("comments are closed.",)


def looks_like_thread_export(first_lines: list[str]) -> bool:
    """True if a "N thoughts on …" header appears in these lines (used for format detection)."""
    return any(COMMENTS_HEADER.match(line) for line in first_lines)


def read_thread_export(
    path: str | Path, thread_id: str | None = None, encoding: str = "utf-8", errors: str = "strict"
) -> Iterator[Comment]:
    """Yield the comments of a thread export in order, each carrying the article text.

    Comment ids are their 1-based positions; the thread id defaults to the file name without
    its extension. Raises :class:`InputError` for text that is not a thread export.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    if thread_id is None:
        thread_id = "stdin" if name == "<stdin>" else Path(path).stem
    lines = iter_lines(path, encoding, errors)
    article_lines: list[str] = []
    for number, line in lines:
        if COMMENTS_HEADER.match(line):
            break
        article_lines.append(line.rstrip())
    else:
        raise InputError(
            'not a thread export: no "N thoughts on …" (or "N comments on …") line before the comments; '
            "give a thread export, a CSV with a text column, or JSONL (for one comment per line, use `moderation score`)",
            name,
        )
    article = "\n".join(article_lines).strip()
    if not article:
        raise InputError("the thread export has no article text before its comments header", name, number)

    count = 0
    parts: list[str] = []  # lines of the comment being read; "" marks a paragraph break

    def finish() -> Comment:
        nonlocal count
        count += 1
        text = "\n".join(parts).strip()
        return Comment(text=text, id=str(count), thread_id=thread_id, article=article)

    for number, line in lines:
        stripped = line.strip()
        if stripped.startswith(BULLET):
            if parts:
                yield finish()
            parts = [stripped[len(BULLET):].strip()]
        elif not stripped:
            if parts and parts[-1]:
                parts.append("")
        elif stripped.lower() in END_MARKERS:
            break
        elif parts and line[:1].isspace():
            parts.append(stripped)
        else:
            raise InputError(
                f"expected a comment starting with '{BULLET}' or an indented continuation line, got {stripped[:40]!r}; "
                "fix the export or convert it to CSV",
                name,
                number,
            )
    if parts:
        yield finish()
    if count == 0:
        raise InputError("the thread export has a comments header but no comments", name)
