"""`littlebrain report`: one self-contained HTML file for a run folder or a suite's results.

Everything the page shows is inside the file: plots as inline SVG, the animation as a GIF data
URI, the styles inline, no script and no network at view time. It can be mailed, archived or
opened offline.

- A run (a folder with config.json): its headline figures, the learning curve, the probes'
  traces, the best of a few episodes played by the brain of the last checkpoint (learning on,
  as always), the settings and the wiring that ran, and the provenance.
- A suite (results/<suite>/, with README.md): the README (its table and readings) with its
  images inlined, every run's figures from runs.csv, and per-seed learning curves of each
  method from raw/*.metrics.csv.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.errors import LittlebrainError, RunFolderError
from littlebrain.plots import rolling_mean, thinned

#: points per plotted curve at most (a long run's curve is thinned, not its rolling mean)
MAX_POINTS = 600
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
pre, code { background: #f5f5f5; font-size: 12.5px; } pre { padding: .7em; overflow: auto; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 13px; }
.plot svg { max-width: 100%; height: auto; } .facts td:first-child { font-weight: 600; }
img { max-width: 100%; }
"""


# -- pieces ------------------------------------------------------------------------------
def _svg(fig: Any) -> str:
    """A matplotlib figure as inline SVG markup (closed afterwards)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return '<div class="plot">' + text[text.index("<svg") :] + "</div>"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _thin(*columns: np.ndarray) -> list[np.ndarray]:
    keep = thinned(len(columns[0]), MAX_POINTS)
    return [c[keep] for c in columns]


def learning_curve_svg(metrics: dict[str, np.ndarray], window: int = 100) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    steps, scores, mean = _thin(metrics["step"], metrics["score"],
                                rolling_mean(metrics["score"], window))  # fmt: skip
    ax.scatter(steps, scores, s=4, alpha=0.3, color="tab:blue", label="episode score")
    ax.plot(steps, mean, color="tab:red", lw=2, label=f"mean of last {window} episodes")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("score")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return _svg(fig)


def probes_svg(probes: dict[str, np.ndarray]) -> str:
    """Small multiples: one panel per probe against steps."""
    plt = _pyplot()
    names = [n for n in probes if n != "step"]
    cols = 3
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.1 * rows), squeeze=False)
    steps = probes["step"]
    for ax, name in zip(axes.ravel(), names, strict=False):
        x, y = _thin(steps, probes[name])
        ax.plot(x, y, lw=1, color="tab:purple")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def per_seed_svg(groups: dict[str, list[tuple[str, dict[str, np.ndarray]]]]) -> str:
    """One panel per method: each seed's rolling mean of 100 episodes."""
    plt = _pyplot()
    cols = 3
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows), squeeze=False)
    for ax, (name, runs) in zip(axes.ravel(), sorted(groups.items()), strict=False):
        for seed, metrics in runs:
            x, y = _thin(metrics["step"], rolling_mean(metrics["score"], 100))
            ax.plot(x, y, lw=1, label=seed)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
    for ax in axes.ravel()[len(groups) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def table_html(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _facts(pairs: list[tuple[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(_fmt(v))}</td></tr>" for k, v in pairs
    )
    return f'<table class="facts">{rows}</table>'


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _data_uri(path: Path) -> str | None:
    kinds = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml",
             ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}  # fmt: skip
    if path.suffix.lower() not in kinds or not path.is_file():
        return None
    return f"data:{kinds[path.suffix.lower()]};base64," + base64.b64encode(
        path.read_bytes()
    ).decode("ascii")


def page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


# -- Markdown (the subset littlebrain's READMEs use) ----------------------------------------
def _inline(text: str, base: Path) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        part = html.escape(part, quote=False)

        def image(m: re.Match) -> str:
            uri = _data_uri(base / html.unescape(m.group(2)))
            src = uri or html.escape(html.unescape(m.group(2)))
            return f'<img alt="{m.group(1)}" src="{src}">'

        part = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)", image, part)
        part = re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', part)
        part = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", part)
        out.append(part)
    return "".join(out)


def markdown_html(text: str, base: Path) -> str:
    """Headings, paragraphs, lists, tables, code blocks, inline code, links and images (local
    images inlined as data URIs)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append(f"<pre>{html.escape(chr(10).join(lines[i + 1 : j]))}</pre>")
            i = j + 1
        elif m := re.match(r"(#{1,4}) (.*)", line):
            level = len(m.group(1)) + 1  # the page's own title is the h1
            out.append(f"<h{level}>{_inline(m.group(2), base)}</h{level}>")
            i += 1
        elif line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in lines[i:j]]
            body = [r for r in cells[1:] if not all(re.fullmatch(r":?-+:?", c) for c in r)]
            head = "".join(f"<th>{_inline(c, base)}</th>" for c in cells[0])
            rows = "".join(
                "<tr>" + "".join(f"<td>{_inline(c, base)}</td>" for c in r) + "</tr>" for r in body
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            i = j
        elif line.startswith("    ") and line.strip():
            j = i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                j += 1
            block = "\n".join(x[4:] for x in lines[i:j]).rstrip()
            out.append(f"<pre>{html.escape(block)}</pre>")
            i = j
        elif re.match(r"\s*([-*]|\d+\.) ", line):
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                if re.match(r"\s*([-*]|\d+\.) ", lines[i]):
                    items.append(re.sub(r"^\s*([-*]|\d+\.) ", "", lines[i]))
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            out.append("<ul>" + "".join(f"<li>{_inline(t, base)}</li>" for t in items) + "</ul>")
        elif line.strip():
            j = i
            while (
                j < len(lines) and lines[j].strip() and not re.match(r"(#|\||```|\s*- )", lines[j])
            ):
                j += 1
            j = max(j, i + 1)
            out.append(f"<p>{_inline(' '.join(x.strip() for x in lines[i:j]), base)}</p>")
            i = j
        else:
            i += 1
    return "\n".join(out)


# -- a run ---------------------------------------------------------------------------------
def best_episode_gif(run: Path, episodes: int = 3, max_steps: int = 3_000) -> tuple[str, str]:
    """(data URI, caption) of the best of `episodes` episodes played by the brain of the last
    checkpoint, learning on (as always), at most `max_steps` steps in all; raises
    LittlebrainError saying why there is none."""
    from littlebrain.animation import BestEpisodeFrames, gif_data_uri
    from littlebrain.loop import AgentLoop
    from littlebrain.runs import load_run_brain

    config, env, brain, meta = load_run_brain(run, render_mode="rgb_array")
    frames = BestEpisodeFrames()
    loop = AgentLoop(env, brain, config.seed, "evaluation", callbacks=[frames])
    ended = len(loop.run_episodes(episodes, max_steps=max_steps))
    env.close()
    if ended == 0:
        best, caption = frames.frames, f"the first {max_steps:,} steps of an unfinished episode"
    else:
        best = frames.best_frames
        caption = f"the best of {ended} episodes (score {frames.best_score:g})"
    if not best or best[0] is None:
        raise RunFolderError("the world renders no frames (render_mode='rgb_array')")
    size = max(np.asarray(best[0]).shape[:2])
    return gif_data_uri(best, size=240 if size < 240 else None), (
        f"The brain of step {meta['step']:,} (its last checkpoint), learning on as always: "
        f"{caption}."
    )


def run_report(run: Path, out: Path | None = None, animation: bool = True) -> Path:
    from littlebrain.checkpoint import read_json
    from littlebrain.probes import read_probes
    from littlebrain.runs import read_metrics

    run = Path(run)
    saved = read_json(run / "config.json", "run config", RunFolderError)
    if not isinstance(saved, dict) or "config" not in saved:
        raise RunFolderError(f"{run / 'config.json'} is not a littlebrain run config")
    config = saved["config"]
    summary = {}
    if (run / "summary.json").is_file():
        summary = read_json(run / "summary.json", "run summary", RunFolderError)
    metrics = read_metrics(run / "metrics.csv")
    parts = []
    headline = [
        ("world", f"{config.get('env')} {json.dumps(config.get('env_kwargs', {}))}"),
        ("brain", summary.get("brain_description", config.get("brain"))),
        ("seed", config.get("seed")),
        ("steps", f"{summary.get('steps', '?'):,} of {config.get('steps', 0):,}"
         if isinstance(summary.get("steps"), int) else "not summarised yet"),
        ("episodes", len(metrics["score"])),
        ("mean score, last 100 episodes",
         float(np.mean(metrics["score"][-100:])) if len(metrics["score"]) else "-"),
        ("best score", float(metrics["score"].max()) if len(metrics["score"]) else "-"),
        ("CPU seconds", summary.get("cpu_seconds_total", "-")),
    ]  # fmt: skip
    parts.append(_facts(headline))
    parts.append("<h2>Learning curve</h2>")
    if len(metrics["score"]):
        parts.append(f"<figure>{learning_curve_svg(metrics)}</figure>")
    else:
        parts.append("<p>No episode has ended yet.</p>")
    probes_path = run / "probes.csv"
    if probes_path.is_file():
        probes = read_probes(probes_path)
        if len(probes["step"]) and len(probes) > 1:
            every = config.get("probe_every", "?")
            parts.append(f"<h2>Probes</h2><p>Every {every} steps (probes.csv).</p>")
            parts.append(f"<figure>{probes_svg(probes)}</figure>")
    if animation:
        parts.append("<h2>Best episode</h2>")
        try:
            uri, caption = best_episode_gif(run)
            parts.append(
                f'<figure><img alt="best episode" src="{uri}"><figcaption>'
                f"{html.escape(caption)}</figcaption></figure>"
            )
        except LittlebrainError as error:
            parts.append(f"<p>No animation: {html.escape(str(error))}.</p>")
    parts.append("<h2>Settings</h2><pre>" + html.escape(json.dumps(config, indent=2)) + "</pre>")
    if saved.get("wiring"):
        parts.append(
            "<h2>Wiring</h2><p>Each region's config as built (sizes and shared values the "
            "wiring derives included).</p><pre>"
            + html.escape(json.dumps(saved["wiring"], indent=2))
            + "</pre>"
        )
    facts = {k: v for k, v in saved.items() if k not in ("config", "wiring")}
    parts.append("<h2>Provenance</h2>" + _facts(sorted(facts.items())))
    commands = run / "commands.txt"
    if commands.is_file():
        parts.append("<pre>" + html.escape(commands.read_text(encoding="utf-8")) + "</pre>")
    out = Path(out) if out else run / "report.html"
    out.write_text(page(f"littlebrain run: {run.name}", "\n".join(parts)), encoding="utf-8")
    return out


# -- a suite -------------------------------------------------------------------------------
def suite_report(suite: Path, out: Path | None = None) -> Path:
    from littlebrain.runs import read_metrics

    suite = Path(suite)
    readme = suite / "README.md"
    if not readme.is_file():
        raise RunFolderError(f"{suite} has no README.md (run `littlebrain bench ... --report`)")
    parts = [markdown_html(readme.read_text(encoding="utf-8"), suite)]
    runs_csv = suite / "runs.csv"
    if runs_csv.is_file():
        with open(runs_csv, newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        if rows:
            parts.append("<h2>Every run</h2><p>runs.csv: one row per run.</p>")
            parts.append(table_html(rows[0], rows[1:]))
    groups: dict[str, list[tuple[str, dict[str, np.ndarray]]]] = {}
    for path in sorted((suite / "raw").glob("*.metrics.csv")):
        name, _, seed = path.name.removesuffix(".metrics.csv").rpartition("-seed")
        metrics = read_metrics(path)
        if name and len(metrics["score"]):
            groups.setdefault(name, []).append((f"seed {seed}", metrics))
    if groups:
        parts.append(
            "<h2>Per-seed learning curves</h2><p>Each seed's mean score over its last 100 "
            "episodes, against environment steps (raw/*.metrics.csv).</p>"
        )
        parts.append(f"<figure>{per_seed_svg(groups)}</figure>")
    out = Path(out) if out else suite / "report.html"
    out.write_text(page(f"littlebrain suite: {suite.name}", "\n".join(parts)), encoding="utf-8")
    return out


def write_report(path: Path, out: Path | None = None, animation: bool = True) -> Path:
    """A run folder's or a suite folder's report (told apart by config.json / README.md)."""
    path = Path(path)
    if (path / "config.json").is_file():
        return run_report(path, out, animation)
    if (path / "README.md").is_file():
        return suite_report(path, out)
    raise RunFolderError(
        f"{path} is neither a run folder (config.json) nor a suite's results (README.md)"
    )
