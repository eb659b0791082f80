"""DishBrain-style Pong: the world speaks to the brain only through stimulation of 8 channels.

Follows /work/shared/protocols/dishbrain.md (Kagan et al. 2022, "In vitro neurons learn and
exhibit sentience when embodied in a simulated game-world"); each constant below names the row
of the protocol's table it comes from, or says that it is our choice.

The field is 600 x 600 units (x to the right, y downwards). The paddle (10 wide, 250 long) lies on
the left wall and moves along y; the ball (20 across) bounces off the top, bottom and right walls.
A ball that reaches the paddle's face where the paddle is (any overlap) is a hit and bounces back
at an angle set by where it struck (up to 60 degrees from horizontal at the paddle's tips, plus a
small random jitter so that rallies do not lock into one path); anywhere else it is a miss, and
the rally ends. The ball moves at 300 units/s and the paddle at 400 units/s, so a paddle that
follows the ball never misses. A uniformly random paddle scores about 0.88 hits per rally
(measured over 10 sessions), a little above the cultures' "rest" level in the protocol (0.67 to
0.79): the protocol's geometry sets it, since the paddle covers 45% of its wall whatever the
speeds (other speeds and serve angles we tried gave 0.81 to 0.91).

Time runs in fixed bins of 1/`bins_per_second` s (20 ms by default); one step is one bin, and one
episode is one session of `session_minutes` of game time (20 minutes: 60,000 steps), truncated at
its end and never terminated. The reward is always 0: hits and misses are in `info` only.

Observation: the stimulation each of the 8 sensory channels received in the bin, in units of one
75 mV pulse (pulses x amplitude / 75 mV), float32 of shape (8,). Nothing else reaches the brain.
- Sensory coding while the ball is in play: place coding, one channel at a time, says where the
  ball is along the paddle's axis (channel 0 = top of the field, 7 = bottom; with
  `place_frame="paddle"` it is the ball's position relative to the paddle's centre instead, the
  middle of the channels being level with the paddle); rate coding says how far the ball is from
  the paddle: pulses at f = 4 + 36 (1 - d / d_max) Hz, from 4 Hz across the field to 40 Hz at
  the paddle, as a regular pulse train (so at most one pulse per 20 ms bin), 75 mV each (our
  choice: the protocol gives no sensory amplitude). The first bin after a serve has a pulse.
- After a hit, predictable feedback: all 8 channels together at 100 Hz for 100 ms (two pulses
  per channel in each of 5 bins: the same value on every channel).
- After a miss, unpredictable feedback: for 4 s, each channel independently receives 150 mV
  pulses at random times at 5 Hz on average (a pulse in a bin with probability 5 Hz x bin), so
  random channels at random times; a pulse counts 2 (150 / 75 mV).
- The game pauses while feedback lasts (the ball is held, the paddle still moves); the sensory
  coding is off during the pause. After a miss the ball is re-served from the centre in a random
  direction (left or right, up to 45 degrees from horizontal) when the pause ends.
- The first observation, from reset(), is all zeros: nothing has been delivered yet.
- `proprioception=True` (a labelled variant, easier than the protocol: the cultures had no sense
  of their paddle) appends 8 channels that place-code the paddle's centre along the field
  (channel 8 = top), 1.0 on the paddle's channel in every bin (0 in the "rest" condition).

Actions (the protocol reads the paddle out of two motor regions, each split into "up" and
"down" halves, by comparing their activity; the brain's read-out of that comparison is):
0 = stay (balanced), 1 = up (towards y = 0, channel 0), 2 = down.

Conditions (`condition`, one setting; the protocol's definitions are "ours"):
- "stimulus": sensory coding and the feedback above, with its pauses.
- "silent": sensory coding, no feedback stimulation; the game pauses exactly as in "stimulus"
  (100 ms after a hit, 4 s after a miss), with nothing delivered during the pause.
- "no_feedback": sensory coding only; no pause: a hit bounces at once, a miss re-serves at once
  (the bin of the miss already carries the new ball's first pulse).
- "rest": no stimulation at all (every observation is zeros) and the action is ignored: the
  paddle moves by the world's own uniformly random choice of stay/up/down in every bin, a
  stand-in for spontaneous activity that measures chance (about 0.88 hits per rally, as for a
  uniformly random brain). Pauses as in "silent".

`info`: `hit`, `miss` (this step), `rally_hits` (hits in the current rally; on the step of a miss,
the final count of the rally that just ended), `rally_ended` (a miss ended a rally this step),
`hits` and `misses` (in the session so far), `game_time_s` (after this step), `feedback` ("none",
"predictable" or "unpredictable": what was delivered in this bin), `paused`, `condition`.

Everything random comes from `self.np_random`, so a seed and a sequence of actions always give
the same observations. The game (serves, bounce jitter, the paddle at rest) draws from it
directly; the unpredictable stimulation draws from a second generator seeded from it at reset,
so that under one seed and one sequence of actions "stimulus" and "silent" play exactly the same
game and differ only in what is delivered.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from littlebrain.errors import ConfigError

# -- the protocol's numbers ----------------------------------------------------------------
N_CHANNELS = 8  # protocol table, "sensory electrodes": 8 stimulation electrodes
FIELD_WIDTH = 600.0  # protocol table, "field": 600 x 600 units
FIELD_HEIGHT = 600.0  # protocol table, "field"
PADDLE_WIDTH = 10.0  # protocol table, "field": paddle 10 wide, 250 long, on the left wall
PADDLE_LENGTH = 250.0  # protocol table, "field"
BALL_DIAMETER = 20.0  # protocol table, "field": ball 20 across
MIN_RATE_HZ = 4.0  # protocol table, "rate code": f = 4 + 36 (1 - distance / max_distance)
MAX_RATE_HZ = 40.0  # protocol table, "rate code"
PREDICTABLE_HZ = 100.0  # protocol table, "predictable feedback after a hit": 100 Hz
PREDICTABLE_SECONDS = 0.1  # protocol table, "predictable feedback": for 100 ms
PREDICTABLE_MV = 75.0  # protocol table, "predictable feedback": 75 mV
UNPREDICTABLE_HZ = 5.0  # protocol table, "unpredictable feedback after a miss": 5 Hz
UNPREDICTABLE_SECONDS = 4.0  # protocol table, "unpredictable feedback": for 4 s
UNPREDICTABLE_MV = 150.0  # protocol table, "unpredictable feedback": 150 mV
SESSION_MINUTES = 20.0  # protocol table, "session": 20 minutes of gameplay
BINS_PER_SECOND = 50  # protocol, "Our choices for the simulated loop": 20 ms bins

# -- our choices (the protocol is silent) --------------------------------------------------
SENSORY_MV = 75.0  # ours: sensory pulses as strong as the predictable ones; one pulse = 1.0
UNIT_MV = 75.0  # ours: the observation counts stimulation in units of one 75 mV pulse
BALL_SPEED = 300.0  # ours ("ball speed, bounce rules": not published): units/s, 1.9 s a crossing
PADDLE_SPEED = 400.0  # ours: faster than the ball's largest vertical speed (300 sin 60 = 260)
SERVE_MAX_ANGLE_DEG = 45.0  # ours: serves leave the centre within 45 degrees of horizontal
BOUNCE_MAX_ANGLE_DEG = 60.0  # ours: a hit at the paddle's tip returns at 60 degrees
BOUNCE_JITTER_DEG = 10.0  # ours: uniform jitter added to every paddle bounce

STAY, UP, DOWN = 0, 1, 2
CONDITIONS = ("stimulus", "silent", "no_feedback", "rest")
PLACE_FRAMES = ("field", "paddle")

_BALL_R = BALL_DIAMETER / 2
_CONTACT_X = PADDLE_WIDTH + _BALL_R  # ball centre x where it touches the paddle's face
_MAX_DISTANCE = FIELD_WIDTH - _BALL_R - _CONTACT_X  # rate code's max_distance (570)
_REACH = PADDLE_LENGTH / 2 + _BALL_R  # |ball y - paddle y| up to this is a hit
_COLOURS = {
    "background": (12, 14, 20),
    "paddle": (240, 240, 240),
    "ball": (255, 225, 25),
    "predictable": (60, 180, 75),
    "unpredictable": (230, 25, 75),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class DishPongEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": BINS_PER_SECOND}

    def __init__(
        self,
        condition: str = "stimulus",
        session_minutes: float = SESSION_MINUTES,
        bins_per_second: int = BINS_PER_SECOND,
        place_frame: str = "field",
        ball_speed: float = BALL_SPEED,
        paddle_speed: float = PADDLE_SPEED,
        render_mode: str | None = None,
        image_size: int = 150,
        proprioception: bool = False,
    ) -> None:
        if condition not in CONDITIONS:
            raise ConfigError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        if (
            not isinstance(bins_per_second, int)
            or isinstance(bins_per_second, bool)
            or not 10 <= bins_per_second <= 1000
        ):
            raise ConfigError(
                f"bins_per_second must be an integer from 10 to 1000, got {bins_per_second!r}"
            )
        if not _is_number(session_minutes) or session_minutes <= 0:
            raise ConfigError(f"session_minutes must be a positive number, got {session_minutes!r}")
        n_bins = round(session_minutes * 60 * bins_per_second)
        if n_bins < 1:
            raise ConfigError(f"session_minutes {session_minutes!r} is shorter than one bin")
        if place_frame not in PLACE_FRAMES:
            raise ConfigError(f"place_frame must be one of {PLACE_FRAMES}, got {place_frame!r}")
        # the ball moves at most its own diameter per bin, so no bounce is skipped
        if not _is_number(ball_speed) or not 0 < ball_speed / bins_per_second <= BALL_DIAMETER:
            raise ConfigError(
                f"ball_speed must be positive and at most {BALL_DIAMETER:g} units per bin "
                f"({BALL_DIAMETER * bins_per_second:g} per second), got {ball_speed!r}"
            )
        if not _is_number(paddle_speed) or paddle_speed <= 0:
            raise ConfigError(f"paddle_speed must be a positive number, got {paddle_speed!r}")
        if not isinstance(proprioception, bool):
            raise ConfigError(f"proprioception must be true or false, got {proprioception!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode must be one of {self.metadata['render_modes']}")
        if not isinstance(image_size, int) or isinstance(image_size, bool) or image_size < 30:
            raise ConfigError(f"image_size must be an integer of at least 30, got {image_size!r}")
        self.condition = condition
        self.session_minutes = float(session_minutes)
        self.bins_per_second = bins_per_second
        self.n_bins = int(n_bins)  # steps in one session (episode)
        self.place_frame = place_frame
        self.ball_speed = float(ball_speed)
        self.paddle_speed = float(paddle_speed)
        self.render_mode = render_mode
        self.image_size = image_size
        self.proprioception = proprioception
        self._n_obs = N_CHANNELS * (2 if proprioception else 1)

        self._dt = 1.0 / bins_per_second
        self._sensory = condition != "rest"
        self._stimulates = condition == "stimulus"
        self._pauses = condition != "no_feedback"
        self._predictable_bins = max(1, round(PREDICTABLE_SECONDS * bins_per_second))
        self._unpredictable_bins = max(1, round(UNPREDICTABLE_SECONDS * bins_per_second))
        # pulses per bin of the predictable burst: a regular 100 Hz train cut into bins
        per_bin = PREDICTABLE_HZ / bins_per_second
        edges = [math.floor(per_bin * k + 1e-9) for k in range(self._predictable_bins + 1)]
        self._burst = [
            (edges[k + 1] - edges[k]) * PREDICTABLE_MV / UNIT_MV
            for k in range(self._predictable_bins)
        ]
        self._noise_p = UNPREDICTABLE_HZ / bins_per_second
        self._noise_value = UNPREDICTABLE_MV / UNIT_MV
        self._sensory_value = SENSORY_MV / UNIT_MV
        high = max(
            max(self._burst),
            self._noise_value,
            math.ceil(MAX_RATE_HZ / bins_per_second) * self._sensory_value,
        )
        self.observation_space = spaces.Box(0.0, float(high), (self._n_obs,), dtype=np.float32)
        self.action_space = spaces.Discrete(3)

        self._ball_x = self._ball_y = 0.0
        self._vx = self._vy = 0.0
        self._in_play = False
        self._phase = 0.0
        self._clear_session()
        self._bin = -1  # bins played; -1 before reset()
        self._noise_rng = np.random.default_rng(0)  # replaced at every reset()
        self._last_obs = np.zeros(self._n_obs, dtype=np.float32)
        self._last_info: dict[str, Any] = {}

    # -- Gymnasium API --------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._clear_session()
        self._noise_rng = np.random.default_rng(int(self.np_random.integers(2**63)))
        self._serve()
        obs = np.zeros(self._n_obs, dtype=np.float32)
        info = self._info(False, False, "none", paused=False)
        self._last_obs, self._last_info = obs, info
        return obs, info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}; actions are 0 (stay), 1 (up), 2 (down)")
        if self._bin < 0:
            raise RuntimeError("call reset() before step()")
        if self._bin >= self.n_bins:
            raise RuntimeError("the session is over; call reset() to start another")
        if self._rally_over:
            self._rally_hits = 0
            self._rally_over = False

        move = int(self.np_random.integers(3)) if self.condition == "rest" else int(action)
        if move == UP:
            self._paddle_y = max(PADDLE_LENGTH / 2, self._paddle_y - self.paddle_speed * self._dt)
        elif move == DOWN:
            self._paddle_y = min(
                FIELD_HEIGHT - PADDLE_LENGTH / 2, self._paddle_y + self.paddle_speed * self._dt
            )

        obs = np.zeros(self._n_obs, dtype=np.float32)
        if self.proprioception and self._sensory:
            where = int(self._paddle_y / FIELD_HEIGHT * N_CHANNELS)
            obs[N_CHANNELS + min(where, N_CHANNELS - 1)] = 1.0
        hit = miss = paused = False
        feedback = "none"
        if self._pause_left == 0:
            event = self._advance_ball()
            if event == "hit":
                hit = True
                self._hits += 1
                self._rally_hits += 1
                if self._pauses:
                    self._start_pause("predictable", self._predictable_bins, serve=False)
            elif event == "miss":
                miss = True
                self._misses += 1
                self._rally_over = True
                if self._pauses:
                    self._start_pause("unpredictable", self._unpredictable_bins, serve=True)
                else:
                    self._serve()
            if self._pause_left == 0 and self._sensory:
                self._encode_ball(obs)
        if self._pause_left > 0:
            paused = True
            if self._stimulates:
                feedback = self._pause_kind
                self._deliver_feedback(obs)
            self._pause_bin += 1
            self._pause_left -= 1
            if self._pause_left == 0 and self._serve_after_pause:
                self._serve()

        self._bin += 1
        info = self._info(hit, miss, feedback, paused)
        self._last_obs, self._last_info = obs, info
        return obs, 0.0, False, self._bin >= self.n_bins, info

    def render(self) -> np.ndarray | str | None:
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode == "ansi":
            return self._render_ansi()
        return None

    # -- the game ---------------------------------------------------------------------------
    def _clear_session(self) -> None:
        """A new session: time, paddle, pause, rally and counts back to their start."""
        self._bin = 0
        self._paddle_y = FIELD_HEIGHT / 2
        self._pause_left = 0
        self._pause_bin = 0
        self._pause_kind = "none"
        self._serve_after_pause = False
        self._rally_hits = 0
        self._rally_over = False
        self._hits = 0
        self._misses = 0

    def _serve(self) -> None:
        """Put the ball at the centre, heading left or right within SERVE_MAX_ANGLE_DEG."""
        angle = math.radians(self.np_random.uniform(-SERVE_MAX_ANGLE_DEG, SERVE_MAX_ANGLE_DEG))
        heading = -1.0 if self.np_random.integers(2) == 0 else 1.0
        self._ball_x, self._ball_y = FIELD_WIDTH / 2, FIELD_HEIGHT / 2
        self._vx = heading * self.ball_speed * math.cos(angle)
        self._vy = self.ball_speed * math.sin(angle)
        self._in_play = True
        self._phase = 1.0  # the first bin in play carries a pulse

    def _advance_ball(self) -> str | None:
        """Move the ball one bin; bounce off walls; return "hit", "miss" or None."""
        x0, y0 = self._ball_x, self._ball_y
        x = x0 + self._vx * self._dt
        y = y0 + self._vy * self._dt
        if y < _BALL_R:
            y, self._vy = 2 * _BALL_R - y, -self._vy
        elif y > FIELD_HEIGHT - _BALL_R:
            y, self._vy = 2 * (FIELD_HEIGHT - _BALL_R) - y, -self._vy
        if x > FIELD_WIDTH - _BALL_R:
            x, self._vx = 2 * (FIELD_WIDTH - _BALL_R) - x, -self._vx
        if x > _CONTACT_X:
            self._ball_x, self._ball_y = x, y
            return None
        # the ball reaches the paddle's face during this bin: where along y?
        fraction = (x0 - _CONTACT_X) / (x0 - x) if x0 > x else 0.0
        y_contact = min(max(y0 + fraction * (y - y0), _BALL_R), FIELD_HEIGHT - _BALL_R)
        offset = y_contact - self._paddle_y
        if abs(offset) > _REACH:
            self._ball_x, self._ball_y = _CONTACT_X, y_contact
            self._in_play = False
            return "miss"
        angle = BOUNCE_MAX_ANGLE_DEG * offset / _REACH
        angle += self.np_random.uniform(-BOUNCE_JITTER_DEG, BOUNCE_JITTER_DEG)
        angle = math.radians(min(max(angle, -BOUNCE_MAX_ANGLE_DEG), BOUNCE_MAX_ANGLE_DEG))
        self._vx = self.ball_speed * math.cos(angle)
        self._vy = self.ball_speed * math.sin(angle)
        self._ball_x, self._ball_y = _CONTACT_X, y_contact
        return "hit"

    def _start_pause(self, kind: str, bins: int, serve: bool) -> None:
        self._pause_kind = kind
        self._pause_left = bins
        self._pause_bin = 0
        self._serve_after_pause = serve

    # -- stimulation --------------------------------------------------------------------------
    def _place_channel(self) -> int:
        if self.place_frame == "field":
            where = self._ball_y / FIELD_HEIGHT
        else:  # relative to the paddle's centre, over +-half a field
            where = (self._ball_y - self._paddle_y) / FIELD_HEIGHT + 0.5
        return min(max(int(where * N_CHANNELS), 0), N_CHANNELS - 1)

    def _rate_hz(self) -> float:
        """The rate code's frequency for the ball's current distance from the paddle."""
        distance = min(max(self._ball_x - _CONTACT_X, 0.0), _MAX_DISTANCE)
        return MIN_RATE_HZ + (MAX_RATE_HZ - MIN_RATE_HZ) * (1.0 - distance / _MAX_DISTANCE)

    def _encode_ball(self, obs: np.ndarray) -> None:
        """Place and rate coding: a regular pulse train on the ball's channel."""
        self._phase += self._rate_hz() * self._dt
        if self._phase >= 1.0 - 1e-9:
            pulses = math.floor(self._phase + 1e-9)
            self._phase -= pulses
            obs[self._place_channel()] = pulses * self._sensory_value

    def _deliver_feedback(self, obs: np.ndarray) -> None:
        stimulated = obs[:N_CHANNELS]  # a view: the proprioceptive channels stay as they are
        if self._pause_kind == "predictable":
            stimulated[:] = self._burst[self._pause_bin]
        else:
            pulses = self._noise_rng.random(N_CHANNELS) < self._noise_p
            stimulated[pulses] = self._noise_value

    def _info(self, hit: bool, miss: bool, feedback: str, paused: bool) -> dict[str, Any]:
        return {
            "hit": hit,
            "miss": miss,
            "rally_hits": self._rally_hits,
            "rally_ended": miss,
            "hits": self._hits,
            "misses": self._misses,
            "game_time_s": self._bin / self.bins_per_second,
            "feedback": feedback,
            "paused": paused,
            "condition": self.condition,
        }

    # -- rendering ----------------------------------------------------------------------------
    def _render_rgb(self) -> np.ndarray:
        n = self.image_size
        scale = n / FIELD_WIDTH
        image = np.empty((n, n, 3), dtype=np.uint8)
        image[:] = _COLOURS["background"]
        feedback = self._last_info.get("feedback", "none")
        if feedback != "none":  # a frame round the field shows the feedback being delivered
            image[:2], image[-2:], image[:, :2], image[:, -2:] = (_COLOURS[feedback],) * 4
        top = int((self._paddle_y - PADDLE_LENGTH / 2) * scale)
        bottom = int(math.ceil((self._paddle_y + PADDLE_LENGTH / 2) * scale))
        image[top:bottom, : max(1, round(PADDLE_WIDTH * scale))] = _COLOURS["paddle"]
        if self._in_play:
            r = max(1, round(_BALL_R * scale))
            row, col = int(self._ball_y * scale), int(self._ball_x * scale)
            image[max(0, row - r) : row + r, max(0, col - r) : col + r] = _COLOURS["ball"]
        return image

    def _render_ansi(self) -> str:
        cols, rows = 40, 20
        grid = [["."] * cols for _ in range(rows)]
        top = int((self._paddle_y - PADDLE_LENGTH / 2) / FIELD_HEIGHT * rows)
        bottom = int(math.ceil((self._paddle_y + PADDLE_LENGTH / 2) / FIELD_HEIGHT * rows))
        for row in range(max(0, top), min(rows, bottom)):
            grid[row][0] = "|"
        if self._in_play:
            row = min(int(self._ball_y / FIELD_HEIGHT * rows), rows - 1)
            col = min(max(int(self._ball_x / FIELD_WIDTH * cols), 1), cols - 1)
            grid[row][col] = "o"
        lines = ["+" + "-" * cols + "+"]
        lines += ["|" + "".join(line) + "|" for line in grid]
        lines.append("+" + "-" * cols + "+")
        stim = " ".join(f"{value:g}" for value in self._last_obs)
        info = self._last_info
        lines.append(f"stimulation [{stim}]  feedback {info.get('feedback', 'none')}")
        lines.append(
            f"t {info.get('game_time_s', 0.0):.2f} s  hits {self._hits}  misses {self._misses}"
            f"  rally {self._rally_hits}  condition {self.condition}"
        )
        return "\n".join(lines) + "\n"


def end_session(rallies: list[tuple[float, int]], info: dict[str, Any]) -> None:
    """Count the rally still in play when the session ends, with the hits it has had: dropping
    it would drop a long rally, the best play of a session. One without a hit yet tells nothing
    and is left out. `rallies`: (game time, hits) of each rally, appended to."""
    if not info["rally_ended"] and info["rally_hits"] > 0:
        rallies.append((info["game_time_s"], int(info["rally_hits"])))
