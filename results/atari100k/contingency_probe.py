"""Probe (not part of the brain): do the inputs that the agent's own actions change (contingency)
single out its sprite? Offline, on 10,000 frames of the random policy of
benchmarks/sprite_decoding.py (the game's second action half of the time), seed 0.

Each input i of what the default brain senses (retina + foreground map) gets a contingency score:
the spread over actions of the mean change |s_{t+1,i} - s_{t,i}| after each action, over the
mean change (frames 1,000-5,000), a statistic a region could keep of its own inputs and the
efference copy. Two ways to use it, each decoded as the benchmark does (R^2 of the mean of the 5
nearest codes' sprite coordinate, from the console's RAM):
- gain: the projection's per-input scale multiplied by 1 + beta c_i / mean(c);
- beside: a second 16-dim projection of the contingency-weighted inputs appended to the plain
  32-dim code, scaled by beta relative to it.

    python results/atari100k/contingency_probe.py     # session 18: contingency_session18.md
"""

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import sprite_decoding  # noqa: E402

from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig  # noqa: E402


def play(game: str, n_frames: int, seed: int):
    env = gym.make("littlebrain/Atari-v0", game=game)
    rng = np.random.default_rng(seed)
    frames, rams, actions = [], [], []
    observation, _ = env.reset(seed=seed)
    while len(frames) < n_frames:
        frames.append(observation)
        rams.append(env.unwrapped.ale.getRAM().copy())
        action = 1 if rng.random() < 0.5 else int(rng.integers(env.action_space.n))
        actions.append(action)
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            observation, _ = env.reset()
    return np.asarray(frames), np.asarray(rams), np.asarray(actions), int(env.action_space.n)


for game in dict.fromkeys(g for g, _, _ in sprite_decoding.SPRITES):
    frames, rams, actions, n_actions = play(game, 10_000, 0)
    space = gym.spaces.Box(0, 255, frames.shape[1:], dtype=np.uint8)
    brain = DefaultBrain(space, gym.spaces.Discrete(3), DefaultBrainConfig(), 0)
    sensed = np.asarray(
        [np.concatenate([brain.retina.step(f), brain.foreground.step(f)]) for f in frames]
    )
    change, after = np.abs(np.diff(sensed, axis=0))[1000:5000], actions[:-1][1000:5000]
    means = np.stack([change[after == a].mean(0) for a in range(n_actions) if (after == a).any()])
    overall = change.mean(0)
    contingency = np.where(overall > 1e-6, means.std(0) / (overall + 1e-9), 0.0)
    contingency /= contingency.mean()
    mean, spread = sensed[:5000].mean(0), sensed[:5000].std(0)
    spread = np.maximum(spread, 0.1 * np.sqrt(np.mean(spread**2)))
    centred = (sensed - mean) / spread
    plain = centred @ np.random.default_rng(0).standard_normal((32, sensed.shape[1])).T
    own = (centred * contingency) @ np.random.default_rng(1).standard_normal((16, len(mean))).T
    own *= np.sqrt((plain**2).sum(1).mean() / (own**2).sum(1).mean())
    present = np.arange(len(frames)) >= 1000
    if game == "Pong":
        present &= rams[:, 49] > 0
    train = int(present[:8000].sum())
    codes = {f"gain beta {b}": (centred * (1 + b * contingency)) @ np.random.default_rng(0)
             .standard_normal((32, len(mean))).T for b in (0, 1, 3, 10)}  # fmt: skip
    codes |= {f"beside beta {b}": np.concatenate([plain, b * own], 1) for b in (0.5, 1, 2)}
    for name, code in codes.items():
        for sprite_game, address, what in sprite_decoding.SPRITES:
            if sprite_game == game:
                target = rams[present, address].astype(float)
                r2 = sprite_decoding.knn_r2(code[present], target, train)
                print(f"{game} {what}, {name}: R^2 {r2:.3f}", flush=True)
