"""Diagnostic (not a mechanism, not part of the brain): proprioception with the sensory buffer
bridging only the ball's 8 channels while the paddle's 8 pass through. Does the brain learn the
field frame once it both hears the ball between pulses and knows where its paddle is?

    python results/dishpong/proprioception_diagnostic.py field-20ms   (and field-50ms)

Session 13, commit feee47a, seeds 0-5, 2 workers (output: proprioception_diagnostic.txt)."""

import json
import sys
from multiprocessing import Pool

import numpy as np

from littlebrain.bench.dishpong import T1_SECONDS, Method, play_session, rally_metrics
from littlebrain.region import Region
from littlebrain.regions import sensory_buffer

BALL = 8  # the world's place-coded channels; the next 8 are the paddle's
whole_buffer_step = sensory_buffer.SensoryBuffer.step


def init(self, size, config):
    Region.__init__(self)
    self.config = config
    self.buffer = np.zeros(BALL if size == 2 * BALL else size, dtype=np.float32)
    self.since, self.gap, self.inputs = 0, 1.0, 0


def step(self, sensed):
    if sensed.shape[0] != 2 * BALL:
        return whole_buffer_step(self, sensed)
    held = whole_buffer_step(self, sensed[:BALL])
    return np.concatenate([held, np.asarray(sensed[BALL:], dtype=np.float32)])


sensory_buffer.SensoryBuffer.__init__ = init
sensory_buffer.SensoryBuffer.step = step
setting = sys.argv[1]
method = Method("proprioception-bridged", "diagnostic", env_kwargs={"proprioception": True})


def one(seed):
    r = play_session(method, setting, seed)
    t1 = rally_metrics(r["rallies"], 0, T1_SECONDS, r["misses"], r["session_seconds"])
    t2 = rally_metrics(r["rallies"], T1_SECONDS, float("inf"), r["misses"], r["session_seconds"])
    return seed, t1["hits_per_rally"], t2["hits_per_rally"]


if __name__ == "__main__":
    with Pool(2) as pool:
        rows = pool.map(one, range(6))
    committed = []
    for seed, t1, t2 in rows:
        raw = f"results/dishpong/raw/{setting}-littlebrain-proprioception-seed{seed}.json"
        with open(raw, encoding="utf-8") as f:
            committed.append(json.load(f)["t2"]["hits_per_rally"])
        print(f"{setting} seed {seed}: T1 {t1:.2f} T2 {t2:.2f} "
              f"(committed proprioception T2 {committed[-1]:.2f})")  # fmt: skip
    medians = np.median([r[2] for r in rows]), np.median(committed)
    print(f"{setting} median T2 {medians[0]:.2f} vs {medians[1]:.2f}")
