"""Benchmark the cortex's online PCA against Oja, GHA and scikit-learn's IncrementalPCA.

Two settings, each one pass over the stream, judged against batch PCA (NumPy eigh / SVD):
- snake: d = 1,764 (42 x 42), k = 32. Real frames: Snake boards (10 x 10, random actions) through
  the retina's sustained channel, area-upsampled to 42 x 42. Oracle: eigh of the covariance.
- spiked: d = 7,056 (84 x 84), k = 64. Synthetic spiked covariance with an image-like spectrum:
  64 spikes from 100 down to 1 (geometric), a 1/j bulk of 192 more from 0.5 down, noise 1e-3.
  Oracle: exact (the covariance is known).

Reports the captured-variance fraction (of batch PCA's top-k variance) versus samples seen, the
samples each method needs to reach 0.98, and updates per second on one core. Run pinned:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        taskset -c 0 .venv/bin/python benchmarks/cortex_bench.py
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import subprocess
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from sklearn.decomposition import IncrementalPCA  # outside reference, dev dependency only

import littlebrain  # noqa: F401  (registers littlebrain/Snake-v0)
from littlebrain.analysis.pca_baselines import HebbianPCA, captured_variance_fraction
from littlebrain.regions.cortex import Cortex, CortexConfig
from littlebrain.regions.retina import Retina, RetinaConfig

HEBBIAN_BATCH = 16  # Oja / GHA learn from the same mini-batch size as the cortex's default


def snake_frames(n: int, seed: int) -> np.ndarray:
    env = gym.make("littlebrain/Snake-v0")
    retina = Retina((10, 10, 3), RetinaConfig(out_height=42, out_width=42, transient=False))
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    frames = np.empty((n, 42 * 42), dtype=np.float32)
    for i in range(n):
        frames[i] = retina.step(obs)
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        if terminated or truncated:
            obs, _ = env.reset()
    return frames


class SnakeSetting:
    name, d, k = "snake", 42 * 42, 32

    def __init__(self, n: int, seed: int) -> None:
        self.X = snake_frames(n, seed)
        self.Xc = self.X.astype(np.float64) - self.X.mean(axis=0)
        eig = np.linalg.eigvalsh(self.Xc.T @ self.Xc / len(self.X))[::-1]
        self.top = eig[: self.k]

    def chunks(self, size: int):
        for i in range(0, len(self.X), size):
            yield self.X[i : i + size]

    def prefix_pca(self, n: int) -> np.ndarray:
        """Batch PCA of the first n samples only: the most any method can know after n."""
        Xn = self.X[:n].astype(np.float64)
        return np.linalg.svd(Xn - Xn.mean(axis=0), full_matrices=False)[2][: self.k]

    def score(self, W: np.ndarray) -> float:
        return captured_variance_fraction(W, self.top, data=self.Xc)


class SpikedSetting:
    name, d, k = "spiked", 84 * 84, 64

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        bulk, self.noise, self.n, self.seed = 3 * self.k, 1e-3, n, seed
        q, _ = np.linalg.qr(rng.standard_normal((self.d, self.k + bulk)))
        lam = np.concatenate([np.geomspace(100.0, 1.0, self.k), 0.5 / np.arange(1, bulk + 1)])
        self.F = (q * np.sqrt(lam)).astype(np.float32)
        self.mean = rng.standard_normal(self.d).astype(np.float32)
        self.top = lam[: self.k] + self.noise

    def chunks(self, size: int):
        # the same stream for every method: regenerated from one seed, never held in memory
        rng = np.random.default_rng(self.seed + 1)
        for i in range(0, self.n, size):
            m = min(size, self.n - i)
            z = rng.standard_normal((m, self.F.shape[1]), dtype=np.float32) @ self.F.T
            noise = np.sqrt(self.noise) * rng.standard_normal((m, self.d), dtype=np.float32)
            yield z + noise + self.mean

    def score(self, W: np.ndarray) -> float:
        return captured_variance_fraction(W, self.top, factor=self.F, noise_variance=self.noise)


def scored(seen: int, every: int, fine_until: int, coarse: int) -> bool:
    """Score every `every` samples up to `fine_until`, then every `coarse`."""
    return seen % every == 0 if seen <= fine_until else seen % coarse == 0


def curve_ours(setting, every: int, fine_until: int, coarse: int, **config) -> tuple[list, float]:
    cortex = Cortex(setting.d, CortexConfig(k_max=setting.k, **config))
    points, seen, busy = [], 0, 0.0
    for chunk in setting.chunks(every):
        start = time.perf_counter()
        for x in chunk:
            cortex.step(x)
        busy += time.perf_counter() - start
        seen += len(chunk)
        if scored(seen, every, fine_until, coarse):
            points.append((seen, setting.score(cortex.components[: cortex.k])))
    return points, seen / busy


def curve_hebbian(
    setting, rule: str, eta0: float, every: int, fine_until: int, coarse: int
) -> tuple[list, float]:
    learner = HebbianPCA(setting.d, setting.k, rule, eta0=eta0)
    points, seen, busy = [], 0, 0.0
    for chunk in setting.chunks(every):
        start = time.perf_counter()
        for i in range(0, len(chunk), HEBBIAN_BATCH):
            learner.partial_fit(chunk[i : i + HEBBIAN_BATCH])
        busy += time.perf_counter() - start
        seen += len(chunk)
        if scored(seen, every, fine_until, coarse):
            ok = np.all(np.isfinite(learner.W))
            points.append((seen, setting.score(learner.W) if ok else float("nan")))
    return points, seen / busy


def curve_prefix_pca(setting, every: int, fine_until: int) -> list:
    """The ceiling: batch PCA of the samples seen so far (Snake only: the frames are stored)."""
    return [
        (n, setting.score(setting.prefix_pca(n)))
        for n in range(every, min(fine_until, len(setting.X)) + 1, every)
    ]


def curve_ipca(setting, batch: int) -> tuple[list, float]:
    ipca = IncrementalPCA(n_components=setting.k)
    points, seen, busy = [], 0, 0.0
    for chunk in setting.chunks(batch):
        if len(chunk) < setting.k:
            break  # IncrementalPCA cannot take a batch smaller than k
        start = time.perf_counter()
        ipca.partial_fit(chunk)
        busy += time.perf_counter() - start
        seen += len(chunk)
        points.append((seen, setting.score(ipca.components_)))
    return points, seen / busy


def samples_to(points: list, target: float) -> int | None:
    for seen, score in points:
        if score >= target:
            return seen
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5k samples, snake only, no grid")
    parser.add_argument("--samples", type=int, default=20_000, help="stream length per setting")
    parser.add_argument("--every", type=int, default=64, help="score every this many samples")
    parser.add_argument(
        "--fine-until", type=int, default=4096, help="score every --every samples up to this"
    )
    parser.add_argument("--coarse", type=int, default=1024, help="then every this many")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/cortex"))
    args = parser.parse_args()
    n = 5_000 if args.quick else args.samples
    settings = [SnakeSetting] if args.quick else [SnakeSetting, SpikedSetting]
    etas = [0.5] if args.quick else [0.5, 2.0, 8.0]  # a small grid: the baselines get their best
    args.out.mkdir(parents=True, exist_ok=True)

    rows, summary = [], {}
    for make in settings:
        setting = make(n, args.seed)
        print(f"== {setting.name}: d={setting.d}, k={setting.k}, {n} samples")
        grid = (args.every, args.fine_until, args.coarse)
        results = {"ours": curve_ours(setting, *grid)}
        # the same rule without its reserve units (and 16-sample mini-batches): what they earn
        results["ours, no reserve (batch 16)"] = curve_ours(setting, *grid, reserve=0, batch=16)
        for rule in ("oja", "gha"):
            best = None
            for eta0 in etas:
                points, rate = curve_hebbian(setting, rule, eta0, *grid)
                final = points[-1][1]
                if best is None or (np.isfinite(final) and not final <= best[0][-1][1]):
                    best = (points, rate, eta0)
            results[f"{rule} (eta0={best[2]})"] = best[:2]
        for batch in (64, 128, 256, 512, 1024, 2048):  # its best batch size is the bar
            results[f"IncrementalPCA (batch={batch})"] = curve_ipca(setting, batch)
        default_batch = 5 * setting.d  # scikit-learn's default batch size
        if default_batch <= n:
            results[f"IncrementalPCA (batch={default_batch}, default)"] = curve_ipca(
                setting, default_batch
            )
        if hasattr(setting, "prefix_pca"):
            results["batch PCA of the samples seen (ceiling)"] = (
                curve_prefix_pca(setting, args.every, args.fine_until),
                float("nan"),
            )
        summary[setting.name] = {}
        for method, (points, rate) in results.items():
            for seen, score in points:
                rows.append((setting.name, method, seen, score))
            summary[setting.name][method] = {
                "final_fraction": points[-1][1] if points else None,
                "samples_to_0.98": samples_to(points, 0.98),
                "samples_to_0.99": samples_to(points, 0.99),
                "updates_per_s": rate,
            }
            s = summary[setting.name][method]
            print(
                f"{method:38s} final {s['final_fraction']:.4f}  to0.98 {s['samples_to_0.98']}"
                f"  to0.99 {s['samples_to_0.99']}  {rate:,.0f} updates/s"
            )

    with open(args.out / "curves.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["setting", "method", "samples", "captured_fraction"])
        writer.writerows(rows)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    meta = {
        "commit": commit,
        "machine": platform.platform(),
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "samples": n,
        "quick": args.quick,
        "every": args.every,
        "fine_until": args.fine_until,
        "coarse": args.coarse,
    }
    (args.out / "summary.json").write_text(json.dumps({"meta": meta, **summary}, indent=2))
    _plot(rows, args.out / "curves.png")
    print(f"wrote {args.out}/curves.csv, summary.json, curves.png")


def _cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        return next(
            line.split(":", 1)[1].strip() for line in out.splitlines() if "Model name" in line
        )
    except (OSError, StopIteration):
        return platform.processor()


def _plot(rows: list, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted({r[0] for r in rows}, reverse=True)
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.2), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for method in dict.fromkeys(r[1] for r in rows if r[0] == name):
            pts = [(r[2], r[3]) for r in rows if r[0] == name and r[1] == method]
            x, y = zip(*pts, strict=True)
            style = {"color": "black", "ls": ":"} if "ceiling" in method else {}
            lw = 2 if method == "ours" else 1
            ax.plot(x, y, marker="o", markersize=2, label=method, lw=lw, **style)
        ax.set_xscale("log")
        ax.axhline(0.98, color="grey", ls="--", lw=0.8)
        ax.set_ylim(0.8, 1.005)
        ax.set_xlabel("samples seen")
        ax.set_ylabel("captured variance / batch PCA's")
        ax.set_title(name)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
