"""Any labeled file in the canonical schema trains, whatever its threads and however few its
positives; and `train` writes the model that the next command reads."""

import json
import random

import pytest

from moderation.commands.model_choice import user_model_dir
from moderation.commands.train import train
from moderation.errors import InputError
from moderation.model.store import load_model
from tests.conftest import DEFAULT_MODEL, invoke_cli

HOSTILE = ["you idiot", "shut up you moron", "what a pathetic loser", "you are a clueless fool", "stupid troll"]
CALM = ["the ferry schedule changed", "rates rose again this spring", "the council met on tuesday", "a new park opens", "trains run late"]


def labeled_csv(path, rows: int, threads: int | None, positives: int, seed: int = 0):
    """A CSV with ``text`` and ``hostile`` (and ``thread_id`` spread over ``threads`` threads
    unless None); ``positives`` rows are hostile."""
    rng = random.Random(seed)
    header = "text,hostile" + (",thread_id" if threads else "")
    lines = [header]
    for i in range(rows):
        hostile = i < positives
        text = f"{rng.choice(HOSTILE if hostile else CALM)} {rng.choice(CALM)} number {i}"
        lines.append(f"{text},{int(hostile)}" + (f",t{i % threads}" if threads else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "rows, threads, positives, scheme",
    [
        (200, None, 40, "5-fold, stratified by hostile, not grouped by thread: the data has 1 thread"),
        (200, 1, 40, "5-fold, stratified by hostile, not grouped by thread: the data has 1 thread"),
        (200, 3, 40, "5-fold, stratified by hostile, not grouped by thread: the data has 3 threads"),
        (200, 20, 40, "5-fold, grouped by thread"),
        (60, None, 8, "8-fold, stratified by hostile, not grouped by thread: the data has 60 comments"),
    ],
    ids=["no thread_id", "one thread", "three threads", "twenty threads", "few positives"],
)
def test_every_shape_of_labeled_file_trains(tmp_path, rows, threads, positives, scheme):
    data = labeled_csv(tmp_path / "labels.csv", rows, threads, positives)
    metadata = train([data], tmp_path / "model", use_prior=False)
    assert metadata["training"]["cv"] == scheme
    assert metadata["trained_labels"] == ["hostile"]
    assert 0 < metadata["thresholds"]["hostile"] < 1
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert scheme in card
    scores = load_model(tmp_path / "model").scorer.score_threads([])
    assert scores.shape == (0, 3)


def test_a_class_too_small_to_cross_validate_is_skipped_not_a_crash(tmp_path, capsys):
    # Five positives: the final fit could use them, but a fold that holds one out keeps four.
    only = labeled_csv(tmp_path / "only.csv", 30, None, 5)
    with pytest.raises(InputError, match="at least 6 of each class"):
        train([only], tmp_path / "model", use_prior=False)
    lines = labeled_csv(tmp_path / "ten.csv", 30, None, 10).read_text(encoding="utf-8").splitlines()
    both = tmp_path / "both.csv"  # hostile has ten positives; ad_hominem five
    both.write_text("\n".join([lines[0] + ",ad_hominem", *(f"{line},{int(i < 5)}" for i, line in enumerate(lines[1:]))]) + "\n", encoding="utf-8")
    metadata = train([both], tmp_path / "model", use_prior=False)
    assert metadata["trained_labels"] == ["hostile"]
    assert "warning: ad_hominem not trained: 5 positive and 25 negative" in capsys.readouterr().err


# Insults in words neither the seed thread nor the word lists have.
UNSEEN_INSULTS = ["Shut up, you absolute muppet.", "Your brain must be the size of a pea.", "What a spineless weasel."]
ISSUE_INSULTS = [
    "You are an idiot and nobody wants your opinion.",
    "The council is full of corrupt idiots and liars.",
    "Nobody asked you, troll. Get lost.",
]


def test_the_prior_carries_insults_the_seed_labels_never_saw(tmp_path, trained_model, shipped_model):
    from moderation.comments import Comment
    from tests.conftest import LABELS_DIR

    with_prior = load_model(trained_model)  # the seed labels, with the shipped prior
    assert with_prior.metadata["prior"]["comments"] > 10_000
    train([LABELS_DIR], tmp_path / "seed-only", use_prior=False)
    seed_only = load_model(tmp_path / "seed-only")
    hostile = 1
    for text in UNSEEN_INSULTS:  # each alone, as `moderation score` sees a first comment
        comment = [Comment(text=text, thread_id="x")]
        assert with_prior.scorer.score_threads(comment)[0, hostile] > seed_only.scorer.score_threads(comment)[0, hostile] + 0.03, text
    for text in ISSUE_INSULTS[:2]:  # the shipped model, trained on more threads, flags them
        assert shipped_model.scorer.score_threads([Comment(text=text, thread_id="x")])[0, hostile] >= shipped_model.thresholds["hostile"], text


def test_train_without_model_writes_the_users_model_that_every_command_then_uses(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    data = labeled_csv(tmp_path / "labels.csv", 60, None, 12)
    shipped_before = (DEFAULT_MODEL / "model.npz").read_bytes()
    before = json.loads(invoke_cli("score", input="stupid troll number 7\n", env=env).stdout)
    trained = invoke_cli("train", data, "--no-prior", env=env)
    assert trained.returncode == 0, trained.stderr
    folder = tmp_path / "data" / "moderation" / "model"
    assert f"model written to {folder}" in trained.stdout
    info = json.loads(invoke_cli("info", "--json", env=env).stdout)
    assert info["path"] == str(folder) and "your model" in info["reason"]
    after = json.loads(invoke_cli("score", input="stupid troll number 7\n", env=env).stdout)
    assert after["scores"] != before["scores"]  # score now uses the new model
    assert (DEFAULT_MODEL / "model.npz").read_bytes() == shipped_before  # the shipped one is untouched
    assert user_model_dir() != folder  # the tests' own user folder is another one


def test_a_prior_that_is_not_one_is_refused_before_training(tmp_path):
    data = labeled_csv(tmp_path / "labels.csv", 60, None, 12)
    with pytest.raises(Exception, match="no model folder here"):
        train([data], tmp_path / "model", prior=tmp_path / "nowhere")
    assert not (tmp_path / "model").exists()


def folds_share_a_text(folds, texts) -> bool:
    return any({texts[i] for i in train_rows} & {texts[i] for i in test_rows} for train_rows, test_rows in folds)


@pytest.mark.parametrize("threads", [1, 12], ids=["stratified", "grouped by thread"])
def test_copies_of_a_text_are_never_split_across_folds(threads):
    """Issue 17: each training row three times lifted cross-validated ROC-AUC from 0.84 to 1.00."""
    import numpy as np

    from moderation.comments import Comment
    from moderation.model.pipeline import cv_splits

    rng = random.Random(3)
    comments, labels = [], []
    for i in range(150):
        hostile = i % 4 == 0
        text = f"{rng.choice(HOSTILE if hostile else CALM)} number {i}"
        for copy in range(1 + (i % 3 == 0) + (i % 5 == 0)):  # some texts twice or three times
            thread = f"t{(i + 7 * copy) % threads}"  # copies in other threads too
            comments.append(Comment(text=text if copy % 2 == 0 else text.upper() + "!", id=f"{i}.{copy}", thread_id=thread))
            labels.append([np.nan, float(hostile), np.nan])
    folds, scheme, duplicates = cv_splits(comments, np.array(labels), random_state=0)
    texts = [c.text.lower().rstrip("!") for c in comments]
    assert duplicates == len(comments) - 150 > 50
    assert f"{duplicates} comments repeating another's text kept in its fold" in scheme
    assert ("not grouped by thread" in scheme) == (threads == 1)
    assert not folds_share_a_text(folds, texts)
    assert sorted(np.concatenate([test_rows for _, test_rows in folds]).tolist()) == list(range(len(comments)))


def test_tripled_training_data_cross_validates_like_the_original(tmp_path, trained_model):
    import csv

    from tests.conftest import SEED_CSV

    with open(SEED_CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(tmp_path / "tripled.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "id": f"{row['id']}.{copy}"} for row in rows for copy in range(3))
    tripled = train([tmp_path / "tripled.csv"], tmp_path / "model")
    original = json.loads((trained_model / "metadata.json").read_text(encoding="utf-8"))
    assert tripled["data"]["comments"] == 3 * original["data"]["comments"] == 141
    assert tripled["data"]["duplicates"] == 94 and original["data"]["duplicates"] == 0
    assert "94 comments repeating another's text kept in its fold" in tripled["training"]["cv"]
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "94 of them repeating an earlier comment's text" in card
    for label, metrics in original["cv_metrics"].items():
        assert tripled["cv_metrics"][label]["roc_auc"] == pytest.approx(metrics["roc_auc"], abs=0.05), label
