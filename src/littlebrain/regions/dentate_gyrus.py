"""Dentate gyrus: pattern separation by a sparse random expansion with k-winners-take-all.

Biology borrowed: the dentate gyrus receives the entorhinal (cortical) code through the
perforant path, has several times more granule cells than there are entorhinal inputs, and only
about 1-2% of them fire for a given place (strong feedback inhibition through basket cells).
Expansion plus sparse firing makes similar cortical states drive clearly different sets of
granule cells: pattern separation (Marr 1971; Treves & Rolls 1994; Leutgeb et al. 2007).

Rule (fixed, no plasticity):

    h = W x,    code_i = 1 if h_i is among the k largest of h and h_i > 0, else 0

W has n_units x input_dim entries drawn once from N(0, 1/fan_in) by the brain's generator; when
`fan_in` < input_dim each granule cell samples only `fan_in` random inputs (the others are 0), as
a granule cell sees only part of the entorhinal cortex. The k-WTA stands in for inhibition.
Because W is zero-mean and the winners are chosen by rank, the code depends on the direction of x
only, not its scale: a gain change in the cortex does not change the code.

Reads: a float vector of size `input_dim` (the cortex code). Writes: a float32 binary vector of
size `n_units` with at most `k_active` ones, or the indices of its active units (`tag` pads them
to a fixed width, `expand` turns them back into the code). State: the projection W (saved so a
checkpoint is self-contained even if the generator is later used differently).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from littlebrain.config import derived
from littlebrain.errors import ConfigError, ObservationError
from littlebrain.region import Region


@dataclass(frozen=True)
class DentateGyrusConfig:
    input_dim: int = derived(64, "the size of the state code")
    #: granule cells; 2,048 for a 64-dim code is a 32x expansion
    n_units: int = 2048
    #: active granule cells per input (2% of 2,048): the sparseness that does the separating
    k_active: int = 40
    #: inputs each granule cell samples; None means all of them
    fan_in: int | None = None

    def __post_init__(self) -> None:
        if self.input_dim < 1:
            raise ConfigError(f"DentateGyrusConfig.input_dim must be >= 1, got {self.input_dim}")
        if self.n_units < 2:
            raise ConfigError(f"DentateGyrusConfig.n_units must be >= 2, got {self.n_units}")
        if not 1 <= self.k_active < self.n_units:
            raise ConfigError(
                f"DentateGyrusConfig.k_active must be in [1, n_units), got {self.k_active}"
            )
        if self.fan_in is not None and not 1 <= self.fan_in <= self.input_dim:
            raise ConfigError(
                f"DentateGyrusConfig.fan_in must be None or in [1, input_dim], got {self.fan_in}"
            )


class DentateGyrus(Region):
    """Fixed sparse random expansion + k-winners-take-all (see the module docstring)."""

    learns = False
    state_names = ("weights",)

    def __init__(self, config: DentateGyrusConfig, rng: np.random.Generator) -> None:
        super().__init__()
        if not isinstance(config, DentateGyrusConfig):
            raise ConfigError(f"expected a DentateGyrusConfig, got {type(config).__name__}")
        self.config = config
        n, d = config.n_units, config.input_dim
        fan_in = d if config.fan_in is None else config.fan_in
        weights = rng.standard_normal((n, d)) / np.sqrt(fan_in)
        if fan_in < d:
            # each granule cell keeps a random subset of fan_in inputs
            keep = np.argsort(rng.random((n, d)), axis=1)[:, :fan_in]
            mask = np.zeros((n, d), dtype=bool)
            np.put_along_axis(mask, keep, True, axis=1)
            weights = np.where(mask, weights, 0.0)
        self.weights = weights.astype(np.float32)
        self._rebuild_derived()

    def _rebuild_derived(self) -> None:
        # W^T, one contiguous row per input: a sparse input (Snake's retina: 17% of its 300
        # values are non-zero) then reads only the rows of its active inputs
        self._by_input = np.ascontiguousarray(self.weights.T)

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        super().load_state_dict(state)
        self._rebuild_derived()

    def _check(self, x: np.ndarray, batch: bool) -> np.ndarray:
        x = np.asarray(x)
        expected = ("batch", self.config.input_dim) if batch else (self.config.input_dim,)
        if x.ndim != len(expected) or x.shape[-1] != self.config.input_dim:
            raise ObservationError(f"dentate gyrus input has shape {x.shape}, expected {expected}")
        if x.dtype.kind not in "biuf":
            raise ObservationError(f"dentate gyrus input has non-numeric dtype {x.dtype}")
        x = x.astype(np.float32, copy=False)
        if not np.all(np.isfinite(x)):
            raise ObservationError("dentate gyrus input contains NaN or infinite values")
        return x

    def active_units(self, x: np.ndarray) -> np.ndarray:
        """Sorted indices of the granule cells that fire for one input (at most k_active)."""
        drive = _drive(self._by_input, self._check(x, batch=False))
        return _positive_winners(drive, self.config.k_active)

    def step(self, x: np.ndarray) -> np.ndarray:
        """The binary granule-cell code (float32, n_units) of one cortex code."""
        return self.expand(self.active_units(x))

    def expand(self, units: np.ndarray, dtype: type = np.float32) -> np.ndarray:
        """The binary code (n_units) in which `units` fire; entries < 0 are padding. A reader
        that computes in float64 (the striatum) asks for it and saves a conversion."""
        code = np.zeros(self.config.n_units, dtype=dtype)
        code[units[units >= 0]] = 1.0
        return code

    def tag(self, units: np.ndarray) -> np.ndarray:
        """`units` padded with -1 to k_active entries (int32): a fixed-width record of a code,
        which `expand` turns back into it."""
        tag = np.full(self.config.k_active, -1, dtype=np.int32)
        tag[: len(units)] = units
        return tag

    def encode(self, xs: np.ndarray) -> np.ndarray:
        """Codes of a batch of inputs, shape (batch, n_units): `step`, row by row."""
        xs = self._check(xs, batch=True)
        codes = np.zeros((len(xs), self.config.n_units), dtype=np.float32)
        for row, x in zip(codes, xs, strict=True):
            row[_positive_winners(_drive(self._by_input, x), self.config.k_active)] = 1.0
        return codes


@numba.njit(cache=True)
def _drive(by_input: np.ndarray, x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """h = W x in float32, summed input by input over the non-zero inputs only (W^T given)."""
    h = np.zeros(by_input.shape[1], np.float32)
    for j in range(x.shape[0]):
        v = x[j]
        if v != 0:
            row = by_input[j]
            for i in range(h.shape[0]):
                h[i] += v * row[i]
    return h


@numba.njit(cache=True)
def _positive_winners(h: np.ndarray, k: int) -> np.ndarray:  # pragma: no cover - compiled
    """Ascending indices of the k largest entries of h that are > 0 (the lower index first among
    equals). One pass with a sorted list of k: NumPy's argpartition, filter and sort cost
    several times as much, in call overhead alone."""
    top_h = np.empty(k, h.dtype)
    top_i = np.empty(k, np.int64)
    n = 0
    for i in range(h.shape[0]):
        v = h[i]
        if v <= 0 or (n == k and v <= top_h[k - 1]):
            continue
        j = n if n < k else k - 1
        while j > 0 and top_h[j - 1] < v:
            top_h[j] = top_h[j - 1]
            top_i[j] = top_i[j - 1]
            j -= 1
        top_h[j] = v
        top_i[j] = i
        if n < k:
            n += 1
    return np.sort(top_i[:n])


def code_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fraction of shared active units, |A & B| / sqrt(|A| |B|) (the cosine of binary codes).

    Works row-wise on batches; 1.0 for identical codes, about k/n for unrelated ones.
    """
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    shared = np.sum(a * b, axis=-1)
    norm = np.sqrt(np.sum(a, axis=-1) * np.sum(b, axis=-1))
    return np.divide(shared, norm, out=np.zeros_like(shared), where=norm > 0)
