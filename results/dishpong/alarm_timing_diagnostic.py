"""Diagnostic (not a mechanism): when does the predictor's alarm, DishPong's only learning signal,
rise? For each alarm onset, the last hit or miss before it.

    python results/dishpong/alarm_timing_diagnostic.py field-50ms 20

Session 17, commit b131389, seeds 0-2 (output: field_frame_diagnostic.txt)."""
import numpy as np
from littlebrain.bench import dishpong
from littlebrain.runs import make_brain
from littlebrain.config import RunConfig
from littlebrain.loop import AgentLoop, Callback
import sys
setting = sys.argv[1]; minutes = float(sys.argv[2])
m = dishpong.METHODS["littlebrain-stimulus"]
class A(Callback):
    def __init__(self): self.last_event = ("none", -1e9); self.was = False; self.rows = []
    def on_step(self, loop, t):
        i = t.info; now = i["game_time_s"]
        if i["hit"]: self.last_event = ("hit", now)
        if i["miss"]: self.last_event = ("miss", now)
        al = bool(loop.brain.predictor.alarmed)
        if al and not self.was:
            kind, when = self.last_event
            self.rows.append((now, kind, now - when))
        self.was = al
for seed in range(3):
    env = dishpong.make_world(m, setting, session_minutes=minutes)
    cfg = RunConfig(env="littlebrain/DishPong-v0", brain="default", seed=seed)
    a = A(); rec = dishpong.RallyRecorder()
    AgentLoop(env, make_brain(cfg, env), seed, callbacks=[a, rec]).run_episodes(1)
    rows = a.rows
    after_miss = [d for _, k, d in rows if k == "miss" and d < 4.5]
    after_hit = [d for _, k, d in rows if k == "hit" and d < 2.0]
    other = len(rows) - len(after_miss) - len(after_hit)
    print(f"seed {seed}: misses {rec.info['misses']} hits {rec.info['hits']} alarms {len(rows)}: within 4.5 s of a miss {len(after_miss)} (median delay {np.median(after_miss) if after_miss else float('nan'):.2f} s), within 2 s of a hit {len(after_hit)}, other {other}")
