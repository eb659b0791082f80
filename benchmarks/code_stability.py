"""Does the state code keep its meaning? Dentate gyrus winners of fixed frames, 20k vs 100k steps.

For each game, random play gives a stream of frames; the default brain's retina and state code
(the learned cortex, or the fixed random projection) and its dentate gyrus read the stream for
`--steps` steps, cycling through it. At `--early` steps and at the end, a fixed probe set of
frames is coded without learning, and the benchmark reports the share of each probe's dentate
gyrus winners that are still winners at the end (1: the code means the same thing; the
hippocampus's keys and the striatum's weights stay valid), and the distance between a probe's
early and late code relative to the typical distance between two probes' codes. Usage:

    python benchmarks/code_stability.py --games Pong Breakout MsPacman Boxing Freeway \
        --out results/atari100k/code_stability.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import littlebrain  # noqa: F401  (registers the worlds)
from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.runs import provenance


def random_play(game: str, n_frames: int, seed: int) -> np.ndarray:
    env = gym.make("littlebrain/Atari-v0", game=game)
    rng = np.random.default_rng(seed)
    frames = []
    observation, _ = env.reset(seed=seed)
    while len(frames) < n_frames:
        frames.append(observation)
        observation, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        if terminated or truncated:
            observation, _ = env.reset()
    env.close()
    return np.asarray(frames)


def probe(brain: DefaultBrain, frames: np.ndarray) -> tuple[np.ndarray, list[set[int]]]:
    """Codes and dentate gyrus winners of `frames` (each after its predecessor, so that the
    retina's transient channel sees a real change), learning frozen."""
    brain.freeze(True)
    codes, winners = [], []
    for previous, frame in zip(frames[:-1:2], frames[1::2], strict=True):
        brain.retina.reset_episode()
        brain.sense(previous)
        code = brain.sense(frame)
        codes.append(code)
        winners.append(set(brain.dentate_gyrus.active_units(code).tolist()))
    brain.freeze(False)
    return np.asarray(codes), winners


def measure(game: str, state_code: str, steps: int, early: int, seed: int) -> dict:
    frames = random_play(game, 5_000, seed)
    probes = random_play(game, 200, seed + 1)
    env = gym.make("littlebrain/Atari-v0", game=game)
    config = DefaultBrainConfig(state_code=state_code)
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed)
    started = time.process_time()
    for step in range(1, steps + 1):
        brain.sense(frames[step % len(frames)])
        if step == early:
            early_codes, early_winners = probe(brain, probes)
    late_codes, late_winners = probe(brain, probes)
    kept = [len(a & b) / max(len(a), 1) for a, b in zip(early_winners, late_winners, strict=True)]
    drift = np.linalg.norm(late_codes - early_codes, axis=1)
    spread = np.linalg.norm(late_codes[:, None] - late_codes[None], axis=2)
    typical = float(np.median(spread[np.triu_indices(len(late_codes), 1)]))
    return {
        "game": game,
        "state_code": state_code,
        "winners_kept": float(np.mean(kept)),
        "winners_kept_min": float(np.min(kept)),
        "drift_over_typical_distance": float(np.median(drift) / typical),
        "cpu_seconds": time.process_time() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", nargs="+", default=["Pong", "Breakout", "MsPacman", "Boxing"])
    parser.add_argument("--codes", nargs="+", default=["cortex", "projection"])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--early", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = []
    for game in args.games:
        for code in args.codes:
            rows.append(measure(game, code, args.steps, args.early, args.seed))
            print(json.dumps(rows[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"steps": args.steps, "early": args.early, "rows": rows, **provenance()}
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
