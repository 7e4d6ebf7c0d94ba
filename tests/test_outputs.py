"""Where output goes: regular files replaced atomically and as they were, everything else
written directly, write failures and closed standard streams as clear errors."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from moderation.commands.label import label_file
from moderation.errors import InputError
from moderation.io import writers
from moderation.io.writers import OutputError, OutputTarget, open_output
from tests.conftest import ROOT, SEED_THREAD, invoke_cli, run_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DISQUS = FIXTURES / "disqus-export.xml"


@pytest.fixture(scope="module")
def model(shipped_model):
    return shipped_model


def shell(command: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a bash command line with ``moderation`` meaning this checkout's command."""
    command = command.replace("moderation ", f"{sys.executable} -m moderation ")
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, timeout=300, **kwargs)


# Devices, FIFOs and stdout are written directly, never replaced.


@pytest.mark.slow  # real processes: their standard streams
@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_character_devices_are_written_directly(tmp_path, device):
    # Checked in this process first: were it wrong, the command below would replace the device (as root).
    assert OutputTarget(Path(device)).kind == "stream"
    before = os.stat(device)
    result = run_cli("label", DISQUS, "--out", device)
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    if device == "/dev/null":
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 2 and "no space left on the device of /dev/full" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.slow  # real processes: their standard streams
def test_dev_stdout_writes_to_stdout(tmp_path):
    assert OutputTarget(Path("/dev/stdout")).kind == "descriptor"
    result = run_cli("label", DISQUS, "--out", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 5
    appended = tmp_path / "log.csv"
    appended.write_text("kept line\n", encoding="utf-8")
    result = shell(f"moderation label {DISQUS} --out /dev/stdout >> {appended}")
    assert result.returncode == 0, result.stderr
    assert appended.read_text(encoding="utf-8").startswith("kept line\nid,thread_id")  # appended, not replaced


@pytest.mark.slow  # a real process writing into a FIFO
def test_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    result = run_cli("label", DISQUS, "--out", fifo)
    reader.join(timeout=120)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(list(csv.DictReader(io.StringIO(received[0])))) == 5


# Regular files: atomic, as they were (permissions, links), never the input.


def test_an_existing_file_keeps_its_permissions_and_a_symlink_stays_a_link(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert invoke_cli("label", DISQUS, "--out", link).returncode == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("id,thread_id")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_hard_linked_output_is_written_in_place(tmp_path):
    output = tmp_path / "out.csv"
    output.write_text("old\n", encoding="utf-8")
    other = tmp_path / "other-name.csv"
    os.link(output, other)
    assert invoke_cli("label", DISQUS, "--out", output).returncode == 0
    assert other.read_text(encoding="utf-8") == output.read_text(encoding="utf-8") != "old\n"
    assert output.stat().st_ino == other.stat().st_ino


def test_the_input_through_another_name_is_refused(tmp_path):
    source = tmp_path / "in.xml"
    source.write_bytes(DISQUS.read_bytes())
    os.link(source, tmp_path / "same.xml")
    result = invoke_cli("label", source, "--out", tmp_path / "same.xml")
    assert result.returncode == 2 and "the output is the input file" in result.stderr
    assert source.read_bytes() == DISQUS.read_bytes()


def test_stale_partial_files_of_killed_runs_are_removed(tmp_path):
    stale = tmp_path / ".out.csv.999999999.ab12cd34.partial"  # a pid no process has
    stale.write_text("half", encoding="utf-8")
    mine = tmp_path / f".out.csv.{os.getpid()}.ab12cd34.partial"  # a live process's: left alone
    mine.write_text("half", encoding="utf-8")
    with open_output(tmp_path / "out.csv") as stream:
        stream.write("done\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "out.csv"]


def test_without_anonymous_files_a_named_partial_file_is_used_and_cleaned(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    with pytest.raises(RuntimeError):
        with open_output(tmp_path / "out.csv") as stream:
            stream.write("half\n")
            assert [p.name for p in tmp_path.iterdir()][0].endswith(".partial")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with open_output(tmp_path / "out.csv") as stream:
        stream.write("done\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# Write failures.


def test_disk_full_keeps_the_previous_output(tmp_path, model, monkeypatch):
    output = tmp_path / "labeled.csv"
    output.write_text("previous\n", encoding="utf-8")
    written = []
    real_write = os.write

    def full_disk(descriptor, data):
        if sum(written) > 2000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(data))
        return real_write(descriptor, data)

    monkeypatch.setattr(writers.os, "write", full_disk)
    monkeypatch.setattr(writers, "BUFFER", 512)
    with pytest.raises(OutputError, match=r"no space left on the device of .*labeled\.csv; the previous output is intact") as error:
        label_file(SEED_THREAD, output, model, model.thresholds, quiet=True)
    assert error.value.exit_code == 2
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["labeled.csv"]


@pytest.mark.slow  # real processes: their standard streams
def test_a_file_size_limit_is_a_clear_error(tmp_path):
    output = tmp_path / "labeled.csv"
    output.write_text("previous\n", encoding="utf-8")
    result = shell(f"ulimit -f 4; moderation label {SEED_THREAD} --out {output}")
    assert result.returncode == 2, result.stderr
    assert "would exceed the file size limit (see ulimit -f); the previous output is intact" in result.stderr
    assert output.read_text(encoding="utf-8") == "previous\n"


@pytest.mark.slow  # real processes: their standard streams
def test_score_into_a_full_device_exits_non_zero():
    result = shell("echo 'you idiot' | moderation score > /dev/full")
    assert result.returncode == 2
    assert result.stderr.strip() == "moderation: error: no space left on the device of stdout; the output is incomplete"


# Closed standard streams.


@pytest.mark.slow  # real processes: their standard streams
def test_closed_stdin():
    result = shell("moderation score <&-")
    assert result.returncode == 2 and result.stderr.strip() == "moderation: error: stdin is closed; pipe the comments in, or give a file"
    result = shell("moderation label - <&-")
    assert result.returncode == 2 and "stdin is closed" in result.stderr


@pytest.mark.slow  # real processes: their standard streams
def test_closed_stdout_is_an_error_not_silence(tmp_path):
    result = shell("echo 'you idiot' | moderation score >&-")
    assert result.returncode == 2 and "stdout is closed" in result.stderr
    result = shell(f"moderation label {DISQUS} >&-")
    assert result.returncode == 2 and "stdout is closed" in result.stderr
    result = shell(f"moderation label {DISQUS} --out {tmp_path / 'out.csv'} >&-")  # stdout not needed
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").exists()


@pytest.mark.slow  # real processes: their standard streams
def test_closed_stderr_puts_no_error_text_in_stdout(tmp_path):
    result = shell(f"moderation label {tmp_path / 'missing.csv'} 2>&-")
    assert result.returncode == 2 and result.stdout == ""
    result = shell("printf '{\"text\": \"ok\"}\\nnot json\\n' | moderation score --jsonl 2>&-")
    assert result.returncode == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1", "2"]  # only records
    result = shell(f"moderation label {DISQUS} --out {tmp_path / 'out.csv'} 2>&-")
    assert result.returncode == 0 and result.stdout == ""


# Values: JSON stays JSON, nothing of the input is overwritten or lost.


def test_input_columns_named_like_ours_are_kept(tmp_path):
    source = tmp_path / "relabel.csv"
    source.write_text("text,note,hostile_flag\nyou idiot,MODERATOR NOTE: check,ESCALATED\n", encoding="utf-8")
    result = invoke_cli("label", source, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    (row,) = csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8"))
    assert row["note"] == "MODERATOR NOTE: check" and row["hostile_flag"] == "ESCALATED"
    assert row["hostile_flag_2"] in ("0", "1") and row["note_2"] == "" and row["off_topic_score_2"]
    assert "they are kept unchanged, and this run's columns are named off_topic_score_2 … note_2" in result.stderr
    again = invoke_cli("label", tmp_path / "out.csv", "--out", tmp_path / "again.jsonl")  # a labeled file, labeled again
    record = json.loads((tmp_path / "again.jsonl").read_text(encoding="utf-8"))
    assert record["note"] == "MODERATOR NOTE: check" and "hostile_flag_2" in record and "hostile_flag_3" in record
    assert again.returncode == 0


def test_json_values_are_written_back_as_json(tmp_path):
    source = tmp_path / "values.jsonl"
    big = "1" * 5001
    source.write_text(
        '{"text": "you idiot", "score": NaN, "limit": -Infinity, "nested": {"a": [NaN, "NaN"]}, '
        f'"flag": true, "none": null, "obj": {{"a": 1}}, "big": {big}, "float": 1.50}}\n',
        encoding="utf-8",
    )
    assert invoke_cli("label", source, "--out", tmp_path / "out.jsonl").returncode == 0
    line = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    record = json.loads(line, parse_int=str, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert record["score"] == "NaN" and record["limit"] == "-Infinity" and record["nested"] == {"a": ["NaN", "NaN"]}
    assert record["flag"] is True and record["none"] is None and record["obj"] == {"a": "1"}
    assert f'"big": {big}' in line and '"float": 1.50' in line  # numbers exactly as given
    assert invoke_cli("label", source, "--out", tmp_path / "out.csv").returncode == 0
    (row,) = csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8"))
    assert (row["flag"], row["none"], row["obj"], row["nested"], row["score"]) == ("true", "", '{"a": 1}', '{"a": ["NaN", "NaN"]}', "NaN")


def test_a_lone_surrogate_costs_nothing_in_jsonl_and_is_noted_in_csv(tmp_path):
    source = tmp_path / "surrogate.jsonl"
    source.write_text('{"id": "a", "text": "bad \\ud800 text"}\n{"id": "b\\udfff", "text": "fine"}\n{"id": "c", "text": "last"}\n', encoding="utf-8")
    as_jsonl = invoke_cli("label", source, "--out", tmp_path / "out.jsonl")
    assert as_jsonl.returncode == 0, as_jsonl.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["a", "b\udfff", "c"] and records[0]["text"] == "bad \ud800 text"
    as_csv = invoke_cli("label", source, "--out", tmp_path / "out.csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a", "b\ufffd", "c"]
    assert rows[0]["text"] == "bad \ufffd text" and "lone surrogates" in rows[0]["note"] and rows[2]["note"] == ""
    scored = invoke_cli("score", "--jsonl", source)
    assert scored.returncode == 0 and [json.loads(line)["id"] for line in scored.stdout.splitlines()] == ["a", "b\udfff", "c"]


def test_evaluate_on_unlabeled_data_says_so_in_one_line(tmp_path):
    data = tmp_path / "unlabeled.csv"
    data.write_text("text\nyou idiot\nnice article\n", encoding="utf-8")
    result = invoke_cli("evaluate", data)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "training" not in lines[0]
    assert "no labeled comments" in lines[0] and "evaluate compares the model's flags with your labels" in lines[0]


def test_output_errors_are_one_line(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        OutputTarget(tmp_path)


@pytest.mark.slow  # real processes: their standard streams
def test_help_into_a_full_device_is_one_line():
    result = shell("moderation --help > /dev/full")
    assert result.returncode == 2
    assert result.stderr.strip() == "moderation: error: no space left on the device of stdout; the output is incomplete"


def test_a_csv_with_only_a_header_keeps_its_columns(tmp_path):
    source = tmp_path / "empty.csv"
    source.write_text("id,text,author\n", encoding="utf-8")
    result = invoke_cli("label", source)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["id,text,author,off_topic_score,hostile_score,ad_hominem_score,off_topic_flag,hostile_flag,ad_hominem_flag,note"]
