"""NumPy's pairwise summation of |v|, compiled, for kernels that must add exactly as NumPy does
(so that a compiled rule gives the same numbers, to the bit, as the NumPy expression it replaces).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def abs_sum_and_peak(values):  # pragma: no cover - compiled
    """(sum |v|, max |v|), the sum as `abs_sum` adds it."""
    peak = 0.0
    for v in values:
        peak = max(peak, abs(v))
    return abs_sum(values), peak


@numba.njit(cache=True)
def abs_sum(values):  # pragma: no cover - compiled
    """sum |v|, added exactly as NumPy's pairwise summation does (tested against
    np.abs(v).sum() in tests/regions/test_homeostasis.py): plain below 8 values, eight
    interleaved partial sums up to 128, and above that the sum of the two halves (cut at a
    multiple of 8), each summed the same way. The halving is walked with a stack: Numba's cache
    cannot hold a recursive function."""
    # (start, length, 1 = add the two sums on top); 64 rows hold any array that fits in memory
    tasks = np.empty((64, 3), np.int64)
    sums = np.empty(64, values.dtype)
    tasks[0, 0], tasks[0, 1], tasks[0, 2] = 0, values.shape[0], 0
    n_tasks, n_sums = 1, 0
    while n_tasks:
        n_tasks -= 1
        lo, n, combine = tasks[n_tasks, 0], tasks[n_tasks, 1], tasks[n_tasks, 2]
        if combine:
            n_sums -= 1
            sums[n_sums - 1] = sums[n_sums - 1] + sums[n_sums]
        elif n <= 128:
            sums[n_sums] = _block_abs_sum(values, lo, n)
            n_sums += 1
        else:
            half = n // 2
            half -= half % 8
            tasks[n_tasks, 0], tasks[n_tasks, 1], tasks[n_tasks, 2] = lo, n, 1
            tasks[n_tasks + 1, 0], tasks[n_tasks + 1, 1] = lo + half, n - half
            tasks[n_tasks + 1, 2] = 0
            tasks[n_tasks + 2, 0], tasks[n_tasks + 2, 1], tasks[n_tasks + 2, 2] = lo, half, 0
            n_tasks += 3  # the first half comes off first, its sum lands below the second's
    return sums[0]


@numba.njit(cache=True)
def _block_abs_sum(a, lo, n):  # pragma: no cover - compiled
    """NumPy's sum of |a[lo:lo + n]| for n <= 128."""
    if n < 8:
        total = a.dtype.type(-0.0)
        for i in range(lo, lo + n):
            total += abs(a[i])
        return total
    r = np.empty(8, a.dtype)
    for j in range(8):
        r[j] = abs(a[lo + j])
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += abs(a[lo + i + j])
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for rest in range(i, n):
        total += abs(a[lo + rest])
    return total
