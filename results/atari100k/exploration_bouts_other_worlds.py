"""Exploration bouts (NeuromodulatorConfig.exploration_bout_cap) on the worlds the brain already
learns: does holding exploratory actions cost Snake or DishPong anything?

    python results/atari100k/exploration_bouts_other_worlds.py CAP snake SEED...
    python results/atari100k/exploration_bouts_other_worlds.py CAP dishpong

CAP 1 is the brain without bouts (the default), 10000 the cap measured. Snake: egocentric view,
200k steps, mean of the last 100 episodes. DishPong: field frame, 50 ms bins, 6-minute
sessions, seeds 0-7 (the setting of tests/bench/test_dishpong_bench.py). Session 18; output in
exploration_bouts_session18.md. persistent_exploration_other_worlds.py runs the same worlds."""

import dataclasses
import sys
import tempfile

import numpy as np

from littlebrain.bench import dishpong
from littlebrain.config import RunConfig
from littlebrain.runs import Session


def snake(label: str, seeds: list[int], brain: dict) -> None:
    """Print each seed's mean score over its last 100 episodes."""
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=200_000,
                               seed=seed, checkpoint_every=200_000, brain_config=brain)  # fmt: skip
            session = Session.start(config, f"{tmp}/run")
            session.run(show_progress=False)
            scores = session.folder.read_metrics()["score"]
            print(f"snake {label} seed {seed}: {np.mean(scores[-100:]):.2f}", flush=True)


def field_frame(label: str, brain: dict) -> None:
    """Print the tracking agreement and the median late hits per rally over seeds 0-7."""
    method = dishpong.METHODS["littlebrain-stimulus"]
    method = dataclasses.replace(method, brain_config={**method.brain_config, **brain})
    agreement, hits = [], []
    for seed in range(8):
        result = dishpong.play_session(method, "field-50ms", seed, session_minutes=6.0)
        agreement.append(result["tracking_agreement"]["t2"])
        hits.append(np.mean([h for end, h in result["rallies"] if end >= 240.0]))
    print(f"dishpong {label}: agreement {np.mean(agreement):.3f}, "
          f"median hits {np.median(hits):.2f}")  # fmt: skip


if __name__ == "__main__":
    cap, world = int(sys.argv[1]), sys.argv[2]
    brain = {"neuromodulators": {"exploration_bout_cap": cap}}
    if world == "snake":
        snake(f"cap {cap}", [int(seed) for seed in sys.argv[3:]], brain)
    else:
        field_frame(f"cap {cap}", brain)
