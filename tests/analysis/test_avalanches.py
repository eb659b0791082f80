"""Avalanche detection, power-law fits and the crackling-noise relation on branching processes.

A critical Poisson branching process (m = 1) started from one event is in the mean-field class:
P(S) ~ S^-3/2, P(T) ~ T^-2 and <S>(T) ~ T^2. A subcritical one (m = 0.8) has exponential tails.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from littlebrain.analysis import (
    crackling_noise,
    find_avalanches,
    fit_avalanche_distributions,
    fit_power_law,
    simulate_avalanches,
)
from littlebrain.errors import ConfigError, ObservationError


@pytest.fixture(scope="module")
def critical():
    return simulate_avalanches(1.0, 20_000, rng=1)


@pytest.fixture(scope="module")
def subcritical():
    return simulate_avalanches(0.8, 5_000, rng=1)


def test_find_avalanches_on_a_hand_made_series():
    activity = np.array([2, 0, 1, 2, 0, 0, 3, 0, 1, 1, 1, 0, 2])
    sizes, durations = find_avalanches(activity)
    assert sizes.tolist() == [3, 3, 3] and durations.tolist() == [2, 1, 3]
    sizes, durations = find_avalanches(activity, keep_unbounded=True)
    assert sizes.tolist() == [2, 3, 3, 3, 2] and durations.tolist() == [1, 2, 1, 3, 1]
    sizes, durations = find_avalanches(activity, threshold=1)  # only bins with > 1 event
    assert sizes.tolist() == [2, 3] and durations.tolist() == [1, 1]
    # bins of 2 steps: [0, 2, 3, 0, 3, 2, 1] (the last step dropped); the second run is unbounded
    sizes, durations = find_avalanches(np.concatenate([[0, 0], activity]), bin_width=2)
    assert sizes.tolist() == [5] and durations.tolist() == [2]
    sizes, durations = find_avalanches(np.array([0.0, 0.5, 1.5, 0.0]))
    assert sizes.tolist() == [2.0] and sizes.dtype == np.float64 and durations.tolist() == [2]
    assert find_avalanches(np.zeros(5, dtype=int)).sizes.size == 0


def test_find_avalanches_sums_a_raster_over_units():
    rng = np.random.default_rng(0)
    raster = (rng.random((2_000, 30)) < 0.01).astype(np.int8)  # T x N spikes
    from_raster = find_avalanches(raster)
    from_series = find_avalanches(raster.sum(axis=1))
    assert np.array_equal(from_raster.sizes, from_series.sizes)
    assert np.array_equal(from_raster.durations, from_series.durations)
    assert from_raster.sizes.sum() <= raster.sum()


def test_simulated_avalanches_follow_the_borel_distribution():
    # From one seed, P(S = 1) = P(T = 1) = exp(-m) and <S> = 1 / (1 - m) below criticality.
    sizes, durations = simulate_avalanches(0.5, 20_000, rng=4)
    assert len(sizes) == 20_000 and (sizes >= durations).all()
    assert np.mean(sizes == 1) == pytest.approx(np.exp(-0.5), abs=0.01)
    assert np.array_equal(sizes == 1, durations == 1)
    assert sizes.mean() == pytest.approx(2.0, abs=0.05)
    short = simulate_avalanches(1.0, 1_000, max_duration=10, rng=4)
    assert len(short.sizes) < 1_000 and short.durations.max() < 10


def test_critical_branching_has_mean_field_exponents(critical):
    fit = fit_avalanche_distributions(
        *critical, size_xmin=10, duration_xmin=20, alternatives=("exponential", "lognormal")
    )
    assert fit.tau == pytest.approx(1.5, abs=0.03)  # measured 1.504
    assert fit.alpha == pytest.approx(2.0, abs=0.08)  # measured 1.960
    for part in (fit.sizes, fit.durations):
        assert part.comparisons["exponential"].preferred() == "power_law"
        assert part.comparisons["lognormal"].preferred() != "lognormal"
    assert fit.sizes.xmin == 10 and fit.sizes.n_tail == (critical.sizes >= 10).sum()


def test_xmin_chosen_by_powerlaw_still_finds_the_mean_field_exponents(critical):
    fit = fit_avalanche_distributions(*critical, alternatives=())
    assert fit.tau == pytest.approx(1.5, abs=0.03)
    assert fit.alpha == pytest.approx(2.0, abs=0.15)
    assert fit.sizes.comparisons == {} and fit.durations.xmin >= 1


def test_crackling_relation_holds_at_criticality(critical):
    fit = fit_avalanche_distributions(*critical, size_xmin=10, duration_xmin=20, alternatives=())
    crackle = crackling_noise(*critical, fit=fit)
    assert crackle.fitted == pytest.approx(2.0, abs=0.15)  # measured 1.93
    assert crackle.predicted == pytest.approx((fit.alpha - 1) / (fit.tau - 1))
    assert crackle.deviation < 0.1  # measured 0.03
    assert crackle.durations.min() >= 20 and crackle.r_squared > 0.95
    assert crackling_noise(*critical).deviation < 0.3  # with its own fits, xmin from powerlaw


def test_subcritical_avalanches_are_not_mean_field_power_laws(subcritical):
    fit = fit_avalanche_distributions(
        *subcritical, size_xmin=3, duration_xmin=3, alternatives=("exponential", "lognormal")
    )
    assert fit.tau > 1.8 and fit.alpha > 2.3  # measured 1.98 and 2.49 (critical: 1.5 and 2)
    assert fit.durations.comparisons["exponential"].preferred() == "exponential"
    assert fit.durations.comparisons["lognormal"].preferred() == "lognormal"


def test_a_truncated_power_law_is_preferred_below_criticality(subcritical):
    below = fit_power_law(subcritical.durations, xmin=3, alternatives=("truncated_power_law",))
    ratio = below.comparisons["truncated_power_law"]
    assert ratio.preferred() == "truncated_power_law" and ratio.R < -30  # measured R = -82


def test_the_brain_import_path_does_not_load_powerlaw_or_scipy_for_analysis():
    script = """
import sys
import littlebrain, littlebrain.brains
assert "powerlaw" not in sys.modules, "littlebrain.brains imported powerlaw"
before = set(sys.modules)
import littlebrain.analysis
from littlebrain.analysis import find_avalanches
find_avalanches([0, 1, 2, 0])
heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("powerlaw", "scipy"))
print(",".join(heavy))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"analysis imported eagerly: {result.stdout}"


@pytest.mark.parametrize(
    ("activity", "match"),
    [
        (np.array([0.0, np.nan, 1.0]), "NaN"),
        (np.array([0.0, np.inf, 1.0]), "NaN or infinite"),
        (np.array([0, -1, 2]), "non-negative"),
        (np.zeros((2, 2, 2)), "shape"),
        (np.array([]), "empty"),
        (np.array([1 + 1j, 0]), "non-numeric"),
    ],
)
def test_bad_activity_raises_observation_error(activity, match):
    with pytest.raises(ObservationError, match=match):
        find_avalanches(activity)


def test_bad_settings_and_samples_are_refused():
    with pytest.raises(ConfigError, match="bin_width"):
        find_avalanches(np.ones(5), bin_width=0)
    with pytest.raises(ConfigError, match="longer than"):
        find_avalanches(np.ones(5), bin_width=6)
    with pytest.raises(ConfigError, match="threshold"):
        find_avalanches(np.ones(5), threshold=-1)
    with pytest.raises(ObservationError, match="positive"):
        fit_power_law(np.array([1, 2, 0, 3]))
    with pytest.raises(ObservationError, match="distinct"):
        fit_power_law(np.full(10, 3))
    with pytest.raises(ConfigError, match="unknown alternative"):
        fit_power_law(np.arange(1, 50), alternatives=("gaussian",))
    with pytest.raises(ObservationError, match="pair up"):
        crackling_noise(np.arange(1, 10), np.arange(1, 9))
    with pytest.raises(ObservationError, match="durations"):
        crackling_noise(np.arange(1, 10), np.full(9, 2), min_duration=1)
