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
