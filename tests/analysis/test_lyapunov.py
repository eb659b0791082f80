"""The largest Lyapunov exponent against linear maps with a known spectral radius and tanh nets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from littlebrain.analysis import largest_lyapunov
from littlebrain.errors import ConfigError, ObservationError


def scaled_matrix(n: int, rho: float, seed: int) -> np.ndarray:
    """A random (non-normal) n x n matrix with spectral radius rho."""
    w = np.random.default_rng(seed).standard_normal((n, n))
    return w * (rho / np.abs(np.linalg.eigvals(w)).max())


@pytest.mark.parametrize("rho", [0.9, 1.0, 1.2])
@pytest.mark.parametrize("renorm_every", [1, 10])
def test_linear_map_gives_log_spectral_radius(rho, renorm_every):
    a = scaled_matrix(50, rho, seed=0)
    x0 = np.random.default_rng(1).standard_normal(50)
    exponent = largest_lyapunov(lambda x: a @ x, x0, 2_000, renorm_every=renorm_every, rng=2)
    assert exponent == pytest.approx(math.log(rho), abs=0.01)  # measured errors < 0.002


@pytest.mark.parametrize(("gain", "sign"), [(0.5, -1), (2.0, 1)])
def test_tanh_network_is_stable_at_low_gain_and_chaotic_at_high_gain(gain, sign):
    n = 500
    w = np.random.default_rng(3).standard_normal((n, n)) / math.sqrt(n)

    def step(x: np.ndarray) -> np.ndarray:
        return np.tanh(gain * (w @ x))

    x0 = np.random.default_rng(4).standard_normal(n)
    exponent = largest_lyapunov(step, x0, 1_000, n_transient=200, rng=5)
    assert sign * exponent > 0.05  # measured: -0.64 (about ln 0.5) and +0.15
    if gain < 1:  # around the fixed point 0 the Jacobian is gain * W, with radius ~ gain
        assert exponent == pytest.approx(math.log(gain), abs=0.1)


def test_result_is_reproducible_and_a_constant_map_gives_minus_infinity():
    a = scaled_matrix(10, 0.9, seed=6)
    x0 = np.ones(10)
    first = largest_lyapunov(lambda x: a @ x, x0, 100, rng=7)
    assert first == largest_lyapunov(lambda x: a @ x, x0, 100, rng=7)
    assert largest_lyapunov(lambda x: np.zeros_like(x), x0, 10) == -math.inf


def test_bad_inputs_are_refused_with_a_clear_message():
    identity = lambda x: x  # noqa: E731
    with pytest.raises(ObservationError, match="NaN"):
        largest_lyapunov(identity, np.array([1.0, np.nan]), 10)
    with pytest.raises(ObservationError, match="non-numeric"):
        largest_lyapunov(identity, np.array(["a", "b"]), 10)
    with pytest.raises(ObservationError, match="step 1.*NaN"):
        largest_lyapunov(lambda x: x * np.nan, np.ones(3), 10)
    with pytest.raises(ObservationError, match="shape"):
        largest_lyapunov(lambda x: x[:2], np.ones(3), 10)
    with pytest.raises(ConfigError, match="n_steps"):
        largest_lyapunov(identity, np.ones(3), 0)
    with pytest.raises(ConfigError, match="eps"):
        largest_lyapunov(identity, np.ones(3), 10, eps=0.0)
    with pytest.raises(ConfigError, match="renorm_every"):
        largest_lyapunov(identity, np.ones(3), 10, renorm_every=0)
    with pytest.raises(TypeError, match="callable"):
        largest_lyapunov(None, np.ones(3), 10)
