"""Probe (session 20): can the self-centring region's idea find the agent in a grey Atari frame?

Random play, each action held `hold` steps (a policy repeats its actions), 6,000 steps, seed 0.
- "levels": the frame split into its 8 most common grey levels as channels, fed to
  regions/self_centring.py; prints each channel's agency (the share of its motion the last
  action explains) and the channel chosen (-1: none).
- "pixels": each pixel's contingency (spread over actions of its mean change after the action /
  its mean change + 1), and the centroid of the change weighted by it as the self's place;
  prints its correlation with the sprite's coordinate in the console's RAM.
- "content": as "pixels", with the frame's departure from a running background in place of its
  change.

    python results/atari100k/self_centring_session20/probe.py levels Pong [hold]
    python results/atari100k/self_centring_session20/probe.py pixels Pong [hold]
    python results/atari100k/self_centring_session20/probe.py content Pong [hold]

"content" weighs the frame's departure from a running background (what is there, not what
changed) by the same contingency map.
"""

from __future__ import annotations

import sys

import numpy as np

from littlebrain.envs.atari import make_atari
from littlebrain.regions.self_centring import SelfCentring, SelfCentringConfig

STEPS, LEVELS = 6000, 8
RAM = {"Pong": (51, 0), "Breakout": (72, 1), "Freeway": (14, 0)}  # address, image axis


def play(game: str, hold: int):
    """The frames and the actions (-1 where an episode starts) of held random play."""
    env = make_atari(game)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    frames, actions, ram, action = [obs], [-1], [env.unwrapped.ale.getRAM().copy()], 0
    for t in range(STEPS):
        if t % hold == 0:
            action = int(rng.integers(env.action_space.n))
        obs, _, terminated, truncated, _ = env.step(action)
        frames.append(obs)
        actions.append(action)
        ram.append(env.unwrapped.ale.getRAM().copy())
        if terminated or truncated:
            obs, _ = env.reset()
            frames.append(obs)
            actions.append(-1)
            ram.append(env.unwrapped.ale.getRAM().copy())
    return frames, actions, ram, env.action_space.n


def levels(game: str, hold: int) -> None:
    frames, actions, _, n_actions = play(game, hold)
    counts = np.bincount(np.concatenate([f.ravel() for f in frames[:500]]), minlength=256)
    grey = np.argsort(counts)[::-1][:LEVELS]
    region = SelfCentring((84, 84, LEVELS), n_actions, 255.0, SelfCentringConfig())
    for frame, action in zip(frames, actions, strict=True):
        if action < 0:
            region.reset_episode()
        else:
            region.efference(action)
        region.step((frame[..., None] == grey).astype(np.uint8) * 255)
    print(game, "hold", hold, "levels", grey.tolist())
    print("  agency", np.round(region.agency(), 2).tolist(), "self", region.self_channel)


def pixels(game: str, hold: int, content: bool = False) -> None:
    """`content`: weigh what departs from a running background (the frame's content), not
    this step's change, by the contingency map."""
    frames, actions, ram, n_actions = play(game, hold)
    mean_change = np.zeros((n_actions, 84, 84))
    counts = np.zeros(n_actions)
    rows, cols = np.indices((84, 84))
    background = frames[0].astype(np.float64)
    places, truth = [], []
    for t in range(1, len(frames)):
        if actions[t] < 0:
            continue
        change = np.abs(frames[t].astype(np.float32) - frames[t - 1])
        a = actions[t]
        counts[a] += 1
        mean_change[a] += (change - mean_change[a]) / min(counts[a], 2000)
        share = counts / counts.sum()
        overall = np.tensordot(share, mean_change, axes=1)
        spread = np.sqrt(np.tensordot(share, (mean_change - overall) ** 2, axes=1))
        background += (frames[t] - background) / min(t, 1000)
        seen = np.abs(frames[t] - background) if content else change
        weighted = seen * spread / (overall + 1.0)
        if t > 1000 and weighted.sum() > 0:
            m = weighted.sum()
            places.append(((rows * weighted).sum() / m, (cols * weighted).sum() / m))
            truth.append(float(ram[t][RAM[game][0]]))
    place = np.array(places)[:, RAM[game][1]]
    print(game, "hold", hold, "corr(place, RAM)", round(float(np.corrcoef(place, truth)[0, 1]), 3))


if __name__ == "__main__":
    probe, game = sys.argv[1], sys.argv[2]
    hold = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    if probe == "content":
        pixels(game, hold, content=True)
    else:
        {"levels": levels, "pixels": pixels}[probe](game, hold)
