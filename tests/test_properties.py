"""Property tests: readers return comments or our input error, nothing else; label loses
nothing; score answers every line."""

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.errors import InputError
from moderation.features.language import language_note
from moderation.commands.label import label_file
from moderation.io.readers import ReadOptions, read_comments
from moderation.commands.score import score_lines

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text with the characters that matter to our formats: bullets, quotes, commas, braces, line ends.
FORMAT_PIECES = list("ab •\"',{}[]:\n\r\t\\é😀") + ["1 thoughts on ", "text", "  • ", "    ", "Comments are closed."]
FORMAT_TEXT = st.lists(st.sampled_from(FORMAT_PIECES), max_size=60).map("".join)


@pytest.fixture(scope="module")
def model(shipped_model):
    return shipped_model


def only_comments_or_input_error(reader, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input"
        path.write_bytes(data)
        try:
            comments = list(reader(path))
        except InputError:
            return
        assert all(isinstance(c.text, str) and isinstance(c.id, str) for c in comments)


@SETTINGS
@given(st.one_of(st.binary(), FORMAT_TEXT.map(lambda t: t.encode("utf-8"))))
def test_thread_export_parser(data):
    only_comments_or_input_error(lambda path: read_comments(path, ReadOptions(format="thread")), data)


@SETTINGS
@given(st.one_of(st.binary(), FORMAT_TEXT.map(lambda t: ("text,id\n" + t).encode("utf-8"))))
def test_csv_reader(data):
    only_comments_or_input_error(lambda path: read_comments(path, ReadOptions(format="csv")), data)


@SETTINGS
@given(st.one_of(st.binary(), FORMAT_TEXT.map(lambda t: ('{"text": "a"}\n' + t).encode("utf-8"))))
def test_jsonl_reader(data):
    only_comments_or_input_error(lambda path: read_comments(path, ReadOptions(format="jsonl")), data)


@SETTINGS
@given(st.one_of(st.binary(), FORMAT_TEXT.map(lambda t: t.encode("utf-8")), st.just(b"<?xml version='1.0'?><rss><x/></rss>")))
def test_any_format_through_detection(data):
    only_comments_or_input_error(read_comments, data)


def expected_note(text: str) -> str:
    """Why a comment is not scored: it has no text, or is in a language the model cannot read."""
    if not text.strip():
        return "empty text: nothing to score"
    return language_note(text) or ""


# NUL bytes are refused as "not text" by design (see test_errors), so valid input has none.
VALID_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"))


@SETTINGS
@given(st.lists(st.tuples(VALID_TEXT, st.sampled_from(["t1", "t2", ""])), min_size=1, max_size=25))
def test_label_writes_every_row_once_in_order(model, tmp_path, rows):
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "text", "thread_id"])
        writer.writerows((f"c{i}", text, thread) for i, (text, thread) in enumerate(rows))
    output = tmp_path / "out.jsonl"
    summary = label_file(source, output, model, model.thresholds, quiet=True)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert summary.comments == len(rows)
    assert [r["id"] for r in records] == [f"c{i}" for i in range(len(rows))]
    assert [r["text"] for r in records] == [text for text, _ in rows]
    for record, (text, _) in zip(records, rows):
        assert record["note"] == expected_note(text)


@SETTINGS
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\n\r\x00")), min_size=1, max_size=20))
def test_score_answers_every_line(model, tmp_path, lines):
    source = tmp_path / "lines.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = []
    score_lines(source, model, model.thresholds, records.append)
    assert [r["id"] for r in records] == [str(i) for i in range(1, len(lines) + 1)]
    for record, line in zip(records, lines):
        assert record.get("note", "") == expected_note(line)


def test_score_answers_a_line_that_is_not_utf8_with_an_error_and_goes_on(model, tmp_path):
    source = tmp_path / "lines.txt"
    source.write_bytes(b"ok\n\xff\xfe bad\n\nyou idiot\n")
    records = []
    bad = score_lines(source, model, model.thresholds, records.append)
    assert bad == 1
    assert [r["id"] for r in records] == ["1", "2", "3", "4"]
    assert records[1]["error"].startswith("invalid utf-8 at byte offset 3")
    assert records[1]["scores"]["hostile"] is None
    assert "note" in records[2]
    assert records[3]["scores"]["hostile"] > records[0]["scores"]["hostile"]


@settings(max_examples=500, deadline=None)
@given(chunk=st.text(alphabet="abxyz0134578@$!+", max_size=14))
def test_leetspeak_candidates_are_the_backtracking_patterns_in_linear_time(chunk):
    """The tokenizer's linear leetspeak pattern decodes a chunk as the earlier pattern did
    ("letters, then a symbol somewhere"), which took cubic time on a long word."""
    import re

    from moderation.features.text import LEET_CANDIDATE, _decode_leet

    backtracking = re.compile(r"[a-z]+[a-z0-9@$!+]*[0-9@$!+][a-z0-9@$!+]*")
    assert LEET_CANDIDATE.sub(_decode_leet, chunk) == backtracking.sub(_decode_leet, chunk)


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="abxyzАаеосрхі éΑα'-.,1_\u200bａ", max_size=16))
def test_lookalike_words_are_the_backtracking_patterns_in_linear_time(text):
    """Folding finds words with look-alike letters as the earlier pattern did (any run of word
    characters around one), which took quadratic time on a long word: 35 s for 20,000 letters."""
    import re

    from moderation.features.folding import LOOKALIKES_BY_LETTER, _latin_word, character_class, patterns

    backtracking = re.compile(r"\w*" + character_class("".join(LOOKALIKES_BY_LETTER.values())) + r"\w*")
    assert patterns().lookalike_word.sub(_latin_word, text) == backtracking.sub(_latin_word, text)
