"""Bad input: one line on stderr naming the file and what to do, exit code 2, no traceback,
and no output file left behind."""

import json
import os

import pytest

from tests.conftest import LABELS_DIR, invoke_cli

GOOD_CSV = "text,thread_id\nyou are all hypocrites,t\nthe visit matters,t\n"


def write_bytes(folder, name, content: bytes):
    path = folder / name
    path.write_bytes(content)
    return path


# (name, files to create {name: bytes}, arguments ({tmp} is replaced), expected message fragments)
CASES = [
    ("missing file", {}, ["label", "{tmp}/missing.csv", "--out", "{tmp}/out.csv"], ["missing.csv: no such file"]),
    ("directory", {"folder/x": b""}, ["label", "{tmp}/folder", "--out", "{tmp}/out.csv"], ["folder: is a directory"]),
    ("empty file", {"empty.csv": b""}, ["label", "{tmp}/empty.csv", "--out", "{tmp}/out.csv"], ["empty.csv: empty file"]),
    (
        "output folder missing",
        {"in.csv": GOOD_CSV.encode()},
        ["label", "{tmp}/in.csv", "--out", "{tmp}/nowhere/out.csv"],
        ["out.csv: the output folder", "does not exist"],
    ),
    ("output is input", {"in.csv": GOOD_CSV.encode()}, ["label", "{tmp}/in.csv", "--out", "{tmp}/in.csv"], ["the output is the input"]),
    (
        "invalid utf-8",
        {"latin.csv": "text\nok\ncaf\xe9 au lait\n".encode("latin-1")},
        ["label", "{tmp}/latin.csv", "--out", "{tmp}/out.csv"],
        ["latin.csv, line 3: invalid utf-8 at byte offset 11", "--encoding", "--errors replace"],
    ),
    ("NUL bytes", {"binary.csv": b"text\nhello\x00world\n"}, ["label", "{tmp}/binary.csv", "--out", "{tmp}/out.csv"], ["line 2: NUL byte"]),
    (
        "CSV without text column",
        {"cols.csv": b"body,author\nhi,me\n"},
        ["label", "{tmp}/cols.csv", "--out", "{tmp}/out.csv"],
        ["no 'text' column; found columns: body, author", "--text-column"],
    ),
    (
        "malformed CSV quoting",
        {"quotes.csv": b'text,id\n"fine",1\n"broken"x,2\n'},
        ["label", "{tmp}/quotes.csv", "--out", "{tmp}/out.csv"],
        ["quotes.csv, row 2: malformed CSV"],
    ),
    (
        "CSV row with extra fields",
        {"fields.csv": b"text,id\na,1\nb,2,3\n"},
        ["label", "{tmp}/fields.csv", "--out", "{tmp}/out.csv"],
        ["row 2: has 3 fields but the header has 2"],
    ),
    (
        "malformed JSON line",
        {"bad.jsonl": b'{"text": "ok"}\n{"text": \n'},
        ["label", "{tmp}/bad.jsonl", "--out", "{tmp}/out.csv"],
        ["bad.jsonl, line 2: malformed JSON"],
    ),
    (
        "JSON line not an object",
        {"list.jsonl": b'{"text": "ok"}\n["text"]\n'},
        ["label", "{tmp}/list.jsonl", "--out", "{tmp}/out.csv"],
        ["line 2: expected a JSON object, got an array"],
    ),
    (
        "JSON line without text",
        {"notext.jsonl": b'{"body": "ok"}\n'},
        ["label", "{tmp}/notext.jsonl", "--out", "{tmp}/out.csv"],
        ["line 1: JSON object has no 'text' field"],
    ),
    (
        "thread export without comments",
        {"empty-thread.txt": "Title\n\nArticle.\n\n0 thoughts on “Title”\n\nComments are closed.\n".encode()},
        ["label", "{tmp}/empty-thread.txt", "--out", "{tmp}/out.csv"],
        ["has a comments header but no comments"],
    ),
    (
        "text that is not a thread export",
        {"notes.txt": b"shopping list\nmilk\n"},
        ["label", "{tmp}/notes.txt", "--out", "{tmp}/out.csv"],
        ["notes.txt: not a thread export", "for one comment per line, use `moderation score`"],
    ),
    (
        "label value outside the accepted set",
        {"labels.csv": b"text,hostile\na,1\nb,0\nc,maybe\n"},
        ["train", "{tmp}/labels.csv", "--model", "{tmp}/out.csv"],
        ["labels.csv, row 3: hostile = 'maybe' is not a label value"],
    ),
    (
        "no label can be trained",
        {"few.csv": b"text,hostile\na,1\nb,0\nc,0\n"},
        ["train", "{tmp}/few.csv", "--model", "{tmp}/out.csv"],
        ["no label has enough examples of each class", "hostile: 1 of 3", "at least 6 of each class"],
    ),
    (
        "model folder would replace a data folder",
        {"data/comments.csv": GOOD_CSV.encode()},
        ["train", "{labels}", "--model", "{tmp}/data"],
        ["data: is not a model folder", "give a new folder name"],
    ),
    ("score a missing file", {}, ["score", "{tmp}/missing.txt"], ["missing.txt: no such file"]),
    ("score an empty file", {"empty.txt": b""}, ["score", "{tmp}/empty.txt"], ["empty.txt: empty file"]),
    ("missing model", {"in.csv": GOOD_CSV.encode()}, ["label", "{tmp}/in.csv", "--model", "{tmp}/no-model", "--out", "{tmp}/out.csv"], ["no-model: no model folder"]),
    ("unknown encoding", {"in.csv": GOOD_CSV.encode()}, ["label", "{tmp}/in.csv", "--encoding", "klingon", "--out", "{tmp}/out.csv"], ["unknown encoding 'klingon'"]),
]


@pytest.mark.parametrize("name, files, arguments, fragments", CASES, ids=[case[0] for case in CASES])
def test_bad_input_gives_one_clear_line(tmp_path, name, files, arguments, fragments):
    for file, content in files.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        write_bytes(tmp_path, file, content)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    args = [a.replace("{tmp}", str(tmp_path)).replace("{labels}", str(LABELS_DIR)) for a in arguments]
    result = invoke_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("moderation: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing created
    assert result.stdout == ""


@pytest.mark.parametrize(
    "arguments, option",
    [
        (["label", "{in}", "--format", "xml", "--out", "{tmp}/out.csv"], "--format"),
        (["label", "{in}", "--status", "hidden", "--out", "{tmp}/out.csv"], "--status"),
        (["train", "{in}", "--format", "xml", "--model", "{tmp}/m"], "--format"),
        (["score", "{in}", "--errors", "skip"], "--errors"),
        (["label", "{in}", "-t", "rude=0.5", "--out", "{tmp}/out.csv"], "--threshold"),
        (["score", "{in}", "-t", "hostile=2"], "--threshold"),
    ],
    ids=["label format", "label status", "train format", "score errors", "unknown threshold label", "threshold above 1"],
)
def test_a_bad_option_value_prints_the_commands_usage(tmp_path, arguments, option):
    source = write_bytes(tmp_path, "in.csv", GOOD_CSV.encode())
    args = [a.replace("{in}", str(source)).replace("{tmp}", str(tmp_path)) for a in arguments]
    result = invoke_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith("Usage: ") and f"moderation {arguments[0]} [OPTIONS]" in result.stderr.splitlines()[0]
    assert f"Invalid value for {option}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_bom_and_crlf_are_accepted_silently(tmp_path):
    source = write_bytes(tmp_path, "bom.csv", b"\xef\xbb\xbftext,id\r\nyou are all hypocrites,1\r\n")
    result = invoke_cli("label", source, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("1 comment labeled; flagged:")  # the summary, no warning
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("text,id,off_topic_score")


def test_invalid_bytes_can_be_replaced_to_proceed(tmp_path):
    source = write_bytes(tmp_path, "latin.csv", "text\ncaf\xe9 au lait\n".encode("latin-1"))
    replaced = invoke_cli("label", source, "--errors", "replace", "--out", tmp_path / "out.csv")
    assert replaced.returncode == 0, replaced.stderr
    assert "caf\ufffd au lait" in (tmp_path / "out.csv").read_text(encoding="utf-8")
    latin = invoke_cli("label", source, "--encoding", "latin-1", "--out", tmp_path / "out2.csv")
    assert "café au lait" in (tmp_path / "out2.csv").read_text(encoding="utf-8")
    assert latin.returncode == 0


def test_a_label_with_too_few_positives_is_skipped_with_a_warning(tmp_path):
    rows = ["text,hostile,ad_hominem"]
    rows += [f"you idiot number {i},1,{int(i == 0)}" for i in range(6)]
    rows += [f"a calm remark about ferries {i},0,0" for i in range(8)]
    data = write_bytes(tmp_path, "d.csv", ("\n".join(rows) + "\n").encode())
    result = invoke_cli("train", data, "--model", tmp_path / "m")
    assert result.returncode == 0, result.stderr
    assert "warning: ad_hominem not trained: 1 positive and 13 negative" in result.stderr
    assert "hostile" in result.stdout and "ad_hominem" not in result.stdout


def test_huge_comment_is_scored_on_its_start_and_kept_whole(tmp_path):
    big = "you hypocrite " * (5 * 1024 * 1024 // 14)
    source = write_bytes(tmp_path, "big.csv", f"text\n{big}\nsmall comment\n".encode())
    result = invoke_cli("label", source, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    import csv

    csv.field_size_limit(1 << 30)
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert len(rows) == 2 and rows[0]["text"] == big  # the whole text is kept in the output
    assert rows[0]["note"].startswith("scored the first 100,000 of")
    start = write_bytes(tmp_path, "start.csv", f"text\n{big[:100_000]}\nsmall comment\n".encode())
    assert invoke_cli("label", start, "--out", tmp_path / "start-out.csv").returncode == 0
    expected = list(csv.DictReader((tmp_path / "start-out.csv").open(encoding="utf-8")))
    assert rows[0]["hostile_score"] == expected[0]["hostile_score"]


def test_a_line_beyond_what_can_be_held_is_refused_by_label_and_cut_by_score(tmp_path):
    from moderation.io.readers.lines import LINE_LIMIT

    endless = write_bytes(tmp_path, "endless.csv", b"text\n" + b"a" * (LINE_LIMIT + 1) + b"\nsmall comment\n")
    label = invoke_cli("label", endless, "--out", tmp_path / "out.csv")
    assert label.returncode == 2 and not (tmp_path / "out.csv").exists()
    assert f"endless.csv, line 2: more than {LINE_LIMIT:,} bytes without a line break" in label.stderr
    lines = write_bytes(tmp_path, "endless.txt", b"a" * (LINE_LIMIT + 1) + b"\nsmall comment\n")
    score = invoke_cli("score", lines)
    assert score.returncode == 0, score.stderr
    assert [json.loads(line)["id"] for line in score.stdout.splitlines()] == ["1", "2"]  # one answer per line still
    assert f"endless.txt, line 1: more than {LINE_LIMIT:,} bytes without a line break; read its start" in score.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="run as root, who can write into a read-only folder: needs another user")
def test_unwritable_output_folder(tmp_path):
    source = write_bytes(tmp_path, "in.csv", GOOD_CSV.encode())
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    result = invoke_cli("label", source, "--out", locked / "out.csv")
    assert result.returncode == 2 and "cannot write to the output folder" in result.stderr


def test_unwritable_output_location(tmp_path):
    source = write_bytes(tmp_path, "in.csv", GOOD_CSV.encode())
    result = invoke_cli("label", source, "--out", "/proc/out.csv")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "/proc/out.csv" in result.stderr
