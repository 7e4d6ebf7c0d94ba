"""How commands write what raised a flag (:attr:`moderation.model.verdicts.Verdict.explanation`):
as JSON (``score --explain``, ``label --explain`` in JSON Lines) or as one readable CSV cell
(``label --explain`` in CSV)."""

from __future__ import annotations

import json

from moderation.model.explanations import Reason


def explanation_json(explanation: dict[str, list[Reason]]) -> dict[str, list[dict]]:
    """Per flagged label, its reasons as objects: ``feature`` (a word or phrase of the comment,
    or ``context NAME``), ``weight`` and, for words a word list matched, ``matched`` (the
    context features that counted them)."""
    return {
        label: [
            {"feature": reason.feature, "weight": round(reason.weight, 4), **({"matched": list(reason.matched)} if reason.matched else {})}
            for reason in reasons
        ]
        for label, reasons in explanation.items()
    }


def explanation_text(explanation: dict[str, list[Reason]]) -> str:
    """Per flagged label, its reasons in one line: ``hostile: "idiot" (hostile words), "you
    are", context length; ad_hominem: …``. Words and phrases are quoted as JSON strings, so
    whatever a comment holds cannot break the line's structure."""
    return "; ".join(f"{label}: {', '.join(map(reason_text, reasons))}" for label, reasons in explanation.items())


def reason_text(reason: Reason) -> str:
    """One reason in words: a quoted word or phrase with the lists that matched it, or a
    context feature's name."""
    if not reason.in_text:
        return reason.feature
    matched = f" ({', '.join(name.replace('_', ' ') for name in reason.matched)})" if reason.matched else ""
    return json.dumps(reason.feature, ensure_ascii=False) + matched
