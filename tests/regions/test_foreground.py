"""The foreground map: small things that differ from the usual scene light their tile."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError, LittlebrainError
from littlebrain.regions.foreground import Foreground, ForegroundConfig
from littlebrain.regions.retina import Retina, RetinaConfig

SHAPE = (84, 84)
GRID = ForegroundConfig(out_height=21, out_width=21)


def scene(rng: np.random.Generator) -> np.ndarray:
    """A textured, static background (grey levels 0-100)."""
    return (rng.random(SHAPE) * 100).astype(np.uint8)


def with_sprite(background: np.ndarray, row: int, col: int, size: int = 2) -> np.ndarray:
    frame = background.copy()
    frame[row : row + size, col : col + size] = 250
    return frame


def test_a_two_pixel_sprite_lights_its_tile_and_nothing_else():
    rng = np.random.default_rng(0)
    background, foreground = scene(rng), Foreground(SHAPE, GRID)
    for _ in range(500):  # the sprite wanders: the background model learns the scene
        foreground.step(with_sprite(background, *rng.integers(0, 82, size=2)))
    for row, col in [(0, 0), (40, 41), (81, 80), (13, 70)]:
        tiles = foreground.step(with_sprite(background, row, col)).reshape(21, 21)
        expected = np.zeros((21, 21), dtype=bool)
        expected[row // 4 : (row + 1) // 4 + 1, col // 4 : (col + 1) // 4 + 1] = True
        np.testing.assert_array_equal(tiles.astype(bool), expected)
    assert foreground.step(background).sum() == 0  # the scene alone: nothing departs


def test_the_sprite_moves_the_foreground_map_where_the_retina_barely_changes():
    """What the module is for: the retina's area average dilutes a 2-pixel sprite 1:8 into
    its 4 x 4 cell; the foreground map marks it at full strength."""
    rng = np.random.default_rng(1)
    background = scene(rng)
    retina = Retina(SHAPE, RetinaConfig(out_height=21, out_width=21, transient=False))
    foreground = Foreground(SHAPE, GRID)
    for _ in range(300):
        foreground.step(with_sprite(background, *rng.integers(0, 82, size=2)))
    a, b = with_sprite(background, 10, 10), with_sprite(background, 60, 60)
    retina_change = np.abs(retina.step(a) - retina.step(b)).max()
    foreground_change = np.abs(foreground.step(a) - foreground.step(b)).max()
    assert retina_change < 0.25 and foreground_change == 1.0


def test_a_pixel_that_always_flickers_is_not_foreground_but_a_rare_visitor_is():
    rng = np.random.default_rng(2)
    background, foreground = scene(rng), Foreground(SHAPE, GRID)
    flicker = []
    for t in range(2_000):
        frame = background.copy()
        frame[0:4, 0:4] = 250 if t % 2 else 0  # a blinking light in tile (0, 0)
        if t % 200 == 199:
            frame[40:42, 40:42] = 250  # a visitor to tile (10, 10), seldom
        tiles = foreground.step(frame).reshape(21, 21)
        if t >= 1_000:
            flicker.append(tiles[0, 0])
            if t % 200 == 199:
                assert tiles[10, 10] == 1.0
    assert np.mean(flicker) == 0.0


def test_colour_channels_are_watched_apart_and_grids_larger_than_the_input_work():
    foreground = Foreground((6, 6, 3), ForegroundConfig(out_height=12, out_width=12))
    frame = np.zeros((6, 6, 3), dtype=np.uint8)
    for _ in range(50):
        foreground.step(frame)
    frame[2, 3, 2] = 255  # only the blue channel of one pixel
    tiles = foreground.step(frame).reshape(12, 12)
    assert tiles.sum() == 4 and tiles[4:6, 6:8].all()


def test_frozen_statistics_stay_and_state_round_trips():
    rng = np.random.default_rng(3)
    background, foreground = scene(rng), Foreground(SHAPE, GRID)
    for _ in range(100):
        foreground.step(with_sprite(background, *rng.integers(0, 82, size=2)))
    state = foreground.state_dict()
    foreground.freeze(True)
    foreground.step(np.full(SHAPE, 255, dtype=np.uint8))
    np.testing.assert_array_equal(foreground.background, state["background"])
    copy = Foreground(SHAPE, GRID)
    copy.load_state_dict(state)
    probe = with_sprite(background, 30, 30)
    np.testing.assert_array_equal(copy.step(probe), foreground.step(probe))


def test_bad_inputs_and_states_are_refused_in_one_line():
    foreground = Foreground(SHAPE, GRID)
    with pytest.raises(LittlebrainError, match="foreground input"):
        foreground.step(np.zeros((84, 83)))
    bad = np.zeros(SHAPE)
    bad[3, 3] = np.nan
    with pytest.raises(LittlebrainError, match="foreground input"):
        foreground.step(bad)
    state = foreground.state_dict()
    state["deviation"] = -np.ones(SHAPE)
    with pytest.raises(ValueError, match="deviation"):  # the checkpoint loader's one line
        foreground.load_state_dict(state)
    with pytest.raises(ConfigError, match="floor"):
        ForegroundConfig(floor=1.5)
