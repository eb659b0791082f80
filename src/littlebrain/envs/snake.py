"""Snake with sparse binary rewards: the board itself is the observation.

The snake starts with length 3 at the centre of the board, heading right. Food appears on a
uniformly random empty cell. Actions are relative turns: 0 = left, 1 = straight, 2 = right.
Walls and the snake's own body kill. Moving into the cell the tail is leaving is allowed.

Observation: the board as an H x W x 3 uint8 image, 255 where a channel is on:
channel 0 = body (all segments but the head), 1 = head, 2 = food. No hand-made features.

Rewards, `reward_mode="sparse"` (default): +1 when food is eaten, -1 on death, 0 otherwise.
`reward_mode="shaped"` (for baselines only): sparse plus `+shaping_reward` for a step that brings
the head closer to the food (Manhattan distance) and `-shaping_reward` for one that takes it
farther away; the penalty keeps circling near the food from paying.

`view="egocentric"` (optional, like a fovea) shows the board centred on the head and turned so
that the snake heads up: a (2 size - 1)^2 x 3 image whose channels are body, wall (everything
outside the board) and food. It changes what the snake sees, not the game.

The episode terminates on death or a full board (a win), and is truncated when no food was eaten
for `starvation_steps` steps (default: the number of cells). `info["score"]` is the apples eaten.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

BODY, HEAD, FOOD = 0, 1, 2
WALL = 1  # in the egocentric view the head is always at the centre; channel 1 shows walls
LEFT, STRAIGHT, RIGHT = 0, 1, 2
# clockwise: up, right, down, left, as (row, column) steps
_HEADINGS = ((-1, 0), (0, 1), (1, 0), (0, -1))
_COLOURS = {
    "background": (24, 26, 33),
    "grid": (38, 41, 51),
    "body": (60, 180, 75),
    "head": (255, 225, 25),
    "food": (230, 25, 75),
}


class SnakeEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 10}

    def __init__(
        self,
        size: int = 10,
        reward_mode: str = "sparse",
        starvation_steps: int | None = None,
        shaping_reward: float = 0.1,
        view: str = "board",
        render_mode: str | None = None,
        cell_pixels: int = 24,
    ) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or not 5 <= size <= 64:
            raise ValueError(f"size must be an integer from 5 to 64, got {size!r}")
        if reward_mode not in ("sparse", "shaped"):
            raise ValueError(f"reward_mode must be 'sparse' or 'shaped', got {reward_mode!r}")
        if starvation_steps is None:
            starvation_steps = size * size
        if not isinstance(starvation_steps, int) or starvation_steps < 1:
            raise ValueError(
                f"starvation_steps must be a positive integer, got {starvation_steps!r}"
            )
        if not 0.0 <= float(shaping_reward) < 1.0:
            raise ValueError(f"shaping_reward must be in [0, 1), got {shaping_reward!r}")
        if view not in ("board", "egocentric"):
            raise ValueError(f"view must be 'board' or 'egocentric', got {view!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        self.size = size
        self.reward_mode = reward_mode
        self.starvation_steps = starvation_steps
        self.shaping_reward = float(shaping_reward)
        self.view = view
        self.render_mode = render_mode
        self.cell_pixels = int(cell_pixels)
        side = size if view == "board" else 2 * size - 1
        self.observation_space = spaces.Box(0, 255, (side, side, 3), dtype=np.uint8)
        self.action_space = spaces.Discrete(3)
        self._body: list[tuple[int, int]] = []  # head first
        self._occupied = np.zeros((size, size), dtype=bool)
        self._food = (0, 0)
        self._heading = 1
        self._score = 0
        self._hunger = 0

    # -- Gymnasium API --------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        centre = self.size // 2
        self._heading = 1
        self._body = [(centre, centre - i) for i in range(3)]
        self._occupied[:] = False
        for cell in self._body:
            self._occupied[cell] = True
        self._score = 0
        self._hunger = 0
        self._place_food()
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}; actions are 0 (left), 1, 2 (right)")
        if not self._body:
            raise RuntimeError("call reset() before step()")
        self._heading = (self._heading + int(action) - 1) % 4
        d_row, d_col = _HEADINGS[self._heading]
        head = self._body[0]
        new_head = (head[0] + d_row, head[1] + d_col)
        eats = new_head == self._food
        tail_leaves = not eats  # the tail moves away this step unless the snake grows

        outside = not (0 <= new_head[0] < self.size and 0 <= new_head[1] < self.size)
        if outside or (
            self._occupied[new_head] and not (tail_leaves and new_head == self._body[-1])
        ):
            return self._observation(), -1.0, True, False, self._info(event="death")

        if tail_leaves:
            self._occupied[self._body.pop()] = False
        self._body.insert(0, new_head)
        self._occupied[new_head] = True

        reward, terminated, event = 0.0, False, None
        if eats:
            self._score += 1
            self._hunger = 0
            reward, event = 1.0, "food"
            if len(self._body) == self.size * self.size:
                return self._observation(), reward, True, False, self._info(event="win")
            self._place_food()
        else:
            self._hunger += 1
            if self.reward_mode == "shaped":
                before = abs(head[0] - self._food[0]) + abs(head[1] - self._food[1])
                after = abs(new_head[0] - self._food[0]) + abs(new_head[1] - self._food[1])
                reward = self.shaping_reward if after < before else -self.shaping_reward
        truncated = self._hunger >= self.starvation_steps
        if truncated:
            event = "starved"
        return self._observation(), reward, terminated, truncated, self._info(event=event)

    def render(self) -> np.ndarray | str | None:
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode == "ansi":
            return self._render_ansi()
        return None

    # -- internals ------------------------------------------------------------------------
    def _place_food(self) -> None:
        empty = np.flatnonzero(~self._occupied)
        cell = int(empty[self.np_random.integers(len(empty))])
        self._food = divmod(cell, self.size)

    def _observation(self) -> np.ndarray:
        return self._board() if self.view == "board" else self._egocentric()

    def _egocentric(self) -> np.ndarray:
        n = self.size
        board = self._board()
        view = np.zeros((2 * n - 1, 2 * n - 1, 3), dtype=np.uint8)
        view[:, :, WALL] = 255
        top, left = n - 1 - self._body[0][0], n - 1 - self._body[0][1]
        window = view[top : top + n, left : left + n]
        window[:, :, BODY] = board[:, :, BODY]
        window[:, :, WALL] = 0
        window[:, :, FOOD] = board[:, :, FOOD]
        # np.rot90 turns counter-clockwise: heading right (1) needs one turn to point up
        return np.ascontiguousarray(np.rot90(view, k=self._heading, axes=(0, 1)))

    def _board(self) -> np.ndarray:
        board = np.zeros((self.size, self.size, 3), dtype=np.uint8)
        for cell in self._body[1:]:
            board[cell[0], cell[1], BODY] = 255
        board[self._body[0][0], self._body[0][1], HEAD] = 255
        if len(self._body) < self.size * self.size:
            board[self._food[0], self._food[1], FOOD] = 255
        return board

    def _info(self, event: str | None = None) -> dict[str, Any]:
        return {"score": self._score, "length": len(self._body), "event": event}

    def _render_rgb(self) -> np.ndarray:
        px = self.cell_pixels
        image = np.empty((self.size * px, self.size * px, 3), dtype=np.uint8)
        image[:] = _COLOURS["grid"]
        board = self._board()
        for row in range(self.size):
            for col in range(self.size):
                if board[row, col, HEAD]:
                    colour = _COLOURS["head"]
                elif board[row, col, BODY]:
                    colour = _COLOURS["body"]
                elif board[row, col, FOOD]:
                    colour = _COLOURS["food"]
                else:
                    colour = _COLOURS["background"]
                image[row * px + 1 : (row + 1) * px - 1, col * px + 1 : (col + 1) * px - 1] = colour
        return image

    def _render_ansi(self) -> str:
        board = self._board()
        rows = ["+" + "-" * self.size + "+"]
        for row in range(self.size):
            line = ""
            for col in range(self.size):
                if board[row, col, HEAD]:
                    line += "@"
                elif board[row, col, BODY]:
                    line += "o"
                elif board[row, col, FOOD]:
                    line += "*"
                else:
                    line += "."
            rows.append("|" + line + "|")
        rows.append("+" + "-" * self.size + "+")
        rows.append(f"score {self._score}  length {len(self._body)}")
        return "\n".join(rows) + "\n"
