"""What Coral Talk sends with a moderator's decision: ``comments:suggestscore`` with a context blob.

When a moderator approves or rejects a comment, Coral (``server/src/core/server/services/
perspective/perspective.ts`` in coralproject/talk) sends the comment's text, a score of 0
(approved) or 1 (rejected) for its configured attribute (TOXICITY by default; older versions
sent the attribute names APPROVED or DELETED with 1), and, as the only context entry, a JSON
object of its own rather than an article::

    {"url": "<story URL>?commentID=<id>", "reply_to_id_Coral_comment_id": "<parent id>",
     "Coral_comment_id": "<id>"}

(``reply_to_id_Coral_comment_id`` is left out for a comment that replies to none.) A rejection
does not say why: spam, off-topic and abuse are all "rejected".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

COMMENT_ID = "Coral_comment_id"
PARENT_ID = "reply_to_id_Coral_comment_id"
COMMENT_ID_PARAMETER = "commentID"
REJECTED_IN_CORAL = "rejected in Coral"
"""The feedback row's reason for a rejected comment: its labels wait for a person."""


@dataclass(frozen=True)
class CoralComment:
    """The comment a Coral suggestion is about: its id, its parent's, and its story's URL."""

    comment_id: str
    parent_id: str
    story_url: str


def coral_comment(entry: str) -> CoralComment | None:
    """The comment Coral's context blob describes, or None when ``entry`` is not such a blob
    (a JSON object naming a ``Coral_comment_id``). A blob with fields of the wrong kind is a
    ValueError naming the field."""
    if not entry.startswith("{") or COMMENT_ID not in entry:
        return None
    try:
        blob = json.loads(entry)
    except (ValueError, RecursionError):
        return None
    if not isinstance(blob, dict) or COMMENT_ID not in blob:
        return None
    for name in (COMMENT_ID, PARENT_ID, "url"):
        if blob.get(name) is not None and not isinstance(blob[name], str):
            raise ValueError(f"Coral's context field {name} must be a string")
    if not blob.get(COMMENT_ID):
        raise ValueError(f"Coral's context field {COMMENT_ID} is empty")
    return CoralComment(blob[COMMENT_ID], blob.get(PARENT_ID) or "", story_of(blob.get("url") or ""))


def story_of(url: str) -> str:
    """The story's URL: Coral's comment URL without the ``commentID`` query parameter it adds
    (the other parameters are kept as written, so every comment of a story gives one URL)."""
    parts = urlsplit(url)
    query = "&".join(part for part in parts.query.split("&") if part and part.split("=", 1)[0] != COMMENT_ID_PARAMETER)
    return urlunsplit(parts._replace(query=query))
