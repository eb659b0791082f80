"""Input checks shared by the brain and its regions: one clear line for each bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from littlebrain.errors import ObservationError

#: the largest magnitude an observation or a feedback may have: beyond it, sums of squares of
#: a few thousand values overflow float32 (3.4e38), where the brain's codes and memories live,
#: and a state that is not finite could not be saved and loaded again
MAX_MAGNITUDE = 1e15


def check_array(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """`value` as an array of the given shape, numeric and finite, or an ObservationError."""
    array = np.asarray(value)
    if array.shape != shape:
        raise ObservationError(f"{what} has shape {array.shape}, expected {shape}")
    if array.dtype.kind not in "biuf":
        raise ObservationError(f"{what} has non-numeric dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ObservationError(f"{what} contains NaN or infinite values")
    return array


def check_bounds(array: np.ndarray, low: np.ndarray, high: np.ndarray, what: str) -> None:
    """An ObservationError unless `low <= array <= high` and |array| <= MAX_MAGNITUDE."""
    if array.size == 0:
        return
    if np.any(array < low) or np.any(array > high):
        raise ObservationError(
            f"{what} lies outside the world's observation space ({array.min()} to "
            f"{array.max()}; the space allows {np.min(low)} to {np.max(high)})"
        )
    if array.dtype.kind == "f" and float(np.abs(array).max()) > MAX_MAGNITUDE:
        raise ObservationError(f"{what} has values beyond +-{MAX_MAGNITUDE:g}")


def check_feedback(value: Any) -> float:
    """A reward or stimulation signal as a finite float, or an ObservationError."""
    try:
        feedback = float(value)
    except (TypeError, ValueError):
        raise ObservationError(f"feedback must be a number, got {value!r}") from None
    if not math.isfinite(feedback):
        raise ObservationError(f"feedback must be finite, got {feedback}")
    if abs(feedback) > MAX_MAGNITUDE:
        raise ObservationError(f"feedback {feedback:g} is beyond +-{MAX_MAGNITUDE:g}")
    return feedback
