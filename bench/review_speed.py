"""How fast ``moderation review`` is on a 10,000-comment export, from the browser's own timing.

Writes a made-up export (threads of nested replies with authors and statuses, texts drawn from
the 47 seed comments, a fixed seed), starts ``moderation review`` on it, opens the page in
headless Chromium and reads the Performance API over the DevTools protocol:

- **interactive**: from the start of navigation to the first page of comments drawn with its
  keys bound (the page's ``review-interactive`` mark), and the index and first page requests;
- **moves**: ``j`` pressed 120 times, one after another, each timed from the key event to the
  next comment having focus (the page's ``review-move`` measures): moves within a page, and
  moves onto the next page, which needs that page's comments;
- **filters**: flagged only, then least certain first, each timed to the list redrawn;
- **the report** ``label --html`` writes: how long it takes and its peak memory (``/usr/bin/time``),
  its size, and how soon it is interactive opened from disk with the network off.

The seed thread (47 comments) is measured in the same invocation as the baseline. Server start
(reading, scoring and gathering thread statistics before the address is printed) is reported
separately. Needs Chromium (``apt-get install -y chromium chromium-driver``).

    python bench/review_speed.py               # 10,000 comments, 3 runs; writes bench/results/review_speed.{md,json}
    python bench/review_speed.py --comments 2000 --runs 1 --no-write
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.chromium import Chromium  # noqa: E402 - after the path is set

RESULTS = ROOT / "bench" / "results"
SEED = ROOT / "labels" / "threads" / "havana-times-cuba-north-korea.txt"
MOVES = 120
TARGET_INTERACTIVE_MS = 2000
ARTICLES = [
    "Council votes on new parking charges\n\nThe city council voted on Tuesday to raise parking charges downtown.",
    "The Great Friendship between Cuba and North Korea\n\nCuba's vice president toured North Korea this week.",
    "Ferry service resumes in April\n\nThe ferry to the island will run again from 1 April, the council confirmed.",
]


def seed_texts() -> list[str]:
    with open(ROOT / "labels" / "comments.csv", encoding="utf-8", newline="") as stream:
        return [row["text"] for row in csv.DictReader(stream)]


def write_export(path: Path, count: int, per_thread: int = 200, seed: int = 0) -> Path:
    """A JSONL export of ``count`` comments: threads of ``per_thread``, 60 % replies."""
    rng = random.Random(seed)
    texts = seed_texts()
    with path.open("w", encoding="utf-8") as stream:
        for number in range(count):
            thread, within = divmod(number, per_thread)
            parent = f"{thread}-{rng.randrange(within)}" if within and rng.random() < 0.6 else ""
            text = rng.choice(texts) + (" " + rng.choice(texts) if rng.random() < 0.2 else "")
            record = {
                "id": f"{thread}-{within}",
                "thread_id": f"thread-{thread}",
                "parent_id": parent,
                "author": f"reader{rng.randrange(400)}",
                "article": ARTICLES[thread % len(ARTICLES)],
                "status": rng.choice(("approved", "approved", "approved", "pending", "spam")),
                "text": text,
            }
            stream.write(json.dumps(record) + "\n")
    return path


def start_review(source: Path, folder: Path) -> tuple[subprocess.Popen, str, float]:
    """``moderation review`` on ``source``: the process, the page's address, seconds to start."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "moderation", "review", str(source), "--labels", str(folder / "answers.csv"), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=folder,
    )
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=600):
        process.kill()
        raise RuntimeError("moderation review did not start")
    line = process.stdout.readline()
    return process, line.split(": ", 1)[1].strip(), time.perf_counter() - started


def measure(address: str) -> dict:
    """One page load and the moves and filters after it, in milliseconds."""
    with Chromium(1280, 800) as browser:
        browser.open(address)
        timing = browser.evaluate(
            """(() => {
              const resource = (part) => performance.getEntriesByType('resource').find((e) => e.name.includes(part));
              const index = resource('/api/index'), page = resource('/api/comments');
              return {
                interactive: performance.getEntriesByName('review-interactive')[0].startTime,
                dom_content_loaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
                index_ms: index.duration, index_bytes: index.encodedBodySize,
                first_page_ms: page.duration,
                comments: document.querySelectorAll('li.comment').length,
              };
            })()"""
        )
        total = browser.evaluate("document.getElementById('view-line').textContent.match(/of ([\\d,]+)/)[1].replace(/,/g, '')")
        for number in range(min(MOVES, int(total) - 1)):
            browser.press("j")
            browser.wait_for(f"performance.getEntriesByName('review-move').length > {number}")
        entries = browser.evaluate("performance.getEntriesByName('review-move').map((e) => e.duration)")
        page_size = browser.evaluate("document.querySelectorAll('li.comment').length")
        crossings = {n for n in range(len(entries)) if (n + 1) % page_size == 0}  # the move from a page's last comment
        moves = {"within_page": [d for n, d in enumerate(entries) if n not in crossings], "next_page": [d for n, d in enumerate(entries) if n in crossings]}
        filters = {}
        for name, action in (
            ("flagged_only", "document.getElementById('filter-flagged').click()"),
            ("least_certain", "const s = document.getElementById('sort'); s.value = 'uncertain'; s.dispatchEvent(new Event('change'))"),
        ):
            before = browser.evaluate("performance.getEntriesByName('review-refilter').length")
            browser.evaluate(action)
            browser.wait_for(f"performance.getEntriesByName('review-refilter').length > {before}")
            filters[name] = browser.evaluate("performance.getEntriesByName('review-refilter').at(-1).duration")
        problems = browser.problems()
    return {**timing, "moves": moves, "filters": filters, "problems": problems}


def run(source: Path, runs: int) -> dict:
    """Start the server and measure a fresh page ``runs`` times."""
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            process, address, start_seconds = start_review(source, Path(folder))
            try:
                results.append({"server_start_s": start_seconds, **measure(address)})
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(60)
    return summarize(results)


def measure_report(source: Path, runs: int) -> dict:
    """``label --html``: seconds and peak memory to write the report, its size, and how soon it
    is interactive when opened with the network off."""
    written, interactive = [], []
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.html"
        for _ in range(runs):
            started = time.perf_counter()
            result = subprocess.run(
                ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "moderation", "label", str(source), "--html", str(report)],
                capture_output=True, text=True, check=True,
            )
            written.append((time.perf_counter() - started, int(result.stderr.strip().splitlines()[-1]) / 1024))
            with Chromium(1280, 800) as browser:
                browser.offline()
                browser.open(report.as_uri())
                interactive.append(browser.evaluate("performance.getEntriesByName('review-interactive')[0].startTime"))
        size = report.stat().st_size
    return {
        "write_s": statistics.median(w[0] for w in written),
        "write_peak_mb": max(w[1] for w in written),
        "bytes": size,
        "interactive_ms": statistics.median(interactive),
    }


def summarize(results: list[dict]) -> dict:
    """Medians over runs (moves pooled over runs: median and maximum)."""
    median = lambda key: statistics.median(r[key] for r in results)  # noqa: E731
    within = [d for r in results for d in r["moves"]["within_page"]]
    crossing = [d for r in results for d in r["moves"]["next_page"]]
    return {
        "runs": len(results),
        "server_start_s": median("server_start_s"),
        "interactive_ms": median("interactive"),
        "interactive_max_ms": max(r["interactive"] for r in results),
        "dom_content_loaded_ms": median("dom_content_loaded"),
        "index_ms": median("index_ms"),
        "index_bytes": median("index_bytes"),
        "first_page_ms": median("first_page_ms"),
        "comments_on_a_page": results[0]["comments"],
        "move_ms": {"median": statistics.median(within), "max": max(within), "count": len(within)},
        "next_page_move_ms": {"median": statistics.median(crossing), "max": max(crossing), "count": len(crossing)} if crossing else None,
        "flagged_only_ms": statistics.median(r["filters"]["flagged_only"] for r in results),
        "least_certain_ms": statistics.median(r["filters"]["least_certain"] for r in results),
        "problems": sorted({p for r in results for p in r["problems"]}),
    }


def commit() -> str:
    """The commit measured, marked when files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes" if changed.strip() else "")


def chromium_version() -> str:
    try:
        return subprocess.run(["chromium", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "unknown"


def markdown(results: dict, comments: int, runs: int, load: tuple[float, float]) -> str:
    base, big = results["seed"], results["export"]

    def row(name: str, value, unit: str = "ms") -> str:
        def show(v):
            return f"{v:,.0f}" if unit == "bytes" else f"{v:,.1f}" if unit == "ms" else f"{v:,.2f}"
        ratio = value(big) / value(base) if value(base) else float("nan")
        return f"| {name} | {show(value(base))} | {show(value(big))} | {ratio:.1f}× |"

    lines = [
        "# `moderation review`: how fast the page is",
        "",
        f"Generated by `python bench/review_speed.py --comments {comments} --runs {runs}` on {datetime.now(timezone.utc):%Y-%m-%d}, "
        f"{os.cpu_count()} cores, commit {commit()}, Python {platform.python_version()}, {chromium_version()} (headless, 1280×800); "
        f"load average {load[0]:.1f} before the run and {load[1]:.1f} after (other work shared the machine). "
        f"Times are the browser's own (Performance API, read over the DevTools protocol), medians of {runs} fresh page loads; "
        f"moves are pooled over the runs. Baseline: the 47-comment seed thread, in the same invocation.",
        "",
        f"| measure | seed thread (47) | export ({comments:,}) | ratio |",
        "|---|---|---|---|",
        row("server start: read, score, gather statistics (s)", lambda r: r["server_start_s"], "s"),
        row("navigation to first page drawn, keys bound (interactive)", lambda r: r["interactive_ms"]),
        row("slowest interactive of the runs", lambda r: r["interactive_max_ms"]),
        row("index request", lambda r: r["index_ms"]),
        row("index size (bytes)", lambda r: r["index_bytes"], "bytes"),
        row("first page of comments request", lambda r: r["first_page_ms"]),
        row("move to the next comment (j), median", lambda r: r["move_ms"]["median"]),
        row("move to the next comment (j), slowest", lambda r: r["move_ms"]["max"]),
        row("filter: flagged only", lambda r: r["flagged_only_ms"]),
        row("sort: least certain first", lambda r: r["least_certain_ms"]),
    ]
    lines += [
        row("label --html: write the report (s)", lambda r: r["report"]["write_s"], "s"),
        row("label --html: peak memory (MB)", lambda r: r["report"]["write_peak_mb"], "bytes"),
        row("report size (bytes)", lambda r: r["report"]["bytes"], "bytes"),
        row("report opened offline: interactive", lambda r: r["report"]["interactive_ms"]),
    ]
    if big["next_page_move_ms"]:
        crossing = big["next_page_move_ms"]
        lines.append(f"| move onto the next page (j), median / slowest, export only | – | {crossing['median']:,.1f} / {crossing['max']:,.1f} | – |")
    verdict = "met" if big["interactive_max_ms"] < TARGET_INTERACTIVE_MS else "missed"
    lines += [
        "",
        f"Target (issue 19): interactive within {TARGET_INTERACTIVE_MS:,} ms of opening on a {comments:,}-comment export: **{verdict}** "
        f"(slowest run {big['interactive_max_ms']:,.0f} ms). A page holds {big['comments_on_a_page']} comments; a move within it "
        "redraws nothing but the focus, a move onto the next page draws that page (its comments were fetched while the previous "
        "one was read). The server's start is not in the interactive time: it happens once, before the address is printed.",
    ]
    if big["problems"] or base["problems"]:
        lines += ["", "Problems the page reported: " + "; ".join(big["problems"] + base["problems"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print the results, write nothing")
    arguments = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        export = write_export(Path(folder) / "export.jsonl", arguments.comments)
        results = {"seed": run(SEED, arguments.runs), "export": run(export, arguments.runs)}
        for name, source in (("seed", SEED), ("export", export)):
            results[name]["report"] = measure_report(source, arguments.runs)
    report = markdown(results, arguments.comments, arguments.runs, (load_before, os.getloadavg()[0]))
    print(report)
    if not arguments.no_write:
        (RESULTS / "review_speed.md").write_text(report, encoding="utf-8")
        (RESULTS / "review_speed.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
