"""The DishPong world: session length, stimulation codes, feedback, conditions, determinism."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import littlebrain  # noqa: F401  (registers littlebrain/DishPong-v0)
from littlebrain.envs import ALIASES
from littlebrain.envs.dishpong import (
    CONDITIONS,
    DOWN,
    FIELD_HEIGHT,
    N_CHANNELS,
    STAY,
    UP,
    DishPongEnv,
)
from littlebrain.errors import ConfigError

SESSION_STEPS = 60_000  # 20 minutes of 20 ms bins
PREDICTABLE_BINS = 5  # 100 ms
UNPREDICTABLE_BINS = 200  # 4 s


def tracker(env: DishPongEnv) -> int:
    """For tests only: reads the ball's true position and moves the paddle onto it."""
    gap = env.unwrapped._ball_y - env.unwrapped._paddle_y
    half_step = env.unwrapped.paddle_speed / env.unwrapped.bins_per_second / 2
    return UP if gap < -half_step else DOWN if gap > half_step else STAY


def set_ball(env: DishPongEnv, x: float, y: float, vx: float, vy: float) -> None:
    """For tests only: put the ball in play at (x, y) with velocity (vx, vy) in units/s."""
    env._ball_x, env._ball_y, env._vx, env._vy = x, y, vx, vy
    env._in_play = True
    env._pause_left = 0


def play(env: DishPongEnv, policy, steps: int, seed: int = 0):
    """Reset with `seed`, then step; `policy` is an action, an array of them, or a function."""
    obs, _ = env.reset(seed=seed)
    observations, infos = [], []
    for t in range(steps):
        if callable(policy):
            action = policy(env)
        elif np.ndim(policy):
            action = int(policy[t])
        else:
            action = policy
        obs, reward, terminated, truncated, info = env.step(action)
        assert reward == 0.0 and not terminated
        observations.append(obs)
        infos.append(info)
        if truncated:
            break
    return np.array(observations), infos


def test_passes_gymnasium_env_checker_and_is_registered():
    for condition in CONDITIONS:
        check_env(gym.make("littlebrain/DishPong-v0", condition=condition).unwrapped)
    for mode in ("rgb_array", "ansi"):
        made = gym.make("littlebrain/DishPong-v0", render_mode=mode)
        check_env(made.unwrapped, skip_render_check=False)
    assert ALIASES["dishpong"] == "littlebrain/DishPong-v0"
    env = gym.make("littlebrain/DishPong-v0", condition="silent")
    check_env(env.unwrapped)
    assert env.unwrapped.condition == "silent"


def test_a_session_has_a_fixed_number_of_steps():
    env = DishPongEnv()
    assert env.n_bins == SESSION_STEPS
    assert DishPongEnv(bins_per_second=100).n_bins == 2 * SESSION_STEPS
    assert DishPongEnv(session_minutes=0.5).n_bins == 1_500
    short = DishPongEnv(session_minutes=0.1)  # 300 steps
    _, infos = play(short, STAY, 1_000)
    assert len(infos) == 300 and infos[-1]["game_time_s"] == pytest.approx(6.0)
    with pytest.raises(RuntimeError, match="session is over"):
        short.step(STAY)
    obs, info = short.reset()  # a new session
    assert not obs.any() and info["game_time_s"] == 0.0 and info["hits"] == 0


def test_random_policy_session_reward_zero_and_chance_far_below_a_tracker():
    env = DishPongEnv()
    actions = np.random.default_rng(0).integers(3, size=SESSION_STEPS)
    observations, infos = play(env, actions, SESSION_STEPS + 1)  # play() checks reward == 0
    assert len(infos) == SESSION_STEPS
    assert all(env.observation_space.contains(obs) for obs in observations[::997])
    rallies = [info["rally_hits"] for info in infos if info["rally_ended"]]
    hits, misses = infos[-1]["hits"], infos[-1]["misses"]
    assert misses == len(rallies) > 50 and sum(rallies) == hits
    random_hits_per_rally = np.mean(rallies)  # about 0.9: the protocol's cultures at rest, ~0.73
    assert 0.4 < random_hits_per_rally < 1.5

    _, tracked = play(DishPongEnv(), tracker, SESSION_STEPS)
    assert tracked[-1]["misses"] == 0, "a paddle that follows the ball never misses"
    assert tracked[-1]["hits"] > 2 * hits, "chance is well below a tracker"
    assert tracked[-1]["rally_hits"] == tracked[-1]["hits"] > 10 * random_hits_per_rally


def test_hits_bring_the_predictable_burst_on_all_channels():
    env = DishPongEnv()
    observations, infos = play(env, tracker, 1_500)
    hit_steps = [t for t, info in enumerate(infos[:1_400]) if info["hit"]]
    assert len(hit_steps) >= 5 and not any(info["miss"] for info in infos)
    for t in hit_steps:
        burst = observations[t : t + PREDICTABLE_BINS]
        assert (burst == 2.0).all(), "100 Hz = two 75 mV pulses per channel in every 20 ms bin"
        assert all(infos[k]["feedback"] == "predictable" for k in range(t, t + PREDICTABLE_BINS))
        assert all(infos[k]["paused"] for k in range(t, t + PREDICTABLE_BINS))
        after = infos[t + PREDICTABLE_BINS]
        assert after["feedback"] == "none" and not after["paused"]
        sensory = observations[t + PREDICTABLE_BINS : t + 40]
        assert sensory.any() and (np.count_nonzero(sensory, axis=1) <= 1).all()
    assert infos[hit_steps[2]]["rally_hits"] == 3


def unpredictable_feedback(seed: int):
    env = DishPongEnv()
    observations, infos = play(env, STAY, 3_000, seed=seed)
    t = next(t for t, info in enumerate(infos) if info["miss"])
    assert infos[t]["rally_ended"] and infos[t]["rally_hits"] == sum(i["hit"] for i in infos[:t])
    window = observations[t : t + UNPREDICTABLE_BINS]
    assert all(infos[k]["feedback"] == "unpredictable" for k in range(t, t + UNPREDICTABLE_BINS))
    assert infos[t + UNPREDICTABLE_BINS]["feedback"] == "none"
    assert infos[t + UNPREDICTABLE_BINS + 1]["rally_hits"] == 0, "a new rally"
    return window, observations[t + UNPREDICTABLE_BINS : t + UNPREDICTABLE_BINS + 40]


def test_misses_bring_unpredictable_stimulation_on_random_channels():
    window, after = unpredictable_feedback(seed=1)
    assert set(np.unique(window)) == {0.0, 2.0}, "150 mV pulses count 2"
    pulses = window > 0
    rate_hz = pulses.mean() * 50
    assert 3.5 < rate_hz < 6.5, f"about 5 Hz per channel, got {rate_hz:.1f}"
    assert pulses.any(axis=0).all(), "every channel is hit at some time"
    assert not (pulses == pulses[:, :1]).all(), "channels are not stimulated together"
    other, _ = unpredictable_feedback(seed=2)
    assert not np.array_equal(window, other), "different seeds, different patterns"
    # after the 4 s the ball is re-served: back to one sensory channel at a time, 1 pulse each
    assert after.any() and (np.count_nonzero(after, axis=1) <= 1).all() and after.max() == 1.0


def test_silent_plays_the_same_game_with_the_same_pauses_and_no_feedback():
    actions = np.random.default_rng(3).integers(3, size=3_000)
    loud_obs, loud = play(DishPongEnv(condition="stimulus"), actions, 3_000, seed=4)
    quiet_obs, quiet = play(DishPongEnv(condition="silent"), actions, 3_000, seed=4)
    assert sum(i["miss"] for i in quiet) >= 2 and sum(i["hit"] for i in quiet) >= 1
    for key in ("hit", "miss", "rally_hits", "paused", "game_time_s"):
        assert [i[key] for i in loud] == [i[key] for i in quiet], key
    assert all(i["feedback"] == "none" for i in quiet)
    paused = np.array([i["paused"] for i in quiet])
    assert not quiet_obs[paused].any(), "nothing is delivered in a silent pause"
    assert loud_obs[paused].any()
    np.testing.assert_array_equal(loud_obs[~paused], quiet_obs[~paused])
    miss = next(t for t, i in enumerate(quiet) if i["miss"])
    assert paused[miss : miss + UNPREDICTABLE_BINS].all() and not paused[miss + UNPREDICTABLE_BINS]


def test_no_feedback_has_no_pause_and_no_feedback():
    observations, infos = play(DishPongEnv(condition="no_feedback"), STAY, 3_000, seed=1)
    assert sum(i["miss"] for i in infos) >= 3 and sum(i["hit"] for i in infos) >= 1
    assert not any(i["paused"] for i in infos)
    assert all(i["feedback"] == "none" for i in infos)
    assert (np.count_nonzero(observations, axis=1) <= 1).all(), "only the place code"
    # after a miss the ball is served at once: the bin of the miss carries the new ball's first
    # pulse, on the channel of the field's centre
    for t in [t for t, i in enumerate(infos) if i["miss"]][:3]:
        assert observations[t].sum() == 1.0 and observations[t][N_CHANNELS // 2] == 1.0


def test_rest_ignores_actions_and_stimulates_nothing():
    env = DishPongEnv(condition="rest")
    paddles = []
    for actions in (UP, DOWN):
        env.reset(seed=5)
        trace = []
        for _ in range(2_000):
            obs, reward, _, _, info = env.step(actions)
            assert not obs.any() and reward == 0.0
            trace.append((env._paddle_y, info["hit"], info["miss"], info["paused"]))
        paddles.append(trace)
    assert paddles[0] == paddles[1], "the paddle does not follow the brain"
    ys = [p[0] for p in paddles[0]]
    assert len(set(ys)) > 20, "it moves by itself"
    assert sum(p[2] for p in paddles[0]) >= 1


def pulses_on_each_channel(env: DishPongEnv, y: float, bins: int = 30) -> np.ndarray:
    env.reset(seed=0)
    set_ball(env, 300.0, y, 0.0, 0.0)  # held still in mid-field
    return sum(env.step(STAY)[0] for _ in range(bins))


def test_place_coding_follows_the_ball_along_the_paddle_axis():
    env = DishPongEnv()
    fired = []
    for y in np.linspace(20, 580, 15):
        counts = pulses_on_each_channel(env, y)
        assert np.count_nonzero(counts) == 1, "one channel at a time"
        fired.append(int(np.argmax(counts)))
        assert fired[-1] == int(y / FIELD_HEIGHT * N_CHANNELS)
    assert fired == sorted(fired) and fired[0] == 0 and fired[-1] == N_CHANNELS - 1
    # relative to the paddle: a ball level with the paddle is mid-channels wherever they are
    relative = DishPongEnv(place_frame="paddle")
    for y in (150.0, 300.0, 450.0):
        relative.reset(seed=0)
        relative._paddle_y = y
        set_ball(relative, 300.0, y, 0.0, 0.0)
        counts = sum(relative.step(STAY)[0] for _ in range(30))
        assert int(np.argmax(counts)) == N_CHANNELS // 2
        relative._ball_y = y - 200.0
        counts = sum(relative.step(STAY)[0] for _ in range(30))
        assert int(np.argmax(counts)) < N_CHANNELS // 2


def test_proprioception_adds_a_place_code_of_the_paddle_and_changes_nothing_else():
    """The labelled easier variant: 8 more channels, one always on, where the paddle is."""
    rng = np.random.default_rng(0)
    actions = rng.integers(3, size=3_000)
    plain_obs, plain_infos = play(DishPongEnv(), actions, 3_000)
    env = DishPongEnv(proprioception=True)
    assert env.observation_space.shape == (2 * N_CHANNELS,)
    observations, infos = play(env, actions, 3_000)
    assert np.array_equal(observations[:, :N_CHANNELS], plain_obs)  # same game, same stimulation
    assert [i["hits"] for i in infos] == [i["hits"] for i in plain_infos]
    body = observations[:, N_CHANNELS:]
    assert (np.count_nonzero(body, axis=1) == 1).all() and set(np.unique(body)) == {0.0, 1.0}
    env.reset(seed=0)
    channels = []
    for action in (UP, DOWN):  # against the top wall, then against the bottom one
        for _ in range(500):
            obs = env.step(action)[0]
        channels.append(int(np.argmax(obs[N_CHANNELS:])))
        assert channels[-1] == int(env._paddle_y / FIELD_HEIGHT * N_CHANNELS)
    assert channels[0] < N_CHANNELS // 2 <= channels[1]
    rest = DishPongEnv(condition="rest", proprioception=True)
    resting, _ = play(rest, STAY, 500)
    assert not resting.any(), "rest stimulates nothing, the body's channels included"


def test_rate_coding_rises_from_4_to_40_hz_as_the_ball_nears_the_paddle():
    env = DishPongEnv()
    for x, hz in ((590.0, 4.0), (305.0, 22.0), (21.0, 40.0)):
        env.reset(seed=0)
        env._paddle_y = 300.0
        set_ball(env, x, 300.0, 0.0, 0.0)
        pulses = sum(env.step(STAY)[0].sum() for _ in range(500))  # 10 s
        assert pulses == pytest.approx(10 * hz, abs=1.0), (x, pulses)
    # a ball crossing the field towards the paddle: pulses come faster and faster
    env.reset(seed=0)
    env._paddle_y = 300.0
    set_ball(env, 590.0, 300.0, -300.0, 0.0)  # 570 units at 300/s: 95 bins to the paddle
    observations = np.array([env.step(STAY)[0] for _ in range(90)])
    fifths = observations.reshape(5, 18, N_CHANNELS).sum(axis=(1, 2))
    assert (np.diff(fifths) >= 0).all() and fifths[-1] >= 3 * fifths[0]


def rollout(seed: int, condition: str = "stimulus") -> list:
    env = gym.make("littlebrain/DishPong-v0", condition=condition)
    actions = np.random.default_rng(0).integers(3, size=2_500)
    obs, _ = env.reset(seed=seed)
    trace = [obs.tobytes()]
    for action in actions:
        obs, _, _, _, info = env.step(int(action))
        trace.append((obs.tobytes(), info["hit"], info["miss"]))
    return trace


def test_deterministic_under_a_seed():
    assert rollout(seed=7) == rollout(seed=7)
    assert rollout(seed=7) != rollout(seed=8)
    assert rollout(seed=7, condition="rest") == rollout(seed=7, condition="rest")


def test_renders():
    env = DishPongEnv(render_mode="rgb_array", image_size=120)
    env.reset(seed=0)
    env.step(STAY)
    image = env.render()
    assert image.shape == (120, 120, 3) and image.dtype == np.uint8
    assert len(np.unique(image.reshape(-1, 3), axis=0)) >= 3  # background, paddle, ball
    text = DishPongEnv(render_mode="ansi")
    text.reset(seed=0)
    text.step(STAY)
    frame = text.render()
    assert frame.count("o") >= 1 and "stimulation [" in frame and "condition stimulus" in frame


@pytest.mark.parametrize(
    "kwargs",
    [
        {"condition": "sham"},
        {"condition": "no-feedback"},
        {"session_minutes": 0},
        {"session_minutes": -1.0},
        {"session_minutes": "20"},
        {"session_minutes": True},
        {"bins_per_second": 50.0},
        {"bins_per_second": 5},
        {"place_frame": "retina"},
        {"ball_speed": 0.0},
        {"ball_speed": 5_000.0},
        {"paddle_speed": -1.0},
        {"render_mode": "human"},
        {"image_size": 10},
    ],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ConfigError):
        DishPongEnv(**kwargs)


def test_invalid_action_and_step_before_reset_are_refused():
    env = DishPongEnv()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(STAY)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(3)
