"""One compile target for littlebrain's kernels, so that a seed gives the same run on any x86-64
CPU with AVX2 and FMA.

The hippocampus's distances are the one computation compiled with reassociation (vectorised dot
products: a fixed order of sums made recall 3-4x slower), so their order of sums follows the
vector width LLVM picks for the CPU it compiles for. A Zen 5 machine (AVX-512) and an AVX2
machine then rank neighbours differently after a few thousand Atari steps, where codes are real
numbers (session 17: the same Breakout seed diverged between two sessions' machines). Compiling
for one target, Haswell (AVX2 and FMA: every Intel CPU since 2013, AMD since Zen), on every CPU
that has those instructions gives every such CPU the same machine code and the same sums; AVX-512
is not used. Elsewhere (older x86, ARM) Numba compiles for the host and runs may differ.

`NUMBA_CPU_NAME` set by the user wins. This must run before Numba compiles anything in the
process (littlebrain's package import does it first); `target()` says what is in force.
"""

from __future__ import annotations

import os
import platform

import numba

PINNED = "haswell"


def pin() -> None:
    """Compile for Haswell where the CPU can run it and the user chose no target."""
    if os.environ.get("NUMBA_CPU_NAME") or platform.machine().lower() not in ("x86_64", "amd64"):
        return
    from llvmlite import binding

    features = binding.get_host_cpu_features()
    if features.get("avx2") and features.get("fma"):
        numba.config.CPU_NAME = PINNED
        numba.config.CPU_FEATURES = ""  # the target's own features, not the host's


def target() -> str:
    """The CPU Numba compiles for in this process: a name, or "host"."""
    return numba.config.CPU_NAME or "host"
