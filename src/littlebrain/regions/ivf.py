"""The hippocampus's inverted-file (IVF) index: k-means cells over the memory keys.

A query scans only the memories of the few cells nearest to it, not every memory. This module
holds the index's arithmetic (pure functions on arrays); the hippocampus holds its state (the
centroids and each memory's cell, in the checkpoint) and decides when to retrain.
"""

from __future__ import annotations

import numpy as np

from littlebrain.regions import _hippocampus_kernels as kernels


def nearest_cells(keys: np.ndarray, centroids: np.ndarray, sqnorms: np.ndarray) -> np.ndarray:
    """The index of the nearest centroid of each key (squared Euclidean distance; the keys'
    own norms do not change the argmin and are left out)."""
    return kernels.nearest_centroids(np.ascontiguousarray(keys), centroids, sqnorms)


def train_centroids(keys: np.ndarray, n_cells: int, n_iter: int = 8) -> np.ndarray:
    """k-means (Lloyd) on an evenly spaced sample of `keys`, started from evenly spaced keys:
    deterministic, with no random draws. An empty cell keeps its centroid."""
    n = len(keys)
    sample = np.linspace(0, n - 1, min(n, 32 * n_cells)).astype(np.int64)
    x = keys[sample]
    cents = x[np.linspace(0, len(x) - 1, n_cells).astype(np.int64)].copy()
    for _ in range(n_iter):
        assign = kernels.nearest_centroids(x, cents, kernels.row_sqnorms(cents))
        counts = np.bincount(assign, minlength=n_cells)
        sums = np.zeros((n_cells, x.shape[1]), dtype=np.float64)
        kernels.add_rows(sums, assign, x)
        filled = counts > 0
        cents[filled] = (sums[filled] / counts[filled, None]).astype(np.float32)
    return cents


def cell_blocks(sorted_cells: np.ndarray, n_cells: int, n_sorted: int) -> tuple[np.ndarray, ...]:
    """(start, end) slots of each cell's block in the sorted part of the memory (sorted by
    cell, then action); one block of all `n_sorted` while there are no cells."""
    if n_cells:
        offsets = np.searchsorted(sorted_cells, np.arange(n_cells + 1))
    else:
        offsets = np.array([0, n_sorted])
    return (
        np.ascontiguousarray(offsets[:-1], dtype=np.int64),
        np.ascontiguousarray(offsets[1:], dtype=np.int64),
    )
