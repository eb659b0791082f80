"""Atari 2600 games as the Atari 100k protocol sets them up (../shared/protocols/atari100k.md).

`make_atari("Pong")` (or `gym.make("littlebrain/Atari-v0", game="Pong")`) gives the Dopamine /
SPR / BBF settings, with one declared difference: the agent sees one frame per step, no stack.

- emulator: ale-py's `ALE/<Game>-v5` with frameskip=1, repeat_action_probability=0 (no sticky
  actions) and the minimal action set;
- 0 to 30 no-op frames at every reset, drawn from the world's own generator (`NoopReset`:
  Gymnasium's `AtariPreprocessing` would draw 1 to 30);
- Gymnasium's `AtariPreprocessing`: frame skip 4 with the max over the last two frames, 84 x 84
  grayscale uint8;
- the episode is cut at 27,000 agent steps (108,000 frames), like Dopamine's runner;
- the reward is the sign of the game's reward (the clipped reward the anchors learn from); the
  raw game score is in `info["score"]` (running total), which is what the benchmark reports;
- `info["life_lost"]` is True on the step a life is lost (the game goes on): the agent loop
  treats it as the end of a learning segment, while the scored episode runs to game over.

Needs the `atari` extra (ale-py, whose wheels carry the ROMs); nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.errors import EnvironmentSpecError

#: the 26 games of Atari 100k, in the anchors' order
ATARI_100K_GAMES: tuple[str, ...] = (
    "Alien", "Amidar", "Assault", "Asterix", "BankHeist", "BattleZone", "Boxing", "Breakout",
    "ChopperCommand", "CrazyClimber", "DemonAttack", "Freeway", "Frostbite", "Gopher", "Hero",
    "Jamesbond", "Kangaroo", "Krull", "KungFuMaster", "MsPacman", "Pong", "PrivateEye", "Qbert",
    "RoadRunner", "Seaquest", "UpNDown",
)  # fmt: skip

FRAME_SKIP = 4
SCREEN_SIZE = 84
NOOP_MAX = 30
MAX_EPISODE_STEPS = 27_000


class NoopReset(gym.Wrapper):
    """After every reset, 0 to `noop_max` no-op frames, drawn from the world's generator."""

    def __init__(self, env: gym.Env, noop_max: int) -> None:
        super().__init__(env)
        self.noop_max = noop_max

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        for _ in range(self.env.unwrapped.np_random.integers(0, self.noop_max + 1)):
            observation, _, terminated, truncated, step_info = self.env.step(0)
            info.update(step_info)
            if terminated or truncated:
                observation, info = self.env.reset(**kwargs)
        return observation, info


class ScoreAndLives(gym.Wrapper):
    """Clip the reward to its sign; report the raw score and the loss of a life in `info`."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._score, self._lives = 0.0, 0

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        self._score, self._lives = 0.0, self.env.unwrapped.ale.lives()
        return observation, {**info, "score": 0.0, "life_lost": False}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._score += float(reward)
        lives = self.env.unwrapped.ale.lives()
        life_lost = lives < self._lives and not terminated
        self._lives = lives
        info = {**info, "score": self._score, "life_lost": life_lost}
        return observation, float(np.sign(reward)), terminated, truncated, info


def make_atari(game: str, render_mode: str | None = None) -> gym.Env:
    """The game `game` (e.g. "Pong", "MsPacman") with the protocol's settings."""
    try:
        import ale_py
    except ImportError:
        raise EnvironmentSpecError(
            "Atari games need the `atari` extra: pip install 'littlebrain[atari]'"
        ) from None
    gym.register_envs(ale_py)
    try:
        env = gym.make(
            f"ALE/{game}-v5",
            frameskip=1,
            repeat_action_probability=0.0,
            full_action_space=False,
            render_mode=render_mode,
        )
    except gym.error.Error as error:
        raise EnvironmentSpecError(
            f"unknown Atari game {game!r} ({error}); Atari 100k's: {', '.join(ATARI_100K_GAMES)}"
        ) from None
    env = gym.wrappers.AtariPreprocessing(
        NoopReset(env, NOOP_MAX),
        noop_max=0,
        frame_skip=FRAME_SKIP,
        screen_size=SCREEN_SIZE,
        terminal_on_life_loss=False,
        grayscale_obs=True,
        scale_obs=False,
    )
    env = gym.wrappers.TimeLimit(env, max_episode_steps=MAX_EPISODE_STEPS)
    return ScoreAndLives(env)
