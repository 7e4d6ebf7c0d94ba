"""The page's files as shipped in the package, shared by the served page (:mod:`moderation.review.app`)
and the static report (:mod:`moderation.review.report`), which must not need the server's packages."""

from __future__ import annotations

from importlib import resources


def static_text(name: str) -> str:
    """One of the page's static files, as shipped in the package."""
    return resources.files("moderation.review").joinpath("static", name).read_text(encoding="utf-8")


def page_html(head: str) -> str:
    """The page's HTML with ``head`` (links to, or the text of, its script and styles) inserted."""
    return static_text("page.html").replace("<!--HEAD-->", head)
