"""``moderation serve`` under hostile clients (issue 17): what one client can take from the others.

For this tree, and for a baseline revision with ``--baseline REV`` (its files extracted to a
temporary folder), each server on 127.0.0.1 with its default options:

* burst: eight 0.9 MB ``/v1/score`` bodies of new words sent at once, and ``/healthz`` asked
  every 50 ms meanwhile: how long it waits;
* memory: large ``/v1/score`` bodies of new words one after another (each remembered by its
  thread), for at most 5 minutes: the server's memory every 20 requests;
* idle: 100 sockets that never send a byte, under an open-file limit of 64, then one client's
  ``/healthz``: answered, and how soon;
* slow: a connection that never sends a whole request (a header line every second), and one
  that sends nothing: when the server closes them;
* head: a request head of 100 MB: the answer, and the server's peak memory;
* word: a ``comments:analyze`` comment of one 3,000-letter word: how long its answer takes.

Writes bench/results/serve_hostile.md.

    nice python bench/serve_hostile.py --baseline main   # about 6 minutes
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import string
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serve import start_server, stop_server, versions  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "serve_hostile.md"
CASES = ("burst", "memory", "idle", "slow", "head", "word")
GIVE_UP_SECONDS = 40.0  # a connection still open, or a client still waiting, after this is reported as such
MEMORY_SECONDS = 300.0  # the memory case sends no more requests after this


def new_words(count: int, seed: int) -> str:
    """``count`` made-up words that read as English ("the and" first): scored, not set aside as
    another language."""
    rng = random.Random(seed)
    return "the and " + " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) for _ in range(count))


def post(port: int, path: str, body: bytes, timeout: float = 600) -> bytes:
    """One request on its own connection; the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        connection.sendall(head.encode() + body)
        return read_all(connection)


def read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def healthz_seconds(port: int, timeout: float = GIVE_UP_SECONDS) -> float | None:
    """How long ``GET /healthz`` takes on a new connection (None: no answer within ``timeout``)."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if not read_all(connection).startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return time.perf_counter() - started


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A live process's resident memory (VmRSS) or its peak (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def closed_after(connection: socket.socket) -> float | None:
    """Seconds until the server closes ``connection`` (None: still open after GIVE_UP_SECONDS)."""
    connection.settimeout(GIVE_UP_SECONDS)
    started = time.perf_counter()
    try:
        while connection.recv(65536):
            pass
    except TimeoutError:
        return None
    except OSError:
        pass  # reset: closed too
    return time.perf_counter() - started


def closing(value: float | None) -> str:
    return f"closed after {value:.1f} s" if value is not None else f"still open after {GIVE_UP_SECONDS:.0f} s"


def case_burst(tree: Path) -> str:
    bodies = [json.dumps({"text": new_words(60_000, seed), "thread_id": f"t{seed}"}).encode() for seed in range(8)]
    process, port = start_server(1, tree)
    try:
        finished: list[float] = []

        def send(body: bytes) -> None:
            post(port, "/v1/score", body)
            finished.append(time.perf_counter())

        threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        waits = []
        while len(finished) < len(bodies):
            wait = healthz_seconds(port)
            waits.append(wait if wait is not None else float("inf"))
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        burst = max(finished) - started
    finally:
        stop_server(process)
    return f"burst {burst:.1f} s; {len(waits)} /healthz: median {statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms"


def case_memory(tree: Path, requests: int) -> str:
    process, port = start_server(1, tree)
    try:
        start = memory_mb(process.pid)
        samples, started, sent = [], time.perf_counter(), 0
        while sent < requests and time.perf_counter() - started < MEMORY_SECONDS:
            body = json.dumps({"text": new_words(110_000, 1000 + sent)[:900_000], "id": str(sent), "thread_id": f"t{sent % 10}"}).encode()
            assert post(port, "/v1/score", body).startswith(b"HTTP/1.1 200")
            sent += 1
            if sent % 20 == 0:
                samples.append(f"{memory_mb(process.pid):.0f}")
        seconds = time.perf_counter() - started
    finally:
        stop_server(process)
    return f"{sent} requests in {seconds:.0f} s; {start:.0f} MB at start; after every 20 requests: {', '.join(samples)} MB"


def case_idle(tree: Path) -> str:
    def limit_open_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    process, port = start_server(1, tree, preexec_fn=limit_open_files)
    idle = []
    try:
        for _ in range(100):
            try:
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                break
        time.sleep(0.5)
        wait = healthz_seconds(port)
    finally:
        for connection in idle:
            connection.close()
        stop_server(process)
    answered = f"answered in {wait:.2f} s" if wait is not None else f"no answer within {GIVE_UP_SECONDS:.0f} s"
    return f"{len(idle)} idle sockets open; a client's /healthz: {answered}"


def case_slow(tree: Path) -> str:
    process, port = start_server(1, tree)
    try:
        silent = socket.create_connection(("127.0.0.1", port))
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        stop = threading.Event()

        def trickle():
            while not stop.wait(1.0):
                try:
                    slow.sendall(b"X-Slow: yes\r\n")
                except OSError:
                    return

        threading.Thread(target=trickle, daemon=True).start()
        results = {}
        watchers = [
            threading.Thread(target=lambda name=name, c=c: results.__setitem__(name, closed_after(c)))
            for name, c in (("silent", silent), ("slow", slow))
        ]
        for watcher in watchers:
            watcher.start()
        for watcher in watchers:
            watcher.join()
        stop.set()
        silent.close()
        slow.close()
    finally:
        stop_server(process)
    return f"sends nothing: {closing(results['silent'])}; a header line a second: {closing(results['slow'])}"


def case_head(tree: Path) -> str:
    process, port = start_server(1, tree)
    try:
        before = memory_mb(process.pid, "VmHWM")
        with socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP_SECONDS) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Large: ")
            sent, answer = 0, b""
            try:
                for _ in range(100):
                    connection.sendall(b"a" * (1 << 20))
                    sent += 1
                connection.settimeout(2)
                answer = connection.recv(100)
            except OSError:
                pass
            peak = memory_mb(process.pid, "VmHWM")
    finally:
        stop_server(process)
    status = answer.split(b"\r\n")[0].decode() or "no answer"
    return f"{sent} MB sent; answer: {status}; peak memory {before:.0f} MB before, {peak:.0f} MB after"


def case_word(tree: Path) -> str:
    text = "".join(random.Random(3).choices(string.ascii_lowercase, k=3000))
    body = json.dumps({"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}).encode()
    process, port = start_server(1, tree)
    try:
        started = time.perf_counter()
        try:
            answer = post(port, "/v1alpha1/comments:analyze", body, timeout=GIVE_UP_SECONDS)
        except TimeoutError:
            return f"no answer within {GIVE_UP_SECONDS:.0f} s"
        status = answer.split(b"\r\n")[0].decode()
        return f"{status} after {time.perf_counter() - started:.2f} s"
    finally:
        stop_server(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REV", help="also measure the server of this git revision")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated cases of {', '.join(CASES)}")
    parser.add_argument("--memory-requests", type=int, default=150, help="large /v1/score requests in the memory case")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="moderation-serve-baseline-") as folder:
        trees = {"this tree": ROOT}
        if args.baseline:
            from bench.offtopic_checks import copy_of_commit

            trees[args.baseline] = copy_of_commit(args.baseline, Path(folder))
        for case in args.cases.split(","):
            for name, tree in trees.items():
                measure = {
                    "burst": lambda: case_burst(tree),
                    "memory": lambda: case_memory(tree, args.memory_requests),
                    "idle": lambda: case_idle(tree),
                    "slow": lambda: case_slow(tree),
                    "head": lambda: case_head(tree),
                    "word": lambda: case_word(tree),
                }[case]
                rows.append((case, name, measure()))
                print(f"{case:7} {name:10} {rows[-1][2]}", flush=True)
    lines = [
        "# `moderation serve` under hostile clients",
        "",
        f"Generated by `python bench/serve_hostile.py {' '.join(sys.argv[1:])}` on {datetime.now(timezone.utc):%Y-%m-%d}, "
        f"{os.cpu_count()} cores, {versions()}; load average {load_before[0]:.1f} before and {os.getloadavg()[0]:.1f} after "
        "(the machine is shared: times are noisy, the contrasts are not). Each server runs with its default options. "
        "See the script's docstring for what each case sends.",
        "",
        "| case | code | result |",
        "|---|---|---|",
        *(f"| {case} | {name} | {result} |" for case, name, result in rows),
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
