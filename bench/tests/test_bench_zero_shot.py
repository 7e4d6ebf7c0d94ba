"""bench/zero_shot.py on made-up sets: who is judged with which model, targets, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.zero_shot as zero_shot
from bench.priors import Priors
from bench.tests.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def shipped():
    from moderation.model.store import load_model
    from moderation.shipped import default_model_dir

    return load_model(default_model_dir())


class StubDefaultModels(zero_shot.DefaultModels):
    """The real selection logic; training replaced by a record of the arguments (and the shipped model)."""

    def __init__(self, priors, workdir, shipped):
        self.priors, self.workdir, self.shipped = priors, workdir, shipped
        self.retrained, self.train_seconds, self.trainings = {}, {}, []

    def train_default(self, prior_arguments, name):
        self.trainings.append((prior_arguments, name))
        return self.shipped


@pytest.fixture
def priors(tmp_path):
    script = tmp_path / "build_prior.py"
    script.write_text("import sys, pathlib; pathlib.Path(sys.argv[sys.argv.index('--prior-out') + 1]).mkdir()")
    return Priors(tmp_path, tmp_path / "cache", script=script, log=lambda *a, **k: None)


def test_a_prior_set_is_judged_by_a_default_retrained_without_it(tmp_path, priors, shipped):
    models = StubDefaultModels(priors, tmp_path, shipped)
    model, how = models.for_source("fox-news")
    assert "without fox-news" in how
    ((arguments, name),) = models.trainings
    assert arguments[0] == "--prior" and Path(arguments[1]).name.startswith("without-fox-news-") and name == "without-fox-news"
    models.for_source("fox-news")
    assert len(models.trainings) == 1  # once per left-out set
    model, how = models.for_source("olid")
    assert model is shipped and "never saw" in how


def test_evaluate_set_scores_every_system_and_leaves_the_set_out_of_plain(tmp_path, priors, shipped):
    models = StubDefaultModels(priors, tmp_path, shipped)
    evaluated = synthetic_dataset("fox-news", rows=120, threads=120, labels=("hostile",))
    permissive = {
        "fox-news": evaluated,
        "toxic-spans": synthetic_dataset("toxic-spans", rows=80, threads=80, labels=("hostile",)),
        "wiki-cat": synthetic_dataset("wiki-cat", rows=60, threads=6, labels=("hostile",)),
    }
    plain_models = {}
    rows = zero_shot.hostile_rows(evaluated.frame)
    entry = zero_shot.evaluate_set(evaluated, rows, models, plain_models, permissive, quick=False)
    assert entry["plain_trained_without"] == "fox-news" and set(plain_models) == {"fox-news"}
    expected = {"ours", "word list", "plain (permissive)"} | ({"profanity-check"} if zero_shot.profanity_check_scores(["x"]) is not None else set())
    assert set(entry["systems"]) == expected
    for result in entry["systems"].values():
        assert 0.5 < result["roc_auc"] <= 1.0  # the made-up hostile comments are easy
    assert set(entry["margins"]) == expected - {"ours"}
    assert entry["rows"] == 120 and entry["positives"] == int(rows["hostile"].sum())
    assert 0 <= entry["ours_flags"]["flagged"] <= 120


def test_plain_training_rows_leave_the_evaluated_set_out():
    permissive = {name: synthetic_dataset(name, rows=30, threads=30, labels=("hostile",)) for name in ("davidson", "toxic-spans", "wiki-cat", "fox-news")}
    rows = zero_shot.plain_training_rows(permissive, "fox-news", quick=False)
    assert len(rows) == 60  # toxic-spans and wiki-cat: Davidson is no prior set
    assert len(zero_shot.plain_training_rows(permissive, None, quick=False)) == 90


def entry(name, ours, word_list, profanity):
    systems = {"ours": {"roc_auc": ours}, "word list": {"roc_auc": word_list}, "profanity-check": {"roc_auc": profanity}}
    margins = {rival: {"roc_auc": ours - value, "ci_low": -1, "ci_high": 1} for rival, value in (("word list", word_list), ("profanity-check", profanity))}
    return {"dataset": name, "systems": systems, "margins": margins}


def test_targets_word_list_everywhere_profanity_check_on_olid():
    checks = zero_shot.targets([entry("olid", 0.77, 0.68, 0.79), entry("davidson", 0.91, 0.90, 0.99)])
    assert [(c["target"], c["result"]) for c in checks] == [
        ("olid: ours ≥ word list", "met"),
        ("olid: ours ≥ profanity-check", "missed"),
        ("davidson: ours ≥ word list", "met"),
    ]


def test_without_data_it_says_it_skipped(tmp_path, capsys):
    assert zero_shot.main(["--data", str(tmp_path / "none"), "--out", str(tmp_path / "out")]) == 0
    assert "zero-shot benchmark skipped" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
