"""The agent loop: a Gymnasium world and a brain, one `brain.step` per environment step.

The loop's own state (counters, the pending feedback, the actions of the episode in progress)
is saved with every checkpoint. Each episode is reset with a seed derived from the run's seed
and the episode index, so resuming mid-episode replays that episode's actions in the world
(not in the brain, whose state is restored from the checkpoint) and checks that the world came
back to the very same observation.

A world may end a learning segment without ending the episode: on a step whose `info` says
`life_lost` (Atari's loss of a life), the brain concludes the segment as terminated and starts
a new one, while the episode and its score go on to game over.

The loop is extended by callbacks (SB3's callbacks, Nengo's probes): `on_action` sees the brain
right after each decision, `on_step` every transition, `on_episode_end` every finished episode.
Metrics, probes, rallies, recorded frames and live views are callbacks on this one loop; a
callback reads, it never changes what the brain or the world does, so a run with callbacks is
the run without them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.brain import Brain
from littlebrain.errors import CheckpointError
from littlebrain.rng import episode_seed


def observation_digest(observation: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(observation).tobytes()).hexdigest()


@dataclass(frozen=True)
class EpisodeRecord:
    step: int  # global environment step at which the episode ended
    episode: int
    score: float
    length: int
    episode_return: float


@dataclass(frozen=True)
class Transition:
    """One environment step as the world returned it, after the brain has learnt from it."""

    step: int  # global environment step, counting this one
    action: int
    observation: np.ndarray
    reward: float
    terminated: bool
    truncated: bool
    info: dict[str, Any]


class Callback:
    """Hooks on the agent loop; override the ones needed. A callback must not change the brain,
    the world or their random generators."""

    def on_action(self, loop: AgentLoop, action: int) -> None:
        """After the brain chose an action, before the world steps: what the brain holds now is
        what it decided on (probes read it here)."""

    def on_step(self, loop: AgentLoop, transition: Transition) -> None:
        """After every environment step (and after `end_episode` on the step that ended one)."""

    def on_episode_end(self, loop: AgentLoop, record: EpisodeRecord) -> None:
        """After the step that ended an episode, before the next one is reset."""


class AgentLoop:
    def __init__(
        self,
        env: gym.Env,
        brain: Brain,
        seed: int,
        stream: str = "world",
        callbacks: Sequence[Callback] = (),
    ) -> None:
        """`stream`: the run's random stream the world's episodes are seeded from ("world"
        while learning, "evaluation" for a frozen evaluation; see littlebrain.rng)."""
        self.env, self.brain, self.seed, self.stream = env, brain, seed, stream
        self.callbacks = list(callbacks)
        self.step_count = 0
        self.episode = 0
        self._begin_episode()

    def _begin_episode(self) -> None:
        self.observation, _ = self.env.reset(
            seed=episode_seed(self.seed, self.episode, self.stream)
        )
        self.feedback = 0.0
        self.episode_return = 0.0
        self.actions: list[int] = []

    def advance(self) -> EpisodeRecord | None:
        """One environment step; returns the episode's record when the step ended it."""
        action = self.brain.step(self.observation, self.feedback)
        for callback in self.callbacks:
            callback.on_action(self, action)
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.actions.append(action)
        self.step_count += 1
        self.episode_return += float(reward)
        if not (terminated or truncated):
            feedback = float(reward)
            if info.get("life_lost"):  # a learning segment ends, the scored episode goes on
                self.brain.end_episode(observation, feedback, True)
                feedback = 0.0
            self.observation, self.feedback = observation, feedback
            self._notify(action, observation, reward, False, False, info)
            return None
        self.brain.end_episode(observation, float(reward), bool(terminated))
        self._notify(action, observation, reward, bool(terminated), bool(truncated), info)
        record = EpisodeRecord(
            step=self.step_count,
            episode=self.episode,
            score=float(info.get("score", self.episode_return)),
            length=len(self.actions),
            episode_return=self.episode_return,
        )
        for callback in self.callbacks:
            callback.on_episode_end(self, record)
        self.episode += 1
        self._begin_episode()
        return record

    def _notify(self, action: int, observation: Any, reward: Any, terminated: bool,
                truncated: bool, info: dict[str, Any]) -> None:  # fmt: skip
        if self.callbacks:
            transition = Transition(
                self.step_count, action, observation, float(reward), terminated, truncated, info
            )
            for callback in self.callbacks:
                callback.on_step(self, transition)

    def run(self, steps: int) -> list[EpisodeRecord]:
        """Advance `steps` environment steps; the records of the episodes that ended."""
        records = []
        for _ in range(steps):
            record = self.advance()
            if record is not None:
                records.append(record)
        return records

    def run_episodes(self, episodes: int, max_steps: int | None = None) -> list[EpisodeRecord]:
        """Advance until `episodes` more episodes have ended, or the loop's step count reaches
        `max_steps`; the records of the episodes that ended."""
        records: list[EpisodeRecord] = []
        while len(records) < episodes and (max_steps is None or self.step_count < max_steps):
            record = self.advance()
            if record is not None:
                records.append(record)
        return records

    # -- checkpointing --------------------------------------------------------------------
    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {"loop.actions": np.asarray(self.actions, dtype=np.int64)}
        meta = {
            "step": self.step_count,
            "episode": self.episode,
            "episode_return": self.episode_return,
            "feedback": self.feedback,
            "observation_sha256": observation_digest(self.observation),
        }
        return arrays, meta

    def restore(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Continue from a checkpoint's loop state: the episode in progress is replayed in the
        world from its seed and must reach the checkpointed observation. Values out of range
        (a damaged or crafted checkpoint) are refused before the world is touched."""
        try:
            step, episode = _whole(meta["step"]), _whole(meta["episode"])
            episode_return, feedback = _finite(meta["episode_return"]), _finite(meta["feedback"])
            digest = meta["observation_sha256"]
            actions = np.asarray(arrays["loop.actions"])
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"checkpoint lacks the agent loop's state ({error})") from None
        unknown = sorted(k for k in arrays if k.startswith("loop.") and k != "loop.actions")
        if unknown:
            raise CheckpointError(f"checkpoint holds unknown agent loop arrays {unknown}")
        n_actions = self.brain.n_actions
        if (
            actions.dtype != np.int64
            or actions.ndim != 1
            or len(actions) > step
            or (len(actions) and (actions.min() < 0 or actions.max() >= n_actions))
            or not isinstance(digest, str)
        ):
            raise CheckpointError(
                f"checkpoint's agent loop state is invalid: {len(actions)} actions of "
                f"{actions.dtype}, at most {step} in [0, {n_actions}), and a digest"
            )
        self.step_count, self.episode = step, episode
        self._begin_episode()
        for action in actions.tolist():
            self.observation, _, terminated, truncated, _ = self.env.step(action)
            if terminated or truncated:  # an episode that ended was never saved in progress
                raise CheckpointError("checkpoint's episode in progress ends during its replay")
        if observation_digest(self.observation) != digest:
            raise CheckpointError(
                "the world did not replay to the checkpointed observation: it is not deterministic "
                "under a seed, or it differs from the one that wrote the checkpoint"
            )
        self.actions = actions.tolist()
        self.episode_return, self.feedback = episode_return, feedback


def _whole(value: Any) -> int:
    """A non-negative whole number from a checkpoint's meta (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return value


def _finite(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)
