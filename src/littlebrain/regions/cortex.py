"""Sensory cortex: an online, self-sizing principal subspace of the retina's output.

Biology borrowed.
- Hebbian plasticity with synaptic normalisation (Oja): a unit's weights grow with the product of
  its input and its own activity, and their total length is held in check.
- Asymmetric lateral inhibition (Sanger; Rubner & Tavan): unit i is inhibited by the units j < i
  that carry more variance, so each unit codes only what the stronger ones leave. We apply the
  equilibrium of that inhibition directly (Gram-Schmidt in order of variance) after each update.
- Plasticity that slows with experience but never stops (CCIPCA's amnesic average, Weng et al.
  2003): each unit has its own age n_i and so its own step size, large while young.
- Unexpected uncertainty raises plasticity (acetylcholine / noradrenaline, Yu & Dayan 2005): when
  the fraction of the input the cortex fails to explain jumps, the units grow young again.
- Neurogenesis and pruning (Migenda et al. 2021 for PCA): units are recruited while the code
  explains less than a target fraction of the input's variance and pruned once the weakest one
  is not needed to hold it.

The rule, for unit i with direction u_i, variance estimate lambda_i, centred input x (running
mean subtracted) and y_i = u_i . x:

    v_i = (1 - w_i) lambda_i u_i + w_i y_i x,   w_i = (1 + mu(n_i)) / n_i;
    (u, lambda) <- Gram-Schmidt of (v_1, v_2, ...) in order of variance: lambda_i = |v_i^perp|

mu is the amnesic function (0 while young, then rising so that w_i tends to 1 / memory). With
the inhibition term written out this is CCIPCA; measured on a spiked covariance with a 100:1
spread of eigenvalues, CCIPCA's one-step-at-a-time deflation left the weakest units 1+ radian
off after 20k samples, while the Gram-Schmidt form was within 0.03 radians. Updates average over
a small mini-batch of the latest `batch` samples (batch = 1 is the per-sample rule), because
NumPy pays per call (see results/cortex/README.md for the measured throughput).

Reads: one flat float vector per step (the retina's output). Writes: the activations of the
active units, y_i / sqrt(lambda_i) (whitened by their running variances), ordered by variance;
zero-padded to k_max when `pad_output` (so that downstream regions see a fixed size).
State: mean, directions (k_max x d), variances, ages, active count, the surprise traces and the
partly filled mini-batch: all in `state_names`, so a checkpoint round-trips bit-exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.region import Region


@dataclass(frozen=True)
class CortexConfig:
    """Settings of the cortex. `target_variance=None` fixes k at k_max."""

    #: the most units (principal components) the cortex may hold
    k_max: int = 32
    #: fraction of the input's variance to explain; units are grown / pruned to hold it
    target_variance: float | None = None
    #: learn from mini-batches of the latest `batch` samples (1 = every sample on its own)
    batch: int = 16
    #: amnesic average (Weng et al. 2003): mu(n) = 0 for n <= t1, rises linearly to c at t2,
    #: then grows as (n - t2) / memory; the step size tends to 1 / memory (samples)
    amnesia_t1: float = 20.0
    amnesia_t2: float = 500.0
    amnesia_c: float = 2.0
    memory: float = 20000.0
    #: re-learn when the unexplained fraction (fast trace) exceeds its slow trace by this much
    #: (absolute); None switches the surprise reset off
    surprise_threshold: float | None = 0.05
    #: age units are set back to on a surprise, in samples
    surprise_age: int = 64
    #: a unit must be at least this old (samples) before it can be pruned
    min_prune_age: int = 1000
    #: prune only when the other units explain target + margin (hysteresis against flapping)
    prune_margin: float = 0.005
    #: floor added to the variances before whitening
    whiten_eps: float = 1e-8
    #: a component whose variance is below this fraction of the largest is whitened as if it
    #: had that variance: whitening would otherwise blow a near-silent component up to huge
    #: activations on unusual inputs (homeostasis: activity stays in range)
    whiten_floor: float = 1e-3
    #: output k_max values (zeros for inactive units) instead of the active k
    pad_output: bool = True

    def __post_init__(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(f"CortexConfig.{message}")

        need(
            _is_int(self.k_max) and self.k_max >= 1,
            f"k_max must be an int >= 1, got {self.k_max!r}",
        )
        need(
            self.target_variance is None
            or (_is_real(self.target_variance) and 0.0 < self.target_variance < 1.0),
            f"target_variance must be None or in (0, 1), got {self.target_variance!r}",
        )
        need(
            _is_int(self.batch) and 1 <= self.batch <= 256,
            f"batch must be an int in [1, 256], got {self.batch!r}",
        )
        need(_is_real(self.amnesia_t1) and self.amnesia_t1 >= 0, "amnesia_t1 must be >= 0")
        need(
            _is_real(self.amnesia_t2) and self.amnesia_t2 > self.amnesia_t1,
            "amnesia_t2 must be > amnesia_t1",
        )
        need(_is_real(self.amnesia_c) and self.amnesia_c >= 0, "amnesia_c must be >= 0")
        need(
            _is_real(self.memory) and self.memory >= 1, f"memory must be >= 1, got {self.memory!r}"
        )
        need(
            self.surprise_threshold is None
            or (_is_real(self.surprise_threshold) and 0 < self.surprise_threshold < 1),
            "surprise_threshold must be None or in (0, 1)",
        )
        need(
            _is_int(self.surprise_age) and self.surprise_age >= 1,
            "surprise_age must be an int >= 1",
        )
        need(
            _is_int(self.min_prune_age) and self.min_prune_age >= 0,
            "min_prune_age must be an int >= 0",
        )
        need(
            _is_real(self.prune_margin) and 0 <= self.prune_margin < 1,
            "prune_margin must be in [0, 1)",
        )
        need(_is_real(self.whiten_eps) and self.whiten_eps > 0, "whiten_eps must be > 0")
        need(
            _is_real(self.whiten_floor) and 0 <= self.whiten_floor < 1,
            "whiten_floor must be in [0, 1)",
        )
        need(isinstance(self.pad_output, bool), "pad_output must be a bool")


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


# time constants of the surprise traces, in samples: the fast one must average out the noise of a
# single mini-batch, the slow one is the baseline a jump is measured against
_FAST, _SLOW = 64.0, 1024.0


class Cortex(Region):
    """Online self-sizing PCA (amnesic CCIPCA with surprise-driven plasticity)."""

    state_names = (
        "mean",
        "mean_age",
        "total_variance",
        "components",
        "variances",
        "ages",
        "n_active",
        "surprise_fast",
        "surprise_slow",
        "surprise_spread",
        "buffer",
        "buffer_count",
        "samples_seen",
    )

    def __init__(self, input_size: int, config: CortexConfig | None = None) -> None:
        super().__init__()
        if not _is_int(input_size) or input_size < 1:
            raise ConfigError(f"Cortex input_size must be an int >= 1, got {input_size!r}")
        self.config = config = config if config is not None else CortexConfig()
        if config.k_max > input_size:
            raise ConfigError(f"CortexConfig.k_max={config.k_max} exceeds input_size={input_size}")
        d, k = int(input_size), config.k_max
        self.input_size = d
        self.mean = np.zeros(d, dtype=np.float32)
        self.mean_age = np.zeros((), dtype=np.float64)
        self.total_variance = np.zeros((), dtype=np.float64)  # running E|x - mean|^2
        self.components = np.zeros((k, d), dtype=np.float32)  # rows u_i, unit length if active
        self.variances = np.zeros(k, dtype=np.float64)  # lambda_i = running E[y_i^2]
        self.ages = np.zeros(k, dtype=np.float64)  # n_i, samples since birth / last surprise
        self.n_active = np.zeros((), dtype=np.int64)
        self.surprise_fast = np.full((), np.nan, dtype=np.float64)  # unexplained fraction traces
        self.surprise_slow = np.full((), np.nan, dtype=np.float64)
        self.surprise_spread = np.zeros((), dtype=np.float64)  # running var of one batch's value
        self.buffer = np.zeros((config.batch, d), dtype=np.float32)  # the latest samples
        self.buffer_count = np.zeros((), dtype=np.int64)
        self.samples_seen = np.zeros((), dtype=np.int64)

    # -- public API ---------------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of active units."""
        return int(self.n_active)

    @property
    def output_size(self) -> int:
        return self.config.k_max if self.config.pad_output else self.k

    @property
    def explained_variance_fraction(self) -> float:
        """The cortex's own estimate of the fraction of input variance its units explain."""
        total = float(self.total_variance)
        return float(self.variances[: self.k].sum()) / total if total > 0 else 0.0

    def step(self, x: np.ndarray) -> np.ndarray:
        x = self._check(x)
        if not self.frozen:
            n = int(self.buffer_count)
            self.buffer[n] = x
            self.buffer_count = np.array(n + 1, dtype=np.int64)
            if n + 1 == self.config.batch:
                self._learn(self.buffer)
                self.buffer_count = np.zeros((), dtype=np.int64)
        return self.transform(x)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Whitened activations of the active units for x, without learning."""
        k = self.k
        y = np.zeros(self.output_size, dtype=np.float32)
        if k:
            proj = self.components[:k] @ (x - self.mean)
            floor = self.config.whiten_floor * self.variances[0]
            y[:k] = proj / np.sqrt(np.maximum(self.variances[:k], floor) + self.config.whiten_eps)
        return y

    # -- learning -----------------------------------------------------------------------------
    def _learn(self, X: np.ndarray) -> None:
        B = len(X)
        self.samples_seen = self.samples_seen + B

        # running mean and total variance: amnesic averages of their own age
        self.mean_age = self.mean_age + B
        w_mean = self._weights(np.asarray(self.mean_age, dtype=np.float64), B)
        self.mean += np.float32(w_mean) * (X.mean(axis=0) - self.mean)
        Xc = X - self.mean
        energy = float(np.einsum("ij,ij->", Xc, Xc)) / B
        self.total_variance = self.total_variance + w_mean * (energy - self.total_variance)

        k = self.k
        if k:
            U = self.components[:k]
            Y = Xc @ U.T  # B x k activations
            self._surprise(1.0 - float(np.einsum("ij,ij->", Y, Y)) / B / max(energy, 1e-30), B)
            self.ages[:k] += B
            w = self._weights(self.ages[:k], B)
            # Hebbian term: each unit's amnesic average of y_i x, grown from its own variance
            H = (Y.T @ Xc) / np.float32(B)
            V = ((1.0 - w) * self.variances[:k]).astype(np.float32)[:, None] * U
            V += w.astype(np.float32)[:, None] * H
            self._decorrelate(V)
            if np.any(np.diff(self.variances[:k]) > 0):
                self._sort()
        self._resize(Xc)

    def _decorrelate(self, V: np.ndarray) -> None:
        """Asymmetric lateral inhibition at equilibrium: Gram-Schmidt in order of variance.

        Each unit keeps only what the stronger units do not already code (Cholesky QR of the
        row-normalised V: two small k x k x d products instead of a Householder QR).
        """
        k = len(V)
        G = (V @ V.T).astype(np.float64)  # k x k Gram matrix of the raw rows
        norms = np.sqrt(np.maximum(np.diag(G), 1e-30))
        try:
            # Cholesky of the row-normalised Gram matrix (well conditioned: near the identity)
            L = np.linalg.cholesky(G / np.outer(norms, norms))
        except np.linalg.LinAlgError:
            # rows nearly parallel (only if the input collapses): Householder QR instead
            Q, R = np.linalg.qr((V / norms[:, None].astype(np.float32)).T.astype(np.float64))
            sign = np.where(np.diag(R) < 0, -1.0, 1.0)
            self.components[:k] = (Q * sign).T.astype(np.float32)
            self.variances[:k] = norms * np.abs(np.diag(R))
            return
        # u = L^-1 diag(1/|v|) V: both factors folded into one k x k matrix, one pass over d
        self.components[:k] = (np.linalg.inv(L) / norms[None, :]).astype(np.float32) @ V
        # the part of v_i the stronger units leave: |v_i| times L_ii
        self.variances[:k] = norms * np.diag(L)

    def _weights(self, n: np.ndarray, B: int) -> np.ndarray:
        """Mini-batch step sizes B * (1 + mu(n)) / n of the amnesic average, capped at 1."""
        cfg = self.config
        mu = np.where(
            n <= cfg.amnesia_t1,
            0.0,
            np.where(
                n <= cfg.amnesia_t2,
                cfg.amnesia_c * (n - cfg.amnesia_t1) / (cfg.amnesia_t2 - cfg.amnesia_t1),
                cfg.amnesia_c + (n - cfg.amnesia_t2) / cfg.memory,
            ),
        )
        return np.minimum(1.0, B * (1.0 + mu) / np.maximum(n, 1.0))

    def _surprise(self, unexplained: float, B: int) -> None:
        """Track the unexplained fraction; when it jumps, make every unit young again."""
        if math.isnan(float(self.surprise_fast)):
            self.surprise_fast = np.array(unexplained)
            self.surprise_slow = np.array(unexplained)
            return
        fast = float(self.surprise_fast) + (unexplained - float(self.surprise_fast)) * B / _FAST
        slow = float(self.surprise_slow) + (unexplained - float(self.surprise_slow)) * B / _SLOW
        spread = float(self.surprise_spread)  # judged before this batch can widen it
        threshold = self.config.surprise_threshold
        # a jump must beat both the absolute threshold and the usual scatter of single batches
        # (3 standard deviations), so that heavy-tailed inputs such as game frames, whose
        # unexplained fraction swings from batch to batch, do not keep resetting the units
        if threshold is not None and fast > slow + max(threshold, 3.0 * math.sqrt(spread)):
            age = float(self.config.surprise_age)
            np.minimum(self.ages, age, out=self.ages)
            self.mean_age = np.minimum(self.mean_age, age)
            slow = fast  # re-arm only after a new jump
        else:
            spread += ((unexplained - slow) ** 2 - spread) * B / _SLOW
        self.surprise_fast = np.array(fast)
        self.surprise_slow = np.array(slow)
        self.surprise_spread = np.array(spread)

    def _sort(self) -> None:
        k = self.k
        order = np.argsort(-self.variances[:k], kind="stable")
        self.components[:k] = self.components[:k][order]
        self.variances[:k] = self.variances[:k][order]
        self.ages[:k] = self.ages[:k][order]

    def _resize(self, Xc: np.ndarray) -> None:
        """Recruit units from the residual of the latest samples, or prune the weakest."""
        cfg = self.config
        k = self.k
        total = float(self.total_variance)
        if total <= 0:
            return
        if cfg.target_variance is None:
            # fixed k: recruit as many units as this mini-batch has new directions
            wanted = cfg.k_max - k
        else:
            explained = float(self.variances[:k].sum()) / total
            if explained < cfg.target_variance:
                wanted = min(1, cfg.k_max - k)
            else:
                wanted = 0
                weakest_unneeded = (
                    k > 1
                    and float(self.variances[: k - 1].sum()) / total
                    >= cfg.target_variance + cfg.prune_margin
                )
                if weakest_unneeded and self.ages[k - 1] >= cfg.min_prune_age:
                    self._prune()
        if wanted > 0:
            self._recruit(Xc, wanted)

    def _recruit(self, Xc: np.ndarray, wanted: int) -> None:
        # the residual of each recent sample after the existing units explained it; the largest
        # residuals become new units (Gram-Schmidt, like CCIPCA's "v_n = u_n" initialisation)
        k = self.k
        R = Xc.astype(np.float64)
        if k:
            U = self.components[:k].astype(np.float64)
            R = R - (R @ U.T) @ U
        scale = math.sqrt(max(float(self.total_variance), 1e-30))
        for _ in range(wanted):
            norms = np.linalg.norm(R, axis=1)
            b = int(np.argmax(norms))
            if norms[b] <= 1e-3 * scale:  # nothing left that the units do not already explain
                return
            u = R[b] / norms[b]
            self.components[k] = u.astype(np.float32)
            self.variances[k] = float(np.mean((R @ u) ** 2))
            self.ages[k] = 0.0
            k += 1
            self.n_active = np.array(k, dtype=np.int64)
            R = R - np.outer(R @ u, u)
        if np.any(np.diff(self.variances[:k]) > 0):
            self._sort()

    def _prune(self) -> None:
        k = self.k - 1
        self.components[k] = 0.0
        self.variances[k] = 0.0
        self.ages[k] = 0.0
        self.n_active = np.array(k, dtype=np.int64)

    # -- checks -------------------------------------------------------------------------------
    def _check(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 1 or x.shape[0] != self.input_size:
            raise ObservationError(
                f"cortex expects a flat vector of {self.input_size} values, got shape {x.shape}"
            )
        if x.dtype.kind not in "biuf":
            raise ObservationError(f"cortex input has non-numeric dtype {x.dtype}")
        x = x.astype(np.float32, copy=False)
        if not np.isfinite(x).all():
            raise ObservationError("cortex input contains NaN or infinite values")
        return x
