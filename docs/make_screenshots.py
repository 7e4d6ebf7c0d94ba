"""Screenshots of `moderation review` and of `label --html`'s report, for the README.

Starts `moderation review` on the seed thread (answers go to a temporary labels file), shows
the flagged comments, answers two of them by keyboard, and writes
docs/review-page-{desktop,phone}.png and docs/review-report-{desktop,phone}.png at 1280×800
and 390×844 with headless Chromium (``apt-get install -y chromium chromium-driver``).

    python docs/make_screenshots.py
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.chromium import Chromium  # noqa: E402 - after the path is set

DOCS = ROOT / "docs"
SEED = ROOT / "labels" / "threads" / "havana-times-cuba-north-korea.txt"
SIZES = {"desktop": (1280, 800, False), "phone": (390, 844, True)}
FLAGGED_ONLY = "document.getElementById('filter-flagged').click()"


def shoot(browser: Chromium, name: str) -> None:
    """The top of the page on a desktop; on a phone, the comments."""
    for size, (width, height, mobile) in SIZES.items():
        browser.resize(width, height, mobile)
        time.sleep(0.5)
        browser.evaluate("window.scrollTo(0, 0)" if size == "desktop" else "document.querySelector('.pager').scrollIntoView()")
        time.sleep(0.2)
        browser.screenshot(DOCS / f"review-{name}-{size}.png")
        print(f"wrote docs/review-{name}-{size}.png")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [sys.executable, "-m", "moderation", "review", str(SEED), "--labels", f"{folder}/answers.csv", "--no-browser"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=folder,
        )
        try:
            selector = selectors.DefaultSelector()
            selector.register(process.stdout, selectors.EVENT_READ)
            selector.select(timeout=300)
            address = process.stdout.readline().split(": ", 1)[1].strip()
            with Chromium() as browser:
                browser.open(address)
                browser.evaluate(FLAGGED_ONLY)
                time.sleep(0.5)
                for key in ("o", "Enter", "o", "a", "Enter"):
                    browser.press(key)
                browser.wait_for("document.getElementById('status').textContent.startsWith('Saved')")
                shoot(browser, "page")
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)
        report = Path(folder) / "report.html"
        subprocess.run([sys.executable, "-m", "moderation", "label", str(SEED), "--html", str(report)], check=True, cwd=folder)
        with Chromium() as browser:
            browser.offline()
            browser.open(report.as_uri())
            browser.evaluate(FLAGGED_ONLY)
            shoot(browser, "report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
