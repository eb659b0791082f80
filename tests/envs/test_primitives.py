"""A Box action space is played through rest and each axis's two ends."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from littlebrain.envs.primitives import MAX_AXES, ActionPrimitives, primitive_table
from littlebrain.errors import EnvironmentSpecError


def test_table_is_rest_then_each_axis_low_and_high():
    table = primitive_table(
        spaces.Box(np.array([-1.0, 0.0]), np.array([1.0, 4.0]), dtype=np.float64)
    )
    assert table.tolist() == [[0, 2], [-1, 2], [1, 2], [0, 0], [0, 4]]


def test_wrapper_offers_a_discrete_space_and_sends_vectors():
    class Recorder(gym.Env):
        observation_space = spaces.Box(-1, 1, (1,), np.float32)
        action_space = spaces.Box(-1, 1, (3,), np.float32)

        def reset(self, *, seed=None, options=None):
            return np.zeros(1, np.float32), {}

        def step(self, action):
            self.sent = action
            return np.zeros(1, np.float32), 0.0, False, False, {}

    env = ActionPrimitives(Recorder())
    assert env.action_space == spaces.Discrete(7)
    env.reset()
    env.step(6)
    assert env.unwrapped.sent.tolist() == [0, 0, 1] and env.unwrapped.sent.dtype == np.float32


def test_unbounded_or_huge_boxes_are_refused():
    with pytest.raises(EnvironmentSpecError, match="finite bounds"):
        primitive_table(spaces.Box(-np.inf, np.inf, (2,)))
    with pytest.raises(EnvironmentSpecError, match="too large"):
        primitive_table(spaces.Box(-1, 1, (MAX_AXES + 1,)))


def test_an_action_outside_the_primitives_is_refused_in_one_line():
    env = ActionPrimitives(gym.make("Pendulum-v1"))
    env.reset(seed=0)
    for action in (-1, 3, 2.5):
        with pytest.raises(ValueError, match="the primitives are 0 to 2"):
            env.step(action)
