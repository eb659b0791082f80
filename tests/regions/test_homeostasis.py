"""Homeostasis: the running activity of each signal, and a hard stop at the first non-finite one."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.regions.homeostasis import Homeostasis


def test_running_activity_and_peak_match_numpy_to_the_bit():
    rng = np.random.default_rng(7)
    names = ("a", "b", "c", "d")
    homeostasis = Homeostasis(names, timescale=50.0)
    activity, peak = np.zeros(4), np.zeros(4)
    sizes = {"a": 5, "b": 37, "c": 932, "d": 2048}  # below 8, up to 128, above: every branch
    for _ in range(300):
        signals = {}
        for i, (name, size) in enumerate(sizes.items()):
            dtype = np.float32 if i % 2 else np.float64
            values = (rng.standard_normal(size) * 10 ** rng.uniform(-3, 3, size)).astype(dtype)
            signals[name] = values
            magnitude = np.abs(values)
            activity[i] += (magnitude.mean() - activity[i]) * (1.0 / 50.0)
            peak[i] = max(peak[i], float(magnitude.max()))
        homeostasis.step(**signals)
        assert np.array_equal(homeostasis.activity, activity)
        assert np.array_equal(homeostasis.peak, peak)
    assert homeostasis.report()["c"]["peak"] == peak[2]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_signal_stops_the_run(bad):
    homeostasis = Homeostasis(("code",))
    values = np.ones(300, dtype=np.float32)
    values[123] = bad
    with pytest.raises(FloatingPointError, match="code is not finite"):
        homeostasis.step(code=values)
