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
post whose thread is not in the file gets an empty article. A message is HTML, usually in
CDATA; when its HTML was exported as XML elements instead, they are read as HTML too, so no
word after a ``<b>`` or ``<a>`` is lost. Spam and deleted posts are read like the others (and
labeled, unless ``--status`` leaves them out); ``label`` counts them in its summary.

``Comment.row`` keys, in this order: ``id`` (the post's dsq:id), ``thread_id`` (the thread's
dsq:id), ``parent_id`` ("" at top level), ``author`` (the author's display name), ``status``
(approved, spam or deleted), ``text`` (the plain text), ``thread_title``, ``link`` (the
thread's URL), ``createdAt`` and ``message`` (the post's original HTML).
"""

from __future__ import annotations

from collections.abc import Iterator

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.html import html_to_text
from moderation.io.readers.xml_stream import XMLRecord, XMLRoot, xml_records

NAMESPACE = "http://disqus.com"
INTERNALS = "http://disqus.com/disqus-internals"
DSQ_ID = "dsq:id"
FIELDS = {
    ("disqus", "thread"): frozenset({"title", "link"}),
    ("disqus", "post"): frozenset(
        {"id", "message", "createdAt", "isDeleted", "isSpam", "author/name", f"thread@{DSQ_ID}", f"parent@{DSQ_ID}"}
    ),
}


def is_disqus_root(root: XMLRoot | None) -> bool:
    """True if a document's root element is that of a Disqus export."""
    return root is not None and (root.namespace, root.name) == (NAMESPACE, "disqus")


def prefix_of(namespace: str) -> str | None:
    """The tag prefix of ``namespace`` for :func:`xml_records`: "" (bare names) for Disqus's,
    ``dsq`` for its internals, None for any other."""
    return {NAMESPACE: "", INTERNALS: "dsq"}.get(namespace)


def read_disqus(source, report) -> Iterator[Comment]:
    """Yield the posts of a Disqus export in document order (see the module docstring).

    ``source.options.statuses`` keeps only posts with these statuses (None keeps all);
    ``report.skipped`` counts each post not yielded by reason.
    """
    name, statuses = source.name, source.options.statuses

    def check_root(root: XMLRoot) -> None:
        if not is_disqus_root(root):
            raise InputError(
                "not a Disqus export: expected a <disqus> root element in the http://disqus.com namespace; "
                "export the comments from the Disqus admin, or pick another --format",
                name,
            )

    threads: dict[str, tuple[str, str]] = {}  # dsq:id → (title, link)
    found = 0
    for element in xml_records(source.chunks(), name, FIELDS, prefix_of, check_root):
        if element.tag == "thread":
            threads[element.attributes.get(DSQ_ID, "")] = (element.text("title"), element.text("link"))
            continue
        found += 1
        status = post_status(element)
        if statuses is not None and status not in statuses:
            report.skipped[f"comment with status {status}"] += 1
            continue
        post_id = element.attributes.get(DSQ_ID) or element.text("id")
        if not post_id:
            raise InputError("a post (which ends on this line) has no dsq:id; export the comments again", name, element.line)
        thread_id = element.fields.get(f"thread@{DSQ_ID}", "")
        title, link = threads.get(thread_id, ("", ""))
        message = element.fields.get("message", "")
        row = {
            "id": post_id,
            "thread_id": thread_id,
            "parent_id": element.fields.get(f"parent@{DSQ_ID}", ""),
            "author": element.text("author/name"),
            "status": status,
            "text": html_to_text(message),
            "thread_title": title,
            "link": link,
            "createdAt": element.text("createdAt"),
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


def post_status(post: XMLRecord) -> str:
    """spam, deleted or approved, from the post's isSpam and isDeleted."""
    if post.text("isSpam").lower() == "true":
        return "spam"
    if post.text("isDeleted").lower() == "true":
        return "deleted"
    return "approved"
