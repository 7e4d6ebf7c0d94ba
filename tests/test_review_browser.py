"""`moderation review` and `label --html` in a real browser: headless Chromium from the system
packages (`apt-get install -y chromium chromium-driver`), driven over the DevTools protocol.

Few and slow on purpose: the page answers three comments by keyboard alone, the report opens
with the network off, and comments built to break out stay text in both.
"""

from __future__ import annotations

import contextlib
import selectors
import signal
import subprocess
import sys
import time

import pytest

from moderation.review.report import write_report
from tests.annotate_support import read_rows
from tests.conftest import SEED_THREAD, run_cli
from tests.review_support import BIG_COMMENT_CHARS, BREAKOUTS, CHAIN, HOSTILE_AUTHOR, HOSTILE_TITLE, hostile_rows, write_jsonl
from tools.chromium import Chromium, chromium_binary

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium_binary() is None, reason="Chromium is not installed: apt-get install -y chromium chromium-driver"),
]

# WCAG 2 contrast of every element's own text against the background it is drawn on.
LOW_CONTRAST = """(() => {
  const parse = (c) => { const p = c.match(/[\\d.]+/g).map(Number); return p.length === 3 ? [...p, 1] : p; };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const backgroundOf = (node) => {
    for (let e = node; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) return c; }
    return [255, 255, 255, 1];
  };
  const low = [];
  for (const node of document.querySelectorAll('body *')) {
    if (!node.getClientRects().length) continue;
    if (![...node.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const [a, b] = [luminance(parse(getComputedStyle(node).color)), luminance(backgroundOf(node))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) low.push(node.tagName + '.' + node.className + ' ' + ratio.toFixed(2) + ': ' + node.textContent.slice(0, 40));
  }
  return low;
})()"""

# Controls without a name a screen reader can say.
UNNAMED = """[...document.querySelectorAll('button, select, input')]
  .filter((c) => c.getClientRects().length && !(c.textContent.trim() || c.getAttribute('aria-label') || (c.labels && c.labels.length)))
  .map((c) => c.outerHTML.slice(0, 80))"""

FOCUS = """(() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {position: e.dataset.position, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; })()"""

# Anything a comment could have smuggled into the page.
SMUGGLED = """({pwned: window.__pwned === true, title: document.title,
  elements: document.querySelectorAll('img, iframe, object, embed, form, base, meta[http-equiv="refresh"]').length,
  scripts: document.querySelectorAll('script:not([type="application/json"])').length,
  links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href'))})"""


class ReviewProcess:
    """`moderation review` running as a user starts it; stopped with Ctrl-C (SIGINT)."""

    def __init__(self, *arguments, cwd):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moderation", "review", *map(str, arguments), "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=180):
            self.process.kill()
            raise AssertionError("moderation review did not print its address")
        line = self.process.stdout.readline()
        assert line.startswith("Review page: http://127.0.0.1:"), line + self.process.stderr.read()
        self.address = line.split(": ", 1)[1].strip()
        self.stderr = ""

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        _, self.stderr = self.process.communicate(timeout=60)
        return self.process.returncode


@contextlib.contextmanager
def serving(*arguments, cwd):
    review = ReviewProcess(*arguments, cwd=cwd)
    try:
        yield review
    finally:
        if review.process.poll() is None:
            review.stop()


def check_accessible(browser: Chromium) -> None:
    assert browser.evaluate(LOW_CONTRAST) == []
    assert browser.evaluate(UNNAMED) == []


def test_the_page_shows_flags_and_takes_three_answers_by_keyboard_alone(tmp_path):
    labels = tmp_path / "answers.csv"
    with serving(SEED_THREAD, "--labels", labels, cwd=tmp_path) as review, Chromium(1280, 800) as browser:
        browser.open(review.address)
        index = browser.evaluate("fetch('/api/index', {headers: {'X-Review-Token': sessionStorage.getItem('moderation-review-token')}}).then((r) => r.json())")
        flagged = sum(1 for bits in index["flags"] if bits)
        assert flagged > 0
        assert browser.evaluate("document.querySelectorAll('li.comment').length") == 47
        assert browser.evaluate("document.querySelectorAll('li.comment.flagged').length") == flagged
        chips = browser.evaluate("[...document.querySelectorAll('.chip.flag')].map((c) => c.textContent)")
        assert len(chips) == sum(bin(bits).count("1") for bits in index["flags"]) and all(c.endswith(" flagged") for c in chips)
        assert browser.evaluate("document.querySelectorAll('.text mark').length") > 0
        assert "#token" not in browser.evaluate("location.href")  # the key left the address bar
        check_accessible(browser)

        for key in ("h", "Enter", "a", "o", "Enter", "s"):
            browser.press(key)
        browser.wait_for("document.getElementById('status').textContent === 'Skipped comment 3.'")
        focus = browser.evaluate(FOCUS)
        assert focus["position"] == "3" and focus["outline"] != "none" and focus["width"] >= 2  # moved on, visibly
        assert browser.evaluate("document.getElementById('progress-line').textContent") == "3 of 47 comments answered or skipped"
        assert browser.evaluate("document.querySelector('.thread-counts').textContent") == f"47 comments, {flagged} flagged, 3 answered"
        browser.evaluate("document.getElementById('retrain').click()")  # too few answers: it says so, and why
        browser.wait_for("document.getElementById('status').textContent.startsWith('Retraining needs 6 yes and 6 no answers')")
        assert browser.problems() == []
        assert review.stop() == 0
    rows = read_rows(labels)
    assert [(r["id"], r["off_topic"], r["hostile"], r["ad_hominem"]) for r in rows] == [
        ("1", "0", "1", "0"),
        ("2", "1", "0", "1"),
        ("3", "", "", ""),
    ]
    assert "2 answers saved to" in review.stderr and "3 of 47 comments done" in review.stderr


def test_the_report_opens_with_the_network_off(tmp_path):
    report = tmp_path / "report.html"
    assert run_cli("label", SEED_THREAD, "--html", report).returncode == 0
    with Chromium(1280, 800) as browser:
        browser.offline()
        url = report.as_uri()
        browser.open(url)
        assert browser.requests() == [url]  # nothing but the file itself
        assert browser.problems() == []  # no error, nothing blocked by its Content-Security-Policy
        assert browser.evaluate("document.querySelectorAll('li.comment').length") == 47
        assert browser.evaluate("document.querySelectorAll('.chip.flag').length") > 0
        assert browser.evaluate("document.querySelectorAll('.reasons li').length") > 0
        assert browser.evaluate("document.querySelectorAll('.answer').length") == 0  # read-only
        assert not browser.evaluate("document.getElementById('filter-answered').getClientRects().length")
        flagged = browser.evaluate("document.querySelectorAll('li.comment.flagged').length")
        browser.evaluate("document.getElementById('filter-flagged').click()")
        browser.wait_for(f"document.getElementById('view-line').textContent.includes(' of {flagged} ')")
        browser.press("j")
        assert browser.evaluate(FOCUS)["outline"] != "none"
        check_accessible(browser)
        assert browser.requests() == [url] and browser.problems() == []


def check_stays_text(browser: Chromium) -> None:
    smuggled = browser.evaluate(SMUGGLED)
    assert not smuggled["pwned"] and smuggled["title"] != "pwned"
    assert smuggled["elements"] == 0 and smuggled["scripts"] == 1 and smuggled["links"] == ["#list"]
    texts = browser.evaluate("Object.fromEntries([...document.querySelectorAll('li.comment')].map((li) => [li.querySelector('.meta').textContent, li.querySelector('.text').textContent]))")
    for name, text in BREAKOUTS.items():
        shown = [value for meta, value in texts.items() if f"comment {name}" in meta]
        assert shown == [text], name
    authors = browser.evaluate("[...document.querySelectorAll('.meta .author')].map((a) => a.textContent)")
    assert authors.count(HOSTILE_AUTHOR) == len(BREAKOUTS)
    assert HOSTILE_TITLE in browser.evaluate("document.querySelector('.thread-head h2').textContent")
    # The 1 MB comment: shown cut, whole on demand.
    browser.evaluate("[...document.querySelectorAll('button.more')].find((b) => b.textContent.includes('1,000,000') || b.textContent.includes('999,999')).click()")
    browser.wait_for("!document.querySelector('button.more')")
    assert browser.evaluate("Math.max(...[...document.querySelectorAll('.text')].map((t) => t.textContent.length))") >= BIG_COMMENT_CHARS - 99
    # The last of 5,000 nested replies, found by search: its level said in words, its indentation capped.
    browser.evaluate(f"const s = document.getElementById('filter-search'); s.value = 'reply {CHAIN - 1}:'; s.dispatchEvent(new Event('input'))")
    browser.wait_for("document.getElementById('view-line').textContent.startsWith('Comments 1–1 of 1 ')")
    deepest = browser.evaluate("(() => { const li = document.querySelector('li.comment'); return {meta: li.querySelector('.meta').textContent, left: li.getBoundingClientRect().left}; })()")
    assert f"reply, level {CHAIN - 1:,}" in deepest["meta"] and deepest["left"] < 300
    assert browser.evaluate("document.body.scrollWidth <= window.innerWidth + 1")
    assert browser.problems() == []


def test_comments_built_to_break_out_stay_text(tmp_path, shipped_model):
    source = write_jsonl(tmp_path / "attacks.jsonl", hostile_rows())
    started = time.monotonic()
    with serving(source, "--labels", tmp_path / "answers.csv", cwd=tmp_path) as review, Chromium(1280, 800) as browser:
        browser.open(review.address)
        check_stays_text(browser)
        assert review.stop() == 0
    assert time.monotonic() - started < 300
    report = tmp_path / "attacks.html"
    write_report(source, report, shipped_model, shipped_model.thresholds)
    with Chromium(1280, 800) as browser:
        browser.offline()
        browser.open(report.as_uri())
        check_stays_text(browser)
        assert browser.requests() == [report.as_uri()]
    assert "<script>window.__pwned" not in report.read_text(encoding="utf-8")
