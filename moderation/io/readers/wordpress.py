"""WordPress export files (WXR: Tools → Export in the WordPress dashboard).

WXR is RSS 2.0 with the ``wp`` namespace ``http://wordpress.org/export/<version>/`` (``https``
on WordPress.com, which WordPress's importer accepts too). Each
``item`` of the ``channel`` is a post, page or attachment, and holds its comments::

    <item>
      <title>…</title> <link>…</link>
      <content:encoded><![CDATA[article HTML]]></content:encoded>
      <wp:post_id>12</wp:post_id>
      <wp:comment>
        <wp:comment_id>7</wp:comment_id>
        <wp:comment_author><![CDATA[José Müller]]></wp:comment_author>
        <wp:comment_date_gmt>2024-03-01 09:15:00</wp:comment_date_gmt>
        <wp:comment_content><![CDATA[comment HTML]]></wp:comment_content>
        <wp:comment_approved>1</wp:comment_approved>   1, 0 (pending), spam, trash; none: 1
        <wp:comment_type>comment</wp:comment_type>      "", comment, pingback, trackback, …
        <wp:comment_parent>0</wp:comment_parent>        0 = top level
      </wp:comment>
    </item>

WordPress stores comments and classic-editor posts with bare newlines that it shows as line
and paragraph breaks (``wpautop``), so their HTML is converted with newlines kept as breaks;
block-editor posts (``<!-- wp:… -->`` markup) are shown as plain HTML. The article
of a comment is its post's title, a blank line and the post's text. Pingbacks and trackbacks
are not comments anyone wrote here: they are skipped and counted. A comment without
``wp:comment_approved`` is approved, as WordPress's importer takes it. Comments are held until
their post's ``item`` ends (its title and text may follow them), one post at a time.

``Comment.row`` keys, in this order: ``id``, ``thread_id`` (the post id), ``parent_id`` ("" at
top level), ``author``, ``status`` (approved, pending, spam or trash), ``text`` (the plain
text), ``post_title``, ``link`` (the post's URL), ``comment_date_gmt``, ``comment_type`` and
``comment_content`` (the comment's original HTML).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.html import html_to_text
from moderation.io.readers.xml_stream import XMLRecord, XMLRoot, xml_records

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/[\d.]+/$")
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
STATUSES = {"1": "approved", "": "approved", "0": "pending", "spam": "spam", "trash": "trash", "post-trashed": "trash"}
SKIPPED_TYPES = {"pingback", "trackback"}
BLOCK_MARKUP = "<!-- wp:"
ITEM = ("rss", "channel", "item")
COMMENT = (*ITEM, "wp:comment")
FIELDS = {
    ITEM: frozenset({"title", "link", "content:encoded", "wp:post_id"}),
    COMMENT: frozenset(
        "wp:" + name
        for name in ("comment_id", "comment_author", "comment_date_gmt", "comment_content", "comment_approved", "comment_type", "comment_parent")
    ),
}


def wxr_namespace(root: XMLRoot | None) -> str | None:
    """The ``wp`` namespace of a WXR file given its root element, or None if it is not WXR."""
    if root is None or root.name != "rss" or root.namespace:
        return None
    return next((namespace for namespace in sorted(root.declared) if WP_NAMESPACE.match(namespace)), None)


def prefix_of(namespace: str) -> str | None:
    """The tag prefix of ``namespace`` for :func:`xml_records`: ``wp`` for any WXR version's,
    ``content`` for RSS's content module, None for any other."""
    if WP_NAMESPACE.match(namespace):
        return "wp"
    return "content" if namespace == CONTENT_NAMESPACE else None


def read_wordpress(source, report) -> Iterator[Comment]:
    """Yield the comments of a WXR file in document order (see the module docstring).

    ``source.options.statuses`` keeps only comments with these statuses (None keeps all);
    ``report.skipped`` counts each comment not yielded by reason.
    """
    name, statuses = source.name, source.options.statuses

    def check_root(root: XMLRoot) -> None:
        if wxr_namespace(root) is None:
            raise InputError(
                "not a WordPress export (WXR): expected an <rss> document with the http(s)://wordpress.org/export/ namespace; "
                "export with Tools → Export in WordPress, or pick another --format",
                name,
            )

    found = 0
    comments: list[XMLRecord] = []  # of the item being read
    for record in xml_records(source.chunks(), name, FIELDS, prefix_of, check_root):
        if record.tag == "wp:comment":
            comments.append(record)
            continue
        post_id = record.text("wp:post_id")
        post_title = html_to_text(record.text("title"))
        post_html = record.text("content:encoded")
        body = html_to_text(post_html, newlines_are_breaks=BLOCK_MARKUP not in post_html)
        article = "\n\n".join(part for part in (post_title, body) if part)
        for element in comments:
            found += 1
            comment_type = element.text("wp:comment_type")
            if comment_type in SKIPPED_TYPES:
                report.skipped[comment_type] += 1
                continue
            approved = element.text("wp:comment_approved")
            status = STATUSES.get(approved.lower(), approved.lower())
            if statuses is not None and status not in statuses:
                report.skipped[f"comment with status {status}"] += 1
                continue
            comment_id = element.text("wp:comment_id")
            if not comment_id:
                raise InputError(
                    f"a comment of post {post_id or '?'} (which ends on this line) has no wp:comment_id; export the site again",
                    name,
                    element.line,
                )
            parent = element.text("wp:comment_parent")
            content = element.fields.get("wp:comment_content", "")
            row = {
                "id": comment_id,
                "thread_id": post_id,
                "parent_id": "" if parent in ("", "0") else parent,
                "author": element.text("wp:comment_author"),
                "status": status,
                "text": html_to_text(content, newlines_are_breaks=True),
                "post_title": post_title,
                "link": record.text("link"),
                "comment_date_gmt": element.text("wp:comment_date_gmt"),
                "comment_type": comment_type,
                "comment_content": content,
            }
            yield Comment(
                text=row["text"],
                id=comment_id,
                thread_id=post_id,
                parent_id=row["parent_id"],
                author=row["author"],
                article=article,
                row=row,
            )
        comments = []
    if not found:
        raise InputError("the export has no comments; export All content (posts with their comments) from WordPress", name)
