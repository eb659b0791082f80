"""The sensory buffer: dense input passes through; sparse input is held, fading over its gaps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from littlebrain.errors import ConfigError
from littlebrain.regions.sensory_buffer import SensoryBuffer, SensoryBufferConfig


def test_a_world_that_never_goes_silent_passes_through_unchanged():
    rng = np.random.default_rng(0)
    buffer = SensoryBuffer(6, SensoryBufferConfig())
    for _ in range(200):
        x = rng.standard_normal(6).astype(np.float32)
        x[0] = 1.0  # never all zero
        assert np.array_equal(buffer.step(x), x)
    assert buffer.gap == 1.0


@pytest.mark.parametrize("every", [2, 5, 12])
def test_it_measures_the_gap_and_fades_over_hold_gaps(every):
    hold = 3.0
    buffer = SensoryBuffer(4, SensoryBufferConfig(hold=hold))
    pulse = np.array([0, 2, 0, 1], dtype=np.float32)
    silence = np.zeros(4, dtype=np.float32)
    for t in range(50 * every):
        buffer.step(pulse if t % every == 0 else silence)
    assert buffer.gap == pytest.approx(every)
    assert np.array_equal(buffer.step(pulse), pulse)  # a new input replaces the buffer
    held = [buffer.step(silence).copy() for _ in range(every - 1)]
    for k, values in enumerate(held, start=1):  # fading with time constant hold * gap
        np.testing.assert_allclose(values, pulse * math.exp(-k / (hold * every)), rtol=1e-5)


def test_the_code_handed_out_is_not_changed_by_the_next_step():
    buffer = SensoryBuffer(3, SensoryBufferConfig())
    first = buffer.step(np.ones(3, dtype=np.float32))
    kept = first.copy()
    buffer.step(np.zeros(3, dtype=np.float32))
    assert np.array_equal(first, kept)


def test_an_episode_starts_empty_but_keeps_the_measured_gap():
    buffer = SensoryBuffer(2, SensoryBufferConfig())
    for t in range(40):
        buffer.step(np.ones(2, np.float32) if t % 4 == 0 else np.zeros(2, np.float32))
    gap = buffer.gap
    buffer.reset_episode()
    assert np.array_equal(buffer.step(np.zeros(2, np.float32)), np.zeros(2))
    assert buffer.gap == gap


def test_a_frozen_buffer_keeps_its_gap():
    buffer = SensoryBuffer(2, SensoryBufferConfig())
    buffer.freeze()
    for t in range(40):
        buffer.step(np.ones(2, np.float32) if t % 4 == 0 else np.zeros(2, np.float32))
    assert buffer.gap == 1.0


def test_state_round_trip_and_crafted_state_refused():
    buffer = SensoryBuffer(3, SensoryBufferConfig())
    for t in range(30):
        buffer.step(np.full(3, t % 3 == 0, dtype=np.float32))
    other = SensoryBuffer(3, SensoryBufferConfig())
    other.load_state_dict(buffer.state_dict())
    x = np.zeros(3, dtype=np.float32)
    assert np.array_equal(other.step(x), buffer.step(x)) and other.gap == buffer.gap
    crafted = buffer.state_dict()
    crafted["gap"] = np.array(0.0)  # a gap below one step would make the fading explode
    with pytest.raises(ValueError, match="gap"):
        other.load_state_dict(crafted)


@pytest.mark.parametrize("bad", [{"hold": 0.0}, {"hold": -1.0}, {"timescale": 0.5}])
def test_bad_config_is_refused(bad):
    with pytest.raises(ConfigError):
        SensoryBufferConfig(**bad)
