"""A session without a terminal: what is shown, saving, skipping, going back, resuming."""

import numpy as np
import pytest

from moderation.annotate.labels_file import LabelsFile
from moderation.annotate.moderation_access import LABELS, Comment
from moderation.annotate.session import ModelScores, Session
from moderation.annotate.terminal import ScreenState, render
from tests.annotate_support import read_rows

THRESHOLDS = np.array([0.5, 0.5, 0.5])


def comments(count: int = 8) -> list[Comment]:
    made = [
        Comment(text=f"comment {n} says something", id=str(n), thread_id="t", parent_id=str(n - 1) if n % 2 == 0 else "", author=f"u{n}", article="The title\n\nFirst lines of the article.")
        for n in range(count)
    ]
    made.append(Comment(text="   ", id="empty", thread_id="t"))  # nothing to judge
    return made


def model(count: int) -> ModelScores:
    """Comment n's hostile and ad_hominem scores move away from the threshold as n grows: 0 is
    least certain."""
    scores = np.full((count, len(LABELS)), 0.01)
    scores[:, 1] = scores[:, 2] = 0.5 + 0.04 * np.arange(count)
    return ModelScores(scores, THRESHOLDS, np.zeros(3, dtype=bool), "test model")


def session(path, chosen=LABELS, items=None) -> Session:
    items = items or comments()
    started = Session(items, LabelsFile(path), chosen, random_share=0.0)
    started.set_scores(model(len(items)))
    return started


def shown_id(s: Session) -> str:
    return s.comments[s.shown()].id


def test_least_certain_first_and_empty_comments_never_asked(tmp_path):
    s = session(tmp_path / "labels.csv")
    assert [s.comments[i].id for i in s.upcoming(8)] == [str(n) for n in range(8)]
    assert s.progress().total == 8


def test_saving_records_unchecked_labels_as_zero_and_moves_on(tmp_path):
    path = tmp_path / "labels.csv"
    s = session(path)
    s.toggle("hostile")
    s.toggle("ad_hominem")
    s.toggle("ad_hominem")  # set then cleared
    s.save()
    assert shown_id(s) == "1"
    row = read_rows(path)[0]
    assert (row["id"], row["off_topic"], row["hostile"], row["ad_hominem"]) == ("0", "0", "1", "0")
    assert s.progress().positives == {"off_topic": 0, "hostile": 1, "ad_hominem": 0}


def test_going_back_changes_an_answer_then_returns_to_where_you_were(tmp_path):
    path = tmp_path / "labels.csv"
    s = session(path)
    for _ in range(3):
        s.save()
    assert shown_id(s) == "3"
    s.toggle("off_topic")  # on screen, not saved: dropped by going back
    assert s.back() and shown_id(s) == "2" and s.revisiting()
    assert s.back() and shown_id(s) == "1"
    s.toggle("hostile")
    s.save()  # changes comment 1, shows the next answer
    assert shown_id(s) == "2" and s.revisiting()
    s.skip()  # s on an earlier answer leaves it as it was
    assert shown_id(s) == "3" and not s.revisiting()
    assert s.draft == {}
    rows = read_rows(path)
    assert [(r["id"], r["hostile"]) for r in rows] == [("0", "0"), ("1", "1"), ("2", "0")]


def test_back_with_no_answers_says_so(tmp_path):
    assert session(tmp_path / "labels.csv").back() is False


def test_a_new_session_resumes_without_repeating_and_in_the_same_order(tmp_path):
    path = tmp_path / "labels.csv"
    first = session(path)
    first.save()
    first.skip()  # skipped comments are not asked again either
    first.save()
    upcoming = first.upcoming(3)
    first.labels_file.close()
    again = session(path)
    assert again.upcoming(3) == upcoming
    assert shown_id(again) == "3"
    assert again.progress().answered == 3 and again.progress().skipped == 1


def test_a_comment_answered_for_other_labels_is_asked_for_the_new_ones_and_keeps_the_old(tmp_path):
    path = tmp_path / "labels.csv"
    first = session(path, chosen=("hostile",))
    first.toggle("hostile")
    first.save()
    first.labels_file.close()
    second = session(path, chosen=("ad_hominem",))
    assert shown_id(second) == "0"  # answered for hostile only
    second.toggle("ad_hominem")
    second.save()
    row = read_rows(path)[0]
    assert (row["off_topic"], row["hostile"], row["ad_hominem"]) == ("", "1", "1")


def test_new_scores_reorder_what_is_left_and_keep_the_comment_on_screen(tmp_path):
    s = session(tmp_path / "labels.csv")
    s.save()
    assert shown_id(s) == "1"
    reversed_model = model(len(s.comments))
    reversed_model.scores[:8, 1:] = reversed_model.scores[:8, 1:][::-1]
    s.set_scores(reversed_model)
    assert shown_id(s) == "1"
    assert [s.comments[i].id for i in s.upcoming(4)] == ["1", "7", "6", "5"]


def test_the_record_carries_what_a_moderator_needs(tmp_path):
    s = session(tmp_path / "labels.csv")
    record = s.record(2)
    assert record["article_title"] == "The title"
    assert record["article_start"] == "First lines of the article."
    assert record["parent"] == {"id": "1", "author": "u1", "text": "comment 1 says something"}
    assert record["author"] == "u2"
    assert record["scores"]["hostile"] == pytest.approx(0.58)
    assert record["flags"] == ["hostile", "ad_hominem"]


def test_the_screen_fits_80_by_24_and_shows_the_context_and_the_keys(tmp_path):
    items = comments()
    items[2].text = "A long comment. " * 200
    s = session(tmp_path / "labels.csv", items=items)
    s.save(), s.save()
    assert shown_id(s) == "2"
    s.toggle("hostile")
    lines = render(s, ScreenState(), "labels.csv", 80, 24)
    text = ["".join(fragment for _, fragment in line) for line in lines]
    assert len(text) == 24 and all(len(line) <= 80 for line in text)
    screen = "\n".join(text)
    for expected in ("2/8 done", "Article: The title", "In reply to u1: comment 1", "comment 2 by u2", "hostile 0.58*", "[x] h hostile", "[ ] o off_topic", "b: back", "?: help", "q: quit", "Up/Down scroll"):
        assert expected in screen, expected
