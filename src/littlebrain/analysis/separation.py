"""Pattern separation measured: how much a code's overlap falls as its inputs grow apart."""

from __future__ import annotations

import numpy as np

from littlebrain.regions.dentate_gyrus import DentateGyrus, code_overlap


def separation_curve(
    dg: DentateGyrus,
    similarities: np.ndarray,
    n_pairs: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Mean output overlap of input pairs with a given cosine similarity, one per similarity.

    Pairs are x and s x + sqrt(1 - s^2) z with x, z independent standard normal and z made
    orthogonal to x, so the input cosine is exactly s.
    """
    d = dg.config.input_dim
    out = np.empty(len(similarities))
    for i, s in enumerate(similarities):
        x = rng.standard_normal((n_pairs, d))
        z = rng.standard_normal((n_pairs, d))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        z -= np.sum(z * x, axis=1, keepdims=True) * x
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        y = s * x + np.sqrt(max(0.0, 1.0 - s * s)) * z
        out[i] = float(np.mean(code_overlap(dg.encode(x), dg.encode(y))))
    return out
