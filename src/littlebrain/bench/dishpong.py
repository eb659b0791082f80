"""The DishBrain-style Pong experiment: `littlebrain bench dishpong`.

Each run is one 20-minute session of `littlebrain/DishPong-v0` (one episode, learning online
from its first step). littlebrain plays it in each of the four conditions with no reward at all;
chance is the random policy; the deep RL baselines (SB3 DQN, A2C, PPO, the `baselines` extra)
play the stimulus condition on the same observations and the same number of steps, but are handed
an explicit reward: +1 for a hit, -1 for a miss (as in Habibollahi et al. 2022).

Metrics, as in Kagan et al. 2022, over the first 5 minutes (T1) and the last 15 (T2) of game
time: mean hits per rally (a rally ends at a miss, or at the session's end if it has had a hit
by then: a rally the clock cut counts with the hits it had, a lower bound), % aces (rallies
without a hit) and % long rallies (3 or more hits). Statistics: a paired Wilcoxon signed-rank
test of T2 against T1 per method across seeds, and a Kruskal-Wallis test of T2 hits per rally
across the four conditions.

A run is a folder with result.json (every rally's end time and hit count, the T1/T2 metrics, CPU
seconds, peak memory, provenance); finished runs are never redone, so the suite can be completed
over several sittings (a session is short, so an interrupted one restarts).
"""

from __future__ import annotations

import json
import resource
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from littlebrain.animation import save_gif
from littlebrain.bench import Workers, keep_only, run_in_workers
from littlebrain.checkpoint import write_json_atomic
from littlebrain.config import RunConfig
from littlebrain.envs.dishpong import end_session
from littlebrain.errors import ConfigError
from littlebrain.loop import AgentLoop, Callback, Transition
from littlebrain.runs import make_brain, provenance
from littlebrain.stats import mean_ci

DISHPONG = "littlebrain/DishPong-v0"
#: the world's settings for the experiment: 50 ms bins (a 20-minute session is 24,000 steps) and
#: the ball's position coded relative to the paddle (the protocol leaves the frame open)
ENV_KWARGS: dict[str, Any] = {"bins_per_second": 20, "place_frame": "paddle"}
CONDITIONS = ("stimulus", "silent", "no_feedback", "rest")
T1_SECONDS = 300.0
LONG_RALLY = 3


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    kind: str = "brain"  # "brain" or "sb3"
    condition: str = "stimulus"
    brain: str = "default"
    brain_config: dict = field(default_factory=dict)
    algo: str = ""


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        *(
            Method(f"littlebrain-{c}", f"littlebrain, {c} condition, no reward", condition=c)
            for c in CONDITIONS
        ),
        Method(
            "littlebrain-no-predictor",
            "littlebrain without the predictor, stimulus condition",
            brain_config={"ablate": ["predictor"]},
        ),
        Method(
            "littlebrain-no-hippocampus",
            "littlebrain without the hippocampus, stimulus condition",
            brain_config={"ablate": ["hippocampus"]},
        ),
        Method("random", "random policy (chance), stimulus condition", brain="random"),
        *(
            Method(f"{a}-reward", f"SB3 {a.upper()} given +1 hit / -1 miss", kind="sb3", algo=a)
            for a in ("dqn", "a2c", "ppo")
        ),
    )
}
DEFAULT_METHODS = tuple(m for m in METHODS if METHODS[m].kind == "brain")


def rally_metrics(rallies: list[tuple[float, int]], lo: float, hi: float) -> dict[str, float]:
    """Mean hits per rally, % aces and % long rallies of the rallies that ended in [lo, hi)."""
    hits = np.array([h for t, h in rallies if lo <= t < hi], dtype=float)
    if len(hits) == 0:
        return {"rallies": 0, "hits_per_rally": float("nan"), "aces": float("nan"),
                "long_rallies": float("nan")}  # fmt: skip
    return {
        "rallies": int(len(hits)),
        "hits_per_rally": float(hits.mean()),
        "aces": float(100 * np.mean(hits == 0)),
        "long_rallies": float(100 * np.mean(hits >= LONG_RALLY)),
    }


class RallyRecorder(Callback):
    """Keeps each rally's end time and hits, and the frames rendered from `frames_from` on
    (a world without rallies, Snake, records none)."""

    def __init__(self, frames_from: float | None = None) -> None:
        self.rallies: list[tuple[float, int]] = []
        self.frames: list[np.ndarray] = []
        self.frames_from = frames_from
        self.info: dict[str, Any] = {}

    def on_step(self, loop: AgentLoop, transition: Transition) -> None:
        info = self.info = transition.info
        if info.get("rally_ended"):
            self.rallies.append((info["game_time_s"], int(info["rally_hits"])))
        if self.frames_from is not None and info["game_time_s"] >= self.frames_from:
            self.frames.append(loop.env.render())


def play_session(
    method: Method, seed: int, frames_from: float | None = None, **env_kwargs: Any
) -> dict[str, Any]:
    """One session of littlebrain or the random policy; returns the rallies and timings.
    `env_kwargs` override the experiment's world settings (tests play short sessions)."""
    env = gym.make(
        DISHPONG,
        condition=method.condition,
        render_mode="rgb_array",
        **{**ENV_KWARGS, **env_kwargs},
    )
    config = RunConfig(
        env=DISHPONG, brain=method.brain, brain_config=method.brain_config, seed=seed
    )
    recorder = RallyRecorder(frames_from)
    loop = AgentLoop(env, make_brain(config, env), seed, callbacks=[recorder])
    start = time.process_time()
    loop.run_episodes(1)  # the session is one episode; the world has no reward channel
    info = recorder.info
    end_session(recorder.rallies, info)
    return {
        "rallies": recorder.rallies,
        "hits": int(info["hits"]),
        "misses": int(info["misses"]),
        "session_seconds": float(info["game_time_s"]),
        "cpu_seconds": time.process_time() - start,
        "frames": recorder.frames,
    }


def result_path(job: tuple[str, int, str]) -> Path:
    name, seed, root = job
    return Path(root) / name / f"seed{seed}" / "result.json"


def run_job(job: tuple[str, int, str]) -> tuple[tuple[str, int, str], str]:
    name, seed, root = job
    method, folder = METHODS[name], result_path(job).parent
    if result_path(job).is_file():
        return job, "already finished"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if method.kind == "sb3":
        from littlebrain_baselines.sb3 import run_sb3_dishpong

        result = run_sb3_dishpong(method.algo, seed, ENV_KWARGS)
    else:
        gif_from = None
        if name == "littlebrain-stimulus" and seed == 0:
            gif_from = 20 * 60 - 20.0  # the last 20 s of play
        result = play_session(method, seed, gif_from)
        if result["frames"]:
            save_gif(
                result["frames"], folder / "late_session.gif", every=2, size=240, duration_ms=100
            )
        del result["frames"]
    t2_from = T1_SECONDS
    result.update(
        method=name,
        description=method.description,
        seed=seed,
        env=DISHPONG,
        env_kwargs={**ENV_KWARGS, "condition": method.condition},
        brain_config=method.brain_config,
        t1=rally_metrics(result["rallies"], 0.0, T1_SECONDS),
        t2=rally_metrics(result["rallies"], t2_from, float("inf")),
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        provenance=provenance(),
    )
    write_json_atomic(folder / "result.json", result)
    return job, "ran"


def describe(job: tuple[str, int, str], done: str) -> str:
    result = json.loads(result_path(job).read_text(encoding="utf-8"))
    return (
        f"{job[0]} seed {job[1]} {done}: hits per rally "
        f"T1 {result['t1']['hits_per_rally']:.2f} T2 {result['t2']['hits_per_rally']:.2f}"
    )


def run_suite(methods: list[str], seeds: int, workers: int | Workers, root: Path) -> None:
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown method {unknown[0]!r} (known: {', '.join(METHODS)})")
    jobs = [(m, s, str(root)) for m in methods for s in range(seeds)]
    run_in_workers(jobs, lambda job: result_path(job).is_file(), run_job, describe, workers, root)


# -- report -------------------------------------------------------------------------------
def load_results(root: Path) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(root.glob("*/seed*/result.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        results.setdefault(result["method"], []).append(result)
    return results


def report(root: Path, out: Path, command: str) -> Path:
    from scipy import stats

    results = load_results(root)
    if not results:
        raise ConfigError(f"no finished runs under {root}")
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in [m for m in METHODS if m in results]:
        runs = sorted(results[name], key=lambda r: r["seed"])
        t1 = np.array([r["t1"]["hits_per_rally"] for r in runs])
        t2 = np.array([r["t2"]["hits_per_rally"] for r in runs])
        paired = np.isfinite(t1) & np.isfinite(t2)
        p = float("nan")
        if paired.sum() >= 5 and np.any(t2[paired] != t1[paired]):
            p = float(stats.wilcoxon(t2[paired], t1[paired]).pvalue)
        rows.append(
            {
                "method": name,
                "description": METHODS[name].description,
                "seeds": len(runs),
                "t1_hits_per_rally": mean_ci(t1),
                "t2_hits_per_rally": mean_ci(t2),
                "t1_aces": float(np.nanmean([r["t1"]["aces"] for r in runs])),
                "t2_aces": float(np.nanmean([r["t2"]["aces"] for r in runs])),
                "t1_long": float(np.nanmean([r["t1"]["long_rallies"] for r in runs])),
                "t2_long": float(np.nanmean([r["t2"]["long_rallies"] for r in runs])),
                "wilcoxon_p": p,
                "cpu_seconds": float(np.median([r["cpu_seconds"] for r in runs])),
            }
        )
    conditions = [f"littlebrain-{c}" for c in CONDITIONS if f"littlebrain-{c}" in results]
    kruskal = float("nan")
    if len(conditions) >= 2:
        groups = [[r["t2"]["hits_per_rally"] for r in results[c]] for c in conditions]
        kruskal = float(stats.kruskal(*groups).pvalue)
    write_json_atomic(
        out / "summary.json", {"rows": rows, "kruskal_wallis_p_t2": kruskal, "command": command}
    )
    with open(out / "runs.csv", "w", encoding="utf-8") as f:
        f.write("method,seed,t1_hits_per_rally,t2_hits_per_rally,t1_aces,t2_aces,"
                "t1_long_rallies,t2_long_rallies,hits,misses,cpu_seconds\n")  # fmt: skip
        for name in results:
            for r in sorted(results[name], key=lambda r: r["seed"]):
                f.write(
                    f"{name},{r['seed']},{r['t1']['hits_per_rally']:.4f},"
                    f"{r['t2']['hits_per_rally']:.4f},{r['t1']['aces']:.2f},{r['t2']['aces']:.2f},"
                    f"{r['t1']['long_rallies']:.2f},{r['t2']['long_rallies']:.2f},{r['hits']},"
                    f"{r['misses']},{r['cpu_seconds']:.1f}\n"
                )
    write_raw(results, out / "raw")
    plot_sessions(results, out / "hits_per_rally.png")
    gif = root / "littlebrain-stimulus" / "seed0" / "late_session.gif"
    if gif.is_file():
        shutil.copyfile(gif, out / "late_session.gif")
    write_readme(rows, kruskal, out / "README.md", command)
    return out / "README.md"


def write_raw(results: dict[str, list[dict[str, Any]]], raw: Path) -> None:
    """Every run's result.json as raw/<method>-seed<N>.json, and nothing else: a file left from
    a run that is no longer in the table would be raw data that no longer matches it."""
    raw.mkdir(exist_ok=True)
    written = set()
    for name, runs in results.items():
        for run in runs:
            path = raw / f"{name}-seed{run['seed']}.json"
            write_json_atomic(path, run)
            written.add(path.name)
    keep_only(raw, written, "*.json")


def per_minute(rallies: list[list[float]], minutes: int = 20) -> np.ndarray:
    """Mean hits per rally of the rallies that ended in each minute (NaN where none did)."""
    series = np.full(minutes, np.nan)
    for minute in range(minutes):
        hits = [h for t, h in rallies if minute * 60 <= t < (minute + 1) * 60]
        if hits:
            series[minute] = np.mean(hits)
    return series


def plot_sessions(results: dict[str, list[dict[str, Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m for m in METHODS if m in results]
    columns = min(len(names), 5)
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.8 * rows), sharey=True, squeeze=False
    )
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        curves = np.array([per_minute(r["rallies"]) for r in results[name]])
        minutes = np.arange(1, curves.shape[1] + 1)
        for curve in curves:
            ax.plot(minutes, curve, color="0.8", lw=0.8)
        with warnings.catch_warnings():  # a minute without a finished rally is a gap
            warnings.simplefilter("ignore", RuntimeWarning)
            ax.plot(minutes, np.nanmedian(curves, axis=0), color="C0", lw=2, label="median")
        ax.axvline(5.5, color="0.5", ls=":", lw=1)
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("minute of the session")
    for ax in axes[:, 0]:
        ax.set_ylabel("hits per rally")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_readme(rows: list[dict[str, Any]], kruskal: float, path: Path, command: str) -> None:
    def ci(v: tuple[float, float, float]) -> str:
        return f"{v[0]:.2f}" if np.isnan(v[1]) else f"{v[0]:.2f} [{v[1]:.2f}, {v[2]:.2f}]"

    lines = [
        "# DishBrain-style Pong: learning from predictability alone",
        "",
        "One 20-minute session per run (24,000 steps of 50 ms), learning online from the first "
        "step. littlebrain never receives a reward; the SB3 baselines are given +1 per hit and "
        "-1 per miss. T1 = first 5 minutes, T2 = last 15. Hits per rally: mean over seeds with a "
        "95% t interval (littlebrain.stats); p: paired Wilcoxon signed-rank test of T2 vs T1 "
        "across seeds.",
        "",
        "| method | seeds | hits/rally T1 | hits/rally T2 | aces % T1 / T2 | long rallies % "
        "T1 / T2 | Wilcoxon p | CPU s |",
        "|---|---:|---|---|---|---|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['seeds']} | {ci(r['t1_hits_per_rally'])} | "
            f"{ci(r['t2_hits_per_rally'])} | {r['t1_aces']:.0f} / {r['t2_aces']:.0f} | "
            f"{r['t1_long']:.0f} / {r['t2_long']:.0f} | {r['wilcoxon_p']:.2g} | "
            f"{r['cpu_seconds']:.0f} |"
        )
    lines += [
        "",
        f"Kruskal-Wallis test of T2 hits per rally across littlebrain's conditions: "
        f"p = {kruskal:.2g}.",
        "",
        "![hits per rally](hits_per_rally.png)",
        "",
        "Late-session play (littlebrain, stimulus condition, seed 0, last 20 s): "
        "[late_session.gif](late_session.gif)",
        "",
        "## Reproduce",
        "",
        "```",
        command,
        "```",
        "",
        "Machine, commit and package versions of every run are in its result.json (`provenance`).",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(args: Any, command: str) -> int:
    if args.steps is not None:
        raise ConfigError("a DishPong run is one 20-minute session: --steps does not apply")
    root, out = Path(args.runs), Path(args.out)
    if not args.report:
        run_suite(args.methods or list(DEFAULT_METHODS), args.seeds, args.workers, root)
    print(f"report: {report(root, out, command)}")
    return 0
