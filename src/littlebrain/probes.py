"""Probes: signals of a running brain, recorded at an interval into the run folder.

As in Nengo, a probe names what to record; here a probe is one of the brain's named signals
(`Brain.signals()`: dopamine, exploration, the alarm, the number of memories, the episodic
system's share of the arbitration, each region's mean activity, ...) or any array or number a
region holds, by "region.attribute" (recorded as its mean). `ProbeRecorder` is a callback on
the agent loop: it reads the brain right after a decision, every `every` steps, and appends a
row to probes.csv (step, then one column per probe). Reading never changes the brain, so a run
with probes is bit for bit the run without them, and a resumed run writes the same rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from littlebrain.brain import Brain
from littlebrain.csvfiles import read_columns
from littlebrain.errors import ConfigError
from littlebrain.loop import AgentLoop, Callback


def resolve_probe(brain: Brain, name: str) -> Callable[[], float]:
    """A function reading probe `name` of `brain`; ConfigError naming what exists otherwise."""
    if name in brain.signals():
        return lambda: brain.signals()[name]
    region_name, _, attribute = name.partition(".")
    region = brain.regions.get(region_name)
    if region is not None and attribute and not attribute.startswith("_"):
        value = getattr(region, attribute, None)
        if isinstance(value, np.ndarray | int | float) and not isinstance(value, bool):
            return lambda: float(np.mean(getattr(region, attribute)))
    signals = ", ".join(brain.signals()) or "none"
    regions = ", ".join(brain.regions)
    raise ConfigError(
        f"unknown probe {name!r}: the brain's signals are {signals}; a region's array is "
        f"named region.attribute (regions: {regions})"
    )


class ProbeRecorder(Callback):
    """Appends the probes' values to `path` (CSV) every `every` steps."""

    def __init__(self, brain: Brain, probes: Sequence[str], every: int, path: Path) -> None:
        self.names = list(probes)
        self.readers = [resolve_probe(brain, name) for name in self.names]
        self.every, self.path = every, Path(path)
        if not self.path.exists():
            with open(self.path, "w", newline="", encoding="utf-8") as file:
                csv.writer(file).writerow(["step", *self.names])

    def on_action(self, loop: AgentLoop, action: int) -> None:
        step = loop.step_count + 1  # the step this decision is for
        if step % self.every:
            return
        row = [step, *(f"{reader():.6g}" for reader in self.readers)]
        with open(self.path, "a", newline="", encoding="utf-8") as file:
            csv.writer(file).writerow(row)


def read_probes(path: str | Path) -> dict[str, np.ndarray]:
    """probes.csv as one float array per column (complete rows only; "nan" where a signal
    does not exist in that brain)."""
    return read_columns(path, "probes")
