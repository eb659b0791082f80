"""The Atari 100k report: littlebrain's runs beside the published anchors, by rliable.

The anchors' raw per-run scores are read at report time from the folder given (by default
../shared/anchors/atari100k); nothing of them ships with littlebrain. Every method, ours
included, is normalised with the same random and human scores (iris/RANDOM.json, HUMAN.json)
and aggregated by the same rliable calls (mean, median, IQM, optimality gap, stratified
bootstrap CIs), over the games littlebrain has results for.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.bench.atari100k import (
    DEVELOPMENT_GAMES,
    EVAL_EPISODES,
    STEPS,
    load_results,
)
from littlebrain.envs.atari import ATARI_100K_GAMES, MAX_EPISODE_STEPS
from littlebrain.errors import ConfigError

#: bootstrap resamples of the interval estimates (rliable's own default is 50,000; 2,000
#: already gave the anchors' published IQM intervals to the third decimal, e.g. SPR's
#: [0.326, 0.348], and 5,000 keep a report under a minute)
BOOTSTRAP_REPS = 5_000
#: each anchor's raw runs: file under the anchors folder
ANCHOR_FILES = {
    "OTRainbow": "rliable/OTRainbow.json",
    "CURL": "rliable/CURL_10_evals.json",
    "SimPLe": "rliable/SimPLe.json",
    "DER": "rliable/DER.json",
    "DrQ": "rliable/DrQ.json",
    "DrQ(eps)": "rliable/DrQ(eps).json",
    "SPR": "rliable/SPR.json",
    "IRIS": "iris/IRIS.json",
    "STORM": "storm/storm.json",
    "DIAMOND": "diamond/DIAMOND.json",
    "BBF": "bbf/RR8_BBF_26games.csv",
}
#: per-game mean raw scores shown beside ours (columns of per_game_means.csv)
TABLE_ANCHORS = ("random", "human", "DER", "DrQ_eps", "SPR", "BBF")
METHOD = "littlebrain"


def _key(game: str) -> str:
    return game.lower().replace("_", "")


def load_reference(anchors: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Random and human raw scores per game."""

    def read(name: str) -> dict[str, float]:
        data = json.loads((anchors / "iris" / name).read_text(encoding="utf-8"))
        return {game: float(values[0]) for game, values in data.items()}

    if not (anchors / "iris" / "RANDOM.json").is_file():
        raise ConfigError(
            f"no Atari 100k anchors at {anchors} (iris/RANDOM.json missing); pass --anchors DIR"
        )
    return read("RANDOM.json"), read("HUMAN.json")


def normalise(game: str, score: Any, random: dict[str, float], human: dict[str, float]) -> Any:
    return (np.asarray(score, dtype=np.float64) - random[game]) / (human[game] - random[game])


def load_anchor_scores(
    anchors: Path, random: dict[str, float], human: dict[str, float]
) -> dict[str, dict[str, np.ndarray]]:
    """Human-normalised scores per anchor method and game, runs in file order."""
    by_key = {_key(g): g for g in ATARI_100K_GAMES}
    out: dict[str, dict[str, np.ndarray]] = {}
    for method, name in ANCHOR_FILES.items():
        path = anchors / name
        if not path.is_file():
            continue
        runs: dict[str, list[float]] = {}
        if name.endswith(".csv"):  # BBF: one row per run, already raw
            with open(path, newline="", encoding="utf-8") as file:
                for row in csv.DictReader(file):
                    game = by_key[_key(row["game"])]
                    runs.setdefault(game, []).append(float(row["GameScoreAverage"]))
        elif method == "CURL":  # normalised already (field HNS: the final evaluation)
            for row in json.loads(path.read_text(encoding="utf-8")):
                runs.setdefault(by_key[_key(row["game"])], []).append(float(row["HNS"]))
        else:
            for game, values in json.loads(path.read_text(encoding="utf-8")).items():
                runs[by_key[_key(game)]] = [float(v) for v in values]
        out[method] = {
            game: np.asarray(values) if method == "CURL" else normalise(game, values, random, human)
            for game, values in runs.items()
        }
    return out


def score_matrix(per_game: dict[str, np.ndarray], games: list[str]) -> np.ndarray:
    """(runs, games) for rliable: each game's runs truncated to the fewest any game has."""
    n = min(len(per_game[g]) for g in games)
    return np.stack([per_game[g][:n] for g in games], axis=1)


def _bootstrap(score_dict: dict[str, Any], func: Any, reps: int, seed: int) -> tuple[dict, dict]:
    """rliable's stratified bootstrap, seeded (rliable hands a RandomState to arch, which
    warns that it prefers a Generator: the draws are the same)."""
    import warnings

    from rliable import library as rly

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return rly.get_interval_estimates(
            score_dict, func, reps=reps, random_state=np.random.RandomState(seed)
        )


def aggregate_all(scores: np.ndarray) -> np.ndarray:
    """[mean, median, IQM, optimality gap] of a (runs, games) matrix: rliable's
    aggregate_mean, aggregate_median, aggregate_iqm and aggregate_optimality_gap (gamma 1),
    written without their per-call overhead (scipy's trim_mean wrapper made the bootstrap take
    tens of minutes); tests check they agree with rliable's to 1e-12."""
    per_game = scores.mean(axis=0)
    flat = np.sort(scores, axis=None)
    cut = int(0.25 * flat.size)  # trim_mean(proportiontocut=0.25) cuts int(0.25 n) each side
    return np.array(
        [
            per_game.mean(),
            np.median(per_game),
            flat[cut : flat.size - cut].mean(),
            1.0 - np.minimum(scores, 1.0).mean(),
        ]
    )


def probability_of_improvement(scores_x: np.ndarray, scores_y: np.ndarray) -> float:
    """rliable's probability_of_improvement (P(X > Y) + P(X = Y) / 2 per game, averaged over
    games: the Mann-Whitney U over n_x n_y) by direct comparison instead of scipy's test."""
    x, y = scores_x[:, None, :], scores_y[None, :, :]
    return float(((x > y).mean(axis=(0, 1)) + 0.5 * (x == y).mean(axis=(0, 1))).mean())


def aggregates(
    matrices: dict[str, np.ndarray], reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Mean, median, IQM and optimality gap, each (point, CI low, CI high), per method."""
    points, intervals = _bootstrap(matrices, aggregate_all, reps, seed)
    names = ("mean", "median", "iqm", "optimality_gap")
    return {
        method: {
            name: (float(points[method][i]), *map(float, intervals[method][:, i]))
            for i, name in enumerate(names)
        }
        for method in matrices
    }


def improvement(
    ours: np.ndarray, others: dict[str, np.ndarray], reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> dict[str, tuple[float, float, float]]:
    """P(littlebrain > X) with its stratified-bootstrap CI, for each X in `others`."""
    pairs = {name: (ours, other) for name, other in others.items()}
    points, intervals = _bootstrap(pairs, probability_of_improvement, reps, seed)
    return {n: (float(points[n]), *map(float, intervals[n][:, 0])) for n in pairs}


def write_report(
    root: Path, out: Path, anchors: Path, command: str, reps: int = BOOTSTRAP_REPS
) -> Path:
    results = load_results(root)
    if not results:
        raise ConfigError(f"no finished runs under {root}; run `littlebrain bench atari100k`")
    random, human = load_reference(anchors)
    by_game: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_game.setdefault(result["game"], []).append(result)
    games = [g for g in ATARI_100K_GAMES if g in by_game]
    ours = {g: normalise(g, [r["eval_mean"] for r in by_game[g]], random, human) for g in games}
    online = {
        g: normalise(g, [r["online_score"] for r in by_game[g]], random, human) for g in games
    }
    anchor_scores = load_anchor_scores(anchors, random, human)
    matrices = {METHOD: score_matrix(ours, games)}
    for method, per_game in anchor_scores.items():
        if all(g in per_game for g in games):
            matrices[method] = score_matrix(per_game, games)
    table = aggregates(matrices, reps)
    online_table = aggregates({f"{METHOD} (online)": score_matrix(online, games)}, reps)
    others = {m: matrices[m] for m in ("DER", "SPR") if m in matrices}
    poi = improvement(matrices[METHOD], others, reps)

    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    raw.mkdir(exist_ok=True)
    for result in results:
        shutil.copy(
            root / result["game"] / f"seed{result['seed']}" / "result.json",
            raw / f"{result['game']}-seed{result['seed']}.json",
        )
    write_runs_csv(results, random, human, out / "runs.csv")
    aggregate_rows = {**table, **online_table}
    write_json(out / "aggregates.json", {
        "games": games,
        "runs_per_game": {m: int(x.shape[0]) for m, x in matrices.items()},
        "bootstrap_reps": reps,
        "aggregates": aggregate_rows,
        "probability_of_improvement": poi,
    })  # fmt: skip
    plot_intervals(aggregate_rows, out / "aggregates.png")
    plot_per_game(games, ours, anchor_scores, out / "per_game.png")
    plot_curves(root, games, by_game, out / "curves.png")
    write_readme(
        out / "README.md",
        games=games,
        by_game=by_game,
        ours=ours,
        online=online,
        matrices=matrices,
        table=aggregate_rows,
        poi=poi,
        anchors=anchors,
        command=command,
        reps=reps,
    )
    return out / "README.md"


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_runs_csv(
    results: list[dict[str, Any]], random: dict[str, float], human: dict[str, float], path: Path
) -> None:
    columns = [
        "game", "seed", "eval_mean", "eval_hns", "eval_episodes", "eval_steps", "online_score",
        "online_hns", "training_episodes", "train_cpu_seconds", "eval_cpu_seconds",
        "cpu_seconds", "peak_memory_mb", "git_commit",
    ]  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for r in results:
            derived = {
                "eval_hns": float(normalise(r["game"], r["eval_mean"], random, human)),
                "online_hns": float(normalise(r["game"], r["online_score"], random, human)),
            }
            writer.writerow([{**r, **derived}[c] for c in columns])


def plot_intervals(table: dict[str, dict[str, tuple[float, float, float]]], path: Path) -> None:
    """An interval plot in rliable's style: one panel per aggregate, one row per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = (("mean", "Mean"), ("median", "Median"), ("iqm", "IQM"), ("optimality_gap", "Gap"))
    methods = sorted(table, key=lambda m: table[m]["iqm"][0])
    figure, axes = plt.subplots(1, 4, figsize=(14, 0.45 * len(methods) + 1.2), sharey=True)
    for ax, (name, title) in zip(axes, names, strict=True):
        for row, method in enumerate(methods):
            point, low, high = table[method][name]
            colour = "tab:red" if method.startswith(METHOD) else "tab:blue"
            ax.barh(row, high - low, left=low, height=0.6, color=colour, alpha=0.6)
            ax.plot([point, point], [row - 0.3, row + 0.3], color="black", lw=1.5)
        ax.set_title(title)
        ax.set_xlabel("human-normalised score")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(methods)), methods)
    figure.suptitle("Atari 100k: aggregates with 95% stratified bootstrap CIs (rliable)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_per_game(
    games: list[str],
    ours: dict[str, np.ndarray],
    anchor_scores: dict[str, dict[str, np.ndarray]],
    path: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [(METHOD, ours, "tab:red")] + [
        (m, anchor_scores[m], c) for m, c in (("DER", "tab:gray"), ("SPR", "tab:blue"))
        if m in anchor_scores
    ]  # fmt: skip
    figure, ax = plt.subplots(figsize=(14, 5))
    width = 0.8 / len(shown)
    x = np.arange(len(games))
    for i, (name, scores, colour) in enumerate(shown):
        means = [float(np.mean(scores[g])) for g in games]
        ax.bar(x + (i - (len(shown) - 1) / 2) * width, means, width, label=name, color=colour)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_xticks(x, games, rotation=60, ha="right")
    ax.set_ylabel("human-normalised score (mean over runs, symlog)")
    ax.set_title("Atari 100k per game")
    ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_curves(
    root: Path, games: list[str], by_game: dict[str, list[dict[str, Any]]], path: Path
) -> None:
    """Training-episode scores against steps, one panel per game, one line per seed; a run
    restored from a committed result.json alone (an earlier session's) has no training log
    and is left out of its panel, which says how many are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from littlebrain.runs import read_metrics

    columns = 6
    rows = -(-len(games) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.3 * rows), squeeze=False)
    for ax, game in zip(axes.flat, games, strict=False):
        missing = 0
        for result in by_game[game]:
            log = root / game / f"seed{result['seed']}" / "metrics.csv"
            if not log.is_file():
                missing += 1
                continue
            metrics = read_metrics(log)
            ax.plot(metrics["step"], metrics["score"], lw=0.8, alpha=0.8)
        ax.set_title(game + (f" ({missing} run(s) without a log)" if missing else ""), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(games) :]:
        ax.axis("off")
    figure.suptitle("littlebrain on Atari 100k: training-episode raw scores against agent steps")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def _ci(entry: tuple[float, float, float]) -> str:
    return f"{entry[0]:.3f} [{entry[1]:.3f}, {entry[2]:.3f}]"


def write_readme(
    path: Path,
    *,
    games: list[str],
    by_game: dict[str, list[dict[str, Any]]],
    ours: dict[str, np.ndarray],
    online: dict[str, np.ndarray],
    matrices: dict[str, np.ndarray],
    table: dict[str, dict[str, tuple[float, float, float]]],
    poi: dict[str, tuple[float, float, float]],
    anchors: Path,
    command: str,
    reps: int,
) -> None:
    per_game_means = {}
    means_path = anchors / "per_game_means.csv"
    if means_path.is_file():
        with open(means_path, newline="", encoding="utf-8") as file:
            per_game_means = {row["game"]: row for row in csv.DictReader(file)}
    results = [r for g in games for r in by_game[g]]
    commits = sorted({str(r.get("git_commit")) for r in results})
    machines = sorted({str(r.get("machine")) for r in results})
    cpu = np.array([r["cpu_seconds"] for r in results])
    train_cpu = np.array([r["train_cpu_seconds"] for r in results])
    memory = np.array([r["peak_memory_mb"] for r in results])
    seeds = {g: len(by_game[g]) for g in games}
    fewest, most = min(seeds.values()), max(seeds.values())
    seed_range = str(fewest) if fewest == most else f"{fewest} to {most}"
    lines = [
        "# Atari 100k: littlebrain from single frames",
        "",
        f"{len(results)} runs over {len(games)} of the 26 games "
        f"({seed_range} seeds per game), "
        f"{STEPS:,} agent steps of online learning from one 84 x 84 frame per step, then "
        f"an evaluation with learning frozen at epsilon 0.001: {EVAL_EPISODES} episodes, each "
        f"played to its end or the {MAX_EPISODE_STEPS:,}-step cap (runs with fewer complete "
        "episodes are counted per game below). The protocol asks for 100 episodes; see "
        "../shared/protocols/atari100k.md for every other setting, which are the anchors'.",
        "",
        "Development games (used for probes of settings, docs/DESIGN.md; the protocol allows "
        "five): " + (", ".join(DEVELOPMENT_GAMES) if DEVELOPMENT_GAMES else "none") + ". The "
        "same default brain and settings play every game.",
        "",
        "## Aggregates (human-normalised, 95% stratified bootstrap CIs, rliable)",
        "",
        f"Over the {len(games)} games littlebrain has results for"
        + ("" if len(games) == 26 else " (the anchors over the same games)")
        + f"; each method's runs per game are cut to its fewest; {reps:,} "
        "bootstrap resamples. Anchors' raw runs are read from "
        f"`{anchors}` at report time. The online row is the mean score of littlebrain's "
        "training episodes (no anchor reports it)."
        + (
            " With one run per game the stratified bootstrap has nothing to resample, so "
            "littlebrain's intervals shrink to points until more seeds are in."
            if matrices[METHOD].shape[0] == 1
            else ""
        ),
        "",
        "| method | runs/game | mean | median | IQM | optimality gap |",
        "|---|---:|---|---|---|---|",
    ]
    order = sorted(table, key=lambda m: table[m]["iqm"][0])
    for method in order:
        runs = matrices[method].shape[0] if method in matrices else matrices[METHOD].shape[0]
        row = table[method]
        name = f"**{method}**" if method.startswith(METHOD) else method
        lines.append(
            f"| {name} | {runs} | {_ci(row['mean'])} | {_ci(row['median'])} | "
            f"{_ci(row['iqm'])} | {_ci(row['optimality_gap'])} |"
        )
    lines += ["", "Probability that littlebrain beats (rliable, Mann-Whitney per game):", ""]
    lines += [f"- {name}: {_ci(value)}" for name, value in poi.items()]
    lines += [
        "",
        "![aggregates](aggregates.png)",
        "",
        "## Per game",
        "",
        "Raw scores: littlebrain's evaluation mean over seeds (each seed's mean over its "
        "evaluation episodes), min to max over seeds, evaluation episodes per seed, the online "
        "score, the human-normalised score (HNS), and the anchors' per-game means "
        "(per_game_means.csv).",
        "",
        "| game | seeds | littlebrain | min to max | eval episodes | online | HNS | "
        + " | ".join(TABLE_ANCHORS)
        + " |",
        "|---|---:|---:|---|---|---:|---:|" + "---:|" * len(TABLE_ANCHORS),
    ]
    for game in games:
        runs = by_game[game]
        evals = np.array([r["eval_mean"] for r in runs])
        onlines = np.array([r["online_score"] for r in runs])
        episodes = "/".join(str(r["eval_episodes"]) for r in runs)
        anchors_row = per_game_means.get(game, {})
        lines.append(
            f"| {game} | {len(runs)} | {evals.mean():.1f} | {evals.min():.1f} to "
            f"{evals.max():.1f} | {episodes} | {onlines.mean():.1f} | "
            f"{float(np.mean(ours[game])):.3f} | "
            + " | ".join(anchors_row.get(a, "") or "-" for a in TABLE_ANCHORS)
            + " |"
        )
    below_random = [g for g in games if float(np.mean(ours[g])) <= 0]
    lines += [
        "",
        f"At or below random (HNS <= 0): {', '.join(below_random) if below_random else 'none'}.",
        "",
        "![per game](per_game.png)",
        "",
        "![learning curves](curves.png)",
        "",
        "## Compute per run",
        "",
        f"- CPU seconds per run (training and evaluation): median {np.median(cpu):.0f} "
        f"(min {cpu.min():.0f}, max {cpu.max():.0f}); training alone median "
        f"{np.median(train_cpu):.0f}.",
        f"- Peak memory per run: median {np.median(memory):.0f} MB, max {memory.max():.0f} MB.",
        "- One process per run, one core each, no GPU.",
        "",
        "## Reproduce",
        "",
        "The runs (resumable; finished runs are skipped), then this report:",
        "",
        "```",
        f"littlebrain bench atari100k --seeds {max(seeds.values())} --workers 2",
        command,
        "```",
        "",
        f"- commit(s) of the runs: {', '.join(commits)}",
        f"- machine: {', '.join(machines)}",
        "- raw: `runs.csv` (one row per run), `raw/<Game>-seed<N>.json` (each run's result, "
        "with its evaluation scores), `aggregates.json`.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
