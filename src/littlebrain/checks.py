"""Input checks shared by the brain and its regions: one clear line for each bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from littlebrain.errors import ObservationError


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


def check_feedback(value: Any) -> float:
    """A reward or stimulation signal as a finite float, or an ObservationError."""
    try:
        feedback = float(value)
    except (TypeError, ValueError):
        raise ObservationError(f"feedback must be a number, got {value!r}") from None
    if not math.isfinite(feedback):
        raise ObservationError(f"feedback must be finite, got {feedback}")
    return feedback
