"""Motor memory: leaky traces of the actions chosen, which follow the body where actions move it."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError
from littlebrain.regions.motor_memory import MotorMemory, MotorMemoryConfig


def test_traces_are_leaky_counts_that_sum_to_one_once_full():
    memory = MotorMemory(3, MotorMemoryConfig(timescale=10.0))
    expected = np.zeros(3)
    for t in range(200):
        action = t % 3 if t < 100 else 2
        memory.step(action)
        expected += (np.eye(3)[action] - expected) / 10.0
    np.testing.assert_allclose(memory.traces, expected, rtol=1e-5)
    assert memory.traces[2] > 0.99 and memory.traces.sum() == pytest.approx(1.0, abs=1e-5)


def test_up_minus_down_follows_a_position_the_actions_move():
    """A paddle moved by up/down commands, stopped at its walls: m_up - m_down rises and falls
    with it, so a learner downstream can read where the body is from the traces alone."""
    rng = np.random.default_rng(0)
    memory = MotorMemory(2, MotorMemoryConfig(timescale=15.0))
    position, positions, readouts = 0.0, [], []
    action = 0
    for _ in range(4000):
        if rng.random() < 0.05:  # runs of the same command, as a policy in training makes
            action = 1 - action
        position = float(np.clip(position + (1 if action == 0 else -1), -20, 20))
        memory.step(action)
        positions.append(position)
        readouts.append(memory.traces[0] - memory.traces[1])
    assert np.corrcoef(positions, readouts)[0, 1] > 0.7


def test_the_time_unit_stretches_the_timescale():
    """Counted in time units, ten steps at two steps per unit fill a trace as five steps at one."""
    stretched, plain = MotorMemory(2, MotorMemoryConfig()), MotorMemory(2, MotorMemoryConfig())
    for _ in range(10):
        stretched.step(0, time_unit=2.0)
    for _ in range(5):
        plain.step(0, time_unit=1.0)
    assert stretched.traces[0] == pytest.approx(1 - (1 - 1 / 30) ** 10, rel=1e-5)
    assert stretched.traces[0] == pytest.approx(plain.traces[0], rel=0.05)


def test_code_scales_by_gain_and_episodes_start_empty():
    memory = MotorMemory(2, MotorMemoryConfig(gain=3.0))
    memory.step(1)
    assert np.array_equal(memory.code(), memory.traces * np.float32(3.0))
    memory.reset_episode()
    assert not memory.traces.any()


def test_crafted_state_refused():
    memory = MotorMemory(2, MotorMemoryConfig())
    with pytest.raises(ValueError, match="traces"):
        memory.load_state_dict({"traces": np.array([2.0, 0.0], dtype=np.float32)})


@pytest.mark.parametrize("bad", [{"timescale": 0.5}, {"gain": 0.0}])
def test_bad_config_is_refused(bad):
    with pytest.raises(ConfigError):
        MotorMemoryConfig(**bad)
