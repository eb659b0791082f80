"""Per-step cost of the default brain on Snake (egocentric view), the world excluded.

The brain plays and learns as in `littlebrain run` (process time, one BLAS thread); then the
world alone replays the same actions, and its time is subtracted. (Timing each brain call
instead cost 0.36 ms per clock read on the project machine, as much as a fifth of a step.)
Usage:

    OMP_NUM_THREADS=1 python benchmarks/brain_step_cost.py --steps 60000 --out results/brain
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import gymnasium as gym
from threadpoolctl import threadpool_limits

import littlebrain  # noqa: F401  (registers the worlds)
from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.runs import provenance


def play(steps: int, seed: int, brain: DefaultBrain | None, actions: list[int]) -> float:
    """Process seconds of `steps` steps in Snake; with a brain it acts (and `actions` records
    what it did), without one the world replays `actions`: the world's own cost."""
    env = gym.make("littlebrain/Snake-v0", view="egocentric")
    obs, _ = env.reset(seed=seed)
    feedback, episode = 0.0, 0
    start = time.process_time()
    for step in range(steps):
        if brain is not None:
            action = brain.step(obs, feedback)
            actions.append(action)
        else:
            action = actions[step]
        obs, feedback, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            if brain is not None:
                brain.end_episode(obs, feedback, terminated)
            episode += 1
            obs, _ = env.reset(seed=seed * 1_000_003 + episode)
            feedback = 0.0
    return time.process_time() - start


def measure(steps: int, seed: int) -> dict[str, float]:
    env = gym.make("littlebrain/Snake-v0", view="egocentric")
    brain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), seed)
    actions: list[int] = []
    total = play(steps, seed, brain, actions)
    world = play(steps, seed, None, actions)
    return {
        "steps": steps,
        "total_cpu_seconds": total,
        "world_cpu_seconds": world,
        "brain_steps_per_second": steps / (total - world),
        "memories": int(brain.hippocampus.size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/brain"))
    args = parser.parse_args()
    with threadpool_limits(1):
        result = measure(args.steps, args.seed)
    result.update(processor=platform.processor(), **provenance())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "step_cost.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
