"""bench/accuracy.py end to end on made-up datasets: modes, outputs, targets, uncertainty."""

from __future__ import annotations

import json
import math

import pytest

import bench.accuracy as accuracy
from bench.accuracy import Target, check_target, make_system
from bench.priors import Priors
from bench.systems import Ours, PlainBaseline, ProfanityCheck
from bench.tests.synthetic import synthetic_dataset


@pytest.fixture
def made_up_data(monkeypatch, tmp_path):
    """accuracy.py reads two made-up datasets instead of the public ones."""
    datasets = [synthetic_dataset("c3", rows=140, threads=10), synthetic_dataset("argotario", rows=70, threads=7, labels=("ad_hominem",))]
    monkeypatch.setattr(accuracy, "data_dir", lambda path=None: tmp_path)
    monkeypatch.setattr(accuracy, "load_datasets", lambda directory, names=None: [d for d in datasets if names is None or d.name in names])
    return datasets


def run(tmp_path, *arguments) -> tuple[str, dict]:
    out = tmp_path / "results"
    assert accuracy.main([*arguments, "--out", str(out), "--prior-cache", str(tmp_path / "priors")]) == 0
    return out


def test_dev_run_scores_the_dev_part_and_writes_dev_results(made_up_data, tmp_path):
    out = run(tmp_path, "--systems", "plain,length-only,word-list")
    assert sorted(p.name for p in out.iterdir()) == ["accuracy.dev.json", "accuracy.dev.md"]
    report = json.loads((out / "accuracy.dev.json").read_text())
    assert report["run"]["mode"] == "dev" and report["run"]["final"] is False
    c3 = made_up_data[0].frame
    train_rows = int((c3["split"] == "train").sum())
    for result in report["datasets"][0]["results"]:
        assert result["rows_fit"] + result["rows_eval"] == train_rows  # the test split is never read
    markdown = (out / "accuracy.dev.md").read_text()
    assert "**Development run**" in markdown and "design choices" in markdown
    assert "## C3: quality on articles never seen (issue 12)" in markdown
    assert " ± " in markdown  # few positives: every AUC carries its interval


def test_final_run_records_itself_and_the_run_before(made_up_data, tmp_path):
    out = run(tmp_path, "--final", "--systems", "plain,length-only")
    first = json.loads((out / "accuracy.json").read_text())
    assert first["run"]["final"] is True and first["previous_final"] is None
    assert first["run"]["command"].startswith("python bench/accuracy.py --final")
    markdown = (out / "accuracy.md").read_text()
    assert "**Final run**" in markdown and first["run"]["code"]["describe"] in markdown
    assert "Test splits looked at during development" in markdown  # c3's and argotario's were
    run(tmp_path, "--final", "--systems", "plain")
    second = json.loads((out / "accuracy.json").read_text())
    assert second["previous_final"]["date"] == first["run"]["date"]
    assert "Previous final run" in (out / "accuracy.md").read_text()


def test_ours_against_plain_on_c3_with_a_margin_interval(made_up_data, tmp_path):
    out = run(tmp_path, "--final", "--datasets", "c3", "--systems", "ours,plain")
    report = json.loads((out / "accuracy.json").read_text())
    ours = [r for r in report["datasets"][0]["results"] if r["system"] == "ours"]
    assert {r["label"] for r in ours} == {"off_topic", "hostile", "ad_hominem"}
    for result in ours:
        assert result["status"] == "ok" and 0 < result["threshold"] < 1
        margin = result["margins"]["plain"]
        assert margin["ci_low"] <= margin["roc_auc"] <= margin["ci_high"] or math.isnan(margin["ci_low"])
    targets = {t["target"]: t for t in report["targets"]}
    assert targets["c3 hostile ROC-AUC ≥ 0.80"]["result"] in ("met", "missed")
    assert targets["c3 hostile ROC-AUC above plain"]["margin_ci"] is not None
    assert targets["olid hostile macro-F1 ≥ 0.77"]["result"] == "not measured"
    assert report["datasets"][0]["ours_prior"]  # says which prior ours was trained with


def test_ours_on_a_prior_set_is_trained_without_it(tmp_path):
    script = tmp_path / "build_prior.py"
    script.write_text("import sys, pathlib; pathlib.Path(sys.argv[sys.argv.index('--prior-out') + 1]).mkdir()")
    priors = Priors(tmp_path, tmp_path / "cache", script=script, log=lambda *a, **k: None)
    synthetic_fox = synthetic_dataset("fox-news-synthetic-offtopic", labels=("off_topic",), source="fox-news")
    system, note = make_system("ours", synthetic_fox, priors)
    assert isinstance(system, Ours) and system.train_arguments[0] == "--prior"
    assert "without-fox-news" in system.train_arguments[1] and "leave-one-dataset-out" in note
    system, note = make_system("ours", synthetic_dataset("olid"), priors)
    assert system.train_arguments == [] and "never saw" in note
    system, note = make_system("plain", synthetic_fox, priors)
    assert isinstance(system, PlainBaseline) and note is None


RESULTS = {
    ("c3", "hostile", "ours"): {"status": "ok", "roc_auc": 0.81, "positives": 39, "negatives": 1941, "roc_auc_se": 0.04, "margins": {"plain": {"roc_auc": 0.07, "ci_low": -0.01, "ci_high": 0.15}}},
    ("c3", "hostile", "plain"): {"status": "ok", "roc_auc": 0.74},
    ("c3", "off_topic", "ours"): {"status": "ok", "roc_auc": 0.849, "positives": 31, "negatives": 1949, "roc_auc_se": 0.044},
    ("c3", "ad_hominem", "ours"): {"status": "not trained"},
}


def test_targets_are_decided_on_unrounded_numbers_and_carry_their_uncertainty():
    reached = check_target(Target(12, "c3", "hostile", "roc_auc", minimum=0.80), RESULTS)
    assert reached["result"] == "met" and reached["se"] == 0.04
    missed = check_target(Target(12, "c3", "off_topic", "roc_auc", minimum=0.85), RESULTS)
    assert missed["result"] == "missed"
    ahead = check_target(Target(12, "c3", "hostile", "roc_auc", rival="plain"), RESULTS)
    assert ahead["result"] == "met" and ahead["margin"] == pytest.approx(0.07) and ahead["margin_ci"] == [-0.01, 0.15]
    assert check_target(Target(12, "c3", "ad_hominem", "roc_auc", minimum=0.7), RESULTS)["result"] == "missed (ours not trained)"
    assert check_target(Target(12, "c3", "off_topic", "roc_auc", rival="plain"), RESULTS)["result"] == "not measured"


def test_targets_markdown_never_flatters_ours():
    checked = [check_target(Target(12, "c3", "hostile", "roc_auc", rival="plain"), RESULTS)]
    line = accuracy.targets_markdown(checked)[4]
    assert "ours 0.810 vs. 0.740, margin 0.070 (95 % CI -0.010 … +0.150)" in line


def test_a_system_whose_package_is_missing_is_refused(monkeypatch):
    monkeypatch.setattr(ProfanityCheck, "requires", "no_such_module_here")
    assert "needs the no_such_module_here package" in accuracy.missing_requirement(["plain", "profanity-check"])
    assert accuracy.missing_requirement(["plain", "length-only"]) is None
