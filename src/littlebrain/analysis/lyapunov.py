"""The largest Lyapunov exponent of a discrete-time system, by the growth of a small perturbation.

For a map x_{t+1} = f(x_t), the largest Lyapunov exponent is the mean exponential rate at which
nearby trajectories separate,

    lambda = lim_{n -> inf} (1/n) ln( |delta x_n| / |delta x_0| ),   per step,

negative for a stable (ordered) system, about 0 at the edge of chaos, positive for a chaotic one.
For a linear map x -> A x it is ln rho(A), with rho the spectral radius.

Benettin's method (Benettin, Galgani, Giorgilli & Strelcyn 1980, Meccanica 15:9; Sprott 2003,
"Chaos and Time-Series Analysis", ch. 5.6): run a reference trajectory and a copy displaced by
d_0; every `renorm_every` steps add ln(d / d_0) for their separation d, and pull the copy back to
distance d_0 along the current separation, so that it stays in the linear regime and aligns with
the most expanding direction. lambda = (sum of the logs) / steps.

The step function is pure (state -> next state, NumPy arrays), so a region can pass its update
(with its input fixed or drawn from a seeded generator inside the function, the same for both
copies). The displacement is eps times the reference state's norm (at least 1), so that states
far from the origin do not swallow the perturbation in rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from littlebrain.analysis._inputs import RngLike, as_rng, finite_float, positive_int
from littlebrain.errors import ObservationError


def _state(value: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ObservationError(f"{what} has non-numeric dtype {array.dtype}")
    if array.size == 0:
        raise ObservationError(f"{what} is empty")
    if shape is not None and array.shape != shape:
        raise ObservationError(f"{what} has shape {array.shape}, expected {shape}")
    array = array.astype(np.float64, copy=False)
    if not np.isfinite(array).all():
        raise ObservationError(f"{what} contains NaN or infinite values")
    return array


def _norm(vector: np.ndarray) -> float:
    """The Euclidean norm without overflow for large states (a growing linear map)."""
    scale = float(np.max(np.abs(vector)))
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    return scale * float(np.linalg.norm(vector / scale))


def largest_lyapunov(
    step_fn: Callable[[np.ndarray], np.ndarray],
    state: Any,
    n_steps: int,
    *,
    eps: float = 1e-8,
    renorm_every: int = 1,
    n_transient: int = 0,
    rng: RngLike = None,
) -> float:
    """The largest Lyapunov exponent of x -> step_fn(x), per step, from `state`.

    n_transient steps of the reference trajectory are run (and not measured) first; then
    n_steps are measured, renormalising the perturbation every `renorm_every` steps. The
    initial perturbation direction is random (from `rng`). Returns -inf if the perturbation
    collapses to exactly zero (a locally constant map). Raises ObservationError if the step
    function returns a non-finite or misshaped state.
    """
    if not callable(step_fn):
        raise TypeError(f"step_fn must be callable, got {step_fn!r}")
    n_steps = positive_int(n_steps, "n_steps")
    renorm_every = positive_int(renorm_every, "renorm_every")
    n_transient = positive_int(n_transient, "n_transient", minimum=0)
    eps = finite_float(eps, "eps", minimum=0.0, strict=True)
    x = _state(state, "state")
    shape = x.shape

    def advance(current: np.ndarray, step: int) -> np.ndarray:
        return _state(step_fn(current), f"step_fn's output at step {step}", shape)

    for t in range(n_transient):
        x = advance(x, t)

    direction = as_rng(rng).standard_normal(shape)
    direction /= _norm(direction)
    size = eps * max(1.0, _norm(x))
    y = x + size * direction
    total = 0.0
    for t in range(1, n_steps + 1):
        x = advance(x, n_transient + t)
        y = advance(y, n_transient + t)
        if t % renorm_every and t != n_steps:
            continue
        separation = y - x
        distance = _norm(separation)
        if distance == 0.0:
            return -math.inf
        if not math.isfinite(distance):
            raise ObservationError(
                f"the perturbation overflowed at step {t}: renormalise more often (renorm_every)"
            )
        total += math.log(distance / size)
        size = eps * max(1.0, _norm(x))
        y = x + separation * (size / distance)
    return total / n_steps
