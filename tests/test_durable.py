"""Durable writes (moderation/io/durable.py) and the files that use them: outputs, the annotate
labels file, the server's feedback file and model folders survive full disks, kills, other
names for the same file, symlinks and FIFOs put in their place."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

from moderation.annotate.labels_file import COLUMNS, LabelsFile, key_of
from moderation.comments import Comment
from moderation.errors import InputError
from moderation.io.writers import OutputError, open_output
from moderation.model import store
from moderation.server import scoring
from moderation.server.app import ServerSettings, create_app
from moderation.server.feedback import FeedbackFile, check_feedback_file, feedback_row
from tests.conftest import DEFAULT_MODEL, LABELS_DIR, ROOT, invoke_cli

SUGGEST = "/v1alpha1/comments:suggestscore"
WAIT = 60  # seconds for anything that must not hang: generous for a loaded machine


def comment(number: int, text: str | None = None) -> Comment:
    return Comment(text=text or f"comment number {number}", id=str(number), thread_id="t", author=f"a{number}")


def suggestion(text: str = "You absolute idiot.", token: str | None = None) -> dict:
    body = {"comment": {"text": text}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}
    return {**body, "clientToken": token} if token else body


@pytest.fixture(scope="module")
def serving_model():
    return scoring.load(None)


def client_for(model, **settings):
    from starlette.testclient import TestClient

    return TestClient(create_app(ServerSettings(**settings), model), raise_server_exceptions=False)


def fails_halfway(monkeypatch, after: int = 0):
    """Make ``os.write`` write half of what it is given, then fail as a full disk does."""
    real_write = os.write
    calls = []

    def write(descriptor, data):
        calls.append(len(data))
        if len(calls) <= after:
            return real_write(descriptor, data)
        if len(calls) == after + 1 and len(data) > 1:
            return real_write(descriptor, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", write)


def in_thread(function):
    """Run ``function`` in a daemon thread; its result, or None if it is still running after WAIT."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=function()), daemon=True)
    thread.start()
    thread.join(WAIT)
    return result.get("value")


# -- one policy --------------------------------------------------------------------------------


def record_fsyncs(monkeypatch) -> list[str]:
    """Record what each fsync syncs: "file" or "folder"."""
    synced = []
    real_fsync = os.fsync

    def fsync(descriptor):
        synced.append("folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file")
        return real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_a_replaced_output_is_synced_and_so_is_its_folder(tmp_path, monkeypatch):
    synced = record_fsyncs(monkeypatch)
    (tmp_path / "out.csv").write_text("old\n", encoding="utf-8")
    with open_output(tmp_path / "out.csv") as stream:
        stream.write("new\n")
    assert synced == ["file", "folder"]  # the content, then its new name
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "new\n"


def test_a_model_folder_is_synced_file_by_file_before_it_is_swapped_in(tmp_path, monkeypatch, trained_model):
    arrays, metadata, _ = store.read_model(trained_model)
    target = tmp_path / "model"
    shutil.copytree(trained_model, target)
    synced = record_fsyncs(monkeypatch)
    store.write_model(target, arrays, metadata, lambda _: "card\n")
    assert synced == ["file", "file", "file", "folder", "folder"]  # three files, the new folder, the parent
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    store.load_model(target)


# -- lone surrogates and NUL in annotate's input ---------------------------------------------


def test_annotate_writes_a_lone_surrogate_as_u_fffd_and_says_so(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "1", "thread_id": "t", "text": "bad \\ud800 text", "author": "x\\udfff"}\n'
        '{"id": "2", "thread_id": "t", "text": "NUL \\u0000 here"}\n'
        '{"id": "3", "thread_id": "t", "text": "a fine comment"}\n',
        encoding="utf-8",
    )
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": str(n), "thread_id": "t", "off_topic": 0, "hostile": 1, "ad_hominem": 0}) + "\n" for n in (1, 2)), encoding="utf-8")
    labels = tmp_path / "labels.csv"
    result = invoke_cli("annotate", source, "--labels", labels, "--answers", answers)
    assert result.returncode == 0, result.stderr
    assert "2 comment(s) hold invalid Unicode (lone surrogates) or NUL characters" in result.stderr and "U+FFFD" in result.stderr
    rows = list(csv.DictReader(labels.open(encoding="utf-8", newline="")))  # valid UTF-8
    assert [(r["text"], r["author"], r["hostile"]) for r in rows] == [("bad \ufffd text", "x\ufffd", "1"), ("NUL \ufffd here", "", "1")]
    again = invoke_cli("annotate", source, "--labels", labels, "--next", "5", "--json")  # the file is ours, and resumes
    assert again.returncode == 0, again.stderr
    assert [json.loads(line)["id"] for line in again.stdout.splitlines()] == ["3"]


# -- appends cut short -------------------------------------------------------------------------


def test_a_feedback_append_cut_short_leaves_the_file_as_it_was_and_tells_the_client(serving_model, tmp_path, monkeypatch):
    path = tmp_path / "feedback.csv"
    with client_for(serving_model, feedback=path) as client:
        assert client.post(SUGGEST, json=suggestion("first", "c1")).status_code == 200
        before = path.read_bytes()
        with monkeypatch.context() as patch:
            fails_halfway(patch)
            response = client.post(SUGGEST, json=suggestion("second " * 2000, "c2"))
        assert response.status_code == 507
        error = response.json()["error"]
        assert (error["code"], error["status"]) == (507, "RESOURCE_EXHAUSTED")
        assert "not saved" in error["message"] and "unchanged" in error["message"] and str(tmp_path) not in error["message"]
        assert path.read_bytes() == before
        assert client.post(SUGGEST, json=suggestion("third", "c3")).status_code == 200  # the worker goes on
    check_feedback_file(path)
    assert [row["id"] for row in csv.DictReader(path.open(encoding="utf-8", newline=""))] == ["c1", "c3"]


def test_a_labels_file_append_cut_short_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "labels.csv"
    with LabelsFile(path) as labels:
        labels.save(comment(1), {"hostile": 1})
        before = path.read_bytes()
        with monkeypatch.context() as patch:
            fails_halfway(patch)
            with pytest.raises(OutputError, match=r"no space left on the device of .*labels\.csv; the labels file is as it was before this answer"):
                labels.save(comment(2, "long " * 5000), {"hostile": 0})
        assert path.read_bytes() == before and labels.labels_of(key_of(comment(2, "long " * 5000))) is None
        labels.save(comment(3), {"hostile": 0})
    with LabelsFile(path) as labels:
        assert labels.repair is None and [row["id"] for row in labels.rows.values()] == ["1", "3"]


SHORT_WRITE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    path, kind = Path(sys.argv[1]), sys.argv[2]
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 300, resource.RLIM_INFINITY))
    if kind == "feedback":
        from moderation.server.feedback import FeedbackFile, feedback_row
        from moderation.server.perspective import ApiError
        try:
            FeedbackFile(path).append([feedback_row("word " * 400, {"hostile": 1}, comment_id="big")])
        except ApiError as error:
            print(error.code, error)
    else:
        from moderation.annotate.labels_file import LabelsFile
        from moderation.comments import Comment
        from moderation.errors import ModerationError
        with LabelsFile(path) as labels:
            try:
                labels.save(Comment(text="word " * 400, id="big", thread_id="t"), {"hostile": 1})
            except ModerationError as error:
                print(error)
    """
)


@pytest.mark.parametrize("kind", ["feedback", "labels"])
def test_a_real_short_write_at_the_file_size_limit_leaves_the_file_as_it_was(tmp_path, kind):
    path = tmp_path / f"{kind}.csv"
    if kind == "feedback":
        FeedbackFile(path).append([feedback_row("small", {"hostile": 0}, comment_id="small")])
    else:
        with LabelsFile(path) as labels:
            labels.save(comment(1), {"hostile": 0})
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-c", SHORT_WRITE, path, kind], capture_output=True, text=True, cwd=ROOT, timeout=WAIT * 2)
    assert result.returncode == 0, result.stderr
    assert "507" in result.stdout if kind == "feedback" else "would exceed the file size limit" in result.stdout
    assert path.read_bytes() == before


# -- the same labels file by another name ------------------------------------------------------


@pytest.mark.parametrize("link", [os.symlink, os.link], ids=["symlink", "hard link"])
def test_a_second_session_through_another_name_is_refused(tmp_path, link):
    path = tmp_path / "labels.csv"
    other = tmp_path / "other.csv"
    with LabelsFile(path) as first:
        first.save(comment(1), {"hostile": 1})
        link(path, other)
        with pytest.raises(InputError, match="another `moderation annotate`"):
            LabelsFile(other)
        first.save(comment(1), {"hostile": 0})  # a rewrite: the lock moves to the new file
        with pytest.raises(InputError, match="another `moderation annotate`"):
            LabelsFile(other)
        with pytest.raises(InputError, match="another `moderation annotate`"):
            LabelsFile(path)
        first.save(comment(2), {"hostile": 1})
    with LabelsFile(other) as second:  # released; the other name sees every answer
        assert [row["hostile"] for row in second.rows.values()] == ["0", "1"]


def test_a_rewrite_writes_through_a_symlinked_labels_file(tmp_path):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / "labels.csv"
    path = tmp_path / "labels.csv"
    path.symlink_to(target)
    with LabelsFile(path) as labels:
        labels.save(comment(1), {"hostile": 1})
        labels.save(comment(1), {"hostile": 0})  # rewrite
        labels.save(comment(2), {"hostile": 1})  # append after the rewrite
    assert path.is_symlink() and os.readlink(path) == str(target)
    assert [(r["id"], r["hostile"]) for r in csv.DictReader(target.open(encoding="utf-8", newline=""))] == [("1", "0"), ("2", "1")]


def test_a_rewrite_keeps_a_hard_linked_labels_file_one_file(tmp_path):
    path = tmp_path / "labels.csv"
    with LabelsFile(path) as labels:
        labels.save(comment(1), {"hostile": 1})
        os.link(path, tmp_path / "other.csv")
        labels.save(comment(1), {"hostile": 0})
        labels.save(comment(2), {"hostile": 1})
    assert os.path.samefile(path, tmp_path / "other.csv")
    assert (tmp_path / "other.csv").read_bytes() == path.read_bytes()


# -- a complete last row without a newline ----------------------------------------------------


@pytest.mark.parametrize("last", ["two,2,t,,,,1,0,", '"two, quoted",2,t,,,,1,0,1', "two,2,t,,,,,,"])
def test_a_complete_last_row_without_a_final_newline_is_kept(tmp_path, last):
    path = tmp_path / "labels.csv"
    content = ",".join(COLUMNS) + "\none,1,t,,,,0,0,0\n" + last
    path.write_text(content, encoding="utf-8")
    with LabelsFile(path) as labels:
        assert labels.repair is None and len(labels.rows) == 2
        labels.save(comment(3), {"hostile": 1})
    assert not list(tmp_path.glob("*.torn*"))
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == ["1", "2", "3"] and rows[1]["text"] == next(csv.reader([last]))[0]


def test_a_last_row_cut_before_its_last_cells_is_still_torn(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(",".join(COLUMNS) + "\none,1,t,,,,0,0,0\ntwo,2,t,,,,1", encoding="utf-8")
    with LabelsFile(path) as labels:
        assert labels.repair is not None and labels.repair.moved_to.read_text(encoding="utf-8") == "two,2,t,,,,1"
        assert len(labels.rows) == 1


# -- the shipped model folders ----------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_training_into_the_shipped_model_folder_is_refused_by_any_name(tmp_path):
    before = digest(DEFAULT_MODEL / "model.npz")
    (tmp_path / "link").symlink_to(DEFAULT_MODEL)
    names = ["models/default", "models/./default/", DEFAULT_MODEL.parent.parent / "labels" / ".." / "models" / "default", tmp_path / "link", "models/prior"]
    for name in names:
        result = invoke_cli("train", "labels", "--model", name, "--quiet")
        assert result.returncode == 2, (name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert "train without --model" in result.stderr and "--overwrite-shipped" in result.stderr
    assert digest(DEFAULT_MODEL / "model.npz") == before
    assert sorted(p.name for p in DEFAULT_MODEL.parent.iterdir()) == ["build.py", "default", "prior"]
    assert invoke_cli("info").returncode == 0


def test_maintainers_can_still_rebuild_the_shipped_model(tmp_path, monkeypatch):
    from moderation.commands import model_choice
    from moderation.commands.train import train

    shipped = tmp_path / "models" / "default"
    shutil.copytree(DEFAULT_MODEL, shipped)
    monkeypatch.setattr(model_choice, "default_model_dir", lambda: shipped)
    with pytest.raises(InputError, match="is a model shipped with moderation"):
        train([LABELS_DIR], shipped)
    train([LABELS_DIR], shipped, overwrite_shipped=True)
    assert digest(shipped / "model.npz") == json.loads((shipped / "metadata.json").read_text(encoding="utf-8"))["model_sha256"]


# -- the model folder swap, killed at every step ------------------------------------------------

KILLED_WRITE = textwrap.dedent(
    """
    import os, shutil, sys, time
    from pathlib import Path
    from moderation.model import store
    try:
        from moderation.io import durable
    except ImportError:  # before durable.py: the steps are os.replace and shutil.rmtree
        durable = None
    target, pause_at, fallback = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "fallback"
    arrays, metadata, _ = store.read_model(target)
    arrays = arrays.replace(thresholds=arrays.thresholds * 0.5)  # another model: another digest
    events = 0

    def step(module, name):
        real = getattr(module, name)

        def paused(*args, **kwargs):
            global events
            events += 1
            if events == pause_at:
                print("paused", flush=True)
                time.sleep(600)
            result = real(*args, **kwargs)
            events += 1
            if events == pause_at:
                print("paused", flush=True)
                time.sleep(600)
            return result

        setattr(module, name, paused)

    for module, name in [(os, "rename"), (os, "replace"), (os, "symlink"), (shutil, "rmtree")]:
        step(module, name)
    if durable is not None:
        step(durable, "exchange")
        step(durable, "remove")
        if fallback:
            durable.exchange = lambda first, second: False
    store.write_model(target, arrays, metadata, lambda _: "card")
    print("done", flush=True)
    """
)


def kill_during_write(target: Path, pause_at: int, fallback: bool) -> str:
    """Run a model write that pauses at its ``pause_at``-th step boundary and SIGKILL it there;
    returns "killed", or "done" if the write has fewer steps."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITE, target, str(pause_at), "fallback" if fallback else "exchange"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline().strip()
        if line == "paused":
            child.send_signal(signal.SIGKILL)
            child.wait(WAIT)
            return "killed"
        assert child.wait(WAIT) == 0 and line == "done"
        return "done"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def without_exchange(monkeypatch):
    from moderation.io import durable

    monkeypatch.setattr(durable, "exchange", lambda first, second: False)


@pytest.mark.slow  # real processes, killed at each step
@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "symlink fallback"])
def test_a_model_folder_killed_at_any_step_of_its_swap_holds_a_complete_model(tmp_path, trained_model, monkeypatch, fallback):
    arrays, metadata, _ = store.read_model(trained_model)
    target = tmp_path / "model"
    shutil.copytree(trained_model, target)
    if fallback:
        without_exchange(monkeypatch)
        store.write_model(target, arrays, metadata, lambda _: "card")  # a real folder becomes the link
        assert target.is_symlink()
    old = store.load_model(target).metadata["model_sha256"]
    seen = set()
    for pause_at in range(1, 20):
        outcome = kill_during_write(target, pause_at, fallback)
        loaded = store.load_model(target)  # a complete, valid model, whatever the moment
        seen.add(loaded.metadata["model_sha256"] == old)
        store.write_model(target, arrays, metadata, lambda _: "card")  # the next write cleans up
        leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name != "model")
        assert leftovers == ([os.readlink(target)] if fallback else []), (pause_at, leftovers)
        if outcome == "done":
            break
    assert outcome == "done" and seen == {True, False}  # killed before and after the swap


# -- the feedback file path ---------------------------------------------------------------------


def test_a_symlink_swapped_in_for_the_feedback_file_is_refused(serving_model, tmp_path):
    path = tmp_path / "feedback.csv"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours\n", encoding="utf-8")
    with client_for(serving_model, feedback=path) as client:
        assert client.post(SUGGEST, json=suggestion("first", "c1")).status_code == 200
        path.rename(tmp_path / "moved.csv")
        path.symlink_to(elsewhere)
        response = client.post(SUGGEST, json=suggestion("second", "c2"))
        assert response.status_code == 503 and response.json()["error"]["status"] == "UNAVAILABLE"
        assert "symlink" in response.json()["error"]["message"]
        assert elsewhere.read_text(encoding="utf-8") == "not yours\n"
        path.unlink()
        assert client.post(SUGGEST, json=suggestion("third", "c3")).status_code == 200  # a new file starts
    assert [r["id"] for r in csv.DictReader(path.open(encoding="utf-8", newline=""))] == ["c3"]


def test_a_feedback_file_that_is_a_symlink_at_start_up_is_followed(serving_model, tmp_path):
    target = tmp_path / "data" / "feedback.csv"
    target.parent.mkdir()
    path = tmp_path / "feedback.csv"
    path.symlink_to(target)
    check_feedback_file(path)
    with client_for(serving_model, feedback=path) as client:
        assert client.post(SUGGEST, json=suggestion("first", "c1")).status_code == 200
    assert path.is_symlink() and [r["id"] for r in csv.DictReader(target.open(encoding="utf-8", newline=""))] == ["c1"]


@pytest.mark.parametrize("reader", [False, True], ids=["no reader", "a reader"])
def test_a_fifo_swapped_in_for_the_feedback_file_is_refused_at_once(serving_model, tmp_path, reader):
    path = tmp_path / "feedback.csv"
    with client_for(serving_model, feedback=path) as client:
        assert client.post(SUGGEST, json=suggestion("first", "c1")).status_code == 200
        path.unlink()
        os.mkfifo(path)
        held = os.open(path, os.O_RDONLY | os.O_NONBLOCK) if reader else None
        try:
            response = in_thread(lambda: client.post(SUGGEST, json=suggestion("second", "c2")))
            assert response is not None, "the suggestion hangs on the FIFO"
            assert response.status_code == 503 and "not a regular file" in response.json()["error"]["message"]
            if held is not None:
                assert os.read(held, 100) == b""  # nothing was written into it
            assert in_thread(lambda: client.get("/healthz").status_code) == 200
        finally:
            if held is not None:
                os.close(held)


def test_a_fifo_named_as_the_feedback_file_is_refused_at_start_up(tmp_path):
    path = tmp_path / "feedback.csv"
    os.mkfifo(path)

    def check():
        try:
            check_feedback_file(path)
        except InputError as error:
            return str(error)

    message = in_thread(check)
    assert message is not None and "not a regular file" in message


def test_a_server_whose_feedback_file_became_a_fifo_answers_and_stops(tmp_path):
    from tests.serve_support import Server

    path = tmp_path / "feedback.csv"
    with Server("--feedback", path, "--insecure-no-auth") as server:
        assert httpx.post(server.base + SUGGEST, json=suggestion("first", "c1"), timeout=WAIT).status_code == 200
        path.unlink()
        os.mkfifo(path)
        response = httpx.post(server.base + SUGGEST, json=suggestion("second", "c2"), timeout=WAIT)
        assert response.status_code == 503
        server.wait_for("feedback file .*a suggestion was not saved")
        server.process.send_signal(signal.SIGHUP)
        server.wait_for("reloaded model")
        started = time.monotonic()
        assert server.stop() in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
        assert time.monotonic() - started < WAIT
