"""littlebrain: small brains of biologically inspired regions that learn online, locally."""

from littlebrain import _numba_target

_numba_target.pin()  # before any kernel compiles: one target for every AVX2 CPU

from littlebrain import envs as _envs  # noqa: E402, F401  (registers littlebrain/Snake-v0)
from littlebrain.brain import Brain  # noqa: E402
from littlebrain.region import Region  # noqa: E402

__version__ = "0.1.0"
__all__ = ["Brain", "Region", "__version__"]
