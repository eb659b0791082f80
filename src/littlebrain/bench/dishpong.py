"""The DishBrain-style Pong experiment: `littlebrain bench dishpong`.

Each run is one 20-minute session of `littlebrain/DishPong-v0` (one episode, learning online
from its first step) in one world setting (`SETTINGS`): the protocol's place code across the
field at the world's own 20 ms bins (the headline), the same at 50 ms bins, and the easier
variant with the ball coded relative to the paddle. littlebrain plays each setting in the four
conditions with no reward at all; chance is the random policy; the tracking controller is what
perfect sensing with no memory and no learning can do in that frame; "proprioception" hands the
brain its paddle's place (a variant easier than the protocol, to tell a missing body sense from
a weak learner). The deep RL baselines (SB3 DQN, A2C, PPO, the `baselines` extra) play the
stimulus condition on the same observations and steps, handed an explicit reward: +1 for a hit,
-1 for a miss (as in Habibollahi et al. 2022).

Metrics, as in Kagan et al. 2022, over the first 5 minutes (T1) and the last 15 (T2) of game
time: hits per rally (a rally ends at a miss, or at the session's end if it has had a hit by
then: a rally the clock cut counts with the hits it had, a lower bound), misses per minute, %
aces (rallies without a hit) and % long rallies (3 or more hits). Over seeds: the median (a few
sessions with one endless rally carry a mean) and the mean with its t interval. Statistics: a
paired Wilcoxon signed-rank test of T2 against T1 per method, and a Kruskal-Wallis test of T2
hits per rally across the four conditions, per setting.

A run is a folder <setting>/<method>/seed<N> with result.json (every rally's end time and hit
count, the T1/T2 metrics, CPU seconds, peak memory, provenance); finished runs are never redone,
so the suite can be completed over several sittings (a session is short, so an interrupted one
restarts).
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


@dataclass(frozen=True)
class Setting:
    description: str
    env_kwargs: dict


#: the world settings the experiment plays, the headline first
SETTINGS: dict[str, Setting] = {
    "field-20ms": Setting(
        "ball place-coded across the field (the protocol), 20 ms bins (the world's default)",
        {"bins_per_second": 50, "place_frame": "field"},
    ),
    "field-50ms": Setting(
        "ball place-coded across the field, 50 ms bins",
        {"bins_per_second": 20, "place_frame": "field"},
    ),
    "paddle-50ms": Setting(
        "ball coded relative to the paddle (easier than the protocol: a memoryless rule never "
        "misses), 50 ms bins",
        {"bins_per_second": 20, "place_frame": "paddle"},
    ),
}
CONDITIONS = ("stimulus", "silent", "no_feedback", "rest")
#: issue 20's short search for the rewarded baselines: beside each algorithm's settings as they
#: are (the "<algo>-reward" methods: DISHPONG_HYPERPARAMETERS), a discount whose horizon is
#: about one ball crossing at 50 ms bins (0.97: 33 steps, 1.7 s; a crossing takes 1.9 s), and
#: more frequent updates (a 24,000-step session gives PPO's 2,048-step rollouts 11 updates)
SB3_SEARCH: dict[str, dict[str, dict[str, Any]]] = {
    "dqn": {
        "gamma0.97": {"gamma": 0.97},
        "target250-freq1": {"target_update_interval": 250, "train_freq": 1},
    },
    "a2c": {
        "gamma0.97": {"gamma": 0.97},
        "steps16-lr1e-3": {"n_steps": 16, "learning_rate": 1e-3},
    },
    "ppo": {
        "gamma0.97": {"gamma": 0.97},
        "steps256": {"n_steps": 256, "batch_size": 64},
    },
}
T1_SECONDS = 300.0
LONG_RALLY = 3


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    kind: str = "brain"  # "brain", "tracking" (the memoryless controller) or "sb3"
    condition: str = "stimulus"
    brain: str = "default"
    brain_config: dict = field(default_factory=dict)
    env_kwargs: dict = field(default_factory=dict)  # on top of the setting's
    algo: str = ""
    overrides: dict = field(default_factory=dict)  # sb3 only: hyperparameters changed


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        *(
            Method(f"littlebrain-{c}", f"littlebrain, {c} condition, no reward", condition=c)
            for c in CONDITIONS
        ),
        Method(
            "littlebrain-motor-memory",
            "littlebrain with a motor memory (efference copy integrated), stimulus condition",
            brain_config={"motor_memory": True},
        ),
        Method(
            "littlebrain-proprioception",
            "littlebrain sensing its paddle's place (easier than the protocol), stimulus",
            env_kwargs={"proprioception": True},
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
        Method(
            "tracking",
            "memoryless tracking rule on the ball's true place in the frame (perfect sensing, "
            "no learning): up if it is in the upper half, else down",
            kind="tracking",
        ),
        *(
            Method(f"{a}-reward", f"SB3 {a.upper()} given +1 hit / -1 miss", kind="sb3", algo=a)
            for a in ("dqn", "a2c", "ppo")
        ),
        *(
            Method(
                f"{algo}-reward-search-{name}",
                f"SB3 {algo.upper()} given +1 hit / -1 miss; search: {name}",
                kind="sb3",
                algo=algo,
                overrides=overrides,
            )
            for algo, settings in SB3_SEARCH.items()
            for name, overrides in settings.items()
        ),
    )
}
DEFAULT_METHODS = tuple(m for m in METHODS if METHODS[m].kind != "sb3" and "-no-" not in m)
SEARCH_METHODS = tuple(m for m in METHODS if "-search-" in m)


def rally_metrics(
    rallies: list[tuple[float, int]], lo: float, hi: float, misses: int, session_seconds: float
) -> dict[str, float]:
    """Hits per rally, % aces and % long rallies of the rallies that ended in [lo, hi), and the
    misses per minute there. `misses`: the session's; its first `misses` rallies ended in one
    (a last rally the clock cut is no miss)."""
    times = np.array([t for t, _ in rallies], dtype=float)
    hits = np.array([h for _, h in rallies], dtype=float)
    inside = (lo <= times) & (times < hi)
    minutes = (min(hi, session_seconds) - lo) / 60.0
    missed = int(np.sum(inside[:misses]))
    nan = float("nan")
    rate = missed / minutes if minutes > 0 else nan
    if not inside.any():
        return {"rallies": 0, "hits_per_rally": nan, "aces": nan, "long_rallies": nan,
                "misses_per_minute": rate}  # fmt: skip
    hits = hits[inside]
    return {
        "rallies": int(len(hits)),
        "hits_per_rally": float(hits.mean()),
        "aces": float(100 * np.mean(hits == 0)),
        "long_rallies": float(100 * np.mean(hits >= LONG_RALLY)),
        "misses_per_minute": rate,
    }


def tracking_action(world: Any) -> int | None:
    """What the memoryless tracking rule does in this bin, from the ball's true place in the
    world's frame (up towards a ball in the upper half of the channels, else down); None
    while the ball is not in play."""
    from littlebrain.envs.dishpong import DOWN, N_CHANNELS, UP

    if not world._in_play:
        return None
    return UP if world._place_channel() < N_CHANNELS // 2 else DOWN


class RallyRecorder(Callback):
    """Keeps each rally's end time and hits, the frames rendered from `frames_from` on (a world
    without rallies, Snake, records none), and per window (T1, T2) how many of the bins with
    the ball in play the chosen action was the tracking rule's: how far the brain has learned
    the one policy that plays the field frame without knowing where the paddle is (a random
    paddle agrees a third of the time)."""

    def __init__(self, frames_from: float | None = None) -> None:
        self.rallies: list[tuple[float, int]] = []
        self.frames: list[np.ndarray] = []
        self.frames_from = frames_from
        self.info: dict[str, Any] = {}
        self.agreement = np.zeros((2, 2), dtype=np.int64)  # T1, T2 x (agreed, bins in play)

    def observe(self, env: gym.Env, info: dict[str, Any]) -> None:
        self.info = info
        if info.get("rally_ended"):
            self.rallies.append((info["game_time_s"], int(info["rally_hits"])))
        if self.frames_from is not None and info["game_time_s"] >= self.frames_from:
            self.frames.append(env.render())

    def on_action(self, loop: AgentLoop, action: int) -> None:
        rule = tracking_action(loop.env.unwrapped)
        if rule is not None:
            window = int(self.info.get("game_time_s", 0.0) >= T1_SECONDS)
            self.agreement[window] += (action == rule, 1)

    def on_step(self, loop: AgentLoop, transition: Transition) -> None:
        self.observe(loop.env, transition.info)

    def agreement_shares(self) -> dict[str, float]:
        """Per window, the share of in-play bins whose action was the tracking rule's."""
        return {
            window: float(agreed / bins) if bins else float("nan")
            for window, (agreed, bins) in zip(("t1", "t2"), self.agreement, strict=True)
        }


def make_world(method: Method, setting: str, **env_kwargs: Any) -> gym.Env:
    """The world of `method` in `setting`; `env_kwargs` override (tests play short sessions)."""
    return gym.make(
        DISHPONG,
        condition=method.condition,
        render_mode="rgb_array",
        **{**SETTINGS[setting].env_kwargs, **method.env_kwargs, **env_kwargs},
    )


def track(env: gym.Env, seed: int, recorder: RallyRecorder) -> None:
    """The memoryless tracking rule for one session: it reads the ball's true place in the
    world's frame (the channel the place code would stimulate) in every bin, pulse or not."""
    from littlebrain.envs.dishpong import STAY

    env.reset(seed=seed)
    truncated = False
    while not truncated:
        action = tracking_action(env.unwrapped)
        _, _, _, truncated, info = env.step(STAY if action is None else action)
        recorder.observe(env, info)


def play_session(
    method: Method,
    setting: str,
    seed: int,
    frames_from: float | None = None,
    **env_kwargs: Any,
) -> dict[str, Any]:
    """One session of littlebrain, the random policy or the tracking rule; returns the rallies
    and timings."""
    env = make_world(method, setting, **env_kwargs)
    recorder = RallyRecorder(frames_from)
    start = time.process_time()
    if method.kind == "tracking":
        track(env, seed, recorder)
    else:
        config = RunConfig(
            env=DISHPONG, brain=method.brain, brain_config=method.brain_config, seed=seed
        )
        loop = AgentLoop(env, make_brain(config, env), seed, callbacks=[recorder])
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
        "tracking_agreement": recorder.agreement_shares(),
    }


Job = tuple[str, str, int, str]  # setting, method, seed, root


def result_path(job: Job) -> Path:
    setting, name, seed, root = job
    return Path(root) / setting / name / f"seed{seed}" / "result.json"


def run_job(job: Job) -> tuple[Job, str]:
    setting, name, seed, root = job
    method, folder = METHODS[name], result_path(job).parent
    if result_path(job).is_file():
        return job, "already finished"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env_kwargs = {**SETTINGS[setting].env_kwargs, **method.env_kwargs}
    if method.kind == "sb3":
        from littlebrain_baselines.sb3 import run_sb3_dishpong

        result = run_sb3_dishpong(method.algo, seed, env_kwargs, method.overrides)
    else:
        gif_from = None
        if name == "littlebrain-stimulus" and seed == 0:
            gif_from = 20 * 60 - 20.0  # the last 20 s of play
        result = play_session(method, setting, seed, gif_from)
        if result["frames"]:
            every = max(1, env_kwargs["bins_per_second"] // 10)  # 10 frames a second
            save_gif(
                result["frames"], folder / "late_session.gif", every=every, size=240,
                duration_ms=100,
            )  # fmt: skip
        del result["frames"]
    windows = {"t1": (0.0, T1_SECONDS), "t2": (T1_SECONDS, float("inf"))}
    result.update(
        setting=setting,
        method=name,
        description=method.description,
        seed=seed,
        env=DISHPONG,
        env_kwargs={**env_kwargs, "condition": method.condition},
        brain_config=method.brain_config,
        **{
            window: rally_metrics(
                result["rallies"], lo, hi, result["misses"], result["session_seconds"]
            )
            for window, (lo, hi) in windows.items()
        },
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        provenance=provenance(),
    )
    write_json_atomic(folder / "result.json", result)
    return job, "ran"


def describe(job: Job, done: str) -> str:
    result = json.loads(result_path(job).read_text(encoding="utf-8"))
    return (
        f"{job[0]} {job[1]} seed {job[2]} {done}: hits per rally "
        f"T1 {result['t1']['hits_per_rally']:.2f} T2 {result['t2']['hits_per_rally']:.2f}"
    )


def run_suite(
    settings: list[str], methods: list[str], seeds: int, workers: int | Workers, root: Path
) -> None:
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown method {unknown[0]!r} (known: {', '.join(METHODS)})")
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} (known: {', '.join(SETTINGS)})")
    # the cheap and the headline runs first, so a report is worth reading early
    jobs = [(st, m, s, str(root)) for st in settings for s in range(seeds) for m in methods]
    run_in_workers(jobs, lambda job: result_path(job).is_file(), run_job, describe, workers, root)


# -- report -------------------------------------------------------------------------------
Results = dict[str, dict[str, list[dict[str, Any]]]]  # setting -> method -> runs


def load_results(root: Path) -> Results:
    results: Results = {}
    for path in sorted(root.glob("*/*/seed*/result.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        runs = results.setdefault(result["setting"], {}).setdefault(result["method"], [])
        runs.append(result)
    return {
        setting: {m: sorted(by[m], key=lambda r: r["seed"]) for m in METHODS if m in by}
        for setting in SETTINGS
        if (by := results.get(setting))
    }


def summarise_method(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row of a setting's table: medians over seeds, the mean T2 with its t interval and
    the paired Wilcoxon test of T2 against T1."""
    from scipy import stats

    def column(window: str, key: str) -> np.ndarray:
        return np.array([r[window][key] for r in runs], dtype=float)

    def median(values: np.ndarray) -> float:
        finite = values[np.isfinite(values)]
        return float(np.median(finite)) if len(finite) else float("nan")

    t1, t2 = column("t1", "hits_per_rally"), column("t2", "hits_per_rally")
    paired = np.isfinite(t1) & np.isfinite(t2)
    p = float("nan")
    if paired.sum() >= 5 and np.any(t2[paired] != t1[paired]):
        p = float(stats.wilcoxon(t2[paired], t1[paired]).pvalue)
    row: dict[str, Any] = {
        "seeds": len(runs),
        "t2_hits_per_rally_mean": mean_ci(t2),
        "wilcoxon_p": p,
        "cpu_seconds": float(np.median([r["cpu_seconds"] for r in runs])),
    }
    for window in ("t1", "t2"):
        for key in ("hits_per_rally", "misses_per_minute", "aces", "long_rallies"):
            row[f"{window}_{key}_median"] = median(column(window, key))
        # runs before session 17 did not record it
        agreement = [r.get("tracking_agreement", {}).get(window, np.nan) for r in runs]
        row[f"{window}_tracking_agreement_median"] = median(np.array(agreement, dtype=float))
    return row


def report(root: Path, out: Path, command: str) -> Path:
    from scipy import stats

    results = load_results(root)
    if not results:
        raise ConfigError(f"no finished runs under {root}")
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Any] = {}
    for setting, by_method in results.items():
        conditions = [f"littlebrain-{c}" for c in CONDITIONS if f"littlebrain-{c}" in by_method]
        kruskal = float("nan")
        if len(conditions) >= 2:
            groups = [[r["t2"]["hits_per_rally"] for r in by_method[c]] for c in conditions]
            kruskal = float(stats.kruskal(*groups).pvalue)
        tables[setting] = {
            "description": SETTINGS[setting].description,
            "rows": {name: summarise_method(runs) for name, runs in by_method.items()},
            "kruskal_wallis_p_t2": kruskal,
        }
        plot_sessions(by_method, out / f"hits_per_rally-{setting}.png", setting)
        gif = root / setting / "littlebrain-stimulus" / "seed0" / "late_session.gif"
        if gif.is_file():
            shutil.copyfile(gif, out / f"late_session-{setting}.gif")
    write_json_atomic(out / "summary.json", {"settings": tables, "command": command})
    write_runs_csv(results, out / "runs.csv")
    write_raw(results, out / "raw")
    write_readme(tables, out / "README.md", command)
    return out / "README.md"


def write_runs_csv(results: Results, path: Path) -> None:
    keys = ("hits_per_rally", "misses_per_minute", "aces", "long_rallies")
    header = ["setting", "method", "seed"]
    header += [f"{w}_{k}" for w in ("t1", "t2") for k in keys]
    header += ["hits", "misses", "cpu_seconds"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for setting, by_method in results.items():
            for name, runs in by_method.items():
                for r in runs:
                    values = [f"{r[w][k]:.4f}" for w in ("t1", "t2") for k in keys]
                    values += [str(r["hits"]), str(r["misses"]), f"{r['cpu_seconds']:.1f}"]
                    f.write(",".join([setting, name, str(r["seed"]), *values]) + "\n")


def write_raw(results: Results, raw: Path) -> None:
    """Every run's result.json as raw/<setting>-<method>-seed<N>.json, and nothing else: a
    file left from a run that is no longer in the table would be raw data that no longer
    matches it."""
    raw.mkdir(exist_ok=True)
    written = set()
    for setting, by_method in results.items():
        for name, runs in by_method.items():
            for run in runs:
                path = raw / f"{setting}-{name}-seed{run['seed']}.json"
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


def plot_sessions(results: dict[str, list[dict[str, Any]]], path: Path, setting: str) -> None:
    """Hits per rally in each minute of the session, every seed and their median, per method."""
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
    fig.suptitle(f"{setting}: {SETTINGS[setting].description}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_readme(tables: dict[str, Any], path: Path, command: str) -> None:
    def number(value: float, spec: str = ".2f") -> str:
        return "-" if not np.isfinite(value) else f"{value:{spec}}"

    def ci(v: tuple[float, float, float]) -> str:
        if not np.isfinite(v[1]):
            return number(v[0])
        return f"{v[0]:.2f} [{v[1]:.2f}, {v[2]:.2f}]"

    lines = [
        "# DishBrain-style Pong: learning from predictability alone",
        "",
        "One 20-minute session per run, learning online from the first step. littlebrain never "
        "receives a reward; the SB3 baselines are given +1 per hit and -1 per miss. T1 = first "
        "5 minutes, T2 = last 15. Medians over seeds (a few sessions with one endless rally "
        "carry a mean), then the mean T2 with its 95% t interval (littlebrain.stats); p: paired "
        "Wilcoxon signed-rank test of T2 vs T1 across seeds. `tracking` is a memoryless rule "
        "on the ball's true place (perfect sensing, no learning); `littlebrain-proprioception` "
        "is handed its paddle's place, which the protocol's cultures never sensed. \"Moves as "
        'tracking": the median share of the bins with the ball in play in which the action '
        "was the tracking rule's (towards the ball's half; a random paddle: 33%; recorded from "
        "session 17 on, - before).",
    ]
    for setting, table in tables.items():
        lines += [
            "",
            f"## {setting}: {table['description']}",
            "",
            "| method | seeds | hits/rally T1 | hits/rally T2 | mean T2 [95% CI] | misses/min "
            "T1 / T2 | aces % T1 / T2 | long rallies % T1 / T2 | moves as tracking % T1 / T2 "
            "| Wilcoxon p | CPU s |",
            "|---|---:|---:|---:|---|---|---|---|---|---:|---:|",
        ]
        for name, r in table["rows"].items():
            agreement = [100 * r[f"{w}_tracking_agreement_median"] for w in ("t1", "t2")]
            lines.append(
                f"| {name} | {r['seeds']} | {number(r['t1_hits_per_rally_median'])} | "
                f"**{number(r['t2_hits_per_rally_median'])}** | "
                f"{ci(r['t2_hits_per_rally_mean'])} | "
                f"{number(r['t1_misses_per_minute_median'], '.1f')} / "
                f"{number(r['t2_misses_per_minute_median'], '.1f')} | "
                f"{number(r['t1_aces_median'], '.0f')} / {number(r['t2_aces_median'], '.0f')} | "
                f"{number(r['t1_long_rallies_median'], '.0f')} / "
                f"{number(r['t2_long_rallies_median'], '.0f')} | "
                f"{number(agreement[0], '.0f')} / {number(agreement[1], '.0f')} | "
                f"{number(r['wilcoxon_p'], '.2g')} | {r['cpu_seconds']:.0f} |"
            )
        lines += [
            "",
            "Kruskal-Wallis test of T2 hits per rally across littlebrain's conditions: "
            f"p = {number(table['kruskal_wallis_p_t2'], '.2g')}.",
            "",
            f"![hits per rally, {setting}](hits_per_rally-{setting}.png)",
        ]
        if (path.parent / f"late_session-{setting}.gif").is_file():
            lines += [
                "",
                f"Late-session play (littlebrain, stimulus, seed 0, last 20 s): "
                f"[late_session-{setting}.gif](late_session-{setting}.gif)",
            ]
    lines += [
        "",
        "## Reproduce",
        "",
        "The commands that ran these tables, with their commits: [commands.sh](commands.sh). "
        "This page was written by:",
        "",
        "```",
        command,
        "```",
        "",
        "Machine, commit and package versions of every run are in its result.json (`provenance`).",
    ]
    if (path.parent / "FINDINGS.md").is_file():  # the hand-written reading survives a new report
        lines += [
            "",
            "## Reading",
            "",
            "Written by hand, kept apart from this generated page: [FINDINGS.md](FINDINGS.md).",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(args: Any, command: str) -> int:
    if args.steps is not None:
        raise ConfigError("a DishPong run is one 20-minute session: --steps does not apply")
    root, out = Path(args.runs), Path(args.out)
    if not args.report:
        settings = args.settings or list(SETTINGS)
        methods = args.methods or list(DEFAULT_METHODS)
        run_suite(settings, methods, args.seeds, args.workers, root)
    print(f"report: {report(root, out, command)}")
    return 0
