"""What a new user meets first (issue 18, rough edges): ``--version``; the README and
``--help`` agreeing on defaults; ``score`` given a CSV or JSON Lines file; the model annotate
says it uses; ``evaluate`` on the model's own training data; ``train --with-seed``."""

import csv
import json
import re
import shutil
import subprocess
import sys

import pytest
import typer

from moderation import __version__
from moderation.annotate.scoring_models import ScoringModels
from moderation.cli.app import app
from moderation.commands.evaluate import evaluate
from moderation.commands.score import score_lines
from moderation.commands.train import train, with_seed_labels
from moderation.errors import InputError
from moderation.io.readers import ReadOptions, read_comments
from moderation.shipped import shipped_path
from tests.conftest import LABELS_DIR, ROOT, SEED_CSV, run_cli


def test_version_prints_the_package_version():
    result = run_cli("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"moderation {__version__}\n", "")


def test_the_readme_serve_table_gives_the_defaults_help_gives():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| option | what it does |", 1)[1].split("\n\n", 1)[0]
    options = {opt: param for param in typer.main.get_command(app).commands["serve"].params for opt in param.opts}
    checked = 0
    for row in table.splitlines()[2:]:
        flags, said = row.strip("|").split(" | ", 1)
        for flag, default in re.findall(r"`(--[a-z-]+)[^`]*`(?:/`-\w[^`]*`)?(?: \(([^)]*)\))?", flags):
            param = options[flag]  # every option the README lists exists
            if default:
                assert default.replace(",", "") == str(param.default), (flag, default, param.default)
                checked += 1
            readme_default = re.search(r"\(default: ([^)]*)\)", said)
            if readme_default:
                help_default = re.search(r"\(default: (.*)\)", param.help or "")
                assert help_default and readme_default.group(1) == help_default.group(1), (flag, readme_default.group(1), param.help)
                checked += 1
    assert checked >= 7


# --- score and files that are not one comment per line --------------------------------------


@pytest.mark.parametrize(
    "first_line, advice",
    [
        ("id,thread_id,text,author", "`moderation label"),
        ("comment_id;text;created_at", "`moderation label"),
        ('"Text","Hostile"', "`moderation label"),
        ('{"id": "1", "text": "you idiot"}', "`moderation score --jsonl"),
    ],
)
def test_score_refuses_a_csv_or_jsonl_file_naming_how_to_read_it(shipped_model, tmp_path, first_line, advice):
    source = tmp_path / "comments.txt"
    source.write_text(f"{first_line}\n1,t,a comment,ann\n", encoding="utf-8")
    records = []
    with pytest.raises(InputError) as refused:
        score_lines(source, shipped_model, {}, records.append)
    assert records == [] and refused.value.line == 1 and advice in str(refused.value)
    assert f"cat {source} | moderation score" in str(refused.value)  # how to score its lines anyway


@pytest.mark.parametrize(
    "first_line",
    [
        "Text, please, or call me.",
        "text, email, call",  # no second column of the schema, nothing in snake_case
        "text,likes",
        "{I} think the text is fine",
        '{"note": "a JSON object, but no text field"}',
        "The text, id and author columns are all wrong in this article",
    ],
)
def test_score_scores_comments_that_only_look_a_little_like_a_header(shipped_model, tmp_path, first_line):
    source = tmp_path / "comments.txt"
    source.write_text(f"{first_line}\nA second comment.\n", encoding="utf-8")
    records = []
    score_lines(source, shipped_model, {}, records.append)
    assert [r["id"] for r in records] == ["1", "2"] and records[0]["scores"]["hostile"] is not None


def test_score_reads_a_jsonl_file_with_jsonl(shipped_model, tmp_path):
    source = tmp_path / "comments.jsonl"
    source.write_text('{"id": "a", "text": "you idiot"}\n', encoding="utf-8")
    records = []
    score_lines(source, shipped_model, {}, records.append, jsonl=True)
    assert [r["id"] for r in records] == ["a"]


def test_score_checks_a_redirected_file_but_not_a_stream(tmp_path):
    with open(SEED_CSV, encoding="utf-8") as stdin:
        redirected = subprocess.run([sys.executable, "-m", "moderation", "score"], stdin=stdin, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert redirected.returncode == 2 and redirected.stdout == ""
    assert redirected.stderr.startswith("moderation: error: <stdin>, line 1: looks like a CSV file") and len(redirected.stderr.splitlines()) == 1
    piped = run_cli("score", input="id,thread_id,text,author\nsecond line\n")  # a pipe: comments as they come
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 2


# --- annotate names its model -----------------------------------------------------------------


def test_annotate_names_the_model_it_uses(tmp_path, monkeypatch, trained_model):
    comments = list(read_comments(SEED_CSV, ReadOptions()))[:5]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "empty"))
    assert ScoringModels(comments, None).current().description == "the shipped default model"
    mine = tmp_path / "data" / "moderation" / "model"
    shutil.copytree(trained_model, mine)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert ScoringModels(comments, None).current().description == f"your model ({mine})"
    assert ScoringModels(comments, trained_model).current().description == str(trained_model)


# --- evaluate on the training data ------------------------------------------------------------


def test_evaluate_warns_on_the_models_own_training_data(shipped_model, tmp_path, capsys):
    evaluate([LABELS_DIR], shipped_model, {})
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1 and "trained on labels/comments.csv, so these numbers are optimistic" in warnings[0]
    evaluate([SEED_CSV], shipped_model, {})
    assert "optimistic" in capsys.readouterr().err
    others = tmp_path / "others.csv"
    others.write_text("text,hostile\nyou idiot,1\nthe ferry runs again,0\nshut up you moron,1\nrates rose,0\n", encoding="utf-8")
    evaluate([others], shipped_model, {})
    assert "optimistic" not in capsys.readouterr().err


# --- train --with-seed ------------------------------------------------------------------------


def my_sixteen_labels(path):
    """Sixteen labels of one's own: too few positives of every label to train on."""
    rows = [["id", "thread_id", "text", "off_topic", "hostile", "ad_hominem"]]
    hostile = ["You are an idiot.", "What a moron you are, Bob.", "Shut up, troll.", "Pathetic clown."]
    calm = ["The bus now stops at the school.", "The new timetable starts in May.", "Fares stay the same this year."]
    for number in range(16):
        text = hostile[number % 4] if number < 4 else f"{calm[number % 3]} Route {number} changes too."
        rows.append([str(number), "buses", text, int(number in (14, 15)), int(number < 4), int(number < 3)])
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def test_sixteen_labels_are_too_few_and_the_error_suggests_the_seed(tmp_path):
    with pytest.raises(InputError, match="--with-seed"):
        train([my_sixteen_labels(tmp_path / "mine.csv")], tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_train_with_seed_adds_the_shipped_labels(tmp_path):
    mine = my_sixteen_labels(tmp_path / "mine.csv")
    result = run_cli("train", mine, "--with-seed", "--model", tmp_path / "model", "--quiet")
    assert result.returncode == 0, result.stderr
    metadata = json.loads((tmp_path / "model" / "metadata.json").read_text(encoding="utf-8"))
    seed_rows = sum(1 for _ in read_comments(SEED_CSV, ReadOptions()))
    assert metadata["data"]["comments"] == 16 + seed_rows
    assert {source["path"] for source in metadata["data"]["sources"]} >= {"labels/comments.csv", str(mine)}
    assert "--with-seed" in metadata["command"]


def test_the_seed_is_added_once_however_it_is_named(tmp_path):
    seed = shipped_path("labels").resolve()
    mine = tmp_path / "mine.csv"
    assert with_seed_labels([mine]) == [mine, seed]
    assert with_seed_labels([mine, LABELS_DIR / "comments.csv"]) == [mine, seed]
    assert with_seed_labels([LABELS_DIR]) == [seed]
