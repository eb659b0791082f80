"""The persistent-exploration probe (persistent_exploration_probe.py) on Snake and DishPong: does
holding exploratory actions cost the worlds the brain already learns?

    python results/atari100k/persistent_exploration_other_worlds.py on|off snake|dishpong

Snake: egocentric view, 200k steps, seeds 0-1, mean of the last 100 episodes. DishPong: field
frame, 50 ms bins, 6-minute sessions, seeds 0-7 (tests/bench/test_dishpong_bench.py's setting).
Session 17, commit 4b61ee2 (output: persistent_exploration_session17.md). The runs themselves
are exploration_bouts_other_worlds.py's (session 18), here with the probe's patch."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from exploration_bouts_other_worlds import field_frame, snake  # noqa: E402
from persistent_exploration_probe import Neuromodulators, choose  # noqa: E402

arm, world = sys.argv[1], sys.argv[2]
if arm == "on":
    Neuromodulators.choose = choose
if world == "snake":
    snake(arm, [0, 1], {})
else:
    field_frame(arm, {})
