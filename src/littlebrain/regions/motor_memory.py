r"""Motor memory: an efference copy of each action, integrated over time, tells where the body is.

Biology borrowed: a copy of every motor command goes back into the brain (efference copy, von
Holst & Mittelstaedt 1950; corollary discharge, Sperry 1950), and neural integrators turn a
stream of velocity commands into a position: the oculomotor integrator holds the eye's position
as the time integral of the saccade commands (Robinson 1989; Seung 1996), head-direction and grid
cells integrate self-motion (path integration). A brain with no sense of its own body (DishBrain's
cultures had none of their paddle) can know where the body is only this way.

Rule, per step, with a_t the action just chosen and u the time unit (steps per typical input,
the sensory buffer's gap):
    m_a <- m_a + ([a_t = a] - m_a) / (timescale u)     for every action a
a leaky count of how often each action was chosen lately. Nothing here knows what an action
does: where "up" and "down" move a paddle, m_up - m_down follows the paddle's position (a run of
"up" saturates m_up as the paddle stops at its wall), and the regions downstream learn what the
traces mean from the outcomes they see.

Reads: the chosen action and the time unit. Writes: the traces m (n_actions float32 values in
[0, 1]), which join the state code. State: m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from littlebrain.config import check
from littlebrain.region import Region, require_range


@dataclass(frozen=True)
class MotorMemoryConfig:
    #: time constant of the traces, in time units (typical gaps between inputs; steps in a
    #: world that never goes silent)
    timescale: float = 15.0
    #: the traces are multiplied by this before they join the code (their weight beside the
    #: senses in the dentate gyrus's projection and the memory's distances)
    gain: float = 1.0

    def __post_init__(self) -> None:
        check(self.timescale >= 1, "motor memory timescale must be at least 1")
        check(self.gain > 0, "motor memory gain must be positive")


class MotorMemory(Region):
    learns = False
    state_names = ("traces",)

    def __init__(self, n_actions: int, config: MotorMemoryConfig) -> None:
        super().__init__()
        self.config = config
        self.traces = np.zeros(n_actions, dtype=np.float32)

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("MotorMemory.traces", state["traces"], 0, 1 + 1e-6)

    def step(self, action: int, time_unit: float = 1.0) -> None:
        rate = np.float32(1.0 / max(self.config.timescale * time_unit, 1.0))
        self.traces -= self.traces * rate
        self.traces[action] += rate

    @property
    def output_size(self) -> int:
        """How many values `code` returns."""
        return len(self.traces)

    def code(self) -> np.ndarray:
        """What joins the state code: the traces times the gain."""
        return self.traces * np.float32(self.config.gain)

    def reset_episode(self) -> None:
        self.traces[:] = 0.0
