"""Leave-one-dataset-out priors and the `moderation train` options the benchmarks pass.

Priors are built by a stub build script (the real one needs the public datasets); `ours` is
trained by the real `moderation train` with the shipped prior, its command line recorded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.priors import PRIOR_DATASETS, Priors
from bench.systems import Ours, OursNoPrior
from bench.tests.synthetic import synthetic_dataset

STUB_BUILD_PRIOR = """
import argparse, json, pathlib
parser = argparse.ArgumentParser()
parser.add_argument("--data"); parser.add_argument("--without", default=""); parser.add_argument("--prior-out", type=pathlib.Path)
parser.add_argument("--prior-only", action="store_true")
args = parser.parse_args()
assert args.prior_only
args.prior_out.mkdir(parents=True)
(args.prior_out / "built.json").write_text(json.dumps({"without": args.without, "data": args.data}))
"""


@pytest.fixture
def stub_script(tmp_path) -> Path:
    script = tmp_path / "build_prior.py"
    script.write_text(STUB_BUILD_PRIOR)
    return script


class CountingRunner:
    def __init__(self):
        self.commands = []

    def __call__(self, command, **options):
        self.commands.append([str(part) for part in command])
        return subprocess.run(command, **options)


def test_a_prior_set_gets_a_prior_built_without_it_once(tmp_path, stub_script):
    runner = CountingRunner()
    priors = Priors(tmp_path / "data", tmp_path / "cache", script=stub_script, runner=runner, log=lambda *a, **k: None)
    arguments, note = priors.train_arguments("toxic-spans")
    assert arguments[0] == "--prior" and "without toxic-spans" in note
    folder = Path(arguments[1])
    # Davidson stays out, as of the shipped prior.
    assert (folder / "built.json").read_text() == f'{{"without": "davidson,toxic-spans", "data": "{tmp_path / "data"}"}}'
    assert priors.train_arguments("toxic-spans")[0] == arguments  # cached: built once
    assert len(runner.commands) == 1 and runner.commands[0][-4:] == ["--without", "davidson,toxic-spans", "--prior-out", runner.commands[0][-1]]
    assert set(priors.built_seconds) == {"toxic-spans"}
    assert not list((tmp_path / "cache").glob(".building-*"))  # nothing half-built left behind


def test_a_set_the_prior_never_saw_uses_the_shipped_prior(tmp_path, stub_script):
    runner = CountingRunner()
    priors = Priors(tmp_path, tmp_path / "cache", script=stub_script, runner=runner)
    for source in ("olid", "c3", "cmv", "davidson"):
        arguments, note = priors.train_arguments(source)
        assert arguments == [] and "shipped prior" in note
    assert runner.commands == []


def test_missing_build_script_is_an_error_not_a_leak(tmp_path):
    priors = Priors(tmp_path, tmp_path / "cache", script=tmp_path / "no-such-build_prior.py")
    with pytest.raises(RuntimeError, match="would have seen it"):
        priors.train_arguments("fox-news")


def test_a_failed_build_says_why(tmp_path):
    script = tmp_path / "build_prior.py"
    script.write_text("import sys; sys.exit('no data here')")
    priors = Priors(tmp_path, tmp_path / "cache", script=script, log=lambda *a, **k: None)
    with pytest.raises(RuntimeError, match="no data here"):
        priors.without("toxic-spans")
    assert not list((tmp_path / "cache").iterdir())


def test_the_prior_sets_are_those_the_shipped_prior_learned_from():
    import json

    from moderation.shipped import shipped_path

    metadata = json.loads((shipped_path("models") / "prior" / "metadata.json").read_text(encoding="utf-8"))
    assert {source["path"].split(" ")[0] for source in metadata["data"]["sources"]} == set(PRIOR_DATASETS)


# --- ours gets the prior arguments ------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames():
    dataset = synthetic_dataset(labels=("hostile",))
    frame = dataset.frame
    return frame[frame["split"] == "train"].reset_index(drop=True), frame[frame["split"] == "test"].reset_index(drop=True)


def test_ours_passes_its_prior_arguments_to_moderation_train(frames):
    from moderation.shipped import shipped_path

    prior = shipped_path("models") / "prior"
    runner = CountingRunner()
    system = Ours(["--prior", str(prior)], runner=runner)
    system.fit(frames[0], ["hostile"])
    (command,) = runner.commands
    assert command[:4] == [sys.executable, "-m", "moderation", "train"]
    assert command[-2:] == ["--prior", str(prior)]
    assert "--model" in command and "--quiet" in command
    assert "hostile" in system.thresholds
    scores = system.score(frames[1])["hostile"]
    assert scores.shape == (len(frames[1]),) and np.all((scores >= 0) & (scores <= 1))


def test_ours_without_prior_always_says_no_prior():
    system = OursNoPrior(["--prior", "ignored"])
    assert system.train_arguments == ["--no-prior"]


def test_a_failed_training_carries_its_error(frames):
    def failing(command, **options):
        return subprocess.CompletedProcess(command, 2, "", "error: no such option: --prior")

    with pytest.raises(RuntimeError, match="no such option: --prior"):
        Ours(["--prior", "x"], runner=failing).fit(frames[0], ["hostile"])
