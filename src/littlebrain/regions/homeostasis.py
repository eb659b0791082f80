"""Homeostasis: watches every region's activity and keeps it in range over long runs.

Biology borrowed: neurons hold their firing rates near a set point (Turrigiano 2008): synaptic
scaling multiplies a cell's synapses down when its activity runs high, intrinsic plasticity
shifts its excitability. littlebrain puts each mechanism where it acts and this region watches:
  * the cortex whitens its output by running variances (unit variance per component);
  * the dentate gyrus's k-winners-take-all fixes the number of active cells;
  * the striatum rescales a row of synapses whose peak exceeds `max_weight` (synaptic scaling);
  * the hippocampus forgets to stay within its capacity.

Rule (monitoring): for each watched signal s, a running mean of its activity,
    a_s <- a_s + (mean|s| - a_s) / timescale,
and a hard failure the moment a signal is not finite: a NaN is a bug to report, never a value
to smooth over. Reads: the signals the brain hands it each step. Writes: the running activity
of each signal (for reports and tests).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from littlebrain.region import Region


class Homeostasis(Region):
    learns = False
    state_names = ("activity", "peak")

    def __init__(self, signals: tuple[str, ...], timescale: float = 1000.0) -> None:
        super().__init__()
        self.signals = signals
        self.rate = 1.0 / timescale
        self.activity = np.zeros(len(signals), dtype=np.float64)  # running mean |s|
        self.peak = np.zeros(len(signals), dtype=np.float64)  # largest |s| seen

    def step(self, **signals: np.ndarray) -> None:
        for i, name in enumerate(self.signals):
            values = np.asarray(signals[name]).ravel()
            if values.dtype not in (np.float32, np.float64):
                values = values.astype(np.float64)
            total, peak = _magnitude(values)
            if not math.isfinite(total):  # finite exactly when every value is (all are bounded)
                raise FloatingPointError(f"homeostasis: {name} is not finite: {values!r}")
            # the mean |value| in the values' own precision, as NumPy's mean would give it
            mean = values.dtype.type(total) / values.size if values.size else np.nan
            self.activity[i] += (mean - self.activity[i]) * self.rate
            self.peak[i] = max(self.peak[i], peak)

    def report(self) -> dict[str, dict[str, float]]:
        return {
            name: {"mean_activity": float(self.activity[i]), "peak": float(self.peak[i])}
            for i, name in enumerate(self.signals)
        }


@numba.njit(cache=True)
def _magnitude(values):  # pragma: no cover - compiled
    """(sum |v|, max |v|); the sum adds exactly as NumPy's pairwise summation does (tested
    against np.abs(v).sum()), so the running means match NumPy's to the bit: plain below 8
    values, eight interleaved partial sums up to 128, and above that the sum of the two halves
    (cut at a multiple of 8), each summed the same way. The halving is walked with a stack:
    Numba's cache cannot hold a recursive function."""
    peak = 0.0
    for v in values:
        peak = max(peak, abs(v))
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
    return sums[0], peak


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
