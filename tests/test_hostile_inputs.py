"""Inputs built to crash or exhaust a reader: each ends in comments or one clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.commands import label as labeling
from moderation.commands.label import label_file
from moderation.errors import InputError
from moderation.io.readers import ReadOptions, read_comments
from moderation.io.readers import xml_stream
from tests.conftest import SEED_CSV, invoke_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read(path, **options):
    return list(read_comments(path, ReadOptions(**options)))


def reply_chain(depth: int) -> list:
    """A Reddit thread .json whose comments each answer the one before, ``depth`` deep."""
    replies = ""
    for level in reversed(range(depth)):
        comment = {"kind": "t1", "data": {"id": f"c{level}", "parent_id": f"t1_c{level - 1}" if level else "t3_p", "link_id": "t3_p", "author": f"user{level % 7}", "body": f"reply {level}", "replies": replies}}
        replies = {"kind": "Listing", "data": {"children": [comment]}}
    submission = {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "p", "title": "Deep", "selftext": ""}}]}}
    return [submission, replies]


def test_a_reply_chain_thousands_deep_is_read_in_order(tmp_path):
    path = tmp_path / "deep.json"
    # json.dumps recurses too: write the nesting out by hand.
    document = json.dumps(reply_chain(1), separators=(",", ":"))
    chain = reply_chain(5000)
    text, closing = "", ""
    node = chain[1]
    while node:
        comment = node["data"]["children"][0]
        data = {key: value for key, value in comment["data"].items() if key != "replies"}
        text += '{"kind":"Listing","data":{"children":[{"kind":"t1","data":' + json.dumps(data)[:-1] + ',"replies":'
        closing = "}}]}}" + closing
        node = comment["data"]["replies"]
    text += '""' + closing
    path.write_text(document[: document.index(',{"kind":"Listing","data":{"children":[{"kind":"t1"')] + "," + text + "]", encoding="utf-8")
    comments = read(path)
    assert [c.id for c in comments] == [f"c{level}" for level in range(5000)]
    assert comments[4999].parent_id == "c4998"


def test_a_5001_digit_number_is_kept_exactly(tmp_path):
    big = "9" * 5001
    thread = tmp_path / "thread.json"
    listings = json.loads((FIXTURES / "reddit-thread.json").read_text(encoding="utf-8"))
    text = json.dumps(listings).replace("1709282500.0", big, 1)
    thread.write_text(text, encoding="utf-8")
    assert read(thread)[0].row["created_utc"] == big
    dump = tmp_path / "dump.ndjson"
    dump.write_text(f'{{"id": "a", "body": "hi", "link_id": "t3_p", "parent_id": "t3_p", "created_utc": {big}}}\n', encoding="utf-8")
    assert read(dump)[0].row["created_utc"] == big
    broken = tmp_path / "broken.json"
    broken.write_text(text[:-3], encoding="utf-8")  # the error path of a document with a huge number
    with pytest.raises(InputError, match=r"broken\.json, line \d+: malformed JSON at column \d+"):
        read(broken)


def test_json_nesting_bombs_are_refused_with_their_line(tmp_path):
    jsonl = tmp_path / "bomb.jsonl"
    jsonl.write_text('{"text": "fine"}\n{"text": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bomb\.jsonl, line 2: JSON nested too deeply"):
        read(jsonl)
    document = tmp_path / "bomb.json"
    document.write_text('[{"kind": "Listing", "data": {"children": ' + "[" * 200_000, encoding="utf-8")
    with pytest.raises(InputError, match=r"bomb\.json, line 1: malformed JSON at column \d+ \(nested more than 100,000 levels deep\)"):
        read(document, format="reddit")


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "twice.jsonl"
    path.write_text('{"text": "a nice comment", "text": "you idiot"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"twice\.jsonl, line 1: the key 'text' appears twice"):
        read(path)


def test_xml_nesting_bombs_are_refused(tmp_path):
    path = tmp_path / "nested.xml"
    path.write_text('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com">\n' + "<a>" * 5000 + "</a>" * 5000 + "\n</disqus>\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nested\.xml, line 3: XML nested more than 1,000 elements deep"):
        read(path)


def test_an_endless_xml_token_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xml_stream, "TOKEN_LIMIT", 100_000)
    path = tmp_path / "comment.xml"
    path.write_text('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com">\n<!--' + "x" * 300_000 + "-->\n</disqus>\n", encoding="utf-8")
    with pytest.raises(InputError, match="a single XML tag, comment or declaration longer than 100,000 characters"):
        read(path, format="disqus")


def test_fields_outside_records_cost_no_memory(tmp_path):
    """Text in elements no reader asked for is not kept (the old reader held every element)."""
    records = list(
        xml_stream.xml_records(
            iter(["<root><skip>" + "x" * 1000 + "</skip><keep><f>kept</f><g>dropped</g></keep></root>"]),
            "t",
            {("root", "keep"): frozenset({"f"})},
            lambda namespace: None,
            lambda root: None,
        )
    )
    assert [(r.tag, r.fields) for r in records] == [("keep", {"f": "kept"})]


def test_binary_and_endless_input(tmp_path):
    result = invoke_cli("label", "/dev/zero", "--out", tmp_path / "out.csv")
    assert result.returncode == 2 and "line 1: NUL byte at byte offset 0" in result.stderr
    result = invoke_cli("score", "/dev/zero")
    assert result.returncode == 2 and "NUL byte" in result.stderr


def test_a_very_wide_header_is_read(tmp_path):
    path = tmp_path / "wide.csv"
    names = [f"c{i}" for i in range(20_000)]
    path.write_text(",".join(["text", *names]) + "\n" + ",".join(["hello", *names]) + "\n", encoding="utf-8")
    (comment,) = read(path)
    assert comment.text == "hello" and len(comment.row) == 20_001
    duplicated = tmp_path / "duplicated.csv"
    duplicated.write_text(",".join(["text", *names, "c7", "c9"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate column names in the header: c7, c9"):
        read(duplicated)


def test_an_input_that_changes_between_passes_is_refused(tmp_path, shipped_model, monkeypatch):
    source = tmp_path / "growing.csv"
    source.write_bytes(SEED_CSV.read_bytes())
    planned = labeling.plan_threads

    def plan_then_append(comments):
        plan = planned(comments)
        with source.open("a", encoding="utf-8") as stream:
            stream.write("99,new-thread,0,0,0,,a comment written meanwhile\n")
        return plan

    monkeypatch.setattr(labeling, "plan_threads", plan_then_append)
    with pytest.raises(InputError, match="the input changed while it was being read"):
        label_file(source, tmp_path / "out.csv", shipped_model, shipped_model.thresholds, quiet=True)
    assert not (tmp_path / "out.csv").exists()


def test_what_commenters_chose_reaches_the_terminal_as_text(tmp_path):
    # Thread ids, column names and file names are the input's: escape codes, a window title and a
    # right-to-left override in them must be shown, not acted on, in label's summary and notes.
    path = tmp_path / "ansi.csv"
    path.write_text('text,id,thread_id\nyou idiot,1,"T\x1b[31mRED\x1b]0;title\x07"\nyou moron,2,U\u202eabc\n', encoding="utf-8")
    result = invoke_cli("label", path, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\u202e" not in result.stderr
    assert "thread T\\x1b[31mRED\\x1b]0;title\\x07: 1 comment" in result.stderr
    assert "thread U\\u202eabc: 1 comment" in result.stderr
    missing = invoke_cli("label", tmp_path / "no\x1b[2Jsuch.csv")
    assert missing.returncode == 2 and "\x1b" not in missing.stderr and "no\\x1b[2Jsuch.csv" in missing.stderr
    columns = tmp_path / "columns.csv"
    columns.write_text("tex\x1b[2Jt,id\nhello,1\n", encoding="utf-8")
    named = invoke_cli("label", columns)
    assert named.returncode == 2 and "\x1b" not in named.stderr and "found columns: tex\\x1b[2Jt, id" in named.stderr
