"""Random policy: the explicit chance-level baseline. It does not learn and never claims to.

Biology borrowed: none. Rule: a ~ Uniform{0, ..., n_actions - 1}, independent of the input.
Reads: the brain's random generator. Writes: an action index.
"""

from __future__ import annotations

import numpy as np

from littlebrain.region import Region


class RandomPolicy(Region):
    learns = False

    def __init__(self, n_actions: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.n_actions = n_actions
        self.rng = rng

    def step(self) -> int:
        return int(self.rng.integers(self.n_actions))
