"""Diagnostic (no setting here is a default, and the privileged arms are not the protocol): what
limits the field frame, the brain's learners or what reaches them? Full 20-minute sessions of
the stimulus condition; per seed, the mean hits per rally of the rallies that ended in the last
third of the session, and the share of in-play bins that moved as the tracking rule would.

Arms (JSON: name -> {"brain": brain_config, "state": ..., "outcome": ..., "integrator": ...}):
- "state": "raw" (the world's stimulation, as the protocol) or an oracle ("ball", "ball+paddle",
  "ball+integrator"): a one-hot of the ball's place channel, held from pulse to pulse and cleared
  by a miss, beside a one-hot of the paddle's true place channel or of the path integrator's
  estimate; the world's stimulation (and so the alarms) never reaches the brain.
- "outcome": "alarm" (the brain's own surprise alarms; raw state only) or "miss" (-1 handed to
  the brain `delay` steps after each miss; a world outcome switches the alarms off).
- "dated": true (an alarm's outcome dated to the surprise's onset in the hippocampus, the steps
  since valued undiscounted) or "skip" (the steps since left unvalued): `DatedAlarms`; with
  the "miss" outcome, a delayed -1 dated exactly to its miss. "replay_only": true keeps a dated
  outcome out of the striatum's dopamine (it reaches the striatum by consolidation only);
  "onset": "fast" or "cusum" (how the alarm's onset is found: `DatedAlarms`); "near_misses":
  true lets through only the alarms within 40 steps of a miss (privileged).
- "integrator": the efference copy integrated into the paddle's place, exactly (the probe knows
  what "up" and "down" do, the paddle's speed, its range and the field's channels: privileged),
  place-coded on the field's 8 channels ("field") or on 8 bins of the paddle's range ("range");
  it replaces the motor memory's traces in the state code (raw state) or the paddle's one-hot
  (oracle state). "gain" (raw state): the integrator's step as a multiple of the paddle's.

    python results/dishpong/body_and_credit_probe.py '{"default": {}}' field-50ms 6

Session 19, output: body_and_credit_probe.md.
"""

from __future__ import annotations

import json
import sys

import gymnasium as gym
import numpy as np

from littlebrain.bench import dishpong
from littlebrain.brains import default
from littlebrain.config import RunConfig
from littlebrain.envs.dishpong import (
    DOWN,
    FIELD_HEIGHT,
    N_CHANNELS,
    PADDLE_LENGTH,
    PADDLE_SPEED,
    UP,
    end_session,
)
from littlebrain.loop import AgentLoop
from littlebrain.regions.hippocampus import Hippocampus
from littlebrain.regions.motor_memory import MotorMemory
from littlebrain.regions.neuromodulators import Neuromodulators
from littlebrain.regions.predictor import Predictor
from littlebrain.runs import make_brain

LOW, HIGH = PADDLE_LENGTH / 2, FIELD_HEIGHT - PADDLE_LENGTH / 2  # the paddle centre's range


class PathIntegrator:
    """The paddle's place from the actions alone: y <- clip(y + v dt (down - up), LOW, HIGH)."""

    def __init__(self, bins_per_second: int, frame: str, gain: float = 1.0) -> None:
        self.step_size, self.frame = gain * PADDLE_SPEED / bins_per_second, frame
        self.y = FIELD_HEIGHT / 2

    def move(self, action: int) -> None:
        self.y = min(max(self.y + self.step_size * ((action == DOWN) - (action == UP)), LOW), HIGH)

    def channel(self) -> int:
        if self.frame == "field":
            return min(int(self.y / FIELD_HEIGHT * N_CHANNELS), N_CHANNELS - 1)
        return min(int((self.y - LOW) / (HIGH - LOW) * N_CHANNELS), N_CHANNELS - 1)


class IntegratingMotorMemory(MotorMemory):
    """The motor memory's place in the brain, with the integrator's one-hot as its code."""

    bins_per_second, frame, gain = 50, "field", 1.0  # set by the probe before the brain is built

    def __init__(self, n_actions, config) -> None:
        super().__init__(n_actions, config)
        self.place = PathIntegrator(self.bins_per_second, self.frame, self.gain)

    @property
    def output_size(self) -> int:
        return N_CHANNELS

    def step(self, action: int, time_unit: float = 1.0) -> None:
        self.place.move(action)

    def code(self) -> np.ndarray:
        code = np.zeros(N_CHANNELS, dtype=np.float32)
        code[self.place.channel()] = 1.0
        return code


def replay_weighted(hippocampus: Hippocampus, outcome: float, lag: int, skip: bool) -> None:
    """The hippocampus's replay with the outcome written as if it had come `lag` steps ago:
    step i of n gets outcome * discount^max(n - 1 - lag - i, 0). With `skip` the last `lag`
    steps get nothing (they leave the trajectory unvalued), and the discount is still counted
    `lag` steps back from the steps that remain, so the last `lag` of those get the outcome
    undiscounted too (as every "dated-skip" figure in body_and_credit_probe.md was run)."""
    if skip:
        n, valued = hippocampus._n["traj_len"], hippocampus._n["traj_valued"]
        hippocampus._set("traj_len", max(n - lag, valued))
    DatedAlarms.replay(hippocampus, outcome, lag)


class DatedAlarms:
    """An alarm's outcome dated to the surprise's onset: the last step at which the predictor's
    fast surprise trace stood at its usual level (1) or below (onset "fast"), or at which the
    CUSUM of the surprise above the alarm level, S <- max(S + min(u, 2 L) - L, 0) with L the
    alarm level and u capped as the fast trace caps it, was last 0 (onset "cusum": Page's
    change-point estimate; S restarts at each alarm), at most 3 tau_fast back; the hippocampus
    writes the
    outcome as if it had come then (the steps since get it undiscounted, or with `skip`
    nothing). The striatum's dopamine is left as it is."""

    step, replay, dopamine = Predictor.step, Hippocampus._replay, Neuromodulators.step
    lag, skip, dating, replay_only, dated_now, onset = 0, False, False, False, False, "fast"
    near_misses = False

    @classmethod
    def patch(cls, skip: bool, replay_only: bool = False, onset: str = "fast",
              near_misses: bool = False) -> None:  # fmt: skip
        cls.skip, cls.dating, cls.replay_only, cls.onset = skip, True, replay_only, onset
        cls.near_misses = near_misses

        def step(predictor, sensed, time_unit=1.0):
            result = cls.step(predictor, sensed, time_unit)
            if cls.onset == "cusum":  # CUSUM of the capped surprise above the alarm level
                level = predictor.config.alarm_level
                capped = min(result[1], 2.0 * level)
                predictor.cusum = max(getattr(predictor, "cusum", 0.0) + capped - level, 0.0)
                calm = predictor.cusum == 0.0
            else:
                calm = predictor.fast <= 1.0
            predictor.since_calm = 0 if calm else getattr(predictor, "since_calm", 0) + 1
            if result[0] != 0.0 and cls.near_misses and MissClock.since_miss > 40:
                result = (0.0, result[1])  # an alarm far from any miss: not let through
            if result[0] != 0.0:  # no older than the fast trace remembers (3 time constants)
                cls.lag = min(predictor.since_calm, int(3 * predictor.config.tau_fast * time_unit))
                predictor.cusum = 0.0  # the next surprise is counted from here
            return result

        def replay(hippocampus, outcome):
            lag, cls.lag = cls.lag, 0
            if lag == 0:
                return cls.replay(hippocampus, outcome)
            cls.dated_now = True
            replay_weighted(hippocampus, outcome, lag, cls.skip)

        def dopamine(neuromodulators, feedback, next_value):
            if cls.dated_now and cls.replay_only:  # the striatum learns it by replay only
                feedback = 0.0
            cls.dated_now = False
            return cls.dopamine(neuromodulators, feedback, next_value)

        Predictor.step, Hippocampus._replay = step, replay
        Neuromodulators.step = dopamine

    @classmethod
    def unpatch(cls) -> None:
        cls.dating = False
        Predictor.step, Hippocampus._replay = cls.step, cls.replay
        Neuromodulators.step = cls.dopamine


class MissClock(gym.Wrapper):
    """Counts the steps since the last miss, for `DatedAlarms.near_misses` (privileged)."""

    since_miss = 10**9

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        MissClock.since_miss = 0 if info["miss"] else MissClock.since_miss + 1
        return observation, reward, terminated, truncated, info


class OracleState(gym.Wrapper):
    """The ball's held place channel (one-hot, 9th value: no ball) and the body's place."""

    def __init__(self, env: gym.Env, body: str, integrator: PathIntegrator | None) -> None:
        super().__init__(env)
        self.body, self.integrator = body, integrator
        size = N_CHANNELS + 1 + (N_CHANNELS if body != "ball" else 0)
        self.observation_space = gym.spaces.Box(0.0, 1.0, (size,), np.float32)

    def code(self, stimulation: np.ndarray) -> np.ndarray:
        place = stimulation[:N_CHANNELS]
        if np.count_nonzero(place) == 1 and place.max() < 1.5:  # a sensory pulse, no feedback
            self.ball = int(place.argmax())
        code = np.zeros(self.observation_space.shape, dtype=np.float32)
        code[self.ball] = 1.0
        if self.body == "ball+paddle":
            code[N_CHANNELS + 1 + int(stimulation[N_CHANNELS:].argmax())] = 1.0
        elif self.body == "ball+integrator":
            code[N_CHANNELS + 1 + self.integrator.channel()] = 1.0
        return code

    def reset(self, **kwargs):
        stimulation, info = self.env.reset(**kwargs)
        self.ball = N_CHANNELS
        return self.code(stimulation), info

    def step(self, action):
        stimulation, reward, terminated, truncated, info = self.env.step(action)
        if self.integrator is not None:
            self.integrator.move(action)
        if info["miss"]:
            self.ball = N_CHANNELS
        return self.code(stimulation), reward, terminated, truncated, info


class MissOutcome(gym.Wrapper):
    """-1 handed to the brain `delay` steps after each miss."""

    def __init__(self, env: gym.Env, delay: int) -> None:
        super().__init__(env)
        self.delay = delay

    def reset(self, **kwargs):
        self.due: list[int] = []
        return self.env.reset(**kwargs)

    def step(self, action):
        observation, _, terminated, truncated, info = self.env.step(action)
        self.due = [d - 1 for d in self.due] + ([self.delay] if info["miss"] else [])
        outcome = -float(sum(d <= 0 for d in self.due))
        if outcome and DatedAlarms.dating:  # dated exactly: the miss was `delay` steps ago
            DatedAlarms.lag = self.delay
        self.due = [d for d in self.due if d > 0]
        return observation, outcome, terminated, truncated, info


def session(arm: dict, setting: str, seed: int, minutes: float = 20.0) -> tuple[float, float]:
    state, outcome = arm.get("state", "raw"), arm.get("outcome", "alarm")
    body = arm.get("integrator")
    method = dishpong.METHODS["littlebrain-stimulus"]
    proprioception = state == "ball+paddle"
    env = dishpong.make_world(method, setting, session_minutes=minutes,
                              proprioception=proprioception)  # fmt: skip
    bins = dishpong.SETTINGS[setting].env_kwargs["bins_per_second"]
    brain_config = dict(arm.get("brain", {}))
    if state != "raw":
        integrator = PathIntegrator(bins, body) if body else None
        env = OracleState(env, state, integrator)
    elif body:
        IntegratingMotorMemory.bins_per_second, IntegratingMotorMemory.frame = bins, body
        IntegratingMotorMemory.gain = arm.get("gain", 1.0)
        default.MotorMemory = IntegratingMotorMemory
        brain_config["motor_memory"] = True
    if outcome == "miss":
        env = MissOutcome(env, arm.get("delay", 0))
    if arm.get("dated"):
        DatedAlarms.patch(
            skip=arm["dated"] == "skip",
            replay_only=arm.get("replay_only", False),
            onset=arm.get("onset", "fast"),
            near_misses=arm.get("near_misses", False),
        )
        env = MissClock(env)
    recorder = dishpong.RallyRecorder()
    config = RunConfig(env=dishpong.DISHPONG, brain="default", brain_config=brain_config,
                       seed=seed)  # fmt: skip
    try:
        AgentLoop(env, make_brain(config, env), seed, callbacks=[recorder]).run_episodes(1)
    finally:
        default.MotorMemory = MotorMemory
        DatedAlarms.unpatch()
    end_session(recorder.rallies, recorder.info)
    late = [hits for end, hits in recorder.rallies if end >= minutes * 60 * 2 / 3]
    return recorder.agreement_shares()["t2"], float(np.mean(late)) if late else float("nan")


if __name__ == "__main__":
    arms = json.loads(sys.argv[1])
    setting = sys.argv[2] if len(sys.argv) > 2 else "field-50ms"
    seeds = range(int(sys.argv[3]) if len(sys.argv) > 3 else 6)
    for name, arm in arms.items():
        agreement, hits = zip(*(session(arm, setting, seed) for seed in seeds), strict=True)
        print(f"{setting} {name:32s} late hits per rally median {np.nanmedian(hits):5.2f} "
              f"mean {np.nanmean(hits):5.2f} agreement {np.mean(agreement):.3f} per seed "
              f"{' '.join(f'{h:.2f}' for h in hits)}", flush=True)  # fmt: skip
