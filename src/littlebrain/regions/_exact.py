"""Sums in one fixed order, the same on every CPU (Numba, no fast-math).

BLAS (OpenBLAS picks its kernels by CPU at run time) and fast-math loops add products in an
order that depends on the machine's vector width, so the same seed gave another run on another
CPU: emulating an AVX2 OpenBLAS on this machine changed Snake from episode 61 on, an AVX one
from episode 17 (benchmarks/cpu_drift.py). Products whose sums feed learning go through these
kernels instead (but the hippocampus's many distances: _hippocampus_kernels.py). The order:
eight running partial sums over the index (i mod 8), combined as
((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the tail in order. Without fast-math
flags LLVM may neither reorder nor fuse (no FMA) these operations, so every CPU computes the
same bits. Products and sums are in the inputs' dtype (mixed: NumPy's promotion), results in
the first input's.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _dot(x, y, n):  # pragma: no cover - compiled
    if n == 0:
        return 0.0
    if n < 8:
        total = x[0] * y[0]
        for i in range(1, n):
            total += x[i] * y[i]
        return total
    s0, s1, s2, s3 = x[0] * y[0], x[1] * y[1], x[2] * y[2], x[3] * y[3]
    s4, s5, s6, s7 = x[4] * y[4], x[5] * y[5], x[6] * y[6], x[7] * y[7]
    i = 8
    while i + 8 <= n:
        s0 += x[i] * y[i]
        s1 += x[i + 1] * y[i + 1]
        s2 += x[i + 2] * y[i + 2]
        s3 += x[i + 3] * y[i + 3]
        s4 += x[i + 4] * y[i + 4]
        s5 += x[i + 5] * y[i + 5]
        s6 += x[i + 6] * y[i + 6]
        s7 += x[i + 7] * y[i + 7]
        i += 8
    total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < n:
        total += x[i] * y[i]
        i += 1
    return total


@numba.njit(cache=True)
def dot(x, y):  # pragma: no cover - compiled
    """x . y of two vectors of one length."""
    return _dot(x, y, x.shape[0])


@numba.njit(cache=True)
def matvec(a, x):  # pragma: no cover - compiled
    """A x: one `dot` per row of A (C-contiguous)."""
    out = np.empty(a.shape[0], dtype=a.dtype)
    for r in range(a.shape[0]):
        out[r] = _dot(a[r], x, x.shape[0])
    return out


@numba.njit(cache=True)
def row_sqnorms(a):  # pragma: no cover - compiled
    """|a_i|^2 of each row."""
    out = np.empty(a.shape[0], dtype=a.dtype)
    for r in range(a.shape[0]):
        out[r] = _dot(a[r], a[r], a.shape[1])
    return out


@numba.njit(cache=True)
def matmul(a, b):  # pragma: no cover - compiled
    """A B of two small C-contiguous matrices: out[i, j] = sum_k a[i, k] b[k, j] in `dot`'s
    order (B is read by columns through a transposed copy)."""
    bt = np.ascontiguousarray(b.T)
    out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = _dot(a[i], bt[j], a.shape[1])
    return out
