"""Continuous actions played through primitives: a Box action space as a Discrete one.

The striatum chooses among discrete actions. A world with a Box action space (a drone's velocity
targets, a joint's torque) is played through 2d + 1 primitives, as motor systems compose
movements from a small repertoire of synergies: rest (every axis at the centre of its range),
then for each axis its low end and its high end with the other axes at rest. On GateRace-v0:
hover, back/forward, right/left, turn right/left, sink/climb.

The wrapping follows from the space alone, so a run folder that names the world needs nothing
more to replay it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from littlebrain.errors import EnvironmentSpecError

MAX_AXES = 32  # 65 primitives; a larger box needs a motor region that reads it natively


def primitive_table(space: spaces.Box) -> np.ndarray:
    """The primitives of a bounded Box, one row each: rest, then each axis's low and high end."""
    low, high = space.low.ravel().astype(np.float64), space.high.ravel().astype(np.float64)
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise EnvironmentSpecError(
            f"a Box action space needs finite bounds to be played through primitives, got {space}"
        )
    if low.size > MAX_AXES:
        raise EnvironmentSpecError(
            f"a Box action space of {low.size} axes is too large for primitives (at most "
            f"{MAX_AXES}), got {space}"
        )
    rest = (low + high) / 2
    table = [rest]
    for axis in range(low.size):
        for end in (low[axis], high[axis]):
            primitive = rest.copy()
            primitive[axis] = end
            table.append(primitive)
    return np.array(table).astype(space.dtype).reshape(len(table), *space.shape)


class ActionPrimitives(gym.ActionWrapper):
    """A world with a bounded Box action space, offered to the brain as Discrete(2 d + 1)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        if not isinstance(env.action_space, spaces.Box):
            raise EnvironmentSpecError(f"expected a Box action space, got {env.action_space}")
        self.primitives = primitive_table(env.action_space)
        self.action_space = spaces.Discrete(len(self.primitives))

    def action(self, action: Any) -> np.ndarray:
        if not self.action_space.contains(action):
            raise ValueError(
                f"invalid action {action!r}: the primitives are 0 to {len(self.primitives) - 1}"
            )
        return self.primitives[int(action)].copy()
