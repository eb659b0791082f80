"""Does criticality help? `littlebrain bench criticality` and `littlebrain analyze RUN`.

The same default brain runs without a reservoir and with its reservoir held sub-critical,
critical or super-critical (the reservoir's flow-control rule sets the regime), on Snake
(egocentric view, sparse rewards) and on DishPong (stimulus condition, no reward). Each run
records the reservoir's rates over its last `RECORD_STEPS` steps and measures:

- events: unit i is active at step t when its rate rises by more than one standard deviation of
  its own step-to-step changes (r_i(t) - r_i(t-1) > sd_i); A_t = number of active units;
- the branching ratio of A_t by multistep regression (Wilting & Priesemann 2018), which is
  unbiased although the reservoir is only a sample of a larger network;
- avalanches of A_t above its median (thresholded avalanches, as for continuous signals), their
  size and duration exponents (tau, alpha) with likelihood-ratio tests against lognormal and
  exponential, and the crackling-noise deviation |(alpha - 1) / (tau - 1) - 1 / (sigma nu z)|;
- the largest Lyapunov exponent of the reservoir at rest (zero input), by perturbation growth,
  and the spectral radius of its effective recurrent weights.

Score: Snake, the mean score of the last 100 episodes and of all episodes (sample efficiency);
DishPong, hits per rally in the last 15 minutes and the first 5.
A run folder holds result.json and activity.npz (A_t and a slice of rates), which
`littlebrain analyze RUN` reads.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.bench import Workers, dishpong, run_in_workers
from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.checkpoint import read_json, write_json_atomic
from littlebrain.errors import ConfigError, ObservationError, RunFolderError
from littlebrain.loop import AgentLoop
from littlebrain.runs import provenance
from littlebrain.stats import mean_ci

REGIMES = ("none", "subcritical", "critical", "supercritical")
WORLDS = ("snake", "dishpong")
#: the DishPong setting the regimes were measured in (bench/dishpong.py's SETTINGS)
DISHPONG_SETTING = "paddle-50ms"
RECORD_STEPS = 20_000
SNAKE_STEPS = 50_000


def events_of(rates: np.ndarray) -> np.ndarray:
    """A_t: how many units' rates rose by more than the sd of their own changes at step t."""
    changes = np.diff(rates.astype(np.float64), axis=0)
    spread = changes.std(axis=0)
    spread[spread == 0] = np.inf  # a silent unit never fires
    return (changes > spread).sum(axis=1)


def measure(events: np.ndarray) -> dict[str, Any]:
    """Branching ratio, avalanche exponents and crackling-noise deviation of A_t."""
    from littlebrain.analysis import (
        branching_ratio_mr,
        crackling_noise,
        find_avalanches,
        fit_avalanche_distributions,
    )

    out: dict[str, Any] = {"mean_events": float(events.mean())}
    estimate = branching_ratio_mr(events, k_max=40)
    out["branching_ratio"] = float(estimate.m)
    threshold = float(np.median(events))
    avalanches = find_avalanches(events, threshold=threshold)
    out.update(avalanche_threshold=threshold, avalanches=int(len(avalanches.sizes)))
    if len(avalanches.sizes) < 50 or len(np.unique(avalanches.durations)) < 3:
        return {**out, "tau": np.nan, "alpha": np.nan, "crackling_deviation": np.nan}
    fit = fit_avalanche_distributions(
        avalanches.sizes, avalanches.durations, alternatives=("lognormal", "exponential")
    )
    out.update(
        tau=float(fit.tau),
        alpha=float(fit.alpha),
        size_vs={k: [v.R, v.p] for k, v in fit.sizes.comparisons.items()},
        duration_vs={k: [v.R, v.p] for k, v in fit.durations.comparisons.items()},
    )
    try:
        out["crackling_deviation"] = float(
            crackling_noise(avalanches.sizes, avalanches.durations, fit=fit).deviation
        )
    except ObservationError as error:  # too few distinct durations for the regression
        out["crackling_deviation"], out["crackling_error"] = np.nan, str(error)
    return out


def dynamics(brain: DefaultBrain) -> dict[str, float]:
    """Spectral radius and largest Lyapunov exponent of the reservoir at rest."""
    from littlebrain.analysis import largest_lyapunov

    reservoir = brain.reservoir
    start = np.full(reservoir.config.n_units, 0.1)
    start += np.random.default_rng(0).normal(0, 0.1, start.shape)
    lyapunov = largest_lyapunov(
        reservoir.step_function(), start, 2_000, n_transient=500, rng=np.random.default_rng(1)
    )
    return {"spectral_radius": reservoir.spectral_radius(), "lyapunov": float(lyapunov)}


class ActivityRecorder(dishpong.RallyRecorder):
    """The reservoir's rates over the last RECORD_STEPS steps of a run, and DishPong's rallies."""

    def __init__(self, brain: DefaultBrain, steps: int) -> None:
        super().__init__()
        self.brain, self.steps = brain, steps
        self.record = brain.reservoir is not None
        n_units = brain.reservoir.config.n_units if self.record else 0
        self.rates = np.zeros((min(RECORD_STEPS, steps), n_units))

    def on_action(self, loop: AgentLoop, action: int) -> None:
        row = loop.step_count - (self.steps - len(self.rates))  # the step about to be taken
        if self.record and row >= 0:
            self.rates[row] = self.brain.reservoir.rates


def play(
    world: str, regime: str, seed: int, snake_steps: int, session_minutes: float = 20.0
) -> dict[str, Any]:
    """One run: Snake for `snake_steps`, or one DishPong session of `session_minutes`."""
    config = DefaultBrainConfig(reservoir_regime=regime)
    if world == "snake":
        env = gym.make("littlebrain/Snake-v0", view="egocentric")
        steps = snake_steps
    else:
        env = gym.make(
            dishpong.DISHPONG,
            condition="stimulus",
            session_minutes=session_minutes,
            **dishpong.SETTINGS[DISHPONG_SETTING].env_kwargs,
        )
        steps = env.unwrapped.n_bins
    brain = DefaultBrain(env.observation_space, env.action_space, config, seed)
    recorder = ActivityRecorder(brain, steps)
    loop = AgentLoop(env, brain, seed, callbacks=[recorder])
    started = time.process_time()
    scores = [record.score for record in loop.run(steps)]
    rallies, rates, record = recorder.rallies, recorder.rates, recorder.record
    result: dict[str, Any] = {"cpu_seconds": time.process_time() - started, "steps": steps}
    if world == "snake":
        result.update(
            score=float(np.mean(scores[-100:])) if scores else np.nan,
            score_all_episodes=float(np.mean(scores)) if scores else np.nan,
            episodes=len(scores),
        )
    else:
        session = (recorder.info["misses"], recorder.info["game_time_s"])
        t1 = dishpong.rally_metrics(rallies, 0.0, dishpong.T1_SECONDS, *session)
        t2 = dishpong.rally_metrics(rallies, dishpong.T1_SECONDS, float("inf"), *session)
        result.update(score=t2["hits_per_rally"], score_t1=t1["hits_per_rally"])
    if record:
        events = events_of(rates)
        result.update(measure(events), **dynamics(brain))
        result["_events"], result["_rates"] = events, rates[-2_000:].astype(np.float32)
    return result


def result_path(job: tuple[str, str, int, str, int]) -> Path:
    world, regime, seed, root, _ = job
    return Path(root) / f"{world}-{regime}" / f"seed{seed}" / "result.json"


def run_job(job: tuple[str, str, int, str, int]) -> tuple[tuple[str, str, int, str, int], str]:
    world, regime, seed, root, snake_steps = job
    folder = result_path(job).parent
    if result_path(job).is_file():
        return job, "already finished"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    result = play(world, regime, seed, snake_steps)
    if "_events" in result:
        np.savez(folder / "activity.npz", events=result.pop("_events"), rates=result.pop("_rates"))
    result.update(
        world=world,
        regime=regime,
        seed=seed,
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        provenance=provenance(),
    )
    write_json_atomic(folder / "result.json", result)
    return job, "ran"


def run_suite(
    worlds: list[str],
    regimes: list[str],
    seeds: int,
    workers: int | Workers,
    root: Path,
    snake_steps: int,
) -> None:
    for name, given, known in (("world", worlds, WORLDS), ("regime", regimes, REGIMES)):
        unknown = [x for x in given if x not in known]
        if unknown:
            raise ConfigError(f"unknown {name} {unknown[0]!r} (known: {', '.join(known)})")
    jobs = [
        (w, r, s, str(root), snake_steps) for w in worlds for r in regimes for s in range(seeds)
    ]
    run_in_workers(jobs, lambda job: result_path(job).is_file(), run_job, describe, workers, root)


def describe(job: tuple[str, str, int, str, int], done: str) -> str:
    result = json.loads(result_path(job).read_text(encoding="utf-8"))
    return (
        f"{job[0]} {job[1]} seed {job[2]} {done}: score {result['score']:.2f}, "
        f"branching ratio {result.get('branching_ratio', float('nan')):.3f}"
    )


# -- report -------------------------------------------------------------------------------
def load_results(root: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(root.glob("*-*/seed*/result.json"))]


def report(root: Path, out: Path, command: str) -> Path:
    results = load_results(root)
    if not results:
        raise ConfigError(f"no finished runs under {root}")
    out.mkdir(parents=True, exist_ok=True)
    columns = ("score", "branching_ratio", "tau", "alpha", "crackling_deviation",
               "spectral_radius", "lyapunov")  # fmt: skip
    rows = []
    for world in WORLDS:
        for regime in REGIMES:
            group = [r for r in results if r["world"] == world and r["regime"] == regime]
            if not group:
                continue
            row: dict[str, Any] = {"world": world, "regime": regime, "seeds": len(group)}
            for column in (*columns, "score_all_episodes", "score_t1", "cpu_seconds"):
                values = np.array([r.get(column, np.nan) for r in group], dtype=float)
                row[column] = mean_ci(values)
            rows.append(row)
    write_json_atomic(out / "summary.json", {"rows": rows, "command": command})
    with open(out / "runs.csv", "w", encoding="utf-8") as f:
        f.write("world,regime,seed," + ",".join(columns) + ",cpu_seconds\n")
        for r in results:
            values = ",".join(f"{r.get(c, np.nan):.4g}" for c in columns)
            f.write(f"{r['world']},{r['regime']},{r['seed']},{values},{r['cpu_seconds']:.1f}\n")
    plot_report(root, results, out)
    snake_steps = sorted({r["steps"] for r in results if r["world"] == "snake"})
    write_readme(rows, out / "README.md", command, snake_steps)
    return out / "README.md"


def plot_report(root: Path, results: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from littlebrain.analysis import find_avalanches

    fig, axes = plt.subplots(1, len(WORLDS), figsize=(10, 4))
    for ax, world in zip(axes, WORLDS, strict=True):
        for regime in REGIMES[1:]:
            sizes = []
            for path in sorted((root / f"{world}-{regime}").glob("seed*/activity.npz")):
                with np.load(path, allow_pickle=False) as data:
                    events = data["events"]
                sizes.extend(find_avalanches(events, threshold=float(np.median(events))).sizes)
            if sizes:
                x = np.sort(np.asarray(sizes, dtype=float))
                ax.loglog(x, 1.0 - np.arange(len(x)) / len(x), label=regime)
        ax.set_title(f"{world}: avalanche sizes (all seeds)")
        ax.set_xlabel("size S")
        ax.set_ylabel("P(size >= S)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "avalanches.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(WORLDS), figsize=(10, 4))
    for ax, world in zip(axes, WORLDS, strict=True):
        for n, regime in enumerate(REGIMES):
            group = [r for r in results if r["world"] == world and r["regime"] == regime]
            if regime == "none":
                for r in group:
                    ax.axhline(r["score"], color="0.7", lw=0.8)
                continue
            ax.scatter([r["branching_ratio"] for r in group], [r["score"] for r in group],
                       color=f"C{n}", label=regime)  # fmt: skip
        ax.set_title(f"{world} (grey lines: no reservoir)")
        ax.set_xlabel("branching ratio (multistep regression)")
        ax.set_ylabel("score" if world == "snake" else "hits per rally, last 15 min")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "score_vs_branching_ratio.png", dpi=110)
    plt.close(fig)


def write_readme(
    rows: list[dict[str, Any]], path: Path, command: str, snake_steps: list[int]
) -> None:
    def show(v: tuple[float, float, float]) -> str:
        if np.isnan(v[0]):
            return "-"
        return f"{v[0]:.3g}" if np.isnan(v[1]) else f"{v[0]:.3g} [{v[1]:.3g}, {v[2]:.3g}]"

    lines = [
        "# Criticality: the reservoir held sub-critical, critical or super-critical",
        "",
        f"Snake: egocentric view, sparse rewards, {' / '.join(f'{n:,}' for n in snake_steps)} "
        "steps, score = mean of the last "
        "100 episodes (sample efficiency: mean over all episodes). DishPong: one 20-minute "
        "session, stimulus condition, no reward, score = hits per rally in the last 15 minutes. "
        "Mean over seeds [95% t interval]. Measures on the reservoir's last "
        f"{RECORD_STEPS:,} steps; see the module docstring of littlebrain.bench.criticality.",
        "",
        "| world | reservoir | seeds | score | all episodes / first 5 min | branching ratio | "
        "tau | alpha | crackling dev. | spectral radius | Lyapunov | CPU s |",
        "|---|---|---:|---|---|---|---|---|---|---|---|---:|",
    ]
    for r in rows:
        early = r["score_all_episodes"] if r["world"] == "snake" else r["score_t1"]
        lines.append(
            f"| {r['world']} | {r['regime']} | {r['seeds']} | {show(r['score'])} | "
            f"{show(early)} | {show(r['branching_ratio'])} | {show(r['tau'])} | "
            f"{show(r['alpha'])} | {show(r['crackling_deviation'])} | "
            f"{show(r['spectral_radius'])} | {show(r['lyapunov'])} | {r['cpu_seconds'][0]:.0f} |"
        )
    lines += [
        "",
        "![avalanche sizes](avalanches.png)",
        "",
        "![score against branching ratio](score_vs_branching_ratio.png)",
        "",
        "## Reproduce",
        "",
        "```",
        command,
        "```",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(args: Any, command: str) -> int:
    if args.methods:
        raise ConfigError("the criticality suite runs every world and regime: no --methods")
    root, out = Path(args.runs), Path(args.out)
    if not args.report:
        steps = SNAKE_STEPS if args.steps is None else args.steps
        run_suite(list(WORLDS), list(REGIMES), args.seeds, args.workers, root, steps)
    print(f"report: {report(root, out, command)}")
    return 0


def analyze(run: Path) -> int:
    """`littlebrain analyze RUN`: print and plot the criticality measures of a finished run."""
    activity = run / "activity.npz"
    if not activity.is_file():
        raise RunFolderError(
            f"{run} has no recorded reservoir activity (activity.npz): runs of "
            "`littlebrain bench criticality` with a reservoir record it"
        )
    try:
        with np.load(activity, allow_pickle=False) as data:
            events, rates = data["events"], data["rates"]
        finite = np.isfinite(events).all() and np.isfinite(rates).all()
        if events.ndim not in (1, 2) or rates.ndim != 2 or not finite:
            raise ValueError("events (1-d or 2-d) and rates (2-d) must be finite numbers")
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise RunFolderError(f"{activity} is unreadable: {error}") from None
    measures = measure(events)
    result_path = run / "result.json"
    saved = read_json(result_path, "run result", RunFolderError) if result_path.is_file() else {}
    if not isinstance(saved, dict):
        raise RunFolderError(f"{result_path} is not a run result")
    print(f"{run}: {len(events):,} steps of {rates.shape[1]} reservoir units")
    for name in ("branching_ratio", "tau", "alpha", "crackling_deviation", "avalanches"):
        print(f"  {name:20s} {measures.get(name, float('nan')):.4g}")
    for name in ("spectral_radius", "lyapunov", "score"):
        if name in saved:
            print(f"  {name:20s} {saved[name]:.4g}")
    plot_run(events, rates, run / "criticality.png")
    print(f"  plot: {run / 'criticality.png'}")
    return 0


def plot_run(events: np.ndarray, rates: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from littlebrain.analysis import branching_ratio_mr, find_avalanches

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].imshow(rates[-500:].T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0].set_title("reservoir rates, last 500 steps")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("unit")
    estimate = branching_ratio_mr(events, k_max=40)
    axes[1].plot(estimate.k, estimate.r_k, "o", ms=3, label="r_k")
    axes[1].plot(
        estimate.k, estimate.b * estimate.m**estimate.k, label=f"b m^k, m = {estimate.m:.3f}"
    )
    axes[1].set_xlabel("lag k")
    axes[1].set_title("multistep regression")
    axes[1].legend(fontsize=8)
    avalanches = find_avalanches(events, threshold=float(np.median(events)))
    for values, label in ((avalanches.sizes, "size"), (avalanches.durations, "duration")):
        if len(values):
            x = np.sort(np.asarray(values, dtype=float))
            axes[2].loglog(x, 1.0 - np.arange(len(x)) / len(x), label=label)
    axes[2].set_title("avalanches (CCDF)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
