"""Model folders: written atomically, verified before use, refused when foreign or stale."""

import json
import shutil

import numpy as np
import pytest

from moderation.model import store
from moderation.comments import Comment
from moderation.commands.score import score_comments
from moderation.errors import ModelError
from moderation.model.store import DEFAULT_MODEL_SHA256, load_model, read_model, sha256_file
from tests.conftest import DEFAULT_MODEL


def copy_model(source, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(source, target)
    return target


def test_shipped_model_matches_the_pinned_digest():
    assert sha256_file(DEFAULT_MODEL / "model.npz") == DEFAULT_MODEL_SHA256
    assert load_model().path == DEFAULT_MODEL


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
    monkeypatch.setattr(store, "default_model_dir", lambda: fake_root / "default")
    monkeypatch.setattr(store, "DEFAULT_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="expected 0000"):
        load_model()


def test_other_model_format_is_refused_with_the_retrain_command(tmp_path, trained_model, monkeypatch):
    model = copy_model(trained_model, tmp_path)
    monkeypatch.setattr(store, "MODEL_FORMAT", store.MODEL_FORMAT + 1)
    with pytest.raises(ModelError) as error:
        load_model(model)
    message = str(error.value)
    assert f"model format {store.MODEL_FORMAT - 1}" in message
    assert f"reads format {store.MODEL_FORMAT}" in message
    assert "retrain it with `moderation train" in message


def test_stale_default_model_is_rebuilt_into_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(store, "MODEL_FORMAT", store.MODEL_FORMAT + 1)
    loaded = load_model()
    assert loaded.path == tmp_path / "cache" / "moderation" / f"default-format-{store.MODEL_FORMAT}"
    assert "rebuilding it from" in capsys.readouterr().err
    # The rebuilt model scores like the shipped one: same labels, same code.
    monkeypatch.undo()
    shipped = load_model()
    comments = [Comment(text="are you that god damn ignorant", thread_id="t"), Comment(text="Cuba and Korea", thread_id="t")]
    np.testing.assert_allclose(score_comments(loaded, comments), score_comments(shipped, comments), atol=1e-9)
    # Second use: taken from the cache, no rebuild.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(store, "MODEL_FORMAT", store.MODEL_FORMAT + 1)
    load_model()
    assert "rebuilding" not in capsys.readouterr().err


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
