import warnings

import numpy as np
import pytest

from littlebrain.checks import MAX_MAGNITUDE, check_bounds
from littlebrain.errors import ObservationError


def test_half_precision_is_checked_without_an_overflow_warning():
    """A float16 observation's magnitude is compared in float64 (the limit, 1e15, overflows
    float16 and warned "overflow encountered in cast" on every check)."""
    array = np.array([1.0, -65504.0], dtype=np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_bounds(array, np.float16(-np.inf), np.float16(np.inf), "observation")


def test_values_beyond_the_magnitude_limit_are_refused():
    array = np.array([0.0, 10 * MAX_MAGNITUDE])
    with pytest.raises(ObservationError, match="beyond"):
        check_bounds(array, -np.inf, np.inf, "observation")
