"""Round trips through the real command line: train → score → label → evaluate → info."""

import csv
import io
import json

import pytest

from tests.conftest import DEFAULT_MODEL, LABELS_DIR, SEED_CSV, SEED_THREAD, invoke_cli, run_cli

pytestmark = pytest.mark.smoke


def test_train_prints_metrics_and_writes_a_model(seed_training):
    result, folder = seed_training  # `moderation train labels --model FOLDER`
    assert result.returncode == 0, result.stderr
    assert "7-fold, stratified by off_topic" in result.stdout
    for label in ("off_topic", "hostile", "ad_hominem"):
        assert label in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["MODEL_CARD.md", "metadata.json", "model.npz"]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert set(metadata["thresholds"]) == {"off_topic", "hostile", "ad_hominem"}
    assert metadata["data"]["comments"] == 47


def test_score_writes_one_json_line_per_input_line(trained_model):
    lines = "are you that god damn ignorant, people?\n\nCuba and North Korea exchanged views on bilateral links\n"
    result = invoke_cli("score", "--model", trained_model, "--article", SEED_THREAD, input=lines)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["1", "2", "3"]
    assert records[1]["note"].startswith("empty text")
    assert "hostile" in records[0]["flags"]
    assert records[0]["scores"]["hostile"] > records[2]["scores"]["hostile"]
    assert records[2]["flags"] == []


def test_score_jsonl_keeps_ids_and_explains_flags(trained_model):
    lines = [
        json.dumps({"id": "a1", "text": "you are a bunch of loudmouth hypocrites", "thread_id": "x"}),
        json.dumps({"id": "a2", "text": "The visit strengthens Cuba and North Korea relations", "thread_id": "x"}),
    ]
    result = invoke_cli("score", "--jsonl", "--explain", "--model", trained_model, input="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["id"], second["id"]) == ("a1", "a2")
    assert set(first["explain"]) == set(first["flags"]) and first["flags"]
    for label, features in first["explain"].items():
        assert 1 <= len(features) <= 5
        assert all(f["weight"] > 0 for f in features)
    # The word lists' words are named: "loudmouth" and "hypocrites" are in the hostile list.
    assert {"loudmouth", "hypocrites"} & {f["feature"] for f in first["explain"]["hostile"] if f.get("matched") == ["hostile_words"]}


def test_threshold_override_changes_flags(trained_model):
    text = "you are a bunch of loudmouth hypocrites\n"
    never = invoke_cli("score", "--model", trained_model, "--threshold", "hostile=1", input=text)
    always = invoke_cli("score", "--model", trained_model, "--threshold", "hostile=0", input=text)
    assert "hostile" not in json.loads(never.stdout)["flags"]
    assert "hostile" in json.loads(always.stdout)["flags"]


def test_label_thread_export_writes_every_comment_in_order(tmp_path, trained_model):
    out = tmp_path / "labeled.csv"
    result = invoke_cli("label", SEED_THREAD, "--out", out, "--model", trained_model)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == [str(i) for i in range(1, 48)]
    assert list(rows[0])[:3] == ["id", "thread_id", "text"]
    for row in rows:
        for label in ("off_topic", "hostile", "ad_hominem"):
            assert 0 <= float(row[f"{label}_score"]) <= 1
            assert row[f"{label}_flag"] in ("0", "1")
    assert "47 comments labeled; flagged:" in result.stderr


def test_label_csv_keeps_every_input_column(tmp_path, trained_model):
    source = tmp_path / "in.csv"
    source.write_text('comment_id,body,extra\n1,"you hypocrites",keep me\n2,,empty row\n3,fine words,x\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = invoke_cli("label", source, "--out", out, "--text-column", "body", "--model", trained_model)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["comment_id"] for r in records] == ["1", "2", "3"]
    assert [r["extra"] for r in records] == ["keep me", "empty row", "x"]
    assert records[1]["hostile_score"] == "" and records[1]["note"].startswith("empty text")
    assert isinstance(records[0]["hostile_score"], float)


def test_label_to_stdout_only_flagged(trained_model):
    result = invoke_cli("label", SEED_THREAD, "--only-flagged", "--model", trained_model)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert 0 < len(rows) < 47
    assert all(any(r[f"{label}_flag"] == "1" for label in ("off_topic", "hostile", "ad_hominem")) for r in rows)


def test_evaluate_table_and_json(trained_model, tmp_path):
    table = invoke_cli("evaluate", SEED_CSV, "--model", trained_model)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["label", "precision", "recall", "f1", "roc_auc", "average_precision", "support"]
    as_json = invoke_cli("evaluate", LABELS_DIR, "--json", "--model", trained_model)
    results = json.loads(as_json.stdout)
    assert set(results) == {"off_topic", "hostile", "ad_hominem"}
    assert all(r["support"] == 47 for r in results.values())
    # The same numbers, computed independently from label's output and the labels.
    from sklearn.metrics import f1_score, roc_auc_score

    invoke_cli("label", SEED_THREAD, "--out", tmp_path / "scored.csv", "--model", trained_model)
    scored = list(csv.DictReader((tmp_path / "scored.csv").open(encoding="utf-8")))
    truth = list(csv.DictReader(SEED_CSV.open(encoding="utf-8")))
    for label, metrics in results.items():
        y = [int(row[label]) for row in truth]
        assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y, [float(row[f"{label}_score"]) for row in scored]), abs=1e-4)
        assert metrics["f1"] == pytest.approx(f1_score(y, [int(row[f"{label}_flag"]) for row in scored]))


def test_evaluate_report_writes_metrics_and_two_plots_per_label(tmp_path, trained_model):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed: pip install '.[report]'")
    report = tmp_path / "report"
    result = invoke_cli("evaluate", LABELS_DIR, "--json", "--report", report, "--model", trained_model)
    assert result.returncode == 0, result.stderr
    assert json.loads((report / "metrics.json").read_text(encoding="utf-8")) == json.loads(result.stdout)
    plots = {f"{label}-{kind}.png" for label in ("off_topic", "hostile", "ad_hominem") for kind in ("precision-recall", "reliability")}
    assert {p.name for p in report.iterdir()} == plots | {"metrics.json"}  # no temporary files left behind
    for name in plots:
        assert (report / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), name


def test_train_and_evaluate_read_other_column_names(tmp_path):
    rows = list(csv.DictReader(SEED_CSV.open(encoding="utf-8")))
    renamed = tmp_path / "renamed.csv"
    with renamed.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["body", "off_topic", "hostile", "ad_hominem"])
        writer.writerows([row["text"], row["off_topic"], row["hostile"], row["ad_hominem"]] for row in rows)
    trained = invoke_cli("train", renamed, "--text-column", "body", "--model", tmp_path / "m")
    assert trained.returncode == 0, trained.stderr
    assert "trained on 47 comments" in trained.stdout
    evaluated = invoke_cli("evaluate", renamed, "--text-column", "body", "--json", "--model", tmp_path / "m")
    assert evaluated.returncode == 0, evaluated.stderr
    assert {label: r["support"] for label, r in json.loads(evaluated.stdout).items()} == {"off_topic": 47, "hostile": 47, "ad_hominem": 47}
    without = invoke_cli("evaluate", renamed, "--model", tmp_path / "m")
    assert without.returncode == 2 and "no 'text' column; found columns: body" in without.stderr


def test_evaluate_skips_labels_the_data_does_not_annotate(tmp_path, trained_model):
    data = tmp_path / "only-hostile.csv"
    data.write_text("text,hostile\nyou idiot\n,\nnice article,0\nhypocrites all,1\n".replace("you idiot\n", "you idiot,1\n"), encoding="utf-8")
    results = json.loads(invoke_cli("evaluate", data, "--json", "--model", trained_model).stdout)
    assert list(results) == ["hostile"]
    assert results["hostile"]["support"] == 3


def test_info_shows_the_default_model():
    result = invoke_cli("info")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"model:      {DEFAULT_MODEL}\n")
    assert "the shipped default model; verified" in result.stdout
    as_json = json.loads(invoke_cli("info", "--json").stdout)  # JSON and nothing else
    assert as_json["path"] == str(DEFAULT_MODEL)
    assert as_json["metadata"]["command"] == "python models/build.py"


@pytest.mark.slow  # a real process
def test_wrong_call_prints_usage():
    # In a real process: the console script's exit code, not only the in-process runner's.
    result = run_cli("score", "--no-such-option")
    assert result.returncode == 2
    assert "Usage:" in result.stderr and "Traceback" not in result.stderr


def test_top_level_help_shows_every_command_description_whole():
    result = invoke_cli("--help")
    assert result.returncode == 0, result.stderr
    commands = result.stdout.split("Commands:", 1)[1].strip().splitlines()
    names = [line.split()[0] for line in commands]
    assert names == ["annotate", "evaluate", "info", "label", "review", "score", "serve", "train"]
    assert not [line for line in commands if line.rstrip().endswith("...")]


def test_info_names_the_training_data_in_words():
    result = invoke_cli("info", "--model", DEFAULT_MODEL)
    assert result.returncode == 0, result.stderr
    data = json.loads((DEFAULT_MODEL / "metadata.json").read_text())["data"]
    # the seed thread, 10 Fox News and 2 YouTube threads, 100 Wikipedia replies each a thread of its own
    assert (data["comments"], data["threads"]) == (667, 113)
    assert "trained on: 667 comments in 113 threads\n" in result.stdout
