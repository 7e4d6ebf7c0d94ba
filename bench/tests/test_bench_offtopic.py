"""bench/offtopic_checks.py: short reactions scored as `moderation score` does, title-only
articles, and seed leave-one-out before/after — on made-up data and a stub seed_cv."""

from __future__ import annotations

import json
import subprocess

import pytest

import bench.offtopic_checks as checks
from bench.tests.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def shipped():
    from moderation.model.store import load_model

    return load_model(checks.default_model_dir())


def test_each_phrase_is_scored_alone_by_the_command_line(tmp_path, shipped):
    results = checks.phrase_check(checks.default_model_dir(), tmp_path)
    assert [(r["text"], r["article"]) for r in results] == [(p, a) for p in checks.PHRASES for a in ("none", "seed article")]
    threshold = shipped.thresholds["off_topic"]
    for result in results:
        assert 0 <= result["off_topic"] <= 1
        assert result["flagged"] == (result["off_topic"] >= threshold - 5e-5)  # scores are printed to 4 decimals


def test_seed_article_is_the_article_not_the_comments():
    article = checks.seed_article()
    assert article.strip() and "thoughts on" not in article


def test_title_of_keeps_the_first_line():
    assert checks.title_of("Big news today\nThe description under it.") == "Big news today"
    assert checks.title_of("Only a title") == "Only a title"


def test_title_check_compares_title_only_with_no_article(shipped):
    dataset = synthetic_dataset("fox-news", rows=60, threads=6, labels=("hostile",))
    (result,) = checks.title_check(shipped, {"fox-news": dataset}, "dev", quick=False)
    train = dataset.frame[dataset.frame["split"] == "train"]
    assert result["comments"] == len(train) and result["threads"] == train["thread_id"].nunique()
    assert 0 <= result["flag_rate_title"] <= 1 and 0 <= result["flag_rate_no_article"] <= 1
    assert result["gap"] == pytest.approx(result["flag_rate_title"] - result["flag_rate_no_article"])
    assert result["result"] == ("met" if result["gap"] <= checks.TITLE_GAP_LIMIT else "missed")


def test_quick_keeps_whole_threads():
    rows = synthetic_dataset(rows=200, threads=20).frame
    kept = checks.whole_threads_capped(rows, 50)
    sizes = rows["thread_id"].value_counts()
    assert 0 < len(kept) < len(rows)
    assert all(len(group) == sizes[thread] for thread, group in kept.groupby("thread_id"))


STUB_SEED_CV = """
print("| features | label | ROC-AUC | avg. precision | F1 at threshold | threshold |")
print("|---|---|---|---|---|---|")
print("| text n-grams only | off_topic | 0.93 | 0.68 | 0.75 | 0.26 |")
print("| text n-grams + context | off_topic | {auc} | 0.84 | 0.88 | 0.42 |")
print("| text n-grams + context | hostile | 0.85 | 0.77 | 0.80 | 0.34 |")
"""


def test_seed_cv_runs_each_trees_own_script(tmp_path, monkeypatch):
    def stub_tree(name, auc):
        tree = tmp_path / name
        (tree / "bench").mkdir(parents=True)
        (tree / "bench" / "seed_cv.py").write_text(STUB_SEED_CV.format(auc=auc))
        return tree

    monkeypatch.setattr(checks, "copy_of_commit", lambda revision, target: stub_tree("before", "0.97"))
    monkeypatch.setattr(checks, "copy_of_working_tree", lambda target: stub_tree("after", "0.95"))
    result = checks.seed_cv_check("abc1234", tmp_path)
    assert result["before"]["table"]["text n-grams + context | off_topic"]["roc_auc"] == 0.97
    assert result["after"]["table"]["text n-grams + context | off_topic"]["roc_auc"] == 0.95
    assert result["result"] == "missed"  # off_topic dropped
    markdown = checks.report_markdown({"run": run_info(), "threshold": 0.4, "seed_cv": result, "total_seconds": 1.0})
    assert "| text n-grams + context | off_topic | 0.97 | 0.95 |" in markdown and "**missed**" in markdown


def run_info():
    from bench.protocol import run_record

    return run_record("bench/offtopic_checks.py", [], "dev", False)


def test_copy_of_commit_holds_that_commits_code(tmp_path):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checks.ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip(f"{checks.ROOT} is not a git checkout: copy_of_commit needs one")
    tree = checks.copy_of_commit(head.stdout.strip(), tmp_path / "tree")
    assert (tree / "moderation" / "__init__.py").is_file() and (tree / "bench" / "seed_cv.py").is_file()
    assert (tree / "labels" / "comments.csv").is_file()


def test_parse_markdown_table():
    rows = checks.parse_markdown_table("intro\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n")
    assert rows == [["1", "2"], ["3", "4"]]


def test_quick_run_without_seed_cv_writes_its_results(tmp_path):
    assert checks.main(["--quick", "--only", "phrases", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "offtopic_checks.dev.json").read_text())
    assert len(report["phrases"]) == 8 and "titles" not in report and "seed_cv" not in report
    assert "## Short reactions" in (tmp_path / "offtopic_checks.dev.md").read_text()
    assert checks.parse_args(["--quick"]).only == ["phrases", "titles"]
    assert checks.parse_args([]).only == list(checks.CHECKS)
    with pytest.raises(SystemExit):
        checks.parse_args(["--only", "nonsense"])
