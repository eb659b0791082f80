"""Neuromodulators: dopamine (reward prediction error), novelty-driven exploration, and the
arbitration between episodic (hippocampal) and habitual (striatal) values.

Biology borrowed:
- Dopamine neurons fire for the difference between what arrived and what was expected
  (Schultz, Dayan & Montague 1997):  delta = r + gamma * Q(s', a') - Q(s, a),  and only
  delta = r - Q(s, a) when the episode really ended (death or win: nothing follows).
- Novelty (a locus-coeruleus / cholinergic-like signal, Yu & Dayan 2005) raises exploration:
  epsilon = epsilon_min + epsilon_novelty * n / (n + n_bar),  n = distance of the state to its
  nearest memory, n_bar = a slow running average of n (so the signal adapts to the world's scale).
- Exploration spares what is known to hurt: the random action is drawn among the actions valued
  within `explore_within` of the best. In the basal ganglia, noise releases action channels
  near their threshold; a channel held down because its action led to harm is not released by a
  twitch (in deep RL, "action elimination", Zahavy et al. 2018). Where nothing is known yet
  (all values near 0) every action can be drawn, as in plain epsilon-greedy.
- Exploration may come in bouts (`exploration_bout_cap`, off by default): an exploratory action
  held for n steps, n drawn with a 1/n^2 tail, for as long as it stays within `explore_within`
  of the best (temporally extended epsilon-greedy, Dabney, Ostrovski & Barreto 2021; animals
  forage in Levy-like runs, Viswanathan et al. 1999): a single twitch rarely carries a body
  anywhere new. Measured on all 26 Atari games it cost more than it found.
- Arbitration by confidence (Daw, Niv & Dayan 2005; Lengyel & Dayan 2007): per action,
  Q = (c_h Q_h + c_s Q_s + c_0 Q_0) / (c_h + c_s + c_0): each system counts as much as it is
  sure, against a small prior c_0 that an unknown action is worth Q_0 (0, or with `optimism`
  that many typical outcomes). Without the prior, a vanishing confidence still won where the
  other system had none, and an action tried only in far-away states inherited their value and
  was never tried here.

- Patience (`horizon_per_life`, off by default): the horizon 1 / (1 - gamma) lengthens to a
  share of the brain's typical life, the running mean of its lives' lengths:
  gamma = 1 - 1 / max(1 / (1 - gamma_0), horizon_per_life * life_length). Discounting as the
  chance that the future still comes (Sozou 1998): a brain that lives longer looks further
  (serotonin and waiting for delayed reward: Doya 2002, Miyazaki et al. 2014).

- Surprise teaches only a brain that the world has never rewarded or punished: the predictor's
  alarm is an outcome of last resort (DishBrain's cultures had nothing else), and from the first
  outcome the world gives of its own the alarms are left out of what the memories learn from.
  Where the world scores, a surprise is no verdict: on Atari a serve, a new level or an enemy's
  entrance is unexpected without being bad (a Breakout brain raised 46 alarms for 4 rewards,
  each a punishment of what it had just done).

Reads: feedback (reward, or 0), the predictor's intrinsic outcome, the striatum's and
hippocampus's values and confidences, the hippocampus's novelty. Writes: the outcome learned
from, dopamine, exploration rate, the arbitrated action values.
Holds the expectation Q(s, a) of the last decision, the running novelty average, the typical
size of the outcomes (the optimistic prior's unit), the count of the world's own outcomes, the
exploratory action being held with the steps it has left, and the typical life's length.

Every constant is a field of `NeuromodulatorConfig`, documented there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from littlebrain.config import check
from littlebrain.region import Region, require_range


@dataclass(frozen=True)
class NeuromodulatorConfig:
    #: exploration that never goes away (epsilon-greedy floor)
    epsilon_min: float = 0.01
    #: extra exploration in a state as novel as the running average (half of it there,
    #: approaching all of it in states never seen before). The relative novelty n / (n + n_bar)
    #: does not fade where every state stays a little new (Snake's body is never twice the
    #: same), so this is the exploration a familiar world keeps. Snake, egocentric, 100k steps,
    #: 2 seeds, striatum reading the code: 0.02 scored 21.5 / 18.7, 0.05 17.6 / 18.9, the
    #: former 0.2 about 10; without it (0.0, eps 0.01 throughout) 11.9 / 14.2 (no code
    #: readout), so some novelty-driven exploration pays early (session 5)
    epsilon_novelty: float = 0.02
    #: time constant, in steps, of the running novelty average n_bar
    novelty_timescale: float = 1000.0
    #: weight of the striatum's confidence against the hippocampus's (1: equal footing)
    striatal_weight: float = 1.0
    #: confidence of the prior "an action nobody knows is worth 0"
    prior_confidence: float = 0.01
    #: an exploratory action is drawn among those valued within this much of the best (inf:
    #: among all): a twitch explores what might be as good, not a move already known to kill.
    #: With outcomes of size 1 (food, death, Atari's clipped rewards), 0.5 sets a move known to
    #: end badly apart. Snake, egocentric, 200k steps, seeds 0-3: 27.8 / 25.8 / 29.0 / 27.0
    #: against 22.6 / 20.8 (seeds 0-1) among all; 0.2 scored 27.6 / 26.8, 1.0 25.0 / 25.3;
    #: DishPong (10 seeds) unchanged to the digit (session 6)
    explore_within: float = 0.5
    #: the longest bout, in steps, an exploratory action is held for (1: every exploratory
    #: action is a single twitch, plain epsilon-greedy, the default). A bout lasts
    #: n = floor(1 / U) steps, U uniform: P(n) = 1 / (n (n + 1)), half of them one step, a 1/n^2
    #: tail (Dabney et al.'s zeta(2)); it ends early when the action falls below explore_within
    #: of the best, and with the episode. A frozen brain never holds. At 10,000 the bouts
    #: took the development games' two-seed means up (Pong -4.0 -> 13.8, Freeway 2.7 -> 9.1),
    #: but over all 26 Atari games (seed 0) they moved scores around without raising them: IQM
    #: 0.111, against 0.098-0.150 for each of the four seeds without bouts; below all four on
    #: 8 games (UpNDown 541 against 2,046-6,686), above all four on 4. Snake (6 seeds) and
    #: DishPong's field frame unchanged. With the draw rate left as it is, bouts make up to ten
    #: times as many training steps exploratory (a mean bout of ln(cap) + 0.58 = 9.8 steps)
    #: (results/atari100k/exploration_bouts_session18.md, session 18)
    exploration_bout_cap: int = 1
    #: the value the prior gives an action nobody knows, in typical outcomes (the running mean
    #: |r| of the non-zero outcomes seen): 0 is "worth nothing"; above 0, an action untried
    #: near this state looks worth trying (optimism in the face of uncertainty, as NAIT's
    #: untried actions), and as soon as either memory has evidence it outweighs the prior. It
    #: took Atari's Freeway across the road (1.8 points frozen, 3.2 online, against 0 without);
    #: measurements with the life-long returns at HippocampusConfig.returns (session 9)
    optimism: float = 1.0
    #: exploration of a frozen brain (an evaluation): the fixed epsilon of the Atari 100k
    #: protocol's evaluations (DER, SPR, BBF: 0.001), not the novelty-driven rate
    frozen_epsilon: float = 0.001
    #: patience: above 0, the horizon 1 / (1 - gamma) lengthens to this share of the brain's
    #: typical life (the running mean of its lives' lengths, in steps), never shorter than
    #: the brain's own discount gives; the values learnt so far are rescaled with it
    #: (DefaultBrain.share_discount). A discount is the chance that the future still comes
    #: (Sozou 1998), and a brain that lives longer can afford to look further (serotonin and
    #: patience for delayed reward: Doya 2002, Miyazaki et al. 2014). 0: the discount is fixed.
    #: Snake (egocentric, results/snake/growth_session25.md), 0.2: 41.16 [39.26, 43.06] at
    #: 200k steps over 10 seeds against the fixed discount's 38.20 [36.84, 39.56] (higher on 9),
    #: 41.50 at 1M (5 seeds: no decline); 1.0 (a whole life) 11.8 at 200k (seed 0). Off: on
    #: Atari's development games (2 seeds) it won on Breakout and lost on Boxing and Pong,
    #: games without lives whose one life is the whole game (a horizon of hundreds of steps);
    #: DishPong's session is one life, so it never acts there
    horizon_per_life: float = 0.0
    #: lives in the running mean of the life length (its step is 1 / min(lives, this))
    life_memory: float = 100.0

    def __post_init__(self) -> None:
        check(0 <= self.epsilon_min <= 1, "epsilon_min must be in [0, 1]")
        check(
            0 <= self.epsilon_novelty <= 1 - self.epsilon_min,
            "epsilon_novelty must be in [0, 1 - epsilon_min]",
        )
        check(self.novelty_timescale >= 1, "novelty_timescale must be at least 1")
        check(self.striatal_weight > 0, "striatal_weight must be positive")
        check(self.prior_confidence > 0, "prior_confidence must be positive")
        check(0 <= self.frozen_epsilon <= 1, "frozen_epsilon must be in [0, 1]")
        check(self.explore_within >= 0, "explore_within must be >= 0 (inf: explore among all)")
        check(self.optimism >= 0, "optimism must be >= 0")
        check(self.exploration_bout_cap >= 1, "exploration_bout_cap must be >= 1 (1: no bouts)")
        check(self.horizon_per_life >= 0, "horizon_per_life must be >= 0 (0: a fixed discount)")
        check(self.life_memory >= 1, "life_memory must be at least 1")


class Neuromodulators(Region):
    state_names = (
        "expected",
        "novelty_average",
        "outcome_scale",
        "outcomes",
        "world_outcomes",
        "bout_action",
        "bout_left",
        "life_steps",
        "life_length",
        "lives",
    )
    scalar_names = state_names

    def __init__(self, config: NeuromodulatorConfig, discount: float) -> None:
        super().__init__()
        self.config, self.base_discount = config, discount
        self.expected = 0.0  # Q(s, a) of the last decision
        self.novelty_average = 0.0
        self.outcome_scale = 0.0  # running mean |r| of the non-zero outcomes
        self.outcomes = 0  # non-zero outcomes seen, for the running mean's step
        self.world_outcomes = 0  # non-zero outcomes the world gave of its own
        self.bout_action = 0  # the exploratory action being held
        self.bout_left = 0  # steps it is held for after this one
        self.life_steps = 0  # decisions in the life going on
        self.life_length = 0.0  # running mean of the lives' lengths, in decisions
        self.lives = 0  # lives ended, for the running mean's step

    @property
    def discount(self) -> float:
        """gamma: the brain's own, or with horizon_per_life the longer horizon its lives
        afford, 1 - 1 / max(1 / (1 - gamma_0), horizon_per_life * life_length)."""
        horizon = self.config.horizon_per_life * self.life_length
        if horizon * (1.0 - self.base_discount) <= 1.0:
            return self.base_discount
        return 1.0 - 1.0 / horizon

    def end_life(self) -> None:
        """An episode ended: fold its length into the typical life."""
        if self.frozen or self.life_steps == 0:
            self.life_steps = 0
            return
        self.lives += 1
        rate = 1.0 / min(self.lives, self.config.life_memory)
        self.life_length += (self.life_steps - self.life_length) * rate
        self.life_steps = 0

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        names = ("novelty_average", "outcome_scale", "outcomes", "world_outcomes")
        for name in (*names, "bout_action", "bout_left", "life_steps", "life_length", "lives"):
            require_range(f"Neuromodulators.{name}", state[name], 0, np.inf)

    def outcome(self, feedback: float, intrinsic: float) -> float:
        """The outcome learned from this step: the world's feedback, plus the predictor's
        intrinsic outcome while the world has never given one of its own; and keep the typical
        size of the outcomes (the optimistic prior's unit)."""
        if feedback != 0.0 and not self.frozen:
            self.world_outcomes += 1
        if self.world_outcomes == 0:
            feedback += intrinsic
        if feedback != 0.0 and not self.frozen:
            self.outcomes += 1
            rate = 1.0 / min(self.outcomes, self.config.novelty_timescale)
            self.outcome_scale += (abs(feedback) - self.outcome_scale) * rate
        return feedback

    def step(self, feedback: float, next_value: float | None) -> float:
        """Dopamine for the last decision; `next_value` is None when the episode ended."""
        target = feedback if next_value is None else feedback + self.discount * next_value
        return float(target - self.expected)

    def expect(self, value: float) -> None:
        """Hold the value of the decision just taken, to compare with what follows."""
        self.expected = float(value)

    def exploration(self, novelty: float | None) -> float:
        """Epsilon for this step, rising with the state's novelty relative to its average;
        without a novelty signal (None), the fixed rate epsilon_min + epsilon_novelty / 2;
        frozen (an evaluation), frozen_epsilon."""
        if self.frozen:
            return self.config.frozen_epsilon
        if novelty is None:
            return self.config.epsilon_min + self.config.epsilon_novelty / 2
        if not math.isfinite(novelty):  # nothing remembered yet: everything is new
            return self.config.epsilon_min + self.config.epsilon_novelty
        rate = 1.0 / self.config.novelty_timescale
        self.novelty_average = (1 - rate) * self.novelty_average + rate * novelty
        relative = novelty / (novelty + self.novelty_average + 1e-12)
        return self.config.epsilon_min + self.config.epsilon_novelty * relative

    def choose(self, q: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
        """The action of a bout of exploration still running while it stays within
        explore_within of the best; else, with probability epsilon, an action drawn among
        those within explore_within of the best, which starts a bout (unless frozen); else the
        best value (ties drawn at random)."""
        cfg = self.config
        if not self.frozen:
            self.life_steps += 1
        if self.bout_left > 0:
            held = self.bout_action
            if held < len(q) and q[held] >= q.max() - cfg.explore_within:
                self.bout_left -= 1
                return held
            self.bout_left = 0
        if rng.random() < epsilon:
            # inf keeps every action: the same draw as choosing among all
            near = np.flatnonzero(q >= q.max() - cfg.explore_within)
            action = int(near[rng.integers(len(near))])
            if cfg.exploration_bout_cap > 1 and not self.frozen:
                length = int(1.0 / max(rng.random(), 1e-12))  # P(n) = 1 / (n (n + 1))
                self.bout_action = action
                self.bout_left = min(length, cfg.exploration_bout_cap) - 1
            return action
        best = np.flatnonzero(q == q.max())
        return int(best[0]) if len(best) == 1 else int(best[rng.integers(len(best))])

    def arbitrate(
        self,
        q_episodic: np.ndarray,
        c_episodic: np.ndarray,
        q_striatal: np.ndarray,
        c_striatal: np.ndarray,
    ) -> np.ndarray:
        """Confidence-weighted mix of the two systems' values and the prior, per action."""
        cfg = self.config
        c_s = cfg.striatal_weight * c_striatal
        total = c_episodic + c_s + cfg.prior_confidence
        q = c_episodic * q_episodic + c_s * q_striatal
        if cfg.optimism:
            q = q + cfg.prior_confidence * cfg.optimism * self.outcome_scale
        return q / total

    def freeze(self, frozen: bool = True) -> None:
        super().freeze(frozen)
        self.bout_left = 0  # an evaluation starts with no bout, and does not inherit one

    def reset_episode(self) -> None:
        self.expected = 0.0
        self.bout_left = 0  # a new episode is a new situation
