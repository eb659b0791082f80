"""The retina: grayscale, area averaging, sustained and transient channels."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import littlebrain  # noqa: F401  (registers littlebrain/Snake-v0)
from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.retina import Retina, RetinaConfig, area_matrix


def snake_retina(**kwargs) -> Retina:
    return Retina((10, 10, 3), RetinaConfig(out_height=10, out_width=10, **kwargs))


def test_snake_body_head_food_stay_distinct():
    env = gym.make("littlebrain/Snake-v0")
    obs, _ = env.reset(seed=0)
    retina = snake_retina()
    out = retina.step(obs)
    assert out.shape == (200,) and out.dtype == np.float32
    sustained = out[:100].reshape(10, 10)
    body = sustained[obs[..., 0] > 0]
    head = sustained[obs[..., 1] > 0]
    food = sustained[obs[..., 2] > 0]
    values = {round(float(v), 4) for v in (body[0], head[0], food[0], 0.0)}
    assert len(values) == 4  # background, body, head and food all differ
    assert np.all(body == body[0])
    assert 0.0 <= sustained.min() and sustained.max() <= 1.0


def test_transient_channel_shows_motion_and_resets():
    env = gym.make("littlebrain/Snake-v0")
    obs, _ = env.reset(seed=0)
    retina = snake_retina()
    first = retina.step(obs)
    np.testing.assert_array_equal(first[100:], 0.0)  # no previous frame yet
    obs2, *_ = env.step(1)  # straight ahead: the head moves one cell
    second = retina.step(obs2)
    transient = second[100:].reshape(10, 10)
    np.testing.assert_allclose(
        transient, second[:100].reshape(10, 10) - first[:100].reshape(10, 10)
    )
    assert np.count_nonzero(transient) >= 2  # the head left one cell and entered another
    assert -1.0 <= transient.min() and transient.max() <= 1.0
    retina.reset_episode()
    np.testing.assert_array_equal(retina.step(obs2)[100:], 0.0)


def test_atari_frame_is_area_averaged():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(84, 84), dtype=np.uint8)
    retina = Retina((84, 84), RetinaConfig(out_height=42, out_width=42, transient=False))
    out = retina.step(frame)
    assert out.shape == (1764,) and out.dtype == np.float32
    expected = frame.astype(np.float64).reshape(42, 2, 42, 2).mean(axis=(1, 3)) / 255.0
    np.testing.assert_allclose(out.reshape(42, 42), expected, atol=1e-5)


def test_area_matrix_rows_average_and_upsample():
    for n_in, n_out in [(84, 42), (10, 42), (7, 3), (5, 5)]:
        A = area_matrix(n_in, n_out)
        np.testing.assert_allclose(A.sum(axis=1), 1.0)
        # total area is conserved: each input cell counts n_out / n_in in total
        np.testing.assert_allclose(A.sum(axis=0), n_out / n_in)


def test_state_round_trip_and_no_learning():
    retina = snake_retina()
    assert not retina.learns
    env = gym.make("littlebrain/Snake-v0")
    obs, _ = env.reset(seed=1)
    retina.step(obs)
    clone = snake_retina()
    clone.load_state_dict(retina.state_dict())
    obs2, *_ = env.step(0)
    np.testing.assert_array_equal(retina.step(obs2), clone.step(obs2))


def test_bad_frames_raise():
    retina = snake_retina()
    with pytest.raises(ObservationError):
        retina.step(np.zeros((10, 10), dtype=np.uint8))
    with pytest.raises(ObservationError):
        retina.step(np.full((10, 10, 3), np.nan))
    with pytest.raises(ObservationError):
        retina.step(np.zeros((10, 10, 3), dtype=object))


@pytest.mark.parametrize(
    "bad",
    [
        {"out_height": 0},
        {"out_width": 2.0},
        {"channel_weights": ()},
        {"channel_weights": (1.0, -1.0, 0.0)},
        {"input_max": 0.0},
        {"transient": "yes"},
        {"fovea": -1},
        {"fovea": 2.5},
    ],
)
def test_bad_config_raises(bad):
    with pytest.raises(ConfigError):
        RetinaConfig(**bad)


def test_channel_count_must_match_weights():
    with pytest.raises(ConfigError):
        Retina((10, 10, 4), RetinaConfig())


def test_colour_keeps_a_dim_channel_as_strong_as_the_others():
    frame = np.zeros((10, 10, 3), np.uint8)
    frame[2, 3, 2] = 255  # "food" in the weakest channel of the gray mix
    frame[7, 7, 1] = 255
    retina = Retina(frame.shape, RetinaConfig(out_height=5, out_width=5, colour=True))
    out = retina.step(frame)
    assert out.shape == (5 * 5 * 3 * 2,) == (retina.output_size,)
    maps = out[:75].reshape(3, 5, 5)
    assert maps[2, 1, 1] == pytest.approx(0.25) and maps[1, 3, 3] == pytest.approx(0.25)
    assert maps[0].sum() == 0 and np.all(out[75:] == 0)  # first frame: no transient
    moved = np.roll(frame, 1, axis=1)
    transient = retina.step(moved)[75:].reshape(3, 5, 5)
    assert transient[2].sum() == pytest.approx(0) and np.abs(transient[2]).sum() > 0
    gray = Retina(frame.shape, RetinaConfig(out_height=5, out_width=5)).step(frame)
    assert gray[:25].reshape(5, 5)[1, 1] < 0.25 * 0.2  # the gray mix nearly hides it


def test_fovea_passes_the_centre_on_at_full_resolution():
    frame = np.zeros((19, 19, 3), np.uint8)
    frame[9, 8, 0] = 255  # right beside the centre: lost in a 4 x 4 pooled cell, sharp in the fovea
    frame[0, 0, 2] = 255  # far out: only the coarse map sees it
    config = RetinaConfig(out_height=5, out_width=5, colour=True, fovea=5, transient=False)
    retina = Retina(frame.shape, config)
    out = retina.step(frame)
    assert out.shape == (3 * (25 + 25),) == (retina.output_size,)
    coarse, fovea = out[:75].reshape(3, 5, 5), out[75:].reshape(3, 5, 5)
    np.testing.assert_array_equal(fovea, frame[7:12, 7:12].transpose(2, 0, 1) / 255.0)
    assert fovea[0, 2, 1] == 1.0 and fovea[2].sum() == 0
    assert coarse[2, 0, 0] > 0 and coarse[0].max() < 0.1
    # the fovea also has a transient channel, and a fovea larger than the frame is the frame
    assert Retina((3, 3), RetinaConfig(out_height=1, out_width=1, fovea=9)).output_size == 20
