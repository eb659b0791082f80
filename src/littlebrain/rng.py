"""Random-number generator state as NumPy arrays, so that checkpoints need no pickle.

Every stochastic region draws from one `numpy.random.Generator` (PCG64) owned by the brain.
Its state is two 128-bit integers plus a cached 32-bit word; we store it as a uint64 array.
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1


def make_rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


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
    words = [int(x) for x in np.asarray(array, dtype=np.uint64)]
    if len(words) != 6:
        raise ValueError(f"an RNG state has 6 words, got {len(words)}")
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (words[0] << 64) | words[1], "inc": (words[2] << 64) | words[3]},
        "has_uint32": words[4],
        "uinteger": words[5],
    }
