"""``moderation serve`` as a real process for tests: on 127.0.0.1 and a free port, its stderr
collected as it comes, stopped by itself (SIGTERM, then SIGKILL if it hangs)."""

import re
import resource
import signal
import subprocess
import sys
import threading
import time

import httpx

from tests.conftest import ROOT

WAIT = 120  # seconds: generous, for a loaded machine
ADDRESS = re.compile(r"serving on http://127\.0\.0\.1:(\d+)")


class Server:
    """``moderation serve ARGS --port 0``; its stderr is collected as it comes."""

    def __init__(self, *args, open_files: int | None = None):
        """``open_files``: the server's open-file limit (RLIMIT_NOFILE), if not inherited."""

        def limit_open_files():
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        self.process = subprocess.Popen(
            [sys.executable, "-m", "moderation", "serve", "--port", "0", *map(str, args)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limit_open_files if open_files else None,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = int(self.wait_for(ADDRESS).group(1))
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + WAIT
        while httpx.get(self.base + "/healthz", timeout=WAIT).status_code != 200:
            assert time.monotonic() < deadline, self.log
            time.sleep(0.2)

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: re.Pattern | str, count: int = 1) -> re.Match:
        """The ``count``-th match of ``pattern`` in the server's stderr, waiting for it."""
        pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + WAIT
        while True:
            matches = [m for line in list(self.lines) if (m := pattern.search(line))]
            if len(matches) >= count:
                return matches[count - 1]
            assert self.process.poll() is None or len(matches) >= count, f"server exited:\n{self.log}"
            assert time.monotonic() < deadline, f"no {pattern.pattern!r} in:\n{self.log}"
            time.sleep(0.1)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(10)
        return code

    def __enter__(self):
        return self

    def __exit__(self, kind, value, trace):
        self.stop()
        if kind is not None:
            print(f"server log:\n{self.log}")  # shown with the failure
