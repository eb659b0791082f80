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

import numpy as np

from littlebrain.region import Region, require_range
from littlebrain.regions._pairwise import abs_sum_and_peak


class Homeostasis(Region):
    learns = False
    state_names = ("activity", "peak")

    def __init__(self, signals: tuple[str, ...], timescale: float = 1000.0) -> None:
        super().__init__()
        self.signals = signals
        self.rate = 1.0 / timescale
        self.activity = np.zeros(len(signals), dtype=np.float64)  # running mean |s|
        self.peak = np.zeros(len(signals), dtype=np.float64)  # largest |s| seen

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("Homeostasis.activity", state["activity"], 0, np.inf)
        require_range("Homeostasis.peak", state["peak"], 0, np.inf)

    def step(self, **signals: np.ndarray) -> None:
        for i, name in enumerate(self.signals):
            values = np.asarray(signals[name]).ravel()
            if values.dtype not in (np.float32, np.float64):
                values = values.astype(np.float64)
            total, peak = abs_sum_and_peak(values)
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
