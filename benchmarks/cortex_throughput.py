"""Cortex.step updates/s at d = 1,764, k = 32 on Snake frames, default vs no reserve, 3 repeats.

Run on an idle machine, pinned to one core with one BLAS thread (see results/cortex/README.md).
"""

import time

import gymnasium as gym
import numpy as np

from littlebrain.regions.cortex import Cortex, CortexConfig
from littlebrain.regions.retina import Retina, RetinaConfig

env = gym.make("littlebrain/Snake-v0")
retina = Retina(
    env.observation_space.shape, RetinaConfig(out_height=42, out_width=42, transient=False)
)
rng = np.random.default_rng(0)
obs, _ = env.reset(seed=0)
frames = []
for _ in range(10_000):
    frames.append(retina.step(obs))
    obs, _, te, tr, _ = env.step(int(rng.integers(3)))
    if te or tr:
        obs, _ = env.reset()
        retina.reset_episode()
X = np.asarray(frames, dtype=np.float32)
for name, cfg in [
    ("default (reserve 48, batch 32)", CortexConfig(k_max=32)),
    ("reserve 0, batch 16", CortexConfig(k_max=32, reserve=0, batch=16)),
]:
    rates = []
    for _ in range(3):
        c = Cortex(X.shape[1], cfg)
        for x in X[:2000]:
            c.step(x)  # warm up past the first units' growth
        t = time.perf_counter()
        for x in X[2000:]:
            c.step(x)
        rates.append(8000 / (time.perf_counter() - t))
    print(
        f"{name}: updates/s {', '.join(f'{r:,.0f}' for r in rates)}; median {np.median(rates):,.0f}"
    )
