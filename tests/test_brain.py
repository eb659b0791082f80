"""The Brain and Region API: input checks, state round trips, action spaces."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from littlebrain.brains.random_baseline import RandomBaselineBrain, RandomBaselineConfig
from littlebrain.errors import EnvironmentSpecError, ObservationError
from littlebrain.region import Region
from littlebrain.rng import make_rng, rng_state_array, set_rng_state

OBS = gym.spaces.Box(0, 255, (10, 10, 3), dtype=np.uint8)


def make_brain(seed: int = 0, actions: int = 3) -> RandomBaselineBrain:
    return RandomBaselineBrain(OBS, gym.spaces.Discrete(actions), RandomBaselineConfig(), seed)


def test_random_baseline_is_uniform_and_says_it_does_not_learn():
    brain = make_brain(actions=4)
    obs = np.zeros((10, 10, 3), np.uint8)
    counts = np.bincount([brain.step(obs, 0.0) for _ in range(8000)], minlength=4)
    assert counts.min() > 1800 and brain.learns is False
    assert "does not learn" in brain.description


def test_state_dict_round_trip_continues_the_same_random_stream():
    brain, copy = make_brain(seed=5), make_brain(seed=99)
    obs = np.zeros((10, 10, 3), np.uint8)
    for _ in range(17):
        brain.step(obs)
    copy.load_state_dict(brain.state_dict())
    assert [brain.step(obs) for _ in range(50)] == [copy.step(obs) for _ in range(50)]


def test_load_state_dict_refuses_what_does_not_fit():
    brain = make_brain()
    with pytest.raises(ValueError, match="regions this brain does not have"):
        brain.load_state_dict({**brain.state_dict(), "cortex.weights": np.zeros(3)})
    with pytest.raises(ValueError, match="random-generator"):
        brain.load_state_dict({})


@pytest.mark.parametrize(
    ("observation", "feedback", "message"),
    [
        (np.zeros((10, 10)), 0.0, "shape"),
        (np.full((10, 10, 3), np.nan), 0.0, "NaN"),
        (np.zeros((10, 10, 3)), float("nan"), "finite"),
        (np.zeros((10, 10, 3)), "x", "number"),
        (np.full((10, 10, 3), "a"), 0.0, "dtype"),
    ],
)
def test_bad_inputs_raise_observation_error(observation, feedback, message):
    with pytest.raises(ObservationError, match=message):
        make_brain().step(observation, feedback)
    with pytest.raises(ObservationError, match=message):
        make_brain().end_episode(observation, feedback, terminated=True)


def test_only_discrete_action_spaces_for_now():
    box = gym.spaces.Box(-1, 1, (2,))
    with pytest.raises(EnvironmentSpecError, match="Discrete"):
        RandomBaselineBrain(OBS, box, RandomBaselineConfig(), 0)
    with pytest.raises(EnvironmentSpecError, match="Box observation"):
        RandomBaselineBrain(
            gym.spaces.Discrete(4), gym.spaces.Discrete(2), RandomBaselineConfig(), 0
        )


class Counter(Region):
    """A toy region whose state is one array."""

    state_names = ("total",)

    def __init__(self) -> None:
        super().__init__()
        self.total = np.zeros(3)

    def step(self, x: np.ndarray) -> np.ndarray:
        if not self.frozen:
            self.total = self.total + x
        return self.total


def test_region_state_is_checked_and_copied():
    region = Counter()
    region.step(np.ones(3))
    state = region.state_dict()
    state["total"][0] = 99  # the dict is a copy, not a view of the region
    assert region.total[0] == 1
    with pytest.raises(ValueError, match="expected float64"):
        region.load_state_dict({"total": np.zeros(4)})
    with pytest.raises(ValueError, match="missing"):
        region.load_state_dict({})
    region.freeze()
    region.step(np.ones(3))
    assert region.total.tolist() == [1, 1, 1]


def test_rng_state_survives_an_array_round_trip():
    rng = make_rng(123)
    rng.random(7)
    rng.integers(5)  # leaves a cached 32-bit word behind
    saved = rng_state_array(rng)
    expected = rng.random(5)
    other = make_rng(0)
    set_rng_state(other, saved)
    assert np.array_equal(other.random(5), expected)


def test_observations_outside_the_space_are_refused_whatever_their_dtype():
    """uint8 frames of a [0, 255] space skip the bounds comparison (they cannot leave it); the
    same values in a wider dtype are still compared."""
    brain = make_brain()
    assert 0 <= brain.step(np.full(OBS.shape, 255, dtype=np.uint8)) < 3
    assert 0 <= brain.step(np.full(OBS.shape, 255, dtype=np.int16)) < 3
    for dtype, value in ((np.int16, 256), (np.float32, -1.0), (np.float64, 1e16)):
        with pytest.raises(ObservationError, match="outside the world's observation space"):
            brain.step(np.full(OBS.shape, value, dtype=dtype))
