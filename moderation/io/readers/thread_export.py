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

Only the page's structure ends the thread or starts a comment, never a commenter's text: a
comment starts with a bullet at the indentation of the first comment's bullet, its other
lines are indented deeper, and "Comments are closed." ends the thread only when it is not
indented as a comment's line. A "•" or "Comments are closed." inside a comment is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.lines import LINE_LIMIT

COMMENTS_HEADER = re.compile(
    r"^\s*(\d[\d,.]*|one|no)\s+(?:thoughts?|comments?|responses?|replies|reactions?)\s+(?:on|to)\b",
    re.IGNORECASE,
)
BULLET = "•"
END_MARKERS = ("comments are closed.",)


def looks_like_thread_export(first_lines: list[str]) -> bool:
    """True if a "N thoughts on …" header appears in these lines (used for format detection)."""
    return any(COMMENTS_HEADER.match(line) for line in first_lines)


def header_count(line: str) -> int | None:
    """The number of comments a "N thoughts on …" line announces (None if it is not a number)."""
    word = COMMENTS_HEADER.match(line).group(1).lower()
    if word in ("one", "no"):
        return 1 if word == "one" else 0
    digits = re.sub(r"[,.]", "", word)
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def indentation(line: str) -> int:
    """How many blank characters ``line`` starts with (a tab counts as one)."""
    return len(line) - len(line.lstrip())


def thread_comments(source, report) -> Iterator[Comment]:
    """Yield the comments of a thread export in order, each carrying the article text.

    Comment ids are their 1-based positions; the thread id is the file name without its
    extension. Raises :class:`InputError` for text that is not a thread export, and notes in
    ``report`` when the header announces another number of comments than the file holds.
    """
    name, thread_id = source.name, source.stem
    lines = source.lines()
    article_lines: list[str] = []
    article_size = 0
    for number, line in lines:
        if COMMENTS_HEADER.match(line):
            announced = header_count(line)
            break
        article_lines.append(line.rstrip())
        article_size += len(line)
        if article_size > LINE_LIMIT:
            raise InputError(f'not a thread export: no "N thoughts on …" line in the first {LINE_LIMIT:,} characters', name, number)
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
    bullet_indent: int | None = None  # set by the first comment
    comment_size = 0

    def finish() -> Comment:
        nonlocal count
        count += 1
        text = "\n".join(parts).strip()
        return Comment(text=text, id=str(count), thread_id=thread_id, article=article)

    for number, line in lines:
        stripped = line.strip()
        indent = indentation(line)
        if not stripped:
            if parts and parts[-1]:
                parts.append("")
        elif stripped.startswith(BULLET) and (bullet_indent is None or indent == bullet_indent):
            if parts:
                yield finish()
            bullet_indent = indent
            parts = [stripped[len(BULLET) :].strip()]
            comment_size = len(stripped)
        elif parts and indent > bullet_indent:
            parts.append(stripped)
            comment_size += len(stripped)
            if comment_size > LINE_LIMIT:
                raise InputError(f"a comment longer than {LINE_LIMIT:,} characters; is this the right file?", name, number)
        elif stripped.lower() in END_MARKERS:
            break
        else:
            raise InputError(
                f"expected a comment starting with '{BULLET}' or a line indented deeper than the comments' bullets, "
                f"got {stripped[:40]!r}; fix the export or convert it to CSV",
                name,
                number,
            )
    if parts:
        yield finish()
    if count == 0:
        raise InputError("the thread export has a comments header but no comments", name)
    if announced is not None and announced != count:
        report.notes.append(
            f"{name}: the header announces {announced:,} comments but the file holds {count:,}; "
            "the page may have been saved before every comment loaded, or with some hidden"
        )
