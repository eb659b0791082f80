"""Basal ganglia (striatum): action values as a linear readout of the state code, learned with a
neuromodulated three-factor rule.

Biology borrowed: corticostriatal synapses change only when three factors meet: presynaptic
activity, postsynaptic activity of the chosen action's channel, and a later dopamine signal. The
first two leave a decaying synaptic tag (an eligibility trace); dopamine converts the tag into a
weight change (Reynolds & Wickens 2002; Gerstner et al. 2018, "Eligibility traces and plasticity
on behavioral time scales"). Read out linearly, this is Sarsa(lambda) with a linear value function
(Liang et al. 2016 reached DQN's level on Atari with such a readout over a good sparse code).

Rule, per step:
    e <- gamma * lambda * e;   e[a] <- e[a] + x / |x|_1          (tag: pre x chosen action)
    dW = lr * dopamine * e                                        (third factor: dopamine)
and, for consolidation, hippocampal replay of a stored state x with episodic value G:
    dW[a] = lr_replay * (G - W[a] . x) * x / |x|_1               (the same rule, trace of one step)

gamma is `discount`, the config's until the brain lengthens it between lives, rescaling W with
it (DefaultBrain.share_discount). Dividing by |x|_1 makes the step size independent of how many
units are active (as in tile coding). Reads: the state code x, the chosen action a, dopamine
(computed by the neuromodulators from the region's own values). Writes: Q(s, .) = W x, and
per-action experience counts that say how sure the striatum is (used to arbitrate against the
hippocampus).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from littlebrain.config import check, derived
from littlebrain.errors import ObservationError
from littlebrain.region import Region, require_range
from littlebrain.regions import _exact as exact
from littlebrain.regions._pairwise import abs_sum


@dataclass(frozen=True)
class StriatumConfig:
    #: step size per dopamine unit, divided among the active inputs (Snake at 60k steps:
    #: 0.3 scored 1.55 with discount 0.9, 0.1 scored 1.37)
    learning_rate: float = 0.3
    replay_learning_rate: float = 0.05
    discount: float = derived(0.97, "the brain's discount (brain_config.discount)")
    trace_decay: float = 0.8
    #: experience (in visits of the active inputs) at which confidence reaches 1 - 1/e
    confidence_visits: float = 20.0
    #: synaptic scaling: weights are rescaled so that |W| never exceeds this (homeostasis)
    max_weight: float = 50.0

    def __post_init__(self) -> None:
        check(0 < self.learning_rate <= 1, "striatum learning_rate must be in (0, 1]")
        check(
            0 <= self.replay_learning_rate <= 1, "striatum replay_learning_rate must be in [0, 1]"
        )
        check(0 <= self.discount < 1, "striatum discount must be in [0, 1)")
        check(0 <= self.trace_decay <= 1, "striatum trace_decay must be in [0, 1]")
        check(self.confidence_visits > 0, "striatum confidence_visits must be positive")
        check(self.max_weight > 0, "striatum max_weight must be positive")


class Striatum(Region):
    state_names = ("weights", "trace", "visits")

    def __init__(self, n_inputs: int, n_actions: int, config: StriatumConfig) -> None:
        super().__init__()
        self.config = config
        self.discount = config.discount  # gamma now (the neuromodulators may lengthen it)
        self.n_inputs, self.n_actions = n_inputs, n_actions
        self.weights = np.zeros((n_actions, n_inputs), dtype=np.float64)
        self.trace = np.zeros((n_actions, n_inputs), dtype=np.float64)
        self.visits = np.zeros((n_actions, n_inputs), dtype=np.float64)

    def _check(self, code: np.ndarray) -> tuple[np.ndarray, float]:
        """The code as float64 and its mass |x|_1, which is finite exactly when every entry
        is (entries beyond about 1e300 are refused too)."""
        code = np.asarray(code, dtype=np.float64)
        if code.shape != (self.n_inputs,):
            raise ObservationError(f"striatum expects a code of {self.n_inputs}, got {code.shape}")
        mass = np.abs(code).sum()
        if not math.isfinite(mass):
            raise ObservationError("striatum input contains NaN or infinite values")
        return code, mass

    def values(self, code: np.ndarray) -> np.ndarray:
        """Q(s, .) = W x."""
        return exact.matvec(self.weights, self._check(code)[0])

    def confidence(self, code: np.ndarray) -> np.ndarray:
        """Per action, 1 - exp(-visits / confidence_visits), visits averaged over active inputs."""
        return self._confidence(*self._check(code))

    def evaluate(self, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`values` and `confidence` of one code, checked once."""
        code, mass = self._check(code)
        return exact.matvec(self.weights, code), self._confidence(code, mass)

    def _confidence(self, code: np.ndarray, mass: float) -> np.ndarray:
        if mass == 0:
            return np.zeros(self.n_actions)
        experience = exact.matvec(self.visits, np.abs(code) / mass)
        return 1.0 - np.exp(-experience / self.config.confidence_visits)

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("Striatum.visits", state["visits"], 0, np.inf)

    def step(self, code: np.ndarray, action: int, dopamine: float) -> None:
        """Deliver dopamine for the tagged past, then tag (x, a) for what comes next."""
        self.learn(dopamine)
        self.tag(code, action)

    def scale_values(self, factor: float) -> None:
        """Multiply every value, Q = (factor W) x (a new horizon: DefaultBrain.share_discount)."""
        self.weights *= factor

    def learn(self, dopamine: float) -> None:
        if self.frozen or dopamine == 0.0:
            return
        step = self.config.learning_rate * dopamine
        _add_scaled(self.weights, self.trace, step, 1.0, self.config.max_weight)

    def tag(self, code: np.ndarray, action: int) -> None:
        code, mass = self._check(code)
        decay = self.discount * self.config.trace_decay
        _decay_and_tag(self.trace, self.visits, decay, code, action, mass, not self.frozen)

    def replay(self, code: np.ndarray, action: int, value: float) -> float:
        """Consolidation: move Q(s, a) towards the hippocampus's value; returns the error."""
        code = np.asarray(code, dtype=np.float64)
        if code.shape != (self.n_inputs,):
            raise ObservationError(f"striatum expects a code of {self.n_inputs}, got {code.shape}")
        no_units = np.zeros((1, 0), dtype=np.int32)
        return float(
            self.replay_many(no_units, code[None], np.array([action]), np.array([value]))[0]
        )

    def replay_many(
        self, units: np.ndarray, dense: np.ndarray, actions: np.ndarray, values: np.ndarray
    ) -> np.ndarray:
        """`replay` of a batch of memories, one after another, each input given in two parts:
        binary inputs, 1 at the indices in a row of `units` (ascending, -1 for padding) and 0
        elsewhere, then the row of `dense` as the last inputs. The input is never built in
        Python, and only the inputs that are on are read and changed: a few memories a step
        cost more in allocation and calls than in arithmetic. Returns the errors; a bad batch
        is refused as a whole."""
        units, dense = np.asarray(units), np.asarray(dense)
        actions, values = np.asarray(actions), np.asarray(values)
        n = len(actions)
        if (
            units.ndim != 2
            or dense.ndim != 2
            or dense.shape[1] > self.n_inputs
            or units.dtype.kind not in "iu"
            or actions.dtype.kind not in "iu"
            or len(units) != n
            or len(dense) != n
            or values.shape != (n,)
            or actions.shape != (n,)
        ):
            raise ObservationError(
                f"striatum replay: units (n, k) and actions (n,) of integers, dense (n, d <= "
                f"{self.n_inputs}) and values (n,), got {units.shape}, {dense.shape}, "
                f"{actions.shape}, {values.shape}"
            )
        lr, max_weight = self.config.replay_learning_rate, self.config.max_weight
        args = (self.weights, units, dense, actions, values, lr, max_weight, not self.frozen)
        errors, refusal = _replay_many(*args)
        if refusal:
            n_binary = self.n_inputs - dense.shape[1]
            raise ObservationError(
                {
                    1: f"striatum replay: actions must lie in [0, {self.n_actions})",
                    2: f"striatum replay: units must be ascending, in [0, {n_binary}), or -1",
                    3: "striatum replay: NaN or infinite inputs or values",
                }[refusal]
            )
        return errors

    def reset_episode(self) -> None:
        self.trace[:] = 0.0


# The rules' elementwise updates, compiled: each is one pass over the arrays it changes (NumPy
# needed a temporary and a pass per operation). The arithmetic is NumPy's, operation for
# operation (no fused multiply-add), so the results are the same to the bit.
@numba.njit(cache=True)
def _add_scaled(weights, delta, step, divisor, max_weight):  # pragma: no cover - compiled
    """weights += step * delta / divisor, then homeostatic synaptic scaling: a row whose largest |w|
    exceeds max_weight is rescaled as a whole (not clipped), which keeps the ordering of the
    action's inputs intact."""
    for a in range(weights.shape[0]):
        peak = 0.0
        for i in range(weights.shape[1]):
            w = weights[a, i] + step * delta[a, i] / divisor
            weights[a, i] = w
            peak = max(peak, abs(w))
        if peak > max_weight:
            factor = max_weight / peak
            for i in range(weights.shape[1]):
                weights[a, i] *= factor


@numba.njit(cache=True)
def _decay_and_tag(trace, visits, decay, code, action, mass, count):  # pragma: no cover
    """trace *= decay; trace[action] += code / mass; with `count`, visits[action] += |code| /
    max |code| (nothing is tagged when mass is 0)."""
    for a in range(trace.shape[0]):
        for i in range(trace.shape[1]):
            trace[a, i] *= decay
    if mass <= 0:
        return
    peak = 0.0
    for i in range(code.shape[0]):
        trace[action, i] += code[i] / mass
        peak = max(peak, abs(code[i]))
    if count:
        for i in range(code.shape[0]):
            visits[action, i] += abs(code[i]) / peak


@numba.njit(cache=True)
def _replay_many(weights, units, dense, actions, values, lr, max_weight, learn):  # pragma: no cover
    """Consolidation of each memory in turn: error = value - W[a] . x, then, with `learn`,
    W[a] += lr * error * x / |x|_1 and the row's synaptic scaling, as `_add_scaled` does it.
    x is written into one buffer (binary inputs, then the dense ones) so that |x|_1 adds as
    NumPy's np.abs(x).sum() does; the dot product adds the inputs that are on in order, which
    is the full sum to the bit (the others add zeros). Only the replayed action's row moves.
    Returns (errors, 0), or (nothing, why) for a batch refused before any change: 1 an action
    out of range, 2 bad units, 3 a value or input that is not finite."""
    n_binary = weights.shape[1] - dense.shape[1]
    errors = np.empty(actions.shape[0])
    for m in range(actions.shape[0]):
        if actions[m] < 0 or actions[m] >= weights.shape[0]:
            return errors[:0], 1
        last = -1
        for unit in units[m]:
            if unit < -1 or unit >= n_binary or (unit >= 0 and unit <= last):
                return errors[:0], 2
            last = max(last, unit)
        if not np.isfinite(values[m]) or not np.all(np.isfinite(dense[m])):
            return errors[:0], 3
    code = np.zeros(weights.shape[1])
    on = np.empty(weights.shape[1], np.int64)
    for m in range(actions.shape[0]):
        n_on = 0
        for unit in units[m]:
            if unit >= 0:
                code[unit] = 1.0
                on[n_on] = unit
                n_on += 1
        for j in range(dense.shape[1]):
            code[n_binary + j] = dense[m, j]
            on[n_on] = n_binary + j
            n_on += 1
        mass = abs_sum(code)
        row = weights[actions[m]]
        prediction = 0.0
        for i in on[:n_on]:
            prediction += row[i] * code[i]
        errors[m] = values[m] - prediction
        if learn and mass > 0:
            step = lr * errors[m]
            for i in on[:n_on]:
                row[i] = row[i] + step * code[i] / mass
            peak = 0.0
            for w in row:
                peak = max(peak, abs(w))
            if peak > max_weight:
                factor = max_weight / peak
                for i in range(row.shape[0]):
                    row[i] *= factor
        for unit in units[m]:
            if unit >= 0:
                code[unit] = 0.0
    return errors, 0
