"""Probe (not a setting of the brain yet): temporally extended epsilon-greedy (Dabney, Ostrovski
& Barreto 2021, "Temporally-extended epsilon-greedy exploration"): an exploratory draw holds its
action for n ~ zeta(2) steps (at most CAP), as long as the held action stays within
explore_within of the best value; a frozen brain never holds. One Atari 100k run (training and
the frozen evaluation, as `littlebrain bench atari100k` does) with the default brain patched.

    python results/atari100k/persistent_exploration_probe.py GAME SEED [CAP]

Session 17, brain of commit 13f988b (the session-17 sweep's), output:
persistent_exploration_session17.md."""

import json
import sys

import numpy as np

from littlebrain.bench import atari100k
from littlebrain.regions.neuromodulators import Neuromodulators

CAP = 10_000 if len(sys.argv) < 4 or not sys.argv[3].isdigit() else int(sys.argv[3])


def choose(self, q, epsilon, rng):
    held, left = getattr(self, "_held", 0), getattr(self, "_left", 0)
    if left > 0 and not self.frozen and q[held] >= q.max() - self.config.explore_within:
        self._left = left - 1
        return held
    self._left = 0
    if rng.random() < epsilon:
        near = np.flatnonzero(q >= q.max() - self.config.explore_within)
        action = int(near[rng.integers(len(near))])
        if not self.frozen:  # zeta(2): P(n) ~ 1 / n^2, drawn as floor(1 / U)
            self._held, self._left = action, min(int(1.0 / max(rng.random(), 1e-12)), CAP) - 1
        return action
    best = np.flatnonzero(q == q.max())
    return int(best[0]) if len(best) == 1 else int(best[rng.integers(len(best))])


if __name__ == "__main__":
    Neuromodulators.choose = choose
    game, seed = sys.argv[1], int(sys.argv[2])
    job = atari100k.Job(game, seed, 100_000, 30, f"runs/persistent-exploration-cap{CAP}")
    atari100k.run_job(job)
    result = json.loads((job.folder / "result.json").read_text())
    print(f"{game} seed {seed}: evaluation {result['eval_mean']:.1f} over "
          f"{result['eval_episodes']} episodes, online {result['online_score']:.1f}")  # fmt: skip
