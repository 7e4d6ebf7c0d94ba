"""The shipped labels: complete, consistent with the thread export, and explained."""

import csv

from moderation.comments import LABELS
from tests.conftest import SEED_CSV


def read_rows():
    with open(SEED_CSV, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_every_comment_is_labeled_with_the_same_text_as_the_export(seed_comments):
    rows = read_rows()
    assert [r["id"] for r in rows] == [c.id for c in seed_comments]
    assert [r["text"] for r in rows] == [c.text for c in seed_comments]
    assert {r["thread_id"] for r in rows} == {"havana-times-cuba-north-korea"}
    for row in rows:
        assert all(row[label] in ("0", "1") for label in LABELS), row["id"]


def test_every_positive_has_a_rationale():
    for row in read_rows():
        if any(row[label] == "1" for label in LABELS):
            assert row["rationale"].strip(), f"comment {row['id']} has a 1 but no rationale"


def test_each_label_has_enough_positives_to_train():
    rows = read_rows()
    for label in LABELS:
        positives = sum(row[label] == "1" for row in rows)
        assert 5 <= positives <= 20, (label, positives)
