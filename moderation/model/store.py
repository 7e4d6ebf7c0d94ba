"""Saving and loading models: a folder with arrays, metadata and a model card.

A model folder holds ``model.npz`` (NumPy arrays only, read with ``allow_pickle=False``, so
loading can never run code; everything that decides a score or a flag, thresholds included),
``metadata.json`` (what the arrays hold, versions, data digest, metrics, the sha256 of
``model.npz``) and ``MODEL_CARD.md``. A model is used only when the sha256 of its arrays
matches the metadata and, for the shipped default model, the digest pinned below, and when its
arrays have the shapes the scorer expects. Folders are built beside the target and swapped
in under the durable policy (:mod:`moderation.io.durable`), so the name holds a complete model,
old or new, at every moment.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.comments import LABELS
from moderation.errors import InputError, ModelError
from moderation.io import durable
from moderation.model.scorer import Scorer

MODEL_FORMAT = 2
"""Bump when the arrays or the scoring arithmetic change; older models are then refused."""

MODEL_FILE = "model.npz"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"

MAX_MODEL_FILE_BYTES = 256 << 20
MAX_ARRAY_BYTES = 1 << 30
"""Limits on a model file and on its arrays once decompressed, checked before reading: a
small compressed file can unpack to gigabytes."""

DEFAULT_MODEL_SHA256 = "a1f3c78fc58508cd37225623f5cf4c2a2a51bf6183d779e24a8978eab2139cc8"
"""sha256 of the shipped ``models/default/model.npz``; a swapped file is refused."""

HOSTILITY_PRIOR_SHA256 = "cf73a0aa3ce14d33fbf0bcfa5071f6124721e2dd2c4f8733df53f10c74399278"
"""sha256 of the shipped ``models/hostility-prior/model.npz``, which every trained model builds on."""

def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` with fixed member timestamps, so the same arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_model(target: Path, arrays: dict[str, np.ndarray], metadata: dict, render_card) -> dict:
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
    payload = npz_bytes(arrays)
    thresholds = {label: float(t) for label, t, trained in zip(LABELS, arrays["thresholds"], arrays["trained"]) if trained}
    metadata = {
        **metadata,
        "labels": list(LABELS),
        "thresholds": thresholds,
        "format": MODEL_FORMAT,
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

    def thresholds_with(self, overrides: dict[str, float]) -> dict[str, float]:
        """The model's thresholds with some replaced (``--threshold``)."""
        return {**self.thresholds, **overrides}


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


def arrays_from_bytes(payload: bytes, expected_sha256: list[str], source: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` payload whose digest is each of the expected ones.

    Never unpickles, and reads an array only after its header shows it fits the limits.
    """
    actual = hashlib.sha256(payload).hexdigest()
    for expected in expected_sha256:
        if actual != expected:
            raise ModelError(
                f"{source}: sha256 {actual} does not match the expected {expected}; the file was changed or "
                "replaced, so it will not be loaded. Retrain with `moderation train` or restore the file."
            )
    arrays = {}
    budget = MAX_ARRAY_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            for member in archive.infolist():
                name = member.filename.removesuffix(".npy")
                with archive.open(member) as stream:
                    version = np.lib.format.read_magic(stream)
                    if version not in ((1, 0), (2, 0)):
                        raise ModelError(f"{source}: array {name} is in .npy format {version}; retrain the model")
                    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                    shape, _, dtype = read_header(stream)
                    size = math.prod(shape) * dtype.itemsize
                    if dtype.hasobject or size > member.file_size or size > budget:
                        raise ModelError(f"{source}: array {name} declares {size:,} bytes, more than the model holds or allows; retrain the model")
                    budget -= size
                with archive.open(member) as stream:
                    arrays[name] = np.lib.format.read_array(stream, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ModelError(f"{source}: not a readable model ({error}); retrain the model") from None
    return arrays


def read_model(model_dir: Path, expected_sha256: str | None = None) -> tuple[dict[str, np.ndarray], dict, bytes]:
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
    arrays = arrays_from_bytes(payload, expected, str(path))
    if metadata.get("format") != MODEL_FORMAT:
        raise ModelFormatError(
            f"{model_dir}: model format {metadata.get('format')} (moderation {metadata.get('moderation_version', '?')}) "
            f"but this moderation reads format {MODEL_FORMAT}; retrain it with `{metadata.get('command', 'moderation train DATA')}`"
        )
    return arrays, metadata, payload


def load_model(model_dir: Path, expected_sha256: str | None = None) -> LoadedModel:
    """The verified model in ``model_dir``, ready to score.

    Refuses metadata that disagrees with the arrays on what decides a flag (labels,
    thresholds): the digest covers the arrays, so those live there, and an edited
    ``metadata.json`` must not pass for the model.
    """
    model_dir = Path(model_dir)
    arrays, metadata, payload = read_model(model_dir, expected_sha256)
    scorer = Scorer(arrays, str(model_dir / MODEL_FILE))
    recorded = metadata.get("thresholds")
    if metadata.get("labels") != list(LABELS) or not isinstance(recorded, dict) or set(recorded) != set(scorer.thresholds) or any(
        not isinstance(recorded[label], (int, float)) or abs(recorded[label] - value) > 1e-9 for label, value in scorer.thresholds.items()
    ):
        raise ModelError(
            f"{model_dir / METADATA_FILE}: its labels or thresholds differ from those recorded in {MODEL_FILE}; "
            "restore the file or retrain the model (to change a threshold when scoring, use --threshold LABEL=VALUE)"
        )
    return LoadedModel(model_dir, metadata, scorer, payload)
