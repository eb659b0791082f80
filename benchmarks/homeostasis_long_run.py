"""A long Snake run of the default brain: does everything stay in range, and memory bounded?

The issue's homeostasis check at full length (tests/brains/test_default.py runs a short one):
the default brain learns Snake (egocentric view) for `--steps` steps, and every `--every`
steps the benchmark records the process's resident memory, the hippocampus's size, the
homeostasis region's running activity and peaks, the largest striatal weight, and whether any
state array holds a NaN or an infinity. Usage:

    OMP_NUM_THREADS=1 python benchmarks/homeostasis_long_run.py --steps 1000000 \
        --out results/homeostasis
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from threadpoolctl import threadpool_limits

import littlebrain  # noqa: F401  (registers the worlds)
from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.loop import AgentLoop
from littlebrain.runs import provenance


def resident_mb() -> float:
    """Current resident set size of this process (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def snapshot(brain: DefaultBrain, loop: AgentLoop, scores: list[float]) -> dict:
    state = brain.state_dict()
    finite = all(np.all(np.isfinite(a)) for a in state.values() if a.dtype.kind == "f")
    return {
        "step": loop.step_count,
        "episodes": loop.episode,
        "mean_score_last_100": float(np.mean(scores[-100:])) if scores else None,
        "resident_mb": resident_mb(),
        "state_mb": sum(a.nbytes for a in state.values()) / 2**20,
        "memories": int(brain.hippocampus.size),
        "all_finite": bool(finite),
        "max_striatal_weight": float(np.abs(brain.striatum.weights).max()),
        "homeostasis": brain.homeostasis.report(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/homeostasis"))
    args = parser.parse_args()
    env = gym.make("littlebrain/Snake-v0", view="egocentric")
    brain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), args.seed)
    loop = AgentLoop(env, brain, args.seed)
    scores: list[float] = []
    rows = []
    started = time.process_time()
    with threadpool_limits(1):
        while loop.step_count < args.steps:
            record = loop.advance()
            if record is not None:
                scores.append(record.score)
            if loop.step_count % args.every == 0:
                rows.append(snapshot(brain, loop, scores))
                print(json.dumps({k: rows[-1][k] for k in list(rows[-1])[:8]}), flush=True)
    result = {
        "steps": args.steps,
        "seed": args.seed,
        "cpu_seconds": time.process_time() - started,
        "snapshots": rows,
        **provenance(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "long_run.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
