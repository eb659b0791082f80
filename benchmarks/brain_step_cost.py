"""Per-step cost of the default brain, the world excluded: Snake (egocentric view) or an
Atari game (the Atari 100k protocol's world, which asks that the brain cost no more than the
emulator).

The brain plays and learns as in `littlebrain run` (one BLAS thread); the process time of every
brain call (step, end of episode) and of every world call (step, reset) is summed apart, in the
same loop, so both figures carry the same machine load and each pays its own cache misses. A
clock read costs about a microsecond here (measured and reported as `clock_read_us`).
Usage:

    OMP_NUM_THREADS=1 python benchmarks/brain_step_cost.py --steps 60000 --out results/brain
    OMP_NUM_THREADS=1 python benchmarks/brain_step_cost.py --world Pong --steps 50000
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


def play(world: str, steps: int, seed: int, brain: DefaultBrain) -> tuple[float, float]:
    """Process seconds spent in the brain and in the world over `steps` steps."""
    clock = time.process_time
    env = make_world(world)
    obs, _ = env.reset(seed=seed)
    feedback, episode = 0.0, 0
    brain_seconds = world_seconds = 0.0
    for _ in range(steps):
        start = clock()
        action = brain.step(obs, feedback)
        thought = clock()
        obs, feedback, terminated, truncated, info = env.step(action)
        acted = clock()
        brain_seconds += thought - start
        world_seconds += acted - thought
        if info.get("life_lost") and not (terminated or truncated):
            start = clock()
            brain.end_episode(obs, feedback, True)
            brain_seconds += clock() - start
            feedback = 0.0
        if terminated or truncated:
            start = clock()
            brain.end_episode(obs, feedback, terminated)
            ended = clock()
            episode += 1
            obs, _ = env.reset(seed=seed * 1_000_003 + episode)
            brain_seconds += ended - start
            world_seconds += clock() - ended
            feedback = 0.0
    env.close()
    return brain_seconds, world_seconds


def clock_read_us(reads: int = 100_000) -> float:
    start = time.perf_counter()
    for _ in range(reads):
        time.process_time()
    return (time.perf_counter() - start) / reads * 1e6


def measure(world: str, steps: int, seed: int) -> dict[str, float | int | str]:
    env = make_world(world)
    brain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), seed)
    env.close()
    brain_seconds, world_seconds = play(world, steps, seed, brain)
    return {
        "world": world,
        "steps": steps,
        "brain_cpu_seconds": brain_seconds,
        "world_cpu_seconds": world_seconds,
        "brain_ms_per_step": 1000 * brain_seconds / steps,
        "world_ms_per_step": 1000 * world_seconds / steps,
        "brain_steps_per_second": steps / brain_seconds,
        "brain_over_world": brain_seconds / world_seconds,
        "memories": int(brain.hippocampus.size),
        "clock_read_us": clock_read_us(),
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
