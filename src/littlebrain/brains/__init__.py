"""Brains: each one file that wires regions into an agent. `BRAINS` maps CLI names to classes."""

from __future__ import annotations

from littlebrain.brain import Brain
from littlebrain.brains.default import DefaultBrain
from littlebrain.brains.random_baseline import RandomBaselineBrain

BRAINS: dict[str, type[Brain]] = {cls.name: cls for cls in (DefaultBrain, RandomBaselineBrain)}

#: the brain `littlebrain run` uses unless told otherwise
DEFAULT_BRAIN = DefaultBrain.name
