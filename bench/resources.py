"""Resources under hostile or endless input (issue 10): does time or memory grow where it must
not, and does anything stay behind when ``label`` is killed? Writes bench/results/resources.md
and prints it.

    nice python bench/resources.py              # the full run (1,000,000 lines through score: ~10 min)
    python bench/resources.py --quick           # smoke run: 50,000 lines, smaller inputs
    python bench/resources.py --only header,xml # some sections only

Sections:

* header: reading a CSV header of 5,000 to 40,000 columns (the duplicate check was quadratic);
* score: ``moderation score`` time per line and memory over a stream of lines full of new words
  and names, block by block (the word table and thread statistics must stay bounded);
* no-newline: ``score`` and ``label`` fed text without a line break, and ``/dev/zero``;
* xml: an export of deeply nested elements, and one of many elements no reader asks for;
* leftovers: ``label`` with worker processes killed by SIGKILL or SIGHUP: processes and files left;
  and the cost of the "spawn" start method (workers die with ``label``) against "forkserver";
* answers: ``serve``'s sentence splitting on adversarial text, against the pattern it replaced
  (quadratic on runs of punctuation), and the largest Perspective answer for the size of its
  request, over requests built to make it large (issue 17);
* adversarial: scoring one comment that is a run of one or two characters ("@", "+1"…), which
  made the address, phone, money and spaced-letter patterns backtrack, against those patterns
  as they were.

Each ratio compares numbers from the same run; absolute numbers depend on the machine and on
what else runs on it (the machine is shared). The server's hostile inputs (large bodies, idle
and slow sockets, huge request heads) are measured by ``bench/serve_hostile.py``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTIONS = ("header", "score", "nonewline", "xml", "leftovers", "answers", "adversarial")
FULL = {"score_lines": 1_000_000, "block": 50_000, "stream_mb": 200, "xml_mb": 21, "label_rows": 60_000}
QUICK = {"score_lines": 50_000, "block": 10_000, "stream_mb": 30, "xml_mb": 3, "label_rows": 30_000}
RESULTS = ROOT / "bench" / "results" / "resources.md"
# Runs a command (argv[3:]) with stdin from argv[2] ("-": none) and writes the peak RSS of its
# largest process, in KB, to argv[1]; the command's stderr passes through.
PEAK_WRAPPER = """
import resource, subprocess, sys
source = open(sys.argv[2], "rb") if sys.argv[2] != "-" else subprocess.DEVNULL
code = subprocess.call(sys.argv[3:], stdin=source, stdout=subprocess.DEVNULL)
with open(sys.argv[1], "w") as report:
    report.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def moderation(*args) -> list[str]:
    return [sys.executable, "-m", "moderation", *map(str, args)]


def run_measured(command: list[str], stdin: Path | str = "-") -> tuple[float, float, int, str]:
    """Run ``command`` with ``stdin`` (a path, or "-" for none): seconds, peak RSS (MB) of its
    largest process, exit code, and its stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report, tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        wrapper = [sys.executable, "-c", PEAK_WRAPPER, report.name, str(stdin), *command]
        code = subprocess.call(wrapper, cwd=ROOT, stderr=errors)
        seconds = time.perf_counter() - started
        errors.seek(0)
        return seconds, int(report.read() or 0) / 1024, code, errors.read()


def status_mb(pid: int, field: str) -> float:
    """VmRSS or VmHWM (peak) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


# header


def measure_header(folder: Path, quick: bool) -> list[str]:
    from moderation.io.readers import read_comments

    widths = (5_000, 10_000, 20_000) if quick else (5_000, 10_000, 20_000, 40_000)
    rows = ["| columns | seconds to read the header and one row |", "|---:|---:|"]
    seconds = []
    for width in widths:
        path = folder / f"wide-{width}.csv"
        names = [f"column_{i}" for i in range(width)]
        path.write_text(",".join(["text", *names]) + "\n" + ",".join(["a comment", *names]) + "\n", encoding="utf-8")
        started = time.perf_counter()
        assert len(next(iter(read_comments(path))).row) == width + 1
        seconds.append(time.perf_counter() - started)
        rows.append(f"| {width:,} | {seconds[-1]:.3f} |")
    ratio = seconds[-1] / seconds[0]
    growth = widths[-1] / widths[0]
    return [
        f"Time grows {ratio:.1f}× for {growth:.0f}× the columns (linear: {growth:.0f}×; the quadratic check took 38 s at 20,000).",
        "",
        *rows,
    ]


# score


def stream_lines(count: int):
    """Lines of new words and new names: every line brings words and names not seen before."""
    for i in range(count):
        yield f"zork{i}, you and blim{i * 7919 % 1000003}qua are wrong about flarp{i}ity and the gleeb{i % 977}ster\n"


def measure_score(settings: dict) -> list[str]:
    count, block = settings["score_lines"], settings["block"]
    process = subprocess.Popen(moderation("score"), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1 << 16)

    def feed() -> None:
        for line in stream_lines(count):
            process.stdin.write(line)
        process.stdin.flush()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    marks, rss, loads = [], [], []
    started = time.perf_counter()
    for number in range(1, count + 1):
        if not process.stdout.readline():
            raise RuntimeError(f"score stopped after {number - 1} lines")
        if number % block == 0:
            marks.append(time.perf_counter() - started)
            rss.append(status_mb(process.pid, "VmRSS"))
            loads.append(os.getloadavg()[0])
            progress(f"score: {number:,} lines, {rss[-1]:.0f} MB")
    peak = status_mb(process.pid, "VmHWM")
    process.stdin.close()
    process.wait(timeout=120)
    per_line = [(marks[i] - (marks[i - 1] if i else 0)) / block * 1e6 for i in range(len(marks))]
    lines_done = [block * (i + 1) for i in range(len(marks))]
    first, last = per_line[1] if len(per_line) > 1 else per_line[0], per_line[-1]
    rows = ["| lines read | µs per line in the block | RSS (MB) | machine load (1 min) |", "|---:|---:|---:|---:|"]
    rows += [f"| {n:,} | {t:.0f} | {m:.0f} | {load:.1f} |" for n, t, m, load in zip(lines_done, per_line, rss, loads)]
    half = len(per_line) // 2
    memory_slope = slope(lines_done[1:], rss[1:]) * 100_000 if len(rss) > 2 else float("nan")
    time_slope = slope(lines_done[1:], per_line[1:]) * 100_000 if len(rss) > 2 else float("nan")
    return [
        f"{count:,} lines, each with new words and new names, piped through one `moderation score`; "
        f"{marks[-1]:.0f} s in all, peak RSS {peak:.0f} MB.",
        "",
        f"- time per line: {first:.0f} µs in the second block, {last:.0f} µs in the last ({last / first:.2f}×); "
        f"{sum(per_line[1:half]) / max(half - 1, 1):.0f} µs on average in the first half, "
        f"{sum(per_line[half:]) / (len(per_line) - half):.0f} µs in the second; slope {time_slope:+.2f} µs per line per 100,000 lines",
        f"- RSS: {rss[1] if len(rss) > 1 else rss[0]:.0f} MB after the second block, {rss[-1]:.0f} MB at the end; "
        f"slope {memory_slope:+.2f} MB per 100,000 lines",
        "",
        *rows,
    ]


# no-newline input


def measure_no_newline(folder: Path, settings: dict) -> list[str]:
    size = settings["stream_mb"] << 20
    blob = folder / "no-newline.txt"
    with blob.open("wb") as stream:
        chunk = b"a" * (1 << 20)
        for _ in range(settings["stream_mb"]):
            stream.write(chunk)
    rows = ["| command | input | exit | seconds | peak RSS (MB) | what it says |", "|---|---|---:|---:|---:|---|"]
    cases = [
        ("score", blob, moderation("score")),
        ("label -", blob, moderation("label", "-", "--out", folder / "out.csv")),
        ("label FILE", "-", moderation("label", blob, "--out", folder / "out.csv")),
        ("label /dev/zero", "-", moderation("label", "/dev/zero", "--out", folder / "out.csv")),
        ("score /dev/zero", "-", moderation("score", "/dev/zero")),
    ]
    baseline = run_measured(moderation("score"), stdin=write_small(folder))
    for name, stdin, command in cases:
        progress(f"no newline: {name}")
        seconds, peak, code, errors = run_measured(command, stdin)
        said = errors.strip().splitlines()[-1][:110] if errors.strip() else ""
        shown = f"{settings['stream_mb']} MB without a line break" if "zero" not in name else "/dev/zero (endless NUL bytes)"
        rows.append(f"| `{name}` | {shown} | {code} | {seconds:.1f} | {peak:.0f} | {said.replace('|', '/')} |")
    return [
        f"Peak RSS of `score` on one short line, for comparison: {baseline[1]:.0f} MB. "
        f"No line is held beyond 10,000,000 bytes, whatever the input's size ({size >> 20} MB here).",
        "",
        *rows,
    ]


def write_small(folder: Path) -> Path:
    path = folder / "one-line.txt"
    path.write_text("a short comment\n", encoding="utf-8")
    return path


# xml


def measure_xml(folder: Path, settings: dict) -> list[str]:
    size = settings["xml_mb"] << 20
    nested = folder / "nested.xml"
    with nested.open("w", encoding="utf-8") as stream:
        stream.write('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com">\n')
        depth = size // 7
        stream.write("<a>" * depth)
        stream.write("</a>" * depth)
        stream.write("\n</disqus>\n")
    wide = folder / "wide.xml"
    with wide.open("w", encoding="utf-8") as stream:
        stream.write('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n')
        stream.write('<thread dsq:id="1"><title>t</title></thread>\n')
        post = '<post dsq:id="{i}"><message>comment {i}</message>' + "<junk><x/><y>text</y></junk>" * 20 + '<thread dsq:id="1"/></post>\n'
        i = 0
        while stream.tell() < size:
            stream.write(post.format(i=i))
            i += 1
        stream.write("</disqus>\n")
    rows = ["| file | size (MB) | exit | seconds | peak RSS (MB) | what it says |", "|---|---:|---:|---:|---:|---|"]
    for name, path in (("nested elements", nested), (f"{i:,} posts with 60 unread elements each", wide)):
        progress(f"xml: {name}")
        seconds, peak, code, errors = run_measured(moderation("label", path, "--out", folder / "xml-out.csv", "--quiet"))
        said = errors.strip().splitlines()[0][:100] if code else errors.strip().splitlines()[0]
        rows.append(f"| {name} | {path.stat().st_size / 2**20:.0f} | {code} | {seconds:.1f} | {peak:.0f} | {said.replace('|', '/')} |")
    return ["Before this change, 21 MB of nested elements took 1.4 GB (issue 10).", "", *rows]


# leftovers


def descendants(pid: int) -> list[psutil.Process]:
    """The processes ``pid`` started, and the ones they started, …"""
    return psutil.Process(pid).children(recursive=True)


def alive(process: psutil.Process) -> bool:
    """Whether ``process`` still runs (a zombie does not)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def write_label_input(path: Path, rows: int) -> None:
    texts = [row["text"] for row in csv.DictReader((ROOT / "labels" / "comments.csv").open(encoding="utf-8"))]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "thread_id", "text"])
        writer.writerows((f"c{i}", f"t{i % 300}", texts[i % len(texts)]) for i in range(rows))


def measure_leftovers(folder: Path, settings: dict) -> list[str]:
    source = folder / "label-input.csv"
    write_label_input(source, settings["label_rows"])
    rows = ["| signal | input | processes started | alive 10 s later | files left in TMPDIR and the output folder |", "|---|---|---:|---:|---|"]
    for sent in (signal.SIGKILL, signal.SIGHUP):
        for via_stdin in (False, True):
            spool, out = folder / f"tmp-{sent.name}-{via_stdin}", folder / f"out-{sent.name}-{via_stdin}"
            spool.mkdir()
            out.mkdir()
            with source.open("rb") as data:
                process = subprocess.Popen(
                    moderation("label", "-" if via_stdin else source, "--out", out / "labeled.csv", "--workers", "2", "--quiet"),
                    cwd=ROOT, stdin=data if via_stdin else subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env={**os.environ, "TMPDIR": str(spool)},
                )  # fmt: skip
                deadline = time.monotonic() + 300
                while len(descendants(process.pid)) < 3 and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                started = descendants(process.pid)
                process.send_signal(sent)
                process.wait(timeout=120)
            time.sleep(10)
            left = sorted(p.name for folder_ in (spool, out) for p in folder_.iterdir())
            rows.append(f"| {sent.name} | {'stdin' if via_stdin else 'file'} | {len(started)} | {sum(map(alive, started))} | {', '.join(left) or 'none'} |")
            progress(f"leftovers: {rows[-1]}")
    return [*rows, "", *measure_start_methods()]


# Starts 2 workers with the start method argv[1], ships each the model and scores a batch.
START_METHOD_SCRIPT = """
import multiprocessing, sys, time
from concurrent.futures import ProcessPoolExecutor
from moderation.commands.label_workers import BatchScorer
from moderation.comments import Comment
from moderation.model.store import DEFAULT_MODEL_SHA256, load_model
from moderation.shipped import default_model_dir

scorer = BatchScorer(load_model(default_model_dir(), DEFAULT_MODEL_SHA256))
batch = [Comment(text="you are wrong", id="1", thread_id="t")]
started = time.perf_counter()
with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(sys.argv[1]), initializer=time.sleep, initargs=(0,)) as pool:
    for future in [pool.submit(scorer, batch, True) for _ in range(2)]:
        future.result()
print(time.perf_counter() - started)
"""


def measure_start_methods() -> list[str]:
    rows = ["| start method | seconds to start 2 workers, send each the model and score a batch (median of 3) |", "|---|---:|"]
    for method in ("spawn", "forkserver"):
        times = sorted(float(subprocess.check_output([sys.executable, "-c", START_METHOD_SCRIPT, method], cwd=ROOT, text=True)) for _ in range(3))
        rows.append(f"| {method} | {times[1]:.2f} |")
    return rows


# answers

PATTERN_BEFORE = r"\S(?:.*?(?:[.!?…]+(?=\s|$)|(?=\n)|$))"
"""The sentence pattern ``serve`` used before its splitting was made linear."""


def measure_answers() -> list[str]:
    import json
    import re

    from starlette.testclient import TestClient

    from moderation.server import scoring
    from moderation.server.app import ServerSettings, create_app
    from moderation.server.perspective import sentences

    rows = ["| text | characters | seconds to split (now) | seconds with the pattern before |", "|---|---:|---:|---:|"]
    texts = {"'!' × 20,000 then 'x'": "!" * 20_000 + "x", "'!' × 100,000 then 'x'": "!" * 100_000 + "x", "'a!' × 50,000": "a!" * 50_000, "'. ' × 50,000": ". " * 50_000}
    for name, text in texts.items():
        started = time.perf_counter()
        sentences(text)
        now = time.perf_counter() - started
        before = ""
        if len(text) <= 20_001:  # the pattern before takes seconds here already; it is quadratic
            started = time.perf_counter()
            [match.span() for match in re.finditer(PATTERN_BEFORE, text, re.DOTALL)]
            before = f"{time.perf_counter() - started:.3f}"
        rows.append(f"| {name} | {len(text):,} | {now:.4f} | {before} |")
    client = TestClient(create_app(ServerSettings(max_request_bytes=2 << 20), scoring.load(None)))
    worst = (0.0, 0, 0, "")
    largest = 0
    for names in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32):
        for count in (2, 3, 5, 10, 20, 30, 50, 80, 120, 200, 400, 1000, 6000):
            body = {"comment": {"text": "a\n" * count}, "requestedAttributes": {f"SPAM@{i}": {} for i in range(names)}, "spanAnnotations": True}
            request = json.dumps(body, separators=(",", ":")).encode()
            answer = client.post("/v1alpha1/comments:analyze", content=request).content  # pretty-printed: the larger answer
            largest = max(largest, len(answer))
            worst = max(worst, (len(answer) / len(request), len(request), len(answer), f"{names} names, {count} sentences"))
    issue = json.dumps({"comment": {"text": "a. " * 100}, "requestedAttributes": {f"TOXICITY@{i}": {} for i in range(1500)}, "spanAnnotations": True}).encode()
    refused = client.post("/v1alpha1/comments:analyze", content=issue)
    return [
        *rows,
        "",
        f"Answers to {13 * 13} requests of 1 to 32 attribute names and 2 to 6,000 sentences, with span annotations (no spaces, names like "
        f"`SPAM@7`, sentences `a\\n`): the largest answer is {largest:,} bytes; the largest against its request is {worst[0]:.1f}× "
        f"({worst[3]}: {worst[1]:,} bytes in, {worst[2]:,} out). A {len(issue):,}-byte request of 1,500 names (like issue 17's 23 KB one) gets a "
        f"{refused.status_code} of {len(refused.content):,} bytes (it got 170 MB).",
    ]


# Patterns that backtracked on a run of one or two characters, as they were before.
ADDRESS_BEFORE = r"\S+@\S+\.\S+"
PHONE_BEFORE = r"(?<![\w.])(?:\+?\d[\s()-]?){6,}\d(?!\w|\.\d)"
MONEY_BEFORE = r"\b\d[\d,.]*\s?(?:dollars|bucks|usd|pounds|gbp|euros?)"
SPACED_BEFORE = r"(?<![\w'@$+])[a-z0-9@$+](?:[ \t.\-_*/|]{1,3}[a-z0-9@$+]){2,}(?![\w'@$+])"


def measure_adversarial() -> list[str]:
    import re

    from moderation.comments import Comment
    from moderation.model.store import load_model
    from moderation.model.verdicts import Judge
    from moderation.shipped import default_model_dir

    judge = Judge(load_model(default_model_dir()).scorer)
    judge.threads([Comment("warm up the language detector: ceci n'est pas une phrase anglaise", thread_id="w")])
    cases = {
        "'@' × 20,000": ("@" * 20_000, ADDRESS_BEFORE, "@" * 2_000),
        "'a@' × 10,000": ("a@" * 10_000, ADDRESS_BEFORE, "a@" * 1_000),
        "'+1' × 10,000": ("+1" * 10_000, PHONE_BEFORE, "+1" * 10_000),
        "'1-' × 10,000": ("1-" * 10_000, PHONE_BEFORE, "1-" * 10_000),
        "'$ ' then '1,' × 10,000": ("$ " + "1," * 10_000, MONEY_BEFORE, "$ " + "1," * 10_000),
        "' a a a ' then 'a_ ' × 6,666": (" a a a " + "a_ " * 6_666, SPACED_BEFORE, " a a a " + "a_ " * 6_666 + "ab"),
        "'!' × 20,000": ("!" * 20_000, None, ""),
    }
    rows = ["| comment | characters | seconds to score it (now) | the pattern before, on | seconds |", "|---|---:|---:|---|---:|"]
    for name, (text, before, sample) in cases.items():
        started = time.perf_counter()
        judge.threads([Comment(text, id="1", thread_id="t")])
        now = time.perf_counter() - started
        then = ""
        if before:
            started = time.perf_counter()
            re.findall(before, sample)
            then = f"{time.perf_counter() - started:.3f}"
        rows.append(f"| {name} | {len(text):,} | {now:.3f} | {f'{len(sample):,} characters' if before else ''} | {then} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, for a smoke run")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    sections = [name for name in args.only.split(",") if name]
    started = time.perf_counter()
    lines = [
        "# Resources benchmark",
        "",
        f"Generated by `bench/resources.py`; do not edit by hand. Command: `python bench/resources.py {' '.join(sys.argv[1:])}`, "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Machine: {os.cpu_count()} CPUs, load average {[round(x, 2) for x in os.getloadavg()]} at start, niceness {os.nice(0)}; "
        f"{platform.platform()}; Python {platform.python_version()}.",
        "The machine is shared, so absolute numbers are noisy; ratios come from the same run.",
    ]
    titles = {
        "header": "CSV header width",
        "score": "`score` over a long stream of new words and names",
        "nonewline": "Input without line breaks",
        "xml": "XML held in bounded memory",
        "leftovers": "Nothing left behind after SIGKILL or SIGHUP",
        "answers": "Perspective answers: sentence splitting and answer size",
        "adversarial": "Scoring comments built to make a pattern backtrack",
    }
    with tempfile.TemporaryDirectory(prefix="moderation-resources-") as folder:
        for section in sections:
            progress(section)
            measure = {
                "header": lambda: measure_header(Path(folder), args.quick),
                "score": lambda: measure_score(settings),
                "nonewline": lambda: measure_no_newline(Path(folder), settings),
                "xml": lambda: measure_xml(Path(folder), settings),
                "leftovers": lambda: measure_leftovers(Path(folder), settings),
                "answers": measure_answers,
                "adversarial": measure_adversarial,
            }[section]
            lines += ["", f"## {titles[section]}", "", *measure()]
    lines += ["", f"{time.perf_counter() - started:.0f} s in total."]
    text = "\n".join(lines) + "\n"
    if not args.quick:
        args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
