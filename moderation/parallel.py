"""Scoring chunks of comments on several processes: a local pool or a Dask cluster.

The first pass of ``label`` (thread statistics) runs in the main process; the second pass
sends numbered chunks (:class:`moderation.context.CommentBatch`) to workers and gets scores
back in input order, with a bounded number of chunks in flight so memory stays flat.
Each worker receives the model as its ``model.npz`` bytes and verifies their sha256 before
loading them, once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from moderation.compact import CompactModel
from moderation.context import CommentBatch, ContextFeaturizer
from moderation.store import LoadedModel, arrays_from_bytes

IN_FLIGHT_PER_WORKER = 2


class ChunkScorer:
    """What a worker needs to score chunks: the model and the first pass's thread statistics."""

    def __init__(self, model: LoadedModel, featurizer: ContextFeaturizer):
        self.model = model
        self.featurizer = featurizer

    def __call__(self, batch: CommentBatch) -> np.ndarray:
        encoded = self.model.scorer.table.encode(batch.texts)
        contexts = self.featurizer.features_of(batch, included=True, encoded=encoded)
        return self.model.scorer.scores(encoded, contexts)

    def __getstate__(self) -> dict:
        self.featurizer.prepare()
        model = self.model
        return {"path": str(model.path), "metadata": model.metadata, "payload": model.payload, "featurizer": self.featurizer}

    def __setstate__(self, state: dict) -> None:
        arrays = arrays_from_bytes(state["payload"], state["metadata"]["model_sha256"], state["path"])
        featurizer = state["featurizer"]
        # The featurizer's word table already numbers the model's words: share it.
        scorer = CompactModel(arrays, table=featurizer.table)
        self.model = LoadedModel(state["path"], state["metadata"], scorer, state["payload"])
        self.featurizer = featurizer


def in_order(submit, items: Iterable[tuple[Any, CommentBatch]], window: int) -> Iterator[tuple[Any, np.ndarray]]:
    """``(item, scores)`` in input order, with at most ``window`` chunks submitted and unfinished."""
    pending: deque = deque()
    for item, batch in items:
        pending.append((item, submit(batch)))
        if len(pending) >= window:
            item, future = pending.popleft()
            yield item, future.result()
    while pending:
        item, future = pending.popleft()
        yield item, future.result()


_worker_scorer: ChunkScorer | None = None


def _start_worker(scorer: ChunkScorer) -> None:
    global _worker_scorer
    # Ctrl-C and SIGTERM are the main process's to handle; it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker_scorer = scorer


def _score_in_worker(batch: CommentBatch) -> np.ndarray:
    return _worker_scorer(batch)


def _score_on_dask_worker(scorer: ChunkScorer, batch: CommentBatch) -> np.ndarray:
    return scorer(batch)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def score_chunks(
    scorer: ChunkScorer, items: Iterable[tuple[Any, CommentBatch]], workers: int = 1, dask: str | None = None
) -> Iterator[tuple[Any, np.ndarray]]:
    """Score every ``(item, batch)``; yields ``(item, scores)`` in input order.

    ``dask``: a scheduler address, or ``"local"`` for a LocalCluster of ``workers`` processes.
    Otherwise ``workers`` > 1 uses a local process pool, and 1 scores in this process.
    """
    if dask:
        yield from _score_on_dask(scorer, items, workers, dask)
    elif workers > 1:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(scorer,)) as pool:
            try:
                yield from in_order(lambda batch: pool.submit(_score_in_worker, batch), items, workers * IN_FLIGHT_PER_WORKER)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    else:
        for item, batch in items:
            yield item, scorer(batch)


def _score_on_dask(scorer: ChunkScorer, items, workers: int, address: str):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from moderation.errors import InputError

        raise InputError("--dask needs dask.distributed: pip install 'moderation[dask]'") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) if address == "local" else None
    try:
        with Client(cluster or address) as client:
            shared = client.scatter(scorer, broadcast=True)
            total = sum(client.nthreads().values())
            yield from in_order(
                lambda batch: client.submit(_score_on_dask_worker, shared, batch, pure=False), items, max(total, 1) * IN_FLIGHT_PER_WORKER
            )
    finally:
        if cluster is not None:
            cluster.close()
