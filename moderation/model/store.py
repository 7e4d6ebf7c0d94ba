"""Saving and loading models: a folder with arrays, metadata and a model card.

A model folder holds ``model.npz`` (NumPy arrays only, read with ``allow_pickle=False``, so
loading can never run code), ``metadata.json`` (labels, thresholds, versions, data digest,
metrics, the sha256 of ``model.npz``) and ``MODEL_CARD.md``. A model is used only when the
sha256 of its arrays matches the metadata and, for the shipped default model, the digest
pinned below. Folders are written beside the target and renamed into place, so a model is
either complete or absent.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.model.scorer import CompactModel
from moderation.errors import InputError, ModelError
from moderation.io.writers import current_umask

MODEL_FORMAT = 1
"""Bump when the arrays or the scoring arithmetic change; older models are then refused."""

MODEL_FILE = "model.npz"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"

DEFAULT_MODEL_SHA256 = "7f3a7c27c65e4595e2d0cd3c6c7e8e498b3db8da59c478c5257be0c3fa71c2eb"
"""sha256 of the shipped ``models/default/model.npz``; a swapped file is refused."""

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def shipped_path(name: str) -> Path:
    """A folder shipped with the project (``models`` or ``labels``).

    A wheel carries them inside the package (``moderation/_shipped``); a source checkout has
    them at the top level.
    """
    installed = PACKAGE_DIR / "_shipped" / name
    return installed if installed.exists() else PACKAGE_DIR.parent / name


def default_model_dir() -> Path:
    return shipped_path("models") / "default"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "moderation"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    """Write a model folder atomically; returns the metadata as written (with the digest).

    The new folder is built and verified beside ``target``, then swapped in: an existing
    model is replaced only by a complete one, and a failure leaves it untouched.
    ``render_card(metadata)`` gives the text of the model card.
    """
    target = Path(target)
    check_model_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the model's folder ({error.strerror or error})", target) from None
    payload = npz_bytes(arrays)
    metadata = {**metadata, "format": MODEL_FORMAT, "model_sha256": hashlib.sha256(payload).hexdigest()}
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise InputError(f"cannot write the model ({error.strerror or error}); choose another --model folder", target) from None
    staging.chmod(0o777 & ~current_umask())  # mkdtemp's 0700 would hide the model from other users
    try:
        (staging / MODEL_FILE).write_bytes(payload)
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (staging / CARD_FILE).write_text(render_card(metadata), encoding="utf-8")
        read_model(staging)  # verify before it replaces anything
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, retired / target.name)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(f"cannot write the model ({error.strerror or error}); choose another --model folder", target) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return metadata


class ModelFormatError(ModelError):
    """The model was written in another model format (by another version of moderation)."""


@dataclass
class LoadedModel:
    path: Path
    metadata: dict
    scorer: CompactModel
    payload: bytes  # the verified model.npz, for worker processes to verify and load again

    def __repr__(self) -> str:
        return f"LoadedModel({str(self.path)!r})"

    @property
    def thresholds(self) -> dict[str, float]:
        return self.metadata["thresholds"]


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
    """The arrays of an ``.npz`` payload whose digest is each of the expected ones (never unpickles)."""
    actual = hashlib.sha256(payload).hexdigest()
    for expected in expected_sha256:
        if actual != expected:
            raise ModelError(
                f"{source}: sha256 {actual} does not match the expected {expected}; the file was changed or "
                "replaced, so it will not be loaded. Retrain with `moderation train` or restore the file."
            )
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ModelError(f"{source}: not a readable model ({error}); retrain the model") from None


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


def load_model(model_dir: Path | None = None) -> LoadedModel:
    """A verified model ready to score; the shipped default when ``model_dir`` is None."""
    if model_dir is None:
        return load_default_model()
    arrays, metadata, payload = read_model(Path(model_dir))
    return LoadedModel(Path(model_dir), metadata, CompactModel(arrays), payload)


def load_default_model() -> LoadedModel:
    """The shipped model, or — if it was written in an older model format — one rebuilt from
    the shipped labels into the cache folder (a few seconds, once)."""
    path = default_model_dir()
    try:
        arrays, metadata, payload = read_model(path, expected_sha256=DEFAULT_MODEL_SHA256)
    except ModelFormatError as error:
        return rebuilt_default_model(str(error))
    return LoadedModel(path, metadata, CompactModel(arrays), payload)


def rebuilt_default_model(reason: str) -> LoadedModel:
    from moderation.commands.train import load_training_data, train

    labels = shipped_path("labels")
    target = cache_dir() / f"default-format-{MODEL_FORMAT}"
    wanted = load_training_data([labels]).sha256
    try:
        arrays, metadata, payload = read_model(target)
        if metadata["data"]["sha256"] == wanted:
            return LoadedModel(target, metadata, CompactModel(arrays), payload)
    except ModelError:
        pass
    notice(f"the shipped model cannot be used ({reason}); rebuilding it from {labels} into {target}")
    train([labels], target, command=f"moderation train {labels} --model {target}")
    arrays, metadata, payload = read_model(target)
    return LoadedModel(target, metadata, CompactModel(arrays), payload)


def notice(message: str) -> None:
    print(f"moderation: {message}", file=sys.stderr)
