"""Probe arm (session 20, not a default): the retina sees the Atari frame re-centred on a self
located from the brain's own signals, the foreground map still sees the frame as it is.

The self locator, per step, from the grey frame x_t and the last action a (what the brain has):
  m_a <- m_a + (|x_t - x_{t-1}| - m_a) / min(n_a, 2000)         (mean change after action a)
  c = spread over actions of m_a / (mean of m_a + 1)             (per-pixel contingency)
  b <- b + (x_t - b) / min(t, 1000)                              (running background)
  place = centroid of |x_t - b| * c^3                            (what is there, where the
                                                                  actions reach)
the map c recomputed every 100 steps; centring starts after 5,000 steps (before, the map is
not yet measured). The retina's input is x_t shifted so that `place` is at the centre (0
outside). Runs through the Atari bench's own job (training, then the frozen evaluation).

    python results/atari100k/self_centring_session20/centred_retina_arm.py RUNS SEEDS GAME...
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from littlebrain.bench import atari100k
from littlebrain.brains.default import DefaultBrain

WARM_UP, REFRESH, POWER = 5000, 100, 3


class SelfLocator:
    def __init__(self, shape: tuple[int, int], n_actions: int) -> None:
        self.mean_change = np.zeros((n_actions, *shape))
        self.counts = np.zeros(n_actions)
        self.background = None
        self.previous = None
        self.contingency = np.zeros(shape)
        self.rows, self.cols = np.indices(shape)
        self.steps = 0
        self.place = None

    def observe(self, frame: np.ndarray, last_action: int | None, frozen: bool) -> None:
        x = frame.astype(np.float64)
        if frozen:  # a frozen brain locates itself with what it has learned, and learns nothing
            self._locate(x)
            return
        self.steps += 1
        if self.background is None:
            self.background = x.copy()
        self.background += (x - self.background) / min(self.steps, 1000)
        if self.previous is not None and last_action is not None:
            a = last_action
            self.counts[a] += 1
            self.mean_change[a] += (np.abs(x - self.previous) - self.mean_change[a]) / min(
                self.counts[a], 2000
            )
            if self.steps % REFRESH == 0:
                share = self.counts / self.counts.sum()
                overall = np.tensordot(share, self.mean_change, axes=1)
                spread = np.sqrt(np.tensordot(share, (self.mean_change - overall) ** 2, axes=1))
                self.contingency = (spread / (overall + 1.0)) ** POWER
        self.previous = x
        self._locate(x)

    def _locate(self, x: np.ndarray) -> None:
        weight = np.abs(x - self.background) * self.contingency
        total = weight.sum()
        if total > 0:
            self.place = ((self.rows * weight).sum() / total, (self.cols * weight).sum() / total)

    def centred(self, frame: np.ndarray) -> np.ndarray:
        if self.steps < WARM_UP or self.place is None:
            return frame
        height, width = frame.shape
        dr = int(round(self.place[0])) - height // 2
        dc = int(round(self.place[1])) - width // 2
        out = np.zeros_like(frame)
        r0, r1 = max(0, -dr), min(height, height - dr)
        c0, c1 = max(0, -dc), min(width, width - dc)
        out[r0:r1, c0:c1] = frame[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
        return out


original_init, original_think = DefaultBrain.__init__, DefaultBrain.think


def init(self, observation_space, action_space, config, seed) -> None:
    original_init(self, observation_space, action_space, config, seed)
    self.locator = SelfLocator(self.observation_shape[:2], self.n_actions)
    self.last_action = None


def sense(self, observation: np.ndarray) -> np.ndarray:
    self.locator.observe(observation, self.last_action, self.frozen)
    sensed = self.retina.step(self.locator.centred(observation))
    if self.foreground is not None:
        sensed = np.concatenate([sensed, self.foreground.step(observation)])
    if self.sensory_buffer is not None:
        sensed = self.sensory_buffer.step(sensed)
    return self.projection.step(sensed)


def think(self, observation: np.ndarray, feedback: float) -> int:
    action = original_think(self, observation, feedback)
    self.last_action = action
    return action


original_end_episode = DefaultBrain.end_episode


def end_episode(self, observation: np.ndarray, feedback: float, terminated: bool) -> None:
    original_end_episode(self, observation, feedback, terminated)
    self.locator.previous, self.last_action = None, None  # no change across a reset


def patch() -> None:
    DefaultBrain.__init__, DefaultBrain.sense, DefaultBrain.think = init, sense, think
    DefaultBrain.end_episode = end_episode


if __name__ == "__main__":
    root, seeds, games = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    patch()
    for job in atari100k.plan(games, seeds, 100_000, atari100k.EVAL_EPISODES, root):
        job, done = atari100k.run_job(job)
        print(atari100k.describe(job, done), flush=True)
