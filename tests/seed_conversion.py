"""The seed thread as a WordPress, Disqus and Reddit export, for round-trip tests of the readers.

Each function turns the comments of the plain-text seed export into the text of one export
file: the comments become top-level comments without authors, in the same order, with their
paragraphs and line breaks written as the platform writes them, so that reading the file back
gives the same comment texts and an article with the same words.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from moderation.comments import Comment
from moderation.io.readers import ReadOptions, read_comments

SEED_THREAD = Path(__file__).resolve().parent.parent / "labels" / "threads" / "havana-times-cuba-north-korea.txt"
DATE = "2015-09-15 12:00:00"


def seed_comments() -> list[Comment]:
    return list(read_comments(SEED_THREAD, ReadOptions(format="thread")))


def title_and_body(article: str) -> tuple[str, str]:
    """The export's article is its title line, then the body."""
    title, _, body = article.partition("\n")
    return title.strip(), body.strip()


def to_html(text: str) -> str:
    """Paragraphs as ``<p>``, line breaks as ``<br />``, special characters escaped."""
    return "".join(
        "<p>" + "<br />".join(html.escape(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in text.split("\n\n")
    )


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def to_wordpress(comments: list[Comment]) -> str:
    """A WXR file with one post (the article) carrying the comments."""
    title, body = title_and_body(comments[0].article)
    entries = "".join(
        f"""
      <wp:comment>
        <wp:comment_id>{number}</wp:comment_id>
        <wp:comment_author>{cdata("")}</wp:comment_author>
        <wp:comment_date_gmt>{DATE}</wp:comment_date_gmt>
        <wp:comment_content>{cdata(to_html(comment.text))}</wp:comment_content>
        <wp:comment_approved>1</wp:comment_approved>
        <wp:comment_type>comment</wp:comment_type>
        <wp:comment_parent>0</wp:comment_parent>
      </wp:comment>"""
        for number, comment in enumerate(comments, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/">
  <channel>
    <title>Havana Times</title>
    <wp:wxr_version>1.2</wp:wxr_version>
    <item>
      <title>{cdata(title)}</title>
      <link>https://havanatimes.example/cuba-north-korea/</link>
      <content:encoded>{cdata(to_html(body))}</content:encoded>
      <wp:post_id>1</wp:post_id>
      <wp:post_type>post</wp:post_type>{entries}
    </item>
  </channel>
</rss>
"""


def to_disqus(comments: list[Comment]) -> str:
    """A Disqus export with one thread; Disqus keeps only a title, so it holds the whole article."""
    title = " ".join(comments[0].article.split())
    posts = "".join(
        f"""
  <post dsq:id="{1000 + number}">
    <message>{cdata(to_html(comment.text))}</message>
    <createdAt>2015-09-15T12:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><name></name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="1" />
  </post>"""
        for number, comment in enumerate(comments, start=1)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1">
    <id>cuba-north-korea</id>
    <link />
    <title>{html.escape(title)}</title>
  </thread>{posts}
</disqus>
"""


def reddit_escape(text: str) -> str:
    """Reddit's JSON escapes these three characters in markdown bodies."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_reddit(comments: list[Comment]) -> str:
    """A thread's .json: the article as a self post, the comments at top level."""
    title, body = title_and_body(comments[0].article)
    submission = {
        "kind": "t3",
        "data": {"id": "seed", "name": "t3_seed", "title": reddit_escape(title), "selftext": reddit_escape(body), "author": ""},
    }
    children = [
        {
            "kind": "t1",
            "data": {
                "id": f"c{number}",
                "name": f"t1_c{number}",
                "parent_id": "t3_seed",
                "link_id": "t3_seed",
                "author": "",
                "body": reddit_escape(comment.text),
                "created_utc": 1442318400.0,
                "replies": "",
            },
        }
        for number, comment in enumerate(comments, start=1)
    ]
    listings = [{"kind": "Listing", "data": {"children": [submission]}}, {"kind": "Listing", "data": {"children": children}}]
    return json.dumps(listings, ensure_ascii=False)


CONVERSIONS = {"wordpress": (to_wordpress, ".xml"), "disqus": (to_disqus, ".xml"), "reddit": (to_reddit, ".json")}
