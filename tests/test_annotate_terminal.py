"""`moderation annotate` in a real terminal: tmux runs it at 80×24, send-keys types,
capture-pane reads the screen. Needs tmux (`apt-get install -y tmux`)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from moderation.annotate.labels_file import LabelsFile
from tests.annotate_support import read_rows, write_comments
from tests.conftest import ROOT, invoke_cli

TMUX = shutil.which("tmux")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(TMUX is None, reason="tmux is not installed: apt-get install -y tmux")]

SCREEN_TIMEOUT = 240  # seconds; generous for a loaded 2-core machine
READY = "Enter: save+next"


class Terminal:
    """One program in an 80×24 tmux pane on a private tmux server; the pane stays after the
    program exits so its last screen and exit status can be read."""

    def __init__(self, tmp_path, *arguments):
        self.socket = f"annotate-test-{uuid.uuid4().hex[:8]}"
        config = tmp_path / f"{self.socket}.conf"
        config.write_text("set -g remain-on-exit on\nset -g history-limit 200\n", encoding="utf-8")
        command = " ".join(_quote(str(a)) for a in (sys.executable, "-m", "moderation", "annotate", *arguments))
        # The shell prints the exit status on the screen (tmux's own pane_dead_status depends on
        # when tmux reaps the process).
        shell = f"cd {_quote(str(ROOT))} && {command}; echo \"[exit status $?]\""
        self._tmux("-f", str(config), "new-session", "-d", "-s", "main", "-x", "80", "-y", "24", "-c", str(tmp_path), shell)

    def _tmux(self, *arguments) -> str:
        return subprocess.run([TMUX, "-L", self.socket, *arguments], capture_output=True, text=True, check=True, timeout=60).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def text_with_history(self) -> str:
        """What the program printed, scrolled-off lines included, wrapped lines joined."""
        return self._tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "main")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def wait_for(self, condition, what: str) -> str:
        deadline = time.monotonic() + SCREEN_TIMEOUT
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")
            time.sleep(0.1)

    def wait_for_text(self, text: str) -> str:
        return self.wait_for(lambda screen: text in screen, repr(text))

    def exit_status(self) -> int:
        screen = self.wait_for(lambda s: re.search(r"\[exit status \d+\]", s), "the program to exit")
        return int(re.search(r"\[exit status (\d+)\]", screen).group(1))

    def program_pid(self) -> int:
        """The pid of the program (the child of the pane's shell)."""
        shell = self._tmux("display-message", "-p", "-t", "main", "#{pane_pid}").strip()
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True, timeout=60)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def shown_id(screen: str) -> str:
    match = re.search(r"^-- comment (\S+) ", screen, re.MULTILINE)
    assert match, f"no comment on the screen:\n{screen}"
    return match.group(1)


@pytest.fixture
def terminal(tmp_path):
    opened = []

    def start(*arguments) -> Terminal:
        opened.append(Terminal(tmp_path, *arguments))
        return opened[-1]

    yield start
    for one in opened:
        one.close()


def answer(term: Terminal, screen: str, *labels: str) -> str:
    """Toggle the labels' keys on the comment shown, save it; returns the next screen."""
    comment = shown_id(screen)
    for key in labels:
        term.keys(key)
    for key in labels:
        term.wait_for_text(f"[x] {key} ")
    term.keys("Enter")
    return term.wait_for(lambda s: f"Saved comment {comment}." in s and shown_id(s) != comment, f"comment {comment} saved")


def test_label_five_go_back_quit_and_resume_without_repeats(tmp_path, terminal):
    comments = write_comments(tmp_path / "comments.csv", 24)
    labels = tmp_path / "labels.csv"
    term = terminal(comments, "--labels", labels)
    screen = term.wait_for_text(READY)
    assert "0/24 done" in screen and "Article: " in screen and "Model: " in screen
    answered = []
    for number in range(5):
        answered.append(shown_id(screen))
        screen = answer(term, screen, *(["h"] if number == 1 else []))
    next_up = shown_id(screen)
    assert "5/24 done" in screen and "hostile+ 1" in screen

    term.keys("b")
    screen = term.wait_for_text("changing answer 5 of 5")
    assert shown_id(screen) == answered[4]
    screen = answer(term, screen, "a")
    assert shown_id(screen) == next_up and "changing answer" not in screen
    assert "ad_hominem+ 1" in screen
    term.keys("q")
    assert term.exit_status() == 0

    rows = read_rows(labels)
    assert [row["id"] for row in rows] == answered  # one row each, in answer order
    assert [row["hostile"] for row in rows] == ["0", "1", "0", "0", "0"]
    assert [row["ad_hominem"] for row in rows] == ["0", "0", "0", "0", "1"]  # the change

    again = terminal(comments, "--labels", labels)
    screen = again.wait_for_text(READY)
    assert "5/24 done" in screen
    assert shown_id(screen) == next_up  # where the first session stopped
    for _ in range(2):
        answered.append(shown_id(screen))
        screen = answer(again, screen)
    again.keys("q")
    assert again.exit_status() == 0
    ids = [row["id"] for row in read_rows(labels)]
    assert ids == answered and len(set(ids)) == 7


def test_kill_9_loses_nothing_that_was_saved(tmp_path, terminal):
    comments = write_comments(tmp_path / "comments.csv", 24)
    labels = tmp_path / "labels.csv"
    term = terminal(comments, "--labels", labels)
    screen = term.wait_for_text(READY)
    saved = []
    for _ in range(3):
        saved.append(shown_id(screen))
        screen = answer(term, screen, "o")
    on_screen = shown_id(screen)
    term.keys("h")
    term.wait_for_text("[x] h hostile")
    os.kill(term.program_pid(), signal.SIGKILL)
    assert term.exit_status() == 128 + signal.SIGKILL

    with LabelsFile(labels, writable=False) as reopened:
        assert reopened.repair is None
    rows = read_rows(labels)
    assert [row["id"] for row in rows] == saved and {row["off_topic"] for row in rows} == {"1"}
    result = invoke_cli("annotate", comments, "--labels", labels, "--next", "1")
    assert result.returncode == 0, result.stderr
    assert f"comment {on_screen} " in result.stdout  # the unsaved one is asked again


def test_ctrl_c_quits_and_keeps_the_answers(tmp_path, terminal):
    comments = write_comments(tmp_path / "comments.csv", 10)
    labels = tmp_path / "labels.csv"
    term = terminal(comments, "--labels", labels, "--label", "hostile")
    screen = term.wait_for_text(READY)
    assert "[ ] h hostile" in screen and "off_topic" not in screen.split("Answer:")[1].splitlines()[0]
    first = shown_id(screen)
    answer(term, screen, "h")
    term.keys("C-c")
    assert term.exit_status() == 130
    rows = read_rows(labels)
    assert [(r["id"], r["off_topic"], r["hostile"], r["ad_hominem"]) for r in rows] == [(first, "", "1", "")]


def test_a_bad_labels_file_is_refused_before_the_screen_opens(tmp_path, terminal):
    comments = write_comments(tmp_path / "comments.csv", 10)
    labels = tmp_path / "labels.csv"
    labels.write_text("text,label\nhello,1\n", encoding="utf-8")
    term = terminal(comments, "--labels", labels)
    assert term.exit_status() == 2
    screen = term.text_with_history()
    assert f"moderation: error: {labels}, line 1: not a labels file of this schema" in screen
    assert READY not in screen and "Traceback" not in screen
    assert labels.read_text(encoding="utf-8") == "text,label\nhello,1\n"
