"""littlebrain: small brains of biologically inspired regions that learn online, locally."""

from littlebrain import envs as _envs  # noqa: F401  (registers littlebrain/Snake-v0)
from littlebrain.brain import Brain
from littlebrain.region import Region

__version__ = "0.1.0"
__all__ = ["Brain", "Region", "__version__"]
