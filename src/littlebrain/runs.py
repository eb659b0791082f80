"""Run folders: everything one run produced, resumable bit for bit.

    <run>/config.json          the validated settings, each region's config as wired, the
                               package version, git commit
    <run>/metrics.csv          one row per episode, appended and flushed as episodes end
    <run>/probes.csv           the brain's signals every `probe_every` steps (littlebrain.probes)
    <run>/checkpoints/step-N/  arrays.npz + meta.json (see littlebrain.checkpoint)
    <run>/summary.json         headline figures, rewritten at the end of each sitting
    <run>/learning_curve.png   score against environment steps
    <run>/commands.txt         every command line that worked on this folder
    <run>/live/frame.png       what the brain sees, about once a second (littlebrain watch)
    <run>/tensorboard/         probes and scores as TensorBoard scalars, if asked for

Resuming loads the newest checkpoint, drops metric rows written after it (the resumed run
writes them again, identically), and continues. Nothing in the folder is touched until the
config, the world, the brain and the checkpoint have all been checked.
"""

from __future__ import annotations

import csv
import math
import platform
import resource
import shlex
import shutil
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from threadpoolctl import threadpool_limits

from littlebrain import __version__, _numba_target
from littlebrain.animation import LiveFrame
from littlebrain.brain import Brain
from littlebrain.brains import BRAINS
from littlebrain.checkpoint import load_checkpoint, read_json, save_checkpoint, write_json_atomic
from littlebrain.config import RunConfig, from_dict, settings_dict
from littlebrain.csvfiles import read_columns, truncate_rows
from littlebrain.envs import ALIASES
from littlebrain.envs.primitives import ActionPrimitives
from littlebrain.errors import (
    CheckpointError,
    ConfigError,
    EnvironmentSpecError,
    ObservationError,
    RunFolderError,
)
from littlebrain.loop import AgentLoop, EpisodeRecord
from littlebrain.probes import ProbeRecorder, resolve_probe

METRIC_FIELDS = ("step", "episode", "score", "length", "return", "wall_seconds")


# -- building the world and the brain from a config ---------------------------------------
def resolve_env_id(name: str) -> str:
    return ALIASES.get(name.lower(), name)


def check_env_from_folder(name: str, trusted: str | None = None) -> None:
    """Refuse a world named by a run folder that would import code: `gym.make` imports the
    module of a module-qualified id ("module:Env-v0"), and a run folder is a file anyone may
    have written. Registered ids (littlebrain's, Gymnasium's, ale-py's) are resolved; any other
    only when the user names the same id on the command line (`trusted`)."""
    env_id = resolve_env_id(name)
    if trusted is not None and resolve_env_id(trusted) == env_id:
        return
    if ":" in env_id:
        raise EnvironmentSpecError(
            f"the run folder names the world {name!r}, whose module would be imported; if you "
            f"trust it, name it yourself: littlebrain resume DIR --env {shlex.quote(name)}"
        )
    if env_id.startswith("ALE/") and env_id not in gym.registry:
        try:
            import ale_py  # the Atari worlds' own registrations, a dependency of ours

            gym.register_envs(ale_py)
        except ImportError:
            pass
    if env_id not in gym.registry:
        raise EnvironmentSpecError(
            f"the run folder names the world {name!r}, which is not registered; if you trust "
            f"it, name it yourself: littlebrain resume DIR --env {shlex.quote(name)}"
        )


def make_env(config: RunConfig, **overrides: Any) -> gym.Env:
    """The world a config names; a Box action space is played through primitives."""
    env_id = resolve_env_id(config.env)
    try:
        env = gym.make(env_id, **{**config.env_kwargs, **overrides})
    except gym.error.Error as error:
        known = ", ".join(sorted(ALIASES))
        raise EnvironmentSpecError(
            f"unknown environment {config.env!r} ({error}); littlebrain's own: {known}"
        ) from None
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"environment {env_id} rejects env_kwargs {config.env_kwargs}: {error}"
        ) from None
    except Exception as error:  # noqa: BLE001 - a world's constructor may raise anything
        raise ConfigError(
            f"environment {env_id} could not be made with env_kwargs {config.env_kwargs}: "
            f"{type(error).__name__}: {error}"
        ) from None
    if isinstance(env.action_space, gym.spaces.Box):
        env = ActionPrimitives(env)
    return env


def brain_class(name: str) -> type[Brain]:
    if name not in BRAINS:
        raise ConfigError(f"unknown brain {name!r} (known: {', '.join(sorted(BRAINS))})")
    return BRAINS[name]


def resolve_config(config: RunConfig, legacy: bool = False) -> RunConfig:
    """The config with the brain's settings validated and every default written out (derived
    fields left out: the wiring sets them). `legacy`: read from a run folder written before
    derived fields were left out (they are dropped, not refused)."""
    cls = brain_class(config.brain)
    brain_config = from_dict(cls.Config, config.brain_config, "brain_config", legacy)
    return config.replace(brain_config=settings_dict(brain_config))


def make_brain(config: RunConfig, env: gym.Env) -> Brain:
    cls = brain_class(config.brain)
    brain_config = from_dict(cls.Config, config.brain_config, "brain_config")
    return cls(env.observation_space, env.action_space, brain_config, config.seed)


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        # the code that ran (the package and the baselines beside it), not results written since
        code = [str(here), str(here.parent.parent / "baselines")]
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", *code],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), or "" where it is not known."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def provenance() -> dict[str, Any]:
    return {
        "littlebrain_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gymnasium": gym.__version__,
        "machine": f"{platform.system()} {platform.machine()} {platform.processor()}".strip(),
        "cpu": cpu_model(),
        "numba_target": _numba_target.target(),
    }


# -- the folder -------------------------------------------------------------------------------
class RunFolder:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.config_path = self.path / "config.json"
        self.metrics_path = self.path / "metrics.csv"
        self.probes_path = self.path / "probes.csv"
        self.checkpoints_dir = self.path / "checkpoints"
        self.summary_path = self.path / "summary.json"
        self.plot_path = self.path / "learning_curve.png"
        self.commands_path = self.path / "commands.txt"

    @classmethod
    def create(
        cls, path: str | Path, config: RunConfig, wiring: dict[str, Any] | None = None
    ) -> RunFolder:
        """Make the folder with its config (and the brain's `wiring`: each region's config as
        built) and an empty metrics file, under a temporary name renamed into place: killed at
        any moment, it leaves a resumable folder or none."""
        folder = cls(path)
        if folder.path.exists() and (not folder.path.is_dir() or any(folder.path.iterdir())):
            hint = " (resume it with `littlebrain resume`)" if folder.config_path.exists() else ""
            raise RunFolderError(f"{folder.path} already exists and is not empty{hint}")
        folder.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = cls(folder.path.with_name(f".tmp-{folder.path.name}"))
        shutil.rmtree(tmp.path, ignore_errors=True)
        tmp.path.mkdir()
        record = {"config": config.to_dict(), "wiring": wiring or {}, **provenance()}
        write_json_atomic(tmp.config_path, record)
        with open(tmp.metrics_path, "w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerow(METRIC_FIELDS)
        if folder.path.exists():
            folder.path.rmdir()  # empty (checked above)
        tmp.path.rename(folder.path)
        return folder

    @classmethod
    def open(cls, path: str | Path) -> tuple[RunFolder, RunConfig]:
        folder = cls(path)
        if not folder.config_path.is_file():
            raise RunFolderError(f"{folder.path} is not a littlebrain run folder (no config.json)")
        saved = read_json(folder.config_path, "run config", RunFolderError)
        if not isinstance(saved, dict) or "config" not in saved:
            raise RunFolderError(f"{folder.config_path} is not a littlebrain run config")
        config = resolve_config(from_dict(RunConfig, saved["config"], "config"), legacy=True)
        return folder, config

    def record_command(self, command: str) -> None:
        with open(self.commands_path, "a", encoding="utf-8") as file:
            file.write(command + "\n")

    def update_config(self, config: RunConfig) -> None:
        saved = read_json(self.config_path, "run config", RunFolderError)
        write_json_atomic(self.config_path, {**saved, "config": config.to_dict()})

    # -- checkpoints --
    def checkpoints(self) -> list[Path]:
        if not self.checkpoints_dir.is_dir():
            return []
        found = [p for p in self.checkpoints_dir.glob("step-*") if p.is_dir()]
        return sorted(found, key=lambda p: int(p.name.split("-")[1]))

    def save_checkpoint(
        self, arrays: dict[str, np.ndarray], meta: dict[str, Any], keep: int
    ) -> None:
        save_checkpoint(self.checkpoints_dir / f"step-{meta['step']:012d}", arrays, meta)
        for old in self.checkpoints()[:-keep]:
            shutil.rmtree(old)

    # -- metrics --
    def append_metrics(self, record: EpisodeRecord, wall_seconds: float) -> None:
        with open(self.metrics_path, "a", newline="", encoding="utf-8") as file:
            csv.writer(file).writerow(
                [
                    record.step,
                    record.episode,
                    f"{record.score:g}",
                    record.length,
                    f"{record.episode_return:.6g}",
                    f"{wall_seconds:.3f}",
                ]
            )
            file.flush()

    def read_metrics(self) -> dict[str, np.ndarray]:
        return read_metrics(self.metrics_path)

    def truncate_metrics(self, last_step: int) -> None:
        """Keep the header and the rows of metrics and probes written at or before
        `last_step` (a resumed run writes the later ones again, identically)."""
        for path in (self.metrics_path, self.probes_path):
            if path.exists():
                truncate_rows(path, last_step)


def read_metrics(path: str | Path) -> dict[str, np.ndarray]:
    """metrics.csv as one float array per column (complete rows only)."""
    return read_columns(path, "metrics", METRIC_FIELDS)


def load_run_brain(
    path: str | Path, trusted_env: str | None = None, **env_overrides: Any
) -> tuple[RunConfig, gym.Env, Brain, dict[str, Any]]:
    """The world and the brain of a run's last checkpoint: (config, env, brain, the
    checkpoint's meta); `env_overrides` go to the world's constructor (a render mode)."""
    folder, config = RunFolder.open(path)
    checkpoints = folder.checkpoints()
    if not checkpoints:
        raise RunFolderError(f"{folder.path} has no checkpoint yet")
    check_env_from_folder(config.env, trusted_env)
    env = make_env(config, **env_overrides)
    brain = make_brain(config, env)
    bound = brain.state_bytes_bound() + 8 * config.steps + 2**16
    arrays, meta = load_checkpoint(checkpoints[-1], max_bytes=bound)
    try:
        brain.load_state_dict({k: v for k, v in arrays.items() if not k.startswith("loop.")})
    except ValueError as error:
        raise CheckpointError(
            f"checkpoint {checkpoints[-1]} does not fit the brain: {error}"
        ) from None
    return config, env, brain, meta


# -- running ------------------------------------------------------------------------------------
class Session:
    """One sitting of a run: a new run, or a resumed one, up to `config.steps`."""

    def __init__(
        self,
        folder: RunFolder,
        config: RunConfig,
        env: gym.Env,
        brain: Brain,
        loop: AgentLoop,
        wall_offset: float,
        cpu_offset: float = 0.0,
    ) -> None:
        self.folder, self.config, self.env, self.brain, self.loop = folder, config, env, brain, loop
        self.wall_offset, self.cpu_offset = wall_offset, cpu_offset
        if config.probes:
            probes = ProbeRecorder(brain, config.probes, config.probe_every, folder.probes_path)
            loop.callbacks.append(probes)
        loop.callbacks.append(LiveFrame(folder.path / "live" / "frame.png"))
        self.tensorboard = None
        if config.tensorboard:
            from littlebrain.tensorboard import TensorBoardWriter

            self.tensorboard = TensorBoardWriter(
                brain, config.probes or (), config.probe_every, folder.path / "tensorboard"
            )
            loop.callbacks.append(self.tensorboard)
        # the code of this sitting, read as it starts: files changed while it runs did not run
        self.provenance = provenance()

    @classmethod
    def start(cls, config: RunConfig, out: str | Path, command: str = "") -> Session:
        config = resolve_config(config)
        env = make_env(config)
        brain = make_brain(config, env)  # everything is checked before the folder is made
        if config.probes is None:
            config = config.replace(probes=list(brain.default_probes()))
        for name in config.probes:
            resolve_probe(brain, name)
        folder = RunFolder.create(out, config, brain.wiring())
        folder.record_command(command or "(called from Python)")
        return cls(folder, config, env, brain, AgentLoop(env, brain, config.seed), 0.0)

    @classmethod
    def resume(
        cls,
        path: str | Path,
        steps: int | None = None,
        command: str = "",
        trusted_env: str | None = None,
    ) -> Session:
        """Continue the run in folder `path` (nothing in it changes until all is checked).
        `trusted_env`: a world id the user named, allowed even if it would import a module."""
        folder, config = RunFolder.open(path)
        check_env_from_folder(config.env, trusted_env)
        if steps is not None:
            config = config.replace(steps=steps)
        env = make_env(config)
        brain = make_brain(config, env)
        loop = AgentLoop(env, brain, config.seed)
        wall_offset = cpu_offset = 0.0
        checkpoints = folder.checkpoints()
        if checkpoints:
            # a bound on what the archive may unpack to: the brain at capacity, and the actions
            # of an episode in progress
            bound = brain.state_bytes_bound() + 8 * config.steps + 2**16
            arrays, meta = load_checkpoint(checkpoints[-1], max_bytes=bound)
            if meta.get("brain") != config.brain:
                raise CheckpointError(
                    f"checkpoint {checkpoints[-1]} belongs to brain {meta.get('brain')!r}, "
                    f"the run uses {config.brain!r}"
                )
            brain_state = {k: v for k, v in arrays.items() if not k.startswith("loop.")}
            try:
                brain.load_state_dict(brain_state)
            except ValueError as error:
                raise CheckpointError(
                    f"checkpoint {checkpoints[-1]} does not fit the brain: {error}"
                ) from None
            loop.restore(arrays, meta)
            wall_offset, cpu_offset = meta.get("wall_seconds"), meta.get("cpu_seconds")
            for value in (wall_offset, cpu_offset):
                if not isinstance(value, int | float) or not 0 <= value < math.inf:
                    raise CheckpointError(f"checkpoint {checkpoints[-1]} has invalid timings")
        if loop.step_count > config.steps:
            raise ConfigError(
                f"--steps {config.steps} is less than the {loop.step_count} already run"
            )
        folder.read_metrics()  # refuse a damaged metrics file before changing anything
        folder.truncate_metrics(loop.step_count)
        if steps is not None:
            folder.update_config(config)
        folder.record_command(command or "(called from Python)")
        return cls(folder, config, env, brain, loop, wall_offset, cpu_offset)

    def checkpoint(self, wall_seconds: float, cpu_seconds: float) -> None:
        loop_arrays, loop_meta = self.loop.state()
        arrays = {**self.brain.state_dict(), **loop_arrays}
        meta = {
            **loop_meta,
            "brain": self.config.brain,
            "wall_seconds": wall_seconds,
            "cpu_seconds": cpu_seconds,
            "littlebrain_version": __version__,
        }
        self.folder.save_checkpoint(arrays, meta, keep=self.config.keep_checkpoints)

    def run(self, show_progress: bool = True) -> dict[str, Any]:
        from littlebrain.progress import RunProgress

        config, loop = self.config, self.loop
        first_step = loop.step_count
        started, cpu_started = time.perf_counter(), time.process_time()
        recent: deque[float] = deque(
            self.folder.read_metrics()["score"][-100:].tolist(), maxlen=100
        )
        # One BLAS thread: a brain's matrices are small, and threads only fight over the cores
        # (measured: the cortex's decorrelation ran 10x slower with two threads on two cores).
        with (
            threadpool_limits(limits=1),
            RunProgress(config.steps, first_step, enabled=show_progress) as progress,
        ):
            while loop.step_count < config.steps:
                try:
                    record = loop.advance()
                except ObservationError as error:
                    raise ObservationError(
                        f"{resolve_env_id(config.env)}, step {loop.step_count + 1}: {error}"
                    ) from None
                if record is not None:
                    recent.append(record.score)
                    wall = self.wall_offset + time.perf_counter() - started
                    self.folder.append_metrics(record, wall)
                step = loop.step_count
                if step % config.checkpoint_every == 0 or step == config.steps:
                    self.checkpoint(
                        self.wall_offset + time.perf_counter() - started,
                        self.cpu_offset + time.process_time() - cpu_started,
                    )
                if step % 500 == 0 or step == config.steps:
                    progress.update(step, float(np.mean(recent)) if recent else None)
        elapsed = time.perf_counter() - started
        if self.tensorboard is not None:
            self.tensorboard.close()
        summary = self.summarise(
            steps_run=loop.step_count - first_step,
            seconds=elapsed,
            cpu_seconds=time.process_time() - cpu_started,
        )
        self.env.close()
        return summary

    def summarise(self, steps_run: int, seconds: float, cpu_seconds: float) -> dict[str, Any]:
        from littlebrain.plots import plot_learning_curve

        metrics = self.folder.read_metrics()
        last = metrics["score"][-100:]
        summary = {
            "env": resolve_env_id(self.config.env),
            "brain": self.config.brain,
            "brain_description": type(self.brain).description,
            "learns": self.brain.learns,
            "seed": self.config.seed,
            "steps": self.loop.step_count,
            "steps_budget": self.config.steps,
            "finished": self.loop.step_count >= self.config.steps,
            "episodes": int(len(metrics["score"])),
            "mean_score_last_100": float(last.mean()) if len(last) else None,
            "best_score": float(metrics["score"].max()) if len(last) else None,
            "mean_length_last_100": float(metrics["length"][-100:].mean()) if len(last) else None,
            "wall_seconds_total": self.wall_offset + seconds,
            "cpu_seconds_total": self.cpu_offset + cpu_seconds,
            # peak resident memory of this process (KiB on Linux): the sitting's high-water mark
            "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "this_sitting": {
                "steps": steps_run,
                "wall_seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "steps_per_second": steps_run / seconds if seconds > 0 else None,
            },
            **self.provenance,
        }
        write_json_atomic(self.folder.summary_path, summary)
        if len(metrics["score"]):
            plot_learning_curve(
                metrics,
                self.folder.plot_path,
                title=f"{summary['env']} · {summary['brain_description']} · seed {summary['seed']}",
            )
        return summary
