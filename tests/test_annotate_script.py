"""`moderation annotate` without a terminal: --next, --answers, errors, retraining."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from moderation.annotate.labels_file import LabelsFile
from moderation.annotate.scoring_models import ScoringModels
from moderation.annotate.retrain import Retrainer
from moderation.annotate.session import Session
from moderation.comments import LABELS
from moderation.io.readers import read_comments
from tests.annotate_support import read_rows, write_answers, write_comments
from tests.conftest import ROOT, SEED_CSV, invoke_cli


@pytest.fixture
def comments_csv(tmp_path):
    return write_comments(tmp_path / "comments.csv", 30)


def next_json(comments_csv, labels, count, *extra):
    result = invoke_cli("annotate", comments_csv, "--labels", labels, "--next", count, "--json", *extra)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_next_prints_the_comments_to_label_with_their_context(tmp_path, comments_csv):
    labels = tmp_path / "labels.csv"
    records = next_json(comments_csv, labels, 30, "--random-share", "0")
    assert len(records) == 30 and len({r["key"] for r in records}) == 30
    reply = next(r for r in records if r["id"] == "c6")
    assert reply["parent"]["id"] == "c4" and reply["parent"]["author"] == "user4"
    assert reply["article_title"] == "Ferry service resumes in April"
    assert set(reply["scores"]) == set(LABELS) and all(s is not None for s in reply["scores"].values())
    log_odds = lambda p: np.log(p / (1 - p))  # noqa: E731
    margins = [min(abs(log_odds(r["scores"][k]) - log_odds(r["thresholds"][k])) for k in LABELS) for r in records]
    assert margins == sorted(margins)  # least certain first
    assert {r["picked"] for r in records} == {"least certain"}
    assert not labels.exists()  # looking ahead writes nothing


def test_answers_are_saved_and_never_asked_again(tmp_path, comments_csv):
    labels = tmp_path / "labels.csv"
    first = next_json(comments_csv, labels, 3)
    answers = write_answers(
        tmp_path / "answers.jsonl",
        [
            {"key": first[0]["key"], "off_topic": 0, "hostile": 1, "ad_hominem": True},
            {"id": first[1]["id"], "thread_id": first[1]["thread_id"], "skip": True},
            {"id": first[2]["id"], "off_topic": "0", "hostile": 0, "ad_hominem": 0},
        ],
    )
    result = invoke_cli("annotate", comments_csv, "--labels", labels, "--answers", answers, "--next", "30", "--json")
    assert result.returncode == 0, result.stderr
    assert "3 answers applied" in result.stderr and "3 of 30 comments done" in result.stderr
    rest = [json.loads(line)["key"] for line in result.stdout.splitlines()]
    assert len(rest) == 27 and not {r["key"] for r in first} & set(rest)
    rows = read_rows(labels)
    assert [(r["id"], r["hostile"], r["ad_hominem"]) for r in rows] == [(first[0]["id"], "1", "1"), (first[1]["id"], "", ""), (first[2]["id"], "0", "0")]
    trained = [c for c in read_comments(labels) if any(v is not None for v in c.labels.values())]
    assert len(trained) == 2 and trained[0].author and trained[0].article.startswith(("Cuba", "Ferry"))


def test_comments_can_come_from_stdin_in_script_mode(tmp_path, comments_csv):
    result = invoke_cli("annotate", "-", "--labels", tmp_path / "labels.csv", "--next", "2", input=comments_csv.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1. comment c")


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"key": "nope", "hostile": 1}, "answers.jsonl, line 2: no comment of the input has key 'nope'"),
        ({"id": "c1", "hostile": 1}, "answers.jsonl, line 2: no value for off_topic, ad_hominem"),
        ({"id": "c1", "off_topic": 0, "hostile": 2, "ad_hominem": 0}, "hostile = 2 is not an answer"),
        ({"id": "c2", "off_topic": 0, "hostile": 0, "ad_hominem": 0}, "line 2: a second answer for the comment answered on line 1"),
    ],
)
def test_a_bad_answer_stops_before_anything_is_written(tmp_path, comments_csv, answer, message):
    labels = tmp_path / "labels.csv"
    good = {"id": "c2", "off_topic": 0, "hostile": 0, "ad_hominem": 0}
    answers = write_answers(tmp_path / "answers.jsonl", [good, answer])
    result = invoke_cli("annotate", comments_csv, "--labels", labels, "--answers", answers)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert read_rows(labels) == []  # the header only


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "c1", "hostile": ' + "[" * 100_000 + "]" * 100_000 + "}", "line 2: JSON nested too deeply"),
        ('{"id": "c1", "id": "c3", "off_topic": 0, "hostile": 0, "ad_hominem": 0}', "line 2: the key 'id' appears twice"),
        ('{"id": 1' + "0" * 5000 + ', "off_topic": 0, "hostile": 0, "ad_hominem": 0}', "line 2: a value cannot be read"),
    ],
)
def test_an_answers_line_that_is_no_plain_object_gets_a_one_line_error(tmp_path, comments_csv, line, message):
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"id": "c2", "off_topic": 0, "hostile": 0, "ad_hominem": 0}) + "\n" + line + "\n", encoding="utf-8")
    result = invoke_cli("annotate", comments_csv, "--labels", tmp_path / "labels.csv", "--answers", answers)
    assert result.returncode == 2
    assert message in result.stderr and "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_labels_file_of_another_schema_stops_the_command_with_one_line(tmp_path, comments_csv):
    labels = tmp_path / "mine.csv"
    labels.write_text("text,hostile\nyou fool,1\n", encoding="utf-8")
    result = invoke_cli("annotate", comments_csv, "--labels", labels, "--next", "1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"moderation: error: {labels}, line 1: not a labels file of this schema (missing id, thread_id, parent_id, author, article, "
        "off_topic, ad_hominem); it needs exactly the columns text,id,thread_id,parent_id,author,article,off_topic,hostile,ad_hominem; "
        "give a new file name with --labels"
    ]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--json"], "--json goes with --next K"),
        (["--label", "rude"], "unknown label rude"),
        ([], "the labeling screen needs a terminal; in scripts use --next K --json and --answers FILE"),
    ],
)
def test_bad_usage_is_explained(tmp_path, comments_csv, arguments, message):
    result = invoke_cli("annotate", comments_csv, "--labels", tmp_path / "labels.csv", *arguments, input="")
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())


@pytest.mark.slow  # a fresh interpreter
def test_score_does_not_load_the_annotation_screen_at_start_up():
    probe = "import sys, moderation.cli; print(sorted(m for m in sys.modules if m.startswith(('prompt_toolkit', 'moderation.annotate'))))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.slow  # trains in a background process
def test_retraining_in_the_background_learns_from_the_labels_file(tmp_path):
    """The seed thread's labels, answered through the answers file, retrain a model that the
    session then orders by (only where it ranks the answers at least as well)."""
    seed = list(read_comments(SEED_CSV))
    for comment in seed:
        comment.thread_id = "seed"
    labels_path = tmp_path / "labels.csv"
    with LabelsFile(labels_path) as labels_file:
        labels_file.save_many([(c, {k: v for k, v in c.labels.items() if v is not None}) for c in seed])
        models = ScoringModels(seed, None)
        session = Session(seed, labels_file, LABELS, random_share=0.0)
        session.set_scores(models.current())
        retrainer = Retrainer(labels_file, tmp_path / "labels.model", models.precision_target())
        assert retrainer.start() == len(seed)
        deadline = time.monotonic() + 900
        while (result := retrainer.poll()) is None:
            assert time.monotonic() < deadline, "retraining did not finish"
            time.sleep(0.5)
        assert result.ok, result.error
        assert set(result.trained_labels) == set(LABELS)
        models.use_learned(retrainer.model_dir, session.answers())
        assert not np.isnan(models.learned_cv_auc).any() and not np.isnan(models.base_auc).any()
        current = models.current()
        assert current.learned.tolist() == (models.learned_cv_auc >= models.base_auc).tolist()
        assert "moderation train" in (tmp_path / "labels.model" / "metadata.json").read_text(encoding="utf-8")
