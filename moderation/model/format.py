"""The model format: the arrays a trained model consists of, their types and shapes, its
version, and its file (``model.npz``).

A model is one linear model over TF-IDF n-gram blocks and context features, calibrated per
label (:class:`moderation.model.scorer.Scorer` holds the arithmetic). Training builds a
:class:`ModelArrays` (:meth:`moderation.model.pipeline.ModerationClassifier.arrays`,
:func:`moderation.model.prior.fit_prior`); :mod:`moderation.model.store` writes and reads it,
and the Scorer scores with it. Every instance is checked when it is made, so a ModelArrays is
always one this code can score with.

To add an array: add a field to :class:`ModelArrays` with its :func:`spec` (type, shape, and
group if optional), fill it where models are built, use it where they are scored, and bump
:data:`FORMAT_VERSION` if older models cannot be scored without it.

The file is an ``.npz`` read without pickle (``allow_pickle=False``: loading never runs code),
and each array's size is checked against its header and the limits below before it is
decompressed.
"""

from __future__ import annotations

import dataclasses
import io
import math
import zipfile
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from moderation.comments import LABELS
from moderation.errors import ModelError
from moderation.features.context import CONTEXT_FEATURES

FORMAT_VERSION = 3
"""Bump when the arrays or the scoring arithmetic change; models of another version are refused."""

MAX_MODEL_FILE_BYTES = 256 << 20
MAX_ARRAY_BYTES = 1 << 30
"""Limits on a model file and on its arrays once decompressed, checked before reading: a
small compressed file can unpack to gigabytes."""

NGRAM_KINDS = ("word", "char")
NGRAM_ORIGINS = ("", "prior_")
"""Whose n-grams a block holds: the model's own, or the prior's (optional; see
:mod:`moderation.model.prior`). Both have one column of coefficients per label: a trained
model holds the prior's coefficients already weighted as each label weighs the prior."""
NGRAM_BLOCKS = tuple(f"{origin}{kind}" for origin in NGRAM_ORIGINS for kind in NGRAM_KINDS)

ANY = "any"
"""A dimension of any length (a vocabulary's bytes)."""


@dataclass(frozen=True)
class ArraySpec:
    """What one array must be: its type ("bytes", "bool" or "float"), its shape (numbers, or
    names of dimensions that :meth:`ModelArrays.dimensions` gives), and, for optional arrays,
    the group it is present or absent with."""

    kind: str
    shape: tuple[str | int, ...]
    group: str = ""


def spec(kind: str, *shape: str | int, group: str = "", default=dataclasses.MISSING):
    """A :class:`ModelArrays` field holding an array of this :class:`ArraySpec`."""
    return field(default=default, metadata={"spec": ArraySpec(kind, shape, group)})


def prior_spec(kind: str, *shape: str | int):
    """A field of the optional prior group (absent in a model trained without the prior)."""
    return spec(kind, *shape, group="prior", default=None)


KINDS = {"bytes": np.uint8, "bool": np.bool_, "float": np.floating}


class InvalidModelArrays(ValueError):
    """Arrays that are not a model this code can score with; ``str()`` says what is wrong."""


def encode_strings(strings: list[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array: compact, and loadable without pickle."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def decode_strings(array: np.ndarray) -> list[str]:
    """The strings :func:`encode_strings` packed."""
    return array.tobytes().decode("utf-8").split("\n") if array.size else []


@dataclass(frozen=True)
class NgramBlock:
    """One n-gram block of a model: its terms, their idf weights, and their coefficients
    (one column per label)."""

    terms: list[str]
    idf: np.ndarray
    coef: np.ndarray


@dataclass(frozen=True, eq=False)
class ModelArrays:
    """A trained model as NumPy arrays, checked on creation (:class:`InvalidModelArrays`).

    Dimensions: ``labels`` is :data:`LABELS`; ``context`` is :data:`CONTEXT_FEATURES`, or 0
    for a model without context features; ``<block> terms`` is the number of terms in a
    block's vocabulary.
    """

    # N-gram blocks: vocabulary (terms, UTF-8, one per line), idf weights, coefficients.
    word_vocabulary: np.ndarray = spec("bytes", ANY)
    word_idf: np.ndarray = spec("float", "word terms")
    word_coef: np.ndarray = spec("float", "word terms", "labels")
    char_vocabulary: np.ndarray = spec("bytes", ANY)
    char_idf: np.ndarray = spec("float", "char terms")
    char_coef: np.ndarray = spec("float", "char terms", "labels")
    # Context features: imputed with the fill, shrunk, standardized with mean and scale.
    context_fill: np.ndarray = spec("float", "context")
    context_mean: np.ndarray = spec("float", "context")
    context_scale: np.ndarray = spec("float", "context")
    context_coef: np.ndarray = spec("float", "labels", "context")
    intercept: np.ndarray = spec("float", "labels")
    calibration: np.ndarray = spec("float", "labels", 2)  # Platt's a, b: p = 1 / (1 + exp(-(a·d + b)))
    trained: np.ndarray = spec("bool", "labels")  # untrained labels have no scores
    thresholds: np.ndarray = spec("float", "labels")  # flag thresholds (1.0 for untrained labels)
    base_rate: np.ndarray = spec("float", "labels")  # the score of a text without content words…
    needs_content: np.ndarray = spec("bool", "labels")  # …for the labels that need them
    # The prior's n-grams, weighted as each label weighs the prior (present together, or not at all).
    prior_word_vocabulary: np.ndarray | None = prior_spec("bytes", ANY)
    prior_word_idf: np.ndarray | None = prior_spec("float", "prior_word terms")
    prior_word_coef: np.ndarray | None = prior_spec("float", "prior_word terms", "labels")
    prior_char_vocabulary: np.ndarray | None = prior_spec("bytes", ANY)
    prior_char_idf: np.ndarray | None = prior_spec("float", "prior_char terms")
    prior_char_coef: np.ndarray | None = prior_spec("float", "prior_char terms", "labels")

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise InvalidModelArrays(problem)

    @staticmethod
    def specs() -> dict[str, ArraySpec]:
        """Every array's name and spec, in the order of the fields."""
        return {f.name: f.metadata["spec"] for f in dataclasses.fields(ModelArrays)}

    @classmethod
    def from_dict(cls, arrays: dict[str, np.ndarray], source: str) -> ModelArrays:
        """The model of named arrays (as in ``model.npz``); a :class:`ModelError` naming
        ``source`` and saying how to fix it if they are not one."""
        specs = cls.specs()
        required = {name for name, s in specs.items() if not s.group}
        groups = {s.group for name, s in specs.items() if s.group and name in arrays}
        expected = required | {name for name, s in specs.items() if s.group in groups}
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - set(specs))
        try:
            if missing or extra:
                raise InvalidModelArrays(", ".join(filter(None, [missing and f"missing {', '.join(missing)}", extra and f"unexpected {', '.join(extra)}"])))
            return cls(**arrays)
        except InvalidModelArrays as problem:
            raise ModelError(f"{source}: not a model this moderation can use ({problem}); retrain it with `moderation train`") from None

    def to_dict(self) -> dict[str, np.ndarray]:
        """The arrays by name, the absent optional ones left out."""
        return {name: getattr(self, name) for name in self.specs() if getattr(self, name) is not None}

    def replace(self, **arrays: np.ndarray) -> ModelArrays:
        """A copy with some arrays replaced (checked again)."""
        return dataclasses.replace(self, **arrays)

    @classmethod
    def from_npz(cls, payload: bytes, source: str) -> ModelArrays:
        """The model in ``model.npz`` bytes (see :func:`read_npz`), checked."""
        return cls.from_dict(read_npz(payload, source), source)

    def to_npz(self) -> bytes:
        """The ``model.npz`` bytes of this model (the same arrays always give the same bytes)."""
        return write_npz(self.to_dict())

    # -- views ----------------------------------------------------------------------------
    @property
    def blocks(self) -> tuple[str, ...]:
        """The n-gram blocks this model has ("word", "char", and "prior_word", "prior_char" with a prior)."""
        return tuple(block for block in NGRAM_BLOCKS if getattr(self, f"{block}_vocabulary") is not None)

    @property
    def origins(self) -> tuple[str, ...]:
        """Whose n-grams this model has: "" (its own), and "prior_" with a prior."""
        return tuple(origin for origin in NGRAM_ORIGINS if f"{origin}word" in self.blocks)

    def block(self, name: str) -> NgramBlock:
        """One n-gram block (``name`` from :attr:`blocks`)."""
        return NgramBlock(self._terms[name], getattr(self, f"{name}_idf"), getattr(self, f"{name}_coef"))

    @property
    def context_features(self) -> int:
        """How many context features the model weighs (0 or all of :data:`CONTEXT_FEATURES`)."""
        return self.context_coef.shape[-1] if self.context_coef.ndim == 2 else -1

    @cached_property
    def _terms(self) -> dict[str, list[str]]:
        terms = {}
        for block in self.blocks:
            try:
                terms[block] = decode_strings(getattr(self, f"{block}_vocabulary"))
            except UnicodeDecodeError:
                raise InvalidModelArrays(f"{block}_vocabulary is not UTF-8") from None
        return terms

    def dimensions(self) -> dict[str, int]:
        """The length of each named dimension, for this model's arrays."""
        return {"labels": len(LABELS), "context": self.context_features, **{f"{block} terms": len(terms) for block, terms in self._terms.items()}}

    # -- checks ---------------------------------------------------------------------------
    def _problem(self) -> str | None:
        """What makes these arrays unusable, or None. A digest proves a file unchanged, not
        that it holds a model this code can use."""
        specs = self.specs()
        for group in {s.group for s in specs.values() if s.group}:
            present = [name for name, s in specs.items() if s.group == group and getattr(self, name) is not None]
            if present and len(present) < sum(s.group == group for s in specs.values()):
                absent = [name for name, s in specs.items() if s.group == group and name not in present]
                return f"missing {', '.join(absent)}"
        for name, array in self.to_dict().items():
            if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, KINDS[specs[name].kind]):
                return f"{name} has type {getattr(array, 'dtype', type(array).__name__)}"
            if specs[name].kind == "float" and not np.isfinite(array).all():
                return f"{name} holds NaN or infinite values"
        try:
            dimensions = self.dimensions()
        except InvalidModelArrays as problem:
            return str(problem)
        for name, array in self.to_dict().items():
            expected = tuple(dimensions.get(d, d) for d in specs[name].shape)
            if array.ndim != len(expected) or any(e != ANY and n != e for n, e in zip(array.shape, expected)):
                return f"{name} has shape {array.shape}, expected {expected}"
        if self.context_features not in (0, len(CONTEXT_FEATURES)):
            return f"{self.context_features} context features, expected {len(CONTEXT_FEATURES)}"
        if not (self.context_scale > 0).all():
            return "a context feature's scale is not positive"
        return None


# -- the file --------------------------------------------------------------------------------


def write_npz(arrays: dict[str, np.ndarray]) -> bytes:
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


def read_npz(payload: bytes, source: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` payload, by name.

    Never unpickles, and decompresses an array only after its header shows that it fits in
    what the member holds and in :data:`MAX_ARRAY_BYTES` (all arrays together).
    """
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
