"""WordPress export files (WXR: Tools → Export in the WordPress dashboard).

WXR is RSS 2.0 with the ``wp`` namespace ``http://wordpress.org/export/<version>/``. Each
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
        <wp:comment_approved>1</wp:comment_approved>   1, 0 (pending), spam, trash
        <wp:comment_type>comment</wp:comment_type>      "", comment, pingback, trackback, …
        <wp:comment_parent>0</wp:comment_parent>        0 = top level
      </wp:comment>
    </item>

WordPress stores comments and classic-editor posts with bare newlines that it shows as line
and paragraph breaks (``wpautop``), so their HTML is converted with newlines kept as breaks;
block-editor posts (``<!-- wp:… -->`` markup) are shown as plain HTML. The article
of a comment is its post's title, a blank line and the post's text. Pingbacks and trackbacks
are not comments anyone wrote here: they are skipped and counted.

``Comment.row`` keys, in this order: ``id``, ``thread_id`` (the post id), ``parent_id`` ("" at
top level), ``author``, ``status`` (approved, pending, spam or trash), ``text`` (the plain
text), ``post_title``, ``link`` (the post's URL), ``comment_date_gmt``, ``comment_type`` and
``comment_content`` (the comment's original HTML).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers.html import html_to_text
from moderation.io.readers.xml_stream import child_text, xml_elements, xml_root

WP_NAMESPACE = re.compile(r"^http://wordpress\.org/export/[\d.]+/$")
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
STATUSES = {"1": "approved", "0": "pending", "spam": "spam", "trash": "trash", "post-trashed": "trash"}
SKIPPED_TYPES = {"pingback", "trackback"}
BLOCK_MARKUP = "<!-- wp:"


def wxr_namespace(root: tuple[str, set[str]] | None) -> str | None:
    """The ``wp`` namespace of a WXR file given its :func:`xml_root`, or None if it is not WXR."""
    if root is None or root[0] != "rss":
        return None
    return next((namespace for namespace in sorted(root[1]) if WP_NAMESPACE.match(namespace)), None)


def read_wordpress(
    path: str | Path,
    encoding: str = "utf-8",
    errors: str = "strict",
    statuses: set[str] | None = None,
    skipped: Counter | None = None,
) -> Iterator[Comment]:
    """Yield the comments of a WXR file in document order (see the module docstring).

    ``statuses`` keeps only comments with these statuses (None keeps all); ``skipped`` counts
    each comment not yielded by reason.
    """
    name = str(path)
    skipped = Counter() if skipped is None else skipped
    namespace = wxr_namespace(xml_root(path, encoding, errors))
    if namespace is None:
        raise InputError(
            "not a WordPress export (WXR): expected an <rss> document with the http://wordpress.org/export/ namespace; "
            "export with Tools → Export in WordPress, or pick another --format",
            name,
        )
    wp = "{" + namespace + "}"
    found = 0
    for number, item in xml_elements(path, depth=2, encoding=encoding, errors=errors):
        comments = item.findall(wp + "comment")
        if item.tag != "item" or not comments:
            continue
        post_id = child_text(item, wp + "post_id")
        post_title = html_to_text(child_text(item, "title"))
        post_html = child_text(item, CONTENT_ENCODED)
        body = html_to_text(post_html, newlines_are_breaks=BLOCK_MARKUP not in post_html)
        article = "\n\n".join(part for part in (post_title, body) if part)
        for element in comments:
            found += 1
            comment_type = child_text(element, wp + "comment_type")
            if comment_type in SKIPPED_TYPES:
                skipped[comment_type] += 1
                continue
            approved = child_text(element, wp + "comment_approved")
            status = STATUSES.get(approved, approved)
            if statuses is not None and status not in statuses:
                skipped[f"status {status}"] += 1
                continue
            comment_id = child_text(element, wp + "comment_id")
            if not comment_id:
                raise InputError(
                    f"a comment of post {post_id or '?'} (which ends on this line) has no wp:comment_id; export the site again",
                    name,
                    number,
                )
            parent = child_text(element, wp + "comment_parent")
            content = element.findtext(wp + "comment_content") or ""
            row = {
                "id": comment_id,
                "thread_id": post_id,
                "parent_id": "" if parent in ("", "0") else parent,
                "author": child_text(element, wp + "comment_author"),
                "status": status,
                "text": html_to_text(content, newlines_are_breaks=True),
                "post_title": post_title,
                "link": child_text(item, "link"),
                "comment_date_gmt": child_text(element, wp + "comment_date_gmt"),
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
    if not found:
        raise InputError("the export has no comments; export All content (posts with their comments) from WordPress", name)
