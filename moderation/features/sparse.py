"""Sparse per-text arithmetic on NumPy arrays, shared by training, scoring and context features.

A sparse vector of several texts is three parallel arrays: the text (row) of each entry, its
feature or word id, and its value. Pairs of small integers are packed into one int64 key, so
that sorting, counting and lookups are single NumPy calls.
"""

from __future__ import annotations

import numpy as np

KEY_SHIFT = 32
LOW_BITS = (1 << KEY_SHIFT) - 1


def pack(high, low) -> np.ndarray:
    """(number, id) pairs as one sortable int64 key each."""
    return (np.asarray(high, dtype=np.int64) << KEY_SHIFT) | np.asarray(low, dtype=np.int64)


def unpack(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`pack`."""
    return keys >> KEY_SHIFT, keys & LOW_BITS


def sum_by(groups: np.ndarray, weights, count: int) -> np.ndarray:
    """Float sums of ``weights`` per group 0..count-1 (np.bincount, but float when empty too)."""
    return np.bincount(groups, weights, minlength=count).astype(float, copy=False)


def sorted_lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``sorted_keys``, found) for each of ``keys``; positions of keys not found
    are valid indexes but meaningless."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return where, sorted_keys[where] == keys


def count_pairs(rows: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, ids, counts)``: each (row, id) pair once with how often it occurs, sorted."""
    keys, counts = np.unique(pack(rows, ids), return_counts=True)
    rows, ids = unpack(keys)
    return rows, ids, counts


def tfidf_of_counts(rows: np.ndarray, features: np.ndarray, counts: np.ndarray, n_rows: int, idf: np.ndarray | None = None):
    """``(rows, features, values)``: counts valued (1 + ln count) × idf and l2-normalized per
    row, as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` computes it (``idf=None``:
    all ones, a plain log-frequency unit vector)."""
    values = 1.0 + np.log(counts)
    if idf is not None:
        values *= idf[features]
    norms = np.sqrt(sum_by(rows, values * values, n_rows))
    return rows, features, values / norms[rows]


def sublinear_tfidf(rows: np.ndarray, features: np.ndarray, n_rows: int, idf: np.ndarray | None = None):
    """:func:`tfidf_of_counts` of feature occurrences: each (row, feature) once, sorted by row,
    then feature."""
    return tfidf_of_counts(*count_pairs(rows, features), n_rows, idf)
