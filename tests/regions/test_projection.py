"""The fixed random projection: it keeps distances, and its code keeps its meaning."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.dentate_gyrus import DentateGyrus, DentateGyrusConfig
from littlebrain.regions.projection import ProjectionConfig, RandomProjection

INPUT = 932  # the retina's output for an Atari frame


def frames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Frames of a small world: a fixed background and two 3-pixel sprites at random places."""
    background = rng.random(INPUT) * 0.5
    out = np.repeat(background[None], n, axis=0)
    for sprite in range(2):
        where = rng.integers(0, INPUT - 3, size=n)
        for offset in range(3):
            out[np.arange(n), where + offset] += 0.5 + 0.2 * sprite
    return out


def test_the_code_keeps_distances_between_inputs():
    rng = np.random.default_rng(0)
    projection = RandomProjection(INPUT, ProjectionConfig(dim=64), np.random.default_rng(1))
    # inputs near a 10-dimensional surface, at distances that vary widely
    xs = rng.random(INPUT) + rng.standard_normal((400, 10)) @ rng.standard_normal((10, INPUT))
    codes = np.array([projection.step(x) for x in xs])[-100:]
    xs = xs[-100:]
    upper = np.triu_indices(100, 1)
    before = np.linalg.norm(xs[:, None] - xs[None], axis=2)[upper]
    after = np.linalg.norm(codes[:, None] - codes[None], axis=2)[upper]
    assert np.corrcoef(before, after)[0, 1] > 0.9
    # unit variance per code unit (what the hippocampus's kernel and the striatum expect)
    assert 0.5 < codes.var(axis=0).mean() < 2.0


def test_dentate_gyrus_winners_of_fixed_probes_stay_from_20k_to_100k_steps():
    """Issue 19's stability criterion: a fixed probe set keeps >= 0.9 of its dentate gyrus
    winners from step 20,000 to step 100,000 (the learned cortex kept 0.07 on Pong frames,
    benchmarks/code_stability.py)."""
    rng = np.random.default_rng(0)
    stream, probes = frames(rng, 5_000), frames(np.random.default_rng(7), 50)
    projection = RandomProjection(INPUT, ProjectionConfig(), np.random.default_rng(1))
    dentate_gyrus = DentateGyrus(DentateGyrusConfig(input_dim=32), np.random.default_rng(2))

    def winners() -> list[set[int]]:
        projection.freeze(True)
        found = [set(dentate_gyrus.active_units(projection.step(x)).tolist()) for x in probes]
        projection.freeze(False)
        return found

    for step in range(1, 100_001):
        projection.step(stream[step % len(stream)])
        if step == 20_000:
            early = winners()
    late = winners()
    kept = [len(a & b) / len(a) for a, b in zip(early, late, strict=True)]
    assert np.mean(kept) >= 0.9


def test_each_input_on_its_own_scale_lets_a_small_sprite_move_the_code():
    """A big paddle (100 inputs) and a one-input ball, both moving: with one scale for all inputs
    the code follows the paddle and barely sees the ball; with each input in units of its own
    typical deviation (the ball's inputs seldom change, so their unit is small) the ball moves
    the code several times farther, relative to the paddle."""
    rng = np.random.default_rng(4)

    def frame(paddle: int, ball: int) -> np.ndarray:
        x = np.zeros(INPUT)
        x[paddle * 100 : paddle * 100 + 100] = 1.0
        x[900 + ball] = 0.5
        return x

    def shifts(scaling: str) -> tuple[float, float]:
        projection = RandomProjection(
            INPUT, ProjectionConfig(scaling=scaling), np.random.default_rng(1)
        )
        for _ in range(3_000):
            projection.step(frame(*rng.integers(0, (9, 32))))
        projection.freeze(True)
        code = projection.step(frame(0, 0))
        ball = np.linalg.norm(projection.step(frame(0, 1)) - code)
        paddle = np.linalg.norm(projection.step(frame(1, 0)) - code)
        variance = np.var(
            [projection.step(frame(*rng.integers(0, (9, 32)))) for _ in range(500)], 0
        )
        assert 0.3 < variance.mean() < 3.0  # units of about unit variance, as the kernels expect
        return ball, paddle

    ball, paddle = shifts("global")
    one_scale = ball / paddle
    ball, paddle = shifts("input")
    assert one_scale < 0.06 and ball / paddle > 3 * one_scale


def test_a_frozen_projection_keeps_its_statistics_and_state_round_trips():
    rng = np.random.default_rng(3)
    projection = RandomProjection(INPUT, ProjectionConfig(), np.random.default_rng(1))
    for x in frames(rng, 50):
        projection.step(x)
    state = projection.state_dict()
    projection.freeze(True)
    x = frames(rng, 1)[0]
    first = projection.step(x)
    assert projection.samples == 50 and np.array_equal(first, projection.step(x))
    copy = RandomProjection(INPUT, ProjectionConfig(), np.random.default_rng(9))
    copy.load_state_dict(state)
    copy.freeze(True)
    assert np.array_equal(copy.step(x), first)


def test_bad_inputs_and_states_are_refused():
    projection = RandomProjection(INPUT, ProjectionConfig(), np.random.default_rng(1))
    with pytest.raises(ObservationError, match="932 finite values"):
        projection.step(np.zeros(5))
    with pytest.raises(ObservationError):
        projection.step(np.full(INPUT, np.nan))
    state = projection.state_dict()
    state["scale2"] = np.array(-1.0)
    with pytest.raises(ValueError, match="scale2"):
        projection.load_state_dict(state)
    state = projection.state_dict()
    state["variance"][3] = -1.0
    with pytest.raises(ValueError, match="variance"):
        projection.load_state_dict(state)
    with pytest.raises(ConfigError, match="scaling"):
        ProjectionConfig(scaling="whitened")
