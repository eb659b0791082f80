"""Diagnostic (not a mechanism of the brain): Snake, egocentric view, to 1M steps; every 50,000
steps the mean score of the last 100 episodes and the striatum's largest weight. Optional: every
striatal weight fades by 1 - 1/tau per step (a probe of synaptic decay, not a setting).

    python results/snake/striatum_drift_probe.py SEED [TAU]

Session 17, commit 13f988b (before the Numba target was pinned; output: growth_session17.md)."""

import json
import sys
import tempfile

import numpy as np

from littlebrain.brains.default import DefaultBrain
from littlebrain.config import RunConfig
from littlebrain.loop import Callback
from littlebrain.runs import Session

seed = int(sys.argv[1])
tau = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
if tau:
    think = DefaultBrain.think

    def fading_think(self, observation, feedback):
        action = think(self, observation, feedback)
        if not self.frozen:
            self.striatum.weights *= 1.0 - 1.0 / tau
        return action

    DefaultBrain.think = fading_think


class Drift(Callback):
    def __init__(self) -> None:
        self.scores: list[float] = []

    def on_episode_end(self, loop, record) -> None:
        self.scores.append(record.score)

    def on_step(self, loop, transition) -> None:
        if transition.step % 50_000 == 0:
            weights = loop.brain.striatum.weights
            row = {"step": transition.step, "last100": float(np.mean(self.scores[-100:])),
                   "largest_weight": float(np.abs(weights).max())}  # fmt: skip
            print(json.dumps(row), flush=True)


with tempfile.TemporaryDirectory() as tmp:
    config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=1_000_000,
                       seed=seed, checkpoint_every=1_000_000)  # fmt: skip
    session = Session.start(config, f"{tmp}/run")
    session.loop.callbacks.append(Drift())
    session.run(show_progress=False)
