"""Criticality measures for recorded activity: branching ratio, avalanches, Lyapunov exponent.

- `branching`: the driven branching process (a reference with a known answer), binomial
  subsampling, and the conventional and multistep-regression (Wilting & Priesemann 2018)
  estimators of the branching ratio m.
- `avalanches`: avalanche detection, power-law fits with likelihood-ratio comparisons
  (the `powerlaw` package; Clauset et al. 2009) and the crackling-noise relation
  (Sethna et al. 2001; Ma et al. 2019; Fontenele et al. 2019).
- `lyapunov`: the largest Lyapunov exponent by perturbation growth (Benettin et al. 1980).

SciPy and `powerlaw` are imported only when a fit runs, so importing this package is cheap.
"""

from littlebrain.analysis.avalanches import (
    ALTERNATIVES,
    AvalancheFit,
    Avalanches,
    CracklingNoise,
    LikelihoodRatio,
    PowerLawFit,
    crackling_noise,
    find_avalanches,
    fit_avalanche_distributions,
    fit_power_law,
    simulate_avalanches,
)
from littlebrain.analysis.branching import (
    BranchingEstimate,
    branching_ratio_conventional,
    branching_ratio_mr,
    simulate_branching_process,
    subsample,
)
from littlebrain.analysis.lyapunov import largest_lyapunov

__all__ = [
    "ALTERNATIVES",
    "AvalancheFit",
    "Avalanches",
    "BranchingEstimate",
    "CracklingNoise",
    "LikelihoodRatio",
    "PowerLawFit",
    "branching_ratio_conventional",
    "branching_ratio_mr",
    "crackling_noise",
    "find_avalanches",
    "fit_avalanche_distributions",
    "fit_power_law",
    "largest_lyapunov",
    "simulate_avalanches",
    "simulate_branching_process",
    "subsample",
]
