"""The folders shipped with the project: the default model and the labels it was trained on."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_path(name: str) -> Path:
    """A folder shipped with the project (``models`` or ``labels``).

    A wheel carries them inside the package (``moderation/_shipped``); a source checkout has
    them at the top level.
    """
    installed = PACKAGE_DIR / "_shipped" / name
    return installed if installed.exists() else PACKAGE_DIR.parent / name


def default_model_dir() -> Path:
    """The shipped default model's folder."""
    return shipped_path("models") / "default"
