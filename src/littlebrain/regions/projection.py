"""Random projection: a fixed map from what is sensed to a short code that never changes meaning.

Biology borrowed: the projection from the olfactory bulb to the piriform cortex is random and
fixed: each piriform cell sums a random subset of glomeruli (Stettler & Axel 2009; Caron et al.
2013), and what the animal learns is read out of that code downstream, not written into it. A
random map keeps the distances between inputs (Johnson & Lindenstrauss 1984), so neighbours stay
neighbours, and a fixed one keeps every memory and habit keyed on the code valid for life. The
learned cortex (regions/cortex.py) finds the input's principal subspace but its units keep
rotating inside it (issue 19: a Pong frame coded with the basis of 1,000 steps earlier lay 2.8x
the typical nearest-neighbour distance from its current code), so what was stored on its code
goes stale; Model-Free Episodic Control (Blundell et al. 2016) and NAIT (Long et al. 2022) key
their memories on a fixed random projection instead.

Rule (fixed weights; running statistics of the region's own input), with `scaling="global"`:

    y = W (x - m) / s,   W_ij ~ N(0, 1) drawn once,
    m <- m + (x - m) / n,   s^2 <- s^2 + (|x - m|^2 - s^2) / n

m and s are plain running averages (step 1 / n), which settle as experience grows: a code made
at 20,000 steps and the same input's code at 100,000 differ by what the mean moved in between,
of order 1 / n. Centring keeps the dentate gyrus's winners from all being the mean frame's; the
scale s (one number for all inputs: the typical distance from the mean) gives each unit of the
code a variance of about 1, as the whitened cortex's, whatever the world's units, without
changing which inputs are near.

With `scaling="input"` (the default since session 16) each input is measured in units of its
own typical deviation instead,

    y = W ((x - m) / s_i) / sqrt(d),   s_i^2 <- s_i^2 + ((x_i - m_i)^2 - s_i^2) / n,

(s_i floored at a tenth of the inputs' root mean square deviation, d the input's size), as each
receptor adapts its gain to its own signal: an input that seldom changes (where a small ball
passes) counts as much as one that always does (a large paddle's edge), so the code keeps small
things that one scale lets the large ones drown (benchmarks/sprite_decoding.py).

Reads: a float vector (the retina's output). Writes: a float32 code of size `dim`.
State: W, m, s^2, the s_i^2 and n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from littlebrain.config import check
from littlebrain.errors import ObservationError
from littlebrain.region import Region, require_range
from littlebrain.regions import _exact as exact

SCALINGS = ("global", "input")


@dataclass(frozen=True)
class ProjectionConfig:
    #: size of the code; MFEC used 64 for Atari frames, the cortex outputs 32
    dim: int = 32
    #: "input": each input in units of its own typical deviation s_i (floored at a tenth of the
    #: inputs' root mean square deviation); "global": one scale s for all inputs (sessions 9-15).
    #: Nearest-neighbour decoding of Breakout's ball column from the code, R^2 -0.13 -> 0.47, of
    #: Pong's 0.13 -> 0.63 (benchmarks/sprite_decoding.py)
    scaling: str = "input"

    def __post_init__(self) -> None:
        check(self.dim >= 1, f"ProjectionConfig.dim must be >= 1, got {self.dim}")
        check(self.scaling in SCALINGS, f"ProjectionConfig.scaling must be one of {SCALINGS}")


class RandomProjection(Region):
    """Fixed Gaussian random projection of the centred, scaled input (see module doc)."""

    learns = False
    state_names = ("weights", "mean", "scale2", "variance", "samples")
    scalar_names = ("scale2", "samples")

    def __init__(self, input_dim: int, config: ProjectionConfig, rng: np.random.Generator):
        super().__init__()
        self.config, self.input_dim = config, int(input_dim)
        self.weights = rng.standard_normal((config.dim, self.input_dim)).astype(np.float32)
        self.mean = np.zeros(self.input_dim, dtype=np.float64)
        self.scale2 = 0.0
        self.variance = np.zeros(self.input_dim, dtype=np.float64)
        self.samples = 0

    @property
    def output_size(self) -> int:
        return self.config.dim

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("RandomProjection.scale2", state["scale2"], 0, np.inf)
        require_range("RandomProjection.variance", state["variance"], 0, np.inf)
        require_range("RandomProjection.samples", state["samples"], 0, np.inf)

    def step(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.shape != (self.input_dim,) or not np.all(np.isfinite(x)):
            raise ObservationError(
                f"projection expects {self.input_dim} finite values, got shape {x.shape}"
            )
        if not self.frozen:  # the statistics of what is sensed; a frozen brain keeps them
            self.samples += 1
            rate = 1.0 / self.samples
            self.mean += (x - self.mean) * rate
            centred = x - self.mean
            self.scale2 += (float(exact.dot(centred, centred)) - self.scale2) * rate
            self.variance += (centred * centred - self.variance) * rate
        if self.config.scaling == "input":
            floor = 0.1 * np.sqrt(self.variance.mean())
            deviation = np.maximum(np.sqrt(self.variance), max(floor, 1e-12))
            standard = ((x - self.mean) / deviation).astype(np.float32)
            return exact.matvec(self.weights, standard) * np.float32(1 / np.sqrt(self.input_dim))
        centred = (x - self.mean).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(max(self.scale2, 1e-12)))
        return exact.matvec(self.weights, centred) * scale
