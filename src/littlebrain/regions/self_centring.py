r"""Self-centring: find the thing the agent's own actions move, and look at the world from it.

Biology borrowed: a brain tells what it moves from what moves on its own by comparing the
efference copy of each command with the motion it then senses (the comparator of the sense of
agency, Frith, Blakemore & Wolpert 2000; contingency detection in infants, Watson 1972), and the
posterior parietal cortex re-maps what is seen into frames centred on the body (Andersen et al.
1985; Colby & Goldberg 1999). Here the frame is re-centred on the part that the actions move,
like a gaze held on one's own hand, so that what lies next to it lands on the same input units
wherever it is on the screen (Snake's board: the food beside the head).

Rule, per image channel c (a map of one kind of thing: Snake's head, body, food), with x_t the
frame and a_{t-1} the action that led to it:
    p_c    = centroid of max(x_t[c] - x_{t-1}[c], 0)           (where c appeared; kept if none)
    d_c,t  = p_c,t - p_c,t-1                                     (its motion this step)
    two running forecasts of d_c,t: one from what was under way (the sign of d_c,t-1 and the
    action before, a_{t-2}), one from that and the last action a_{t-1}; e0, e1 their squared
    errors, averaged over `memory` samples
    agency_c = 1 - <e1> / <e0>                   (the motion the last action alone explains)
Conditioning both on a_{t-2} keeps a thing that follows the self a step behind (Snake's body)
from looking moved by the action merely because a policy repeats its actions.
The self is the channel with agency >= agency_min when every other channel seen moving (at
least rival_ratio as often) has been measured and has at most rival_ratio times the self's
agency. The output is the frame shifted so that the self's last place is at the centre, with
`outside` in every channel where the shifted frame leaves the world.
Where every channel moves with the action (a view already centred on the agent, whose whole
world turns and slides with each action) or none does, there is no self and the frame passes
through unchanged. A frame with one channel cannot tell things apart; the brain builds this
region only for images with two or more channels.

Reads: the frame (H x W x C) and the efference copy of the last action. Writes: the frame,
re-centred or as it was (same shape and dtype). State: the previous frame, each channel's
place and motion, the forecasts and their errors, the chosen channel, the last two actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from littlebrain.config import check
from littlebrain.region import Region, require, require_range

N_CONTEXTS = 9  # the sign of the last motion, per axis: (-, 0, +) x (-, 0, +)


@dataclass(frozen=True)
class SelfCentringConfig:
    #: motion samples a channel's running averages span (their rate is 1 / min(count,
    #: memory)); its agency counts once it has been seen moving this many times (before, the
    #: forecasts have not yet seen every context, and the agency reads low)
    memory: int = 1000
    #: the self's motion must be at least this much explained by the action...
    agency_min: float = 0.5
    #: ...and every other channel that moves at least this fraction as often must have been
    #: measured, with an agency at most this fraction of the self's
    rival_ratio: float = 0.1

    def __post_init__(self) -> None:
        check(self.memory >= 1, "self_centring memory must be >= 1")
        check(0 < self.agency_min <= 1, "self_centring agency_min must be in (0, 1]")
        check(0 <= self.rival_ratio < 1, "self_centring rival_ratio must be in [0, 1)")


class SelfCentring(Region):
    state_names = (
        "previous",
        "place",
        "motion",
        "forecast_momentum",
        "count_momentum",
        "forecast_action",
        "count_action",
        "error_momentum",
        "error_action",
        "samples",
        "has_previous",
        "self_channel",
        "last_action",
        "action_before",
    )
    scalar_names = ("has_previous", "self_channel", "last_action", "action_before")
    nan_names = ("place", "motion")

    def __init__(
        self, frame_shape: tuple[int, int, int], n_actions: int, outside: float,
        config: SelfCentringConfig,
    ) -> None:  # fmt: skip
        super().__init__()
        height, width, channels = frame_shape
        check(channels >= 2, "self-centring needs an image with two or more channels")
        self.config = config
        self.frame_shape = (height, width, channels)
        self.n_actions = n_actions
        self.outside = outside
        self.previous = np.zeros(self.frame_shape, dtype=np.float32)
        self.place = np.full((channels, 2), np.nan)
        self.motion = np.full((channels, 2), np.nan)
        contexts = (n_actions + 1) * N_CONTEXTS  # the action before (or none) x the last motion
        self.forecast_momentum = np.zeros((channels, contexts, 2))
        self.count_momentum = np.zeros((channels, contexts))
        self.forecast_action = np.zeros((channels, n_actions, contexts, 2))
        self.count_action = np.zeros((channels, n_actions, contexts))
        self.error_momentum = np.zeros(channels)
        self.error_action = np.zeros(channels)
        self.samples = np.zeros(channels)
        self.has_previous = False
        self.self_channel = -1
        self.last_action = self.action_before = -1

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        channels = self.frame_shape[2]
        require_range("SelfCentring.self_channel", state["self_channel"], -1, channels)
        require_range("SelfCentring.last_action", state["last_action"], -1, self.n_actions)
        require_range("SelfCentring.action_before", state["action_before"], -1, self.n_actions)
        for name in ("count_momentum", "count_action", "error_momentum", "error_action",
                     "samples"):  # fmt: skip
            require(bool(np.all(state[name] >= 0)), f"SelfCentring.{name} must be >= 0")
        require(int(state["has_previous"]) in (0, 1), "SelfCentring.has_previous must be 0 or 1")

    def agency(self) -> np.ndarray:
        """Per channel, the share of its motion's error that the last action removes beyond
        what was under way (0 for a channel seen moving fewer than `memory` times; below 0
        where knowing the action forecasts no better)."""
        enough = self.samples >= self.config.memory
        with np.errstate(divide="ignore", invalid="ignore"):
            share = 1.0 - self.error_action / self.error_momentum
        return np.where(enough & (self.error_momentum > 0), share, 0.0)

    def efference(self, action: int) -> None:
        """The copy of the action just chosen: the cause of the next frame's motion."""
        self.action_before, self.last_action = self.last_action, int(action)

    def step(self, frame: np.ndarray) -> np.ndarray:
        learning = not self.frozen and self.last_action >= 0
        # numba has no float16 arithmetic; the kernel reads every pixel as float32 anyway
        readable = frame.astype(np.float32) if frame.dtype == np.float16 else frame
        _sense(
            readable, self.previous, self.has_previous, learning, self.last_action,
            self.action_before, self.config.memory, self.place, self.motion,
            self.forecast_momentum, self.count_momentum, self.forecast_action,
            self.count_action, self.error_momentum, self.error_action, self.samples,
        )  # fmt: skip
        if self.has_previous and learning:
            self._choose_self()
        self.has_previous = True
        if self.self_channel < 0 or np.isnan(self.place[self.self_channel, 0]):
            return frame
        return self._centre(frame, self.place[self.self_channel])

    def _choose_self(self) -> None:
        agency, samples, config = self.agency(), self.samples, self.config
        best = int(np.argmax(agency))
        # a rival is any other channel seen moving at least rival_ratio as often: it must have
        # been measured, and found all but unmoved by the action (unknown is not innocent)
        rivals = np.arange(len(agency)) != best
        rivals &= samples >= config.rival_ratio * samples[best]
        clear = (
            agency[best] >= config.agency_min
            and bool(np.all(samples[rivals] >= config.memory))
            and bool(np.all(agency[rivals] <= config.rival_ratio * agency[best]))
        )
        self.self_channel = best if clear else -1

    def _centre(self, frame: np.ndarray, place: np.ndarray) -> np.ndarray:
        height, width, _ = self.frame_shape
        shift_r = int(round(place[0])) - height // 2
        shift_c = int(round(place[1])) - width // 2
        out = np.full_like(frame, self.outside)
        # out[i, j] = frame[i + shift_r, j + shift_c] where that lies inside the frame
        r0, r1 = max(0, -shift_r), min(height, height - shift_r)
        c0, c1 = max(0, -shift_c), min(width, width - shift_c)
        out[r0:r1, c0:c1] = frame[r0 + shift_r : r1 + shift_r, c0 + shift_c : c1 + shift_c]
        return out

    def reset_episode(self) -> None:
        self.has_previous = False
        self.place[:] = np.nan
        self.motion[:] = np.nan
        self.last_action = self.action_before = -1


@numba.njit(cache=True)
def _sense(
    frame, previous, has_previous, learning, action, action_before, memory, place, motion,
    forecast_momentum, count_momentum, forecast_action, count_action, error_momentum,
    error_action, samples,
):  # fmt: skip
    """The rule of the module's docstring for one frame, in place: each channel's place (the
    centroid of its onset, or on an episode's first frame of the channel itself), its motion,
    and one sample for the forecasts and their errors; `previous` becomes the frame."""
    height, width, channels = frame.shape
    for c in range(channels):
        mass = row_sum = col_sum = 0.0
        for i in range(height):
            for j in range(width):
                value = np.float32(frame[i, j, c])
                weight = value - previous[i, j, c] if has_previous else value
                previous[i, j, c] = value
                if weight > 0:
                    mass += weight
                    row_sum += weight * i
                    col_sum += weight * j
        if mass <= 0:
            continue
        new_row, new_col = row_sum / mass, col_sum / mass
        before_row, before_col = place[c, 0], place[c, 1]
        place[c, 0], place[c, 1] = new_row, new_col
        if not has_previous or np.isnan(before_row):
            continue
        last_row, last_col = motion[c, 0], motion[c, 1]
        d_row, d_col = new_row - before_row, new_col - before_col
        motion[c, 0], motion[c, 1] = d_row, d_col
        if not learning or np.isnan(last_row):
            continue
        sign = (int(np.sign(last_row)) + 1) * 3 + int(np.sign(last_col)) + 1
        context = (action_before + 1) * N_CONTEXTS + sign
        m_row = d_row - forecast_momentum[c, context, 0]
        m_col = d_col - forecast_momentum[c, context, 1]
        a_row = d_row - forecast_action[c, action, context, 0]
        a_col = d_col - forecast_action[c, action, context, 1]
        samples[c] += 1
        rate = 1.0 / min(samples[c], memory)
        error_momentum[c] += rate * (m_row * m_row + m_col * m_col - error_momentum[c])
        error_action[c] += rate * (a_row * a_row + a_col * a_col - error_action[c])
        count_momentum[c, context] += 1
        n = min(count_momentum[c, context], memory)
        forecast_momentum[c, context, 0] += m_row / n
        forecast_momentum[c, context, 1] += m_col / n
        count_action[c, action, context] += 1
        n = min(count_action[c, action, context], memory)
        forecast_action[c, action, context, 0] += a_row / n
        forecast_action[c, action, context, 1] += a_col / n
