"""Reddit comments: the JSON Reddit's API gives, or a newline-delimited dump of comments.

The API's JSON comes in several shapes, all read here:

* a thread's ``.json`` (its URL with ``.json`` appended): a list of two Listings, the
  submission (kind ``t3``: ``id``, ``title``, ``selftext``) then the comments;
* a Listing of comments (a user's page, ``/r/sub/comments.json``), or a list of Listings;
* a ``morechildren`` response: ``{"json": {"data": {"things": [...]}}}``.

A Listing is ``{"kind": "Listing", "data": {"children": [...]}}``; a comment (kind ``t1``) has
``id``, ``name``, ``parent_id`` and ``link_id`` with their ``t1_``/``t3_`` prefixes,
``author``, ``body``, ``created_utc``, ``permalink``, and ``replies``, a Listing of the replies
or "". Comments are read depth-first in display order. The document is parsed without
recursion and each comment is shrunk to the fields used as soon as it is read, so a reply
chain thousands deep is fine and memory holds little more than the comments' text.

``more`` objects stand for comments the file does not contain: Reddit's "load more comments"
(``count`` of them) and "continue this thread" (a count of 0: replies deeper than the page
showed). Both are counted, so the summary says how many comments were not checked.

A dump (as in public archives) has one comment object per line with the same fields and no
``replies``; it is streamed. A dump comment's article is its ``title`` and ``selftext`` when
the record has them; a comment of a Listing without its submission has its ``link_title``.
Records may carry our label fields (off_topic, hostile, ad_hominem).

Reddit escapes ``&``, ``<`` and ``>`` in bodies and titles, and a body may hold HTML entities
that Reddit displays as characters (``&#3232;_&#3232;`` is ಠ_ಠ): the text is the body as
displayed. A body of ``[removed]`` or ``[deleted]`` has status "deleted" and empty text (the
comment itself is gone); every other comment is "approved". A thread's id is the submission
id, and a parent id is "" when the parent is the submission.

``Comment.row`` keys, in this order: ``id``, ``thread_id``, ``parent_id``, ``author`` (as
given, e.g. "[deleted]"), ``status``, ``text`` (the body as displayed), ``thread_title``,
``permalink``, ``created_utc`` (seconds since 1970, as given), ``body`` (the body exactly as
in the file), then any of off_topic, hostile, ad_hominem the record has.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import NamedTuple

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.json_values import JSONText, json_object, parse_document
from moderation.io.readers.tabular import is_null, label_of_column, labels_of, parse_label

REMOVED = {"[removed]", "[deleted]"}
COMMENT_FIELDS = {"body", "link_id", "parent_id"}
KINDS = ("Listing", "t1", "t3", "more")
KIND_PATTERN = re.compile(r'"kind"\s*:\s*"(?:Listing|t1|t3|more)"|"things"\s*:')
KEPT_FIELDS = frozenset({"id", "name", "parent_id", "link_id", "link_title", "author", "body", "permalink", "created_utc"})
NOT_LOADED = "comment not in the file (Reddit's \"load more comments\")"
NOT_SHOWN = "link to replies not in the file (Reddit's \"continue this thread\")"
DOCUMENT_HINT = "save the API's response again (the thread's URL with .json appended)"


class Listing(NamedTuple):
    """A Listing, shrunk to its children (as :func:`shrink` left them)."""

    children: list


class Thing(NamedTuple):
    """A comment (t1), submission (t3) or ``more`` stub, with only the fields we use."""

    kind: str
    data: dict
    replies: list


def first_record(head: str) -> dict | None:
    """The JSON object on the first line of ``head``, if the line is complete and is one."""
    line_end = head.find("\n")
    if not head.startswith("{") or line_end < 0:
        return None
    try:
        return json_object(head[:line_end], "", 1)
    except InputError:
        return None


def reddit_shape(head: str) -> str | None:
    """"document" or "dump" if the start of a file is Reddit's JSON, else None."""
    record = first_record(head)
    if record is not None:
        if COMMENT_FIELDS <= record.keys() and "kind" not in record:
            return "dump"
        return "document" if record.get("kind") in KINDS or "json" in record else None
    return "document" if KIND_PATTERN.search(head) else None


def shrink(value: dict):
    """A Reddit object as the parser closes it: Listings and things shrunk to what we use."""
    kind, data = value.get("kind"), value.get("data")
    if kind not in KINDS or not isinstance(data, dict):
        return value
    if kind == "Listing":
        children = data.get("children")
        return Listing(children if isinstance(children, list) else [])
    replies = data.get("replies")
    if kind == "t1":  # a comment: its fields, and any labels added to it (spelled any way)
        fields = {key: value for key, value in data.items() if key in KEPT_FIELDS or label_of_column(key)}
    else:
        kept = ("count", "children") if kind == "more" else ("id", "name", "title", "selftext")
        fields = {key: data[key] for key in kept if key in data}
    if kind == "more":
        fields["children"] = len(fields["children"]) if isinstance(fields.get("children"), list) else 0
    return Thing(kind, fields, replies.children if isinstance(replies, Listing) else [])


def read_reddit(source, report) -> Iterator[Comment]:
    """Yield the comments of Reddit JSON or a dump in order (see the module docstring).

    ``source.options.statuses`` keeps only comments with these statuses (None keeps all);
    ``report.skipped`` counts each comment not yielded, and the comments ``more`` stubs stand for.
    """
    name, statuses = source.name, source.options.statuses
    first = first_record(source.head().text)
    if first is not None and "kind" not in first and "json" not in first:
        records = dump_records(source)
    else:
        records = document_records(source, report)
    found = 0
    for line, record, thread_title, article in records:
        found += 1
        comment = to_comment(record, name, line, thread_title, article)
        if statuses is not None and comment.row["status"] not in statuses:
            report.skipped[f"comment with status {comment.row['status']}"] += 1
            continue
        yield comment
    if not found:
        raise InputError("no comments in this file; download the thread's .json again once it has comments", name)


def document_records(source, report) -> Iterator[tuple]:
    """``(None, comment record, thread title, article)`` for each comment of a JSON document."""
    name = source.name
    root = parse_document(source.chunks(), name, shrink, DOCUMENT_HINT)
    if isinstance(root, list):
        stack = [iter(root)]
    elif isinstance(root, (Listing, Thing)) or (isinstance(root, dict) and "json" in root):
        stack = [iter([root])]
    else:
        raise not_reddit(name, "expected a Listing, a list of Listings, a morechildren response or comments")
    submissions: dict[str, tuple[str, str]] = {}  # "t3_<id>" → (title, article)
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node, Listing):
            stack.append(iter(node.children))
        elif isinstance(node, dict) and "json" in node:
            stack.append(iter(morechildren_things(node, name)))
        elif not isinstance(node, Thing):
            raise not_reddit(name, f"found {describe(node)} where Reddit has Listings and comments")
        elif node.kind == "t3":
            title, article = title_and_article(node.data)
            submissions["t3_" + str(node.data.get("id", ""))] = (title, article)
        elif node.kind == "more":
            count = as_count(node.data.get("count")) or node.data.get("children", 0)
            if count:
                report.skipped[NOT_LOADED] += count
            else:
                report.skipped[NOT_SHOWN] += 1
        else:  # a comment, then its replies
            record = node.data
            link_title = displayed(record.get("link_title"))
            title, article = submissions.get(str(record.get("link_id")), (link_title, link_title))
            yield None, record, title, article
            stack.append(iter(node.replies))


def morechildren_things(response: dict, name: str) -> list:
    """The things of a ``morechildren`` response; an :class:`InputError` if it has no
    ``{"json": {"data": {"things": [...]}}}``."""
    things = response.get("json")
    for key in ("data", "things"):
        things = things.get(key) if isinstance(things, dict) else None
    if not isinstance(things, list):
        raise not_reddit(name, 'a morechildren response without {"json": {"data": {"things": [...]}}}')
    return things


def describe(value) -> str:
    """A value found where Listings and things belong, for an error: its kind, "an array", or
    its first 20 characters."""
    if isinstance(value, dict):
        kind = value.get("kind")
        return f"kind {kind!r}" if kind is not None else "an object without a kind"
    return "an array" if isinstance(value, list) else f"the value {str(value)[:20]!r}"


def as_count(value) -> int:
    """A ``more`` stub's ``count``; 0 unless it is a non-negative integer under 10 digits (the
    caller then counts the stub's children)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def not_reddit(name: str, why: str) -> InputError:
    """The error for a document that is not Reddit's JSON: ``why``, and how to save it again."""
    return InputError(f"not Reddit comments: {why}; {DOCUMENT_HINT}", name)


def dump_records(source) -> Iterator[tuple]:
    """``(line, comment record, thread title, article)`` for each line of a dump."""
    what = "each line must be one Reddit comment object"
    for number, line in source.lines():
        if not line.strip():
            continue
        record = json_object(line, source.name, number, what)
        if not COMMENT_FIELDS <= record.keys():
            raise InputError(
                f"not a Reddit comment: a comment object has {', '.join(sorted(COMMENT_FIELDS))}; "
                "give a dump of comments (not submissions), or pick another --format",
                source.name,
                number,
            )
        yield number, record, *title_and_article(record)


def displayed(value) -> str:
    """Reddit text as displayed: its escaping undone, then the entities it shows as characters."""
    return "" if is_null(value) else unescape(unescape(str(value)))


def title_and_article(record: dict) -> tuple[str, str]:
    """The title of a submission (or dump record) and its article: the title, a blank line, the selftext."""
    title = displayed(record.get("title")).strip()
    selftext = displayed(record.get("selftext")).strip()
    return title, "\n\n".join(part for part in (title, selftext) if part)


def to_comment(record: dict, name: str, line: int | None, thread_title: str, article: str) -> Comment:
    """The :class:`Comment` of a comment record, its row as the module docstring lists; an
    :class:`InputError` naming ``line`` if the record has no string ``body`` or no ``id``."""
    body = record.get("body")
    if not isinstance(body, str) or isinstance(body, JSONText):
        kind = body.kind if isinstance(body, JSONText) else "nothing"
        raise InputError(f"'body' must be a string, got {kind}", name, line)
    comment_id = "" if is_null(record.get("id")) else str(record.get("id"))
    if not comment_id:
        raise InputError("a comment has no 'id'; download or dump the comments again", name, line)
    author = "" if is_null(record.get("author")) else str(record.get("author"))
    removed = body.strip() in REMOVED
    labeled = labels_of(record, name, line, "line")
    row = {
        "id": comment_id,
        "thread_id": without_prefix(record.get("link_id")),
        "parent_id": "" if str(record.get("parent_id")).startswith("t3_") else without_prefix(record.get("parent_id")),
        "author": author,
        "status": "deleted" if removed else "approved",
        "text": "" if removed else displayed(body),
        "thread_title": thread_title,
        "permalink": "" if is_null(record.get("permalink")) else str(record.get("permalink")),
        "created_utc": record.get("created_utc", ""),
        "body": body,
        **{label: record[column] for label, column in labeled.items()},
    }
    return Comment(
        text=row["text"],
        id=comment_id,
        thread_id=row["thread_id"],
        parent_id=row["parent_id"],
        author="" if author in REMOVED else author,  # "[deleted]" is nobody's name
        article=article,
        labels={label: parse_label(record[column], label, name, line, "line") for label, column in labeled.items()},
        row=row,
    )


def without_prefix(fullname) -> str:
    """"t1_abc" → "abc": Reddit's type-prefixed ids ("fullnames") without the type."""
    return "" if is_null(fullname) else str(fullname).split("_", 1)[-1]
