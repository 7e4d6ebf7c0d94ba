"""Interrupted runs leave nothing half-written; pipes and Ctrl-C end quietly."""

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_CSV

ROWS = 60_000  # above the size where label starts worker processes


@pytest.fixture(scope="module")
def large_input(tmp_path_factory):
    with open(SEED_CSV, encoding="utf-8", newline="") as stream:
        texts = [row["text"] for row in csv.DictReader(stream)]
    path = tmp_path_factory.mktemp("large") / "comments.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "thread_id", "text"])
        writer.writerows((f"c{i}", f"t{i % 300}", texts[i % len(texts)]) for i in range(ROWS))
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "moderation", *map(str, args)], cwd=ROOT, stderr=subprocess.PIPE, text=True, **kwargs
    )


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def open_files(pid: int) -> list[str]:
    """What the process's descriptors point to (an anonymous file shows as "/dir/#123 (deleted)")."""
    found = []
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.append(os.readlink(descriptor))
        except OSError:
            pass
    return found


def writing_into(process: subprocess.Popen, folder: Path) -> bool:
    return any(target.startswith(str(folder)) for target in open_files(process.pid))


@pytest.mark.parametrize("sent, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_interrupted_label_leaves_no_output_and_the_input_untouched(tmp_path, large_input, sent, code):
    before = digest(large_input)
    output = tmp_path / "labeled.csv"
    process = start("label", large_input, "--out", output, stdout=subprocess.DEVNULL)
    # Signal while the output is being written: the process holds a file in the output's folder.
    wait_for(lambda: writing_into(process, tmp_path) or process.poll() is not None)
    assert process.poll() is None, "finished before it could be interrupted; use a larger input"
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary file
    assert digest(large_input) == before


def test_score_into_a_closed_pipe_exits_quietly():
    lines = "".join(f"comment number {i}\n" for i in range(2000))
    shell = f"{sys.executable} -m moderation score | head -1; echo status=${{PIPESTATUS[0]}} >&2"
    result = subprocess.run(["bash", "-c", shell], input=lines, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.count("\n") == 1 and result.stdout.startswith('{"id": "1"')
    assert result.stderr.strip() == "status=0", result.stderr


def test_ctrl_c_while_score_waits_for_input_exits_130():
    process = start("score", stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process.stdin.write("first comment\n")
    process.stdin.flush()
    assert process.stdout.readline().startswith('{"id": "1"')  # answered before more input came
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr

