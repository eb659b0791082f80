"""Frozen evaluation: a brain plays with learning switched off, on episodes of its own stream.

Learning online is littlebrain's normal mode; a frozen evaluation is the explicit switch some
protocols demand (Atari 100k scores the agent after its budget, without learning). The world's
episodes are seeded from the run's "evaluation" stream, apart from the training's, and the
exploration rate is the neuromodulators' `frozen_epsilon`.
"""

from __future__ import annotations

import time
from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.brain import Brain
from littlebrain.loop import AgentLoop


def evaluate(
    brain: Brain, env: gym.Env, seed: int, episodes: int, step_budget: int
) -> dict[str, Any]:
    """Play `episodes` episodes with learning frozen; the raw scores of the episodes that
    ended within `step_budget` steps (an episode still running then is not scored: a brain
    that idles could otherwise make one episode last the whole budget)."""
    brain.freeze(True)
    cpu_started = time.process_time()
    loop = AgentLoop(env, brain, seed, stream="evaluation")
    records = loop.run_episodes(episodes, max_steps=step_budget)
    scores = [r.score for r in records]
    epsilon = getattr(getattr(brain.config, "neuromodulators", None), "frozen_epsilon", None)
    return {
        "eval_scores": scores,
        "eval_lengths": [r.length for r in records],
        "eval_episodes": len(records),
        "eval_episodes_asked": episodes,
        "eval_steps": loop.step_count,
        "eval_epsilon": epsilon,
        "eval_cpu_seconds": time.process_time() - cpu_started,
        "eval_mean": float(np.mean(scores)) if scores else None,
    }
