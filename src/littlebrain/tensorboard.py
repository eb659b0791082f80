"""Probes and episode scores as TensorBoard scalars (the `tensorboard` extra).

A callback on the agent loop, fed by the same probes as probes.csv: every `every` steps each
probe is written under probes/<name>, and each episode's score under episode/score. Event files
go to <run>/tensorboard/ (`tensorboard --logdir RUN/tensorboard`). TensorBoard is for looking;
probes.csv and metrics.csv are the record: after a resume, the steps between the checkpoint and
the interruption appear twice in TensorBoard (its files are appended to, never truncated).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from littlebrain.brain import Brain
from littlebrain.errors import ConfigError
from littlebrain.loop import AgentLoop, Callback, EpisodeRecord
from littlebrain.probes import resolve_probe


class TensorBoardWriter(Callback):
    def __init__(self, brain: Brain, probes: Sequence[str], every: int, folder: Path) -> None:
        try:
            from tensorboard.compat.proto.event_pb2 import Event
            from tensorboard.compat.proto.summary_pb2 import Summary
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise ConfigError(
                "tensorboard = true needs TensorBoard: pip install 'littlebrain[tensorboard]'"
            ) from None
        self._event, self._summary = Event, Summary
        self.readers = {name: resolve_probe(brain, name) for name in probes}
        self.every = every
        self.writer = EventFileWriter(str(folder), flush_secs=10)

    def _write(self, step: int, values: dict[str, float]) -> None:
        summary = self._summary(
            value=[self._summary.Value(tag=tag, simple_value=v) for tag, v in values.items()]
        )
        self.writer.add_event(self._event(wall_time=time.time(), step=step, summary=summary))

    def on_action(self, loop: AgentLoop, action: int) -> None:
        step = loop.step_count + 1
        if step % self.every == 0:
            self._write(step, {f"probes/{n}": read() for n, read in self.readers.items()})

    def on_episode_end(self, loop: AgentLoop, record: EpisodeRecord) -> None:
        self._write(record.step, {"episode/score": record.score, "episode/length": record.length})

    def close(self) -> None:
        self.writer.close()
