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

pytestmark = pytest.mark.slow  # real processes, signalled; 60,000-row inputs

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


def as_a_foreground_job() -> None:
    """Ctrl-C's default action, as in a terminal's foreground job. A suite run in the background
    (``pytest &``, nohup) passes its ignored SIGINT on, and Python then keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "moderation", *map(str, args)], cwd=ROOT, stderr=subprocess.PIPE, text=True, preexec_fn=as_a_foreground_job, **kwargs
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


def descendants(pid: int) -> set[int]:
    """The processes ``pid`` started, and the ones they started, …"""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


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


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="/proc not found: finds the processes label started there")
def test_killed_label_leaves_no_processes_and_no_files(tmp_path, large_input):
    spool = tmp_path / "tmp"
    spool.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    with large_input.open("rb") as data:
        process = start("label", "-", "--out", out / "labeled.csv", "--workers", "2", stdin=data, stdout=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(spool)})
        # Kill while the workers and the resource tracker run and the output is being written.
        wait_for(lambda: (writing_into(process, out) and len(descendants(process.pid)) >= 3) or process.poll() is not None, timeout=240)
        assert process.poll() is None, "finished before it could be killed; use a larger input"
        started = descendants(process.pid)  # the workers, the resource tracker, …
        process.kill()
        process.wait(timeout=60)
    wait_for(lambda: not any(alive(pid) for pid in started), timeout=60)
    assert list(spool.iterdir()) == [] and list(out.iterdir()) == []  # no copy of stdin, no partial output


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


PARENT_OF_AN_IDLE_WORKER = """
import multiprocessing, os, sys, time
from moderation.commands.label_workers import die_with_parent

def idle(parent):
    die_with_parent(parent)
    time.sleep(600)

if __name__ == "__main__":
    worker = multiprocessing.get_context("spawn").Process(target=idle, args=(os.getpid(),))
    worker.start()
    print(worker.pid, flush=True)
    time.sleep(600)
"""


def test_a_worker_dies_with_the_process_that_started_it(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT_OF_AN_IDLE_WORKER, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    time.sleep(1)  # let the worker ask to die with its parent
    assert alive(worker)
    parent.kill()
    parent.wait(timeout=60)
    wait_for(lambda: not alive(worker), timeout=60)
