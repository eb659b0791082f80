"""littlebrain: small brains of biologically inspired regions that learn online, locally."""


def _compile_for_avx2() -> None:
    """Numba compiles the kernels for the host CPU, and an AVX-512 host vectorises the
    hippocampus's distances in other blocks than an AVX2 host, so one seed ran differently on
    the two (tests/regions/test_exact.py). Where the host has AVX2 and FMA and no target was
    chosen (NUMBA_CPU_NAME), the kernels are compiled for Haswell, the common ground of x86-64
    CPUs since 2013 (Intel) and 2017 (AMD Zen): one run on all of them. It must be set before
    Numba is first imported; a program that imported Numba earlier keeps the host's target."""
    import os

    if "NUMBA_CPU_NAME" in os.environ:
        return
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "").split()
    except OSError:  # not Linux: the host's own target
        return
    if {"avx2", "fma"} <= set(flags):
        os.environ["NUMBA_CPU_NAME"] = "haswell"


_compile_for_avx2()

from littlebrain import envs as _envs  # noqa: E402, F401  (registers littlebrain/Snake-v0)
from littlebrain.brain import Brain  # noqa: E402
from littlebrain.region import Region  # noqa: E402

__version__ = "0.1.0"
__all__ = ["Brain", "Region", "__version__"]
