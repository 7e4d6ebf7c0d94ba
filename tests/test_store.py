"""Model folders: written atomically, verified before use, refused when foreign or stale."""

import hashlib
import io
import json
import shutil
import zipfile

import numpy as np
import pytest

from moderation.commands import model_choice
from moderation.commands.model_choice import load_chosen_model, load_prior
from moderation.errors import ModelError
from moderation.io.readers.lines import sha256_file
from moderation.model import format as model_format
from moderation.model import store
from moderation.model.format import write_npz
from moderation.model.store import DEFAULT_MODEL_SHA256, PRIOR_SHA256, load_model, read_model
from tests.conftest import DEFAULT_MODEL


def copy_model(source, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(source, target)
    return target


def test_shipped_model_matches_the_pinned_digest():
    assert sha256_file(DEFAULT_MODEL / "model.npz") == DEFAULT_MODEL_SHA256
    assert load_chosen_model(None).path == DEFAULT_MODEL


def test_the_model_format_writes_the_shipped_models_back_byte_for_byte():
    """Reading and writing ModelArrays loses nothing: the same arrays give the pinned digests."""
    for folder, pinned in ((DEFAULT_MODEL, DEFAULT_MODEL_SHA256), (DEFAULT_MODEL.parent / "prior", PRIOR_SHA256)):
        arrays, _, _ = read_model(folder)
        assert hashlib.sha256(arrays.to_npz()).hexdigest() == pinned


def test_shipped_prior_matches_its_pinned_digest_and_a_swapped_one_is_refused(monkeypatch, tmp_path, trained_model):
    assert sha256_file(DEFAULT_MODEL.parent / "prior" / "model.npz") == PRIOR_SHA256
    assert load_prior().metadata["model_sha256"] == PRIOR_SHA256
    fake = tmp_path / "models"
    shutil.copytree(trained_model, fake / "prior")  # a valid model, but not the prior we ship
    monkeypatch.setattr(model_choice, "shipped_path", lambda name: fake)
    with pytest.raises(ModelError, match=f"expected {PRIOR_SHA256}"):
        load_prior()


def test_tampered_arrays_are_refused_without_loading(tmp_path, trained_model):
    model = copy_model(trained_model, tmp_path)
    with open(model / "model.npz", "ab") as stream:
        stream.write(b"\0")
    with pytest.raises(ModelError, match="does not match the expected"):
        read_model(model)


def test_foreign_pickle_is_refused_and_never_executed(tmp_path, trained_model):
    model = copy_model(trained_model, tmp_path)
    marker = tmp_path / "pwned"
    # A pickle that would create a file if it were ever unpickled.
    payload = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    (model / "model.npz").write_bytes(payload)
    with pytest.raises(ModelError, match="sha256"):
        load_model(model)
    assert not marker.exists()


def test_digest_consistent_but_not_an_npz_is_refused(tmp_path, trained_model):
    """Even with matching metadata a pickle is never loaded: arrays are read with allow_pickle=False."""
    model = copy_model(trained_model, tmp_path)
    marker = tmp_path / "pwned"
    (model / "model.npz").write_bytes(b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    metadata = json.loads((model / "metadata.json").read_text())
    metadata["model_sha256"] = sha256_file(model / "model.npz")
    (model / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match="not a readable model"):
        load_model(model)
    assert not marker.exists()


def test_swapped_default_model_is_refused(tmp_path, trained_model, monkeypatch):
    """A different (even self-consistent) model in models/default is not the one we ship."""
    fake_root = tmp_path / "root"
    copy_model(trained_model, fake_root)
    (fake_root / "model").rename(fake_root / "default")
    monkeypatch.setattr(model_choice, "default_model_dir", lambda: fake_root / "default")
    monkeypatch.setattr(model_choice, "DEFAULT_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="expected 0000"):
        load_chosen_model(None)


def test_other_model_format_is_refused_with_the_retrain_command(tmp_path, trained_model, monkeypatch):
    model = copy_model(trained_model, tmp_path)
    monkeypatch.setattr(store, "FORMAT_VERSION", store.FORMAT_VERSION + 1)
    with pytest.raises(ModelError) as error:
        load_model(model)
    message = str(error.value)
    assert f"model format {store.FORMAT_VERSION - 1}" in message
    assert f"reads format {store.FORMAT_VERSION}" in message
    assert "retrain it with `moderation train" in message


def rewrite_model(model, arrays=None, edit_metadata=None, payload=None):
    """Replace a model folder's arrays and/or metadata, keeping the recorded digest consistent."""
    if payload is None and arrays is not None:
        payload = write_npz(arrays)
    metadata = json.loads((model / "metadata.json").read_text())
    if payload is not None:
        (model / "model.npz").write_bytes(payload)
        metadata["model_sha256"] = sha256_file(model / "model.npz")
    if edit_metadata:
        edit_metadata(metadata)
    (model / "metadata.json").write_text(json.dumps(metadata))


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(thresholds={label: 1.0 for label in m["thresholds"]}),
        lambda m: m.update(thresholds={}),
        lambda m: m["thresholds"].pop("hostile"),
        lambda m: m.update(labels=["off_topic", "hostile"]),
    ],
    ids=["thresholds raised", "thresholds emptied", "a threshold removed", "a label removed"],
)
def test_edited_metadata_that_would_change_flags_is_refused(tmp_path, trained_model, edit):
    model = copy_model(trained_model, tmp_path)
    rewrite_model(model, edit_metadata=edit)
    with pytest.raises(ModelError, match="differ from those recorded in model.npz"):
        load_model(model)


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda a: a.pop("word_idf"), "missing word_idf"),
        (lambda a: a.update(word_idf=a["word_idf"][:-1]), "word_idf has shape"),
        (lambda a: a.update(intercept=np.zeros(5)), "intercept has shape"),
        (lambda a: a.update(word_vocabulary=np.array(7, dtype=np.uint8)), "word_vocabulary has shape"),
        (lambda a: a.pop("prior_word_coef"), "missing prior_word_coef"),
        (lambda a: a.update(trained=np.ones(3)), "trained has type"),
        (lambda a: a.update(thresholds=np.array([np.nan, 0.5, 0.5])), "NaN or infinite"),
        (lambda a: a.update(extra=np.zeros(1)), "unexpected extra"),
    ],
)
def test_arrays_with_a_matching_digest_but_the_wrong_shape_are_refused(tmp_path, trained_model, change, problem):
    model = copy_model(trained_model, tmp_path)
    arrays = read_model(model)[0].to_dict()
    change(arrays)
    rewrite_model(model, arrays)
    with pytest.raises(ModelError, match=problem):
        load_model(model)


def test_an_npz_bomb_is_refused_before_it_is_decompressed(tmp_path, trained_model, monkeypatch):
    model = copy_model(trained_model, tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        member = io.BytesIO()
        np.lib.format.write_array(member, np.zeros(8 << 20))  # 64 MB of zeros compress to almost nothing
        archive.writestr("word_idf.npy", member.getvalue())
    assert len(buffer.getvalue()) < 1 << 20
    rewrite_model(model, payload=buffer.getvalue())
    monkeypatch.setattr(model_format, "MAX_ARRAY_BYTES", 32 << 20)
    with pytest.raises(ModelError, match="declares 67,108,864 bytes"):
        load_model(model)


def test_an_array_header_larger_than_its_data_is_refused(tmp_path, trained_model):
    model = copy_model(trained_model, tmp_path)
    # Four numbers of data under a header that claims a billion.
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})
    member.write(np.zeros(4).tobytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word_idf.npy", member.getvalue())
    rewrite_model(model, payload=buffer.getvalue())
    with pytest.raises(ModelError, match="more than the model holds"):
        load_model(model)


def test_write_model_replaces_only_with_a_complete_model(tmp_path, trained_model):
    arrays, metadata, _ = read_model(trained_model)
    target = copy_model(trained_model, tmp_path)
    before = (target / "model.npz").read_bytes()

    def broken_card(_):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.write_model(target, arrays, metadata, broken_card)
    assert (target / "model.npz").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging folders left
