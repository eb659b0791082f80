"""Stable-Baselines3 DQN and PPO on littlebrain's worlds, writing littlebrain's run-folder layout
(config.json, metrics.csv with the same columns, summary.json) so one report reads both.

Hyperparameters are SB3's documented defaults, with the DQN settings of the RL Baselines3 Zoo's
Atari configuration (hyperparams/dqn.yml: buffer 100k, learning starts 100k scaled to 10k here
for a 200k budget, target update 1,000, train freq 4, exploration fraction 0.1 to eps 0.01,
lr 1e-4) and PPO's defaults (n_steps 2048, batch 64, 10 epochs, lr 3e-4, gamma 0.99, GAE 0.95,
clip 0.2) plus ent_coef 0.01 as in the Zoo's Atari PPO, with an MLP on the flattened board. The
CNN rows (issue 21) use a small CNN (littlebrain_baselines.cnn: the 10 x 10 board is too small
for SB3's Nature CNN, which needs 36 x 36 or more) with the Zoo's Atari settings for images
(CNN_HYPERPARAMETERS), PPO on 8 copies of the world.

A run saves its learner every `checkpoint_every` steps in littlebrain's checkpoint format (NumPy
arrays and JSON, never SB3's pickles): the network, the optimiser's moments, a DQN's replay
buffer and counters, the random generators. An unfinished run resumes from there: the steps since
the checkpoint are dropped from metrics.csv and played again, and the worlds start fresh episodes
(their own state is not saved), so a resumed run continues the same learner but is not the bits
an uninterrupted run would give. summary.json lists the steps it resumed at.
"""

from __future__ import annotations

import csv
import json
import platform
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.checkpoint import load_checkpoint, save_checkpoint, write_json_atomic
from littlebrain.csvfiles import truncate_rows
from littlebrain.errors import CheckpointError
from littlebrain.runs import METRIC_FIELDS, provenance, read_metrics

HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "dqn": {
        "learning_rate": 1e-4,
        "buffer_size": 100_000,
        "learning_starts": 10_000,
        "batch_size": 32,
        "gamma": 0.99,
        "train_freq": 4,
        "gradient_steps": 1,
        "target_update_interval": 1_000,
        "exploration_fraction": 0.1,
        "exploration_final_eps": 0.01,
    },
    "ppo": {
        "learning_rate": 3e-4,
        "n_steps": 2048,
        "batch_size": 64,
        "n_epochs": 10,
        "gamma": 0.99,
        "gae_lambda": 0.95,
        "clip_range": 0.2,
        "ent_coef": 0.01,
    },
}


#: CNN baselines on Snake's image (issue 21): the RL Baselines3 Zoo's Atari settings
#: (hyperparams/ppo.yml: 8 envs, n_steps 128, batch 256, 4 epochs, lr 2.5e-4, clip 0.1,
#: ent_coef 0.01, vf_coef 0.5; DQN as above), the starting point of the short search
#: (littlebrain.bench.snake.CNN_SEARCH)
CNN_HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "dqn": HYPERPARAMETERS["dqn"],
    "ppo": {
        "learning_rate": 2.5e-4,
        "n_steps": 128,
        "batch_size": 256,
        "n_epochs": 4,
        "gamma": 0.99,
        "gae_lambda": 0.95,
        "clip_range": 0.1,
        "ent_coef": 0.01,
        "vf_coef": 0.5,
    },
}
#: parallel copies of the world per algorithm (the Zoo's Atari settings: PPO 8, DQN 1)
CNN_ENVS = {"dqn": 1, "ppo": 8}


def run_sb3(
    folder: Path,
    algo: str,
    env_id: str,
    env_kwargs: dict,
    steps: int,
    seed: int,
    policy: str = "mlp",
    overrides: dict[str, Any] | None = None,
    checkpoint_every: int = 100_000,
) -> dict[str, Any]:
    """Train one SB3 agent for `steps` environment steps into `folder`, resuming from its
    checkpoint if it has one: `policy` "mlp" with HYPERPARAMETERS, or "cnn" with
    CNN_HYPERPARAMETERS and CNN_ENVS copies of the world; `overrides` replace single
    hyperparameters (a search's settings)."""
    table, n_envs = (
        (CNN_HYPERPARAMETERS, CNN_ENVS[algo]) if policy == "cnn" else (HYPERPARAMETERS, 1)
    )
    hyperparameters = {**table[algo], **(overrides or {})}
    return train(
        folder, algo, env_id, env_kwargs, steps, seed, hyperparameters, policy=policy,
        n_envs=n_envs, checkpoint_every=checkpoint_every,
    )[0]  # fmt: skip


def train(
    folder: Path,
    algo: str,
    env_id: str,
    env_kwargs: dict,
    steps: int,
    seed: int,
    hyperparameters: dict[str, Any],
    primitives: bool = False,
    policy: str = "mlp",
    n_envs: int = 1,
    checkpoint_every: int | None = None,
) -> tuple[dict[str, Any], Any, Callable[[], gym.Env]]:
    """Train one SB3 agent into `folder` (config.json, metrics.csv, summary.json, littlebrain's
    layout); `primitives`: a Box action space played through littlebrain's primitives;
    `policy`: "mlp" (on the flattened observation) or "cnn" (SmallCNN on the image); `n_envs`
    copies of the world stepped side by side (their steps count toward `steps`);
    `checkpoint_every`: save the learner every that many steps and resume from a checkpoint
    of the same configuration found in `folder` (None: neither; the folder starts afresh).
    Returns the summary, the model and a maker of the world as the agent saw it."""
    import torch
    from stable_baselines3 import DQN, PPO, SAC
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    import littlebrain  # noqa: F401  (registers the worlds)
    from littlebrain.envs.primitives import ActionPrimitives

    torch.set_num_threads(1)
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "algo": algo,
        "env": env_id,
        "env_kwargs": env_kwargs,
        "steps": steps,
        "seed": seed,
        "hyperparameters": hyperparameters,
        "policy": {"mlp": "MlpPolicy", "cnn": "CnnPolicy (SmallCNN)"}[policy],
        "n_envs": n_envs,
    }
    if primitives:
        config["actions"] = "primitives"
    checkpoint = folder / "checkpoint"
    resuming = checkpoint_every is not None and (checkpoint / "meta.json").is_file()
    if resuming:
        arrays, saved = load_checkpoint(checkpoint, max_bytes=2**34)
        if saved.get("config") != json.loads(json.dumps(config)):
            raise CheckpointError(f"{checkpoint} was saved by another configuration")
    else:
        arrays, saved = {}, {"steps_done": 0, "cpu_seconds": 0.0, "wall_seconds": 0.0}
        saved["resumed_at"] = []
        write_json_atomic(
            folder / "config.json", {"config": config, "torch": torch.__version__, **provenance()}
        )

    def make() -> gym.Env:
        env = gym.make(env_id, **env_kwargs)
        return ActionPrimitives(env) if primitives else env

    # the episodes logged up to the checkpoint are kept, the rest played again
    metrics_path = folder / "metrics.csv"
    if resuming and metrics_path.is_file():
        episodes_kept = truncate_rows(metrics_path, saved["steps_done"])
    else:
        episodes_kept = 0
        with open(metrics_path, "w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerow(METRIC_FIELDS)
    metrics = open(metrics_path, "a", newline="", encoding="utf-8")  # noqa: SIM115
    writer = csv.writer(metrics)
    started = time.perf_counter() - saved["wall_seconds"]
    cpu_started = time.process_time() - saved["cpu_seconds"]

    class EpisodeLog(BaseCallback):
        """One metrics row per ended episode, from whichever copy of the world ended it; and a
        checkpoint every `checkpoint_every` steps."""

        def __init__(self) -> None:
            super().__init__()
            self.episode = episodes_kept
            self.lengths, self.returns = np.zeros(n_envs, int), np.zeros(n_envs)
            self.next_save = saved["steps_done"] + (checkpoint_every or steps + 1)

        def _on_step(self) -> bool:
            self.lengths += 1
            self.returns += self.locals["rewards"]
            for i in np.flatnonzero(self.locals["dones"]):
                info = self.locals["infos"][i]
                writer.writerow(
                    [
                        self.num_timesteps,
                        self.episode,
                        f"{info.get('score', 0):g}",
                        self.lengths[i],
                        f"{self.returns[i]:.6g}",
                        f"{time.perf_counter() - started:.3f}",
                    ]
                )
                metrics.flush()
                self.episode += 1
                self.lengths[i], self.returns[i] = 0, 0.0
            if checkpoint_every and steps > self.num_timesteps >= self.next_save:
                state, meta = _learner_state(self.model)
                meta.update(
                    config=config,
                    steps_done=self.num_timesteps,
                    cpu_seconds=time.process_time() - cpu_started,
                    wall_seconds=time.perf_counter() - started,
                    resumed_at=saved["resumed_at"],
                )
                save_checkpoint(checkpoint, state, meta)
                self.next_save = self.num_timesteps + checkpoint_every
            return True

    cls = {"dqn": DQN, "ppo": PPO, "sac": SAC}[algo]
    env = make() if n_envs == 1 else make_vec_env(make, n_envs=n_envs, seed=seed)
    if policy == "cnn":
        from littlebrain_baselines.cnn import SmallCNN

        policy_name, policy_kwargs = "CnnPolicy", {"features_extractor_class": SmallCNN}
    else:
        policy_name, policy_kwargs = "MlpPolicy", None
    model = cls(
        policy_name, env, seed=seed, device="cpu", verbose=0, policy_kwargs=policy_kwargs,
        **hyperparameters,
    )  # fmt: skip
    if resuming:
        # fresh episodes from a seed of their own, then the learner as it was saved
        model.env.seed(seed + 1_000_003 * (len(saved["resumed_at"]) + 1))
        _restore_learner(model, arrays, saved, checkpoint)
        saved["resumed_at"] = [*saved["resumed_at"], saved["steps_done"]]
    model.learn(
        total_timesteps=steps - saved["steps_done"],
        callback=EpisodeLog(),
        reset_num_timesteps=not resuming,
    )
    metrics.close()
    scores = read_metrics(folder / "metrics.csv")["score"]
    summary = {
        "method": f"{algo} (Stable-Baselines3)",
        "learns": True,
        "seed": seed,
        "steps": steps,
        "steps_budget": steps,
        "finished": True,
        "episodes": len(scores),
        "mean_score_last_100": float(np.mean(scores[-100:])) if len(scores) else None,
        "best_score": float(np.max(scores)) if len(scores) else None,
        "wall_seconds_total": time.perf_counter() - started,
        "cpu_seconds_total": time.process_time() - cpu_started,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "machine": platform.platform(),
        "resumed_at_steps": saved["resumed_at"],
    }
    write_json_atomic(folder / "summary.json", summary)
    shutil.rmtree(checkpoint, ignore_errors=True)  # finished: the learner is not kept
    return summary, model, make


def _learner_state(model: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """An SB3 learner as arrays and JSON: the policy's tensors (a DQN's target network among
    them), the optimiser's per-parameter moments, a DQN's replay buffer, the counters that
    schedules read, and the torch and NumPy generators."""
    import torch

    arrays = {f"policy/{k}": v.detach().cpu().numpy() for k, v in model.policy.state_dict().items()}
    for index, moments in model.policy.optimizer.state_dict()["state"].items():
        for name, value in moments.items():
            arrays[f"optimizer/{index}/{name}"] = torch.as_tensor(value).cpu().numpy()
    arrays["rng/torch"] = torch.get_rng_state().numpy()
    _, keys, position, has_gauss, gauss = np.random.get_state()  # noqa: NPY002 (SB3's)
    arrays["rng/numpy"] = keys
    meta: dict[str, Any] = {
        "num_timesteps": int(model.num_timesteps),
        "n_updates": int(getattr(model, "_n_updates", 0)),
        "n_calls": int(getattr(model, "_n_calls", 0)),
        "numpy_rng": [int(position), int(has_gauss), float(gauss)],
    }
    buffer = getattr(model, "replay_buffer", None)
    if buffer is not None:
        for name in _BUFFER_ARRAYS:
            arrays[f"buffer/{name}"] = getattr(buffer, name)
        meta["buffer"] = {"pos": int(buffer.pos), "full": bool(buffer.full)}
    return arrays, meta


_BUFFER_ARRAYS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")


def _restore_learner(model: Any, arrays: dict[str, np.ndarray], meta: dict, where: Path) -> None:
    """`_learner_state` back into a freshly built learner of the same configuration; a file
    that does not fit it (names, shapes, dtypes, counters) is refused with CheckpointError."""
    import torch

    def take(name: str, like: np.ndarray) -> np.ndarray:
        """The saved array `name`, refused unless it has the shape and dtype of `like`."""
        value = arrays.get(name)
        if value is None or value.shape != like.shape or value.dtype != like.dtype:
            raise CheckpointError(f"checkpoint {where} does not fit this learner ({name})")
        return value

    def tensor(name: str, like: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(take(name, like.detach().cpu().numpy()).copy())

    try:
        policy = model.policy.state_dict()
        model.policy.load_state_dict({k: tensor(f"policy/{k}", v) for k, v in policy.items()})
        optimizer = model.policy.optimizer
        fresh = optimizer.state_dict()
        params = [p for group in optimizer.param_groups for p in group["params"]]
        moments = {}
        for index, param in enumerate(params):
            prefix = f"optimizer/{index}/"
            names = sorted(key[len(prefix) :] for key in arrays if key.startswith(prefix))
            if names:  # a parameter never stepped has no moments yet
                step = torch.zeros((), dtype=torch.float32)
                moments[index] = {
                    n: tensor(prefix + n, step if n == "step" else param) for n in names
                }
        optimizer.load_state_dict({"state": moments, "param_groups": fresh["param_groups"]})
        torch.set_rng_state(tensor("rng/torch", torch.get_rng_state()))
        # SB3 draws its exploration and replay samples from NumPy's global generator
        kind, keys, _, _, _ = np.random.get_state()  # noqa: NPY002
        position, has_gauss, gauss = meta["numpy_rng"]
        state = (kind, take("rng/numpy", keys), int(position), int(has_gauss), float(gauss))
        np.random.set_state(state)  # noqa: NPY002
        model.num_timesteps = int(meta["num_timesteps"])
        model._n_updates = int(meta["n_updates"])
        if hasattr(model, "_n_calls"):
            model._n_calls = int(meta["n_calls"])
        buffer = getattr(model, "replay_buffer", None)
        if buffer is not None:
            for name in _BUFFER_ARRAYS:
                getattr(buffer, name)[...] = take(f"buffer/{name}", getattr(buffer, name))
            pos, full = int(meta["buffer"]["pos"]), bool(meta["buffer"]["full"])
            if not 0 <= pos < buffer.buffer_size:
                raise CheckpointError(f"checkpoint {where} has a replay position out of range")
            buffer.pos, buffer.full = pos, full
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"checkpoint {where} does not fit this learner: {error}") from None


#: DishPong sessions are 24,000 steps: DQN's warm-up and buffer are scaled to the session (the
#: Zoo's Atari DQN would spend the first 100k steps, four sessions, without learning); A2C and
#: PPO keep SB3's defaults (A2C: n_steps 5, lr 7e-4, gamma 0.99; PPO as above, ent_coef 0)
DISHPONG_HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "dqn": {**HYPERPARAMETERS["dqn"], "learning_starts": 1_000, "buffer_size": 24_000},
    "a2c": {},
    "ppo": {**HYPERPARAMETERS["ppo"], "ent_coef": 0.0},
}


class HitMissReward(gym.Wrapper):
    """Hands a baseline the reward DishPong never gives: +1 for a hit, -1 for a miss."""

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, _, terminated, truncated, info = self.env.step(action)
        return obs, float(info["hit"]) - float(info["miss"]), terminated, truncated, info


def run_sb3_dishpong(
    algo: str, seed: int, env_kwargs: dict, overrides: dict | None = None
) -> dict[str, Any]:
    """Train one SB3 agent online for one DishPong session (stimulus condition, hit/miss
    reward), with DISHPONG_HYPERPARAMETERS changed by `overrides`; returns the rallies it
    played while learning, like littlebrain's sessions."""
    import torch
    from stable_baselines3 import A2C, DQN, PPO
    from stable_baselines3.common.callbacks import BaseCallback

    import littlebrain  # noqa: F401  (registers the worlds)
    from littlebrain.envs.dishpong import end_session

    torch.set_num_threads(1)
    env = HitMissReward(gym.make("littlebrain/DishPong-v0", condition="stimulus", **env_kwargs))
    steps = env.unwrapped.n_bins
    rallies: list[tuple[float, int]] = []
    last: dict[str, Any] = {}

    class RallyLog(BaseCallback):
        def _on_step(self) -> bool:
            info = self.locals["infos"][0]
            if info["rally_ended"]:
                rallies.append((info["game_time_s"], int(info["rally_hits"])))
            last.update(info)
            # one session only: PPO collects whole rollouts of n_steps and would otherwise
            # play on into a second session (24,576 steps for 24,000 bins)
            return not self.locals["dones"][0]

    started = time.process_time()
    cls = {"dqn": DQN, "a2c": A2C, "ppo": PPO}[algo]
    hyperparameters = {**DISHPONG_HYPERPARAMETERS[algo], **(overrides or {})}
    model = cls("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **hyperparameters)
    model.learn(total_timesteps=steps, callback=RallyLog())
    end_session(rallies, last)
    return {
        "rallies": rallies,
        "hits": int(last["hits"]),
        "misses": int(last["misses"]),
        "session_seconds": float(last["game_time_s"]),
        "cpu_seconds": time.process_time() - started,
        "hyperparameters": hyperparameters,
        "torch": torch.__version__,
    }


#: Drone gate racing, first untuned settings (issue 24 asks for a short search): PPO, on the Box
#: actions and on the primitives, with SB3's defaults (n_steps 2048, batch 64, 10 epochs, lr
#: 3e-4, gamma 0.99, GAE 0.95, clip 0.2, ent_coef 0); SAC with the core values of the RL
#: Baselines3 Zoo's PyBullet locomotion settings (hyperparams/sac.yml: lr 7.3e-4, buffer 300k,
#: batch 256, gamma 0.98, tau 0.02, 8 gradient steps every 8 steps, 10k learning starts),
#: without its state-dependent exploration and larger network; DQN as on Snake (above).
GATES_HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "dqn": HYPERPARAMETERS["dqn"],
    "ppo": {**HYPERPARAMETERS["ppo"], "ent_coef": 0.0},
    "sac": {
        "learning_rate": 7.3e-4,
        "buffer_size": 300_000,
        "batch_size": 256,
        "gamma": 0.98,
        "tau": 0.02,
        "train_freq": 8,
        "gradient_steps": 8,
        "learning_starts": 10_000,
    },
}


def run_sb3_gates(
    folder: Path,
    algo: str,
    env_kwargs: dict,
    steps: int,
    seed: int,
    primitives: bool,
    eval_seeds: list[int],
) -> dict[str, Any]:
    """Train one SB3 agent on GateRace-v0 into `folder` (through littlebrain's action
    primitives, or on the Box actions), then play one evaluation episode per seed in
    `eval_seeds` with its deterministic policy: the gates and lengths of those episodes."""
    summary, model, make = train(
        folder, algo, "littlebrain/GateRace-v0", env_kwargs, steps, seed,
        GATES_HYPERPARAMETERS[algo], primitives,
    )  # fmt: skip
    started = time.process_time()
    env = make()
    scores, lengths = [], []
    for eval_seed in eval_seeds:
        observation, _ = env.reset(seed=eval_seed)
        done, length, info = False, 0, {}
        while not done:
            action, _ = model.predict(observation, deterministic=True)
            observation, _, terminated, truncated, info = env.step(action)
            length += 1
            done = terminated or truncated
        scores.append(float(info["score"]))
        lengths.append(length)
    env.close()
    return {
        "eval_scores": scores,
        "eval_lengths": lengths,
        "eval_episodes": len(scores),
        "eval_cpu_seconds": time.process_time() - started,
        "train_cpu_seconds": summary["cpu_seconds_total"],
    }
