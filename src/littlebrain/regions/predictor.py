r"""Predictor: a forward model that learns to predict the next sensed input; its error is surprise.

Biology borrowed: forward models in the cerebellum (Wolpert, Miall & Kawato 1998) and predictive
coding in sensory cortex (Rao & Ballard 1999). From the current state code and a copy of the
motor command (efference copy) a population predicts what the senses will report next; an error
signal at each output unit (climbing-fibre-like) drives a delta rule on the synapses that made
the prediction. A sudden, lasting rise of the error is an alarm: in free-energy accounts of
DishBrain (Friston 2010; Kagan et al. 2022) a system acts so as to avoid such surprise, and here
the alarm becomes an intrinsic outcome that the memory and the basal ganglia learn from, the way
they learn from an external "death", as long as the world gives no outcome of its own (the
neuromodulators leave it out from the world's first reward or punishment on).

Rule, per step, with z_{t-1} the state code and a_{t-1} the action of the step before (the
efference copy selects the synapses that predict, so each action has its own forward model):
    x^_t = W_a z_{t-1};   e_t = x_t - x^_t;   dW_a = lr * e_t z_{t-1}^T / |z_{t-1}|_1   (delta rule)
    u_t = |e_t|^2 / s_bar  (surprise relative to s_bar, its running mean while no alarm is on)
    f <- f + (min(u_t, 2 alarm_level) - f) / tau_fast;  alarm when f rises above `alarm_level`
    (then -`weight` is the intrinsic outcome of that step); re-armed once f < alarm_level / 2.
The cap and the fast trace make an alarm take a lasting run of surprise (unpredictable input for
a while), not one startling step (a burst that starts unannounced but then runs as expected).

Only the active inputs' synapses are read and changed (the state code is sparse), so a step
costs (active inputs x sensed size). Reads: the sensed vector x_t, the binary sparse state
code and the chosen action. Writes: the intrinsic outcome (0 or -weight) and the surprise u_t.
State: the weights, the pending presynaptic pattern, the traces and the alarm flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from littlebrain.config import check
from littlebrain.errors import ObservationError
from littlebrain.region import Region, require_range
from littlebrain.regions import _exact as exact


@dataclass(frozen=True)
class PredictorConfig:
    #: delta-rule step size, divided among the active inputs
    learning_rate: float = 0.1
    #: size of the intrinsic outcome of an alarm (an external "death" is 1); 0 switches the
    #: predictor's influence off (it still learns and reports surprise)
    weight: float = 0.2
    #: the fast surprise trace must exceed this multiple of the usual surprise to raise an alarm
    alarm_level: float = 1.25
    #: time constant of the fast surprise trace, in steps
    tau_fast: float = 10.0
    #: time constant of the usual (slow) surprise, in steps
    tau_slow: float = 1000.0

    def __post_init__(self) -> None:
        check(0 < self.learning_rate <= 1, "predictor learning_rate must be in (0, 1]")
        check(self.weight >= 0, "predictor weight must be >= 0")
        check(self.alarm_level > 1, "predictor alarm_level must be > 1")
        check(self.tau_fast >= 1, "predictor tau_fast must be >= 1")
        check(self.tau_slow > self.tau_fast, "predictor tau_slow must exceed tau_fast")


class Predictor(Region):
    state_names = (
        "weights",
        "pending",
        "pending_action",
        "usual",
        "fast",
        "alarmed",
        "samples",
    )
    scalar_names = ("pending_action", "usual", "fast", "alarmed", "samples")

    def __init__(self, n_code: int, n_actions: int, n_sensed: int, config: PredictorConfig):
        super().__init__()
        self.config = config
        self.n_code, self.n_actions, self.n_sensed = n_code, n_actions, n_sensed
        # (action, input, output): the active inputs' synapses are contiguous rows
        self.weights = np.zeros((n_actions, n_code, n_sensed), dtype=np.float32)
        self.pending = np.zeros(n_code, dtype=np.bool_)  # active inputs of the last prediction
        self.pending_action = -1
        self.usual = 0.0
        self.fast = 0.0
        self.alarmed = False
        self.samples = 0

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("Predictor.pending_action", state["pending_action"], -1, self.n_actions)
        for name in ("usual", "fast", "samples"):
            require_range(f"Predictor.{name}", state[name], 0, np.inf)

    def step(self, sensed: np.ndarray, time_unit: float = 1.0) -> tuple[float, float]:
        """Compare what is sensed with what was predicted, learn, and return (intrinsic outcome,
        surprise relative to the usual); (0, 0) when nothing was predicted (an episode's start).
        `time_unit`: steps per typical input (the sensory buffer's gap), the unit of the time
        constants."""
        sensed = np.asarray(sensed, dtype=np.float32)
        if sensed.shape != (self.n_sensed,) or not np.all(np.isfinite(sensed)):
            raise ObservationError(
                f"predictor expects {self.n_sensed} finite sensed values, got shape {sensed.shape}"
            )
        if self.pending_action < 0:
            return 0.0, 0.0
        inputs = np.flatnonzero(self.pending)
        step = np.float32(self.config.learning_rate / max(len(inputs), 1))
        weights = self.weights[self.pending_action]
        error = _predict_and_learn(weights, inputs, sensed, step, not self.frozen)
        raw = float(exact.dot(error, error))
        cfg = self.config
        self.samples += 1
        if not self.alarmed:
            # the usual surprise of calm times: a plain average while young, then a running one
            tau_slow = cfg.tau_slow * time_unit
            self.usual = self.usual + (raw - self.usual) / min(float(self.samples), tau_slow)
        surprise = raw / max(self.usual, 1e-12)
        # capped, so that one startling step cannot raise an alarm alone: it takes a lasting run
        capped = min(surprise, 2.0 * cfg.alarm_level)
        tau_fast = cfg.tau_fast * time_unit
        self.fast = self.fast + (capped - self.fast) / tau_fast
        outcome = 0.0
        if not self.alarmed and self.fast > cfg.alarm_level and self.samples > tau_fast:
            self.alarmed = True
            outcome = -cfg.weight
        elif self.alarmed and self.fast < cfg.alarm_level / 2:
            self.alarmed = False
        return outcome, surprise

    def expect(self, code: np.ndarray, action: int) -> None:
        """Remember the active inputs and the action that the next prediction is made from."""
        self.pending = np.asarray(code) != 0
        self.pending_action = int(action)

    def reset_episode(self) -> None:
        self.pending = np.zeros(self.n_code, dtype=np.bool_)
        self.pending_action = -1
        self.fast = 0.0
        self.alarmed = False


@numba.njit(cache=True)
def _predict_and_learn(weights, inputs, sensed, step, learn):  # pragma: no cover - compiled
    """The error of the prediction of `sensed` by the rows `inputs` of weights (their sum,
    added in order from the first), and with `learn` the delta rule on those rows, in float32:
    NumPy's operations one for one, in one pass instead of a gather, a sum and a scatter."""
    error = np.empty_like(sensed)
    if inputs.shape[0] == 0:
        for j in range(sensed.shape[0]):
            error[j] = sensed[j] - np.float32(0.0)
        return error
    prediction = weights[inputs[0]].copy()
    for r in range(1, inputs.shape[0]):
        for j in range(sensed.shape[0]):
            prediction[j] += weights[inputs[r], j]
    for j in range(sensed.shape[0]):
        error[j] = sensed[j] - prediction[j]
    if learn:
        for r in range(inputs.shape[0]):
            for j in range(sensed.shape[0]):
                weights[inputs[r], j] += step * error[j]
    return error
