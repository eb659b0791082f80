"""`littlebrain bench gates`: drone gate racing (littlebrain/GateRace-v0), seeds x methods.

Each run learns online for `--steps` agent steps on the square track (one lap of four gates),
then plays `--eval-episodes` episodes with learning frozen (20 by default). Every run lives in
`RUNS/<method>-<steps>/seed<N>/`: the training is an ordinary run folder, and `result.json` is
written once the evaluation is over; the sweep skips finished runs and resumes killed ones.

Methods: the default brain on the sparse outcomes (+1 a gate, -1 a crash) and on the labelled
progress variant; the random policy over the same action primitives; the scripted controller
(envs/gates.py: `scripted_action`), which does not learn and only plays the evaluation
episodes: the reference for lap time; and, named with --methods (the baselines extra), SB3 PPO
and SAC on the Box actions and PPO and DQN on the primitives, each on both signals
(littlebrain_baselines.sb3: their settings and where they come from).

Metrics, per run: gates per episode (online: the last 100 training episodes; frozen: the
evaluation), the evaluation's success rate (the race finished) and crash rate, the lap time
(mean over the finished races, reported only at >= 50% success, as lsy_drone_racing ranks),
the step at which the first race was finished while learning, CPU seconds, steps per CPU
second and peak memory. The report writes results/gates/: README.md, runs.csv, raw/ (each run's
result.json and metrics.csv), learning_curves.png and lap.gif (the scripted controller's lap).
"""

from __future__ import annotations

import csv
import json
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.bench import keep_only, run_in_workers
from littlebrain.checkpoint import write_json_atomic
from littlebrain.config import RunConfig
from littlebrain.errors import ConfigError
from littlebrain.evaluation import evaluate
from littlebrain.plots import rolling_mean
from littlebrain.rng import episode_seed
from littlebrain.runs import Session, make_env, provenance, read_metrics
from littlebrain.stats import summarise

GATES = "littlebrain/GateRace-v0"
TRACK = {"track": "square"}
STEPS = 200_000
EVAL_EPISODES = 20
#: lap time counts only where at least this share of the evaluation races finished
SUCCESS_FOR_LAP_TIME = 0.5


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    kind: str = "brain"  # "brain" (a run folder, learning online), "scripted" or "sb3"
    brain: str = "default"
    env_kwargs: dict = field(default_factory=dict)
    algo: str = ""
    primitives: bool = False  # sb3: the Box actions through littlebrain's primitives


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("littlebrain", "littlebrain, default brain, outcomes only (+1 gate, -1 crash)"),
        Method(
            "littlebrain-progress",
            "littlebrain, outcomes + progress shaping (an easier, labelled variant)",
            env_kwargs={"reward_mode": "progress"},
        ),
        Method("random", "random choice among the same 9 action primitives", brain="random"),
        Method("scripted", "hand-written controller on the observation (reference)", "scripted"),
        *(
            Method(
                f"{algo}-{actions}{suffix}",
                f"SB3 {algo.upper()} on the {actions}{label} (the baselines extra)",
                kind="sb3",
                algo=algo,
                primitives=actions == "primitives",
                env_kwargs=env_kwargs,
            )
            for algo, actions in (
                ("ppo", "box"),
                ("sac", "box"),
                ("ppo", "primitives"),
                ("dqn", "primitives"),
            )  # fmt: skip
            for suffix, label, env_kwargs in (
                ("", ", outcomes only", {}),
                ("-progress", ", outcomes + progress shaping", {"reward_mode": "progress"}),
            )
        ),
    )
}
DEFAULT_METHODS = ("littlebrain", "littlebrain-progress", "random", "scripted")


@dataclass(frozen=True)
class Job:
    method: str
    steps: int
    seed: int
    root: str
    eval_episodes: int = EVAL_EPISODES

    @property
    def folder(self) -> Path:
        return Path(self.root) / f"{self.method}-{self.steps}" / f"seed{self.seed}"

    @property
    def config(self) -> RunConfig:
        method = METHODS[self.method]
        return RunConfig(
            env=GATES,
            env_kwargs={**TRACK, **method.env_kwargs},
            brain=method.brain,
            steps=max(self.steps, 1),  # the scripted controller's world needs no budget
            seed=self.seed,
            checkpoint_every=max(self.steps // 10, 1),
            keep_checkpoints=1,
        )


def plan(methods: list[str], steps: int, seeds: int, root: Path, episodes: int) -> list[Job]:
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown method {unknown[0]!r} (known: {', '.join(METHODS)})")
    return [
        Job(m, 0 if METHODS[m].kind == "scripted" else steps, s, str(root), episodes)
        for s in range(seeds)
        for m in methods
    ]


def is_finished(folder: Path) -> bool:
    return (folder / "result.json").is_file()


def race_facts(
    scores: list[float], lengths: list[int], gates: int, max_steps: int, agent_hz: int
) -> dict[str, Any]:
    """Success, crash and lap-time facts of episodes given as (gates passed, steps): a race is
    finished when every gate was passed; an episode that ended sooner than the time limit
    without finishing ended in a crash (a crash on the very last allowed step counts as
    running out of time)."""
    finished = [s >= gates for s in scores]
    crashed = [not f and n < max_steps for f, n in zip(finished, lengths, strict=True)]
    times = [n / agent_hz for f, n in zip(finished, lengths, strict=True) if f]
    n = max(len(scores), 1)
    success = sum(finished) / n
    return {
        "gates_per_episode": float(np.mean(scores)) if scores else None,
        "success_rate": success if scores else None,
        "crash_rate": sum(crashed) / n if scores else None,
        "race_seconds": (
            float(np.mean(times)) if times and success >= SUCCESS_FOR_LAP_TIME else None
        ),
    }


def world_facts(config: RunConfig) -> tuple[int, int, int]:
    """(gates per race, steps of the time limit, agent rate) of a config's world."""
    env = make_env(config).unwrapped
    try:
        return env.laps * len(env.gates), env.max_steps, env.agent_hz
    finally:
        env.close()


def online_facts(
    folder: Path, train_cpu: float, steps: int, gates: int, max_steps: int, agent_hz: int
) -> dict[str, Any]:
    """Race facts of the last 100 training episodes (metrics.csv), the step that ended the
    first finished race, and steps per CPU second."""
    metrics = read_metrics(folder / "metrics.csv")
    last = slice(-100, None)
    facts = race_facts(
        list(metrics["score"][last]), list(metrics["length"][last]), gates, max_steps, agent_hz
    )
    first = np.flatnonzero(metrics["score"] >= gates)
    facts["first_race_step"] = int(metrics["step"][first[0]]) if len(first) else None
    facts["steps_per_cpu_second"] = steps / max(train_cpu, 1e-9)
    facts["training_episodes"] = int(len(metrics["score"]))
    return facts


def run_scripted(job: Job) -> dict[str, Any]:
    """The reference controller plays the evaluation episodes (it does not learn)."""
    from littlebrain.envs.gates import scripted_action

    env = make_env(job.config).unwrapped
    started = time.process_time()
    scores, lengths = [], []
    for episode in range(job.eval_episodes):
        observation, _ = env.reset(seed=episode_seed(job.seed, episode, "evaluation"))
        steps, done, info = 0, False, {}
        while not done:
            observation, _, terminated, truncated, info = env.step(scripted_action(observation))
            steps += 1
            done = terminated or truncated
        scores.append(float(info["score"]))
        lengths.append(steps)
    env.close()
    return {
        "eval_scores": scores,
        "eval_lengths": lengths,
        "eval_episodes": len(scores),
        "eval_cpu_seconds": time.process_time() - started,
    }


def run_job(job: Job) -> tuple[Job, str]:
    """Train (or resume) and evaluate one run in this process; returns what was done."""
    folder, method = job.folder, METHODS[job.method]
    if is_finished(folder):
        return job, "already finished"
    gates, max_steps, agent_hz = world_facts(job.config)
    online: dict[str, Any] = {}
    train_cpu = 0.0
    if method.kind == "scripted":
        folder.mkdir(parents=True, exist_ok=True)
        evaluation, done = run_scripted(job), "ran"
    elif method.kind == "sb3":  # an unfinished run restarts (short runs; Snake's long ones resume)
        from littlebrain_baselines.sb3 import run_sb3_gates

        shutil.rmtree(folder, ignore_errors=True)
        seeds = [episode_seed(job.seed, e, "evaluation") for e in range(job.eval_episodes)]
        evaluation = run_sb3_gates(
            folder, method.algo, job.config.env_kwargs, job.steps, job.seed, method.primitives,
            seeds,
        )  # fmt: skip
        train_cpu, done = evaluation["train_cpu_seconds"], "ran"
        online = online_facts(folder, train_cpu, job.steps, gates, max_steps, agent_hz)
    else:
        command = f"littlebrain bench gates ({job.method}, seed {job.seed})"
        if (folder / "config.json").is_file():
            session, done = Session.resume(folder, command=command), "resumed"
        else:
            shutil.rmtree(folder, ignore_errors=True)
            session, done = Session.start(job.config, folder, command), "ran"
        train_cpu = session.run(show_progress=False)["cpu_seconds_total"]
        online = online_facts(folder, train_cpu, job.steps, gates, max_steps, agent_hz)
        env = make_env(job.config)
        evaluation = evaluate(
            session.brain, env, job.seed, job.eval_episodes, job.eval_episodes * max_steps
        )
        env.close()
    frozen = race_facts(
        evaluation["eval_scores"], evaluation["eval_lengths"], gates, max_steps, agent_hz
    )
    result = {
        "method": job.method,
        "seed": job.seed,
        "steps": job.steps,
        "env_kwargs": job.config.env_kwargs,
        "gates_per_race": gates,
        "online": online,
        "frozen": frozen,
        "eval_scores": evaluation["eval_scores"],
        "eval_lengths": evaluation["eval_lengths"],
        "train_cpu_seconds": train_cpu,
        "cpu_seconds": train_cpu + evaluation["eval_cpu_seconds"],
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **provenance(),
    }
    write_json_atomic(folder / "result.json", result)
    return job, done


def describe(job: Job, done: str) -> str:
    result = json.loads((job.folder / "result.json").read_text(encoding="utf-8"))
    frozen = result["frozen"]
    return (
        f"{job.method} seed {job.seed} {done}: frozen {frozen['gates_per_episode']:.2f} gates "
        f"per episode, success {frozen['success_rate']:.0%}, CPU {result['cpu_seconds']:.0f} s"
    )


# -- report -------------------------------------------------------------------------------
def load_results(root: Path) -> list[dict[str, Any]]:
    results = []
    for path in sorted(root.glob("*/seed*/result.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        result["folder"] = path.parent
        results.append(result)
    return sorted(results, key=lambda r: (r["method"], r["steps"], r["seed"]))


def _cell(values: list[Any], spec: str = ".2f", percent: bool = False) -> str:
    summary = summarise([v for v in values if v is not None])
    if summary.n == 0:
        return "-"
    if percent:
        return f"{summary.mean:.0%} (median {summary.median:.0%})"
    return f"{summary.interval(spec)} (median {summary.median:{spec}})"


def _lap_cell(times: list[float | None]) -> str:
    """Lap times of the runs that finished at least half their races, and how many did."""
    timed = [t for t in times if t is not None]
    return f"{_cell(timed)}, {len(timed)}/{len(times)} runs" if timed else "-"


def write_report(root: Path, out: Path, command: str) -> Path:
    results = load_results(root)
    if not results:
        raise ConfigError(f"no finished runs under {root}; run `littlebrain bench gates` first")
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    raw.mkdir(exist_ok=True)
    written = set()
    for result in results:
        name = f"{result['method']}-{result['steps']}-seed{result['seed']}"
        for part in ("result.json", "metrics.csv"):
            if (result["folder"] / part).is_file():
                shutil.copy(result["folder"] / part, raw / f"{name}.{part}")
                written.add(f"{name}.{part}")
    keep_only(raw, written)
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault((result["method"], result["steps"]), []).append(result)
    with open(out / "runs.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        columns = ["gates_per_episode", "success_rate", "crash_rate", "race_seconds"]
        writer.writerow(
            ["method", "steps", "seed"]
            + [f"online_{c}" for c in columns]
            + [f"frozen_{c}" for c in columns]
            + ["first_race_step", "steps_per_cpu_second", "cpu_seconds", "peak_memory_mb"]
            + ["git_commit"]
        )
        for r in results:
            writer.writerow(
                [r["method"], r["steps"], r["seed"]]
                + [r["online"].get(c) for c in columns]
                + [r["frozen"].get(c) for c in columns]
                + [r["online"].get("first_race_step"), r["online"].get("steps_per_cpu_second")]
                + [round(r["cpu_seconds"], 1), round(r["peak_memory_mb"], 1)]
                + [r.get("git_commit")]
            )
    plot_curves(results, out / "learning_curves.png")
    lap_note = write_lap_gif(out / "lap.gif")
    lines = [
        "# Drone gate racing: the square track, one lap of four gates",
        "",
        "Online: the last 100 training episodes of each run; frozen: the evaluation episodes",
        "after training, learning off. Each cell: mean over seeds with a 95% t interval",
        "(littlebrain.stats) and the median over seeds; rates as the mean over seeds. Lap time:",
        f"mean over finished races, only in runs where at least {SUCCESS_FOR_LAP_TIME:.0%} "
        "finished (how many runs those are follows). A crash is an episode that ended before",
        "the time limit without finishing (one on the last allowed step counts as a time-out).",
        "",
        "| method | steps | seeds | gates/episode online | gates/episode frozen | frozen "
        "success | frozen crashes | lap time (s) | first race at step | steps per CPU-s | "
        "CPU s | peak MB |",
        "|---|---:|---:|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for (method, steps), members in sorted(groups.items()):
        online = [m["online"] for m in members]
        frozen = [m["frozen"] for m in members]
        first = [o.get("first_race_step") for o in online]
        reached = [f for f in first if f is not None]
        speed = [o.get("steps_per_cpu_second") for o in online if o]
        lines.append(
            f"| {method} | {steps:,} | {len(members)} "
            f"| {_cell([o.get('gates_per_episode') for o in online])} "
            f"| {_cell([f['gates_per_episode'] for f in frozen])} "
            f"| {_cell([f['success_rate'] for f in frozen], percent=True)} "
            f"| {_cell([f['crash_rate'] for f in frozen], percent=True)} "
            f"| {_lap_cell([f['race_seconds'] for f in frozen])} "
            f"| {f'{np.median(reached):,.0f} ({len(reached)}/{len(members)})' if reached else '-'} "
            f"| {f'{np.median(speed):,.0f}' if speed else '-'} "
            f"| {np.median([m['cpu_seconds'] for m in members]):,.0f} "
            f"| {max(m['peak_memory_mb'] for m in members):,.0f} |"
        )
    facts = provenance()
    lines += [
        "",
        "Methods: "
        + "; ".join(f"**{m.name}**: {m.description}" for m in METHODS.values())
        + ". The brain plays the world's Box actions through 9 primitives (envs/primitives.py).",
        "",
        f"![learning curves](learning_curves.png) ![a lap](lap.gif) {lap_note}",
        "",
        f"Command: `{command}`",
        "",
        f"Code: {facts.get('git_commit')}; machine: {facts.get('machine')}.",
        "Raw data: runs.csv and raw/ (each run's result.json and metrics.csv).",
    ]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "README.md"


def write_lap_gif(path: Path) -> str:
    """The scripted controller's lap, seen from above: what a finished race looks like."""
    from littlebrain.animation import save_gif
    from littlebrain.envs.gates import GateRaceEnv, scripted_action

    env = GateRaceEnv(**TRACK, render_mode="rgb_array")
    observation, _ = env.reset(seed=0)
    frames, done, info = [env.render()], False, {}
    while not done:
        observation, _, terminated, truncated, info = env.step(scripted_action(observation))
        frames.append(env.render())
        done = terminated or truncated
    env.close()
    save_gif(frames, path, every=2)
    return f"The lap: the scripted controller, {info['score']} gates in {len(frames) - 1} steps."


def plot_curves(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5), dpi=120)
    for result in results:
        metrics_path = result["folder"] / "metrics.csv"
        if not metrics_path.is_file():
            continue
        metrics = read_metrics(metrics_path)
        if len(metrics["step"]):
            ax.plot(
                metrics["step"],
                rolling_mean(metrics["score"], 100),
                label=f"{result['method']} seed {result['seed']}",
                alpha=0.8,
            )
    ax.set_xlabel("environment steps")
    ax.set_ylabel("gates per episode (mean of last 100)")
    ax.set_title("GateRace square track (one lap = 4 gates)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(args: Any, command: str) -> int:
    root, out = Path(args.runs), Path(args.out)
    if not args.report:
        methods = args.methods or list(DEFAULT_METHODS)
        jobs = plan(methods, args.steps or STEPS, args.seeds, root, args.eval_episodes)
        run_in_workers(
            jobs, lambda job: is_finished(job.folder), run_job, describe, args.workers, root
        )
    report = write_report(root, out, command)
    print(f"report: {report}")
    return 0
