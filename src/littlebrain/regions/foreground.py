"""Foreground: a coarse map of where the frame differs from its usual scene (a sprite code).

Biology borrowed: retinal and cortical cells adapt to what their receptive field usually sees
and answer what departs from it; a figure that differs from its background pops out, and the
superior colliculus keeps a coarse map of where such things are. Area averaging (the retina's
coarse map) dilutes a ball or a chicken of a few pixels into the background, and a random
projection of that map loses it (issue 19's probe: Freeway's chicken decoded with R^2 0.10 from
the code, 0.83 from a background-subtracted, max-pooled mask). Here a pixel is foreground when it
departs from its own history by more than it usually does, and a tile is on when any of its
pixels is, so a sprite of one pixel lights its whole tile.

Rule, for each pixel p (each colour channel apart), from the pixel's own running statistics
(plain averages, step 1 / n, so they settle as experience grows):

    b_p <- b_p + (x_p - b_p) / n,    v_p <- v_p + (|x_p - b_p| - v_p) / n
    f_p = [ |x_p - b_p| > 2 v_p + floor ],    y_tile = max_{p in tile} f_p

b is the pixel's mean (the background a moving sprite averages out of), v its mean absolute
deviation: a pixel that a sprite seldom crosses has a small v and fires when one does, a pixel
that flickers all the time needs a larger departure. `floor` (a fraction of the input range) is
the sensor's noise floor: a pixel that never changed does not fire on a rounding difference.

Reads: an H x W or H x W x C frame (values in [0, input_max]). Writes: a float32 vector of
0 / 1, one per tile of the out_height x out_width grid (the retina's). State: b, v, n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from littlebrain.checks import check_array
from littlebrain.config import check, derived
from littlebrain.region import Region, require_range


@dataclass(frozen=True)
class ForegroundConfig:
    """Settings of the foreground map (the grid is the retina's, set by the wiring)."""

    out_height: int = derived(21, "the retina's output grid")
    out_width: int = derived(21, "the retina's output grid")
    input_max: float = derived(255.0, "the retina's input_max")
    #: the smallest departure that counts, as a fraction of input_max (about 5 grey levels)
    floor: float = 0.02

    def __post_init__(self) -> None:
        check(self.out_height >= 1 and self.out_width >= 1, "Foreground grid must be >= 1 x 1")
        check(self.input_max > 0, f"ForegroundConfig.input_max must be > 0, got {self.input_max}")
        check(0 <= self.floor < 1, f"ForegroundConfig.floor must be in [0, 1), got {self.floor}")


def tile_starts(n_in: int, n_out: int) -> np.ndarray:
    """First input index of each of n_out tiles covering n_in cells (tiles of near-equal size;
    with n_out > n_in a cell starts several tiles, which then share it)."""
    return np.minimum(np.arange(n_out) * n_in // n_out, n_in - 1)


class Foreground(Region):
    """Per-pixel background and deviation; a tile is on where a pixel departs (module doc)."""

    learns = True
    state_names = ("background", "deviation", "samples")
    scalar_names = ("samples",)

    def __init__(self, input_shape: tuple[int, ...], config: ForegroundConfig) -> None:
        super().__init__()
        self.config = config
        self.input_shape = tuple(int(n) for n in input_shape)
        check(
            len(self.input_shape) in (2, 3) and min(self.input_shape) >= 1,
            f"Foreground input_shape must be (H, W) or (H, W, C), got {self.input_shape}",
        )
        h, w = self.input_shape[:2]
        self._row_starts = tile_starts(h, config.out_height)
        self._col_starts = tile_starts(w, config.out_width)
        self.background = np.zeros(self.input_shape, dtype=np.float64)
        self.deviation = np.zeros(self.input_shape, dtype=np.float64)
        self.samples = 0

    @property
    def output_size(self) -> int:
        return self.config.out_height * self.config.out_width

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        require_range("Foreground.deviation", state["deviation"], 0, np.inf)
        require_range("Foreground.samples", state["samples"], 0, np.inf)

    def step(self, frame: np.ndarray) -> np.ndarray:
        x = check_array(frame, self.input_shape, "foreground input").astype(np.float64)
        x *= 1.0 / self.config.input_max
        if not self.frozen:
            self.samples += 1
            rate = 1.0 / self.samples
            self.background += (x - self.background) * rate
        departure = np.abs(x - self.background)  # from the background as it now stands
        if not self.frozen:
            self.deviation += (departure - self.deviation) * rate
        departs = departure > 2.0 * self.deviation + self.config.floor
        if departs.ndim == 3:  # a pixel is foreground when any of its channels is
            departs = departs.any(axis=2)
        rows = np.maximum.reduceat(departs, self._row_starts, axis=0)
        tiles = np.maximum.reduceat(rows, self._col_starts, axis=1)
        return tiles.astype(np.float32).ravel()
