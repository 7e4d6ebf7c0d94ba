"""The labels file: valid CSV in the canonical schema, durable, repaired after a torn write."""

import csv

import pytest

from moderation.annotate.labels_file import COLUMNS, LabelsFile, key_of
from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.readers import read_comments
from tests.annotate_support import read_rows

TRICKY = 'She said "no",\nthen left.\r\nFin ✓'


def comment(number: int, text: str | None = None) -> Comment:
    return Comment(text=text or f"comment number {number}", id=str(number), thread_id="t", parent_id="", author=f"a{number}", article="Title\n\nBody")


def test_answers_are_written_in_the_canonical_schema_that_the_readers_take(tmp_path):
    path = tmp_path / "labels.csv"
    with LabelsFile(path) as labels:
        labels.save(comment(1, TRICKY), {"hostile": 1, "ad_hominem": 0})
        labels.save(comment(2), {})  # skipped
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    read = list(read_comments(path))
    assert read[0].text == TRICKY and read[0].article == "Title\n\nBody" and read[0].author == "a1"
    assert read[0].labels == {"off_topic": None, "hostile": 1, "ad_hominem": 0}  # not chosen: not annotated
    assert read[1].labels == {"off_topic": None, "hostile": None, "ad_hominem": None}


def test_reopening_finds_every_answer_by_comment(tmp_path):
    path = tmp_path / "labels.csv"
    with LabelsFile(path) as labels:
        labels.save(comment(1, TRICKY), {"hostile": 1})
    with LabelsFile(path) as labels:
        assert labels.labels_of(key_of(comment(1, TRICKY))) == {"hostile": 1}
        assert labels.labels_of(key_of(comment(2))) is None


def test_changing_an_answer_rewrites_its_row_in_place_and_keeps_other_labels(tmp_path):
    path = tmp_path / "labels.csv"
    with LabelsFile(path) as labels:
        for number in (1, 2, 3):
            labels.save(comment(number), {"hostile": 0})
        labels.save(comment(2), {"ad_hominem": 1})
        labels.save(comment(2), {"hostile": 1})
    rows = read_rows(path)
    assert [row["id"] for row in rows] == ["1", "2", "3"]  # one row per comment, order kept
    assert (rows[1]["hostile"], rows[1]["ad_hominem"]) == ("1", "1")
    assert not list(tmp_path.glob(".labels.csv.*.rewrite"))


def test_a_row_cut_off_mid_write_is_moved_aside_and_the_file_stays_valid(tmp_path):
    path = tmp_path / "labels.csv"
    with LabelsFile(path) as labels:
        labels.save(comment(1), {"hostile": 1})
        labels.save(comment(2, TRICKY), {"hostile": 0})
    whole = path.read_bytes()
    # kill -9 in the middle of appending row 2, just after the newline inside its quoted text
    cut = whole.index(b"\nthen left.") + 1
    path.write_bytes(whole[:cut])
    with LabelsFile(path) as labels:
        assert labels.repair is not None
        assert labels.repair.moved_to.read_bytes() == whole[whole.rindex(b'\n"She said') + 1 : cut]
        assert labels.labels_of(key_of(comment(1))) == {"hostile": 1}
        assert labels.labels_of(key_of(comment(2, TRICKY))) is None  # asked again
        labels.save(comment(2, TRICKY), {"hostile": 0})
    assert [row["id"] for row in read_rows(path)] == ["1", "2"]
    # and a cut in the label cells, with no final newline
    path.write_bytes(path.read_bytes()[:-3])
    with LabelsFile(path) as labels:
        assert labels.repair.moved_to.name == "labels.csv.torn-2"
        assert len(labels.rows) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("text,hostile\nhi,1\n", "not a labels file of this schema (missing id, thread_id"),
        ("text,hostile\nhi,1", "not a labels file of this schema"),  # no final newline: not taken for a torn row
        (",".join(COLUMNS) + ",extra\n", "unexpected extra"),
        (",".join(COLUMNS) + "\nhi,1,t,,,,,maybe,\n", "row 1: hostile = 'maybe' is not a label value"),
        (",".join(COLUMNS) + "\nhi,1,t,,,,,1,\nhi,1,t,,,,,0,\n", "row 2: the same comment as row 1"),
        (",".join(COLUMNS) + "\nhi,1,t,,,\n", "row 1: has 6 fields but the header has 9"),
        (",".join(COLUMNS) + '\n"a"b,1,t,,,,,1,\nok,2,t,,,,,1,\n', "line 2: malformed CSV"),
    ],
)
def test_a_file_that_is_not_a_labels_file_is_refused_with_its_row(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        LabelsFile(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert path.read_text(encoding="utf-8") == content  # untouched


def test_a_second_session_on_the_same_file_is_refused(tmp_path):
    path = tmp_path / "labels.csv"
    with LabelsFile(path):
        with pytest.raises(InputError, match="another `moderation annotate`"):
            LabelsFile(path)
        LabelsFile(path, writable=False).close()  # reading is fine
    LabelsFile(path).close()  # released


def test_a_hand_made_file_without_a_final_newline_keeps_its_last_row(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(",".join(COLUMNS), encoding="utf-8")  # header only, no newline
    with LabelsFile(path) as labels:
        labels.save(comment(1), {"hostile": 1})
    assert list(csv.DictReader(path.open(newline="")))[0]["hostile"] == "1"
