import numpy as np
import pytest

from littlebrain.regions.neuromodulators import NeuromodulatorConfig, Neuromodulators


def test_surprise_is_an_outcome_only_until_the_world_gives_one():
    """The predictor's alarm counts while the world has said nothing (DishPong); from the
    world's first outcome on it is left out (Atari, Snake), and the state keeps that."""
    neuromodulators = Neuromodulators(NeuromodulatorConfig(), discount=0.9)
    assert neuromodulators.outcome(0.0, intrinsic=-0.2) == pytest.approx(-0.2)
    assert neuromodulators.outcome(1.0, intrinsic=-0.2) == 1.0
    assert neuromodulators.outcome(0.0, intrinsic=-0.2) == 0.0
    resumed = Neuromodulators(NeuromodulatorConfig(), discount=0.9)
    resumed.load_state_dict(neuromodulators.state_dict())
    assert resumed.outcome(0.0, intrinsic=-0.2) == 0.0


def test_a_frozen_brain_does_not_learn_that_the_world_scores():
    neuromodulators = Neuromodulators(NeuromodulatorConfig(), discount=0.9)
    neuromodulators.freeze(True)
    neuromodulators.outcome(1.0, intrinsic=0.0)
    assert neuromodulators.world_outcomes == 0
    assert neuromodulators.outcome(0.0, intrinsic=-0.2) == pytest.approx(-0.2)


def _bout_lengths(neuromodulators: Neuromodulators, draws: int, seed: int = 0) -> np.ndarray:
    """Lengths of the bouts started over `draws` choices made at epsilon 1 among 4 equals."""
    rng, q, lengths = np.random.default_rng(seed), np.zeros(4), []
    for _ in range(draws):
        starts = neuromodulators.bout_left == 0
        neuromodulators.choose(q, epsilon=1.0, rng=rng)
        if starts:
            lengths.append(neuromodulators.bout_left + 1)
    return np.array(lengths)


def test_exploration_comes_in_bouts_with_a_heavy_tail():
    """A bout lasts n steps with P(n) = 1 / (n (n + 1)): half are single steps, a sixth two
    steps, and a few run for hundreds, never beyond the cap."""
    bouts = NeuromodulatorConfig(exploration_bout_cap=10_000)
    lengths = _bout_lengths(Neuromodulators(bouts, 0.9), 20_000)
    assert np.mean(lengths == 1) == pytest.approx(0.5, abs=0.03)
    assert np.mean(lengths == 2) == pytest.approx(1 / 6, abs=0.03)
    assert lengths.max() > 100
    capped = _bout_lengths(Neuromodulators(NeuromodulatorConfig(exploration_bout_cap=3), 0.9), 5000)
    assert set(capped) == {1, 2, 3}


def test_a_bout_holds_its_action_until_it_falls_below_explore_within_of_the_best():
    neuromodulators = Neuromodulators(NeuromodulatorConfig(explore_within=0.5), 0.9)
    neuromodulators.bout_action, neuromodulators.bout_left = 2, 5
    rng = np.random.default_rng(0)
    q = np.array([0.3, 0.0, 0.0])  # the held action is 0.3 below the best: still held
    assert [neuromodulators.choose(q, 0.0, rng) for _ in range(3)] == [2, 2, 2]
    assert neuromodulators.bout_left == 2
    q = np.array([0.6, 0.0, 0.0])  # now 0.6 below: the bout ends, the best is taken
    assert neuromodulators.choose(q, 0.0, rng) == 0
    assert neuromodulators.bout_left == 0


def test_bouts_end_with_the_episode_and_a_frozen_brain_never_starts_one():
    neuromodulators = Neuromodulators(NeuromodulatorConfig(exploration_bout_cap=10_000), 0.9)
    neuromodulators.bout_action, neuromodulators.bout_left = 1, 50
    neuromodulators.reset_episode()
    assert neuromodulators.bout_left == 0
    neuromodulators.bout_left = 50
    neuromodulators.freeze(True)
    assert neuromodulators.bout_left == 0
    assert set(_bout_lengths(neuromodulators, 1000)) == {1}


def test_the_default_is_plain_epsilon_greedy_draw_for_draw():
    neuromodulators = Neuromodulators(NeuromodulatorConfig(), 0.9)
    rng, reference_rng = np.random.default_rng(3), np.random.default_rng(3)
    q = np.array([1.0, 0.8, 0.0, 0.9])
    for _ in range(500):
        if reference_rng.random() < 0.3:
            near = np.flatnonzero(q >= q.max() - 0.5)
            expected = int(near[reference_rng.integers(len(near))])
        else:
            expected = 0
        assert neuromodulators.choose(q, 0.3, rng) == expected


def test_a_resumed_bout_continues_where_it_stopped():
    bouts = NeuromodulatorConfig(exploration_bout_cap=10_000)
    neuromodulators = Neuromodulators(bouts, 0.9)
    neuromodulators.bout_action, neuromodulators.bout_left = 3, 7
    resumed = Neuromodulators(bouts, 0.9)
    resumed.load_state_dict(neuromodulators.state_dict())
    rng_a, rng_b, q = np.random.default_rng(1), np.random.default_rng(1), np.zeros(4)
    picks = [neuromodulators.choose(q, 0.5, rng_a) for _ in range(40)]
    assert picks[:7] == [3] * 7
    assert picks == [resumed.choose(q, 0.5, rng_b) for _ in range(40)]
    broken = neuromodulators.state_dict() | {"bout_left": np.array(-1)}
    with pytest.raises(ValueError, match="bout_left"):
        resumed.load_state_dict(broken)


def _live(neuromodulators: Neuromodulators, lives: int, length: int) -> None:
    rng, q = np.random.default_rng(0), np.zeros(4)
    for _ in range(lives):
        for _ in range(length):
            neuromodulators.choose(q, epsilon=0.0, rng=rng)
        neuromodulators.end_life()


def test_the_horizon_grows_to_a_share_of_the_typical_life_never_below_the_brains_own():
    patient = Neuromodulators(NeuromodulatorConfig(horizon_per_life=0.2), discount=0.97)
    _live(patient, lives=10, length=50)  # a horizon of 10 steps: shorter than 1 / (1 - 0.97)
    assert patient.discount == 0.97
    _live(patient, lives=600, length=500)  # the running mean forgets the short lives
    assert patient.life_length == pytest.approx(500, rel=0.01)
    assert patient.discount == pytest.approx(1 - 1 / 100, abs=1e-4)
    resumed = Neuromodulators(NeuromodulatorConfig(horizon_per_life=0.2), discount=0.97)
    resumed.load_state_dict(patient.state_dict())
    assert resumed.discount == patient.discount
    fixed = Neuromodulators(NeuromodulatorConfig(), discount=0.97)
    _live(fixed, lives=10, length=500)
    assert fixed.discount == 0.97 and fixed.life_length == 500


def test_a_frozen_brain_does_not_count_its_lives():
    neuromodulators = Neuromodulators(NeuromodulatorConfig(horizon_per_life=0.2), 0.97)
    neuromodulators.freeze(True)
    _live(neuromodulators, lives=5, length=1000)
    assert neuromodulators.lives == 0 and neuromodulators.discount == 0.97
