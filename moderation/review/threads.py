"""Threads as a moderator sees them: each article's comments, replies under what they answer.

Thread order is each thread in the order the input first mentions it, and within a thread a
depth-first walk: a comment, then its replies (in input order), each followed by its own
replies. The walk uses an explicit stack, never recursion, so a chain of 5,000 replies (or a
hostile export's reply cycle) costs no more than 5,000 siblings. A comment whose parent is not
in the input, or is in a reply cycle, starts a branch of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from moderation.annotate.session import article_title_and_start
from moderation.review.model_access import Comment

# Where the platform exports (and common CSV layouts) keep a comment's time, in the order tried.
TIME_FIELDS = ("comment_date_gmt", "createdAt", "created_utc", "created_at", "date", "time", "timestamp")
EPOCH_FIELDS = ("created_utc",)  # seconds since 1970 (Reddit)
UTC_FIELDS = ("comment_date_gmt",)  # WordPress's time in UTC, without a zone
SHOWN_FIELD_CHARS = 80  # a time or status longer than this is not one; it is cut


@dataclass
class Thread:
    """One thread: its id, the article's title, opening and link, and its comments in thread order."""

    id: str
    title: str
    opening: str
    link: str
    positions: list[int] = field(default_factory=list)


@dataclass
class Threads:
    """Every comment of an input placed in its thread.

    Lists are indexed by input position: ``parent`` is the position of the comment replied
    to (-1 for none in the input), ``depth`` how many replies deep it is shown (0 at the
    top), ``thread`` the index of its :class:`Thread`. ``order`` is every position in thread
    order.
    """

    threads: list[Thread]
    thread: list[int]
    parent: list[int]
    depth: list[int]
    order: list[int]


def build_threads(comments: list[Comment]) -> Threads:
    """Place every comment in its thread, replies under their parents (see the module docstring)."""
    count = len(comments)
    threads: list[Thread] = []
    thread_index: dict[str, int] = {}
    first_with_id: dict[tuple[str, str], int] = {}
    thread_of = [0] * count
    for position, comment in enumerate(comments):
        number = thread_index.get(comment.thread_id)
        if number is None:
            number = thread_index[comment.thread_id] = len(threads)
            title, opening = article_title_and_start(comment.article)
            row = comment.row or {}
            threads.append(Thread(comment.thread_id, title, opening, shown(row.get("link", ""))))
        thread_of[position] = number
        first_with_id.setdefault((comment.thread_id, comment.id), position)
    parent = [-1] * count
    children: list[list[int]] = [[] for _ in range(count)]
    for position, comment in enumerate(comments):
        if comment.parent_id:
            found = first_with_id.get((comment.thread_id, comment.parent_id), -1)
            if found != position and found >= 0:
                parent[position] = found
                children[found].append(position)
    depth = [0] * count
    placed = [False] * count

    def walk(root: int) -> None:
        stack = [(root, 0)]
        while stack:
            position, level = stack.pop()
            if placed[position]:
                continue
            placed[position] = True
            depth[position] = level
            threads[thread_of[position]].positions.append(position)
            stack.extend((child, level + 1) for child in reversed(children[position]))

    for position in range(count):
        if parent[position] < 0:
            walk(position)
    for position in range(count):  # reply cycles: nothing above them reaches them
        if not placed[position]:
            walk(position)
    order = [position for thread in threads for position in thread.positions]
    return Threads(threads, thread_of, parent, depth, order)


def shown(value) -> str:
    """A field as text to show: white space collapsed, cut at :data:`SHOWN_FIELD_CHARS`."""
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN_FIELD_CHARS else text[: SHOWN_FIELD_CHARS - 1] + "…"


def comment_time(comment: Comment) -> str:
    """When the comment was posted, as the export gives it ("" if it does not); seconds since
    1970 are shown as a UTC date and time."""
    row = comment.row or {}
    for name in TIME_FIELDS:
        value = row.get(name)
        if value is None or str(value).strip() == "":
            continue
        if name in EPOCH_FIELDS:
            try:
                moment = datetime.datetime.fromtimestamp(float(str(value)), tz=datetime.timezone.utc)
            except (ValueError, OverflowError, OSError):
                return shown(value)
            return moment.strftime("%Y-%m-%d %H:%M UTC")
        return shown(value) + (" UTC" if name in UTC_FIELDS else "")
    return ""


def comment_status(comment: Comment) -> str:
    """The comment's status in the platform export (approved, pending, spam, …), or ""."""
    return shown((comment.row or {}).get("status", ""))
