"""Branching-ratio estimators against driven branching processes with a known m."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.analysis import (
    BranchingEstimate,
    branching_ratio_conventional,
    branching_ratio_mr,
    simulate_branching_process,
    subsample,
)
from littlebrain.errors import ConfigError, ObservationError

# (m, steps, drive, k_max, tolerance): stationary runs below m = 1, growing runs at and above.
CASES = [
    (0.9, 50_000, 10.0, 40, 0.02),
    (0.98, 50_000, 2.0, 60, 0.01),
    (1.0, 2_000, 10.0, 40, 0.01),
    (1.1, 150, 10.0, 10, 0.01),
]


@pytest.mark.parametrize(("m", "steps", "drive", "k_max", "tolerance"), CASES)
def test_mr_recovers_m_fully_sampled_and_from_5_percent_of_events(
    m, steps, drive, k_max, tolerance
):
    activity = simulate_branching_process(m, steps, drive=drive, rng=1)
    observed = subsample(activity, 0.05, rng=2)
    assert observed.sum() < 0.06 * activity.sum()
    full = branching_ratio_mr(activity, k_max=k_max)
    sparse = branching_ratio_mr(observed, k_max=k_max)
    assert isinstance(full, BranchingEstimate)
    assert full.m == pytest.approx(m, abs=tolerance)
    assert sparse.m == pytest.approx(m, abs=tolerance)
    assert full.r_k.shape == (k_max,) and list(full.k) == list(range(1, k_max + 1))
    assert full.r_squared > 0.9 and sparse.r_squared > 0.9


@pytest.mark.parametrize(("m", "drive"), [(0.9, 10.0), (0.98, 2.0)])
def test_conventional_estimator_is_right_when_fully_sampled_and_biased_when_subsampled(m, drive):
    activity = simulate_branching_process(m, 50_000, drive=drive, rng=3)
    observed = subsample(activity, 0.05, rng=4)
    assert branching_ratio_conventional(activity) == pytest.approx(m, abs=0.01)
    biased = branching_ratio_conventional(observed)
    assert biased < 0.7 * m  # measured: 0.20 at m = 0.9, 0.58 at m = 0.98
    mr = branching_ratio_mr(observed, k_max=60)
    assert mr.b == pytest.approx(biased / mr.m, rel=0.1)  # r_1 = b m: the bias is all in b
    assert mr.autocorrelation_time == pytest.approx(-1 / np.log(m), rel=0.5)


def test_a_raster_is_summed_over_units():
    rng = np.random.default_rng(5)
    activity = simulate_branching_process(0.9, 5_000, drive=5.0, rng=rng)
    raster = rng.multinomial(activity, np.full(8, 1 / 8))  # (T x 8): each event to one unit
    assert raster.shape == (5_000, 8)
    assert branching_ratio_mr(raster).m == pytest.approx(branching_ratio_mr(activity).m)


def test_simulation_is_reproducible_and_a_supercritical_run_needs_a_cap():
    a = simulate_branching_process(0.9, 100, drive=1.0, rng=7)
    assert np.array_equal(a, simulate_branching_process(0.9, 100, drive=1.0, rng=7))
    assert a.dtype == np.int64 and a[0] == 10  # starts at the stationary mean 1 / (1 - 0.9)
    with pytest.raises(ConfigError, match="exploded"):
        simulate_branching_process(1.5, 200, rng=0)
    capped = simulate_branching_process(1.5, 200, max_activity=1000, rng=0)
    assert capped.max() == 1000


@pytest.mark.parametrize(
    ("activity", "error", "match"),
    [
        (np.array([1.0, np.nan] * 50), ObservationError, "NaN"),
        (np.ones((10, 10, 2)), ObservationError, "shape"),
        (np.array([1, -1] * 50), ObservationError, "non-negative"),
        (np.array(["a"] * 100), ObservationError, "non-numeric"),
        (np.ones(100), ObservationError, "constant"),
        (np.arange(20), ConfigError, "needs at least"),
    ],
)
def test_bad_activity_is_refused_with_a_clear_message(activity, error, match):
    with pytest.raises(error, match=match):
        branching_ratio_mr(activity)


def test_bad_settings_are_refused():
    activity = simulate_branching_process(0.9, 1_000, rng=0)
    with pytest.raises(ConfigError, match="k_max"):
        branching_ratio_mr(activity, k_max=1)
    with pytest.raises(ConfigError, match="fraction"):
        subsample(activity, 1.5)
    with pytest.raises(ObservationError, match="integer"):
        subsample(activity + 0.5, 0.5)
    with pytest.raises(ConfigError, match="m must be"):
        simulate_branching_process(-0.1, 10)
    with pytest.raises(ConfigError, match="steps"):
        simulate_branching_process(0.9, 0)
