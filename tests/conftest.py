"""Shared fixtures: paths into the repository and a way to run the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `moderation train` without --model writes the user's model folder, which every command then
# prefers to the shipped model: tests (and the commands they run) get an empty one of their own.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="moderation-tests-data-")
LABELS_DIR = ROOT / "labels"
SEED_THREAD = LABELS_DIR / "threads" / "havana-times-cuba-north-korea.txt"
SEED_CSV = LABELS_DIR / "comments.csv"
DEFAULT_MODEL = ROOT / "models" / "default"


def run_cli(*args: str, input: str | bytes | None = None, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m moderation ARGS`` as a user would, capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "moderation", *map(str, args)],
        input=input,
        capture_output=True,
        text=not isinstance(input, bytes),
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture(scope="session")
def seed_comments():
    from moderation.io.readers import ReadOptions, read_comments

    return list(read_comments(SEED_THREAD, ReadOptions(format="thread")))


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    """A model trained from the shipped labels into a temporary folder (once per session)."""
    from moderation.commands.train import train

    folder = tmp_path_factory.mktemp("model") / "seed"
    train([LABELS_DIR], folder)
    return folder


@pytest.fixture(scope="session")
def shipped_model():
    """The shipped default model, verified against its pinned digest."""
    from moderation.model.store import DEFAULT_MODEL_SHA256, load_model

    return load_model(DEFAULT_MODEL, DEFAULT_MODEL_SHA256)
