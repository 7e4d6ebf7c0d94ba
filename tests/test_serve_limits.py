"""What one client can take from the others: the event loop (CPU work runs on the worker
thread), connections (idle, slow, oversized, too many) and file descriptors.

Servers bind 127.0.0.1 on a free port and stop by themselves. Bounds are generous (the machine
is shared): each test checks an order of events or a bound far from what a healthy server
needs, never a speed.
"""

import asyncio
import random
import re
import socket
import string
import threading
import time

import httpx
import pytest

from moderation.server import scoring
from moderation.server.app import ServerSettings, create_app
from moderation.server.worker import Job, run_turn
from tests.serve_support import WAIT, Server

ANALYZE = "/v1alpha1/comments:analyze"
SLOW_SECONDS = 3.0


class SlowModel(scoring.ServingModel):
    """The shipped model, with scoring that keeps the CPU busy for seconds (as a pathological
    request would) in Python code, which holds the GIL but lets other threads take turns."""

    def score_in_context(self, items):
        end = time.perf_counter() + SLOW_SECONDS
        while time.perf_counter() < end:
            sum(range(1000))
        return super().score_in_context(items)


def test_healthz_answers_while_a_slow_request_is_scored():
    app = create_app(ServerSettings(), SlowModel(scoring.load(None).loaded))

    async def exchange():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=WAIT) as client:
            slow = asyncio.create_task(client.post(ANALYZE, json={"comment": {"text": "slow"}, "requestedAttributes": {"TOXICITY": {}}}))
            await asyncio.sleep(0.2)  # the slow request is read and handed to the worker
            started = time.perf_counter()
            health = await client.get("/healthz")
            waited = time.perf_counter() - started
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert not slow.done()  # answered while the slow request was still being scored
            assert (await slow).status_code == 200
            return waited

    try:
        assert asyncio.run(exchange()) < 1.0
    finally:
        app.state.server.worker.close()


def test_a_turn_scores_its_analyze_requests_in_one_batch_and_keeps_their_errors_apart():
    class CountingModel:
        def __init__(self):
            self.calls = []

        def score_in_context(self, items):
            self.calls.append(len(items))
            return [[len(item.texts)] for item in items]

    def failing():
        raise ValueError("bad request")

    model = CountingModel()
    jobs = [
        Job(lambda: scoring.InContext(["a"]), model, lambda scores: ("first", scores)),
        Job(failing, model, lambda scores: "never"),
        Job(lambda: None, model, lambda scores: ("nothing to score", scores)),
        Job(lambda: "parsed"),
        Job(lambda: scoring.InContext(["b", "c"]), model, lambda scores: ("second", scores)),
    ]
    outcomes = run_turn(jobs)
    assert model.calls == [2]  # one batch for both items
    assert outcomes[0] == ("first", [1]) and outcomes[4] == ("second", [2])
    assert isinstance(outcomes[1], ValueError) and outcomes[2] == ("nothing to score", None) and outcomes[3] == "parsed"


def new_words(count: int, seed: int) -> str:
    """A text of ``count`` made-up words, in English as far as a reader can tell (it says "the"
    and "and"), so that it is scored, not set aside as another language."""
    rng = random.Random(seed)
    return "the and " + " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) for _ in range(count))


@pytest.mark.slow  # a real server
def test_healthz_answers_during_a_burst_of_large_requests():
    """Large /v1/score bodies (parsing and scoring in proportion to their size) from several
    clients at once: every /healthz asked meanwhile is answered before the burst is done."""
    with Server() as server:
        bodies = [{"text": new_words(60_000, seed), "thread_id": f"t{seed}"} for seed in range(8)]
        finished: list[float] = []

        def send(body):
            with httpx.Client(timeout=WAIT) as client:
                assert client.post(server.base + "/v1/score", json=body).status_code == 200
            finished.append(time.perf_counter())

        senders = [threading.Thread(target=send, args=(body,)) for body in bodies]
        for sender in senders:
            sender.start()
        waits, answered = [], []
        with httpx.Client(base_url=server.base, timeout=WAIT) as client:
            time.sleep(0.5)
            while len(finished) < len(bodies) - 2 and len(waits) < 20:  # while the burst lasts
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                waits.append(time.perf_counter() - started)
                answered.append(time.perf_counter())
                time.sleep(0.05)
        for sender in senders:
            sender.join(WAIT)
        assert waits, "the burst ended before /healthz was asked"
        assert max(answered) < max(finished) and max(waits) < 1.0, (waits, sorted(finished))


def read_until_closed(connection: socket.socket) -> bytes:
    """What the server sends until it closes the connection."""
    connection.settimeout(WAIT)
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@pytest.mark.slow  # a real server
def test_idle_and_slow_connections_are_closed_and_an_oversized_head_refused():
    with Server("--keep-alive-timeout", "1", "--request-timeout", "2") as server:
        assert "an idle connection is closed after 1 s, a request must arrive within 2 s" in server.log
        address = ("127.0.0.1", server.port)
        with socket.create_connection(address) as idle:  # never sends a byte
            started = time.monotonic()
            assert read_until_closed(idle) == b""
            assert time.monotonic() - started >= 0.9

        with socket.create_connection(address) as slow:  # a header line every half second, for ever
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started, stop = time.monotonic(), threading.Event()

            def trickle():
                while not stop.wait(0.5):
                    try:
                        slow.sendall(b"X-Slow: yes\r\n")
                    except OSError:
                        return

            threading.Thread(target=trickle, daemon=True).start()
            try:
                assert read_until_closed(slow) == b""
            finally:
                stop.set()
            assert 1.9 <= time.monotonic() - started < WAIT

        with socket.create_connection(address) as kept:  # idle after an answer: keep-alive ends
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_until_closed(kept).startswith(b"HTTP/1.1 200")

        with socket.create_connection(address) as large:
            large.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Large: " + b"a" * 100_000)
            assert read_until_closed(large).startswith(b"HTTP/1.1 431")
        assert httpx.get(server.base + "/healthz", timeout=WAIT).status_code == 200


@pytest.mark.slow  # a real server
def test_idle_sockets_do_not_lock_out_a_client_under_a_low_open_file_limit():
    # Time-outs far longer than the test: only the connection limit can let the client in.
    with Server("--keep-alive-timeout", "600", "--request-timeout", "600", open_files=64) as server:
        limit = int(re.search(r"at most (\d+) connections per process \(lowered from 1000", server.log).group(1))
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3 * limit)]
        try:
            with httpx.Client(base_url=server.base, timeout=WAIT) as client:
                assert client.get("/healthz").status_code == 200
            server.wait_for("connection limit reached")
        finally:
            for connection in idle:
                connection.close()
        assert server.process.poll() is None


@pytest.mark.slow  # a real server
def test_when_every_connection_is_busy_one_more_gets_503():
    with Server("--max-connections", "2", "--request-timeout", "600") as server:
        address = ("127.0.0.1", server.port)
        head = f"POST {ANALYZE} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n".encode()

        def busy_connection() -> socket.socket:
            """A connection whose request head is in and whose body never comes."""
            for _ in range(50):  # the server may not have seen an earlier client leave yet
                connection = socket.create_connection(address, timeout=WAIT)
                connection.sendall(head)
                if connection.recv(100).startswith(b"HTTP/1.1 100"):  # the application waits for the body
                    return connection
                connection.close()
                time.sleep(0.2)
            raise AssertionError(server.log)

        busy = []
        try:
            busy = [busy_connection() for _ in range(2)]
            with socket.create_connection(address) as extra:
                extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = read_until_closed(extra)
            assert answer.startswith(b"HTTP/1.1 503") and b'"UNAVAILABLE"' in answer
        finally:
            for connection in busy:
                connection.close()
        assert httpx.get(server.base + "/healthz", timeout=WAIT).status_code == 200
