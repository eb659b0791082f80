"""Retina: fixed preprocessing of a frame into a sustained and a transient channel.

Biology borrowed: photoreceptors pool light over their receptive field (area averaging to a
coarser grid); parvocellular-like cells report the scene (the sustained channel) and
magnocellular-like cells report change (the transient channel, the difference from the previous
frame), so that motion is visible in a single output without stacking frames. Nothing learns.

Rule: s_t = A_h (sum_c w_c I_t[..., c]) A_w^T / input_max, in [0, 1];  m_t = s_t - s_{t-1} in
[-1, 1] (0 on the first frame of an episode). A_h, A_w are fixed area-averaging matrices.

With `fovea=f > 0` the central f x f input pixels are also passed on at full resolution, after
the coarse map (a fovea: sharp vision where the eye points, coarse vision around it), and are
part of s_t. In a head-centred view the fovea is what lies next to the head.

With `colour=True`, a frame with C channels keeps them apart instead of mixing them into one
gray level (colour-opponent ganglion cells keep colour; here each channel is its own map), so a
thing coded in a weak channel (Snake's food) is not drowned by the others.

Reads: an H x W (grayscale) or H x W x C frame (any numeric dtype, values in [0, input_max]).
Writes: a flat float32 vector [s_t, m_t] of size
(out_height * out_width + fovea^2) * maps * (2 if transient else 1), maps = C with colour else 1.
State: the previous sustained frame and whether there is one (cleared by `reset_episode`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from littlebrain.checks import check_array
from littlebrain.errors import ConfigError
from littlebrain.region import Region
from littlebrain.regions import _exact as exact


@dataclass(frozen=True)
class RetinaConfig:
    """Settings of the retina."""

    #: output grid (area-averaged from the input; may also upsample)
    out_height: int = 42
    out_width: int = 42
    #: weight of each colour channel in the grayscale image. The default (ITU-R BT.601 luma)
    #: keeps Snake's body / head / food channels distinct: 0.299 / 0.587 / 0.114
    channel_weights: tuple[float, ...] = (0.299, 0.587, 0.114)
    #: the input value that maps to 1.0 (255 for uint8 frames)
    input_max: float = 255.0
    #: add the transient (frame-difference) channel
    transient: bool = True
    #: keep the input's colour channels as separate maps instead of one gray level
    colour: bool = False
    #: side, in input pixels, of a central patch also seen at full resolution (0: no fovea)
    fovea: int = 0

    def __post_init__(self) -> None:
        for name in ("out_height", "out_width"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1024:
                raise ConfigError(f"RetinaConfig.{name} must be an int in [1, 1024], got {value!r}")
        weights = self.channel_weights
        if (
            not isinstance(weights, tuple)
            or not weights
            or not all(
                isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w)
                for w in weights
            )
            or not all(w >= 0 for w in weights)
            or sum(weights) <= 0
        ):
            raise ConfigError(
                f"RetinaConfig.channel_weights must be a non-empty tuple of finite weights >= 0 "
                f"with a positive sum, got {weights!r}"
            )
        value = self.input_max
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ConfigError(f"RetinaConfig.input_max must be a finite number > 0, got {value!r}")
        if not isinstance(self.transient, bool):
            raise ConfigError(f"RetinaConfig.transient must be a bool, got {self.transient!r}")
        if not isinstance(self.colour, bool):
            raise ConfigError(f"RetinaConfig.colour must be a bool, got {self.colour!r}")
        if not isinstance(self.fovea, int) or isinstance(self.fovea, bool) or self.fovea < 0:
            raise ConfigError(f"RetinaConfig.fovea must be an int >= 0, got {self.fovea!r}")


def area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out x n_in) matrix whose rows average the input cells each output cell covers.

    Output cell i covers [i * n_in / n_out, (i + 1) * n_in / n_out) in input units; each input
    cell contributes by the length of its overlap, so rows sum to 1 (exact area averaging for
    any ratio, and box upsampling when n_out > n_in).
    """
    edges = np.arange(n_out + 1) * (n_in / n_out)
    A = np.zeros((n_out, n_in), dtype=np.float64)
    for i in range(n_out):
        lo, hi = edges[i], edges[i + 1]
        for j in range(int(math.floor(lo)), min(int(math.ceil(hi)), n_in)):
            A[i, j] = min(hi, j + 1) - max(lo, j)
    return A / A.sum(axis=1, keepdims=True)


class Retina(Region):
    """Fixed retina: grayscale, area-average to a grid, sustained + transient channels."""

    learns = False
    state_names = ("previous", "has_previous")
    scalar_names = ("has_previous",)

    def __init__(self, input_shape: tuple[int, ...], config: RetinaConfig | None = None) -> None:
        super().__init__()
        self.config = config = config if config is not None else RetinaConfig()
        input_shape = tuple(int(n) for n in input_shape)
        if len(input_shape) not in (2, 3) or min(input_shape) < 1:
            raise ConfigError(f"Retina input_shape must be (H, W) or (H, W, C), got {input_shape}")
        mixes = len(input_shape) == 3 and not config.colour
        if mixes and input_shape[2] not in (1, len(config.channel_weights)):
            raise ConfigError(
                f"Retina input has {input_shape[2]} channels but channel_weights has "
                f"{len(config.channel_weights)}"
            )
        self.input_shape = input_shape
        h, w = input_shape[:2]
        # weights and the 1 / input_max scale folded into fixed matrices, computed once
        if len(input_shape) == 3 and input_shape[2] > 1:
            weights = np.asarray(config.channel_weights, dtype=np.float64)
            self._weights = (weights / weights.sum()).astype(np.float32)
        else:
            self._weights = None
        self._rows = (area_matrix(h, config.out_height) / config.input_max).astype(np.float32)
        self._cols = np.ascontiguousarray(area_matrix(w, config.out_width).T, dtype=np.float32)
        colour = config.colour and len(input_shape) == 3
        self._maps = input_shape[2] if colour else 1
        side = min(config.fovea, h, w)
        top, left = (h - side) // 2, (w - side) // 2
        self._fovea = (slice(top, top + side), slice(left, left + side))
        self._sustained_size = self._maps * (config.out_height * config.out_width + side * side)
        self.previous = np.zeros(self._sustained_size, dtype=np.float32)
        self.has_previous = False

    @property
    def output_size(self) -> int:
        return self._sustained_size * (2 if self.config.transient else 1)

    def step(self, frame: np.ndarray) -> np.ndarray:
        frame = check_array(frame, self.input_shape, "retina input").astype(np.float32, copy=False)
        if self._maps > 1:
            maps = np.moveaxis(frame, 2, 0)  # C x H x W: one map per colour channel
        elif frame.ndim == 3:
            if self._weights is not None:  # the weighted sum of the channels, per pixel
                h, w, c = frame.shape
                mixed = exact.matvec(np.ascontiguousarray(frame).reshape(h * w, c), self._weights)
                maps = mixed.reshape(1, h, w)
            else:
                maps = frame[None, :, :, 0]
        else:
            maps = frame[None]
        sustained = np.concatenate(
            [exact.matmul(exact.matmul(self._rows, np.ascontiguousarray(m)), self._cols).ravel()
             for m in maps]
        )  # fmt: skip
        if self.config.fovea:
            fovea = maps[:, self._fovea[0], self._fovea[1]] * (1.0 / self.config.input_max)
            sustained = np.concatenate([sustained, fovea.ravel()])
        if not self.config.transient:
            return sustained
        transient = sustained - self.previous if self.has_previous else np.zeros_like(sustained)
        self.previous = sustained
        self.has_previous = True
        return np.concatenate([sustained, transient])

    def reset_episode(self) -> None:
        self.previous = np.zeros_like(self.previous)
        self.has_previous = False
