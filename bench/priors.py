"""The prior, as the benchmarks see it: which sets it was trained on, and priors rebuilt without
one of them so that a model can be judged on that set without having seen it.

``moderation train`` folds the prior into every model it trains: the shipped ``models/prior`` by
default, another prior folder with ``--prior DIR``, none with ``--no-prior``.
``models/build.py --prior-only --without NAME --prior-out DIR`` builds a prior on the permissive
sets minus NAME. A model scored on one of the prior's sets must be trained with a prior built
without that set (leave-one-dataset-out), or its score is not a held-out one.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.protocol import ROOT

BUILD_SCRIPT = ROOT / "models" / "build.py"
PRIOR_DATASETS = ("toxic-spans", "wiki-cat", "fox-news", "youtube-spam")
"""The sets the shipped prior learns from (models/build.py leaves Davidson out)."""
LEFT_OUT = "davidson"  # left out of every prior models/build.py builds, as of the shipped one

# What a prior is built from: the code and the recipe. A cached prior is reused only while all of
# it is unchanged.
PRIOR_INPUTS = ("moderation", "models/build.py")


def moderation_command(*args: str) -> list[str]:
    """``moderation ARGS`` run by this interpreter, from the checkout under test."""
    return [sys.executable, "-m", "moderation", *args]


def child_environment(workdir: Path) -> dict[str, str]:
    """The environment of a child ``moderation``: this checkout first on the path, and a user
    model folder of its own, so no command falls back to the user's real one."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    environment["XDG_DATA_HOME"] = str(workdir)
    return environment


def run_checked(command: list[str], workdir: Path, what: str, runner: Callable = subprocess.run, input: str | None = None, cwd: Path = ROOT) -> str:
    """Run a child process (``input`` on its stdin); its stdout, or a RuntimeError that carries its stderr."""
    done = runner(command, cwd=cwd, env=child_environment(workdir), capture_output=True, text=True, input=input)
    if done.returncode != 0:
        command_line = shlex.join(str(part) for part in command)
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {command_line}\n{done.stderr.strip()[-2000:]}")
    return done.stdout


def inputs_digest(without: tuple[str, ...]) -> str:
    """A digest of everything a prior built without ``without`` depends on."""
    digest = hashlib.sha256(",".join(sorted(without)).encode())
    for name in PRIOR_INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "moderation-bench" / "priors"


class Priors:
    """Priors built without one dataset, made once by ``models/build.py`` and cached.

    The cache lives outside the repository (the priors are made from the datasets, which are
    never copied into it) and is keyed by :func:`inputs_digest`, so a change of code or data
    mapping builds a new prior.
    """

    def __init__(self, data_dir: Path, cache_dir: Path | None = None, script: Path = BUILD_SCRIPT, runner: Callable = subprocess.run, log=print):
        self.data_dir = Path(data_dir)
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.script = Path(script)
        self.runner = runner
        self.log = log
        self.built_seconds: dict[str, float] = {}

    def left_out_for(self, source: str) -> str | None:
        """The prior set a model evaluated on ``source`` must not have seen, if any."""
        return source if source in PRIOR_DATASETS else None

    def without(self, name: str) -> Path:
        """The folder of a prior built on the prior sets minus ``name`` (built now if not cached)."""
        if name not in PRIOR_DATASETS:
            raise ValueError(f"{name} is not one of the prior's sets ({', '.join(PRIOR_DATASETS)})")
        folder = self.cache_dir / f"without-{name}-{inputs_digest((name,))}"
        if folder.is_dir():
            return folder
        if not self.script.is_file():
            raise RuntimeError(
                f"{self.script.relative_to(ROOT) if self.script.is_relative_to(ROOT) else self.script} not found: "
                f"cannot build a prior without {name}, so a model judged on {name} would have seen it"
            )
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".building-without-{name}-", dir=self.cache_dir))
        self.log(f"building a prior without {name} (cached in {folder})", file=sys.stderr)
        started = time.perf_counter()
        try:
            output = run_checked(
                [sys.executable, str(self.script), "--data", str(self.data_dir), "--prior-only", "--without", f"{LEFT_OUT},{name}", "--prior-out", str(building / "prior")],
                building,
                f"models/build.py --without {name}",
                self.runner,
            )
            if not (building / "prior").is_dir():
                raise RuntimeError(f"models/build.py --without {name} wrote no prior: {output.strip()[-500:]}")
            (building / "prior").rename(folder)  # complete or absent
        finally:
            shutil.rmtree(building, ignore_errors=True)
        self.built_seconds[name] = time.perf_counter() - started
        return folder

    def train_arguments(self, source: str) -> tuple[list[str], str]:
        """The ``moderation train`` prior arguments for a model evaluated on ``source``, and a
        note saying which prior that is."""
        left_out = self.left_out_for(source)
        if left_out is None:
            return [], "the shipped prior (it never saw this set)"
        return ["--prior", str(self.without(left_out))], f"a prior rebuilt without {left_out} (leave-one-dataset-out)"
