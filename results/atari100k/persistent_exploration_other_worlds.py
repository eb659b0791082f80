"""The persistent-exploration probe (persistent_exploration_probe.py) on Snake and DishPong: does
holding exploratory actions cost the worlds the brain already learns?

    python results/atari100k/persistent_exploration_other_worlds.py on|off snake|dishpong

Snake: egocentric view, 200k steps, seeds 0-1, mean of the last 100 episodes. DishPong: field
frame, 50 ms bins, 6-minute sessions, seeds 0-7 (tests/bench/test_dishpong_bench.py's setting).
Session 17, commit 4b61ee2 (output: persistent_exploration_session17.md)."""

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from persistent_exploration_probe import Neuromodulators, choose  # noqa: E402

from littlebrain.bench import dishpong  # noqa: E402
from littlebrain.config import RunConfig  # noqa: E402
from littlebrain.runs import Session  # noqa: E402

arm, world = sys.argv[1], sys.argv[2]
if arm == "on":
    Neuromodulators.choose = choose
if world == "snake":
    for seed in (0, 1):
        with tempfile.TemporaryDirectory() as tmp:
            config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=200_000,
                               seed=seed, checkpoint_every=200_000)  # fmt: skip
            session = Session.start(config, f"{tmp}/run")
            session.run(show_progress=False)
            scores = session.folder.read_metrics()["score"]
            print(f"snake {arm} seed {seed}: {np.mean(scores[-100:]):.2f}", flush=True)
else:
    agreement, hits = [], []
    for seed in range(8):
        result = dishpong.play_session(
            dishpong.METHODS["littlebrain-stimulus"], "field-50ms", seed, session_minutes=6.0
        )
        agreement.append(result["tracking_agreement"]["t2"])
        hits.append(np.mean([h for end, h in result["rallies"] if end >= 240.0]))
    print(f"dishpong {arm}: agreement {np.mean(agreement):.3f}, median hits {np.median(hits):.2f}")
