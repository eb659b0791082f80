"""The agent loop: a lost life ends the brain's learning segment, not the scored episode."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.brain import Brain
from littlebrain.loop import AgentLoop


class Lives(gym.Env):
    """Ten steps per episode; a life is lost at steps 3 and 6, each step scores 1 (reward 1)."""

    observation_space = gym.spaces.Box(0.0, 10.0, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.t += 1
        info = {"life_lost": self.t in (3, 6), "score": float(self.t)}
        return np.full(1, self.t, np.float32), 1.0, self.t == 10, False, info


class Recorder(Brain):
    name, description, Config = "recorder", "records what it is given", dict

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env.observation_space, env.action_space, {}, 0)
        self.calls: list[tuple[str, float, float, bool | None]] = []

    def think(self, observation: np.ndarray, feedback: float) -> int:
        self.calls.append(("step", float(observation[0]), feedback, None))
        return 0

    def conclude(self, observation: np.ndarray, feedback: float, terminated: bool) -> None:
        self.calls.append(("end", float(observation[0]), feedback, terminated))


def test_a_lost_life_ends_a_learning_segment_and_the_episode_goes_on():
    env = Lives()
    brain = Recorder(env)
    loop = AgentLoop(env, brain, seed=0)
    records = [r for r in (loop.advance() for _ in range(10)) if r is not None]
    ends = [(obs, fb, term) for kind, obs, fb, term in brain.calls if kind == "end"]
    # segments end (as terminated) at the lost lives and at game over, with that step's reward
    assert ends == [(3.0, 1.0, True), (6.0, 1.0, True), (10.0, 1.0, True)]
    # the step after a lost life starts a segment: its reward went to the segment's end
    steps = {obs: fb for kind, obs, fb, _ in brain.calls if kind == "step"}
    assert steps[3.0] == 0.0 and steps[6.0] == 0.0 and steps[4.0] == 1.0
    # one scored episode of 10 steps, its score the world's whole-game score
    assert len(records) == 1 and records[0].length == 10 and records[0].score == 10.0
