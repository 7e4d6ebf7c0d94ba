"""Shared fixtures: paths into the repository and two ways to run the command line: in this
process (:func:`invoke_cli`, for most tests) or as a real process (:func:`run_cli`, for what only
a process shows: signals, closed or full standard streams, pipes, servers)."""

from __future__ import annotations

import contextlib
import locale
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `moderation train` without --model writes the user's model folder, which every command then
# prefers to the shipped model: tests (and the commands they run) get an empty one of their own.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="moderation-tests-data-")
LABELS_DIR = ROOT / "labels"
SEED_THREAD = LABELS_DIR / "threads" / "havana-times-cuba-north-korea.txt"
SEED_CSV = LABELS_DIR / "comments.csv"
DEFAULT_MODEL = ROOT / "models" / "default"


def run_cli(*args: str, input: str | bytes | None = None, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m moderation ARGS`` as a user would, in a new process, capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "moderation", *map(str, args)],
        input=input,
        capture_output=True,
        text=not isinstance(input, bytes),
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def invoke_cli(*args: str, input: str | bytes | None = None, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``moderation ARGS`` in this process and return what :func:`run_cli` would.

    It goes through the console script's own path (:func:`~moderation.cli.app.guard_standard_streams`,
    then :func:`~moderation.cli.app.run` with its error handling and exit codes), with stdin
    on a pipe and stdout and stderr on temporary files as descriptors 0, 1 and 2, since commands
    read and write those descriptors directly. The working folder, environment, ``sys.argv``
    and standard streams are restored afterwards. Signals are not handled here: test those with
    :func:`run_cli`.
    """
    from moderation.cli.app import guard_standard_streams, run

    text = not isinstance(input, bytes)
    encoding = locale.getpreferredencoding(False)
    data = input.encode(encoding) if isinstance(input, str) else input
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        with contextlib.ExitStack() as restore:
            restore.enter_context(environment(env or {}))
            restore.enter_context(working_folder(cwd or ROOT))
            restore.enter_context(standard_descriptors(data, stdout.fileno(), stderr.fileno()))
            restore.enter_context(as_python_m_moderation(args))
            try:
                guard_standard_streams()
                run()
                code = 0
            except SystemExit as exit:
                code = exit_code(exit)
            finally:
                if sys.stdout is not None:
                    sys.stdout.flush()  # as the interpreter does at exit, while descriptor 1 is still the file
        output, errors = read_back(stdout, text, encoding), read_back(stderr, text, encoding)
    return subprocess.CompletedProcess(["moderation", *map(str, args)], code, output, errors)


def without_backtracking(call, limit: float = 15.0):
    """``call()``, failing if it takes more than ``limit`` seconds: a guard against patterns that
    backtrack on adversarial text (what they took before is minutes; now milliseconds), not a
    speed measurement (those are in bench/)."""
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    assert elapsed < limit, f"took {elapsed:.1f} s: a pattern backtracks on this text"
    return result


def exit_code(exit: SystemExit) -> int:
    """The process exit code ``sys.exit(code)`` gives (a message exits 1, as the interpreter does)."""
    if exit.code is None or isinstance(exit.code, int):
        return exit.code or 0
    print(exit.code, file=sys.stderr)
    return 1


def read_back(stream, text: bool, encoding: str) -> str | bytes:
    """What was written to ``stream``, decoded as ``subprocess.run(text=True)`` decodes it."""
    stream.seek(0)
    data = stream.read()
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n") if text else data


@contextlib.contextmanager
def environment(changes: dict):
    """``os.environ`` with ``changes``, restored afterwards."""
    before = dict(os.environ)
    os.environ.update({name: str(value) for name, value in changes.items()})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


@contextlib.contextmanager
def working_folder(folder: Path):
    """The current folder ``folder``, restored afterwards."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def standard_descriptors(data: bytes | None, stdout: int, stderr: int):
    """Descriptors 0, 1 and 2 on a pipe fed ``data`` (nothing: /dev/null), ``stdout`` and
    ``stderr``, with ``sys.stdin``, ``sys.stdout`` and ``sys.stderr`` on them as Python sets
    them up at start; all restored afterwards."""
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    for stream in saved_streams[1:]:
        stream.flush()
    saved = [os.dup(descriptor) for descriptor in (0, 1, 2)]
    opened, feeder = [], None
    if data is None:
        source = os.open(os.devnull, os.O_RDONLY)
    else:
        source, sink = os.pipe()
        feeder = threading.Thread(target=feed, args=(sink, data), daemon=True)
    try:
        for descriptor, target in enumerate((source, stdout, stderr)):
            os.dup2(target, descriptor)
        os.close(source)
        if feeder:
            feeder.start()
        # Encodings and error handlers as the interpreter chose them for this process's own streams.
        like = sys.__stdout__ or saved_streams[1]
        opened = [
            open(0, encoding=like.encoding, errors=like.errors, closefd=False),  # noqa: SIM115 - closed below
            open(1, "w", encoding=like.encoding, errors=like.errors, closefd=False),  # noqa: SIM115
            open(2, "w", encoding=like.encoding, errors="backslashreplace", buffering=1, closefd=False),  # noqa: SIM115
        ]
        sys.stdin, sys.stdout, sys.stderr = opened
        yield
    finally:
        # The command may have replaced them (guard_standard_streams does); none closes a descriptor.
        for stream in {*opened, sys.stdin, sys.stdout, sys.stderr} - {None, *saved_streams}:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        for descriptor, copy in enumerate(saved):
            os.dup2(copy, descriptor)
            os.close(copy)
        if feeder:
            feeder.join(timeout=60)
        sys.stdin, sys.stdout, sys.stderr = saved_streams


def feed(sink: int, data: bytes) -> None:
    """Write ``data`` into a pipe and close it; a reader that stopped early is not an error."""
    with contextlib.suppress(BrokenPipeError), open(sink, "wb") as pipe:
        pipe.write(data)


@contextlib.contextmanager
def as_python_m_moderation(args):
    """``sys.argv`` and the ``__main__`` module of ``python -m moderation ARGS``: click names the
    program (in usage lines) after them."""
    import moderation.__main__

    saved = sys.argv, sys.modules["__main__"]
    sys.argv = [moderation.__main__.__file__, *map(str, args)]
    sys.modules["__main__"] = moderation.__main__
    try:
        yield
    finally:
        sys.argv, sys.modules["__main__"] = saved


@pytest.fixture(scope="session")
def seed_comments():
    from moderation.io.readers import ReadOptions, read_comments

    return list(read_comments(SEED_THREAD, ReadOptions(format="thread")))


@pytest.fixture(scope="session")
def seed_training(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``moderation train labels --model FOLDER``, run once per session: its result, and FOLDER."""
    folder = tmp_path_factory.mktemp("model") / "seed"
    return invoke_cli("train", LABELS_DIR, "--model", folder), folder


@pytest.fixture(scope="session")
def trained_model(seed_training) -> Path:
    """The folder of a model trained from the shipped labels (once per session)."""
    result, folder = seed_training
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="session")
def shipped_model():
    """The shipped default model, verified against its pinned digest."""
    from moderation.model.store import DEFAULT_MODEL_SHA256, load_model

    return load_model(DEFAULT_MODEL, DEFAULT_MODEL_SHA256)
