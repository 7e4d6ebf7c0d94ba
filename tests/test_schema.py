"""The canonical CSV/JSONL schema: label values, unannotated labels, errors with row numbers."""

import pytest

from moderation.errors import InputError
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
