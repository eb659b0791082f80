"""Branching ratio: how many events, on average, one event causes in the next time bin.

The reference model is a driven branching process (Harris 1963; Heathcote 1965): with A_t the
number of events in bin t, each event causes Poisson(m) events in the next bin and an external
drive adds Poisson(h) more, so

    A_{t+1} ~ Poisson(m A_t + h).

m < 1 is subcritical (stationary, mean h / (1 - m), autocorrelation time -1 / ln m bins),
m = 1 critical, m > 1 supercritical (activity grows as m^t until something saturates).

Conventional estimator. The slope of the linear regression of A_{t+1} on A_t,
r_1 = Cov[A_t, A_{t+1}] / Var[A_t], estimates m when every event is seen. When each event is
seen only with probability alpha (binomial subsampling), the observed a_t = alpha A_t + noise and

    r_k = Cov[a_t, a_{t+k}] / Var[a_t] = b m^k,   b = alpha^2 Var[A] / Var[a] < 1,

so r_1 = b m underestimates m, badly for sparse sampling (a process at m = 0.98 seen through 5 %
of its events looks like m = 0.6).

Multistep regression (MR) estimator (Wilting & Priesemann 2018, "Inferring collective dynamical
states from widely unobserved systems", Nat. Commun. 9:2325). Regress a_{t+k} on a_t for each lag
k = 1 .. k_max, and fit the slopes with the exponential r_k = b m^k. Subsampling changes only the
amplitude b, so the decay rate m is estimated without bias. Here the fit is a nonlinear least
squares fit (scipy.optimize.curve_fit) started from a linear fit of log r_k.

The functions accept a population series (T,) or a raster (T x N) of non-negative counts, which
is summed over units first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from littlebrain.analysis._inputs import (
    RngLike,
    as_activity,
    as_rng,
    finite_float,
    positive_int,
)
from littlebrain.errors import ConfigError, ObservationError

# numpy's Poisson sampler refuses rates beyond ~9.2e18; stop well before that.
_MAX_RATE = 1e15


@dataclass(frozen=True, eq=False)
class BranchingEstimate:
    """The multistep-regression estimate of a branching ratio.

    m: the estimated branching ratio (NaN if the exponential fit did not converge).
    b: the amplitude of r_k = b m^k (about 1 when fully sampled, lower when subsampled).
    k: the lags 1 .. k_max.  r_k: the regression slope of a_{t+k} on a_t at each lag.
    r_squared: the fraction of the variance of r_k that the exponential fit explains.
    """

    m: float
    b: float
    k: np.ndarray
    r_k: np.ndarray
    r_squared: float

    @property
    def autocorrelation_time(self) -> float:
        """-1 / ln m time bins for 0 < m < 1; infinite at or above criticality; NaN if unfit."""
        if not math.isfinite(self.m) or self.m <= 0:
            return math.nan
        return -1.0 / math.log(self.m) if self.m < 1 else math.inf


def simulate_branching_process(
    m: float,
    steps: int,
    *,
    drive: float = 1.0,
    start: int | None = None,
    max_activity: int | None = None,
    rng: RngLike = None,
) -> np.ndarray:
    """A driven Poisson branching process A_{t+1} ~ Poisson(m A_t + drive), `steps` bins long.

    start: A_0 (default: the stationary mean drive / (1 - m) for m < 1, else 1).
    max_activity: clip A_t to this (a saturating population) so that a supercritical process
    can run long; without it, a rate beyond 1e15 raises a ConfigError.
    Returns the int64 series (A_0, ..., A_{steps-1}).
    """
    m = finite_float(m, "m", minimum=0.0)
    h = finite_float(drive, "drive", minimum=0.0)
    steps = positive_int(steps, "steps")
    if start is None:
        start = round(h / (1.0 - m)) if m < 1 else 1
    x = positive_int(start, "start", minimum=0)
    cap = None if max_activity is None else positive_int(max_activity, "max_activity")
    if cap is not None:
        x = min(x, cap)
    generator = as_rng(rng)
    poisson = generator.poisson
    out = np.empty(steps, dtype=np.int64)
    for t in range(steps):
        out[t] = x
        rate = m * x + h
        if rate > _MAX_RATE:
            if cap is None:
                raise ConfigError(
                    f"the branching process exploded (rate {rate:.3g} at step {t}, m = {m}): "
                    "pass max_activity or fewer steps"
                )
            x = cap
            continue
        x = int(poisson(rate))
        if cap is not None and x > cap:
            x = cap
    return out


def subsample(activity: Any, fraction: float, rng: RngLike = None) -> np.ndarray:
    """Each event of an integer count series (or raster) kept independently with `fraction`."""
    counts = np.asarray(activity)
    fraction = finite_float(fraction, "fraction", minimum=0.0, strict=True)
    if fraction > 1:
        raise ConfigError(f"fraction must be in (0, 1], got {fraction}")
    if counts.dtype.kind == "f" and np.isfinite(counts).all():
        if (counts != np.round(counts)).any():
            raise ObservationError("subsampling needs integer event counts")
        counts = counts.astype(np.int64)
    if counts.dtype.kind not in "biu":
        raise ObservationError(f"subsampling needs integer event counts, got dtype {counts.dtype}")
    if (counts < 0).any():
        raise ObservationError("activity must be non-negative (event counts)")
    return as_rng(rng).binomial(counts.astype(np.int64), fraction)


def _regression_slopes(a: np.ndarray, k_max: int) -> np.ndarray:
    """r_k, the least-squares slope of a_{t+k} on a_t, for k = 1 .. k_max."""
    x_all = a.astype(np.float64)
    slopes = np.empty(k_max)
    for k in range(1, k_max + 1):
        x = x_all[:-k] - x_all[:-k].mean()
        y = x_all[k:] - x_all[k:].mean()
        var = float(x @ x)
        if var <= 0:
            raise ObservationError(
                f"activity is constant over its first {len(x)} bins: no branching ratio"
            )
        slopes[k - 1] = float(x @ y) / var
    return slopes


def _check_length(a: np.ndarray, k_max: int) -> None:
    if len(a) < k_max + 10:
        raise ConfigError(
            f"activity has {len(a)} bins; regression up to lag {k_max} needs at least {k_max + 10}"
        )


def branching_ratio_conventional(activity: Any) -> float:
    """The naive estimate: the slope of the linear regression of A_{t+1} on A_t.

    Unbiased for a fully observed process, biased towards 0 under subsampling (see the module).
    """
    a = as_activity(activity)
    _check_length(a, 1)
    return float(_regression_slopes(a, 1)[0])


def branching_ratio_mr(activity: Any, k_max: int = 40) -> BranchingEstimate:
    """The multistep-regression estimate (Wilting & Priesemann 2018) of the branching ratio.

    Fits r_k = b m^k to the slopes of a_{t+k} on a_t for k = 1 .. k_max. Choose k_max larger
    than the autocorrelation time you expect (the default, 40 bins, suits m up to about 0.97;
    for m closer to 1 use a longer record and a larger k_max). Robust to binomial subsampling.
    """
    a = as_activity(activity)
    k_max = positive_int(k_max, "k_max", minimum=2)
    _check_length(a, k_max)
    r = _regression_slopes(a, k_max)
    k = np.arange(1, k_max + 1, dtype=np.float64)
    b, m = _fit_exponential(k, r)
    if math.isfinite(m):
        residual = r - b * np.power(m, k)
        total = float(((r - r.mean()) ** 2).sum())
        r_squared = 1.0 - float(residual @ residual) / total if total > 0 else 1.0
    else:
        r_squared = math.nan
    return BranchingEstimate(m=m, b=b, k=k.astype(np.int64), r_k=r, r_squared=r_squared)


def _fit_exponential(k: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    """(b, m) of the least-squares fit r_k = b m^k, or NaNs if it does not converge."""
    from scipy.optimize import curve_fit  # imported here: `import littlebrain` stays light

    # Initial guess: a straight line through log r_k over the leading positive slopes.
    leading = int(np.argmin(r > 0)) if (r <= 0).any() else len(r)
    if leading >= 2:
        slope, intercept = np.polyfit(k[:leading], np.log(r[:leading]), 1)
        guess = (float(np.exp(intercept)), float(np.exp(slope)))
    else:
        guess = (float(max(r[0], 1e-3)), 0.5)

    def model(lag: np.ndarray, b: float, m: float) -> np.ndarray:
        return b * np.power(m, lag)

    try:
        with np.errstate(all="ignore"):
            params, _ = curve_fit(model, k, r, p0=guess, maxfev=10_000)
    except (RuntimeError, ValueError):
        return math.nan, math.nan
    b, m = (float(p) for p in params)
    if not (math.isfinite(b) and math.isfinite(m)):
        return math.nan, math.nan
    return b, m
