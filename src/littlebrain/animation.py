"""Frames of play: the best episode of a stretch of play as a GIF, and the live frame of a
running run (what `littlebrain watch` shows)."""

from __future__ import annotations

import base64
import io
import math
import time
from pathlib import Path

import numpy as np

from littlebrain.loop import AgentLoop, Callback, EpisodeRecord


class BestEpisodeFrames(Callback):
    """Renders every step (the world needs render_mode="rgb_array") and keeps the frames of the
    highest-scoring episode ended so far (the first of equal scores)."""

    def __init__(self) -> None:
        self.frames: list[np.ndarray] = []
        self.best_frames: list[np.ndarray] = []
        self.best_score = -np.inf

    def on_action(self, loop: AgentLoop, action: int) -> None:
        if not loop.actions:  # the episode's first step: its opening frame
            self.frames = [loop.env.render()]

    def on_step(self, loop: AgentLoop, transition: object) -> None:
        self.frames.append(loop.env.render())

    def on_episode_end(self, loop: AgentLoop, record: EpisodeRecord) -> None:
        if record.score > self.best_score:
            self.best_frames, self.best_score = self.frames, record.score
        self.frames = []


def gif_bytes(frames: list[np.ndarray], every: int = 1, size: int | None = None,
              duration_ms: int = 80) -> bytes:  # fmt: skip
    """An animated GIF of every `every`-th frame, scaled (nearest) to `size` pixels square."""
    from PIL import Image

    images = [Image.fromarray(np.asarray(f)) for f in frames[::every]]
    if size is not None:
        images = [image.resize((size, size), Image.NEAREST) for image in images]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=duration_ms, loop=0)  # fmt: skip
    return buffer.getvalue()


def save_gif(frames: list[np.ndarray], path: Path, **options: int) -> None:
    Path(path).write_bytes(gif_bytes(frames, **options))


def gif_data_uri(frames: list[np.ndarray], **options: int) -> str:
    return "data:image/gif;base64," + base64.b64encode(gif_bytes(frames, **options)).decode()


class LiveFrame(Callback):
    """Writes the observation the brain just decided on to `path` (PNG), at most once every
    `interval` seconds of wall time: the frame a live page shows. Only the file depends on the
    clock; the run does not."""

    def __init__(self, path: Path, interval: float = 1.0) -> None:
        self.path, self.interval = Path(path), interval
        self.last = -math.inf

    def on_action(self, loop: AgentLoop, action: int) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        image = observation_image(loop.observation)
        if image is None:
            return
        from PIL import Image

        self.path.parent.mkdir(exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        Image.fromarray(image).save(tmp, format="PNG")
        tmp.replace(self.path)  # a reader never sees half a file


def observation_image(observation: np.ndarray, size: int = 240) -> np.ndarray | None:
    """An observation as an RGB uint8 image about `size` pixels across (nearest-neighbour):
    images as they are, vectors as a row of grey cells; None for anything else."""
    x = np.asarray(observation)
    if x.ndim == 3 and x.shape[2] in (1, 3, 4):
        x = x[..., :3] if x.shape[2] != 1 else np.repeat(x, 3, axis=2)
    elif x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    elif x.ndim == 1 and 0 < x.size <= 4096:
        x = np.repeat(x[None, :, None], 3, axis=2)
    else:
        return None
    was_bytes = x.dtype == np.uint8
    x = x.astype(np.float64)
    if not was_bytes:  # other values are stretched to the grey scale
        low, high = float(np.nanmin(x)), float(np.nanmax(x))
        x = (x - low) / (high - low) * 255 if high > low else np.zeros_like(x)
    scale = max(1, size // max(x.shape[:2]))
    x = np.repeat(np.repeat(x, scale, axis=0), scale, axis=1)
    return np.nan_to_num(x).clip(0, 255).astype(np.uint8)
