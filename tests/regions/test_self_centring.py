"""Self-centring: the channel the actions move is found, and the frame is re-centred on it; where
the whole scene moves with the actions (a view already centred on the agent) nothing changes."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError
from littlebrain.regions.self_centring import SelfCentring, SelfCentringConfig

SIDE = 15
MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1), (0, 0))  # up, down, left, right, stay


class ToyWorld:
    """A hand the actions move (channel 0), a ball that bounces on its own (1), a still
    object (2). With `camera=True` the view follows the hand instead: the hand stays put and
    the ball and the object slide with every action, as in a head-centred view."""

    def __init__(self, seed: int, camera: bool = False) -> None:
        self.rng = np.random.default_rng(seed)
        self.camera = camera
        self.hand = np.array([7, 7])
        self.ball = np.array([3, 4])
        self.velocity = np.array([1, 1])
        self.still = np.array([12, 2])

    def frame(self) -> np.ndarray:
        image = np.zeros((SIDE, SIDE, 3), dtype=np.uint8)
        offset = (np.array([7, 7]) - self.hand) if self.camera else np.zeros(2, int)
        for channel, place in enumerate((self.hand, self.ball, self.still)):
            r, c = place + offset
            if 0 <= r < SIDE and 0 <= c < SIDE:
                image[r, c, channel] = 255
        return image

    def step(self, action: int) -> np.ndarray:
        self.hand = np.clip(self.hand + MOVES[action], 0, SIDE - 1)
        for axis in range(2):
            if not 0 <= self.ball[axis] + self.velocity[axis] < SIDE:
                self.velocity[axis] *= -1
        self.ball = self.ball + self.velocity
        return self.frame()


def play(region: SelfCentring, world: ToyWorld, steps: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = region.step(world.frame())
    for _ in range(steps):
        action = int(rng.integers(len(MOVES)))
        region.efference(action)
        out = region.step(world.step(action))
    return out


def test_finds_the_channel_the_actions_move_and_centres_on_it():
    region = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    world = ToyWorld(0)
    out = play(region, world, 3000)
    agency = region.agency()
    assert region.self_channel == 0
    assert agency[0] > 0.9 and np.all(agency[1:] < 0.1)  # below 0: no better than momentum
    # the hand is at the centre; the still object sits where it lies relative to the hand
    outside = np.all(out == 255, axis=2)
    assert out[SIDE // 2, SIDE // 2, 0] == 255 and out[~outside, 0].sum() == 255
    r, c = world.still - world.hand + SIDE // 2
    if 0 <= r < SIDE and 0 <= c < SIDE:
        assert out[r, c, 2] == 255
    # where the shifted frame leaves the world, every channel says "outside"
    rows_out = SIDE // 2 - world.hand[0]
    assert outside.sum() == SIDE * SIDE - (SIDE - abs(rows_out)) * (
        SIDE - abs(SIDE // 2 - world.hand[1])
    )


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int64, np.bool_])
def test_every_numeric_frame_type_is_read_alike(dtype):
    """numba has no float16; a frame of any numeric type finds the same self and keeps its type."""
    reference = SelfCentring((SIDE, SIDE, 3), len(MOVES), 1.0, SelfCentringConfig())
    region = SelfCentring((SIDE, SIDE, 3), len(MOVES), 1.0, SelfCentringConfig())
    play(reference, Binary(ToyWorld(0), np.float32), 1500)
    out = play(region, Binary(ToyWorld(0), dtype), 1500)
    assert region.self_channel == reference.self_channel == 0
    assert out.dtype == dtype
    assert np.array_equal(region.place, reference.place)


class Binary:
    """A ToyWorld whose frames are 0 / 1 in the given dtype."""

    def __init__(self, world: ToyWorld, dtype: type) -> None:
        self.world, self.dtype = world, dtype

    def frame(self) -> np.ndarray:
        return (self.world.frame() > 0).astype(self.dtype)

    def step(self, action: int) -> np.ndarray:
        return (self.world.step(action) > 0).astype(self.dtype)


def test_a_view_that_already_follows_the_agent_passes_through_unchanged():
    """Every channel moves with the actions (the camera is on the hand): no self, and the
    region returns the very frame it was given."""
    region = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    world = ToyWorld(0, camera=True)
    rng = np.random.default_rng(1)
    region.step(world.frame())
    for _ in range(3000):
        action = int(rng.integers(len(MOVES)))
        region.efference(action)
        frame = world.step(action)
        assert region.step(frame) is frame
    assert region.self_channel == -1


def test_nothing_moved_by_the_actions_means_no_self():
    region = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    world = ToyWorld(0)
    rng = np.random.default_rng(1)
    region.step(world.frame())
    for _ in range(2000):
        region.efference(int(rng.integers(len(MOVES))))
        region.step(world.step(4))  # the hand never moves, whatever the brain "chose"
    assert region.self_channel == -1


def test_frozen_region_keeps_its_statistics_and_its_choice():
    region = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    world = ToyWorld(0)
    play(region, world, 2000)
    before = region.state_dict()
    region.freeze()
    out = play(region, world, 200, seed=5)
    after = region.state_dict()
    for name in ("forecast_action", "error_action", "samples", "self_channel"):
        assert np.array_equal(before[name], after[name])
    assert out[SIDE // 2, SIDE // 2, 0] == 255


def test_state_round_trip_continues_identically():
    first = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    play(first, ToyWorld(0), 1500)
    second = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    second.load_state_dict(first.state_dict())
    world_a, world_b = ToyWorld(3), ToyWorld(3)
    for action in np.random.default_rng(2).integers(len(MOVES), size=300):
        first.efference(int(action))
        second.efference(int(action))
        assert np.array_equal(first.step(world_a.step(int(action))), second.step(
            world_b.step(int(action))))  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("self_channel", np.array(3), "self_channel"),
        ("last_action", np.array(9), "last_action"),
        ("samples", -np.ones(3), "samples"),
    ],
)
def test_crafted_state_refused(name, value, message):
    region = SelfCentring((SIDE, SIDE, 3), len(MOVES), 255.0, SelfCentringConfig())
    state = region.state_dict()
    state[name] = value.astype(state[name].dtype)
    with pytest.raises(ValueError, match=message):
        region.load_state_dict(state)
    assert region.self_channel == -1  # nothing changed


def test_config_and_shape_are_checked():
    with pytest.raises(ConfigError, match="agency_min"):
        SelfCentringConfig(agency_min=0.0)
    with pytest.raises(ConfigError, match="rival_ratio"):
        SelfCentringConfig(rival_ratio=1.0)
    with pytest.raises(ConfigError, match="two or more channels"):
        SelfCentring((SIDE, SIDE, 1), 3, 255.0, SelfCentringConfig())
