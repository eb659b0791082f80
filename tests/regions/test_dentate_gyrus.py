"""Dentate gyrus: sparse codes, pattern separation, checks on inputs and settings."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.analysis.separation import separation_curve
from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.dentate_gyrus import DentateGyrus, DentateGyrusConfig, code_overlap


def make(seed: int = 0, **kwargs) -> DentateGyrus:
    return DentateGyrus(DentateGyrusConfig(**kwargs), np.random.default_rng(seed))


def test_code_is_sparse_binary_and_scale_invariant():
    dg = make()
    x = np.random.default_rng(1).standard_normal(64).astype(np.float32)
    code = dg.step(x)
    assert code.dtype == np.float32 and code.shape == (2048,)
    assert set(np.unique(code)) == {0.0, 1.0}
    assert code.sum() == dg.config.k_active
    np.testing.assert_array_equal(dg.step(3.0 * x), code)  # gain does not change the code
    np.testing.assert_array_equal(dg.encode(x[None, :])[0], code)  # batch == single
    assert not dg.step(np.zeros(64)).any()  # no drive, no firing


def test_similar_inputs_get_clearly_less_similar_codes():
    dg = make()
    sims = np.array([0.0, 0.5, 0.8, 0.9, 0.95, 1.0])
    overlap = separation_curve(dg, sims, n_pairs=200, rng=np.random.default_rng(2))
    assert np.all(np.diff(overlap) > 0)  # still monotone: similarity is not scrambled
    assert overlap[-1] == pytest.approx(1.0)
    assert overlap[0] < 0.05  # unrelated inputs: about chance, k/n = 0.02
    # measured 0.42, 0.57, 0.70 at 0.8, 0.9, 0.95 (seed 0); assert with margin
    assert overlap[2] < 0.55 and overlap[3] < 0.7 and overlap[4] < 0.8
    assert np.all(overlap[1:-1] < sims[1:-1] - 0.1)


def test_projection_comes_from_the_generator_and_round_trips():
    a, b, c = make(3), make(3), make(4)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    c.load_state_dict(a.state_dict())
    x = np.random.default_rng(5).standard_normal((10, 64))
    np.testing.assert_array_equal(a.encode(x), c.encode(x))
    assert DentateGyrus.learns is False


def test_fan_in_limits_inputs_per_granule_cell():
    dg = make(fan_in=8)
    assert np.all(np.count_nonzero(dg.weights, axis=1) <= 8)
    assert dg.step(np.ones(64)).sum() == dg.config.k_active


def test_code_overlap_measure():
    a = np.array([[1, 1, 0, 0]], np.float32)
    b = np.array([[1, 0, 1, 0]], np.float32)
    np.testing.assert_allclose(code_overlap(a, b), [0.5])
    np.testing.assert_allclose(code_overlap(a, np.zeros_like(a)), [0.0])


@pytest.mark.parametrize(
    "bad",
    [np.zeros(63), np.zeros((2, 64)), np.array([np.nan] * 64), np.array(["a"] * 64)],
)
def test_bad_inputs_raise_observation_error(bad):
    with pytest.raises(ObservationError):
        make().step(bad)


@pytest.mark.parametrize(
    "kwargs",
    [{"input_dim": 0}, {"n_units": 1}, {"k_active": 0}, {"k_active": 2048}, {"fan_in": 65}],
)
def test_bad_settings_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        DentateGyrusConfig(**kwargs)


def test_winners_are_the_k_largest_positive_drives_and_a_tag_restores_the_code():
    dg = make(3, input_dim=8, n_units=200, k_active=12)
    rng = np.random.default_rng(4)
    for trial in range(300):
        x = rng.standard_normal(8).astype(np.float32)
        if trial % 3 == 0:
            x = np.abs(x) * -1.0  # mostly negative drive: fewer than k cells may fire
        h = dg.weights @ x
        top = np.argsort(-h, kind="stable")[:12]
        expected = np.sort(top[h[top] > 0])
        units = dg.active_units(x)
        np.testing.assert_array_equal(units, expected)
        tag = dg.tag(units)
        assert tag.shape == (12,) and (tag[len(units) :] == -1).all()
        np.testing.assert_array_equal(dg.expand(tag), dg.step(x))


def test_the_drive_skips_silent_inputs_and_equals_the_projection():
    from littlebrain.regions.dentate_gyrus import _drive

    dg = DentateGyrus(DentateGyrusConfig(input_dim=50, n_units=300), np.random.default_rng(1))
    x = np.random.default_rng(2).random(50).astype(np.float32)
    x[np.random.default_rng(3).random(50) < 0.8] = 0.0  # mostly silent, like Snake's retina
    np.testing.assert_allclose(_drive(dg._by_input, x), dg.weights @ x, rtol=1e-5, atol=1e-6)
