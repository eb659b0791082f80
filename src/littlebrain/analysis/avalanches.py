"""Neuronal avalanches: their size and duration distributions, and the crackling-noise relation.

An avalanche (Beggs & Plenz 2003, J. Neurosci. 23:11167) is a run of consecutive time bins in
which the population activity exceeds a threshold, bounded by bins at or below it. Its duration
T is the number of bins, its size S the summed activity over them. Near a critical point

    P(S) ~ S^-tau,   P(T) ~ T^-alpha,   <S>(T) ~ T^(1 / (sigma nu z)),

with tau = 3/2, alpha = 2 and 1 / (sigma nu z) = 2 in the mean-field (critical branching process)
universality class. The three exponents are tied by the crackling-noise relation (Sethna,
Dahmen & Myers 2001, Nature 410:242; Friedman et al. 2012, PRL 108:208102)

    1 / (sigma nu z) = (alpha - 1) / (tau - 1),

and its deviation dcc = |(alpha - 1) / (tau - 1) - 1 / (sigma nu z)_fitted| measures distance
from criticality without assuming a universality class (Ma et al. 2019, Neuron 104:655;
Fontenele et al. 2019, PRL 122:208101).

Power laws are fitted by maximum likelihood above a lower cutoff xmin chosen by the minimal
Kolmogorov-Smirnov distance (Clauset, Shalizi & Newman 2009, SIAM Rev. 51:661), and compared to
alternative distributions by the log-likelihood ratio R with its significance p (Vuong's test;
nested for the truncated power law), all with the `powerlaw` package (Alstott, Bullmore & Plenz
2014, PLoS ONE 9:e85777). R > 0 favours the power law, R < 0 the alternative.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from littlebrain.analysis._inputs import (
    RngLike,
    as_activity,
    as_positive_sample,
    as_rng,
    finite_float,
    positive_int,
)
from littlebrain.errors import ConfigError, ObservationError

ALTERNATIVES = ("lognormal", "exponential", "truncated_power_law")
_KNOWN_ALTERNATIVES = ("lognormal", "exponential", "truncated_power_law", "stretched_exponential")
_EXPONENT_RANGE = (0.0, 20.0)


class Avalanches(NamedTuple):
    """Avalanche sizes (summed activity) and durations (bins), one entry per avalanche."""

    sizes: np.ndarray
    durations: np.ndarray


@dataclass(frozen=True)
class LikelihoodRatio:
    """The log-likelihood ratio of a power law against `alternative`, and its p-value."""

    alternative: str
    R: float
    p: float

    def preferred(self, significance: float = 0.05) -> str | None:
        """'power_law' or the alternative's name when the sign of R is significant, else None."""
        if not self.p < significance:
            return None
        return "power_law" if self.R > 0 else self.alternative


@dataclass(frozen=True)
class PowerLawFit:
    """P(x) ~ x^-exponent for xmin <= x (<= xmax), fitted by maximum likelihood.

    sigma: the standard error of the exponent. n_tail: the data points in the fitted range.
    comparisons: the likelihood-ratio tests against each alternative distribution, by name.
    """

    exponent: float
    sigma: float
    xmin: float
    xmax: float | None
    n_tail: int
    discrete: bool
    comparisons: Mapping[str, LikelihoodRatio]


@dataclass(frozen=True)
class AvalancheFit:
    """Power-law fits to avalanche sizes (exponent tau) and durations (exponent alpha)."""

    sizes: PowerLawFit
    durations: PowerLawFit

    @property
    def tau(self) -> float:
        return self.sizes.exponent

    @property
    def alpha(self) -> float:
        return self.durations.exponent


@dataclass(frozen=True, eq=False)
class CracklingNoise:
    """The crackling-noise relation between the avalanche exponents.

    fitted: 1 / (sigma nu z), the log-log slope of the mean size <S>(T) against duration T.
    predicted: (alpha - 1) / (tau - 1) from the fitted distributions.
    deviation: |predicted - fitted| (dcc; 0 at criticality).
    durations, mean_sizes: the points of the regression; r_squared: its quality (log-log).
    """

    fitted: float
    predicted: float
    deviation: float
    tau: float
    alpha: float
    durations: np.ndarray
    mean_sizes: np.ndarray
    r_squared: float


def find_avalanches(
    activity: Any,
    threshold: float = 0.0,
    bin_width: int = 1,
    *,
    keep_unbounded: bool = False,
) -> Avalanches:
    """Sizes and durations of the avalanches in a population series (T,) or raster (T x N).

    The raster is summed over units; then every `bin_width` consecutive steps are summed into one
    bin (a trailing partial bin is dropped). An avalanche is a maximal run of bins with activity
    > threshold; its size is the summed activity of those bins, its duration their number.
    Runs that touch the start or end of the record are incomplete and dropped unless
    `keep_unbounded`. Sizes are int64 for integer activity, float64 otherwise.
    """
    a = as_activity(activity)
    threshold = finite_float(threshold, "threshold", minimum=0.0)
    bin_width = positive_int(bin_width, "bin_width")
    n_bins = len(a) // bin_width
    if n_bins == 0:
        raise ConfigError(f"bin_width {bin_width} is longer than the activity ({len(a)} steps)")
    if bin_width > 1:
        a = a[: n_bins * bin_width].reshape(n_bins, bin_width).sum(axis=1)
    active = (a > threshold).astype(np.int8)
    edges = np.diff(active, prepend=0, append=0)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # one past the last active bin
    if not keep_unbounded:
        bounded = (starts > 0) & (ends < n_bins)
        starts, ends = starts[bounded], ends[bounded]
    cumulative = np.concatenate([np.zeros(1, dtype=a.dtype), np.cumsum(a)])
    return Avalanches(
        sizes=cumulative[ends] - cumulative[starts],
        durations=(ends - starts).astype(np.int64),
    )


def simulate_avalanches(
    m: float, n: int, *, max_duration: int = 10_000, rng: RngLike = None
) -> Avalanches:
    """`n` independent avalanches of a Poisson branching process, each from one seed event.

    A_0 = 1 and A_{t+1} ~ Poisson(m A_t) until A_t = 0; size = sum of A_t, duration = number of
    active bins (as find_avalanches counts them in a record with silence between avalanches).
    Avalanches still alive after `max_duration` bins are dropped, so fewer than n may return.
    The mean-field exponents at m = 1 are tau = 3/2, alpha = 2 and 1 / (sigma nu z) = 2.
    """
    m = finite_float(m, "m", minimum=0.0)
    n = positive_int(n, "n")
    max_duration = positive_int(max_duration, "max_duration")
    generator = as_rng(rng)
    current = np.ones(n, dtype=np.int64)
    sizes = np.ones(n, dtype=np.int64)
    durations = np.ones(n, dtype=np.int64)
    alive = np.arange(n)
    for _ in range(1, max_duration):
        offspring = generator.poisson(m * current[alive])
        keep = offspring > 0
        alive, offspring = alive[keep], offspring[keep]
        if alive.size == 0:
            break
        current[alive] = offspring
        sizes[alive] += offspring
        durations[alive] += 1
    finished = np.ones(n, dtype=bool)
    finished[alive] = False
    return Avalanches(sizes=sizes[finished], durations=durations[finished])


def fit_power_law(
    data: Any,
    *,
    xmin: float | None = None,
    xmax: float | None = None,
    discrete: bool | None = None,
    alternatives: Sequence[str] = ALTERNATIVES,
    what: str = "data",
) -> PowerLawFit:
    """Fit P(x) ~ x^-exponent above xmin (chosen by the KS distance when None) with `powerlaw`.

    The exponent is searched in [0, 20] (powerlaw 2's default range, [0, 3], would clip steep
    tails). discrete: treat the data as integers (default: when every value is an integer).
    alternatives: the distributions to compare with, among 'lognormal', 'exponential',
    'truncated_power_law' and 'stretched_exponential'. The discrete truncated power law is slow
    (seconds: its normalisation is a Lerch transcendent); leave it out when speed matters.
    """
    sample = as_positive_sample(data, what)
    for name in alternatives:
        if name not in _KNOWN_ALTERNATIVES:
            raise ConfigError(f"unknown alternative {name!r}; choose from {_KNOWN_ALTERNATIVES}")
    if xmin is not None:
        xmin = finite_float(xmin, "xmin", minimum=0.0, strict=True)
    if xmax is not None:
        xmax = finite_float(xmax, "xmax", minimum=0.0, strict=True)
        if xmin is not None and xmax <= xmin:
            raise ConfigError(f"xmax ({xmax}) must exceed xmin ({xmin})")
    if discrete is None:
        discrete = bool(np.all(sample == np.round(sample)))
    if len(np.unique(sample)) < 2:
        raise ObservationError(f"{what} needs at least 2 distinct values to fit a power law")

    import powerlaw  # imported here: `import littlebrain` stays light

    options: dict[str, Any] = {}
    if "parameter_ranges" in inspect.signature(powerlaw.Fit).parameters:
        # powerlaw 2 bounds exponents to [0, 3] by default, which clips steep subcritical tails.
        options["parameter_ranges"] = {"alpha": list(_EXPONENT_RANGE)}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fit = powerlaw.Fit(
            sample.astype(np.float64),
            discrete=discrete,
            xmin=xmin,
            xmax=xmax,
            verbose=0,
            **options,
        )
        chosen_xmin = float(fit.xmin)
        exponent = float(fit.power_law.alpha)
        sigma = float(fit.power_law.sigma)
        comparisons = {}
        for name in alternatives:
            R, p = fit.distribution_compare("power_law", name)
            comparisons[name] = LikelihoodRatio(name, float(R), float(p))
    if not (math.isfinite(chosen_xmin) and math.isfinite(exponent)):
        raise ObservationError(f"the power-law fit to {what} failed (too few distinct values)")
    upper = math.inf if xmax is None else xmax
    n_tail = int(((sample >= chosen_xmin) & (sample <= upper)).sum())
    return PowerLawFit(
        exponent=exponent,
        sigma=sigma,
        xmin=chosen_xmin,
        xmax=xmax,
        n_tail=n_tail,
        discrete=discrete,
        comparisons=comparisons,
    )


def _check_pair(sizes: Any, durations: Any) -> tuple[np.ndarray, np.ndarray]:
    s = as_positive_sample(sizes, "sizes")
    d = as_positive_sample(durations, "durations")
    if s.shape != d.shape:
        raise ObservationError(
            f"sizes ({s.shape[0]}) and durations ({d.shape[0]}) must pair up one to one"
        )
    return s, d


def fit_avalanche_distributions(
    sizes: Any,
    durations: Any,
    *,
    size_xmin: float | None = None,
    duration_xmin: float | None = None,
    size_xmax: float | None = None,
    duration_xmax: float | None = None,
    discrete: bool | None = None,
    alternatives: Sequence[str] = ALTERNATIVES,
) -> AvalancheFit:
    """Power-law fits P(S) ~ S^-tau and P(T) ~ T^-alpha with likelihood-ratio comparisons.

    xmin: chosen by `powerlaw` (minimal KS distance) when None. See fit_power_law.
    """
    s, d = _check_pair(sizes, durations)
    return AvalancheFit(
        sizes=fit_power_law(
            s,
            xmin=size_xmin,
            xmax=size_xmax,
            discrete=discrete,
            alternatives=alternatives,
            what="sizes",
        ),
        durations=fit_power_law(
            d,
            xmin=duration_xmin,
            xmax=duration_xmax,
            discrete=True if discrete is None else discrete,
            alternatives=alternatives,
            what="durations",
        ),
    )


def crackling_noise(
    sizes: Any,
    durations: Any,
    *,
    fit: AvalancheFit | None = None,
    min_duration: float | None = None,
    max_duration: float | None = None,
    min_count: int = 10,
) -> CracklingNoise:
    """The fitted and predicted 1 / (sigma nu z), and their deviation dcc.

    fitted: least-squares slope of log <S>(T) on log T over the durations in
    [min_duration, max_duration] (default: the duration fit's range) that at least `min_count`
    avalanches have. predicted: (alpha - 1) / (tau - 1) from `fit` (fitted here, with no
    comparisons, when None).
    """
    s, d = _check_pair(sizes, durations)
    min_count = positive_int(min_count, "min_count")
    if fit is None:
        fit = fit_avalanche_distributions(s, d, alternatives=())
    low = fit.durations.xmin if min_duration is None else min_duration
    high = fit.durations.xmax if max_duration is None else max_duration
    low = finite_float(low, "min_duration", minimum=0.0)
    high = math.inf if high is None else float(high)
    unique, inverse, counts = np.unique(d, return_inverse=True, return_counts=True)
    mean_sizes = np.bincount(inverse, weights=s.astype(np.float64)) / counts
    use = (counts >= min_count) & (unique >= low) & (unique <= high)
    if use.sum() < 3:
        raise ObservationError(
            f"only {int(use.sum())} durations in [{low}, {high}] have {min_count}+ avalanches; "
            "the crackling-noise fit needs 3 (record more avalanches or lower min_count)"
        )
    x, y = np.log(unique[use].astype(np.float64)), np.log(mean_sizes[use])
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = float(((y - y.mean()) ** 2).sum())
    r_squared = 1.0 - float(residual @ residual) / total if total > 0 else 1.0
    predicted = (fit.alpha - 1.0) / (fit.tau - 1.0)
    return CracklingNoise(
        fitted=float(slope),
        predicted=float(predicted),
        deviation=float(abs(predicted - slope)),
        tau=fit.tau,
        alpha=fit.alpha,
        durations=unique[use],
        mean_sizes=mean_sizes[use],
        r_squared=r_squared,
    )
