"""Small made-up datasets for the benchmark tests: no public data needed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.datasets import COLUMNS, Dataset, _by_thread, _group_split_rule

HOSTILE = [
    "You are a stupid idiot and everyone hates you.",
    "Shut up, you pathetic moron.",
    "What a worthless clown you are, get lost.",
    "You idiot, nobody cares about your garbage opinion, go away and stop posting this nonsense here.",
    "Stupid, stupid, stupid. You are a disgrace.",
]
FRIENDLY = [
    "Thanks for the thoughtful article.",
    "I agree, the report was well researched.",
    "Good point about the budget, I had not considered it.",
    "Lovely photos of the harbour, thank you for sharing them with all of us here today.",
    "Interesting read, I learned something new.",
]
OFF_TOPIC = [
    "Buy cheap watches at my shop, link in profile.",
    "Check out my channel and subscribe please!",
    "My cat likes the new sofa.",
]
ARTICLES = [
    "City council approves the harbour budget\nThe council voted to fund repairs to the old harbour wall.",
    "New library opens downtown\nThe library has twice the space of the old one and a reading garden.",
    "School board debates later start times\nParents and teachers disagree on the plan.",
]


def labelled_frame(rows: int = 90, threads: int = 7, seed: int = 0) -> pd.DataFrame:
    """Canonical rows spread over ``threads`` threads; about a third hostile (half of those
    ad hominem) and a fifth off-topic, drawn with a fixed seed.

    Texts carry a number so that no two rows are the same.
    """
    rng = np.random.RandomState(seed)
    records = []
    for i in range(rows):
        thread = i % threads
        hostile = rng.rand() < 0.35
        off_topic = not hostile and rng.rand() < 0.3
        ad_hominem = hostile and rng.rand() < 0.5
        pool = OFF_TOPIC if off_topic else HOSTILE if hostile else FRIENDLY
        records.append(
            {
                "id": str(i),
                "thread_id": f"thread-{thread}",
                "parent_id": "",
                "author": f"user{i % 7}",
                "article": ARTICLES[thread % len(ARTICLES)],
                "text": f"{pool[rng.randint(len(pool))]} (comment {i})",
                "off_topic": float(off_topic),
                "hostile": float(hostile),
                "ad_hominem": float(ad_hominem),
            }
        )
    return pd.DataFrame(records)


def synthetic_dataset(name: str = "c3", rows: int = 90, threads: int = 7, labels=("off_topic", "hostile", "ad_hominem"), source: str | None = None) -> Dataset:
    """A dataset split by thread like the real ones."""
    frame = labelled_frame(rows, threads)
    for label in {"off_topic", "hostile", "ad_hominem"} - set(labels):
        frame[label] = np.nan
    frame["split"] = _by_thread(frame)
    return Dataset(name, frame[COLUMNS], tuple(labels), _group_split_rule("thread"), "made up", _by_thread, source or name)
