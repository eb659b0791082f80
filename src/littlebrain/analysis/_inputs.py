"""Input checks shared by the measures: one clear line for each bad input."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from littlebrain.errors import ConfigError, ObservationError

RngLike = np.random.Generator | int | None


def as_rng(rng: RngLike) -> np.random.Generator:
    """A generator from a generator, a seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is not None and not isinstance(rng, int | np.integer):
        raise ConfigError(f"rng must be a numpy Generator, an int seed or None, got {rng!r}")
    return np.random.default_rng(rng)


def as_activity(activity: Any, what: str = "activity") -> np.ndarray:
    """A population activity series (T,) from a series or a raster (T x N) summed over units.

    Integer (or boolean) input stays int64 so that counts stay exact; anything else is float64.
    Raises ObservationError for a wrong shape, a non-numeric dtype, NaN/inf or negative values.
    """
    array = np.asarray(activity)
    if array.ndim not in (1, 2):
        raise ObservationError(
            f"{what} must be a series (T,) or a raster (T x N), got shape {array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise ObservationError(f"{what} has non-numeric dtype {array.dtype}")
    if array.shape[0] == 0 or array.size == 0:
        raise ObservationError(f"{what} is empty (shape {array.shape})")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ObservationError(f"{what} contains NaN or infinite values")
        array = array.astype(np.float64, copy=False)
    else:
        array = array.astype(np.int64, copy=False)
    if (array < 0).any():
        raise ObservationError(f"{what} must be non-negative (event counts or rates)")
    return array.sum(axis=1) if array.ndim == 2 else array


def as_positive_sample(values: Any, what: str) -> np.ndarray:
    """A 1-D sample of positive, finite numbers (avalanche sizes or durations)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ObservationError(f"{what} must be one-dimensional, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ObservationError(f"{what} has non-numeric dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ObservationError(f"{what} contains NaN or infinite values")
    if (array <= 0).any():
        raise ObservationError(f"{what} must be positive")
    return array


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """`value` as an int >= minimum, or a ConfigError."""
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {number}")
    return number


def finite_float(
    value: Any, name: str, *, minimum: float | None = None, strict: bool = False
) -> float:
    """`value` as a finite float (>= or > minimum when given), or a ConfigError."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be finite, got {number}")
    if minimum is not None and (number <= minimum if strict else number < minimum):
        relation = ">" if strict else ">="
        raise ConfigError(f"{name} must be {relation} {minimum}, got {number}")
    return number
