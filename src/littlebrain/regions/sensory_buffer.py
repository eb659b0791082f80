r"""Sensory buffer: the last stimulus persists, fading, until the next one replaces it.

Biology borrowed: sensory memory (iconic and echoic memory, Sperling 1960; Neisser 1967) holds
what was just sensed for a fraction of a second after it is gone, and a new stimulus overwrites
it. Spiking inputs make it necessary: a place cell's pulse train at 4 Hz leaves most 20 ms bins
empty, and a brain that read only the present bin would see "nothing" most of the time.

Rule, per step, with x_t the sensed input:
    x_t has a non-zero value:  b_t = x_t;  g <- g + (k - g) / min(n, timescale)  (k: steps since
                               the previous such input, n: how many there have been)
    x_t is all zero:           b_t = b_{t-1} exp(-1 / (hold * g))
so the buffer bridges the gaps of its own input: it fades over `hold` typical gaps, a time it
measures in its own steps, so the same setting holds whatever the world's time step (a world
binned twice as finely has gaps twice as long in steps). A world that never goes silent
(Snake's and Atari's frames) passes through unchanged: b_t = x_t at every step.

Reads: the sensed vector. Writes: the buffered vector (same size). State: the buffer b, the
steps since the last input k and the typical gap g with its count n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from littlebrain.config import check
from littlebrain.region import Region, require_range


@dataclass(frozen=True)
class SensoryBufferConfig:
    #: the buffer fades with a time constant of this many typical gaps between inputs
    hold: float = 3.0
    #: the typical gap is a plain mean over the first `timescale` inputs, then a running one
    timescale: float = 1000.0

    def __post_init__(self) -> None:
        check(self.hold > 0, "sensory buffer hold must be positive")
        check(self.timescale >= 1, "sensory buffer timescale must be at least 1")


class SensoryBuffer(Region):
    learns = False  # it adapts its fading time, but learns nothing a frozen brain must keep
    state_names = ("buffer", "since", "gap", "inputs")
    scalar_names = ("since", "gap", "inputs")

    def __init__(self, size: int, config: SensoryBufferConfig) -> None:
        super().__init__()
        self.config = config
        self.buffer = np.zeros(size, dtype=np.float32)
        self.since = 0  # steps since the last non-empty input
        self.gap = 1.0  # typical steps from one non-empty input to the next
        self.inputs = 0  # non-empty inputs seen

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("SensoryBuffer.since", state["since"], 0, np.inf)
        require_range("SensoryBuffer.gap", state["gap"], 1, np.inf)
        require_range("SensoryBuffer.inputs", state["inputs"], 0, np.inf)

    def step(self, sensed: np.ndarray) -> np.ndarray:
        self.since += 1
        if sensed.any():
            if self.inputs > 0 and not self.frozen:
                rate = 1.0 / min(self.inputs, self.config.timescale)
                self.gap += (self.since - self.gap) * rate
            self.inputs += 1
            self.since = 0
            self.buffer = np.asarray(sensed, dtype=np.float32).copy()
        else:
            # a new array, not in place: the code handed out last step may still be held
            self.buffer = self.buffer * np.float32(math.exp(-1.0 / (self.config.hold * self.gap)))
        return self.buffer

    def reset_episode(self) -> None:
        self.buffer[:] = 0.0
        self.since = 0
