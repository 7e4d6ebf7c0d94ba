"""``models/build.py``, the recipe of the shipped prior, on small files shaped like the public data
(the shipped models themselves are checked against a rebuild in test_reproducibility.py)."""

import csv
import importlib.util
import json
import sys

import numpy as np
import pytest

from moderation.comments import LABELS, Comment
from moderation.model.store import load_model
from tests.conftest import ROOT

INSULTS = ["you are a worthless idiot", "shut up you pathetic moron", "what a stupid clown you are", "go away you vile troll"]
CIVIL = ["the bus route changes next week", "thanks for the clear explanation", "the library opens on sunday", "I agree with the council plan"]
SPAM = ["check out my channel and subscribe", "visit www.cheap-deals.biz for free gift cards", "subscribe to my channel please", "earn money from home at www.cash.biz"]


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build", ROOT / "models" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build"] = module
    spec.loader.exec_module(module)
    return module


def write_csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def public_data(tmp_path_factory):
    """Each public set the prior reads, a few rows of it in its own file format."""
    data = tmp_path_factory.mktemp("data")
    texts = [(t, 1) for t in INSULTS * 3] + [(t, 0) for t in CIVIL * 3]
    write_csv(data / "toxic-spans-civil-comments/comments.csv", ["comment_id", "comment_text"], [(i, t) for i, (t, _) in enumerate(texts)])
    write_csv(
        data / "toxic-spans-civil-comments/annotations.csv",
        ["annotation", "comment_id", "worker", "country", "all toxic", "not toxic"],
        [(i, i, 1, "USA", False, hostile == 0) for i, (_, hostile) in enumerate(texts)],
    )
    for name in ("gc", "gn"):
        write_csv(data / f"wiki-talk-context-toxicity/{name}.csv", ["id", "text", "parent", "label", "api"], [(f"{name}{i}", t, "", h, 0) for i, (t, h) in enumerate(texts)])
    (data / "fox-news-comments").mkdir()
    with open(data / "fox-news-comments/fox-news-comments.json", "w", encoding="utf-8") as stream:
        for t, h in texts:
            stream.write(json.dumps({"title": "A story", "meta": "What it says", "text": t, "label": h, "user": "u", "mentions": "", "prev": "", "succ": ""}) + "\n")
    for video in build_videos():
        write_csv(
            data / f"youtube-spam-collection/{video}.csv",
            ["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"],
            [(f"{video}-{i}", "a", "2014", t, 1) for i, t in enumerate(SPAM * 2)] + [(f"{video}-h{i}", "b", "2014", t, 0) for i, t in enumerate(CIVIL * 2)],
        )
    return data


def build_videos():
    return ("01-9bZkp7q19f0", "04-CevxZvSJLk8", "07-KQ6zr6kCPj8", "08-uelHwf8o7_U", "09-pRpeEdMmmQ0")


def test_the_prior_recipe_learns_hostility_and_spam_from_the_public_sets(build, public_data, tmp_path):
    assert build.main(["--data", str(public_data), "--prior-only", "--prior-out", str(tmp_path / "prior")]) == 0
    prior = load_model(tmp_path / "prior")
    assert prior.metadata["trained_labels"] == ["off_topic", "hostile"]
    assert prior.metadata["data"]["without"] == ["davidson"]
    assert {s["path"].split(" ")[0] for s in prior.metadata["data"]["sources"]} == {"toxic-spans", "wiki-cat", "fox-news", "youtube-spam"}
    assert "CC BY 4.0" in (tmp_path / "prior" / "MODEL_CARD.md").read_text(encoding="utf-8")
    scores = prior.scorer.score_threads([Comment(t, thread_id=str(i)) for i, t in enumerate(["you worthless pathetic idiot", "the council plan for the library", "subscribe to my channel www.deals.biz"])])
    hostile, off_topic = LABELS.index("hostile"), LABELS.index("off_topic")
    assert scores[0, hostile] > 0.5 > scores[1, hostile]
    assert scores[2, off_topic] > 0.5 > scores[1, off_topic]
    assert np.isnan(scores[:, LABELS.index("ad_hominem")]).all()  # no public data labels it


def test_the_build_refuses_to_run_without_the_public_data(build, tmp_path, capsys):
    assert build.main(["--data", str(tmp_path / "nowhere"), "--prior-out", str(tmp_path / "prior")]) == 2
    assert "no public data" in capsys.readouterr().err
    assert not (tmp_path / "prior").exists()
