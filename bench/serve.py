"""Latency and throughput of ``moderation serve`` (issue 11), on 127.0.0.1 only.

Starts the server (``--port 0``), then for each concurrency level sends a fixed number of
requests over that many keep-alive connections, each connection sending its next request when
the previous answer is in (a closed loop), and stops. Reports p50/p99 latency and requests/s
per endpoint, worker count and concurrency, and what the load generator itself cost in CPU:
it shares the machine's cores with the server. Writes bench/results/serve.md.

    python bench/serve.py                                          # the full run, about 5 minutes
    python bench/serve.py --requests 1000 --repeats 1 --workers 1   # a quick one
    python bench/serve.py --baseline main --workers 1              # this tree against main, run by run

With ``--baseline REV`` the server of git revision REV runs too (its files extracted to a
temporary folder, never touching this tree), the two taking turns run by run, and the report
adds this tree's ratios to the baseline's.

The client is raw HTTP/1.1 over asyncio streams on uvloop: requests are prepared bytes, and a
response is read by its Content-Length, so the client spends little per request.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "serve.md"
CONCURRENCY = (1, 16, 64)
WARMUP = 300
ARTICLE = "Cuba and North Korea exchanged views on bilateral links and pledged closer cooperation in trade and culture."


def seed_texts() -> list[str]:
    with open(ROOT / "labels" / "comments.csv", encoding="utf-8", newline="") as stream:
        return [row["text"][:2000] for row in csv.DictReader(stream)]


def http_post(path: str, body: dict) -> bytes:
    payload = json.dumps(body).encode("utf-8")
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    return head.encode("ascii") + payload


def requests_for(endpoint: str, texts: list[str]) -> list[bytes]:
    """Prepared requests: Coral Talk's analyze call, or /v1/score records in 20 threads."""
    if endpoint == "analyze":
        return [
            http_post(
                "/v1alpha1/comments:analyze?key=bench",
                {"comment": {"text": text}, "languages": ["en"], "doNotStore": True, "requestedAttributes": {"TOXICITY": {}}},
            )
            for text in texts
        ]
    return [
        http_post("/v1/score", {"text": text, "id": str(n), "thread_id": f"thread-{n % 20}", "author": f"user{n % 7}", "article": ARTICLE})
        for n, text in enumerate(texts)
    ]


async def connection_loop(port: int, requests: list[bytes], counter: list[int], total: int, latencies: list[float], errors: list[int]):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while counter[0] < total:
            n = counter[0]
            counter[0] += 1
            start = time.perf_counter()
            writer.write(requests[n % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                errors[0] += 1
    finally:
        writer.close()


async def drive(port: int, requests: list[bytes], concurrency: int, total: int) -> dict:
    """``total`` requests over ``concurrency`` connections; latency percentiles and rate."""
    latencies: list[float] = []
    errors, counter = [0], [0]
    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection_loop(port, requests, counter, total, latencies, errors) for _ in range(concurrency)))
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": wall,
        "rps": len(latencies) / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "client_cpu": (time.process_time() - cpu) / wall,
    }


def process_cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        except OSError:
            pass
    return total


def server_pids(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return [process.pid, *found]


def start_server(workers: int, tree: Path = ROOT, options: tuple[str, ...] = (), preexec_fn=None) -> tuple[subprocess.Popen, int]:
    """The server of the code in ``tree`` (``python -m`` imports the package from its folder),
    with serve ``options``; ``preexec_fn`` runs in its process before it starts."""
    process = subprocess.Popen(
        [sys.executable, "-m", "moderation", "serve", "--port", "0", "--workers", str(workers), *options],
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec_fn,
    )
    ready = 0
    port = None
    for line in process.stderr:
        if match := re.search(r"serving on http://127\.0\.0\.1:(\d+)", line):
            port = int(match.group(1))
        if "serving model" in line:
            ready += 1
            if ready == workers:
                break
    if port is None:
        raise SystemExit("the server did not start")
    # The access log is one line per request: read and drop it, or the pipe fills up.
    drain = subprocess.Popen(["cat"], stdin=process.stderr, stdout=subprocess.DEVNULL)
    process.drain = drain  # type: ignore[attr-defined]
    return process, port


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.drain.wait(10)  # type: ignore[attr-defined]


def run(requests_per_level: int, repeats: int, worker_counts: list[int], endpoints: list[str], trees: dict[str, Path]) -> list[dict]:
    """Each (workers, endpoint, concurrency) ``repeats`` times on the server of each tree, the
    trees taking turns run by run (in alternating order); the median run of each is kept, with
    the range of requests/s over the runs."""
    import uvloop

    texts = seed_texts()
    rows = []
    for workers in worker_counts:
        servers = {}
        try:
            for name, tree in trees.items():
                servers[name] = start_server(workers, tree)
            for endpoint in endpoints:
                prepared = requests_for(endpoint, texts)
                for _, port in servers.values():
                    uvloop.run(drive(port, prepared, 4, WARMUP))
                for concurrency in CONCURRENCY:
                    runs: dict[str, list[dict]] = {name: [] for name in servers}
                    for repeat in range(repeats):
                        for name in list(servers)[:: 1 if repeat % 2 == 0 else -1]:
                            process, port = servers[name]
                            pids = server_pids(process)
                            before = process_cpu_seconds(pids)
                            result = uvloop.run(drive(port, prepared, concurrency, requests_per_level))
                            cpu = process_cpu_seconds(pids) - before
                            result["server_cpu"] = cpu / result["seconds"]
                            result["cpu_ms_per_request"] = cpu / result["requests"] * 1000
                            runs[name].append(result)
                    for name, results in runs.items():
                        results.sort(key=lambda r: r["rps"])
                        result = {**results[len(results) // 2], "rps_range": (results[0]["rps"], results[-1]["rps"])}
                        result.update(tree=name, endpoint=endpoint, workers=workers, concurrency=concurrency)
                        rows.append(result)
                        print(
                            f"{name:12} {endpoint:8} workers={workers} c={concurrency:<3} {result['rps']:7.0f} req/s  "
                            f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  errors {result['errors']}  "
                            f"client {result['client_cpu']:.0%} server {result['server_cpu']:.0%} of a core, "
                            f"{result['cpu_ms_per_request']:.2f} ms CPU/request",
                            flush=True,
                        )
        finally:
            for process, _ in servers.values():
                stop_server(process)
    return rows


def versions() -> str:
    from importlib.metadata import version

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    packages = ", ".join(f"{name} {version(name)}" for name in ("uvicorn", "starlette", "uvloop", "httptools", "numpy"))
    return f"commit {commit or '?'}, Python {platform.python_version()}, {packages}"


def markdown(rows: list[dict], command: str, repeats: int, requests_per_level: int, load_before: tuple[float, ...], load_after) -> str:
    trees = list(dict.fromkeys(r["tree"] for r in rows))
    lines = [
        "# `moderation serve`: latency and throughput",
        "",
        f"Generated by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d}, "
        f"{os.cpu_count()} cores, {versions()}; load average {load_before[0]:.1f} before the run and {load_after[0]:.1f} after "
        "(other work shared the machine). "
        f"Each run: {requests_per_level:,} requests over keep-alive connections on 127.0.0.1, each connection sending its next "
        f"request when the answer to the previous one is in, after a warm-up; each row is the median of {repeats} runs by "
        "requests/s, with their range. analyze is Coral Talk's call (TOXICITY, "
        "languages en, doNotStore); /v1/score sends records of 20 threads with an article. Texts: the 47 seed comments. "
        "The load generator runs on the same cores: its CPU use is shown, as is the server's (all its processes).",
        "",
        "| code | endpoint | workers | concurrency | requests/s | range | p50 ms | p99 ms | errors | client CPU | server CPU | server CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = "comments:analyze" if r["endpoint"] == "analyze" else "/v1/score"
        lines.append(
            f"| {r['tree']} | {name} | {r['workers']} | {r['concurrency']} | {r['rps']:,.0f} | {r['rps_range'][0]:,.0f}–{r['rps_range'][1]:,.0f} "
            f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {r['client_cpu']:.0%} | {r['server_cpu']:.0%} "
            f"| {r['cpu_ms_per_request']:.2f} |"
        )
    if len(trees) == 2:
        current, baseline = trees
        lines += ["", f"Ratios, {current} / {baseline} (same run; above 1 is more requests/s or longer latency):", ""]
        lines += ["| endpoint | workers | concurrency | requests/s | p50 | p99 | server CPU ms/request |", "|---|---|---|---|---|---|---|"]
        by_key = {(r["tree"], r["endpoint"], r["workers"], r["concurrency"]): r for r in rows}
        for r in rows:
            if r["tree"] != current:
                continue
            b = by_key[(baseline, r["endpoint"], r["workers"], r["concurrency"])]
            name = "comments:analyze" if r["endpoint"] == "analyze" else "/v1/score"
            lines.append(
                f"| {name} | {r['workers']} | {r['concurrency']} | {r['rps'] / b['rps']:.2f} | {r['p50_ms'] / b['p50_ms']:.2f} "
                f"| {r['p99_ms'] / b['p99_ms']:.2f} | {r['cpu_ms_per_request'] / b['cpu_ms_per_request']:.2f} |"
            )
    lines += [
        "",
        "CPU columns are fractions of one core over the row's run (2 cores = 200%); server CPU per request depends least on "
        "what else the machine runs. Targets (issue 11): p99 under 50 ms at concurrency 16, at least 1,000 requests/s.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5_000, help="requests per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per row (the median is reported)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server worker counts to measure")
    parser.add_argument("--endpoints", nargs="+", default=["analyze", "score"], choices=["analyze", "score"])
    parser.add_argument("--baseline", metavar="REV", help="also run the server of this git revision, taking turns with this tree's")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="moderation-serve-baseline-") as folder:
        trees = {"this tree": ROOT}
        if args.baseline:
            from bench.offtopic_checks import copy_of_commit

            trees[args.baseline] = copy_of_commit(args.baseline, Path(folder))
        rows = run(args.requests, args.repeats, args.workers, args.endpoints, trees)
    command = " ".join(["python bench/serve.py", *sys.argv[1:]])
    RESULTS.write_text(markdown(rows, command, args.repeats, args.requests, load_before, os.getloadavg()), encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
