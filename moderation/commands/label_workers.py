"""Scoring batches of comments on several processes: a local pool or a Dask cluster.

``label`` cuts its input into batches of whole threads (see :mod:`moderation.commands.label`), so a
batch needs nothing but the model to be scored. Workers receive the model as its
``model.npz`` bytes and verify their sha256 before loading them, once per worker.

Local workers are started with "spawn", as children of the ``label`` process, and ask the
kernel to kill them when it dies (``PR_SET_PDEATHSIG`` on Linux; elsewhere a thread watches
the parent): a ``label`` killed with SIGKILL leaves no workers, and with them gone the
resource tracker ends too. ("forkserver" workers would be children of a server process that
itself waits for them to end.)
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from moderation.comments import Comment
from moderation.features.context import WholeThreads
from moderation.model.scorer import Scorer
from moderation.model.store import LoadedModel, arrays_from_bytes
from moderation.model.verdicts import Judge, Verdicts

IN_FLIGHT_PER_WORKER = 2


class BatchScorer:
    """Judges a batch of comments against their threads (:meth:`Judge.threads`), in this
    process or in a worker.

    ``large`` holds the statistics of threads too large to batch whole (gathered over the
    whole input beforehand); comments of other threads are judged against the comments of
    their thread in the same batch, which holds them all. ``thresholds`` replace the model's
    for the labels they name; ``explain`` asks for what raised each flag. Pickled, it carries
    the verified model bytes, which the worker verifies again before loading.
    """

    def __init__(self, model: LoadedModel, large: WholeThreads | None = None, thresholds: dict[str, float] | None = None, explain: bool = False):
        self.model = model
        self.large = large
        self.judge = Judge(model.scorer, thresholds, explain)

    def __call__(self, comments: list[Comment], whole_threads: bool) -> Verdicts:
        return self.judge.threads(comments, None if whole_threads else self.large)

    def __getstate__(self) -> dict:
        if self.large is not None:
            self.large.finish()
        model = self.model
        return {
            "path": str(model.path),
            "metadata": model.metadata,
            "payload": model.payload,
            "large": self.large,
            "thresholds": self.judge.thresholds,
            "explain": self.judge.explain,
        }

    def __setstate__(self, state: dict) -> None:
        arrays = arrays_from_bytes(state["payload"], [state["metadata"]["model_sha256"]], state["path"])
        self.large = state["large"]
        # The large threads' statistics number words with their own table: the scorer must share it.
        scorer = Scorer(arrays, facts=self.large.facts if self.large else None)
        self.model = LoadedModel(Path(state["path"]), state["metadata"], scorer, state["payload"])
        self.judge = Judge(scorer, state["thresholds"], state["explain"])


_worker_scorer: BatchScorer | None = None


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_CHECK_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (the process that started it) ends, however it ends."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(PARENT_CHECK_SECONDS)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # it ended before we asked
        os._exit(1)


def _start_worker(scorer: BatchScorer, parent: int) -> None:
    global _worker_scorer
    die_with_parent(parent)
    # Ctrl-C, SIGTERM and SIGHUP are the main process's to handle; it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker_scorer = scorer


def _score_in_worker(comments: list[Comment], whole_threads: bool) -> Verdicts:
    return _worker_scorer(comments, whole_threads)


def _score_on_dask_worker(scorer: BatchScorer, comments: list[Comment], whole_threads: bool) -> Verdicts:
    return scorer(comments, whole_threads)


def default_workers() -> int:
    """One scoring process per core, at most eight."""
    return max(1, min(os.cpu_count() or 1, 8))


@contextmanager
def scoring_backend(scorer: BatchScorer, workers: int = 1, dask: str | None = None):
    """Yields ``(submit, in_flight)``: ``submit(comments, whole_threads)`` returns a future of
    the verdicts; ``in_flight`` is how many unfinished batches are worth keeping.

    ``dask``: a scheduler address, or ``"local"`` for a LocalCluster of ``workers`` processes.
    Otherwise ``workers`` > 1 uses a local process pool, and 1 scores in this process.
    """
    if dask:
        with _dask_client(dask, workers) as client:
            shared = client.scatter(scorer, broadcast=True)
            total = max(sum(client.nthreads().values()), 1)
            yield (lambda comments, whole: client.submit(_score_on_dask_worker, shared, comments, whole, pure=False)), total * IN_FLIGHT_PER_WORKER
    elif workers > 1:
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(scorer, os.getpid())
        )
        try:
            yield (lambda comments, whole: pool.submit(_score_in_worker, comments, whole)), workers * IN_FLIGHT_PER_WORKER
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:

        def submit(comments, whole):
            future = Future()
            future.set_result(scorer(comments, whole))
            return future

        yield submit, 1


@contextmanager
def _dask_client(address: str, workers: int):
    from moderation.errors import InputError

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--dask needs dask.distributed: pip install 'moderation[dask]'") from None
    if address == "local":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield client
        return
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise InputError(f"cannot reach the Dask scheduler at {address} ({error}); check the address") from None
    with client:
        yield client
