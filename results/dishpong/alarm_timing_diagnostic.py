"""Diagnostic (not a mechanism): when does the predictor's alarm, DishPong's only learning signal,
rise? For each alarm onset, the last hit or miss before it.

    python results/dishpong/alarm_timing_diagnostic.py field-50ms 20

Session 17, commit b131389, seeds 0-2 (output: field_frame_diagnostic.txt)."""

import sys

import numpy as np

from littlebrain.bench import dishpong
from littlebrain.config import RunConfig
from littlebrain.loop import AgentLoop, Callback
from littlebrain.runs import make_brain


class AlarmOnsets(Callback):
    """Each alarm onset: (game time, the last event before it, seconds since that event)."""

    def __init__(self) -> None:
        self.last_event, self.alarmed = ("none", -1e9), False
        self.onsets: list[tuple[float, str, float]] = []

    def on_step(self, loop, transition) -> None:
        info, now = transition.info, transition.info["game_time_s"]
        if info["hit"]:
            self.last_event = ("hit", now)
        if info["miss"]:
            self.last_event = ("miss", now)
        alarmed = bool(loop.brain.predictor.alarmed)
        if alarmed and not self.alarmed:
            kind, when = self.last_event
            self.onsets.append((now, kind, now - when))
        self.alarmed = alarmed


setting, minutes = sys.argv[1], float(sys.argv[2])
method = dishpong.METHODS["littlebrain-stimulus"]
for seed in range(3):
    env = dishpong.make_world(method, setting, session_minutes=minutes)
    config = RunConfig(env="littlebrain/DishPong-v0", brain="default", seed=seed)
    onsets, rallies = AlarmOnsets(), dishpong.RallyRecorder()
    AgentLoop(env, make_brain(config, env), seed, callbacks=[onsets, rallies]).run_episodes(1)
    after_miss = [d for _, kind, d in onsets.onsets if kind == "miss" and d < 4.5]
    after_hit = [d for _, kind, d in onsets.onsets if kind == "hit" and d < 2.0]
    other = len(onsets.onsets) - len(after_miss) - len(after_hit)
    delay = np.median(after_miss) if after_miss else float("nan")
    print(
        f"seed {seed}: misses {rallies.info['misses']} hits {rallies.info['hits']} alarms "
        f"{len(onsets.onsets)}: within 4.5 s of a miss {len(after_miss)} (median delay "
        f"{delay:.2f} s), within 2 s of a hit {len(after_hit)}, other {other}"
    )
