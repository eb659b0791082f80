"""The Atari world holds every setting of the Atari 100k protocol, checked on real games."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("ale_py")

from littlebrain.envs.atari import (  # noqa: E402
    ATARI_100K_GAMES,
    MAX_EPISODE_STEPS,
    NoopReset,
    make_atari,
)
from littlebrain.errors import EnvironmentSpecError  # noqa: E402


def find_wrapper(env: gym.Env, kind: type) -> gym.Env:
    while not isinstance(env, kind):
        env = env.env
    return env


def test_emulator_settings_are_the_protocols():
    env = make_atari("Pong")
    ale_env = env.unwrapped
    assert ale_env._frameskip == 1  # the frame skip is done (with max-pooling) by the wrapper
    assert ale_env.ale.getFloat("repeat_action_probability") == 0.0  # no sticky actions
    assert env.action_space.n == 6  # Pong's minimal action set (the full one has 18)
    assert len(ale_env.ale.getMinimalActionSet()) == 6
    preprocessing = find_wrapper(env, gym.wrappers.AtariPreprocessing)
    assert preprocessing.frame_skip == 4 and preprocessing.noop_max == 0  # NoopReset draws them
    assert find_wrapper(env, NoopReset).noop_max == 30
    assert preprocessing.screen_size == (84, 84) and preprocessing.grayscale_obs
    assert not preprocessing.terminal_on_life_loss
    assert find_wrapper(env, gym.wrappers.TimeLimit)._max_episode_steps == MAX_EPISODE_STEPS
    assert MAX_EPISODE_STEPS == 27_000
    # one frame per step, no stack: 84 x 84 grayscale bytes
    assert env.observation_space.shape == (84, 84) and env.observation_space.dtype == np.uint8


def test_a_step_is_four_frames_max_pooled_and_resets_wait_0_to_30_no_ops():
    env = make_atari("Breakout")
    frames_after_reset = set()
    for seed in range(100):
        observation, info = env.reset(seed=seed)
        frames_after_reset.add(env.unwrapped.ale.getEpisodeFrameNumber())
        assert observation.shape == (84, 84) and observation.dtype == np.uint8
    # the protocol's 0 to 30 (Gymnasium's own draw never waits 0 frames)
    assert min(frames_after_reset) == 0 and max(frames_after_reset) <= 30
    assert len(frames_after_reset) > 20
    before = env.unwrapped.ale.getEpisodeFrameNumber()
    env.step(0)
    assert env.unwrapped.ale.getEpisodeFrameNumber() - before == 4
    preprocessing = find_wrapper(env, gym.wrappers.AtariPreprocessing)
    # the observation is the pixel-wise max of the last two frames' screens (before resizing)
    last_two = preprocessing.obs_buffer
    assert last_two[0].shape == last_two[1].shape == (210, 160)


def test_the_same_seed_gives_the_same_episode():
    env = make_atari("MsPacman")
    first, _ = env.reset(seed=5)
    steps = [env.step(a % env.action_space.n)[0] for a in range(50)]
    again, _ = env.reset(seed=5)
    assert np.array_equal(first, again)
    for a, expected in enumerate(steps):
        assert np.array_equal(env.step(a % env.action_space.n)[0], expected)


def test_rewards_are_clipped_and_the_raw_score_is_kept():
    env = make_atari("Alien")  # eating a pellet scores 10
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    rewards, raw_total = [], 0.0
    for _ in range(400):
        _, reward, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
        rewards.append(reward)
        raw_total = info["score"]
        if terminated or truncated:
            break
    assert set(rewards) <= {-1.0, 0.0, 1.0}
    assert raw_total > sum(rewards) > 0  # the score counts points, the reward only their sign


def test_a_lost_life_is_reported_and_the_game_goes_on():
    env = make_atari("Breakout")  # five lives; random play serves the ball with FIRE (1)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    lost, over = 0, False
    while not over:
        _, _, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
        over = terminated or truncated
        if info["life_lost"]:
            assert not over
            lost += 1
    assert lost == 4 and env.unwrapped.ale.lives() == 0  # the fifth loss ends the game


def test_every_game_of_the_suite_exists_and_an_unknown_one_is_refused():
    assert len(ATARI_100K_GAMES) == 26
    for game in ATARI_100K_GAMES:
        env = make_atari(game)
        assert env.action_space.n >= 3 and env.observation_space.shape == (84, 84)
        env.close()
    with pytest.raises(EnvironmentSpecError, match="unknown Atari game 'Pongg'"):
        make_atari("Pongg")


def test_registered_under_littlebrain_namespace():
    env = gym.make("littlebrain/Atari-v0", game="Boxing")
    assert env.observation_space.shape == (84, 84)
    assert env.action_space.n == 18  # Boxing's minimal set is the full one
