"""The agent loop: a Gymnasium world and a brain, one `brain.step` per environment step.

The loop's own state (counters, the pending feedback, the actions of the episode in progress)
is saved with every checkpoint. Each episode is reset with a seed derived from the run's seed
and the episode index, so resuming mid-episode replays that episode's actions in the world
(not in the brain, whose state is restored from the checkpoint) and checks that the world came
back to the very same observation.

A world may end a learning segment without ending the episode: on a step whose `info` says
`life_lost` (Atari's loss of a life), the brain concludes the segment as terminated and starts
a new one, while the episode and its score go on to game over.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.brain import Brain
from littlebrain.errors import CheckpointError


def episode_seed(run_seed: int, episode: int) -> int:
    return int(np.random.SeedSequence([run_seed, episode]).generate_state(1, np.uint32)[0])


def observation_digest(observation: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(observation).tobytes()).hexdigest()


@dataclass(frozen=True)
class EpisodeRecord:
    step: int  # global environment step at which the episode ended
    episode: int
    score: float
    length: int
    episode_return: float


class AgentLoop:
    def __init__(self, env: gym.Env, brain: Brain, seed: int) -> None:
        self.env, self.brain, self.seed = env, brain, seed
        self.step_count = 0
        self.episode = 0
        self._begin_episode()

    def _begin_episode(self) -> None:
        self.observation, _ = self.env.reset(seed=episode_seed(self.seed, self.episode))
        self.feedback = 0.0
        self.episode_return = 0.0
        self.actions: list[int] = []

    def advance(self) -> EpisodeRecord | None:
        """One environment step; returns the episode's record when the step ended it."""
        action = self.brain.step(self.observation, self.feedback)
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.actions.append(action)
        self.step_count += 1
        self.episode_return += float(reward)
        if not (terminated or truncated):
            if info.get("life_lost"):  # a learning segment ends, the scored episode goes on
                self.brain.end_episode(observation, float(reward), True)
                reward = 0.0
            self.observation, self.feedback = observation, float(reward)
            return None
        self.brain.end_episode(observation, float(reward), bool(terminated))
        record = EpisodeRecord(
            step=self.step_count,
            episode=self.episode,
            score=float(info.get("score", self.episode_return)),
            length=len(self.actions),
            episode_return=self.episode_return,
        )
        self.episode += 1
        self._begin_episode()
        return record

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
        try:
            self.step_count = int(meta["step"])
            self.episode = int(meta["episode"])
            actions = [int(a) for a in arrays["loop.actions"]]
            episode_return, feedback = float(meta["episode_return"]), float(meta["feedback"])
            digest = str(meta["observation_sha256"])
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"checkpoint lacks the agent loop's state ({error})") from None
        self._begin_episode()
        for action in actions:
            self.observation, *_ = self.env.step(action)
        if observation_digest(self.observation) != digest:
            raise CheckpointError(
                "the world did not replay to the checkpointed observation: it is not deterministic "
                "under a seed, or it differs from the one that wrote the checkpoint"
            )
        self.actions, self.episode_return, self.feedback = actions, episode_return, feedback
