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

Dividing by |x|_1 makes the step size independent of how many units are active (as in tile
coding). Reads: the state code x, the chosen action a, dopamine (computed by the neuromodulators
from the region's own values). Writes: Q(s, .) = W x, and per-action experience counts that say
how sure the striatum is (used to arbitrate against the hippocampus).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from littlebrain.config import check
from littlebrain.errors import ObservationError
from littlebrain.region import Region


@dataclass(frozen=True)
class StriatumConfig:
    #: step size per dopamine unit, divided among the active inputs (Snake at 60k steps:
    #: 0.3 scored 1.55 with discount 0.9, 0.1 scored 1.37)
    learning_rate: float = 0.3
    replay_learning_rate: float = 0.05
    discount: float = 0.97
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
        return self.weights @ self._check(code)[0]

    def confidence(self, code: np.ndarray) -> np.ndarray:
        """Per action, 1 - exp(-visits / confidence_visits), visits averaged over active inputs."""
        return self._confidence(*self._check(code))

    def evaluate(self, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`values` and `confidence` of one code, checked once."""
        code, mass = self._check(code)
        return self.weights @ code, self._confidence(code, mass)

    def _confidence(self, code: np.ndarray, mass: float) -> np.ndarray:
        if mass == 0:
            return np.zeros(self.n_actions)
        experience = self.visits @ (np.abs(code) / mass)
        return 1.0 - np.exp(-experience / self.config.confidence_visits)

    def step(self, code: np.ndarray, action: int, dopamine: float) -> None:
        """Deliver dopamine for the tagged past, then tag (x, a) for what comes next."""
        self.learn(dopamine)
        self.tag(code, action)

    def learn(self, dopamine: float) -> None:
        if self.frozen or dopamine == 0.0:
            return
        step = self.config.learning_rate * dopamine
        _add_scaled(self.weights, self.trace, step, 1.0, self.config.max_weight)

    def tag(self, code: np.ndarray, action: int) -> None:
        code, mass = self._check(code)
        decay = self.config.discount * self.config.trace_decay
        _decay_and_tag(self.trace, self.visits, decay, code, action, mass, not self.frozen)

    def replay(self, code: np.ndarray, action: int, value: float) -> float:
        """Consolidation: move Q(s, a) towards the hippocampus's value; returns the error."""
        code, mass = self._check(code)
        lr, max_weight = self.config.replay_learning_rate, self.config.max_weight
        learn = not self.frozen and mass > 0
        return _replay_row(self.weights[action], code, value, lr, mass, max_weight, learn)

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
def _replay_row(row, code, value, lr, mass, max_weight, learn):  # pragma: no cover - compiled
    """Consolidation of one memory: error = value - row . code (summed in order), then, with
    `learn`, row += lr * error * code / mass and the row's synaptic scaling, as `_add_scaled`
    does it; returns the error. Only the replayed action's row moves: the others stay."""
    prediction = 0.0
    for i in range(code.shape[0]):
        prediction += row[i] * code[i]
    error = value - prediction
    if not learn:
        return error
    step = lr * error
    peak = 0.0
    for i in range(code.shape[0]):
        w = row[i] + step * code[i] / mass
        row[i] = w
        peak = max(peak, abs(w))
    if peak > max_weight:
        factor = max_weight / peak
        for i in range(code.shape[0]):
            row[i] *= factor
    return error
