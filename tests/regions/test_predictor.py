"""The predictor: a delta-rule forward model whose lasting surprise raises an alarm."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.predictor import Predictor, PredictorConfig

N_CODE, N_ACTIONS, N_SENSED = 64, 3, 8


def one_hot(i: int, n: int = N_CODE) -> np.ndarray:
    code = np.zeros(n, dtype=np.float32)
    code[i] = 1.0
    return code


def cycle(
    predictor: Predictor,
    steps: int,
    rng: np.random.Generator,
    noise_from: int | None,
    time_unit: float = 1.0,
):
    """A world cycling through 8 states, each sensed as its own channel; from `noise_from` on,
    what is sensed is random pulses instead. Returns the outcomes and surprises per step."""
    outcomes, surprises = [], []
    for t in range(steps):
        state = t % 8
        if noise_from is not None and t >= noise_from:
            sensed = 2.0 * (rng.random(N_SENSED) < 0.1)
        else:
            sensed = one_hot(state, N_SENSED)
        outcome, surprise = predictor.step(sensed, time_unit)
        outcomes.append(outcome)
        surprises.append(surprise)
        action = int(rng.integers(N_ACTIONS))
        predictor.expect(one_hot(state), action)
    return np.array(outcomes), np.array(surprises)


def test_learns_a_predictable_world_and_alarms_only_at_lasting_noise():
    predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, PredictorConfig())
    rng = np.random.default_rng(0)
    outcomes, _ = cycle(predictor, 3000, rng, noise_from=None)
    # the state code predicts the next state's channel, whichever the action: each action's
    # forward model holds the mapping
    for state in range(8):
        for action in range(N_ACTIONS):
            predicted = predictor.weights[action][state]
            np.testing.assert_allclose(predicted, one_hot((state + 1) % 8, N_SENSED), atol=0.05)
    assert np.sum(outcomes < 0) == 0  # no alarm in a predictable world
    predictor.reset_episode()
    outcomes, surprises = cycle(predictor, 400, rng, noise_from=200)
    alarms = np.flatnonzero(outcomes < 0)
    assert len(alarms) == 1 and 200 < alarms[0] < 230  # one alarm, soon after the noise began
    assert outcomes[alarms[0]] == -PredictorConfig().weight
    assert np.median(surprises[250:]) > 5 * np.median(surprises[100:200])


def test_time_constants_count_in_time_units():
    """A world whose inputs come every other step (time unit 2) takes twice the steps to raise
    the same alarm: the predictor's clock is its input's, not the world's step."""
    delays = []
    for time_unit in (1.0, 2.0):
        predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, PredictorConfig())
        rng = np.random.default_rng(4)
        cycle(predictor, 3000, rng, noise_from=None, time_unit=time_unit)
        predictor.reset_episode()
        outcomes, _ = cycle(predictor, 600, rng, noise_from=100, time_unit=time_unit)
        delays.append(int(np.flatnonzero(outcomes < 0)[0]) - 100)
    assert 1.6 < delays[1] / delays[0] < 2.4, delays


def test_one_startling_step_or_a_short_predictable_burst_raises_no_alarm():
    predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, PredictorConfig())
    rng = np.random.default_rng(1)
    cycle(predictor, 2000, rng, noise_from=None)
    outcomes = []
    for _ in range(5):  # an unannounced burst on every channel, 5 steps long
        outcomes.append(predictor.step(np.full(N_SENSED, 2.0, dtype=np.float32))[0])
        predictor.expect(one_hot(N_CODE - 1), 0)
    assert not any(o < 0 for o in outcomes)


def test_delta_rule_converges_to_the_mapping():
    predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, PredictorConfig(learning_rate=0.5))
    rng = np.random.default_rng(2)
    target = rng.normal(size=(N_SENSED, 4)).astype(np.float32)
    for _ in range(2000):
        i = int(rng.integers(4))
        previous = np.flatnonzero(predictor.pending)
        predictor.step(target[:, previous[0]] if len(previous) else target[:, 0])
        predictor.expect(one_hot(i), 0)
    for i in range(4):  # the prediction from code i is target[:, i]
        np.testing.assert_allclose(predictor.weights[0][i], target[:, i], atol=0.05)


def test_state_round_trip_and_freeze():
    config = PredictorConfig()
    predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, config)
    rng = np.random.default_rng(3)
    cycle(predictor, 300, rng, noise_from=150)
    copy = Predictor(N_CODE, N_ACTIONS, N_SENSED, config)
    state = predictor.state_dict()
    assert state["samples"].dtype == np.int64 and state["alarmed"].dtype == np.bool_
    copy.load_state_dict(state)
    # the traces are Python scalars while running, 0-d arrays in the state
    assert type(copy.usual) is float and type(copy.samples) is int and type(copy.alarmed) is bool
    sensed = np.ones(N_SENSED, dtype=np.float32)
    assert predictor.step(sensed) == copy.step(sensed)
    assert copy.state_dict()["usual"].tobytes() == predictor.state_dict()["usual"].tobytes()
    np.testing.assert_array_equal(predictor.weights, copy.weights)
    predictor.freeze()
    before = predictor.weights.copy()
    predictor.expect(one_hot(5), 1)
    predictor.step(sensed * 3)
    np.testing.assert_array_equal(predictor.weights, before)


def test_bad_input_and_config():
    predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, PredictorConfig())
    with pytest.raises(ObservationError):
        predictor.step(np.zeros(N_SENSED + 1))
    with pytest.raises(ObservationError):
        predictor.step(np.full(N_SENSED, np.nan))
    for bad in ({"learning_rate": 0.0}, {"alarm_level": 1.0}, {"weight": -1.0}):
        with pytest.raises(ConfigError):
            PredictorConfig(**bad)


def test_compiled_delta_rule_equals_the_numpy_rule_to_the_bit():
    rng = np.random.default_rng(6)
    predictor = Predictor(N_CODE, N_ACTIONS, N_SENSED, PredictorConfig(learning_rate=0.3))
    weights = predictor.weights.copy()
    for t in range(300):
        code = (rng.random(N_CODE) < 0.1).astype(np.float32)
        if t % 50 == 7:
            code[:] = 0.0  # no active input: nothing predicted, nothing learned
        action = int(rng.integers(N_ACTIONS))
        predictor.expect(code, action)
        sensed = rng.standard_normal(N_SENSED).astype(np.float32)
        predictor.step(sensed)
        inputs = np.flatnonzero(code)
        error = sensed - weights[action][inputs].sum(axis=0)
        if len(inputs):
            weights[action][inputs] += (0.3 / len(inputs)) * error
        assert np.array_equal(predictor.weights.view(np.uint32), weights.view(np.uint32))
