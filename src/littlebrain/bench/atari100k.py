"""The Atari 100k suite (`littlebrain bench atari100k`): 26 games x seeds, by the protocol.

Each run learns online for 100,000 agent steps (one frame per step) with the default brain and
its defaults, the same for every game; then its learning is frozen and it plays evaluation
episodes at epsilon 0.001 (../shared/protocols/atari100k.md). A run lives in
`RUNS/<Game>/seed<N>/`: the training is an ordinary run folder (checkpoints, metrics, summary),
and `result.json` is written once the evaluation is over. The sweep skips finished runs and
resumes a killed one from its last checkpoint (an evaluation cut short is redone from the
frozen brain, which the final checkpoint holds).

The report (`--report`, in `atari100k_report.py`) compares with the published anchors.
"""

from __future__ import annotations

import json
import resource
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from littlebrain.bench import Workers, run_in_workers
from littlebrain.brain import Brain
from littlebrain.checkpoint import write_json_atomic
from littlebrain.config import RunConfig, read_config_file
from littlebrain.envs.atari import ATARI_100K_GAMES, MAX_EPISODE_STEPS, make_atari
from littlebrain.errors import ConfigError
from littlebrain.evaluation import evaluate as evaluate_frozen
from littlebrain.runs import Session, provenance, resolve_config

ATARI = "littlebrain/Atari-v0"
STEPS = 100_000
#: the protocol asks for 100 evaluation episodes, and at least 30 where time forbids: on two
#: cores, 26 games x 5 seeds x 100 episodes would cost more than the training itself
EVAL_EPISODES = 30
#: at most this many evaluation steps per run: enough for every episode to reach the world's
#: 27,000-step cap, so that all of them end and are scored (a step budget that cut the last
#: episodes would favour short ones: sessions 4-16 ran with 50,000 steps and scored fewer
#: than 30 episodes on Pong, Breakout, CrazyClimber and seven other games)
EVAL_STEP_BUDGET = EVAL_EPISODES * MAX_EPISODE_STEPS
#: games looked at while choosing the defaults (the protocol allows at most 5): issue 19's
#: development games, on which sessions 9, 14 and 16 chose the settings (docs/DESIGN.md)
DEVELOPMENT_GAMES: tuple[str, ...] = ("Boxing", "Breakout", "Freeway", "MsPacman", "Pong")


@dataclass(frozen=True)
class Job:
    game: str
    seed: int
    steps: int
    eval_episodes: int
    root: str
    eval_step_budget: int = EVAL_STEP_BUDGET
    #: the brain's settings as JSON ("{}": the defaults); other settings are for ablations on
    #: the development games, each arm in its own --runs folder
    brain_config: str = "{}"

    @property
    def folder(self) -> Path:
        return Path(self.root) / self.game / f"seed{self.seed}"


def plan(
    games: list[str],
    seeds: int,
    steps: int,
    eval_episodes: int,
    root: Path,
    brain_config: dict | None = None,
) -> list[Job]:
    """Seed-major order: every game's first seed before any game's second, so that a sweep
    cut short leaves a table that covers the games evenly."""
    unknown = [g for g in games if g not in ATARI_100K_GAMES]
    if unknown:
        raise ConfigError(
            f"unknown game {unknown[0]!r} (Atari 100k's: {', '.join(ATARI_100K_GAMES)})"
        )
    settings = json.dumps(brain_config or {}, sort_keys=True)
    return [
        Job(g, s, steps, eval_episodes, str(root), brain_config=settings)
        for s in range(seeds)
        for g in games
    ]


def is_finished(folder: Path) -> bool:
    return (folder / "result.json").is_file()


def evaluate(
    brain: Brain, game: str, seed: int, episodes: int, step_budget: int = EVAL_STEP_BUDGET
) -> dict[str, Any]:
    """The protocol's frozen evaluation on `game` (littlebrain.evaluation)."""
    env = make_atari(game)
    try:
        return evaluate_frozen(brain, env, seed, episodes, step_budget)
    finally:
        env.close()


def run_config(job: Job) -> RunConfig:
    return RunConfig(
        env=ATARI,
        env_kwargs={"game": job.game},
        brain="default",
        brain_config=json.loads(job.brain_config),
        steps=job.steps,
        seed=job.seed,
        checkpoint_every=max(job.steps // 10, 1),
        keep_checkpoints=1,
    )


def run_job(job: Job) -> tuple[Job, str]:
    """Train (or resume) and evaluate one run in this process; returns what was done."""
    folder = job.folder
    if is_finished(folder):
        return job, "already finished"
    command = f"littlebrain bench atari100k ({job.game}, seed {job.seed})"
    if (folder / "config.json").is_file():
        session = Session.resume(folder, command=command)
        done = "resumed"
    else:
        shutil.rmtree(folder, ignore_errors=True)
        session = Session.start(run_config(job), folder, command)
        done = "ran"
    summary = session.run(show_progress=False)
    metrics = session.folder.read_metrics()
    evaluation = evaluate(
        session.brain, job.game, job.seed, job.eval_episodes, job.eval_step_budget
    )
    result = {
        "game": job.game,
        "seed": job.seed,
        "steps": summary["steps"],
        "frames_per_step": 1,
        "brain_config": json.loads(job.brain_config),
        # the online score: the mean raw score of the training episodes that ended
        "online_score": float(metrics["score"].mean()) if len(metrics["score"]) else None,
        "training_episodes": int(len(metrics["score"])),
        **evaluation,
        "train_cpu_seconds": summary["cpu_seconds_total"],
        "cpu_seconds": summary["cpu_seconds_total"] + evaluation["eval_cpu_seconds"],
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "development_game": job.game in DEVELOPMENT_GAMES,
        **provenance(),
    }
    write_json_atomic(folder / "result.json", result)
    return job, done


def describe(job: Job, done: str) -> str:
    result = json.loads((job.folder / "result.json").read_text(encoding="utf-8"))
    return (
        f"{job.game} seed {job.seed} {done}: evaluation {_fmt(result['eval_mean'])} over "
        f"{result['eval_episodes']} episodes, online {_fmt(result['online_score'])}, "
        f"CPU {result['cpu_seconds']:.0f} s"
    )


def _fmt(score: float | None) -> str:
    return "-" if score is None else f"{score:.1f}"


def run_suite(jobs: list[Job], workers: int | Workers) -> None:
    """Run jobs on `workers` (a count of local processes, or Workers), printing each as it ends."""
    runs = Path(jobs[0].root) if jobs else None
    run_in_workers(jobs, lambda job: is_finished(job.folder), run_job, describe, workers, runs)


def load_results(root: Path) -> list[dict[str, Any]]:
    """Every finished run under `root` (result.json), sorted by game and seed."""
    results = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(root.glob("*/seed*/result.json"))
    ]
    return sorted(results, key=lambda r: (r["game"], r["seed"]))


def run_from_args(args: Any) -> None:
    """The sweep `littlebrain bench atari100k` asks for (the CLI writes the report after it)."""
    root = Path(args.runs)
    games = args.games or list(ATARI_100K_GAMES)
    brain_config = read_config_file(args.config).get("brain_config", {}) if args.config else {}
    jobs = plan(games, args.seeds, args.steps, args.eval_episodes, root, brain_config)
    resolve_config(run_config(jobs[0]))  # a bad setting is one line now, not one per run
    run_suite(jobs, args.workers)
