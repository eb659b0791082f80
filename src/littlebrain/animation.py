"""Frames of played episodes: the best episode of a stretch of play, as a GIF."""

from __future__ import annotations

import base64
import io
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
