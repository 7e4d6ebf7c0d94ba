"""The thread that does the requests' CPU work, so that the event loop only moves bytes.

Everything a request costs in proportion to its size (JSON parsing, validation, sentence
spans, scoring, the response's JSON) runs on one worker thread, never on the event loop: a
large or slow request then delays the requests scored after it, but never ``/healthz``, key
checks, time-outs or the reading of other requests. The loop keeps the GIL only briefly, and
NumPy releases it for much of scoring. (A single C call that holds the GIL, like a regex that
backtracks for seconds, would still stall the loop: such work must be linear in the input.)

One thread, not a pool: scoring is CPU-bound and mostly holds the GIL, so a second thread
would not score faster, and thread memory (``/v1/score``) must see its comments in order.
Requests that wait while the thread works are taken together in its next turn, and the
``comments:analyze`` items of a turn are scored in one batch per model: batching is what lets
one process keep up with many clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from moderation.server.scoring import InContext, ServingModel

GIL_SWITCH_SECONDS = 0.0005
"""How long a thread that wants the GIL waits for the one holding it (Python's default: 5 ms).
A server process sets it, so the event loop gets the GIL within half a millisecond of the
worker's Python code: with 5 ms, every hand-off between the two threads could wait that long
(one run of bench/serve.py's client at 16 concurrent clients: 1,658 requests/s and p99 47 ms
with 5 ms, 3,387 and 8 ms with 0.5 ms)."""


@dataclass
class Job:
    """One request's work: ``prepare()``, then, for a scoring job, ``answer(verdicts)`` with
    the verdicts on the :class:`InContext` that ``prepare`` returned (None when it returned None)."""

    prepare: Callable[[], Any]
    model: ServingModel | None = None
    answer: Callable[[Any], Any] | None = None
    future: asyncio.Future | None = field(default=None, repr=False)


class Worker:
    """Runs jobs on one thread, in turns: each turn takes every job waiting when it starts."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="moderation-worker")
        self.waiting: list[Job] = []
        self.busy = False  # a turn is scheduled or running

    def call(self, function: Callable[[], Any]) -> asyncio.Future:
        """A future for ``function()``, run on the worker thread."""
        return self._submit(Job(function))

    def score(self, model: ServingModel, prepare: Callable[[], InContext | None], answer: Callable[[Any], Any]) -> asyncio.Future:
        """A future for ``answer(verdicts)``: ``prepare()`` gives an :class:`InContext` (None:
        nothing to score), which ``model`` judges together with the other items of the turn."""
        return self._submit(Job(prepare, model, answer))

    def close(self) -> None:
        """Take no more jobs; a turn in progress finishes."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    def _submit(self, job: Job) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        job.future = loop.create_future()
        self.waiting.append(job)
        if not self.busy:
            self.busy = True
            loop.call_soon(self._start_turn, loop)  # requests read in this turn of the loop join it
        return job.future

    def _start_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        jobs, self.waiting = self.waiting, []
        done = loop.run_in_executor(self.executor, run_turn, jobs)
        done.add_done_callback(lambda finished: self._end_turn(loop, jobs, finished))

    def _end_turn(self, loop: asyncio.AbstractEventLoop, jobs: list[Job], finished: asyncio.Future) -> None:
        for job, outcome in zip(jobs, finished.result()):  # run_turn returns errors, never raises
            if job.future.done():  # cancelled: nobody waits for it any more
                continue
            if isinstance(outcome, Exception):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        if self.waiting:
            self._start_turn(loop)
        else:
            self.busy = False


def run_turn(jobs: list[Job]) -> list:
    """Each job's outcome, a value or the exception it raised (on the worker thread)."""
    outcomes: list = [None] * len(jobs)
    batches: dict[int, list[tuple[int, InContext | None]]] = {}
    for number, job in enumerate(jobs):
        try:
            prepared = job.prepare()
        except Exception as error:  # noqa: BLE001 - each request answers its own error
            outcomes[number] = error
            continue
        if job.answer is None:
            outcomes[number] = prepared
        else:
            batches.setdefault(id(job.model), []).append((number, prepared))
    for batch in batches.values():  # one per model: two during a reload
        items = [item for _, item in batch if item is not None]
        try:
            scored = iter(jobs[batch[0][0]].model.score_in_context(items) if items else [])
        except Exception as error:  # noqa: BLE001 - every request of the batch answers it
            for number, _ in batch:
                outcomes[number] = error
            continue
        for number, item in batch:
            try:
                outcomes[number] = jobs[number].answer(next(scored) if item is not None else None)
            except Exception as error:  # noqa: BLE001
                outcomes[number] = error
    return outcomes
