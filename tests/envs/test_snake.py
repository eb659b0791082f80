"""The Snake world: rules, rewards, observation, determinism, and the env checkers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import littlebrain  # noqa: F401  (registers littlebrain/Snake-v0)
from littlebrain.envs.snake import BODY, FOOD, HEAD, LEFT, RIGHT, STRAIGHT, SnakeEnv


def set_state(env: SnakeEnv, body: list[tuple[int, int]], heading: int, food: tuple[int, int]):
    """Put the snake (head first) and the food where a test needs them."""
    env._body = list(body)
    env._occupied[:] = False
    for cell in body:
        env._occupied[cell] = True
    env._heading = heading
    env._food = food


def test_passes_gymnasium_env_checker():
    for mode in ("rgb_array", "ansi"):
        check_env(SnakeEnv(render_mode=mode), skip_render_check=False)
    check_env(gym.make("littlebrain/Snake-v0").unwrapped)


def test_passes_stable_baselines3_env_checker():
    sb3_env_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    with pytest.warns(UserWarning):  # SB3 warns that a 10x10 image is small for its CNN
        sb3_env_checker.check_env(SnakeEnv(), warn=True)


def test_start_layout_and_observation_channels():
    env = SnakeEnv()
    obs, info = env.reset(seed=3)
    assert obs.shape == (10, 10, 3) and obs.dtype == np.uint8
    assert obs[5, 5, HEAD] == 255 and obs[:, :, HEAD].sum() == 255
    assert obs[5, 4, BODY] == 255 and obs[5, 3, BODY] == 255 and obs[:, :, BODY].sum() == 2 * 255
    assert obs[:, :, FOOD].sum() == 255
    food = tuple(np.argwhere(obs[:, :, FOOD])[0])
    assert not obs[food[0], food[1], :2].any(), "food lies on an empty cell"
    assert info == {"score": 0, "length": 3, "event": None}


def test_wall_kills_with_minus_one():
    env = SnakeEnv()
    env.reset(seed=0)
    set_state(env, [(5, 5), (5, 4), (5, 3)], heading=1, food=(0, 0))
    for _ in range(4):  # columns 6..9
        _, reward, terminated, truncated, _ = env.step(STRAIGHT)
        assert (reward, terminated, truncated) == (0.0, False, False)
    _, reward, terminated, truncated, info = env.step(STRAIGHT)
    assert (reward, terminated, truncated, info["event"]) == (-1.0, True, False, "death")


def test_eating_scores_grows_and_moves_food():
    env = SnakeEnv()
    env.reset(seed=0)
    set_state(env, [(5, 5), (5, 4), (5, 3)], heading=1, food=(5, 6))
    obs, reward, terminated, _, info = env.step(STRAIGHT)
    assert reward == 1.0 and not terminated
    assert info["score"] == 1 and info["length"] == 4
    assert env._food != (5, 6) and not env._occupied[env._food]
    assert obs[:, :, BODY].sum() == 3 * 255


def test_relative_turns():
    env = SnakeEnv()
    env.reset(seed=0)
    set_state(env, [(5, 5), (5, 4), (5, 3)], heading=1, food=(0, 0))
    env.step(LEFT)  # heading right, turn left: up
    assert env._body[0] == (4, 5)
    env.step(RIGHT)  # heading up, turn right: right again
    assert env._body[0] == (4, 6)


def test_self_collision_kills_but_chasing_the_tail_is_allowed():
    env = SnakeEnv()
    env.reset(seed=0)
    # a 2x2 loop of length 4: the head moves into the cell the tail leaves
    set_state(env, [(4, 4), (4, 5), (5, 5), (5, 4)], heading=3, food=(0, 0))
    _, reward, terminated, _, _ = env.step(LEFT)  # heading left, turn left: down to (5, 4)
    assert not terminated and reward == 0.0 and env._body[0] == (5, 4)
    # length 5 in a U: turning into the body is death
    set_state(env, [(4, 4), (4, 5), (5, 5), (5, 4), (5, 3)], heading=3, food=(0, 0))
    _, reward, terminated, _, info = env.step(LEFT)
    assert terminated and reward == -1.0 and info["event"] == "death"


def test_starvation_truncates_without_penalty():
    env = SnakeEnv(starvation_steps=7)
    env.reset(seed=0)
    set_state(env, [(4, 4), (4, 5), (5, 5)], heading=3, food=(0, 0))
    for step in range(1, 8):
        _, reward, terminated, truncated, info = env.step(LEFT)  # circles in a 2x2 square
        assert reward == 0.0 and not terminated
        assert truncated == (step == 7)
    assert info["event"] == "starved"


def test_full_board_is_a_win():
    env = SnakeEnv(size=5)
    env.reset(seed=0)
    # a serpentine through every cell, starting at (0, 0); the snake fills all of it but (0, 0)
    path = [(r, c) for r in range(5) for c in (range(5) if r % 2 == 0 else range(4, -1, -1))]
    body = path[1:]  # head at (0, 1), heading left towards the food at (0, 0)
    set_state(env, body, heading=3, food=(0, 0))
    obs, reward, terminated, truncated, info = env.step(STRAIGHT)
    assert (reward, terminated, truncated, info["event"]) == (1.0, True, False, "win")
    assert info["length"] == 25 and obs[:, :, FOOD].sum() == 0


def test_shaped_reward_adds_a_small_signal_towards_food():
    env = SnakeEnv(reward_mode="shaped", shaping_reward=0.1)
    env.reset(seed=0)
    set_state(env, [(5, 5), (5, 4), (5, 3)], heading=1, food=(5, 8))
    assert env.step(STRAIGHT)[1] == pytest.approx(0.1)
    assert env.step(LEFT)[1] == pytest.approx(-0.1)
    sparse = SnakeEnv()
    sparse.reset(seed=0)
    set_state(sparse, [(5, 5), (5, 4), (5, 3)], heading=1, food=(5, 8))
    assert sparse.step(STRAIGHT)[1] == 0.0


def rollout(seed: int, steps: int = 300) -> list:
    env = gym.make("littlebrain/Snake-v0")
    actions = np.random.default_rng(0).integers(3, size=steps)
    obs, _ = env.reset(seed=seed)
    trace = [obs.tobytes()]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(int(action))
        trace.append((obs.tobytes(), reward, terminated, truncated, info["score"]))
        if terminated or truncated:
            obs, _ = env.reset()
            trace.append(obs.tobytes())
    return trace


def test_deterministic_under_a_seed():
    assert rollout(seed=7) == rollout(seed=7)
    assert rollout(seed=7) != rollout(seed=8)


def test_food_is_uniform_over_empty_cells():
    env = SnakeEnv()
    counts = np.zeros((10, 10))
    for seed in range(4000):
        obs, _ = env.reset(seed=seed)
        counts += obs[:, :, FOOD] > 0
    assert counts[5, 3:6].sum() == 0  # never on the snake
    free = np.delete(counts.ravel(), [53, 54, 55])
    expected = 4000 / 97
    chi2 = ((free - expected) ** 2 / expected).sum()
    assert chi2 < 150, f"food placement far from uniform (chi2 {chi2:.0f}, 96 dof)"


def test_renders():
    env = SnakeEnv(render_mode="rgb_array", cell_pixels=16)
    env.reset(seed=0)
    image = env.render()
    assert image.shape == (160, 160, 3) and image.dtype == np.uint8
    assert len(np.unique(image.reshape(-1, 3), axis=0)) >= 4  # background, grid, snake, food
    text = SnakeEnv(render_mode="ansi")
    text.reset(seed=0)
    frame = text.render().split("score")[0]
    assert frame.count("@") == 1 and frame.count("o") == 2 and frame.count("*") == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": 3},
        {"size": 10.5},
        {"reward_mode": "dense"},
        {"starvation_steps": 0},
        {"render_mode": "human"},
    ],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        SnakeEnv(**kwargs)


def test_invalid_action_is_refused():
    env = SnakeEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(3)


def test_egocentric_view_centres_the_head_and_turns_with_it():
    env = SnakeEnv(view="egocentric")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (19, 19, 3) and env.observation_space.contains(obs)
    set_state(env, [(5, 5), (5, 4), (5, 3)], heading=1, food=(5, 7))
    obs = env._observation()
    centre = 9
    assert obs[centre - 2, centre, FOOD] == 255, "food two cells ahead appears two cells above"
    assert obs[centre + 1, centre, BODY] == 255, "the neck is right behind the head"
    # the wall ahead (right of the board, 4 cells beyond the head) is the 5th row above centre
    assert obs[centre - 5, centre, 1] == 255 and obs[centre - 4, centre, 1] == 0
    env.step(LEFT)  # now heading up at (4, 5); the food at (5, 7) is behind-right
    obs = env._observation()
    assert obs[centre + 1, centre + 2, FOOD] == 255
    check_env(SnakeEnv(view="egocentric"))
