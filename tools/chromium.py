"""Headless Chromium driven over the DevTools protocol, for the review benchmark and the browser tests.

The system's Chromium (Debian: ``apt-get install -y chromium chromium-driver``) is started with
``--remote-debugging-pipe``: it reads protocol commands on descriptor 3 and answers on
descriptor 4, one JSON message per NUL-terminated record. No browser is downloaded and no
WebSocket library is needed. A fresh empty profile is used each time and removed afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
KEY_CODES = {"Enter": 13, "Escape": 27, "/": 191}
TIMEOUT = 60.0

# Records CSP violations the page meets, from before any of its own script runs.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push({directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample});
});
"""


def chromium_binary() -> str | None:
    """The system's Chromium, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(Exception):
    """The browser answered a command with an error, or did not answer in time."""


class Chromium:
    """One headless Chromium with one page (a tab) attached; use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 800):
        binary = chromium_binary()
        if binary is None:
            raise BrowserError("Chromium is not installed: apt-get install -y chromium chromium-driver")
        self.profile = tempfile.mkdtemp(prefix="moderation-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def on_descriptors_3_and_4():
            read, write = os.dup(commands_read), os.dup(answers_write)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=on_descriptors_3_and_4,
            pass_fds=(3, 4),
        )
        os.close(commands_read)
        os.close(answers_write)
        self._next_id = 0
        self._results: dict[int, dict] = {}
        self.events: list[dict] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = None
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(target["targetId"] for target in targets if target["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=page, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", source=WATCH_VIOLATIONS)
        self.resize(width, height)

    # --- the protocol ----------------------------------------------------------------------------

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._answers, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._changed:
                    self._changed.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._changed:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._results[message["id"]] = message
                    else:
                        self.events.append(message)
                self._changed.notify_all()

    def send(self, method: str, timeout: float = TIMEOUT, **params) -> dict:
        """Send a command to the page (or to the browser before one is attached); its result."""
        self._next_id += 1
        number = self._next_id
        message = {"id": number, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            data = data[os.write(self._commands, data) :]
        deadline = time.monotonic() + timeout
        with self._changed:
            while number not in self._results:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise BrowserError(f"{method}: no answer from the browser")
                self._changed.wait(left)
            answer = self._results.pop(number)
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def wait_for(self, expression: str, timeout: float = TIMEOUT):
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    # --- what tests do ---------------------------------------------------------------------------

    def resize(self, width: int, height: int, mobile: bool = False) -> None:
        """The viewport's size in CSS pixels (``mobile``: as a phone lays pages out)."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)

    def open(self, url: str, ready: str = "document.body && document.body.dataset.ready === 'true'") -> None:
        """Load a page and wait until ``ready`` is true in it."""
        self.send("Page.navigate", url=url)
        self.wait_for(ready)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails'].get('text')} {result['exceptionDetails'].get('exception', {}).get('description', '')}")
        return result["result"].get("value")

    def press(self, key: str) -> None:
        """Press and release one key, as typing it on the keyboard would."""
        text = "\r" if key == "Enter" else key if len(key) == 1 else ""
        code = KEY_CODES.get(key, ord(key.upper()) if len(key) == 1 else 0)
        self.send("Input.dispatchKeyEvent", type="keyDown", key=key, text=text, windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key, windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        """A PNG of the viewport (``full_page``: of the whole page) at ``path``."""
        result = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)
        Path(path).write_bytes(base64.b64decode(result["data"]))

    def offline(self) -> None:
        """Cut the page off the network: every request fails."""
        self.send("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1, uploadThroughput=-1)

    def requests(self) -> list[str]:
        """The URLs of every request the page has made so far."""
        with self._changed:
            return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def problems(self) -> list[str]:
        """Errors the page met: exceptions, console errors and CSP violations."""
        with self._changed:
            events = list(self.events)
        found = [e["params"]["exceptionDetails"].get("text", "") for e in events if e.get("method") == "Runtime.exceptionThrown"]
        found += [e["params"]["entry"]["text"] for e in events if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
        found += [f"CSP: {v}" for v in (self.evaluate("window.__violations || []") or [])]
        return found

    def close(self) -> None:
        """Close the browser and remove its profile."""
        try:
            if self.process.poll() is None:
                self.send("Browser.close", timeout=10)
                self.process.wait(10)
        except (BrowserError, subprocess.TimeoutExpired, OSError):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._commands)
            os.close(self._answers)
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
