"""Fixed-order sums: the kernels add in exactly the documented order (so every CPU gets the
same bits), and they agree with NumPy to rounding."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from littlebrain.regions import _exact as exact


def reference_dot(x: np.ndarray, y: np.ndarray) -> float:
    """The documented order, in Python scalars of the inputs' dtype."""
    n = len(x)
    if n == 0:
        return 0.0
    if n < 8:
        total = x[0] * y[0]
        for i in range(1, n):
            total += x[i] * y[i]
        return total
    s = [x[k] * y[k] for k in range(8)]
    i = 8
    while i + 8 <= n:
        for k in range(8):
            s[k] += x[i + k] * y[i + k]
        i += 8
    total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
    while i < n:
        total += x[i] * y[i]
        i += 1
    return total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 16, 23, 300])
def test_dot_adds_in_the_documented_order(dtype, n):
    rng = np.random.default_rng(n)
    # magnitudes far apart: any other order of the sums gives other bits
    x = (rng.standard_normal(n) * 10.0 ** rng.integers(-6, 7, n)).astype(dtype)
    y = rng.standard_normal(n).astype(dtype)
    assert exact.dot(x, y) == reference_dot(x, y)
    assert exact.dot(x, y) == pytest.approx(float(x.astype(np.float64) @ y), rel=1e-3, abs=1e-3)


def test_matrix_kernels_agree_with_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 37))
    v = rng.standard_normal(37)
    np.testing.assert_allclose(exact.matvec(a, v), a @ v, rtol=1e-12)
    assert [exact.matvec(a, v)[r] for r in range(5)] == [exact.dot(a[r], v) for r in range(5)]
    b = rng.standard_normal((37, 4)).astype(np.float32)
    a32 = a.astype(np.float32)
    np.testing.assert_allclose(exact.matmul(a32, b), a32 @ b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(exact.row_sqnorms(a), (a * a).sum(axis=1), rtol=1e-12)

    from littlebrain.regions._hippocampus_kernels import nearest_centroids

    keys = rng.standard_normal((200, 6)).astype(np.float32)
    cells = keys[:12].copy()
    brute = np.argmin(((keys[:, None, :] - cells[None]) ** 2).sum(-1), axis=1)
    assert np.array_equal(nearest_centroids(keys, cells, exact.row_sqnorms(cells)), brute)


OTHER_CPU = {
    # BLAS and NumPy as an AVX machine would compute, the compiled kernels as an AVX2 one
    # (Haswell): the hippocampus's vectorised distances follow the vector units, so CPUs
    # older than AVX2 may differ (results/snake/cpu_drift.json)
    "OPENBLAS_CORETYPE": "Sandybridge",
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL "
    "AVX512_SPR AVX2 FMA3",
    "NUMBA_CPU_NAME": "haswell",
    # Haswell's own features: without this, Numba keeps the host's (AVX-512 on an AVX-512
    # host) under Haswell's tuning, a chimera no machine runs, which vectorised differently
    "NUMBA_CPU_FEATURES": "",
}
RUN = """
import hashlib, sys
import numpy as np
from littlebrain.config import RunConfig
from littlebrain.runs import Session
# a small index, so that the IVF cells are trained and searched within the run
config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=4000, probes=[],
                   brain_config={"hippocampus": {"ivf_cells": 16, "ivf_threshold": 600}})
session = Session.start(config, sys.argv[1])
session.run(show_progress=False)
state = session.brain.state_dict()
assert session.brain.hippocampus._n["n_cells"] == 16
digest = hashlib.sha256()
for key in sorted(state):
    digest.update(key.encode() + np.ascontiguousarray(state[key]).tobytes())
print(digest.hexdigest())
"""


@pytest.mark.slow
def test_a_run_is_the_same_on_an_emulated_other_cpu(tmp_path):
    def run(name: str, extra: dict[str, str]) -> str:
        env = {**os.environ, **extra}
        out = subprocess.run([sys.executable, "-c", RUN, str(tmp_path / name)], env=env,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.strip().splitlines()[-1]

    assert run("native", {}) == run("other", OTHER_CPU)


PINNED = """
import numpy as np
import littlebrain  # pins the target before anything compiles
from littlebrain.regions._hippocampus_kernels import row_sqnorms
from numba.core.registry import cpu_target
row_sqnorms(np.ones((2, 3), dtype=np.float32))
codegen = cpu_target.target_context.codegen()
print(codegen._get_host_cpu_name(), repr(codegen._tm_features))
"""


def test_kernels_compile_for_one_target_on_every_avx2_cpu_unless_the_user_chose_one():
    """The distances' order of sums follows the vector width of the compile target, so every
    AVX2 + FMA CPU compiles for Haswell (littlebrain._numba_target): an AVX-512 host and an
    AVX2 host then run the same machine code. A target set by the user is kept."""
    from llvmlite import binding

    features = binding.get_host_cpu_features()
    if platform.machine() != "x86_64" or not (features.get("avx2") and features.get("fma")):
        pytest.skip("the target is pinned on x86-64 CPUs with AVX2 and FMA only")

    def compiled_for(extra: dict[str, str]) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CPU")}
        out = subprocess.run([sys.executable, "-c", PINNED], env={**env, **extra},
                             capture_output=True, text=True, timeout=300)  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.strip().splitlines()[-1]

    assert compiled_for({}) == "haswell ''"
    assert compiled_for({"NUMBA_CPU_NAME": "sandybridge", "NUMBA_CPU_FEATURES": ""}) == (
        "sandybridge ''"
    )
