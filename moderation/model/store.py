"""Saving and loading models: a folder with arrays, metadata and a model card.

A model folder holds ``model.npz`` (NumPy arrays only, read with ``allow_pickle=False``, so
loading can never run code; everything that decides a score or a flag, thresholds included),
``metadata.json`` (what the arrays hold, versions, data digest, metrics, the sha256 of
``model.npz``) and ``MODEL_CARD.md``. A model is used only when the sha256 of its arrays
matches the metadata and, for the shipped default model, the digest pinned below, and when it
is in this code's model format (:mod:`moderation.model.format`: version, array names, types
and shapes). Folders are built beside the target and swapped in under the durable policy
(:mod:`moderation.io.durable`), so the name holds a complete model, old or new, at every moment.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from moderation.comments import LABELS
from moderation.errors import InputError, ModelError
from moderation.io import durable
from moderation.model.format import FORMAT_VERSION, MAX_MODEL_FILE_BYTES, ModelArrays
from moderation.model.scorer import Scorer

MODEL_FILE = "model.npz"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"

DEFAULT_MODEL_SHA256 = "8706dbb4e14a96599b3609024c84cc39b0b133bf7acdef659017dcc58f115a19"
"""sha256 of the shipped ``models/default/model.npz``; a swapped file is refused."""

PRIOR_SHA256 = "0ebfdbbdbc39484511352402fd08dfe2f4546f9c04c237daba17c06c87e52d94"
"""sha256 of the shipped ``models/prior/model.npz``, which every trained model builds on."""

def write_model(target: Path, arrays: ModelArrays, metadata: dict, render_card) -> dict:
    """Write a model folder atomically; returns the metadata as written: with the digest, and
    the labels and thresholds as the arrays record them.

    The new folder is built and verified beside ``target``, then swapped in
    (:func:`moderation.io.durable.staged_folder`): the name holds the old model or the new
    one at every moment, and a failure leaves the old one untouched.
    ``render_card(metadata)`` gives the text of the model card.
    """
    target = Path(target)
    check_model_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the model's folder ({error.strerror or error})", target) from None
    payload = arrays.to_npz()
    thresholds = {label: float(t) for label, t, trained in zip(LABELS, arrays.thresholds, arrays.trained) if trained}
    metadata = {
        **metadata,
        "labels": list(LABELS),
        "thresholds": thresholds,
        "format": FORMAT_VERSION,
        "model_sha256": hashlib.sha256(payload).hexdigest(),
    }
    try:
        with durable.staged_folder(target) as staged:
            durable.write_new_file(staged.path / MODEL_FILE, payload)
            durable.write_new_file(staged.path / METADATA_FILE, (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
            durable.write_new_file(staged.path / CARD_FILE, render_card(metadata).encode("utf-8"))
            read_model(staged.path)  # verify before it replaces anything
            staged.commit()
    except OSError as error:
        raise InputError(f"cannot write the model ({error.strerror or error}); choose another --model folder", target) from None
    return metadata


class ModelFormatError(ModelError):
    """The model was written in another model format (by another version of moderation)."""


@dataclass
class LoadedModel:
    """A verified model, ready to score: where it came from, its metadata, its :class:`Scorer`,
    and the verified ``model.npz`` bytes (worker processes verify and load them again)."""

    path: Path
    metadata: dict
    scorer: Scorer
    payload: bytes

    def __repr__(self) -> str:
        return f"LoadedModel({str(self.path)!r})"

    @property
    def thresholds(self) -> dict[str, float]:
        """The flag threshold of each trained label, as the arrays record it."""
        return self.scorer.thresholds


def check_model_target(target: Path) -> None:
    """Refuse to write a model where replacing the folder would destroy something else."""
    if target.exists():
        if not target.is_dir():
            raise InputError("exists and is not a model folder; give a new folder name for --model", target)
        foreign = sorted(p.name for p in target.iterdir() if p.name not in (MODEL_FILE, METADATA_FILE, CARD_FILE))
        if foreign:
            raise InputError(
                f"is not a model folder (it holds {', '.join(foreign[:3])}{' …' if len(foreign) > 3 else ''}); "
                "training replaces the whole folder, so give a new folder name for --model",
                target,
            )
    parent = target.parent if str(target.parent) else Path(".")
    existing = next((p for p in [parent, *parent.parents] if p.exists()), Path("."))
    if not os.access(existing, os.W_OK):
        raise InputError(f"cannot write the model here: {existing} is not writable", target)


def read_metadata(model_dir: Path) -> dict:
    """A model folder's metadata.json, checked to be ours; says what to do if it is not."""
    path = Path(model_dir) / METADATA_FILE
    if not Path(model_dir).is_dir():
        raise ModelError(f"{model_dir}: no model folder here; train one with `moderation train DATA --model {model_dir}`")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; a model folder needs {MODEL_FILE} and {METADATA_FILE} (retrain it)") from None
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: unreadable ({error}); retrain the model") from None
    if not isinstance(metadata, dict) or "model_sha256" not in metadata:
        raise ModelError(f"{path}: not moderation model metadata (no model_sha256); retrain the model")
    return metadata


def check_digest(payload: bytes, expected_sha256: list[str], source: str) -> None:
    """Refuse ``model.npz`` bytes whose sha256 is not each of the expected ones."""
    actual = hashlib.sha256(payload).hexdigest()
    for expected in expected_sha256:
        if actual != expected:
            raise ModelError(
                f"{source}: sha256 {actual} does not match the expected {expected}; the file was changed or "
                "replaced, so it will not be loaded. Retrain with `moderation train` or restore the file."
            )


def arrays_from_bytes(payload: bytes, expected_sha256: list[str], source: str) -> ModelArrays:
    """The model in ``model.npz`` bytes whose digest is each of the expected ones, checked
    (:meth:`ModelArrays.from_npz`: never unpickled, sizes checked before reading)."""
    check_digest(payload, expected_sha256, source)
    return ModelArrays.from_npz(payload, source)


def read_model(model_dir: Path, expected_sha256: str | None = None) -> tuple[ModelArrays, dict, bytes]:
    """The verified arrays, metadata and raw ``model.npz`` bytes of a model folder.

    Refuses, without unpickling anything, a folder whose arrays do not match the recorded
    digest (or ``expected_sha256``), and one written in another model format.
    """
    model_dir = Path(model_dir)
    metadata = read_metadata(model_dir)
    path = model_dir / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{path}: missing; retrain the model")
    if path.stat().st_size > MAX_MODEL_FILE_BYTES:
        raise ModelError(f"{path}: {path.stat().st_size:,} bytes, larger than any model this moderation writes; retrain the model")
    payload = path.read_bytes()
    # A pinned digest must match as well as the recorded one; the pinned one is checked first.
    expected = [d for d in (expected_sha256, metadata["model_sha256"]) if d is not None]
    check_digest(payload, expected, str(path))
    if metadata.get("format") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{model_dir}: model format {metadata.get('format')} (moderation {metadata.get('moderation_version', '?')}) "
            f"but this moderation reads format {FORMAT_VERSION}; retrain it with `{metadata.get('command', 'moderation train DATA')}`"
        )
    return ModelArrays.from_npz(payload, str(path)), metadata, payload


def load_model(model_dir: Path, expected_sha256: str | None = None) -> LoadedModel:
    """The verified model in ``model_dir``, ready to score.

    Refuses metadata that disagrees with the arrays on what decides a flag (labels,
    thresholds): the digest covers the arrays, so those live there, and an edited
    ``metadata.json`` must not pass for the model.
    """
    model_dir = Path(model_dir)
    arrays, metadata, payload = read_model(model_dir, expected_sha256)
    scorer = Scorer(arrays)
    recorded = metadata.get("thresholds")
    if metadata.get("labels") != list(LABELS) or not isinstance(recorded, dict) or set(recorded) != set(scorer.thresholds) or any(
        not isinstance(recorded[label], (int, float)) or abs(recorded[label] - value) > 1e-9 for label, value in scorer.thresholds.items()
    ):
        raise ModelError(
            f"{model_dir / METADATA_FILE}: its labels or thresholds differ from those recorded in {MODEL_FILE}; "
            "restore the file or retrain the model (to change a threshold when scoring, use --threshold LABEL=VALUE)"
        )
    return LoadedModel(model_dir, metadata, scorer, payload)
