"""The striatum's three-factor rule solves a chain world whose values are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.striatum import Striatum, StriatumConfig

N_STATES, LEFT, RIGHT = 6, 0, 1  # reward +1 on reaching state 5 (terminal) from state 4


def one_hot(state: int) -> np.ndarray:
    code = np.zeros(N_STATES)
    code[state] = 1.0
    return code


def train_on_chain(striatum: Striatum, episodes: int, seed: int = 0) -> None:
    """Sarsa(lambda) through the region: dopamine = r + gamma Q(s', a') - Q(s, a)."""
    rng = np.random.default_rng(seed)
    gamma = striatum.config.discount
    for episode in range(episodes):
        epsilon = 1.0 / (1.0 + episode / 10)  # greedy in the limit: Sarsa converges to Q*
        state = 0

        def choose(s: int, epsilon: float = epsilon) -> int:
            q = striatum.values(one_hot(s))
            return (
                int(rng.integers(2)) if rng.random() < epsilon or q[0] == q[1] else int(q.argmax())
            )

        action = choose(state)
        striatum.tag(one_hot(state), action)
        expected = striatum.values(one_hot(state))[action]
        for _ in range(200):
            next_state = min(state + 1, N_STATES - 1) if action == RIGHT else max(state - 1, 0)
            if next_state == N_STATES - 1:
                striatum.learn(1.0 - expected)
                break
            next_action = choose(next_state)
            q_next = striatum.values(one_hot(next_state))[next_action]
            striatum.step(one_hot(next_state), next_action, dopamine=gamma * q_next - expected)
            expected = striatum.values(one_hot(next_state))[next_action]
            state, action = next_state, next_action
        striatum.reset_episode()


@pytest.mark.parametrize("trace_decay", [0.0, 0.8])
def test_three_factor_rule_learns_the_known_values_of_a_chain(trace_decay):
    config = StriatumConfig(learning_rate=0.3, discount=0.9, trace_decay=trace_decay)
    striatum = Striatum(N_STATES, 2, config)
    train_on_chain(striatum, episodes=400)
    q = np.array([striatum.values(one_hot(s)) for s in range(N_STATES - 1)])
    optimal_right = 0.9 ** (N_STATES - 2 - np.arange(N_STATES - 1))
    assert np.all(q[:, RIGHT] > q[:, LEFT]), "the greedy policy is 'right' everywhere"
    np.testing.assert_allclose(q[:, RIGHT], optimal_right, rtol=0.05)


def test_traces_carry_a_late_outcome_back_in_one_episode():
    config = StriatumConfig(learning_rate=1.0, discount=0.9, trace_decay=1.0)
    striatum = Striatum(N_STATES, 2, config)
    for state in range(N_STATES - 1):  # walk right, no dopamine until the end
        striatum.step(one_hot(state), RIGHT, dopamine=0.0)
    striatum.learn(1.0)
    q_right = np.array([striatum.values(one_hot(s))[RIGHT] for s in range(N_STATES - 1)])
    np.testing.assert_allclose(q_right, 0.9 ** np.arange(4, -1, -1))
    assert np.all(striatum.weights[LEFT] == 0), "only the chosen action's synapses change"


def test_replay_consolidates_episodic_values_and_confidence_grows():
    striatum = Striatum(4, 3, StriatumConfig(replay_learning_rate=0.5))
    code = np.array([0.0, 1.0, 1.0, 0.0])
    assert np.all(striatum.confidence(code) == 0)
    for _ in range(30):
        striatum.replay(code, 2, value=0.8)
    assert striatum.values(code)[2] == pytest.approx(0.8, abs=1e-6)
    for _ in range(20):
        striatum.tag(code, 1)
    confidence = striatum.confidence(code)
    assert confidence[1] == pytest.approx(1 - np.exp(-1)) and confidence[0] == 0


def test_frozen_striatum_does_not_learn_and_weights_stay_bounded():
    striatum = Striatum(3, 2, StriatumConfig(learning_rate=1.0, max_weight=5.0))
    for _ in range(100):
        striatum.step(np.ones(3), 0, dopamine=1e3)
    assert np.abs(striatum.weights).max() == pytest.approx(5.0)
    before = striatum.state_dict()
    striatum.freeze()
    striatum.step(np.ones(3), 0, dopamine=1.0)
    striatum.replay(np.ones(3), 1, value=3.0)
    assert np.array_equal(striatum.weights, before["weights"])


def test_replay_rescales_only_the_row_it_moved():
    striatum = Striatum(3, 2, StriatumConfig(replay_learning_rate=1.0, max_weight=5.0))
    striatum.weights[0] = [1.0, -2.0, 3.0]
    striatum.replay(np.array([1.0, 2.0, 0.0]), 1, value=1e3)
    row = striatum.weights[1]
    assert np.abs(row).max() == pytest.approx(5.0) and row[1] == pytest.approx(2 * row[0])
    assert np.array_equal(striatum.weights[0], [1.0, -2.0, 3.0])


def test_a_batch_replay_equals_one_replay_after_another_to_the_bit():
    # the brain's consolidation hands over binary units (padded with -1) and a dense part
    rng = np.random.default_rng(11)
    n_binary, n_dense, n_actions = 30, 7, 3
    batch, single = (Striatum(n_binary + n_dense, n_actions, StriatumConfig()) for _ in range(2))
    for _ in range(50):
        units = np.full((2, 5), -1, dtype=np.int32)
        for row in units:
            active = np.sort(rng.choice(n_binary, size=rng.integers(0, 6), replace=False))
            row[: len(active)] = active
        dense = rng.normal(size=(2, n_dense)).astype(np.float32)
        actions, values = rng.integers(n_actions, size=2), rng.normal(size=2).astype(np.float32)
        errors = batch.replay_many(units, dense, actions, values)
        for m in range(2):
            code = np.zeros(n_binary)
            code[units[m][units[m] >= 0]] = 1.0
            code = np.concatenate([code, dense[m]])
            assert errors[m] == single.replay(code, int(actions[m]), float(values[m]))
        assert np.array_equal(batch.weights, single.weights)
    assert np.abs(batch.weights).max() > 0


def test_bad_inputs_and_settings():
    striatum = Striatum(3, 2, StriatumConfig())
    with pytest.raises(ObservationError, match="code of 3"):
        striatum.values(np.ones(4))
    with pytest.raises(ObservationError, match="NaN"):
        striatum.tag(np.array([0.0, np.nan, 1.0]), 0)
    with pytest.raises(ObservationError, match="code of 3"):
        striatum.replay(np.ones(2), 0, value=1.0)
    with pytest.raises(ObservationError, match="NaN"):
        striatum.replay(np.array([0.0, np.inf, 1.0]), 0, value=1.0)
    no_units, one = np.zeros((1, 0), dtype=np.int32), np.ones((1, 1))
    for units in ([[2]], [[1, 0]], [[1, 1]], [[-2]]):
        with pytest.raises(ObservationError, match=r"units must be ascending, in \[0, 2\)"):
            striatum.replay_many(np.array(units), one, np.array([0]), np.array([1.0]))
    with pytest.raises(ObservationError, match="actions must lie"):
        striatum.replay_many(no_units, np.ones((1, 3)), np.array([2]), np.array([1.0]))
    with pytest.raises(ObservationError, match="dense"):
        striatum.replay_many(no_units, np.ones((1, 4)), np.array([0]), np.array([1.0]))
    with pytest.raises(ObservationError, match="NaN"):
        striatum.replay_many(no_units, np.ones((1, 3)), np.array([0]), np.array([np.nan]))
    assert np.all(striatum.weights == 0), "a refused replay changes nothing"
    with pytest.raises(ConfigError, match="discount"):
        StriatumConfig(discount=1.0)


def test_compiled_updates_equal_the_numpy_rule_to_the_bit():
    # the rule as written in the module docstring, operation for operation in NumPy
    rng = np.random.default_rng(5)
    config = StriatumConfig(max_weight=0.5)
    striatum = Striatum(50, 4, config)
    weights, trace, visits = (np.zeros((4, 50)) for _ in range(3))
    rescaled = 0
    for t in range(400):
        code = (rng.random(50) < 0.2) * rng.uniform(0.5, 2.0, 50)
        action, dopamine = int(rng.integers(4)), float(rng.normal())
        striatum.step(code, action, dopamine)
        weights += config.learning_rate * dopamine * trace
        peak = np.abs(weights).max(axis=1)
        weights[peak > 0.5] *= (0.5 / peak[peak > 0.5])[:, None]
        rescaled += int((peak > 0.5).sum())
        trace *= config.discount * config.trace_decay
        mass = np.abs(code).sum()
        if mass > 0:
            trace[action] += code / mass
            visits[action] += np.abs(code) / np.abs(code).max()
        if t % 3 == 0:
            value = float(rng.normal(scale=5.0))
            error = striatum.replay(code, action, value)
            prediction = 0.0  # summed in order, as the compiled replay does
            for w, x in zip(weights[action], code, strict=True):
                prediction += w * x
            assert error == value - prediction
            if mass > 0:
                weights[action] += config.replay_learning_rate * error * code / mass
                peak = np.abs(weights[action]).max()
                if peak > 0.5:
                    weights[action] *= 0.5 / peak
                    rescaled += 1
        assert np.array_equal(striatum.weights, weights)
        assert np.array_equal(striatum.trace, trace) and np.array_equal(striatum.visits, visits)
    assert rescaled > 10  # synaptic scaling was exercised
