"""Does the state code keep small objects? Nearest-neighbour decoding of a sprite's position.

Issue 19 found the code losing small sprites (Freeway's chicken, Pong's ball). Here the default
brain's state code reads a stream of frames from play (learning as in a run), for each of the
codes in CODES (the random projection with one scale for all inputs or each input's own, with
or without the foreground map, regions/foreground.py); then each held-out frame's sprite
coordinate (from the console's RAM, which the brain never sees) is predicted by the mean over
its 5 nearest neighbours in code space among the earlier frames, the way the hippocampus
recalls. R^2 of that prediction: 1 the code tells where the sprite is, 0 it does not. The
policy presses the game's second action (UP in Freeway, FIRE in Pong and Breakout) half of the
time, so the chicken crosses the road and the ball is served.

    python benchmarks/sprite_decoding.py --out results/atari100k/sprite_decoding.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import littlebrain  # noqa: F401  (registers the worlds)
from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.config import from_dict
from littlebrain.runs import provenance

#: (game, RAM address, what it holds)
SPRITES = (
    ("Freeway", 14, "chicken y"),
    ("Pong", 54, "ball y"),
    ("Pong", 49, "ball x"),
    ("Breakout", 99, "ball x"),
    ("Breakout", 101, "ball y"),
    ("Breakout", 72, "paddle x"),
)
#: the codes compared: (name, brain settings)
ONE_SCALE = {"projection": {"scaling": "global"}}
OWN_SCALE = {"projection": {"scaling": "input"}}
CODES = (
    ("projection, one scale", {"foreground": False, **ONE_SCALE}),
    ("projection, each input its own scale", {"foreground": False, **OWN_SCALE}),
    ("foreground + projection, one scale", {"foreground": True, **ONE_SCALE}),
    ("foreground + projection, each input its own scale", {"foreground": True, **OWN_SCALE}),
)


def play(game: str, n_frames: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    env = gym.make("littlebrain/Atari-v0", game=game)
    rng = np.random.default_rng(seed)
    frames, rams = [], []
    observation, _ = env.reset(seed=seed)
    while len(frames) < n_frames:
        frames.append(observation)
        rams.append(env.unwrapped.ale.getRAM().copy())
        action = 1 if rng.random() < 0.5 else int(rng.integers(env.action_space.n))
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            observation, _ = env.reset()
    env.close()
    return np.asarray(frames), np.asarray(rams)


def knn_r2(codes: np.ndarray, target: np.ndarray, train: int, k: int = 5) -> float:
    """R^2 of predicting each test frame's target by its k nearest training codes' mean."""
    x_train, y_train = codes[:train], target[:train]
    x_test, y_test = codes[train:], target[train:]
    d = (x_test**2).sum(1)[:, None] - 2 * x_test @ x_train.T + (x_train**2).sum(1)[None]
    nearest = np.argpartition(d, k, axis=1)[:, :k]
    predicted = y_train[nearest].mean(axis=1)
    return float(1 - np.mean((y_test - predicted) ** 2) / np.var(y_test))


def measure(game: str, n_frames: int, seed: int) -> list[dict]:
    frames, rams = play(game, n_frames, seed)
    space = gym.spaces.Box(0, 255, frames.shape[1:], dtype=np.uint8)
    actions = gym.spaces.Discrete(3)
    # from frame 1,000 on (the code's statistics settled); Pong's ball only where it is in play;
    # the first 80% of the frames are remembered, the rest decoded
    present = np.arange(n_frames) >= 1_000
    if game == "Pong":
        present &= rams[:, 49] > 0
    train = int(present[: int(0.8 * n_frames)].sum())
    rows = []
    for name, settings in CODES:
        config = from_dict(DefaultBrainConfig, settings, "brain_config")
        brain = DefaultBrain(space, actions, config, seed)
        codes = np.asarray([brain.sense(frame) for frame in frames], dtype=np.float64)
        for sprite_game, address, what in SPRITES:
            if sprite_game == game:
                r2 = knn_r2(codes[present], rams[present, address].astype(float), train)
                rows.append({"game": game, "sprite": what, "code": name, "r2": round(r2, 3)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.time()
    games = dict.fromkeys(game for game, _, _ in SPRITES)
    rows = [row for game in games for row in measure(game, args.frames, args.seed)]
    if args.out:
        record = {
            "command": f"python benchmarks/sprite_decoding.py --frames {args.frames} "
            f"--seed {args.seed} --out {args.out}",
            "rows": rows,
            "wall_seconds": round(time.time() - started, 1),
            **provenance(),
        }
        args.out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
