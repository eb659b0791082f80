"""The random-policy baseline brain: chance level, for comparison. It does not learn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from littlebrain.brain import Brain
from littlebrain.regions.random_policy import RandomPolicy


@dataclass(frozen=True)
class RandomBaselineConfig:
    """The random baseline has nothing to configure."""


class RandomBaselineBrain(Brain):
    name = "random"
    description = "random-policy baseline (chance level; does not learn)"
    Config = RandomBaselineConfig

    def __init__(self, observation_space, action_space, config: RandomBaselineConfig, seed: int):
        super().__init__(observation_space, action_space, config, seed)
        self.regions["policy"] = RandomPolicy(self.n_actions, self.exploration_rng)

    def think(self, observation: np.ndarray, feedback: float) -> int:
        return self.regions["policy"].step()
