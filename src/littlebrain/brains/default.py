r"""The default little brain, wired like the diagram:

    observation [-> Self-centring (+ efference copy)] -> Retina [+ Foreground] -> Sensory buffer
                 -> Projection (or Cortex) [+ Motor memory of the actions] [-> Reservoir]
                 = state code
    state code -> Dentate gyrus (+ the code) -> Striatum (habits) -\
    state code -> Hippocampus (episodic values, novelty) ----------+-> arbitration -> action
    feedback -> Neuromodulators: dopamine -> Striatum, outcome -> Hippocampus replay,
                                 novelty (from the Hippocampus) -> exploration
    Predictor (state code + action -> next code): an alarm is an outcome until the world gives one
    consolidation: Hippocampus memories -> Dentate gyrus -> Striatum, a few per step
    Homeostasis watches the state code, the dentate gyrus code and the values.

The projection (a fixed random map, `state_code="projection"`) or the learned cortex sits in the
path only when the retina's output is large (`cortex_above`); a small input goes to the dentate
gyrus and the hippocampus as it is, and to the striatum beside the dentate gyrus's code (a
compressed code reaches the striatum only through the dentate gyrus).
The sensory buffer holds the last non-empty input through the silent steps between spikes; the
time constants that mean a span of the world's time (the predictor's) are counted in its typical
gap between inputs, so a world binned finely or coarsely gets the same brain (`time_unit`).
Every region learns inside `step` with its own local rule; nothing here is world-specific.
The retina sizes itself to the observation (never upsampling), the projection or the cortex to
the retina, the dentate gyrus and the hippocampus to the code, so the same defaults serve every
world with an image or vector observation and a Discrete action space.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np

from littlebrain.brain import Brain
from littlebrain.config import check
from littlebrain.region import require_range
from littlebrain.regions.cortex import Cortex, CortexConfig
from littlebrain.regions.dentate_gyrus import DentateGyrus, DentateGyrusConfig
from littlebrain.regions.foreground import Foreground, ForegroundConfig
from littlebrain.regions.hippocampus import Hippocampus, HippocampusConfig
from littlebrain.regions.homeostasis import Homeostasis
from littlebrain.regions.motor_memory import MotorMemory, MotorMemoryConfig
from littlebrain.regions.neuromodulators import NeuromodulatorConfig, Neuromodulators
from littlebrain.regions.predictor import Predictor, PredictorConfig
from littlebrain.regions.projection import ProjectionConfig, RandomProjection
from littlebrain.regions.reservoir import TARGET_RADIUS, Reservoir, ReservoirConfig
from littlebrain.regions.retina import Retina, RetinaConfig
from littlebrain.regions.self_centring import SelfCentring, SelfCentringConfig
from littlebrain.regions.sensory_buffer import SensoryBuffer, SensoryBufferConfig
from littlebrain.regions.striatum import Striatum, StriatumConfig

ABLATIONS = (
    "hippocampus",
    "striatum",
    "cortex",
    "novelty",
    "predictor",
    "sensory_buffer",
    "self_centring",
)


@dataclass(frozen=True)
class DefaultBrainConfig:
    """Settings of every region. The wiring sets the sizes that follow from the world: the
    retina's output (at most its configured size), the cortex's k_max (at most the input's
    size), the dentate gyrus's input_dim and the hippocampus's key_dim and n_actions; and it
    gives the striatum and the hippocampus the one `discount` below."""

    #: colour maps and a 5 x 5 fovea (Snake, egocentric, 60k steps, one seed, no cortex: 6.1
    #: with the fovea, 2.1 without it, 5.3 with a 3 x 3 one)
    retina: RetinaConfig = field(default_factory=lambda: RetinaConfig(colour=True, fovea=5))
    #: an image with two or more channels is re-centred on the channel the actions move
    #: (regions/self_centring.py). Snake's board view, 200k steps, last 100 episodes, 5 seeds:
    #: 17.49 with it, 0.70 without (random play 0.18); the head-centred view is
    #: left as it is (no channel alone is moved by the actions)
    self_centring: SelfCentringConfig = field(default_factory=SelfCentringConfig)
    sensory_buffer: SensoryBufferConfig = field(default_factory=SensoryBufferConfig)
    cortex: CortexConfig = field(default_factory=CortexConfig)
    dentate_gyrus: DentateGyrusConfig = field(default_factory=DentateGyrusConfig)
    hippocampus: HippocampusConfig = field(default_factory=HippocampusConfig)
    striatum: StriatumConfig = field(default_factory=StriatumConfig)
    neuromodulators: NeuromodulatorConfig = field(default_factory=NeuromodulatorConfig)
    predictor: PredictorConfig = field(default_factory=PredictorConfig)
    reservoir: ReservoirConfig = field(default_factory=ReservoirConfig)
    #: the reservoir's regime, "none" (no reservoir) or one of its regimes ("subcritical",
    #: "critical", "supercritical"); with one, the reservoir reads the code and its rates join
    #: the state code (what the dentate gyrus and the hippocampus read)
    reservoir_regime: str = "none"
    #: an efference copy of each action integrated over time joins the state code
    #: (regions/motor_memory.py): where the body is, for a world that does not sense it.
    #: Off: on DishPong's field frame (5 seeds, 50 ms bins) it did not lift hits per rally
    #: (median T2 1.97 with it, 2.04 without), and a brain handed its paddle's true position
    #: learned little more (results/dishpong/)
    motor_memory: bool = False
    motor_memory_config: MotorMemoryConfig = field(default_factory=MotorMemoryConfig)
    #: discount of future outcomes, shared by the episodic and the striatal values and by
    #: dopamine. Snake (egocentric, 200k steps, seeds 0-2, mean of the last 100 episodes):
    #: 0.97 scored 35.4 / 36.4 / 34.3, 0.95 31.9 / 26.6 / 31.9, 0.99 32.7 / 23.8 (seeds 0-1),
    #: the former 0.9 30.3 / 28.5 / 27.1; DishPong (stimulus, 10 seeds, hits per rally in the
    #: last 15 minutes, mean / median): 67.2 / 30.1 against 44.4 / 20.4 with 0.9 (session 8).
    #: A snake of 30 on 100 cells dies of traps set tens of steps ahead; 0.9 saw ten
    discount: float = 0.97
    #: the retina pools pooling x pooling input cells into one (coarse, like peripheral vision),
    #: up to its configured output size: 84 x 84 Atari frames give 21 x 21, a 19 x 19 Snake view
    #: 5 x 5 (measured on Snake at 60k steps: 5 x 5 scored 0.73, 10 x 10 0.51)
    retina_pooling: int = 4
    #: the striatum also reads the state code itself beside the dentate gyrus's sparse code,
    #: where that code is what is sensed (not compressed): a linear readout of local features
    #: generalises across states that share them, the sparse code tells apart states that look
    #: alike (Snake, egocentric, 100k steps, 2 seeds: 9.1 / 10.7 against 7.9 / 7.1 with the
    #: former exploration, 21.5 / 18.7 against 16.1 / 16.6 with today's; DishPong, 3 seeds:
    #: no clear change). A compressed code reaches it only through the dentate gyrus: each unit
    #: of a projection mixes the whole frame, a linear value over such mixtures generalises
    #: between unrelated frames, and every unit is on in every state, so the striatum counted
    #: itself sure everywhere and outvoted the hippocampus (Atari Breakout, 100k steps, seeds
    #: 0 / 1, no alarms: frozen 2.4 / 0.7 and online 1.6 / 1.2 reading the projection, 4.0 /
    #: 3.5 and 3.2 / 4.0 without it; random plays 1.7)
    striatum_reads_code: bool = True
    #: hippocampal memories replayed into the striatum per step (consolidation)
    consolidation_per_step: int = 2
    #: the cortex compresses what is sensed only when it has more than this many values; a
    #: smaller input reaches the dentate gyrus and the hippocampus as it is. Compression pays
    #: where recall would be slow or memory large (Atari: 1,764+ values), and on small inputs it
    #: costs more than it gives (Snake, 300 values, 60k steps, one seed: 6.1 without the cortex,
    #: 1.0 with 32 whitened components, 1.0 with 95% of the variance kept). 0: always compress
    cortex_above: int = 512
    #: what compresses a large input into the state code: "projection" (a fixed random
    #: projection, regions/projection.py, whose code keeps its meaning for the whole run) or
    #: "cortex" (the learned principal subspace, regions/cortex.py, whose units keep rotating
    #: inside it). Fixed probe frames kept all their dentate gyrus winners from 20k to 100k
    #: steps with the projection, 42-74% with the cortex (benchmarks/code_stability.py). Atari
    #: development games, seed 0, frozen evaluation after 100k steps, cortex -> projection:
    #: Pong -19.7 -> -17.9, Breakout 0.0 -> 1.6, MsPacman 652 -> 625, Boxing -1.3 -> 6.2,
    #: Freeway 0 -> 0 (session 9). Snake and DishPong never compress (inputs under
    #: cortex_above)
    state_code: str = "projection"
    projection: ProjectionConfig = field(default_factory=ProjectionConfig)
    #: where a large image is compressed, a coarse map of where the frame departs from its usual
    #: scene (regions/foreground.py, on the retina's grid) joins what is sensed, so that small
    #: things (a ball, a chicken) that the retina's averaging dilutes reach the code; with the
    #: projection's per-input scaling (ProjectionConfig.scaling), Atari development games,
    #: frozen, seeds 0 / 1, neither -> both: Freeway 0.0 / 0.0 -> 4.0 / 1.6, Pong -15.0 / -12.5
    #: -> 2.9 / -9.3, Breakout 4.3 / 6.4 -> 8.3 / 9.4, Boxing 3.8 / 4.5 -> 4.2 / 2.0, MsPacman
    #: 832 / 1,244 -> 1,297 / 675 (session 16, results/atari100k/FINDINGS.md).
    #: Snake and DishPong never compress, so never see it
    foreground: bool = True
    foreground_config: ForegroundConfig = field(default_factory=ForegroundConfig)
    #: regions or signals taken out, for ablations: "hippocampus", "striatum", "cortex" (the
    #: dentate gyrus and the hippocampus then read the retina), "novelty" (exploration at the
    #: fixed rate epsilon_min + epsilon_novelty / 2, the novelty-driven rate's typical level),
    #: "predictor" (no forward model, so no surprise alarms)
    ablate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check(0 <= self.discount < 1, "discount must be in [0, 1)")
        check(self.consolidation_per_step >= 0, "consolidation_per_step must be >= 0")
        check(self.retina_pooling >= 1, "retina_pooling must be >= 1")
        check(self.cortex_above >= 0, "cortex_above must be >= 0")
        check(
            self.state_code in ("cortex", "projection"),
            f"state_code must be 'cortex' or 'projection', got {self.state_code!r}",
        )
        regimes = ("none", *TARGET_RADIUS)
        check(self.reservoir_regime in regimes, f"reservoir_regime must be one of {regimes}")
        unknown = set(self.ablate) - set(ABLATIONS)
        check(not unknown, f"ablate: unknown {sorted(unknown)}, known: {', '.join(ABLATIONS)}")
        check(
            not {"hippocampus", "striatum"} <= set(self.ablate),
            "ablate: at least one of hippocampus and striatum must choose actions",
        )


class DefaultBrain(Brain):
    name = "default"
    description = "littlebrain: retina, cortex, dentate gyrus, hippocampus, striatum, predictor"
    Config = DefaultBrainConfig

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        config: DefaultBrainConfig,
        seed: int,
    ) -> None:
        super().__init__(observation_space, action_space, config, seed)
        shape = self.observation_shape
        ablate = set(config.ablate)
        self.foreground = self.self_centring = None
        if len(shape) == 3 and shape[2] >= 2 and "self_centring" not in ablate:
            self.self_centring = SelfCentring(
                shape, self.n_actions, config.retina.input_max, config.self_centring
            )
        if len(shape) >= 2:
            weights = config.retina.channel_weights
            if len(shape) == 3 and shape[2] not in (1, len(weights)):
                weights = (1.0,) * shape[2]  # an unknown colour space: every channel alike
            retina_config = dataclasses.replace(
                config.retina,
                out_height=min(-(-shape[0] // config.retina_pooling), config.retina.out_height),
                out_width=min(-(-shape[1] // config.retina_pooling), config.retina.out_width),
                channel_weights=weights,
            )
            self.retina = Retina(shape, retina_config)
            sensed = self.retina.output_size
            if config.foreground and "cortex" not in ablate and sensed > config.cortex_above:
                self.foreground = Foreground(
                    shape,
                    dataclasses.replace(
                        config.foreground_config,
                        out_height=retina_config.out_height,
                        out_width=retina_config.out_width,
                        input_max=retina_config.input_max,
                    ),
                )
                sensed += self.foreground.output_size
        else:
            self.retina = None  # a vector world: the cortex reads the observation itself
            sensed = int(np.prod(shape))
        self.sensory_buffer = None
        if "sensory_buffer" not in ablate:
            self.sensory_buffer = SensoryBuffer(sensed, config.sensory_buffer)
        self.cortex = self.projection = self.hippocampus = self.striatum = None
        code_size = sensed
        if "cortex" not in ablate and sensed > config.cortex_above:
            if config.state_code == "projection":
                self.projection = RandomProjection(sensed, config.projection, self.rng)
                code_size = self.projection.output_size
            else:
                k_max = min(config.cortex.k_max, sensed)
                self.cortex = Cortex(sensed, dataclasses.replace(config.cortex, k_max=k_max))
                code_size = self.cortex.output_size
        predicted_size = code_size  # the predictor forecasts what is sensed, not the motor memory
        self.motor_memory = None
        if config.motor_memory:
            self.motor_memory = MotorMemory(self.n_actions, config.motor_memory_config)
            code_size += self.motor_memory.output_size
        self.reservoir = None
        if config.reservoir_regime != "none":
            self.reservoir = Reservoir(
                dataclasses.replace(
                    config.reservoir, input_dim=code_size, regime=config.reservoir_regime
                ),
                self.rng,
            )
            code_size += self.reservoir.config.n_units
        self.dentate_gyrus = DentateGyrus(
            dataclasses.replace(config.dentate_gyrus, input_dim=code_size), self.rng
        )
        if "hippocampus" not in ablate:
            self.hippocampus = Hippocampus(
                dataclasses.replace(
                    config.hippocampus,
                    key_dim=code_size,
                    n_actions=self.n_actions,
                    discount=config.discount,
                    tag_width=config.dentate_gyrus.k_active,
                )
            )
        # the striatum reads the state code only where it is what is sensed (see the config)
        compressed = self.cortex is not None or self.projection is not None
        self.striatum_reads_code = config.striatum_reads_code and not compressed
        if "striatum" not in ablate:
            extra = code_size if self.striatum_reads_code else 0
            self.striatum = Striatum(
                config.dentate_gyrus.n_units + extra,
                self.n_actions,
                dataclasses.replace(config.striatum, discount=config.discount),
            )
        self.predictor = None
        if "predictor" not in ablate:
            self.predictor = Predictor(
                config.dentate_gyrus.n_units, self.n_actions, predicted_size, config.predictor
            )
        self.neuromodulators = Neuromodulators(config.neuromodulators, config.discount)
        self.homeostasis = Homeostasis(("code", "dentate_gyrus", "values"))
        regions = {
            "self_centring": self.self_centring,
            "retina": self.retina,
            "foreground": self.foreground,
            "sensory_buffer": self.sensory_buffer,
            "cortex": self.cortex,
            "projection": self.projection,
            "motor_memory": self.motor_memory,
            "reservoir": self.reservoir,
            "dentate_gyrus": self.dentate_gyrus,
            "hippocampus": self.hippocampus,
            "striatum": self.striatum,
            "predictor": self.predictor,
            "neuromodulators": self.neuromodulators,
            "homeostasis": self.homeostasis,
        }
        self.regions.update({name: r for name, r in regions.items() if r is not None})
        self._no_values = np.zeros(self.n_actions)
        # the last decision's signals, for probes (references, not copies: nothing is computed
        # unless a probe reads them)
        self._last: tuple = (0.0, 0.0, None, 0.0, *[self._no_values] * 5, None, None)

    def sense(self, observation: np.ndarray) -> np.ndarray:
        """Retina, cortex, reservoir: the state code (what is sensed, compressed where the
        cortex is, with the reservoir's rates appended where it is)."""
        if self.self_centring is not None:
            observation = self.self_centring.step(observation)
        if self.retina is not None:
            sensed = self.retina.step(observation)
            if self.foreground is not None:
                sensed = np.concatenate([sensed, self.foreground.step(observation)])
        else:
            sensed = observation.astype(np.float32).ravel()
        if self.sensory_buffer is not None:
            sensed = self.sensory_buffer.step(sensed)
        if self.cortex is not None:
            code = self.cortex.step(sensed)
        elif self.projection is not None:
            code = self.projection.step(sensed)
        else:
            code = sensed
        if self.motor_memory is not None:
            code = np.concatenate([code, self.motor_memory.code()])
        if self.reservoir is not None:
            code = np.concatenate([code, self.reservoir.step(code)])
        return code

    def surprise(self, code: np.ndarray) -> float:
        """The predictor's intrinsic outcome for the code now (0 without an alarm). It forecasts
        the code before the reservoir: the cortex's when it compresses, else what is sensed."""
        if self.predictor is None:
            return 0.0
        return self.predictor.step(code[: self.predictor.n_sensed], self.time_unit)[0]

    @property
    def time_unit(self) -> float:
        """Steps per typical input (the sensory buffer's gap): the unit of the time constants
        that mean a span of the world's time, so they hold whatever its time step."""
        return 1.0 if self.sensory_buffer is None else self.sensory_buffer.gap

    def think(self, observation: np.ndarray, feedback: float) -> int:
        code = self.sense(observation)
        feedback = self.neuromodulators.outcome(feedback, self.surprise(code))
        units = self.dentate_gyrus.active_units(code)
        sparse = self.dentate_gyrus.expand(units, np.float64)
        q_episodic, c_episodic, novelty = self.remember(code, feedback)
        q_striatal, c_striatal = self._no_values, self._no_values
        if self.striatum is not None:
            cues = self.striatal_input(sparse, code)
            q_striatal, c_striatal = self.striatum.evaluate(cues)
        q = self.neuromodulators.arbitrate(q_episodic, c_episodic, q_striatal, c_striatal)
        epsilon = self.neuromodulators.exploration(novelty)
        action = self.neuromodulators.choose(q, epsilon, self.exploration_rng)
        if self.motor_memory is not None:
            self.motor_memory.step(action, self.time_unit)
        if self.self_centring is not None:
            self.self_centring.efference(action)

        if self.striatum is not None:
            dopamine = self.neuromodulators.step(feedback, next_value=float(q_striatal[action]))
            self.striatum.step(cues, action, dopamine)
            self.neuromodulators.expect(float(q_striatal[action]))
        else:
            dopamine = 0.0
        if self.hippocampus is not None:
            self.hippocampus.store(code, action, self.dentate_gyrus.tag(units))
            self.consolidate()
        if self.predictor is not None:
            self.predictor.expect(sparse, action)
        self.homeostasis.step(code=code, dentate_gyrus=sparse, values=q)
        self._last = (feedback, dopamine, novelty, epsilon, q, q_episodic, c_episodic,
                      q_striatal, c_striatal, code, sparse)  # fmt: skip
        return action

    def signals(self) -> dict[str, float]:
        """The last decision's outcome (feedback and intrinsic), dopamine, exploration rate,
        novelty, the alarm and the surprise trace, the number of memories, the episodic
        system's share of the arbitration, the best value, each region's mean activity, and
        the channel the view is centred on (where the self-centring region is)."""
        outcome, dopamine, novelty, epsilon, q, q_e, c_e, q_s, c_s, code, sparse = self._last
        cfg = self.neuromodulators.config
        total = c_e + cfg.striatal_weight * c_s + cfg.prior_confidence
        nan = float("nan")
        signals = {
            "outcome": float(outcome),
            "dopamine": float(dopamine),
            "exploration": float(epsilon),
            "novelty": nan if novelty is None else float(novelty),
            "alarm": nan if self.predictor is None else float(self.predictor.alarmed),
            "surprise": nan if self.predictor is None else float(self.predictor.fast),
            "memory_size": nan if self.hippocampus is None else float(self.hippocampus.size),
            "episodic_weight": float(np.mean(c_e / total)),
            "value": float(q.max()),
            "activity.code": nan if code is None else float(np.mean(np.abs(code))),
            "activity.dentate_gyrus": nan if sparse is None else float(np.mean(sparse)),
            "activity.hippocampus": float(np.mean(np.abs(q_e))),
            "activity.striatum": float(np.mean(np.abs(q_s))),
        }
        if self.self_centring is not None:  # the channel the view is centred on, -1 none
            signals["self_channel"] = float(self.self_centring.self_channel)
        if self.reservoir is not None:
            signals["activity.reservoir"] = float(np.mean(np.abs(self.reservoir.rates)))
        return signals

    def remember(
        self, code: np.ndarray, feedback: float
    ) -> tuple[np.ndarray, np.ndarray, float | None]:
        """Episodic values, their confidence and the novelty of `code` (after replaying a
        non-zero outcome); no memory and no novelty where the hippocampus or novelty is out."""
        if self.hippocampus is None:
            return self._no_values, self._no_values, None
        recall = self.hippocampus.step(code, feedback)
        novelty = None if "novelty" in self.config.ablate else recall.novelty
        return recall.values, recall.confidence, novelty

    def conclude(self, observation: np.ndarray, feedback: float, terminated: bool) -> None:
        code = self.sense(observation)
        feedback = self.neuromodulators.outcome(feedback, self.surprise(code))
        if self.striatum is not None:
            if terminated:
                dopamine = self.neuromodulators.step(feedback, next_value=None)
            else:  # cut short: the future still had value
                sparse = self.dentate_gyrus.step(code)
                q_final = self.striatum.values(self.striatal_input(sparse, code))
                dopamine = self.neuromodulators.step(feedback, next_value=float(q_final.max()))
            self.striatum.learn(dopamine)
        if self.hippocampus is not None:
            self.hippocampus.conclude(feedback, terminated, final_key=code)
        self.neuromodulators.end_life()
        self.share_discount()

    def share_discount(self, rescale: bool = True) -> None:
        """The neuromodulators' discount (longer as lives grow, with horizon_per_life) reaches
        the regions that learn values with it, between lives so that no return mixes two. The
        values learnt so far are rescaled to the new horizon as a steady outcome rate r is
        worth r / (1 - gamma): unscaled, old and new values clash in the arbitration (Snake,
        discount 0.97 -> 0.99 at 200k steps, seed 0: 36.7 -> 25.0 at 300k; rescaled: 40.8 at
        300k, 41.0 at 400k; results/snake/growth_session25.md)."""
        gamma = self.neuromodulators.discount
        before = self.striatum.discount if self.striatum is not None else self.hippocampus.discount
        if gamma == before:  # the fixed discount: nothing to share after each life
            return
        factor = (1.0 - before) / (1.0 - gamma)
        if self.striatum is not None:
            self.striatum.discount = gamma
            if rescale:
                self.striatum.scale_values(factor)
        if self.hippocampus is not None:
            self.hippocampus.set_discount(gamma)
            if rescale:
                self.hippocampus.scale_values(factor)

    def striatal_input(self, sparse: np.ndarray, code: np.ndarray) -> np.ndarray:
        """What the striatum reads: the sparse code, and the state code if so wired."""
        if not self.striatum_reads_code:
            return sparse
        return np.concatenate([sparse, code])

    def consolidate(self) -> None:
        """Replay a few valued hippocampal memories into the striatum through its own rule: each
        memory's dentate gyrus code is the one stored with it (its tag), as the projection is
        fixed."""
        if self.frozen or self.striatum is None or self.config.consolidation_per_step == 0:
            return
        sampled = self.hippocampus.sample_valued(self.config.consolidation_per_step, self.rng)
        keys = sampled.keys if self.striatum_reads_code else sampled.keys[:, :0]
        self.striatum.replay_many(sampled.tags, keys, sampled.actions, sampled.values)

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore every region, after the checks that need the wiring: the memories' tags are
        dentate gyrus units, which consolidation uses as indices into the striatum."""
        tags = state.get("hippocampus.tags")
        if self.hippocampus is not None and tags is not None:
            require_range("Hippocampus.tags", tags, -1, self.dentate_gyrus.config.n_units)
        super().load_state_dict(state)
        self.share_discount(rescale=False)  # the values saved are at the saved horizon

    @property
    def frozen(self) -> bool:
        return self.dentate_gyrus.frozen
