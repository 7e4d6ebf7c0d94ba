"""Disqus comment exports (Disqus Admin → Moderation/Community → Export, sent by e-mail).

The root element is ``disqus`` in the namespace ``http://disqus.com``; Disqus's own ids are
``dsq:id`` attributes in ``http://disqus.com/disqus-internals``. ``thread`` elements (the
articles) come first, then the ``post`` elements (the comments), which refer to their thread
and parent by ``dsq:id``::

    <thread dsq:id="7001">
      <link>https://example.org/story</link> <title>Story title</title> …
    </thread>
    <post dsq:id="9002">
      <message><![CDATA[<p>comment HTML</p>]]></message>
      <createdAt>2024-03-01T09:15:00Z</createdAt>
      <isDeleted>false</isDeleted> <isSpam>false</isSpam>
      <author><name>Zoë</name> <username>zoe</username> …</author>
      <thread dsq:id="7001"/>
      <parent dsq:id="9001"/>                        only on replies
    </post>

Only the thread's title and link are exported, so a comment's article is the title, a blank
line and the link. Threads are kept in memory (a title and link each); posts are streamed. A
post whose thread is not in the file gets an empty article.

``Comment.row`` keys, in this order: ``id`` (the post's dsq:id), ``thread_id`` (the thread's
dsq:id), ``parent_id`` ("" at top level), ``author`` (the author's display name), ``status``
(approved, spam or deleted), ``text`` (the plain text), ``thread_title``, ``link`` (the
thread's URL), ``createdAt`` and ``message`` (the post's original HTML).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.html import html_to_text
from moderation.io.readers.xml_stream import child_text, xml_elements, xml_root

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
ROOT_TAG = NS + "disqus"


def is_disqus_root(root: tuple[str, set[str]] | None) -> bool:
    """True if an :func:`xml_root` is that of a Disqus export."""
    return root is not None and root[0] == ROOT_TAG


def read_disqus(
    path: str | Path,
    encoding: str = "utf-8",
    errors: str = "strict",
    statuses: set[str] | None = None,
    skipped: Counter | None = None,
) -> Iterator[Comment]:
    """Yield the posts of a Disqus export in document order (see the module docstring).

    ``statuses`` keeps only posts with these statuses (None keeps all); ``skipped`` counts
    each post not yielded by reason.
    """
    name = str(path)
    skipped = Counter() if skipped is None else skipped
    if not is_disqus_root(xml_root(path, encoding, errors)):
        raise InputError(
            "not a Disqus export: expected a <disqus> root element in the http://disqus.com namespace; "
            "export the comments from the Disqus admin, or pick another --format",
            name,
        )
    threads: dict[str, tuple[str, str]] = {}  # dsq:id → (title, link)
    found = 0
    for number, element in xml_elements(path, depth=1, encoding=encoding, errors=errors):
        if element.tag == NS + "thread":
            threads[element.get(DSQ_ID, "")] = (child_text(element, NS + "title"), child_text(element, NS + "link"))
        elif element.tag == NS + "post":
            found += 1
            status = post_status(element)
            if statuses is not None and status not in statuses:
                skipped[f"status {status}"] += 1
                continue
            post_id = element.get(DSQ_ID) or child_text(element, NS + "id")
            if not post_id:
                raise InputError("a post (which ends on this line) has no dsq:id; export the comments again", name, number)
            thread_id = referenced_id(element, "thread")
            title, link = threads.get(thread_id, ("", ""))
            message = element.findtext(NS + "message") or ""
            row = {
                "id": post_id,
                "thread_id": thread_id,
                "parent_id": referenced_id(element, "parent"),
                "author": child_text(element, f"{NS}author/{NS}name"),
                "status": status,
                "text": html_to_text(message),
                "thread_title": title,
                "link": link,
                "createdAt": child_text(element, NS + "createdAt"),
                "message": message,
            }
            yield Comment(
                text=row["text"],
                id=post_id,
                thread_id=thread_id,
                parent_id=row["parent_id"],
                author=row["author"],
                article="\n\n".join(part for part in (title, link) if part),
                row=row,
            )
    if not found:
        raise InputError("the export has no posts (comments); export the comments from the Disqus admin again", name)


def post_status(post: ET.Element) -> str:
    if child_text(post, NS + "isSpam").lower() == "true":
        return "spam"
    if child_text(post, NS + "isDeleted").lower() == "true":
        return "deleted"
    return "approved"


def referenced_id(post: ET.Element, tag: str) -> str:
    """The dsq:id of the post's ``thread`` or ``parent`` reference; "" if it has none."""
    reference = post.find(NS + tag)
    return "" if reference is None else reference.get(DSQ_ID, "")
