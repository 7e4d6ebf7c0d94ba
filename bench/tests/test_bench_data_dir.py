"""bench/datasets.py's data folder and dataset names, without the public datasets."""

import pytest

from bench.datasets import data_dir, load_datasets


def test_empty_data_dir(tmp_path):
    assert load_datasets(tmp_path) == []
    assert data_dir(tmp_path / "nonexistent") is None
    assert data_dir(tmp_path) == tmp_path


def test_unknown_dataset_name(tmp_path):
    with pytest.raises(ValueError, match="no-such-set"):
        load_datasets(tmp_path, ["no-such-set"])
