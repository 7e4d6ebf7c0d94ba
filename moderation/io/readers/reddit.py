"""Reddit comments: a thread's ``.json`` file, or a newline-delimited dump of comments.

A thread's ``.json`` (its URL with ``.json`` appended) is a list of two Listings, each
``{"kind": "Listing", "data": {"children": [...]}}``: the first holds the submission (kind
``t3``: ``id``, ``title``, ``selftext``, ``author``), the second the comments (kind ``t1``:
``id``, ``name``, ``parent_id`` and ``link_id`` with their ``t1_``/``t3_`` prefixes,
``author``, ``body``, ``body_html``, ``created_utc``, ``permalink``, and ``replies``, a Listing
of the replies or ""). Comments are read depth-first in display order; ``more`` stubs stand for
comments that were not loaded and are counted as skipped ("more stub"). The file is read whole: a thread's
``.json`` is small.

A dump (as in public archives) has one comment object per line with the same fields and no
``replies``; it is streamed. A dump comment's article is its ``title`` and ``selftext`` when
the record has them, else empty. Records may carry our label fields (off_topic, hostile,
ad_hominem).

Reddit bodies are markdown, kept as they are except for the ``&amp;``, ``&lt;``, ``&gt;`` that
Reddit escapes. A body of ``[removed]`` or ``[deleted]`` has status "deleted" and empty text
(the comment itself is gone); every other comment is "approved". A thread's id is the
submission id, and a parent id is "" when the parent is the submission.

``Comment.row`` keys, in this order: ``id``, ``thread_id``, ``parent_id``, ``author`` (as
given, e.g. "[deleted]"), ``status``, ``text`` (the body unescaped), ``thread_title``,
``permalink``, ``created_utc`` (seconds since 1970, as given), ``body`` (the body exactly as
in the file), then any of off_topic, hostile, ad_hominem the record has.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from moderation.comments import LABELS, Comment
from moderation.errors import InputError
from moderation.io.readers.lines import iter_lines
from moderation.io.readers.tabular import parse_label

REMOVED = {"[removed]", "[deleted]"}
ESCAPED = re.compile(r"&(amp|lt|gt);")
UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}
COMMENT_FIELDS = {"body", "link_id", "parent_id"}
THREAD_START = re.compile(r'\[\s*\{\s*"kind"\s*:\s*"Listing"')


def looks_like_reddit(first_lines: list[str]) -> bool:
    """True if these first lines start a Reddit thread ``.json`` or a dump of Reddit comments."""
    text = "".join(first_lines).lstrip()
    if text.startswith("["):
        return THREAD_START.match(text) is not None
    try:
        record = json.loads(text.split("\n", 1)[0])
    except ValueError:
        return False
    return isinstance(record, dict) and COMMENT_FIELDS <= record.keys()


def read_reddit(
    path: str | Path,
    encoding: str = "utf-8",
    errors: str = "strict",
    statuses: set[str] | None = None,
    skipped: Counter | None = None,
) -> Iterator[Comment]:
    """Yield the comments of a Reddit thread ``.json`` or dump in order (see the module docstring).

    ``statuses`` keeps only comments with these statuses (None keeps all); ``skipped`` counts
    each comment not yielded by reason.
    """
    name = str(path)
    skipped = Counter() if skipped is None else skipped
    first_line = next((line for _, line in iter_lines(path, encoding, errors) if line.strip()), "")
    if not first_line:
        raise InputError("empty file: expected a Reddit thread .json or one comment object per line", name)
    if first_line.lstrip().startswith("["):
        records = thread_records(path, name, encoding, errors, skipped)
    else:
        records = dump_records(path, name, encoding, errors)
    found = 0
    for line, record, thread_title, article in records:
        found += 1
        comment = to_comment(record, name, line, thread_title, article)
        if statuses is not None and comment.row["status"] not in statuses:
            skipped[f"status {comment.row['status']}"] += 1
            continue
        yield comment
    if not found:
        raise InputError("no comments in this file; download the thread's .json again once it has comments", name)


def thread_records(path: str | Path, name: str, encoding: str, errors: str, skipped: Counter) -> Iterator[tuple]:
    """``(None, comment record, thread title, article)`` for each comment of a thread ``.json``."""
    text = "".join(line for _, line in iter_lines(path, encoding, errors))
    try:
        listings = json.loads(text)
    except ValueError as error:
        raise InputError(
            f"malformed JSON at column {error.colno} ({error.msg}); download the thread's .json again",
            name,
            error.lineno,
        ) from None
    if not isinstance(listings, list) or len(listings) != 2:
        raise not_a_thread(name, "expected a list of two Listings (the submission, then the comments)")
    submission = next(iter(listing_children(listings[0], name)), None)
    if not (isinstance(submission, dict) and submission.get("kind") == "t3" and isinstance(submission.get("data"), dict)):
        raise not_a_thread(name, "the first Listing holds no submission (kind t3)")
    title, article = title_and_article(submission["data"])
    for record in comment_tree(listing_children(listings[1], name), name, skipped):
        yield None, record, title, article


def comment_tree(children: list, name: str, skipped: Counter) -> Iterator[dict]:
    """The comment records under a Listing's children, depth-first in display order."""
    for child in children:
        kind = child.get("kind") if isinstance(child, dict) else None
        if kind == "more":
            skipped["more stub"] += 1  # comments Reddit did not include in this file
            continue
        if kind != "t1" or not isinstance(child.get("data"), dict):
            raise not_a_thread(name, f"expected comments (kind t1) in the comment Listing, found kind {kind!r}")
        record = child["data"]
        yield record
        if isinstance(record.get("replies"), dict):
            yield from comment_tree(listing_children(record["replies"], name), name, skipped)


def listing_children(value, name: str) -> list:
    if not (isinstance(value, dict) and value.get("kind") == "Listing" and isinstance(value.get("data"), dict)):
        raise not_a_thread(name, "expected a Listing ({\"kind\": \"Listing\", \"data\": …})")
    children = value["data"].get("children")
    if not isinstance(children, list):
        raise not_a_thread(name, "a Listing has no list of children")
    return children


def not_a_thread(name: str, why: str) -> InputError:
    return InputError(f"not a Reddit thread .json: {why}; save the thread's URL with .json appended", name)


def dump_records(path: str | Path, name: str, encoding: str, errors: str) -> Iterator[tuple]:
    """``(line, comment record, thread title, article)`` for each line of a dump."""
    for number, line in iter_lines(path, encoding, errors):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise InputError(
                f"malformed JSON at column {error.colno} ({error.msg}); each line must be one Reddit comment object",
                name,
                number,
            ) from None
        if not isinstance(record, dict) or not COMMENT_FIELDS <= record.keys():
            raise InputError(
                f"not a Reddit comment: a comment object has {', '.join(sorted(COMMENT_FIELDS))}; "
                "give a dump of comments (not submissions), or pick another --format",
                name,
                number,
            )
        yield number, record, *title_and_article(record)


def title_and_article(record: dict) -> tuple[str, str]:
    """The title of a submission (or dump record) and its article: the title, a blank line, the selftext."""
    title = unescape(str(record.get("title") or "")).strip()
    selftext = unescape(str(record.get("selftext") or "")).strip()
    return title, "\n\n".join(part for part in (title, selftext) if part)


def to_comment(record: dict, name: str, line: int | None, thread_title: str, article: str) -> Comment:
    body = record.get("body")
    if not isinstance(body, str):
        raise InputError(f"'body' must be a string, got {type(body).__name__}", name, line)
    comment_id = str(record.get("id") or "")
    if not comment_id:
        raise InputError("a comment has no 'id'; download or dump the comments again", name, line)
    author = str(record.get("author") or "")
    removed = body.strip() in REMOVED
    labeled = [label for label in LABELS if label in record]
    row = {
        "id": comment_id,
        "thread_id": without_prefix(record.get("link_id")),
        "parent_id": "" if str(record.get("parent_id")).startswith("t3_") else without_prefix(record.get("parent_id")),
        "author": author,
        "status": "deleted" if removed else "approved",
        "text": "" if removed else unescape(body),
        "thread_title": thread_title,
        "permalink": str(record.get("permalink") or ""),
        "created_utc": record.get("created_utc", ""),
        "body": body,
        **{label: record[label] for label in labeled},
    }
    return Comment(
        text=row["text"],
        id=comment_id,
        thread_id=row["thread_id"],
        parent_id=row["parent_id"],
        author="" if author in REMOVED else author,  # "[deleted]" is nobody's name
        article=article,
        labels={label: parse_label(record[label], label, name, line, "line") for label in labeled},
        row=row,
    )


def without_prefix(fullname) -> str:
    """"t1_abc" → "abc": Reddit's type-prefixed ids ("fullnames") without the type."""
    return str(fullname or "").split("_", 1)[-1]


def unescape(text: str) -> str:
    return ESCAPED.sub(lambda match: UNESCAPED[match.group(1)], text)
