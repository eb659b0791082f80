"""Benchmark of the hippocampus and the dentate gyrus; writes results/hippocampus/.

Measures
  1. store + value-query steps per second at 1k, 10k, 100k and 1M memories (64-dim keys,
     18 actions), exact search and the IVF index, with the memory full (forgetting active);
  2. the IVF index's recall@k against exact per-action search;
  3. pattern completion: share of half-masked noisy cues that recall the right pattern, versus
     the number of stored patterns (the capacity at 95% correct recall);
  4. the dentate gyrus's separation curve: output overlap versus input similarity.

Run pinned to one core, e.g.
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 taskset -c 1 \\
      .venv/bin/python benchmarks/hippocampus_bench.py
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numba
import numpy as np

from littlebrain.analysis.separation import separation_curve
from littlebrain.regions.dentate_gyrus import DentateGyrus, DentateGyrusConfig
from littlebrain.regions.hippocampus import Hippocampus, HippocampusConfig
from littlebrain.runs import cpu_model

DIM, ACTIONS, K = 64, 18, 11


def structured_keys(n: int, rng: np.random.Generator, latent: int = 8) -> np.ndarray:
    """Keys like a cortex code of a game: episodes of 1,000 steps of a smooth random walk on an
    8-dim manifold, embedded linearly in 64 dims, plus a little noise."""
    mix = rng.standard_normal((latent, DIM))
    steps = np.cumsum(0.1 * rng.standard_normal((n, latent)), axis=0)
    starts = np.repeat(rng.uniform(0, 2 * np.pi, (n // 1000 + 1, latent)), 1000, axis=0)[:n]
    return (np.sin(steps + starts) @ mix + 0.05 * rng.standard_normal((n, DIM))).astype(np.float32)


def isotropic_keys(n: int, rng: np.random.Generator) -> np.ndarray:
    """The worst case for any index: i.i.d. Gaussian keys, no structure at all."""
    return rng.standard_normal((n, DIM)).astype(np.float32)


def ivf_cells_for(n: int) -> int:
    """About 0.8 sqrt(n) cells, a power of two, in [16, 1024]."""
    return int(np.clip(2 ** round(np.log2(0.8 * np.sqrt(n))), 16, 1024))


def ivf_probe_for(cells: int) -> int:
    """Cells probed: 16, or 1/32 of the cells where that is more (1M memories: 32 of 1024, as
    each cell's share of the memory shrinks), never more than a quarter of them."""
    return min(cells // 4, max(16, cells // 32))


def warm_up() -> float:
    """Load (or, the first time, compile) the Numba kernels outside the timed loops."""
    t0 = time.perf_counter()
    for index in ("exact", "auto"):
        cfg = HippocampusConfig(key_dim=DIM, n_actions=ACTIONS, capacity=200, ivf_cells=16)
        h = Hippocampus(replace(cfg, index=index, ivf_threshold=64))
        rng = np.random.default_rng(0)
        h.load_memories(isotropic_keys(100, rng), rng.integers(0, ACTIONS, 100), np.zeros(100))
        key = isotropic_keys(1, rng)[0]
        h.step(key, 1.0)
        h.store(key, 0)
        h.neighbours(key)
    return time.perf_counter() - t0


def exact_neighbours(h: Hippocampus, q: np.ndarray) -> list[set[int]]:
    n = h.size
    d = h.sqnorms[:n] - 2.0 * (h.keys[:n] @ q)
    out = []
    for a in range(ACTIONS):
        idx = np.flatnonzero(h.actions[:n] == a)
        k = min(K, len(idx))
        out.append(set(idx[np.argpartition(d[idx], k - 1)[:k]].tolist()) if k else set())
    return out


def run_memory(
    n: int, index: str, data: str, steps: int, seed: int, probe: int | None = None
) -> dict:
    rng = np.random.default_rng(seed)
    maker = structured_keys if data == "structured" else isotropic_keys
    keys = maker(n + steps, rng)
    actions = rng.integers(0, ACTIONS, n + steps)
    cells = ivf_cells_for(n)
    cfg = HippocampusConfig(
        key_dim=DIM,
        n_actions=ACTIONS,
        capacity=n,
        k_neighbours=K,
        index="exact" if index == "exact" else "auto",
        ivf_cells=cells,
        ivf_probe=ivf_probe_for(cells) if probe is None else probe,
        ivf_threshold=4 * cells,
    )
    h = Hippocampus(cfg)
    t0 = time.perf_counter()
    h.load_memories(keys[:n], actions[:n], rng.standard_normal(n).astype(np.float32))
    fill_s = time.perf_counter() - t0
    queries = keys[n:]
    # recall@k of the index against exact per-action search, before the timed loop
    recall = float("nan")
    if index == "ivf":
        hits = []
        for q in queries[: min(100, steps)]:
            truth = exact_neighbours(h, q)
            got, _ = h.neighbours(q, K)
            for a in range(ACTIONS):
                if truth[a]:
                    hits.append(len(truth[a] & set(got[a][got[a] >= 0].tolist())) / len(truth[a]))
        recall = float(np.mean(hits))
    # the timed loop: step (recall, replay on outcomes) + store, the memory full
    t0 = time.perf_counter()
    for t in range(steps):
        feedback = 1.0 if t % 100 == 99 else 0.0  # an outcome every 100 steps
        h.step(queries[t], feedback)
        h.store(queries[t], int(actions[n + t]))
    loop_s = time.perf_counter() - t0
    return {
        "memories": n,
        "index": index,
        "data": data,
        "ivf_cells": cells if index == "ivf" else 0,
        "ivf_probe": cfg.ivf_probe if index == "ivf" else 0,
        "steps": steps,
        "steps_per_s": steps / loop_s,
        "us_per_step": 1e6 * loop_s / steps,
        "recall_at_k": recall,
        "fill_s": fill_s,
        "final_size": h.size,
    }


def completion_capacity(sizes: list[int], noises: list[float], trials: int) -> list[dict]:
    rows = []
    rng = np.random.default_rng(1)
    for n in sizes:
        patterns = rng.standard_normal((n, DIM)).astype(np.float32)
        h = Hippocampus(HippocampusConfig(key_dim=DIM, n_actions=1, capacity=n + 1, index="exact"))
        h.load_memories(patterns, np.zeros(n, int), np.zeros(n))
        for noise in noises:
            correct = 0
            for i in rng.choice(n, trials, replace=False):
                mask = np.zeros(DIM, bool)
                mask[rng.choice(DIM, DIM // 2, replace=False)] = True
                cue = np.where(mask, patterns[i] + noise * rng.standard_normal(DIM), 0.0)
                correct += np.array_equal(h.complete(cue, mask), patterns[i])
            rows.append({"patterns": n, "noise": noise, "correct": correct / trials})
    return rows


def dg_separation(n_pairs: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    sims = np.array([0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0])
    variants = {
        "n=2048 k=40": DentateGyrusConfig(input_dim=DIM, n_units=2048, k_active=40),
        "n=4096 k=40": DentateGyrusConfig(input_dim=DIM, n_units=4096, k_active=40),
        "n=1024 k=20": DentateGyrusConfig(input_dim=DIM, n_units=1024, k_active=20),
        "n=2048 k=40 fan_in=8": DentateGyrusConfig(input_dim=DIM, fan_in=8),
        "n=2048 k=200 (10%)": DentateGyrusConfig(input_dim=DIM, k_active=200),
    }
    curves = {}
    for name, cfg in variants.items():
        dg = DentateGyrus(cfg, np.random.default_rng(0))
        curves[name] = separation_curve(dg, sims, n_pairs, np.random.default_rng(2))
    return sims, curves


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke test)")
    parser.add_argument("--out", default="results/hippocampus", help="output folder")
    parser.add_argument("--steps", type=int, default=2000, help="timed steps per size")
    parser.add_argument("--skip-1m", action="store_true", help="leave out the 1M-memory case")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    if args.skip_1m:
        sizes = [s for s in sizes if s < 1_000_000]
    jit_s = warm_up()
    print(json.dumps({"kernel_warm_up_s": jit_s}), flush=True)
    throughput = []
    for n in sizes:
        for index in ("exact", "ivf"):
            steps = args.steps
            if n >= 1_000_000:
                # IVF: 10,000 steps, one whole forgetting cycle (1% of 1M is forgotten at once,
                # a 0.3 s compaction that fewer steps would over-weight); exact: about 30 ms a
                # step, 200 steps give a stable mean
                steps = 200 if index == "exact" else max(args.steps, 10_000)
            row = run_memory(n, index, "structured", steps if not args.quick else 300, seed=0)
            throughput.append(row)
            print(json.dumps(row), flush=True)
    if not args.quick:
        # i.i.d. keys, no manifold: the IVF with the usual probe, with half the cells probed,
        # and exact search
        for index, probe in (("ivf", None), ("ivf", 128), ("exact", None)):
            row = run_memory(100_000, index, "isotropic", args.steps, seed=0, probe=probe)
            throughput.append(row)
            print(json.dumps(row), flush=True)
    write_csv(out / "throughput.csv", throughput)

    comp_sizes = (
        [1_000, 4_000] if args.quick else [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000]
    )
    completion = completion_capacity(comp_sizes, [0.0, 0.5, 0.75, 1.0], 50 if args.quick else 200)
    write_csv(out / "completion.csv", completion)

    sims, curves = dg_separation(100 if args.quick else 1000)
    sep_rows = [
        {"input_similarity": float(s), **{name: float(c[i]) for name, c in curves.items()}}
        for i, s in enumerate(sims)
    ]
    write_csv(out / "separation.csv", sep_rows)
    plot(out, sims, curves, throughput)

    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    meta = {
        "commit": commit,
        "dirty": bool(
            subprocess.run(
                ["git", "status", "--porcelain"], capture_output=True, text=True, check=False
            ).stdout.strip()
        ),
        "machine": f"{platform.machine()} {platform.processor() or ''} {cpu_model()}".strip(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "kernel_warm_up_s": jit_s,
        "affinity": sorted(os.sched_getaffinity(0)),
        "threads": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "quick": args.quick,
        "seconds": time.perf_counter() - started,
    }
    (out / "results.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "throughput": throughput,
                "completion": completion,
                "separation": sep_rows,
            },
            indent=2,
        )
    )
    print(json.dumps(meta))


def plot(out: Path, sims: np.ndarray, curves: dict, throughput: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot([0, 1], [0, 1], "k:", label="identity (no separation)")
    for name, curve in curves.items():
        ax.plot(sims, curve, marker="o", ms=3, label=name)
    ax.set_xlabel("input similarity (cosine)")
    ax.set_ylabel("output overlap (shared active units)")
    ax.set_title("Dentate gyrus pattern separation")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "separation.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4))
    for index in ("exact", "ivf"):
        rows = [r for r in throughput if r["index"] == index and r["data"] == "structured"]
        rows = sorted(rows, key=lambda r: r["memories"])
        ax.loglog(
            [r["memories"] for r in rows], [r["steps_per_s"] for r in rows], "o-", label=index
        )
    ax.axhline(5000, color="k", ls=":", label="target 5,000/s")
    ax.set_xlabel("memories")
    ax.set_ylabel("store + query steps / s (one core)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
