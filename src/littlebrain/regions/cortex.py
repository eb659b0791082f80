"""Sensory cortex: an online, self-sizing principal subspace of the retina's output.

Biology borrowed.
- Hebbian plasticity with synaptic normalisation (Oja): a unit's weights grow with the product of
  its input and its own activity, and their total length is held in check.
- Asymmetric lateral inhibition (Sanger; Rubner & Tavan): unit i is inhibited by the units j < i
  that carry more variance, so each unit codes only what the stronger ones leave. We apply the
  equilibrium of that inhibition directly (Gram-Schmidt in order of variance) after each update.
- Plasticity that slows with experience but never stops (CCIPCA's amnesic average, Weng et al.
  2003): a plain running average (step 1 / n) while the cortex is young, then a finite memory.
- Unexpected uncertainty raises plasticity (acetylcholine / noradrenaline, Yu & Dayan 2005): when
  the fraction of the input the cortex fails to explain jumps, the cortex grows young again.
- Neurogenesis and pruning (Migenda et al. 2021 for PCA): new units grow from what the existing
  ones leave unexplained; a reserve of units below the output ones learns the next directions,
  and units move between the output and the reserve to explain a target fraction of the
  input's variance.

The rule, for the m units (k_max output + `reserve`) with directions U (rows u_i), remembered
activation covariance S = E[y y^T] (m x m), centred input x (running mean subtracted), y = U x,
and a mini-batch Xc of the latest B samples with activations Y:

    C = (1 - w) U^T S U + w Xc^T Xc / B          (the remembered input covariance, implicit)
    V = C U^T = (1 - w) S U + w Y^T Xc / B       (Hebbian: activity times input, from memory)
    U <- Gram-Schmidt of V in order of variance;  S <- U C U^T

w = B (1 + mu(n)) / n is the amnesic step (mu = 0 while young: a true running average). With
S kept whole rather than only its diagonal, C is exact within the units' span, so a unit that
turns never carries its old direction's variance along (CCIPCA remembers lambda_i u_i only), and
the running average can stay plain while young instead of forgetting early mistakes fast; all of
it is done on (m + B)-sized matrices plus one pass over d. The reserve matters as much: what one
mini-batch cannot fit into the k_max strongest units waits in the reserve instead of being
truncated away. Samples to 0.98 of batch PCA on Snake frames (d = 1,764, k = 32): 3,008 for the
previous CCIPCA form; with S and no reserve 5,120; 32 reserve units (batch 16) 2,048; 48 reserve
units (batch 32, the default) 1,984; see results/cortex/. With
the inhibition written as a sequential deflation this is CCIPCA; measured on a spiked covariance
with a 100:1 spread of eigenvalues, CCIPCA's deflation left the weakest units 1+ radian off after
20k samples, while the Gram-Schmidt form was within 0.03 radians. Updates average over the
mini-batch of the latest `batch` samples (batch = 1 is the per-sample rule) because NumPy pays
per call (see results/cortex/README.md for the measured throughput).

Reads: one flat float vector per step (the retina's output). Writes: the activations of the
active units, y_i / sqrt(lambda_i) (whitened by their running variances), ordered by variance;
zero-padded to k_max when `pad_output` (so that downstream regions see a fixed size).
State: mean, directions ((k_max + reserve) x d), their covariance and variances, ages, the active
and grown counts, the surprise traces and the partly filled mini-batch: all in `state_names`, so a
checkpoint round-trips bit-exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.region import Region, require, require_range


@dataclass(frozen=True)
class CortexConfig:
    """Settings of the cortex. `target_variance=None` fixes k at k_max."""

    #: the most units (principal components) the cortex may output
    k_max: int = 32
    #: reserve units learned below the k_max strongest ones but not output (capped at the input
    #: size): what one mini-batch cannot fit into k_max units waits there instead of being lost
    reserve: int = 48
    #: fraction of the input's variance to explain; units are grown / pruned to hold it
    target_variance: float | None = None
    #: learn from mini-batches of the latest `batch` samples (1 = every sample on its own)
    batch: int = 32
    #: amnesic average (Weng et al. 2003): mu(n) = 0 for n <= t1 (a plain running average),
    #: rises linearly to c at t2, then grows as (n - t2) / memory; the step size tends to
    #: 1 / memory (samples)
    amnesia_t1: float = 2000.0
    amnesia_t2: float = 10000.0
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
            _is_int(self.reserve) and self.reserve >= 0,
            f"reserve must be an int >= 0, got {self.reserve!r}",
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
            _is_real(self.whiten_floor) and 0 <= self.whiten_floor <= 1,
            "whiten_floor must be in [0, 1]",
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
# single mini-batch (128: four of the default 32 samples; at 64, Breakout frames reset the cortex
# twice in 20k samples and its long memory with them), the slow one is the baseline a jump is
# measured against
_FAST, _SLOW = 128.0, 1024.0


class Cortex(Region):
    """Online self-sizing PCA (amnesic CCIPCA with surprise-driven plasticity)."""

    state_names = (
        "mean",
        "mean_age",
        "age",
        "total_variance",
        "components",
        "covariance",
        "variances",
        "ages",
        "n_active",
        "n_units",
        "surprise_fast",
        "surprise_slow",
        "surprise_spread",
        "buffer",
        "buffer_count",
        "samples_seen",
    )
    scalar_names = ("buffer_count",)

    def __init__(self, input_size: int, config: CortexConfig | None = None) -> None:
        super().__init__()
        if not _is_int(input_size) or input_size < 1:
            raise ConfigError(f"Cortex input_size must be an int >= 1, got {input_size!r}")
        self.config = config = config if config is not None else CortexConfig()
        if config.k_max > input_size:
            raise ConfigError(f"CortexConfig.k_max={config.k_max} exceeds input_size={input_size}")
        d = int(input_size)
        self.units_max = m = min(config.k_max + config.reserve, d)  # output and reserve units
        self.input_size = d
        self.mean = np.zeros(d, dtype=np.float32)
        self.mean_age = np.zeros((), dtype=np.float64)
        self.age = np.zeros((), dtype=np.float64)  # of the remembered covariance
        self.total_variance = np.zeros((), dtype=np.float64)  # running E|x - mean|^2
        self.components = np.zeros((m, d), dtype=np.float32)  # rows u_i, orthonormal if used
        self.covariance = np.zeros((m, m), dtype=np.float64)  # running E[y y^T] of the units
        self.variances = np.zeros(m, dtype=np.float64)  # its diagonal, lambda_i = E[y_i^2]
        self.ages = np.zeros(m, dtype=np.float64)  # n_i, samples since birth / last surprise
        self.n_active = np.zeros((), dtype=np.int64)  # the first n_active units are output
        self.n_units = np.zeros((), dtype=np.int64)  # units grown so far (active and reserve)
        self.surprise_fast = np.full((), np.nan, dtype=np.float64)  # unexplained fraction traces
        self.surprise_slow = np.full((), np.nan, dtype=np.float64)
        self.surprise_spread = np.zeros((), dtype=np.float64)  # running var of one batch's value
        self.buffer = np.zeros((config.batch, d), dtype=np.float32)  # the latest samples
        self.buffer_count = 0
        self.samples_seen = np.zeros((), dtype=np.int64)

    nan_names = ("surprise_fast", "surprise_slow")  # NaN until the first full batch

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        n_units, n_active = int(state["n_units"]), int(state["n_active"])
        require(0 <= n_units <= self.units_max, f"Cortex.n_units must be in [0, {self.units_max}]")
        require(
            0 <= n_active <= min(n_units, self.config.k_max),
            "Cortex.n_active must be in [0, min(n_units, k_max)]",
        )
        require_range("Cortex.buffer_count", state["buffer_count"], 0, self.config.batch)
        for name in ("mean_age", "age", "total_variance", "variances", "ages", "samples_seen"):
            require_range(f"Cortex.{name}", state[name], 0, np.inf)

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
            n = self.buffer_count
            self.buffer[n] = x
            self.buffer_count = n + 1
            if n + 1 == self.config.batch:
                self._learn(self.buffer)
                self.buffer_count = 0
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

        # amnesic averages for the mean, and for the total variance and the units' remembered
        # covariance: plain running averages (1 / n) until amnesia_t1
        self.mean_age = self.mean_age + B
        self.age = self.age + B
        w_mean = float(self._weights(np.asarray(self.mean_age, dtype=np.float64), B))
        w = float(self._weights(np.asarray(self.age, dtype=np.float64), B))
        self.mean += np.float32(w_mean) * (X.mean(axis=0) - self.mean)
        Xc = X - self.mean
        energy = float(np.einsum("ij,ij->", Xc, Xc)) / B
        self.total_variance = self.total_variance + w * (energy - self.total_variance)

        if self.n_units < self.units_max:
            self._recruit(Xc, min(self.units_max - self.n_units, B))
        m = self.n_units
        if m:
            U = self.components[:m]
            Y = Xc @ U.T  # B x m activations
            k = self.k
            if k:
                explained = float(np.einsum("ij,ij->", Y[:, :k], Y[:, :k])) / B
                self._surprise(1.0 - explained / max(energy, 1e-30), B)
            self.ages[:m] += B
            self._hebbian_step(U, Xc, Y, w)
            if np.any(np.diff(self.variances[:m]) > 0):
                self._sort()
        self._resize()

    def _hebbian_step(self, U: np.ndarray, Xc: np.ndarray, Y: np.ndarray, w: float) -> None:
        """One Hebbian step of every unit, then lateral inhibition at equilibrium.

        The units remember the covariance of their activations, S (m x m, not only its
        diagonal), so the remembered input covariance is C = (1 - w) U^T S U + w Xc^T Xc / B
        exactly within their span. Hebbian step: v_i = C u_i, i.e. V = (1 - w) S U + w Y^T Xc / B
        (each unit's activity times its input, grown from its memory). Asymmetric inhibition:
        Gram-Schmidt of V in order of variance. Then S <- U C U^T for the new units. Everything
        lives in the span of A = [U; Xc], so all of it is done on small (m + B) matrices and one
        pass over d builds the new units.
        """
        m, B = len(U), len(Xc)
        S = self.covariance[:m, :m]
        Y64 = Y.astype(np.float64)
        GA = np.empty((m + B, m + B))  # Gram matrix of A's rows; U's rows are orthonormal
        GA[:m, :m] = np.eye(m)
        GA[:m, m:] = Y64.T
        GA[m:, :m] = Y64
        GA[m:, m:] = Xc @ Xc.T
        # V = P A. A tiny shift of C (eps I: same eigenvectors) keeps every v_i away from zero
        P = np.empty((m, m + B))
        P[:, :m] = (1.0 - w) * S
        P[:, :m][np.diag_indices(m)] += 1e-6 * float(self.total_variance) + 1e-30
        P[:, m:] = (w / B) * Y64.T
        GV = P @ GA @ P.T
        norms = np.sqrt(np.maximum(np.diag(GV), 1e-300))
        normalised = GV / np.outer(norms, norms)
        try:
            L = np.linalg.cholesky(normalised)
        except np.linalg.LinAlgError:  # rows nearly parallel (only if the input collapses)
            L = np.linalg.cholesky(normalised + 1e-9 * np.eye(m))
        # the new units in A's coordinates: u = L^-1 diag(1/|v|) P A
        coef = np.linalg.solve(L, P / norms[:, None])
        self.components[:m] = (
            coef[:, :m].astype(np.float32) @ U + coef[:, m:].astype(np.float32) @ Xc
        )
        # their remembered covariance U C U^T, C = A^T diag((1 - w) S, w / B) A
        M = coef @ GA
        S_new = (1.0 - w) * (M[:, :m] @ S @ M[:, :m].T) + (w / B) * (M[:, m:] @ M[:, m:].T)
        S_new = 0.5 * (S_new + S_new.T)
        self.covariance[:m, :m] = S_new
        self.variances[:m] = np.diag(S_new)

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
            self.age = np.minimum(self.age, age)
            # the mean starts afresh: a lagging mean would leave the jump between the old and the
            # new mean in the remembered covariance, fading only as 1 / n
            self.mean_age = np.zeros((), dtype=np.float64)
            slow = fast  # re-arm only after a new jump
        else:
            spread += ((unexplained - slow) ** 2 - spread) * B / _SLOW
        self.surprise_fast = np.array(fast)
        self.surprise_slow = np.array(slow)
        self.surprise_spread = np.array(spread)

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

    def _sort(self) -> None:
        m = self.n_units
        order = np.argsort(-self.variances[:m], kind="stable")
        self.components[:m] = self.components[:m][order]
        self.covariance[:m, :m] = self.covariance[:m, :m][np.ix_(order, order)]
        self.variances[:m] = self.variances[:m][order]
        self.ages[:m] = self.ages[:m][order]

    def _resize(self) -> None:
        """Activate reserve units while the code explains too little; retire the weakest."""
        cfg = self.config
        k, m = self.k, self.n_units
        top = min(cfg.k_max, m)
        total = float(self.total_variance)
        if cfg.target_variance is None:
            self.n_active = np.array(top, dtype=np.int64)
            return
        if total <= 0:
            return
        explained = np.cumsum(self.variances[:top]) / total
        if k < top and (k == 0 or explained[k - 1] < cfg.target_variance):
            # the reserve units are learned already: activate as many as the target needs
            needed = int(np.searchsorted(explained, cfg.target_variance)) + 1
            self.n_active = np.array(max(k, min(needed, top)), dtype=np.int64)
        elif (
            k > 1
            and explained[k - 2] >= cfg.target_variance + cfg.prune_margin
            and self.ages[k - 1] >= cfg.min_prune_age
        ):
            self.n_active = np.array(k - 1, dtype=np.int64)  # back into the reserve

    def _recruit(self, Xc: np.ndarray, wanted: int) -> None:
        """Neurogenesis: the largest residuals of the latest samples become new units.

        The residual of each recent sample after the existing units explained it; the largest
        becomes a unit (Gram-Schmidt). It starts with no memory: the past had no variance along
        it that the units kept, so the Hebbian step gives it only this mini-batch's share (seeding
        it with the mini-batch's variance, as CCIPCA's "v_n = u_n" does, counted that variance
        as if it had been there all along: 2,816 samples to 0.98 on Snake instead of 1,920).
        """
        m = self.n_units
        R = Xc.astype(np.float64)
        if m:
            U = self.components[:m].astype(np.float64)
            R = R - (R @ U.T) @ U
        scale = math.sqrt(max(float(self.total_variance), 1e-30))
        for _ in range(wanted):
            norms = np.linalg.norm(R, axis=1)
            b = int(np.argmax(norms))
            if norms[b] <= 1e-3 * scale:  # nothing left that the units do not already explain
                break
            u = R[b] / norms[b]
            self.components[m] = u.astype(np.float32)
            self.covariance[m, :] = 0.0
            self.covariance[:, m] = 0.0
            self.variances[m] = 0.0  # remembers nothing yet: the Hebbian step weighs it in
            self.ages[m] = 0.0
            m += 1
            R = R - np.outer(R @ u, u)
        self.n_units = np.array(m, dtype=np.int64)

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
