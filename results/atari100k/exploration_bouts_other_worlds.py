"""Exploration bouts (NeuromodulatorConfig.exploration_bout_cap) on the worlds the brain already
learns: does holding exploratory actions cost Snake or DishPong anything?

    python results/atari100k/exploration_bouts_other_worlds.py CAP snake SEED...
    python results/atari100k/exploration_bouts_other_worlds.py CAP dishpong

CAP 1 is the brain without bouts, 10000 the default. Snake: egocentric view, 200k steps, mean
of the last 100 episodes. DishPong: field frame, 50 ms bins, 6-minute sessions, seeds 0-7 (the
setting of tests/bench/test_dishpong_bench.py). Session 18; output in
exploration_bouts_session18.md."""

import dataclasses
import sys
import tempfile

import numpy as np

from littlebrain.bench import dishpong
from littlebrain.config import RunConfig
from littlebrain.runs import Session

cap, world = int(sys.argv[1]), sys.argv[2]
brain = {"neuromodulators": {"exploration_bout_cap": cap}}
if world == "snake":
    for seed in map(int, sys.argv[3:]):
        with tempfile.TemporaryDirectory() as tmp:
            config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=200_000,
                               seed=seed, checkpoint_every=200_000, brain_config=brain)  # fmt: skip
            session = Session.start(config, f"{tmp}/run")
            session.run(show_progress=False)
            scores = session.folder.read_metrics()["score"]
            print(f"snake cap {cap} seed {seed}: {np.mean(scores[-100:]):.2f}", flush=True)
else:
    method = dishpong.METHODS["littlebrain-stimulus"]
    method = dataclasses.replace(method, brain_config={**method.brain_config, **brain})
    agreement, hits = [], []
    for seed in range(8):
        result = dishpong.play_session(method, "field-50ms", seed, session_minutes=6.0)
        agreement.append(result["tracking_agreement"]["t2"])
        hits.append(np.mean([h for end, h in result["rallies"] if end >= 240.0]))
    print(f"dishpong cap {cap}: agreement {np.mean(agreement):.3f}, "
          f"median hits {np.median(hits):.2f}")  # fmt: skip
