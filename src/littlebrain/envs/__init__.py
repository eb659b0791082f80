"""littlebrain's worlds, registered with Gymnasium under the `littlebrain/` namespace."""

from __future__ import annotations

import gymnasium as gym

#: short names accepted by the command line, mapped to Gymnasium ids
ALIASES: dict[str, str] = {"snake": "littlebrain/Snake-v0"}
ALIASES["dishpong"] = "littlebrain/DishPong-v0"
ALIASES["atari"] = "littlebrain/Atari-v0"
ALIASES["gates"] = "littlebrain/GateRace-v0"


def register_envs() -> None:
    if "littlebrain/Snake-v0" not in gym.registry:
        gym.register(id="littlebrain/Snake-v0", entry_point="littlebrain.envs.snake:SnakeEnv")
    if "littlebrain/DishPong-v0" not in gym.registry:
        gym.register(
            id="littlebrain/DishPong-v0", entry_point="littlebrain.envs.dishpong:DishPongEnv"
        )
    if "littlebrain/GateRace-v0" not in gym.registry:
        gym.register(id="littlebrain/GateRace-v0", entry_point="littlebrain.envs.gates:GateRaceEnv")
    if "littlebrain/Atari-v0" not in gym.registry:
        # the protocol's wrappers are applied inside make_atari, so no extra ones here
        gym.register(
            id="littlebrain/Atari-v0",
            entry_point="littlebrain.envs.atari:make_atari",
            disable_env_checker=True,
            order_enforce=False,
        )


register_envs()
