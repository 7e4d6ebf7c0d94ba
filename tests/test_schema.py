"""The canonical CSV/JSONL schema: label values, unannotated labels, errors with row numbers."""

import pytest

from moderation.errors import InputError
from moderation.io.labeled import load_training_data
from moderation.io.readers import ReadOptions, detect_format, read_comments
from moderation.io.readers.tabular import Columns


def read_csv(path, columns=Columns()):
    return read_comments(path, ReadOptions(format="csv", columns=columns))


def read_jsonl(path):
    return read_comments(path, ReadOptions(format="jsonl"))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_label_values_and_empty_cells(tmp_path):
    path = write(
        tmp_path,
        "labels.csv",
        "text,hostile,ad_hominem\n"
        "a,1,0\n"
        "b,true,false\n"
        "c,Yes,NO\n"
        "d,,1\n",
    )
    comments = list(read_csv(path))
    assert [c.labels for c in comments] == [
        {"hostile": 1, "ad_hominem": 0},
        {"hostile": 1, "ad_hominem": 0},
        {"hostile": 1, "ad_hominem": 0},
        {"hostile": None, "ad_hominem": 1},
    ]
    # off_topic has no column: the file does not annotate it at all.
    assert all("off_topic" not in c.labels for c in comments)


def test_label_columns_are_matched_however_spelled(tmp_path):
    path = write(tmp_path, "caps.csv", "text,HOSTILE, Off_Topic ,Ad-Hominem\na,1,0,1\nb,0,,0\n")
    assert [c.labels for c in read_csv(path)] == [
        {"off_topic": 0, "hostile": 1, "ad_hominem": 1},
        {"off_topic": None, "hostile": 0, "ad_hominem": 0},
    ]
    path = write(tmp_path, "caps.jsonl", '{"text": "hi", "Hostile": 1, "ad hominem": false}\n')
    assert [c.labels for c in read_jsonl(path)] == [{"hostile": 1, "ad_hominem": 0}]
    # Run together, in fullwidth letters, or with an invisible character typed in.
    path = write(tmp_path, "joined.csv", "text,OffTopic,ＨＯＳＴＩＬＥ,ad\u200bhominem,hostile_score\na,1,0,1,0.9\n")
    assert [c.labels for c in read_csv(path)] == [{"off_topic": 1, "hostile": 0, "ad_hominem": 1}]


def test_training_says_which_column_looks_like_a_label_it_does_not_read(tmp_path, capsys):
    rows = "".join(f"comment {i},{i % 2},{i % 3 == 0},{i % 2}\n" for i in range(12))
    path = write(tmp_path, "named.csv", "text,off_topic,is_hostile,hostile_score\n" + rows)
    data = load_training_data([path])
    assert {label for c in data.comments for label in c.labels} == {"off_topic"}
    warnings = capsys.readouterr().err
    assert "no column holds hostile, so it is not used for training; rename 'is_hostile' to hostile" in warnings
    assert "hostile_score" not in warnings and "ad_hominem" not in warnings


def test_two_columns_of_one_label_are_refused(tmp_path):
    path = write(tmp_path, "twice.csv", "text,hostile,HOSTILE\na,1,0\n")
    with pytest.raises(InputError) as error:
        list(read_csv(path))
    assert str(error.value).endswith("twice.csv, line 1: columns 'hostile' and 'HOSTILE' both hold the hostile label; keep one of them")
    path = write(tmp_path, "twice.jsonl", '{"text": "a"}\n{"text": "b", "off_topic": 1, "Off-Topic": 0}\n')
    with pytest.raises(InputError, match="twice.jsonl, line 2: columns 'off_topic' and 'Off-Topic' both hold the off_topic label"):
        list(read_jsonl(path))


def test_optional_columns_and_default_ids(tmp_path):
    path = write(tmp_path, "c.csv", "text,thread_id,author,article,extra\nhello,t1,Ann,The article,x\nbye,t1,Bob,The article,y\n")
    first, second = read_csv(path)
    assert (first.id, first.thread_id, first.author, first.article) == ("1", "t1", "Ann", "The article")
    assert second.id == "2"
    assert second.row == {"text": "bye", "thread_id": "t1", "author": "Bob", "article": "The article", "extra": "y"}


def test_bad_label_value_names_row_and_fix(tmp_path):
    path = write(tmp_path, "bad.csv", "text,hostile\nok,1\nhmm,maybe\n")
    with pytest.raises(InputError) as error:
        list(read_csv(path))
    assert "bad.csv, row 2: hostile = 'maybe' is not a label value" in str(error.value)
    assert "use 1/0, true/false, yes/no" in str(error.value)


def test_missing_text_column_lists_the_columns(tmp_path):
    path = write(tmp_path, "notext.csv", "body,hostile\nhello,1\n")
    with pytest.raises(InputError, match="no 'text' column; found columns: body, hostile"):
        list(read_csv(path))
    assert [c.text for c in read_csv(path, Columns(text="body"))] == ["hello"]


def test_quoted_newlines_and_bom_and_crlf(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b'\xef\xbb\xbftext,id\r\n"line one\r\nline two",a\r\nplain,b\r\n')
    comments = list(read_csv(path))
    assert [c.text for c in comments] == ["line one\r\nline two", "plain"]  # kept exactly as given
    assert [c.id for c in comments] == ["a", "b"]


def test_jsonl_records(tmp_path):
    path = write(tmp_path, "c.jsonl", '{"text": "hi", "id": 7, "hostile": true}\n\n{"text": "yo", "thread_id": "t"}\n')
    first, second = read_jsonl(path)
    assert (first.id, first.labels) == ("7", {"hostile": 1})
    assert (second.id, second.thread_id) == ("3", "t")


@pytest.mark.parametrize(
    "line, message",
    [
        ("{bad json", "line 1: malformed JSON"),
        ("[1, 2]", "line 1: expected a JSON object, got an array"),
        ('{"body": "x"}', "line 1: JSON object has no 'text' field"),
        ('{"text": 5}', "line 1: 'text' must be a string, got number"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path, line, message):
    path = write(tmp_path, "c.jsonl", line + "\n")
    with pytest.raises(InputError, match=message):
        list(read_jsonl(path))


def test_format_detection(tmp_path, seed_comments):
    from tests.conftest import SEED_THREAD

    assert detect_format(SEED_THREAD) == "thread"
    assert detect_format(write(tmp_path, "x.data", '{"text": "a"}\n')) == "jsonl"
    assert detect_format(write(tmp_path, "y.data", "text\na\n")) == "csv"
    assert [c.text for c in read_comments(SEED_THREAD)] == [c.text for c in seed_comments]


def test_training_data_with_label_columns_in_capitals_keeps_every_label(tmp_path):
    """Issue 17: "HOSTILE" and "Off_Topic" columns were ignored, and the model card then blamed
    too few examples."""
    import numpy as np

    from moderation.io.labeled import label_matrix, load_training_data
    from tests.conftest import SEED_CSV

    lines = SEED_CSV.read_text(encoding="utf-8").split("\n", 1)
    renamed = lines[0].replace("off_topic", "Off_Topic").replace("hostile", "HOSTILE").replace("ad_hominem", " Ad Hominem ")
    assert renamed != lines[0]
    path = write(tmp_path, "renamed.csv", renamed + "\n" + lines[1])
    original = label_matrix(load_training_data([SEED_CSV]).comments)
    np.testing.assert_array_equal(label_matrix(load_training_data([path]).comments), original)
    assert not np.isnan(original).any()


def test_train_refuses_two_columns_of_one_label_in_one_line(tmp_path):
    from tests.conftest import invoke_cli

    path = write(tmp_path, "twice.csv", "text,hostile,Hostile\na,1,0\n")
    result = invoke_cli("train", path, "--model", tmp_path / "model")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "columns 'hostile' and 'Hostile' both hold the hostile label; keep one of them" in result.stderr
    assert not (tmp_path / "model").exists()
