"""Per-step cost of the default brain, the world excluded: Snake (egocentric view) or an
Atari game (the Atari 100k protocol's world, which asks that the brain cost no more than the
emulator).

The brain plays and learns as in `littlebrain run` (process time, one BLAS thread); then the
world alone replays the same actions, and its time is subtracted. (Timing each brain call
instead cost 0.36 ms per clock read on the project machine, as much as a fifth of a step.)
Usage:

    OMP_NUM_THREADS=1 python benchmarks/brain_step_cost.py --steps 60000 --out results/brain
    OMP_NUM_THREADS=1 python benchmarks/brain_step_cost.py --world Pong --steps 100000
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
from littlebrain.envs.atari import make_atari
from littlebrain.runs import provenance


def make_world(world: str) -> gym.Env:
    if world == "snake":
        return gym.make("littlebrain/Snake-v0", view="egocentric")
    return make_atari(world)


def play(
    world: str, steps: int, seed: int, brain: DefaultBrain | None, actions: list[int]
) -> float:
    """Process seconds of `steps` steps in `world`; with a brain it acts (and `actions`
    records what it did), without one the world replays `actions`: the world's own cost."""
    env = make_world(world)
    obs, _ = env.reset(seed=seed)
    feedback, episode = 0.0, 0
    start = time.process_time()
    for step in range(steps):
        if brain is not None:
            action = brain.step(obs, feedback)
            actions.append(action)
        else:
            action = actions[step]
        obs, feedback, terminated, truncated, info = env.step(action)
        if brain is not None and info.get("life_lost"):
            brain.end_episode(obs, feedback, True)
            feedback = 0.0
        if terminated or truncated:
            if brain is not None:
                brain.end_episode(obs, feedback, terminated)
            episode += 1
            obs, _ = env.reset(seed=seed * 1_000_003 + episode)
            feedback = 0.0
    return time.process_time() - start


def measure(world: str, steps: int, seed: int) -> dict[str, float | int | str]:
    env = make_world(world)
    brain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), seed)
    actions: list[int] = []
    total = play(world, steps, seed, brain, actions)
    world_seconds = play(world, steps, seed, None, actions)
    return {
        "world": world,
        "steps": steps,
        "total_cpu_seconds": total,
        "world_cpu_seconds": world_seconds,
        "brain_steps_per_second": steps / (total - world_seconds),
        "brain_over_world": (total - world_seconds) / world_seconds,
        "memories": int(brain.hippocampus.size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--world", default="snake", help="snake, or an Atari game such as Pong (default snake)"
    )
    parser.add_argument("--steps", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/brain"))
    args = parser.parse_args()
    with threadpool_limits(1):
        result = measure(args.world, args.steps, args.seed)
    result.update(processor=platform.processor(), **provenance())
    args.out.mkdir(parents=True, exist_ok=True)
    name = "step_cost.json" if args.world == "snake" else f"step_cost_{args.world}.json"
    (args.out / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
