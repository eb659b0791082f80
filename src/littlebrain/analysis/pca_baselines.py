"""Classic Hebbian PCA rules (the baselines) and the oracle metrics that judge every PCA rule.

Baselines, both with a weight matrix W (k x d, one row per output unit) and y = W x:

    Oja's subspace rule (Oja 1989):   dW = eta * (y x^T - y y^T W)
    Sanger's GHA (Sanger 1989):       dW = eta * (y x^T - tril(y y^T) W)

Oja's rule finds the top-k subspace in an arbitrary rotation; GHA's lower-triangular lateral
term (unit i is inhibited only by units j <= i) deflates the units one after another, so they
converge to the ordered eigenvectors. Both see the input centred by a running mean. The step
is normalised by a running estimate of E||x||^2 so that one eta works at any input scale (a
favour to the baselines: raw Oja diverges when eta * lambda_1 > 1), and decays as
eta0 / (1 + t / t0). The defaults (eta0 = 0.5, t0 = 10,000) were the best of a small grid
(eta0 in 0.1..2, t0 in 1e3, 1e4) on a spiked covariance; eta0 >= 1 diverged there.

The metrics compare a learned basis with batch PCA (NumPy SVD / eigh), the oracle:
`max_principal_angle` and `captured_variance_fraction`.
"""

from __future__ import annotations

import numpy as np


class HebbianPCA:
    """Oja's subspace rule (`rule="oja"`) or Sanger's GHA (`rule="gha"`), mini-batch capable."""

    def __init__(
        self,
        d: int,
        k: int,
        rule: str = "gha",
        eta0: float = 0.5,
        t0: float = 10000.0,
        seed: int = 0,
    ) -> None:
        if rule not in ("oja", "gha"):
            raise ValueError(f"rule must be 'oja' or 'gha', got {rule!r}")
        self.d, self.k, self.rule = d, k, rule
        self.eta0, self.t0 = float(eta0), float(t0)
        rng = np.random.default_rng(seed)
        # a random orthonormal start: Hebbian rules need symmetry broken, not data
        q, _ = np.linalg.qr(rng.standard_normal((d, k)))
        self.W = np.ascontiguousarray(q.T, dtype=np.float32)
        self.mean = np.zeros(d, dtype=np.float32)
        self.energy = 0.0  # running E||x - mean||^2, normalises the step
        self.t = 0

    def partial_fit(self, X: np.ndarray) -> None:
        """Learn from a block of samples (B x d); B = 1 is the classic per-sample rule."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float32))
        B = len(X)
        self.t += B
        # plain running mean (1/t): the baselines get the textbook estimator
        self.mean += (X.mean(axis=0) - self.mean) * (B / self.t)
        Xc = X - self.mean
        block_energy = float(np.einsum("ij,ij->", Xc, Xc)) / B
        self.energy += (block_energy - self.energy) * (B / self.t)
        # normalise by the larger of the running and the current energy, so that a sudden jump
        # in input scale cannot make the step unstable
        eta = self.eta0 / (max(self.energy, block_energy, 1e-12) * (1.0 + self.t / self.t0))
        Y = Xc @ self.W.T  # B x k
        H = Y.T @ Y  # k x k, summed over the block
        if self.rule == "gha":
            H = np.tril(H)
        # the block's mean update, so that eta means the same for any block size
        self.W += np.float32(eta / B) * (Y.T @ Xc - H @ self.W)

    @property
    def components(self) -> np.ndarray:
        """The learned basis, k x d (rows; not exactly orthonormal)."""
        return self.W


# -- oracle metrics ----------------------------------------------------------------------------
def orthonormal_basis(W: np.ndarray) -> np.ndarray:
    """An orthonormal basis (d x k) of the row space of W (k x d)."""
    q, _ = np.linalg.qr(np.asarray(W, dtype=np.float64).T)
    return q


def max_principal_angle(W: np.ndarray, Q_true: np.ndarray) -> float:
    """Largest principal angle (radians) between span of W's rows and span of Q_true's columns.

    Q_true is d x k orthonormal (the batch-PCA top-k eigenvectors). 0 means equal subspaces.
    """
    Q = orthonormal_basis(W)
    s = np.linalg.svd(Q.T @ Q_true, compute_uv=False)
    return float(np.arccos(np.clip(s.min(), -1.0, 1.0)))


def captured_variance_fraction(
    W: np.ndarray,
    top_eigenvalues: np.ndarray,
    *,
    covariance: np.ndarray | None = None,
    data: np.ndarray | None = None,
    factor: np.ndarray | None = None,
    noise_variance: float = 0.0,
) -> float:
    """Variance captured by span(W) as a fraction of what batch PCA's top-k subspace captures.

    Give the input's second moments one of three ways: `covariance` (d x d); centred `data`
    (n x d, the covariance is data^T data / n); or a low-rank `factor` F (d x r) with
    C = F F^T + noise_variance * I (spiked model, never forms d x d). `top_eigenvalues` are
    batch PCA's top-k eigenvalues of the same C; 1.0 means as good as batch PCA.
    """
    Q = orthonormal_basis(W)
    if covariance is not None:
        captured = float(np.einsum("ij,ij->", Q, covariance @ Q))
    elif data is not None:
        P = np.asarray(data, dtype=np.float64) @ Q
        captured = float(np.einsum("ij,ij->", P, P)) / len(data)
    elif factor is not None:
        P = Q.T @ factor
        captured = float(np.einsum("ij,ij->", P, P)) + noise_variance * Q.shape[1]
    else:
        raise ValueError("give covariance, data or factor")
    return captured / float(np.sum(top_eigenvalues))
