"""Inputs shared by the `moderation review` and `label --html` tests: comments built to break out."""

from __future__ import annotations

import json
from pathlib import Path

PWNED = "window.__pwned = true; document.title = 'pwned'"
BREAKOUTS = {
    "script": f"<script>{PWNED}</script> you are an idiot",
    "closing": f"</script><script>{PWNED}</script></textarea></style><!-- you idiot",
    "attribute": f"\"><img src=x onerror=\"{PWNED}\"> stupid moron",
    "link": f"javascript:{PWNED} <a href=\"javascript:{PWNED}\">click, idiot</a> and http://evil.example/x",
    "rtl": "\u202eyou are an idiot\u202c \u2066gnp.exe\u2069 \u200f",
    "separators": "line\u2028separator\u2029and &amp; &lt;b&gt; < > & you moron",
    "emoji": "😀 you idiot 😀 " * 3,
}
HOSTILE_AUTHOR = "<img src=x onerror=alert(1)>\u202eevil"
HOSTILE_TITLE = "<script>alert('title')</script> Title"
BIG_COMMENT_CHARS = 1_000_000
CHAIN = 5_000


def hostile_rows() -> list[dict]:
    """Comments built to break out: markup, script, links, direction overrides, a 1 MB
    comment, and a chain of 5,000 replies, each answering the one before."""
    article = f"{HOSTILE_TITLE}\n\nThe council voted on the new parking charges. <b>bold</b> javascript:alert(1)"
    rows = [
        {"id": name, "thread_id": "attacks", "parent_id": "", "author": HOSTILE_AUTHOR, "article": article, "text": text}
        for name, text in BREAKOUTS.items()
    ]
    rows.append({"id": "big", "thread_id": "attacks", "parent_id": "script", "author": "big", "article": article,
                 "text": ("you idiot <script>" + "x" * 80 + "\n") * (BIG_COMMENT_CHARS // 99)})
    rows += [
        {"id": f"r{n}", "thread_id": "chain", "parent_id": f"r{n - 1}" if n else "", "author": f"user{n % 5}",
         "article": "Replies\n\nA long chain of replies.", "text": f"reply {n}: you are wrong, idiot"}
        for n in range(CHAIN)
    ]
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Rows as JSON Lines."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path
