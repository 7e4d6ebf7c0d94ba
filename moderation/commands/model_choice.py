"""Which model a command uses, and where ``train`` writes one.

``moderation train`` without ``--model`` writes the user's own model folder; every command
without ``--model`` then uses it, and the shipped default model only while there is none. So
a moderator's training is never silently ignored, and the shipped model is never overwritten.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from moderation.model.store import DEFAULT_MODEL_SHA256, PRIOR_SHA256, METADATA_FILE, LoadedModel, load_model
from moderation.shipped import default_model_dir, shipped_path


def user_model_dir() -> Path:
    """Where ``moderation train`` writes by default: ``$XDG_DATA_HOME/moderation/model``
    (``~/.local/share/moderation/model``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "moderation" / "model"


@dataclass(frozen=True)
class ModelChoice:
    """A model folder, why it is the one used, and its name in a few words for status lines
    and reports ("the shipped default model", "your model (FOLDER)", or the folder given)."""

    path: Path
    reason: str  # "given with --model", "your model, written by `moderation train`", "the shipped default model"
    name: str
    shipped: bool = False


def choose_model(model: Path | None) -> ModelChoice:
    """``--model`` if given; else the user's model if ``train`` wrote one; else the shipped one."""
    if model is not None:
        return ModelChoice(Path(model), "given with --model", str(model))
    user = user_model_dir()
    if (user / METADATA_FILE).exists():
        reason = "your model, written by `moderation train`; delete the folder to use the shipped model again"
        return ModelChoice(user, reason, f"your model ({user})")
    return ModelChoice(default_model_dir(), "the shipped default model", "the shipped default model", shipped=True)


def shipped_model_named(folder: Path) -> Path | None:
    """The shipped model folder (default or prior) that ``folder`` names, through
    any relative path or symlink; None if it names neither."""
    real = os.path.realpath(folder)
    for shipped in (default_model_dir(), shipped_path("models") / "prior"):
        if real == os.path.realpath(shipped) or (os.path.exists(folder) and os.path.exists(shipped) and os.path.samefile(folder, shipped)):
            return shipped
    return None


def load_chosen_model(model: Path | None) -> LoadedModel:
    """The verified model :func:`choose_model` picks (the shipped one must match its pinned digest)."""
    choice = choose_model(model)
    return load_model(choice.path, DEFAULT_MODEL_SHA256 if choice.shipped else None)


def load_prior(prior: Path | None = None) -> LoadedModel:
    """The prior training builds on (:mod:`moderation.model.prior`): the shipped one (verified
    against its pinned digest), or another prior model folder (``--prior``, for measurements)."""
    if prior is not None:
        return load_model(Path(prior))
    return load_model(shipped_path("models") / "prior", PRIOR_SHA256)
