"""The Brain: regions wired into one agent, stepped once per environment step.

    action = brain.step(observation, feedback)

`feedback` is whatever the world returned for the previous action (a reward, or 0 where the
world has no reward channel). At the end of an episode the world's last signal is delivered with
`brain.end_episode(observation, feedback, terminated)`, so that a death or a win reaches the
regions that learn from it. Learning happens inside these calls: there is no training phase.

A concrete brain builds its regions in `__init__` and wires them in `think`; the wiring of each
brain lives in one short file under `littlebrain.brains`.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from littlebrain.checks import MAX_MAGNITUDE, check_array, check_bounds, check_feedback
from littlebrain.config import settings_dict
from littlebrain.errors import EnvironmentSpecError
from littlebrain.region import Region
from littlebrain.rng import make_rng, rng_state_array, set_rng_state


def require_discrete(action_space: gym.Space) -> int:
    """Number of actions of a Discrete space; a clear error for anything else."""
    if not isinstance(action_space, gym.spaces.Discrete):
        raise EnvironmentSpecError(
            f"littlebrain plays Discrete action spaces (a run plays Box ones through primitives), "
            f"got {action_space}"
        )
    if action_space.start != 0:
        raise EnvironmentSpecError("Discrete action spaces must start at 0")
    return int(action_space.n)


class Brain(ABC):
    """Base class: input checks, the shared random generator, state of all regions."""

    #: short name used on the command line and in config files
    name: ClassVar[str]
    #: one line saying what this brain is, shown in run summaries
    description: ClassVar[str]
    #: the typed, validated configuration dataclass of this brain
    Config: ClassVar[type]

    def __init__(
        self, observation_space: gym.Space, action_space: gym.Space, config: Any, seed: int
    ) -> None:
        if not isinstance(observation_space, gym.spaces.Box):
            raise EnvironmentSpecError(
                f"littlebrain needs a Box observation space (an array), got {observation_space}"
            )
        self.observation_shape = tuple(observation_space.shape)
        # the space's bounds, clipped to what the brain can take (Box allows +-inf)
        self._low = np.maximum(observation_space.low, -MAX_MAGNITUDE)
        self._high = np.minimum(observation_space.high, MAX_MAGNITUDE)
        # an integer dtype whose whole range lies within the bounds (uint8 frames in [0, 255])
        # cannot leave them: observations of that dtype skip the comparison on every step
        dtype = np.dtype(observation_space.dtype)
        self._dtype_within_bounds = None
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            if np.all(self._low <= info.min) and np.all(self._high >= info.max):
                self._dtype_within_bounds = dtype
        self.n_actions = require_discrete(action_space)
        self.config = config
        self.rng = make_rng(seed, "brain")  # the regions' draws
        self.exploration_rng = make_rng(seed, "exploration")  # the choices' draws
        self.regions: dict[str, Region] = {}

    # -- the public step API -------------------------------------------------------------
    def step(self, observation: np.ndarray, feedback: float = 0.0) -> int:
        observation, feedback = self._check(observation, feedback)
        action = int(self.think(observation, feedback))
        if not 0 <= action < self.n_actions:
            raise RuntimeError(f"{self.name} chose action {action} outside [0, {self.n_actions})")
        return action

    def end_episode(self, observation: np.ndarray, feedback: float, terminated: bool) -> None:
        observation, feedback = self._check(observation, feedback)
        self.conclude(observation, feedback, terminated)
        for region in self.regions.values():
            region.reset_episode()

    @abstractmethod
    def think(self, observation: np.ndarray, feedback: float) -> int:
        """The wiring: pass the observation through the regions and return an action."""

    def conclude(self, observation: np.ndarray, feedback: float, terminated: bool) -> None:  # noqa: B027
        """Deliver the episode's last feedback; `terminated` is False when it was cut short."""

    # -- learning switch and facts ----------------------------------------------------------
    @property
    def learns(self) -> bool:
        return any(region.learns for region in self.regions.values())

    def freeze(self, frozen: bool = True) -> None:
        for region in self.regions.values():
            region.freeze(frozen)

    def config_dict(self) -> dict[str, Any]:
        """The brain's settings (derived fields left out: see `wiring`)."""
        return settings_dict(self.config)

    def wiring(self) -> dict[str, dict[str, Any]]:
        """The config each region was built with, derived sizes and shared values included:
        what actually ran, recorded beside the settings in a run folder's config.json."""
        return {
            name: dataclasses.asdict(region.config)
            for name, region in self.regions.items()
            if dataclasses.is_dataclass(getattr(region, "config", None))
        }

    # -- what probes read -------------------------------------------------------------
    def signals(self) -> dict[str, float]:
        """Named scalar signals of the last decision (dopamine, exploration, ...), read by
        probes (littlebrain.probes); computed on demand, never changing anything."""
        return {}

    def default_probes(self) -> tuple[str, ...]:
        """The signals a run records when its config names none."""
        return tuple(self.signals())

    # -- state --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        state = {
            "brain.rng": rng_state_array(self.rng),
            "brain.exploration_rng": rng_state_array(self.exploration_rng),
        }
        for region_name, region in self.regions.items():
            for key, value in region.state_dict().items():
                state[f"{region_name}.{key}"] = value
        return state

    def state_bytes_bound(self) -> int:
        """The most bytes a state of this brain can take (its arrays as allocated, memories at
        capacity): what a checkpoint of it may unpack to."""
        arrays = [getattr(r, name) for r in self.regions.values() for name in r.state_names]
        return sum(np.asarray(a).nbytes for a in arrays) + 2 * rng_state_array(self.rng).nbytes

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore all regions; raises ValueError naming the first array that does not fit,
        before anything is changed."""
        known = {"brain"} | set(self.regions)
        foreign = sorted({key.split(".", 1)[0] for key in state} - known)
        if foreign:
            raise ValueError(f"state holds regions this brain does not have: {foreign}")
        generators = {"brain.rng": self.rng, "brain.exploration_rng": self.exploration_rng}
        for key in generators:
            if key not in state:
                raise ValueError(f"state lacks the brain's random-generator state {key}")
        unexpected = sorted({k for k in state if k.startswith("brain.")} - set(generators))
        if unexpected:
            raise ValueError(f"state holds unknown brain arrays {unexpected}")
        for key in generators:  # checked on a scratch generator first
            set_rng_state(np.random.Generator(np.random.PCG64()), state[key])
        for region_name, region in self.regions.items():  # every region checked, then loaded
            region.check_state(region_state(state, region_name))
        for region_name, region in self.regions.items():
            region.load_state_dict(region_state(state, region_name))
        for key, rng in generators.items():
            set_rng_state(rng, state[key])

    # -- input checks -------------------------------------------------------------------
    def _check(self, observation: Any, feedback: Any) -> tuple[np.ndarray, float]:
        observation = check_array(observation, self.observation_shape, "observation")
        if observation.dtype != self._dtype_within_bounds:
            check_bounds(observation, self._low, self._high, "observation")
        return observation, check_feedback(feedback)


def region_state(state: dict[str, np.ndarray], region: str) -> dict[str, np.ndarray]:
    """The arrays of one region in a brain's state, under the region's own names."""
    prefix = f"{region}."
    return {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
