"""Random streams of a run, and generator state as NumPy arrays (checkpoints need no pickle).

A run's seed is split into independent streams, `SeedSequence(seed).spawn(...)` in the order
of `STREAMS`: the brain's regions (their initial weights, consolidation's draws), exploration
(the brain's choices), the world during learning (one reset seed per episode) and the world
during a frozen evaluation. No two of them ever draw the same numbers, whatever the seed.

A generator's state (PCG64) is two 128-bit integers plus a cached 32-bit word; we store it as
a uint64 array.
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1


#: the streams a run's seed is split into, in spawn order (never reorder: it changes every run)
STREAMS = ("brain", "exploration", "world", "evaluation")


def stream(seed: int, name: str, *key: int) -> np.random.SeedSequence:
    """The seed sequence of stream `name` of a run's `seed`: `SeedSequence(seed).spawn(n)[i]`,
    and with `key`, that child's own children (the world's episodes)."""
    return np.random.SeedSequence(seed, spawn_key=(STREAMS.index(name), *key))


def make_rng(seed: int, name: str = "brain") -> np.random.Generator:
    """The generator of stream `name` of a run's seed."""
    return np.random.Generator(np.random.PCG64(stream(seed, name)))


def episode_seed(run_seed: int, episode: int, name: str = "world") -> int:
    """The reset seed of a world's `episode` in stream `name` ("world" or "evaluation")."""
    return int(stream(run_seed, name, episode).generate_state(1, np.uint32)[0])


def rng_state_array(rng: np.random.Generator) -> np.ndarray:
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise TypeError(f"only PCG64 generators can be saved, not {state['bit_generator']}")
    s, inc = state["state"]["state"], state["state"]["inc"]
    return np.array(
        [s >> 64, s & _MASK64, inc >> 64, inc & _MASK64, state["has_uint32"], state["uinteger"]],
        dtype=np.uint64,
    )


def set_rng_state(rng: np.random.Generator, array: np.ndarray) -> None:
    array = np.asarray(array)
    if array.shape != (6,) or array.dtype != np.uint64:
        raise ValueError(f"an RNG state is 6 uint64 words, got {array.dtype}{list(array.shape)}")
    words = [int(x) for x in array]
    if words[4] not in (0, 1) or words[5] >= 1 << 32:
        raise ValueError("an RNG state's cached word flag must be 0 or 1 and its word 32-bit")
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (words[0] << 64) | words[1], "inc": (words[2] << 64) | words[3]},
        "has_uint32": words[4],
        "uinteger": words[5],
    }
