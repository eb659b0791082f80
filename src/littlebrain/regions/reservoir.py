"""Reservoir: a recurrent network of leaky rate units that holds the recent past (temporal context).

Biology borrowed: cortex and the thalamocortical loops are densely recurrent, so a stimulus keeps
echoing through the circuit for a while after it is gone; a linear readout of such a circuit can
tell what happened a few steps ago, not only what is there now (fading memory: Jaeger 2001, echo
state networks; Maass, Natschlaeger & Markram 2002, liquid state machines). How long the echo
lasts depends on how strongly the recurrent loop amplifies activity. The criticality hypothesis
holds that cortex tunes itself near the boundary where activity neither dies out nor explodes:
neuronal avalanches with a branching ratio near 1 (Beggs & Plenz 2003). Neurons reach such set
points with homeostatic synaptic scaling (Turrigiano et al. 1998) and intrinsic plasticity, which
multiply a cell's input synapses or change its gain from signals the cell itself sees.

Dynamics (leak alpha, fixed random input weights W_in and sparse recurrent weights W, per-unit
plastic gains a):

    h = W r_{t-1},    r_t = (1 - alpha) r_{t-1} + alpha tanh(a * h + W_in x_t)

Rule ("flow control", Schubert & Gros 2021, Front. Comput. Neurosci. 15:587721), multiplicative:

    a_i <- clip(a_i (1 + eta (R^2 |r_{t-1}|^2 / N - (a_i h_i)^2)),  GAIN_MIN, GAIN_MAX)

Each unit compares the square of its own gain-scaled recurrent input, (a_i h_i)^2, with R^2 times
the network's mean square activity |r|^2 / N (a population average, as a neuromodulatory or glial
signal could broadcast it) and scales its recurrent synapses up or down. When the activity is
weakly correlated across units, |diag(a) W r|^2 ~= rho^2 |r|^2 with rho the spectral radius of
diag(a) W (random matrix theory), so holding every unit at its share of R^2 |r|^2 drives rho to R
(measured: 1-3% above R for 256 units driven by random input). In log a the rule relaxes at a rate
of about 2 eta R^2 <r^2> per step: some 6,000 steps at eta = 1e-3 and a mean square rate of 0.08.
R is the target radius of the chosen regime (`TARGET_RADIUS`): 0.8 sub-critical (perturbations
fade, short memory), 1.0 critical (the edge of chaos), 1.25 super-critical (the autonomous network
amplifies small perturbations). Because the units leak, the linearised map at rest is
(1 - alpha) I + alpha diag(a) W, whose growth factor per step, max |1 - alpha + alpha lambda| over
the eigenvalues lambda, is at most 1 - alpha + alpha rho: perturbations of rest always fade for
rho < 1, and grow for rho > 1 once an eigenvalue's real part exceeds 1 (random eigenvalues fill a
disc of radius rho, so they do near the real axis; at 256 units and R = 1 the measured factor is
just below 1, e^-0.006).

W is drawn sparse (each connection with probability `density`, weights N(0, 1)) and divided by
its spectral radius (dense eigenvalues, O(n^3) once at construction), so rho = a when all gains
equal a; the gains start at R.

Reads: a float vector of size `input_dim` (the cortex code). Writes: the rates r, a float32
vector of size `n_units`, which joins the state code. State: W_in, W (drawn once from the brain's
generator, saved so a checkpoint is self-contained), the gains a and the rates r.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from littlebrain.checks import check_array
from littlebrain.config import check, derived
from littlebrain.errors import ConfigError
from littlebrain.region import Region, require_range
from littlebrain.regions import _exact as exact

#: target spectral radius of diag(a) W for each regime
TARGET_RADIUS: dict[str, float] = {"subcritical": 0.8, "critical": 1.0, "supercritical": 1.25}
#: homeostasis keeps every gain in [GAIN_MIN, GAIN_MAX] (W itself has spectral radius 1)
GAIN_MIN = 1e-3
GAIN_MAX = 10.0


@dataclass(frozen=True)
class ReservoirConfig:
    n_units: int = 256
    #: size of the driving code; 0 until the brain's wiring sets it
    input_dim: int = derived(0, "the size of the state code")
    #: alpha of the leaky integration: 1 means no leak (each step replaces the rates)
    leak: float = 0.3
    #: probability of each recurrent connection
    density: float = 0.1
    #: input weights are N(0, input_scale^2 / input_dim)
    input_scale: float = 1.0
    #: "subcritical", "critical" or "supercritical" (target radius in TARGET_RADIUS)
    regime: str = derived("critical", "brain_config.reservoir_regime")
    #: eta of flow control; 0 keeps the gains fixed
    homeostasis_rate: float = 1e-3

    def __post_init__(self) -> None:
        check(self.n_units >= 1, f"reservoir n_units must be >= 1, got {self.n_units}")
        check(self.input_dim >= 0, f"reservoir input_dim must be >= 0, got {self.input_dim}")
        check(0 < self.leak <= 1, f"reservoir leak must be in (0, 1], got {self.leak}")
        check(0 < self.density <= 1, f"reservoir density must be in (0, 1], got {self.density}")
        check(self.input_scale > 0, f"reservoir input_scale must be > 0, got {self.input_scale}")
        check(
            self.regime in TARGET_RADIUS,
            f"reservoir regime must be one of {', '.join(TARGET_RADIUS)}, got {self.regime!r}",
        )
        check(
            0 <= self.homeostasis_rate < 1,
            f"reservoir homeostasis_rate must be in [0, 1), got {self.homeostasis_rate}",
        )

    @property
    def target_radius(self) -> float:
        return TARGET_RADIUS[self.regime]


class Reservoir(Region):
    """Leaky recurrent rate network with flow-control gains (see the module docstring)."""

    state_names = ("input_weights", "recurrent_weights", "gains", "rates")

    def __init__(self, config: ReservoirConfig, rng: np.random.Generator) -> None:
        super().__init__()
        if not isinstance(config, ReservoirConfig):
            raise ConfigError(f"expected a ReservoirConfig, got {type(config).__name__}")
        if config.input_dim < 1:
            raise ConfigError("reservoir input_dim must be set (>= 1) before building it")
        self.config = config
        n, d = config.n_units, config.input_dim
        self.input_weights = rng.standard_normal((n, d)) * (config.input_scale / np.sqrt(d))
        weights = np.where(rng.random((n, n)) < config.density, rng.standard_normal((n, n)), 0.0)
        radius = float(np.max(np.abs(np.linalg.eigvals(weights))))
        if radius > 0:
            weights /= radius
        self.recurrent_weights = weights
        self.gains = np.full(n, config.target_radius, dtype=np.float64)
        self.rates = np.zeros(n, dtype=np.float64)

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("Reservoir.gains", state["gains"], GAIN_MIN, np.nextafter(GAIN_MAX, np.inf))

    def step(self, x: np.ndarray) -> np.ndarray:
        """Advance one step driven by `x`, adapt the gains (unless frozen); the new rates."""
        x = check_array(x, (self.config.input_dim,), "reservoir input").astype(np.float64)
        alpha = self.config.leak
        previous = self.rates
        recurrent = exact.matvec(self.recurrent_weights, previous)
        drive = self.gains * recurrent + exact.matvec(self.input_weights, x)
        self.rates = (1.0 - alpha) * previous + alpha * np.tanh(drive)
        eta = self.config.homeostasis_rate
        if not self.frozen and eta > 0:
            target = self.config.target_radius**2 * exact.dot(previous, previous) / previous.size
            flow = target - (self.gains * recurrent) ** 2
            self.gains = np.clip(self.gains * (1.0 + eta * flow), GAIN_MIN, GAIN_MAX)
        return self.rates.astype(np.float32)

    def reset_episode(self) -> None:
        """Rates back to rest; the gains (what homeostasis learned) are kept."""
        self.rates = np.zeros_like(self.rates)

    def effective_weights(self) -> np.ndarray:
        """diag(a) W: the recurrent matrix the dynamics use."""
        return self.gains[:, None] * self.recurrent_weights

    def spectral_radius(self) -> float:
        """Largest |eigenvalue| of diag(a) W (dense eigenvalues: for analysis, O(n^3))."""
        return float(np.max(np.abs(np.linalg.eigvals(self.effective_weights()))))

    def step_function(self, x: np.ndarray | None = None) -> Callable[[np.ndarray], np.ndarray]:
        """A pure map rates -> next rates with the current gains, no plasticity, and a fixed input
        (zero when `x` is None): for Lyapunov exponents and other analysis of the dynamics.

        It computes exactly what a frozen `step` computes, so it matches it bit for bit.
        """
        if x is None:
            drive = np.zeros(self.config.n_units)
        else:
            x = check_array(x, (self.config.input_dim,), "reservoir input").astype(np.float64)
            drive = exact.matvec(self.input_weights, x)
        gains, weights = self.gains.copy(), self.recurrent_weights.copy()
        alpha = self.config.leak

        def step(rates: np.ndarray) -> np.ndarray:
            rates = np.ascontiguousarray(rates, dtype=np.float64)
            recurrent = exact.matvec(weights, rates)
            return (1.0 - alpha) * rates + alpha * np.tanh(gains * recurrent + drive)

        return step
