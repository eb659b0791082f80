"""The integrated default brain: it learns, arbitrates, stays in range, and resumes bit-exactly."""

from __future__ import annotations

import dataclasses
import json

import gymnasium as gym
import numpy as np
import pytest

from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.cli import main
from littlebrain.errors import ConfigError
from littlebrain.loop import AgentLoop
from littlebrain.regions.hippocampus import HippocampusConfig
from littlebrain.regions.neuromodulators import NeuromodulatorConfig, Neuromodulators


class CueWorld(gym.Env):
    """A one-step contextual bandit seen as images: one of 4 cue pictures, 4 actions; the
    action matching the cue pays +1, any other -1. Chance is 25% correct."""

    observation_space = gym.spaces.Box(0, 255, (8, 8, 3), dtype=np.uint8)
    action_space = gym.spaces.Discrete(4)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.cue = int(self.np_random.integers(4))
        image = np.zeros((8, 8, 3), np.uint8)
        image[(self.cue // 2) * 4 : (self.cue // 2) * 4 + 4, (self.cue % 2) * 4 :][:, :4] = 255
        return image, {}

    def step(self, action):
        reward = 1.0 if action == self.cue else -1.0
        return np.zeros((8, 8, 3), np.uint8), reward, True, False, {"score": float(reward > 0)}


def play(brain: DefaultBrain, env: gym.Env, episodes: int, seed: int = 0) -> list[float]:
    scores = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        obs, reward, terminated, truncated, info = env.step(brain.step(obs, 0.0))
        brain.end_episode(obs, reward, terminated)
        scores.append(info["score"])
    return scores


def greedy_score(brain: DefaultBrain, env: gym.Env, episodes: int = 200) -> float:
    """Frozen evaluation: no learning, no exploration."""
    brain.freeze()
    config = brain.neuromodulators.config
    brain.neuromodulators.config = dataclasses.replace(config, frozen_epsilon=0.0)
    return float(np.mean(play(brain, env, episodes, seed=10**6)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_a_cued_choice_from_binary_outcomes(seed):
    env = CueWorld()
    brain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), seed)
    scores = play(brain, env, 600, seed=1000 * seed)
    assert np.mean(scores[-100:]) > 0.9
    assert greedy_score(brain, env) == 1.0
    # it learned: the same brain frozen before any episode plays at chance (0.25)
    naive = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), seed)
    assert greedy_score(naive, env) < 0.5


def test_each_memory_system_alone_learns_the_cued_choice():
    env = CueWorld()
    episodic_only = dataclasses.replace(
        DefaultBrainConfig(),
        consolidation_per_step=0,
        neuromodulators=NeuromodulatorConfig(striatal_weight=1e-9),
    )
    habitual_only = dataclasses.replace(
        DefaultBrainConfig(), neuromodulators=NeuromodulatorConfig(striatal_weight=1e9)
    )
    for config in (episodic_only, habitual_only):
        brain = DefaultBrain(env.observation_space, env.action_space, config, seed=1)
        play(brain, env, 600, seed=1000)
        assert greedy_score(brain, env) > 0.95


def test_a_striatum_that_also_reads_the_code_learns_the_cued_choice():
    env = CueWorld()
    config = DefaultBrainConfig(striatum_reads_code=True, ablate=("hippocampus",))
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed=4)
    dentate_gyrus = brain.dentate_gyrus.config
    assert brain.striatum.n_inputs == dentate_gyrus.n_units + dentate_gyrus.input_dim
    play(brain, env, 600, seed=4000)
    assert greedy_score(brain, env) > 0.9


def test_a_brain_coded_by_the_fixed_projection_learns_and_round_trips():
    """state_code="projection": the compressed input goes through the random projection (here
    forced with cortex_above=0), not the cortex; the brain learns the cued choice, and a copy
    loaded from its state acts the same."""
    env = CueWorld()
    config = DefaultBrainConfig(state_code="projection", cortex_above=0)
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed=3)
    assert brain.cortex is None and brain.projection is not None
    assert brain.dentate_gyrus.config.input_dim == brain.projection.output_size
    play(brain, env, 600, seed=3000)
    copy = DefaultBrain(env.observation_space, env.action_space, config, seed=99)
    copy.load_state_dict(brain.state_dict())
    assert greedy_score(brain, env) > 0.9
    assert greedy_score(copy, env) == greedy_score(brain, env)


def test_the_foreground_map_joins_a_compressed_image_and_the_brain_learns_and_resumes():
    """With `foreground`, a compressed image's code also reads where the frame departs from its
    usual scene (on the retina's grid); an uncompressed input or a vector is left as it is."""
    env = CueWorld()
    config = DefaultBrainConfig(foreground=True, cortex_above=0)
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed=3)
    retina = brain.retina.config
    assert brain.foreground.output_size == retina.out_height * retina.out_width
    assert brain.projection.input_dim == brain.retina.output_size + brain.foreground.output_size
    play(brain, env, 600, seed=3000)
    twin = DefaultBrain(env.observation_space, env.action_space, config, seed=99)
    twin.load_state_dict(brain.state_dict())
    assert greedy_score(brain, env) > 0.9
    assert greedy_score(twin, env) == greedy_score(brain, env)
    plain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), 0)
    assert plain.foreground is None  # 8 x 8 x 3 is below cortex_above: seen as it is
    vector = gym.spaces.Box(-1, 1, (600,), dtype=np.float32)
    assert DefaultBrain(vector, env.action_space, config, 0).foreground is None


def test_the_striatum_reads_a_compressed_code_only_through_the_dentate_gyrus():
    """Where the input is compressed (a projection's units each mix the whole input and are on
    in every state) the striatum reads the dentate gyrus's sparse code alone; an uncompressed
    code it reads beside it."""
    env = CueWorld()
    compressed = DefaultBrain(
        env.observation_space, env.action_space, DefaultBrainConfig(cortex_above=0), seed=0
    )
    n_units = compressed.dentate_gyrus.config.n_units
    assert compressed.projection is not None and compressed.striatum.n_inputs == n_units
    plain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), seed=0)
    assert plain.projection is None
    assert plain.striatum.n_inputs == n_units + plain.dentate_gyrus.config.input_dim


def test_optimism_makes_an_untried_action_worth_trying():
    """With optimism, the prior values an action no memory knows at one typical outcome, so
    it outranks an action known to pay less; without, it is worth 0."""
    neuromodulators = Neuromodulators(NeuromodulatorConfig(optimism=1.0), discount=0.9)
    for outcome in (1.0, -1.0, 1.0):
        neuromodulators.outcome(outcome, intrinsic=0.0)
    assert neuromodulators.outcome_scale == 1.0
    known = np.array([0.5, 0.0])  # action 0 known to pay 0.5, action 1 never tried here
    confidence = np.array([1.0, 0.0])
    q = neuromodulators.arbitrate(known, confidence, np.zeros(2), np.zeros(2))
    assert q[1] == pytest.approx(1.0) and q[1] > q[0]
    plain = Neuromodulators(NeuromodulatorConfig(), discount=0.9)
    q = plain.arbitrate(known, confidence, np.zeros(2), np.zeros(2))
    assert q[1] == 0.0 and q[0] > q[1]


@pytest.mark.parametrize(
    "ablate", [("hippocampus",), ("striatum",), ("cortex",), ("novelty",), ("predictor",)]
)
def test_ablated_brains_lack_the_region_and_still_learn(ablate):
    env = CueWorld()
    config = dataclasses.replace(DefaultBrainConfig(), ablate=ablate)
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed=2)
    assert ablate[0] not in brain.regions and not any(
        key.startswith(f"{ablate[0]}.") for key in brain.state_dict()
    )
    play(brain, env, 600, seed=2000)
    assert greedy_score(brain, env) > 0.9


def test_only_large_inputs_are_compressed_by_the_projection_or_the_cortex():
    small = gym.spaces.Box(0, 255, (8, 8, 3), dtype=np.uint8)
    large = gym.spaces.Box(0, 255, (84, 84), dtype=np.uint8)
    actions = gym.spaces.Discrete(4)
    plain = DefaultBrain(small, actions, DefaultBrainConfig(), 0).regions
    assert "projection" not in plain and "cortex" not in plain
    brain = DefaultBrain(large, actions, DefaultBrainConfig(), 0)
    assert brain.cortex is None
    assert brain.hippocampus.config.key_dim == brain.projection.output_size == 32
    learned = DefaultBrain(large, actions, DefaultBrainConfig(state_code="cortex"), 0)
    assert learned.projection is None
    assert learned.hippocampus.config.key_dim == learned.cortex.output_size == 32
    forced = DefaultBrain(small, actions, DefaultBrainConfig(cortex_above=0), 0)
    assert forced.dentate_gyrus.config.input_dim == forced.projection.output_size


def test_surprise_alarms_come_with_unpredictable_stimulation():
    env = gym.make(
        "littlebrain/DishPong-v0", session_minutes=4, place_frame="paddle", bins_per_second=20
    )
    brain = DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), 0)
    alarms = {"none": 0, "predictable": 0, "unpredictable": 0}
    obs, info = env.reset(seed=0)
    feedback = "none"
    for _ in range(env.unwrapped.n_bins - 1):
        # think() adds the alarm (-weight) to the outcome it learns from; read it off the region
        before = bool(brain.predictor.alarmed)
        action = brain.step(obs, 0.0)
        if brain.predictor.alarmed and not before:
            alarms[feedback] += 1
        obs, _, _, _, info = env.step(action)
        feedback = info["feedback"]
    assert alarms["unpredictable"] >= 0.5 * info["misses"] > 0
    assert alarms["none"] + alarms["predictable"] <= 0.1 * alarms["unpredictable"]


def test_reservoir_rates_join_the_state_code_and_resume_bit_exactly():
    env = gym.make("littlebrain/DishPong-v0", place_frame="paddle", bins_per_second=20)
    config = DefaultBrainConfig(reservoir_regime="critical")
    brain = DefaultBrain(env.observation_space, env.action_space, config, 0)
    assert brain.dentate_gyrus.config.input_dim == 8 + brain.reservoir.config.n_units
    assert brain.hippocampus.config.key_dim == brain.dentate_gyrus.config.input_dim
    obs, _ = env.reset(seed=0)
    for _ in range(300):
        obs, *_ = env.step(brain.step(obs, 0.0))
    assert np.abs(brain.reservoir.rates).max() > 0
    twin = DefaultBrain(env.observation_space, env.action_space, config, 99)
    twin.load_state_dict(brain.state_dict())
    for _ in range(200):
        action = brain.step(obs, 0.0)
        assert twin.step(obs, 0.0) == action
        obs, *_ = env.step(action)
    with pytest.raises(ConfigError, match="reservoir_regime"):
        DefaultBrainConfig(reservoir_regime="chaotic")


def test_ablating_both_memory_systems_or_unknown_regions_is_refused():
    with pytest.raises(ConfigError, match="at least one"):
        DefaultBrainConfig(ablate=("hippocampus", "striatum"))
    with pytest.raises(ConfigError, match="unknown"):
        DefaultBrainConfig(ablate=("amygdala",))


def test_arbitration_follows_confidence():
    neuromodulators = Neuromodulators(NeuromodulatorConfig(prior_confidence=1e-9), 0.9)
    q_h, q_s = np.array([1.0, 1.0, 0.0, -1.0]), np.array([0.0, 0.5, 2.0, 0.0])
    mixed = neuromodulators.arbitrate(
        q_h, np.array([1.0, 0.5, 0.0, 1e-6]), q_s, np.array([0.0, 0.5, 1.0, 0.0])
    )
    # no striatal experience: episodic; equal confidence: the mean; no episodic memory: striatal
    np.testing.assert_allclose(mixed[:3], [1.0, 0.75, 2.0], rtol=1e-6)
    assert mixed[3] == pytest.approx(-1.0, rel=1e-3)
    # the prior: a memory known only faintly does not decide an action's value on its own
    sceptical = Neuromodulators(NeuromodulatorConfig(prior_confidence=0.01), 0.9)
    faint = sceptical.arbitrate(q_h, np.array([1.0, 0.5, 0.0, 1e-6]), q_s, np.zeros(4))
    assert faint[0] == pytest.approx(1 / 1.01) and abs(faint[3]) < 1e-3
    assert np.all(sceptical.arbitrate(q_h, np.zeros(4), q_s, np.zeros(4)) == 0)


def test_dopamine_is_the_prediction_error_and_exploration_rises_with_novelty():
    neuromodulators = Neuromodulators(
        NeuromodulatorConfig(epsilon_min=0.1, epsilon_novelty=0.4), 0.9
    )
    neuromodulators.expect(0.5)
    assert neuromodulators.step(feedback=1.0, next_value=None) == pytest.approx(0.5)
    assert neuromodulators.step(feedback=0.0, next_value=1.0) == pytest.approx(0.4)
    assert neuromodulators.exploration(np.inf) == pytest.approx(0.5)
    for _ in range(3000):
        neuromodulators.exploration(1.0)
    assert neuromodulators.exploration(1.0) == pytest.approx(0.1 + 0.4 * 0.5, abs=0.01)
    assert neuromodulators.exploration(0.0) == pytest.approx(0.1)
    assert neuromodulators.exploration(100.0) > 0.45
    # frozen (an evaluation): the protocol's fixed epsilon, whatever the novelty
    neuromodulators.freeze()
    average = float(neuromodulators.novelty_average)
    assert neuromodulators.exploration(100.0) == neuromodulators.exploration(np.inf) == 0.001
    assert neuromodulators.exploration(None) == 0.001
    assert float(neuromodulators.novelty_average) == average


def test_exploration_skips_actions_known_to_be_much_worse():
    rng = np.random.default_rng(0)
    q = np.array([1.0, 0.6, -1.0, 0.95])  # action 2 is known to end badly
    careful = Neuromodulators(NeuromodulatorConfig(explore_within=0.5), 0.9)
    assert {careful.choose(q, 1.0, rng) for _ in range(400)} == {0, 1, 3}
    anywhere = Neuromodulators(NeuromodulatorConfig(explore_within=np.inf), 0.9)
    assert {anywhere.choose(q, 1.0, rng) for _ in range(400)} == {0, 1, 2, 3}
    # where nothing is known yet, every action is within reach
    assert {careful.choose(np.zeros(4), 1.0, rng) for _ in range(400)} == {0, 1, 2, 3}
    with pytest.raises(ConfigError, match="explore_within"):
        NeuromodulatorConfig(explore_within=-0.1)


def test_ties_are_broken_at_random_and_a_clear_best_wins():
    rng = np.random.default_rng(0)
    neuromodulators = Neuromodulators(NeuromodulatorConfig(), 0.9)
    q = np.zeros(4)
    ties = [neuromodulators.choose(q, 0.0, rng) for _ in range(400)]
    assert set(ties) == {0, 1, 2, 3} and np.mean(np.diff(ties) == 0) < 0.4
    better = np.zeros(4)
    better[2] = 1.0
    assert all(neuromodulators.choose(better, 0.0, rng) == 2 for _ in range(50))


def test_snake_run_stays_in_range_with_bounded_memory():
    env = gym.make("littlebrain/Snake-v0")
    config = dataclasses.replace(
        DefaultBrainConfig(),
        hippocampus=HippocampusConfig(capacity=1500, ivf_threshold=1024, ivf_cells=32),
    )
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed=3)
    obs, _ = env.reset(seed=3)
    feedback = 0.0
    for _ in range(4000):
        obs, feedback, terminated, truncated, _ = env.step(brain.step(obs, feedback))
        if terminated or truncated:
            brain.end_episode(obs, feedback, terminated)
            obs, _ = env.reset()
            feedback = 0.0
    assert brain.hippocampus.size <= 1500
    for name, array in brain.state_dict().items():
        if array.dtype.kind == "f":
            assert np.all(np.isfinite(array)), name
    assert np.abs(brain.striatum.weights).max() <= brain.striatum.config.max_weight
    report = brain.homeostasis.report()
    assert 0 < report["dentate_gyrus"]["mean_activity"] <= 40 / 2048 + 1e-6
    assert report["code"]["peak"] < 1e3 and report["values"]["peak"] <= 1 / (
        1 - brain.config.discount
    )


def snake_actions(view: str, ablate: tuple[str, ...] = (), steps: int = 3000):
    env = gym.make("littlebrain/Snake-v0", view=view)
    config = DefaultBrainConfig(ablate=ablate)
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed=2)
    loop = AgentLoop(env, brain, seed=2)
    actions = []
    for _ in range(steps):
        loop.advance()
        actions.append(loop.actions[-1] if loop.actions else None)
    return brain, actions


def test_the_snake_board_is_recentred_on_the_head_and_a_head_centred_view_left_alone():
    """On the board the head is the one thing the turns move: the brain finds it (channel 1)
    and sees the board from it. In the head-centred view the whole scene turns and slides with
    each action, so nothing is re-centred: the brain acts exactly as without the region."""
    board_brain, _ = snake_actions("board")
    assert board_brain.self_centring.self_channel == 1
    assert board_brain.self_centring.agency()[1] > 0.9
    ego_brain, ego_actions = snake_actions("egocentric")
    assert ego_brain.self_centring.self_channel == -1
    _, plain_actions = snake_actions("egocentric", ablate=("self_centring",))
    assert ego_actions == plain_actions


def test_full_brain_resumes_bit_exactly(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    common = ["--brain", "default", "--seed", "5", "--quiet"]
    assert main(["run", "snake", "--steps", "3000", "--out", str(straight), *common]) == 0
    assert main(["run", "snake", "--steps", "1500", "--out", str(resumed), *common]) == 0
    assert main(["resume", str(resumed), "--steps", "3000", "--quiet"]) == 0
    rows = [(run / "metrics.csv").read_text().splitlines() for run in (straight, resumed)]
    assert [r.rsplit(",", 1)[0] for r in rows[0]] == [r.rsplit(",", 1)[0] for r in rows[1]]
    summary = json.loads((resumed / "summary.json").read_text())
    assert summary["learns"] is True and summary["steps"] == 3000


def test_any_vector_world_runs_with_the_same_defaults(tmp_path):
    run = tmp_path / "cartpole"
    assert (
        main(
            [
                "run",
                "CartPole-v1",
                "--brain",
                "default",
                "--steps",
                "1000",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    assert json.loads((run / "summary.json").read_text())["episodes"] > 5


def test_a_longer_horizon_reaches_the_striatum_and_the_hippocampus_and_resumes(tmp_path):
    """With horizon_per_life, the discount the neuromodulators set at a life's end is the one
    the striatum's trace and the hippocampus's returns use, in a resumed run too."""
    config = tmp_path / "patient.toml"
    config.write_text("[brain_config.neuromodulators]\nhorizon_per_life = 1.0\n")
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    common = ["--brain", "default", "--seed", "2", "--quiet", "--config", str(config)]
    assert main(["run", "snake", "--steps", "3000", "--out", str(straight), *common]) == 0
    assert main(["run", "snake", "--steps", "1500", "--out", str(resumed), *common]) == 0
    assert main(["resume", str(resumed), "--steps", "3000", "--quiet"]) == 0
    rows = [(run / "metrics.csv").read_text().splitlines() for run in (straight, resumed)]
    assert [r.rsplit(",", 1)[0] for r in rows[0]] == [r.rsplit(",", 1)[0] for r in rows[1]]
    env = gym.make("littlebrain/Snake-v0")
    brain = DefaultBrain(
        env.observation_space,
        env.action_space,
        DefaultBrainConfig(neuromodulators=NeuromodulatorConfig(horizon_per_life=1.0)),
        seed=0,
    )
    obs, _ = env.reset(seed=0)
    for _ in range(40):  # a life of 40 steps, cut short: a horizon of 40 > 1 / (1 - 0.97)
        obs, reward, terminated, truncated, _ = env.step(brain.step(obs, 0.0))
        if terminated:
            break
    brain.end_episode(obs, 0.0, terminated)
    gamma = brain.neuromodulators.discount
    assert gamma > 0.97
    assert brain.striatum.discount == gamma == brain.hippocampus.discount
    # a longer life: the values learnt so far are rescaled to the new horizon, r / (1 - gamma)
    rng = np.random.default_rng(0)
    brain.striatum.weights[:] = rng.normal(size=brain.striatum.weights.shape)
    brain.hippocampus.values[:] = rng.normal(size=brain.hippocampus.values.shape)
    weights, values = brain.striatum.weights.copy(), brain.hippocampus.values.copy()
    brain.neuromodulators.life_length = 200.0
    brain.share_discount()
    factor = (1 - gamma) / (1 - brain.neuromodulators.discount)
    assert factor == pytest.approx(200 * (1 - gamma))
    np.testing.assert_allclose(brain.striatum.weights, weights * factor, rtol=1e-6)
    np.testing.assert_allclose(brain.hippocampus.values, values * factor, rtol=1e-5)
