"""littlebrain compiles its kernels for one x86-64 target where the host allows it, so that a
seed gives the same run on AVX2 and AVX-512 machines (tests/regions/test_exact.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def numba_target(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CPU_NAME"} | extra
    code = "import littlebrain, numba; print(numba.config.CPU_NAME)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_kernels_compile_for_haswell_on_an_avx2_host_unless_told_otherwise():
    cpuinfo = Path("/proc/cpuinfo")
    flags = set()
    if cpuinfo.exists():
        line = next((s for s in cpuinfo.read_text().splitlines() if s.startswith("flags")), "")
        flags = set(line.split())
    expected = "haswell" if {"avx2", "fma"} <= flags else "None"
    assert numba_target({}) == expected
    assert numba_target({"NUMBA_CPU_NAME": "generic"}) == "generic"  # the user's choice stands
