"""The Region: one specialised part of a brain, with its own state and its own local rule.

A region is stepped once per environment step. `step` reads the region's inputs (arrays handed
to it by the brain's wiring), updates the region's state with its local learning rule, and
returns its output. A rule only reads signals local to the region: its inputs, its own state,
and broadcast neuromodulators passed in explicitly.

State is a flat dict of NumPy arrays (`state_dict` / `load_state_dict`), which is what
checkpoints hold: no pickle, so loading a checkpoint can never run code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


class Region(ABC):
    """Base class of all regions.

    Subclasses list the names of their persistent arrays in `state_names` (attributes holding
    NumPy arrays); the default `state_dict` / `load_state_dict` save and restore exactly those,
    checking shape and dtype on the way in.
    """

    #: attribute names of the arrays that make up this region's state
    state_names: tuple[str, ...] = ()
    #: those of them held as Python scalars while running (a step reads and writes them
    #: several times, and a 0-d array costs a NumPy call each time); saved as 0-d arrays
    scalar_names: tuple[str, ...] = ()

    #: False for fixed regions (no plasticity); the brain reports whether it learns at all
    learns: bool = True

    def __init__(self) -> None:
        self.frozen = False

    @abstractmethod
    def step(self, *inputs: Any, **signals: Any) -> Any:
        """Read inputs, update with the local rule (unless frozen), return the output."""

    def reset_episode(self) -> None:  # noqa: B027 - optional hook
        """Clear per-episode state (traces, last input) while keeping what was learned."""

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) learning; used only where a protocol demands a frozen evaluation."""
        self.frozen = frozen

    def state_dict(self) -> dict[str, np.ndarray]:
        return {name: np.array(getattr(self, name), copy=True) for name in self.state_names}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        missing = [name for name in self.state_names if name not in state]
        unexpected = [name for name in state if name not in self.state_names]
        if missing or unexpected:
            raise ValueError(
                f"{type(self).__name__} state mismatch: missing {missing}, unexpected {unexpected}"
            )
        for name in self.state_names:
            current = np.asarray(getattr(self, name))
            new = np.asarray(state[name])
            if new.shape != current.shape or new.dtype != current.dtype:
                raise ValueError(
                    f"{type(self).__name__}.{name}: expected {current.dtype}{list(current.shape)}, "
                    f"got {new.dtype}{list(new.shape)}"
                )
        for name in self.state_names:
            value = np.array(state[name], copy=True)
            setattr(self, name, value.item() if name in self.scalar_names else value)
