"""`littlebrain bench snake`: littlebrain against deep RL on Snake with sparse binary rewards.

Every (method, budget, seed) is a run folder under `runs/bench/snake/` (checkpoints stay there,
out of git). Finished runs are never redone; an unfinished littlebrain run resumes from its last
checkpoint, a baseline run from its own (see littlebrain_baselines.sb3). `--report`
reads the run folders and writes results/snake/: README.md (the table), runs.csv (one row per
run), raw/ (each run's metrics.csv and summary.json), learning_curves.png and best_episode.gif.
The measured references in the anchors folder (`--anchors`, default ../shared/anchors/snake) are
read at report time and set beside littlebrain's head-centred row; they are never copied.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.bench import Workers, keep_only, run_in_workers
from littlebrain.config import RunConfig
from littlebrain.errors import CheckpointError, ConfigError, RunFolderError
from littlebrain.plots import rolling_mean
from littlebrain.runs import Session, provenance, read_metrics
from littlebrain.stats import t_interval

SNAKE = "littlebrain/Snake-v0"
THRESHOLDS = (5, 10, 20)


#: the short search for the CNN baselines (issue 21): each setting changes one thing from the
#: RL Baselines3 Zoo's Atari settings (littlebrain_baselines.sb3.CNN_HYPERPARAMETERS)
CNN_SEARCH: dict[str, dict[str, dict[str, Any]]] = {
    "ppo": {
        "zoo": {},
        "lr1e-3": {"learning_rate": 1e-3},
        "gamma0.995": {"gamma": 0.995},
        "epochs10": {"n_epochs": 10, "batch_size": 64},
    },
    "dqn": {
        "zoo": {},
        "lr5e-4": {"learning_rate": 5e-4},
        "gamma0.995": {"gamma": 0.995},
        "target250-freq1": {"target_update_interval": 250, "train_freq": 1},
    },
}
#: the setting each search picked, which the CNN rows of the table run with (one seed at 200,000
#: steps each; results/snake/cnn_search_session18.md)
CNN_PICK = {"ppo": "lr1e-3", "dqn": "zoo"}


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    kind: str = "brain"  # "brain" (littlebrain's own run folders) or "sb3"
    brain: str = "default"
    brain_config: dict = field(default_factory=dict)
    env_kwargs: dict = field(default_factory=dict)
    algo: str = ""
    policy: str = "mlp"  # sb3 only: "mlp" or "cnn"
    overrides: dict = field(default_factory=dict)  # sb3 only: hyperparameters changed


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("littlebrain", "littlebrain, default brain, board view"),
        Method(
            "no-self-centring",
            "littlebrain, board view, without self-centring",
            brain_config={"ablate": ["self_centring"]},
        ),
        Method(
            "littlebrain-egocentric",
            "littlebrain, egocentric view",
            env_kwargs={"view": "egocentric"},
        ),
        # ablations of the variant that learns (egocentric view): the score each region is worth
        Method(
            "no-hippocampus",
            "littlebrain-egocentric without hippocampus",
            brain_config={"ablate": ["hippocampus"]},
            env_kwargs={"view": "egocentric"},
        ),
        Method(
            "no-striatum",
            "littlebrain-egocentric without striatum",
            brain_config={"ablate": ["striatum"]},
            env_kwargs={"view": "egocentric"},
        ),
        # Snake's retina output is small enough that the default brain bypasses the cortex
        # (cortex_above); this variant forces it into the path, to measure what it costs
        Method(
            "with-cortex",
            "littlebrain-egocentric, cortex compressing the retina",
            brain_config={"cortex_above": 0, "state_code": "cortex"},
            env_kwargs={"view": "egocentric"},
        ),
        Method(
            "no-novelty",
            "littlebrain-egocentric, fixed exploration",
            brain_config={"ablate": ["novelty"]},
            env_kwargs={"view": "egocentric"},
        ),
        Method(
            "no-predictor",
            "littlebrain-egocentric without the predictor (no surprise alarms)",
            brain_config={"ablate": ["predictor"]},
            env_kwargs={"view": "egocentric"},
        ),
        Method("random", "random policy", brain="random"),
        Method("dqn-sparse", "SB3 DQN, sparse rewards", kind="sb3", algo="dqn"),
        Method(
            "dqn-shaped",
            "SB3 DQN, shaped rewards",
            kind="sb3",
            algo="dqn",
            env_kwargs={"reward_mode": "shaped"},
        ),
        Method("ppo-sparse", "SB3 PPO, sparse rewards", kind="sb3", algo="ppo"),
        Method(
            "ppo-shaped",
            "SB3 PPO, shaped rewards",
            kind="sb3",
            algo="ppo",
            env_kwargs={"reward_mode": "shaped"},
        ),
        # the same observations as littlebrain-egocentric
        Method(
            "dqn-sparse-egocentric",
            "SB3 DQN, sparse rewards, egocentric view",
            kind="sb3",
            algo="dqn",
            env_kwargs={"view": "egocentric"},
        ),
        Method(
            "ppo-sparse-egocentric",
            "SB3 PPO, sparse rewards, egocentric view",
            kind="sb3",
            algo="ppo",
            env_kwargs={"view": "egocentric"},
        ),
        Method(
            "dqn-shaped-egocentric",
            "SB3 DQN, shaped rewards, egocentric view",
            kind="sb3",
            algo="dqn",
            env_kwargs={"view": "egocentric", "reward_mode": "shaped"},
        ),
        Method(
            "ppo-shaped-egocentric",
            "SB3 PPO, shaped rewards, egocentric view",
            kind="sb3",
            algo="ppo",
            env_kwargs={"view": "egocentric", "reward_mode": "shaped"},
        ),
        *(
            Method(
                f"{algo}-cnn-{reward}{suffix}",
                f"SB3 {algo.upper()}, small CNN ({CNN_PICK[algo]}), {reward} rewards{label}",
                kind="sb3",
                algo=algo,
                policy="cnn",
                env_kwargs={**view, "reward_mode": reward},
                overrides=CNN_SEARCH[algo][CNN_PICK[algo]],
            )
            for algo in ("dqn", "ppo")
            for reward in ("sparse", "shaped")
            for suffix, label, view in (
                ("", "", {}),
                ("-egocentric", ", egocentric view", {"view": "egocentric"}),
            )
        ),
        # issue 21's short search for the CNN baselines (one seed at 200,000 steps each)
        *(
            Method(
                f"{algo}-cnn-search-{name}",
                f"SB3 {algo.upper()}, small CNN, sparse, egocentric; search: {name}",
                kind="sb3",
                algo=algo,
                policy="cnn",
                env_kwargs={"view": "egocentric"},
                overrides=overrides,
            )
            for algo, settings in CNN_SEARCH.items()
            for name, overrides in settings.items()
        ),
    )
}
DEFAULT_METHODS = (
    "littlebrain",
    "no-self-centring",
    "littlebrain-egocentric",
    "no-hippocampus",
    "no-striatum",
    "with-cortex",
    "no-novelty",
    "no-predictor",
    "random",
)


@dataclass(frozen=True)
class Job:
    method: str
    steps: int
    seed: int
    root: str

    @property
    def folder(self) -> Path:
        return Path(self.root) / f"{self.method}-{self.steps}" / f"seed{self.seed}"


def plan(methods: list[str], steps: int, seeds: int, root: Path) -> list[Job]:
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown method {unknown[0]!r} (known: {', '.join(METHODS)})")
    return [Job(m, steps, s, str(root)) for m in methods for s in range(seeds)]


def is_finished(folder: Path) -> bool:
    summary = folder / "summary.json"
    if not summary.is_file():
        return False
    return bool(json.loads(summary.read_text(encoding="utf-8")).get("finished"))


def run_job(job: Job) -> tuple[Job, str]:
    """Run (or resume) one job in this process; returns what was done."""
    method, folder = METHODS[job.method], job.folder
    if is_finished(folder):
        return job, "already finished"
    if method.kind == "sb3":
        from littlebrain_baselines.sb3 import run_sb3

        if not (folder / "checkpoint").is_dir():  # else it resumes from there
            shutil.rmtree(folder, ignore_errors=True)
        run_sb3(
            folder, method.algo, SNAKE, method.env_kwargs, job.steps, job.seed,
            policy=method.policy, overrides=method.overrides,
        )  # fmt: skip
        return job, "ran"
    if (folder / "config.json").is_file():
        session = Session.resume(folder, command=f"littlebrain bench snake ({job.method})")
        done = "resumed"
    else:
        shutil.rmtree(folder, ignore_errors=True)
        config = RunConfig(
            env=SNAKE,
            env_kwargs=method.env_kwargs,
            brain=method.brain,
            brain_config=method.brain_config,
            steps=job.steps,
            seed=job.seed,
            checkpoint_every=max(job.steps // 10, 1),
            keep_checkpoints=1,
        )
        session = Session.start(config, folder, f"littlebrain bench snake ({job.method})")
        done = "ran"
    session.run(show_progress=False)
    return job, done


def describe(job: Job, done: str) -> str:
    summary = json.loads((job.folder / "summary.json").read_text(encoding="utf-8"))
    return (
        f"{job.method} seed {job.seed} ({job.steps:,} steps) {done}: mean score (last 100) "
        f"{summary['mean_score_last_100']:.2f}, CPU {summary['cpu_seconds_total']:.0f} s"
    )


def run_suite(jobs: list[Job], workers: int | Workers) -> None:
    """Run jobs on `workers` (a count of local processes, or Workers), printing each as it ends."""
    runs = Path(jobs[0].root) if jobs else None
    run_in_workers(jobs, lambda job: is_finished(job.folder), run_job, describe, workers, runs)


# -- report -------------------------------------------------------------------------------
def load_runs(root: Path) -> list[dict[str, Any]]:
    """Every finished run under `root`, with its metrics."""
    runs = []
    for summary_path in sorted(root.glob("*/seed*/summary.json")):
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        if not summary.get("finished"):
            continue
        method, steps = summary_path.parent.parent.name.rsplit("-", 1)
        metrics = read_metrics(summary_path.parent / "metrics.csv")
        runs.append(
            {
                "method": method,
                "budget": int(steps),
                "seed": summary["seed"],
                "folder": summary_path.parent,
                "summary": summary,
                "step": metrics["step"],
                "score": metrics["score"],
            }
        )
    return runs


def steps_to_reach(step: np.ndarray, score: np.ndarray, threshold: float) -> float | None:
    """First environment step at which the mean of the last 100 episodes reaches `threshold`."""
    if len(score) == 0:
        return None
    reached = np.flatnonzero(rolling_mean(score, 100) >= threshold)
    return float(step[reached[0]]) if len(reached) else None


def aggregate(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["method"], run["budget"]), []).append(run)
    rows = []
    for (method, budget), members in sorted(groups.items()):
        finals = np.asarray([r["summary"]["mean_score_last_100"] or 0.0 for r in members])
        low, high = t_interval(finals)
        row = {
            "method": method,
            "budget": budget,
            "seeds": len(members),
            "description": METHODS[method].description if method in METHODS else method,
            "mean_last_100": float(finals.mean()),
            "ci_low": low,
            "ci_high": high,
            "best_episode": float(max(r["score"].max(initial=0) for r in members)),
            "cpu_seconds": float(np.mean([r["summary"]["cpu_seconds_total"] for r in members])),
            "peak_memory_mb": float(max(r["summary"]["peak_memory_mb"] for r in members)),
        }
        for threshold in THRESHOLDS:
            reached = [
                s
                for r in members
                if (s := steps_to_reach(r["step"], r["score"], threshold)) is not None
            ]
            row[f"steps_to_{threshold}"] = (
                float(np.median(reached)) if reached else None,
                len(reached),
            )
        rows.append(row)
    return rows


def read_anchor_curves(folder: Path) -> tuple[list[dict[str, Any]], str]:
    """The learning curves tabled in `folder`/README.md: each markdown table whose header reads
    `| steps | seed 0 | seed 1 | ...` under a `## ` heading becomes {"title", "steps",
    "scores" (steps x seeds)}. Returns them and a note ('' when read; else why not)."""
    path = folder / "README.md"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        return [], f"anchors not read ({path}: {error.__class__.__name__})"
    curves, title, current = [], "", None
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("## "):
            title, current = line[3:].strip(), None
        elif line.startswith("|") and cells[0] == "steps" and len(cells) > 1:
            seeds = [i for i, c in enumerate(cells) if c.startswith("seed")]
            current = {"title": title, "steps": [], "scores": [], "columns": seeds}
            if seeds:
                curves.append(current)
        elif current is not None and line.startswith("|"):
            try:
                steps = int(cells[0].replace(",", ""))
                scores = [float(cells[i]) for i in current["columns"]]
            except (ValueError, IndexError):
                continue  # the separator, or a malformed row
            current["steps"].append(steps)
            current["scores"].append(scores)
        elif not line.startswith("|"):
            current = None
    curves = [c for c in curves if c["steps"]]
    return curves, "" if curves else f"no learning-curve table found in {path}"


def anchor_lines(anchors: Path, rows: list[dict[str, Any]]) -> list[str]:
    """The report's section on the measured references, beside littlebrain-egocentric."""
    curves, note = read_anchor_curves(anchors)
    lines = ["## Measured references (read from the anchors at report time)", ""]
    if note:
        return lines + [f"{note}.", ""]
    ours = next(
        (r for r in rows if r["method"] == "littlebrain-egocentric" and r["budget"] == 200_000),
        None,
    )
    for curve in curves:
        means = [float(np.mean(s)) for s in curve["scores"]]
        lines += [
            f"{curve['title']} ({anchors / 'README.md'}): mean of the last 100 episodes, "
            f"mean over {len(curve['scores'][0])} seeds, by steps:",
            "",
            "| steps | " + " | ".join(f"{s:,}" for s in curve["steps"]) + " |",
            "|---|" + "---:|" * len(curve["steps"]),
            "| mean score | " + " | ".join(f"{m:.2f}" for m in means) + " |",
            "",
        ]
        if ours is not None:
            level = ours["mean_last_100"]
            above = [s for s, m in zip(curve["steps"], means, strict=True) if m > level]
            lines += [
                f"littlebrain-egocentric at 200,000 steps: {level:.2f} "
                f"[{ours['ci_low']:.2f}, {ours['ci_high']:.2f}] over {ours['seeds']} seeds; "
                + (
                    f"the reference passes it from {above[0]:,} steps on "
                    f"(its last: {means[-1]:.2f} at {curve['steps'][-1]:,})."
                    if above
                    else f"the reference stays below it to {curve['steps'][-1]:,} steps."
                ),
                "",
            ]
    return lines


def write_report(root: Path, out: Path, command: str, anchors: Path | None = None) -> Path:
    runs = load_runs(root)
    if not runs:
        raise ConfigError(f"no finished runs under {root}; run `littlebrain bench snake` first")
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    raw.mkdir(exist_ok=True)
    written = set()
    for run in runs:
        name = f"{run['method']}-{run['budget']}-seed{run['seed']}"
        for part in ("metrics.csv", "summary.json"):
            shutil.copy(run["folder"] / part, raw / f"{name}.{part}")
            written.add(f"{name}.{part}")
    keep_only(raw, written)
    rows = aggregate(runs)
    with open(out / "runs.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "method",
                "budget",
                "seed",
                "mean_score_last_100",
                "best_score",
                "episodes",
                "cpu_seconds",
                "peak_memory_mb",
            ]
        )
        for run in runs:
            s = run["summary"]
            writer.writerow(
                [
                    run["method"],
                    run["budget"],
                    run["seed"],
                    s["mean_score_last_100"],
                    s["best_score"],
                    s["episodes"],
                    round(s["cpu_seconds_total"], 1),
                    round(s["peak_memory_mb"], 1),
                ]
            )
    plot_curves(runs, out / "learning_curves.png")
    gif_note = write_best_episode_gif(runs, rows, out / "best_episode.gif")
    facts = provenance()
    lines = [
        "# Snake 10x10, sparse binary rewards: littlebrain against deep RL",
        "",
        "Score = apples eaten per episode. Mean of the last 100 episodes of each run, mean over",
        "seeds with a 95% t interval (littlebrain.stats); steps to reach a rolling mean (100",
        "episodes) of 5 / 10 / 20: median over the seeds that reached it (n reached / seeds).",
        "",
        "| method | budget | seeds | mean score, last 100 (95% CI) | best episode | "
        "steps to 5 | steps to 10 | steps to 20 | CPU s / run | peak MB |",
        "|---|---:|---:|---|---:|---|---|---|---:|---:|",
    ]
    for row in rows:
        reach = []
        for threshold in THRESHOLDS:
            median, n = row[f"steps_to_{threshold}"]
            reach.append(
                f"{median:,.0f} ({n}/{row['seeds']})"
                if median is not None
                else f"- (0/{row['seeds']})"
            )
        ci = f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}]" if row["seeds"] > 1 else ""
        lines.append(
            f"| {row['method']} ({row['description']}) | {row['budget']:,} | {row['seeds']} | "
            f"{row['mean_last_100']:.2f} {ci} | {row['best_episode']:.0f} | "
            + " | ".join(reach)
            + f" | {row['cpu_seconds']:.0f} | {row['peak_memory_mb']:.0f} |"
        )
    lines += [
        "",
        "![learning curves](learning_curves.png)",
        "",
        *([f"![best episode](best_episode.gif) {gif_note}", ""] if gif_note else []),
        *(anchor_lines(anchors, rows) if anchors is not None else []),
        "## Reproduce",
        "",
        f"    {command}",
        "",
        f"- report written by littlebrain {facts['littlebrain_version']}, "
        f"commit {facts['git_commit']}",
        f"- machine: {facts['machine']}, Python {facts['python']}, NumPy {facts['numpy']}",
        "- per-run commits and settings: raw/*.summary.json and the run folders' config.json",
    ]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "README.md"


def write_best_episode_gif(
    runs: list[dict[str, Any]], rows: list[dict[str, Any]], path: Path, episodes: int = 10
) -> str | None:
    """The whole brain's best view (ablations aside: the GIF shows littlebrain, not a brain
    with a region taken out), its best seed reloaded from its last checkpoint, plays
    `episodes` fresh episodes (still learning online, as always); the best one becomes a GIF."""
    from littlebrain.animation import BestEpisodeFrames, save_gif
    from littlebrain.loop import AgentLoop
    from littlebrain.runs import load_run_brain

    ours = [r for r in rows if r["method"] in ("littlebrain", "littlebrain-egocentric")]
    if not ours:
        return None
    best = max(ours, key=lambda r: r["mean_last_100"])
    candidates = [r for r in runs if (r["method"], r["budget"]) == (best["method"], best["budget"])]
    run = max(candidates, key=lambda r: r["summary"]["mean_score_last_100"] or 0.0)

    def kept(why: str) -> str:
        # the GIF made when the run's brain could be reloaded stays, and the report says why
        if not path.exists():
            raise RunFolderError(f"no best_episode.gif to keep: {why}")
        print(f"best_episode.gif kept as it was: {why}")
        return f"{best['method']}, seed {run['seed']}: kept from an earlier report ({why})."

    if not (run["folder"] / "config.json").is_file():
        # a run folder restored from results/<suite>/raw holds its metrics, not its brain
        return kept("this run folder has no config.json or checkpoint")
    try:
        config, env, brain, _ = load_run_brain(run["folder"], render_mode="rgb_array")
    except (RunFolderError, CheckpointError) as error:
        return kept(str(error))
    frames = BestEpisodeFrames()
    AgentLoop(env, brain, config.seed, "evaluation", callbacks=[frames]).run_episodes(episodes)
    best_score = frames.best_score
    save_gif(frames.best_frames, path)
    return (
        f"{best['method']}, seed {run['seed']} after {best['budget']:,} steps: the best of "
        f"{episodes} further episodes (learning still on), score {best_score:.0f}."
    )


def plot_curves(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 6), dpi=120)
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(f"{run['method']} ({run['budget']:,})", []).append(run)
    colours = plt.get_cmap("tab20").colors  # 20 distinct colours: one per curve
    for index, (label, members) in enumerate(sorted(groups.items())):
        budget = members[0]["budget"]
        method = METHODS.get(members[0]["method"])
        # deep RL dashed, littlebrain and its ablations solid
        style = "--" if method is not None and method.kind == "sb3" else "-"
        colour = colours[index % len(colours)]
        grid = np.linspace(budget / 100, budget, 100)
        curves = [
            np.interp(grid, r["step"], rolling_mean(r["score"], 100))
            for r in members
            if len(r["step"])
        ]
        mean = np.mean(curves, axis=0)
        ax.plot(grid, mean, style, color=colour, label=f"{label}, {len(curves)} seeds")
        if len(curves) > 1:
            low, high = np.min(curves, axis=0), np.max(curves, axis=0)
            ax.fill_between(grid, low, high, color=colour, alpha=0.12)
    ax.set_xscale("log")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("score (mean of last 100 episodes)")
    ax.set_title("Snake 10x10, sparse rewards (band: min-max over seeds)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(args: Any, command: str) -> int:
    root, out = Path(args.runs), Path(args.out)
    if not args.report:
        methods = args.methods or list(DEFAULT_METHODS)
        run_suite(plan(methods, args.steps, args.seeds, root), args.workers)
    report = write_report(root, out, command, Path(args.anchors))
    print(f"report: {report}")
    return 0
