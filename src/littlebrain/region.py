"""The Region: one specialised part of a brain, with its own state and its own local rule.

A region is stepped once per environment step. `step` reads the region's inputs (arrays handed
to it by the brain's wiring), updates the region's state with its local learning rule, and
returns its output. A rule only reads signals local to the region: its inputs, its own state,
and broadcast neuromodulators passed in explicitly.

State is a flat dict of NumPy arrays (`state_dict` / `load_state_dict`), which is what
checkpoints hold: no pickle, so loading a checkpoint can never run code. A checkpoint may also
have been damaged or crafted, and the compiled kernels trust the arrays they index with, so
`load_state_dict` first checks every invariant the region declares (`check_state`: names,
shapes tied to the config, dtypes, finite values, indices and counters in range) and changes
nothing unless all of them hold.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


class Region(ABC):
    """Base class of all regions.

    Subclasses list the names of their persistent arrays in `state_names` (attributes holding
    NumPy arrays); the default `state_dict` / `load_state_dict` save and restore exactly those.
    On the way in, `check_state` checks each array's shape (`expected_shape`) and dtype against
    the region's own, that floating-point values are finite (NaN allowed only in `nan_names`),
    and then the region's own invariants (`check_invariants`).
    """

    #: attribute names of the arrays that make up this region's state
    state_names: tuple[str, ...] = ()
    #: those of them held as Python scalars while running (a step reads and writes them
    #: several times, and a 0-d array costs a NumPy call each time); saved as 0-d arrays
    scalar_names: tuple[str, ...] = ()

    #: arrays in which NaN means "not measured yet"; every other float must be finite
    nan_names: tuple[str, ...] = ()

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
        """Restore the state; a ValueError naming the first broken invariant changes nothing."""
        self.check_state(state)
        for name in self.state_names:
            value = np.array(state[name], copy=True)
            setattr(self, name, value.item() if name in self.scalar_names else value)

    def check_state(self, state: dict[str, np.ndarray]) -> None:
        """Raise ValueError unless this region can run with `state` (see the class doc)."""
        region = type(self).__name__
        missing = [name for name in self.state_names if name not in state]
        unexpected = [name for name in state if name not in self.state_names]
        if missing or unexpected:
            raise ValueError(f"{region} state mismatch: missing {missing}, unexpected {unexpected}")
        for name in self.state_names:
            current = np.asarray(getattr(self, name))
            new = np.asarray(state[name])
            shape = self.expected_shape(name, state)
            if new.shape != shape or new.dtype != current.dtype:
                raise ValueError(
                    f"{region}.{name}: expected {current.dtype}{list(shape)}, "
                    f"got {new.dtype}{list(new.shape)}"
                )
            if new.dtype.kind == "f":
                bad = np.isinf(new) if name in self.nan_names else ~np.isfinite(new)
                if bad.any():
                    raise ValueError(f"{region}.{name} holds non-finite values")
        self.check_invariants(state)

    def expected_shape(self, name: str, state: dict[str, np.ndarray]) -> tuple[int, ...]:
        """The shape array `name` must have in a loaded state: by default, its shape now."""
        return np.shape(getattr(self, name))

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:  # noqa: B027 - optional
        """Raise ValueError if `state` (names, shapes, dtypes and finiteness already checked)
        breaks an invariant of this region: an index or a counter out of range."""


def require(condition: bool | np.bool_, message: str) -> None:
    """A ValueError with `message` unless `condition` holds (for `check_invariants`)."""
    if not condition:
        raise ValueError(message)


def require_range(where: str, values: np.ndarray, low: float, high: float) -> None:
    """A ValueError unless every entry of `values` lies in [low, high)."""
    values = np.asarray(values)
    if values.size and (values.min() < low or values.max() >= high):
        raise ValueError(
            f"{where} must lie in [{low}, {high}), found {values.min()} to {values.max()}"
        )
