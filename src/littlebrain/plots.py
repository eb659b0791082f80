"""Plots of runs. matplotlib is imported lazily, with the file-only Agg backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last `window` values at each point (fewer at the start)."""
    values = np.asarray(values, dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(1, len(values) + 1)
    start = np.maximum(index - window, 0)
    return (cumulative[index] - cumulative[start]) / (index - start)


def thinned(n: int, max_points: int) -> np.ndarray:
    """Indices of at most `max_points` of `n` points, evenly spread, first and last kept."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).astype(int))


def plot_learning_curve(
    metrics: dict[str, np.ndarray], path: str | Path, title: str, window: int = 100
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, scores = metrics["step"], metrics["score"]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    ax.scatter(steps, scores, s=3, alpha=0.25, color="tab:blue", label="episode score")
    ax.plot(
        steps,
        rolling_mean(scores, window),
        color="tab:red",
        lw=2,
        label=f"mean of last {window} episodes",
    )
    ax.set_xlabel("environment steps")
    ax.set_ylabel("score")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
