"""How far one seed drifts when the arithmetic is done as another CPU would do it.

Another machine may run NumPy's and OpenBLAS's kernels for another instruction set (AVX2 where
this one has AVX-512, or older), and Numba compiles its kernels for the CPU it runs on. Each
reorders sums of floating-point numbers differently, and a brain's learning can amplify a last-bit
difference into another run. This emulates those machines on this one, by the libraries' own
switches, and compares each run with the native one:

    native                 this CPU as it is
    openblas-haswell       OPENBLAS_CORETYPE=Haswell (OpenBLAS's AVX2 kernels)
    openblas-sandybridge   OPENBLAS_CORETYPE=Sandybridge (AVX)
    numpy-no-avx512        NPY_DISABLE_CPU_FEATURES=AVX512 family (NumPy's AVX2 loops)
    numba-haswell          NUMBA_CPU_NAME=haswell (Numba's kernels compiled for AVX2)
    numba-sandybridge      NUMBA_CPU_NAME=sandybridge (AVX, no FMA)
    (each Numba target with its own features, NUMBA_CPU_FEATURES="": left unset, Numba keeps
    the host's under the other CPU's tuning, which no machine runs; cpu_drift.json's rows
    before session 14 were measured that way)
    haswell                all three as a Haswell machine would
    sandybridge            all three as a Sandy Bridge machine would (AVX, no AVX2, no FMA)

    python benchmarks/cpu_drift.py --steps 50000 --seeds 0 1 --out results/snake/cpu_drift.json

For each: the first episode whose score differs from the native run's (none: bit for bit the
same run), and the mean score of the last 100 episodes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from littlebrain.runs import cpu_model

NO_AVX512 = (
    "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
)
SETTINGS: dict[str, dict[str, str]] = {
    "native": {},
    "openblas-haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "openblas-sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "numpy-no-avx512": {"NPY_DISABLE_CPU_FEATURES": NO_AVX512},
    "numba-haswell": {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ""},
    "numba-sandybridge": {"NUMBA_CPU_NAME": "sandybridge", "NUMBA_CPU_FEATURES": ""},
    "haswell": {
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": NO_AVX512,
        "NUMBA_CPU_NAME": "haswell",
        "NUMBA_CPU_FEATURES": "",
    },
    "sandybridge": {
        "OPENBLAS_CORETYPE": "Sandybridge",
        "NPY_DISABLE_CPU_FEATURES": f"{NO_AVX512} AVX2 FMA3",
        "NUMBA_CPU_NAME": "sandybridge",
        "NUMBA_CPU_FEATURES": "",
    },
}


def run(setting: str, seed: int, steps: int, folder: Path) -> list[float]:
    env = {**os.environ, **SETTINGS[setting]}
    out = folder / f"{setting}-seed{seed}"
    command = [sys.executable, "-m", "littlebrain.cli", "run", "snake", "--env-arg",
               "view=egocentric", "--steps", str(steps), "--seed", str(seed),
               "--checkpoint-every", str(steps), "--quiet", "--out", str(out)]  # fmt: skip
    subprocess.run(command, env=env, check=True)
    with open(out / "metrics.csv", newline="") as file:
        return [float(row["score"]) for row in csv.DictReader(file)]


def first_difference(a: list[float], b: list[float]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            native = run("native", seed, args.steps, Path(tmp))
            for setting in args.settings:
                scores = (
                    native if setting == "native" else run(setting, seed, args.steps, Path(tmp))
                )
                row = {
                    "setting": setting,
                    "seed": seed,
                    "episodes": len(scores),
                    "first_different_episode": first_difference(scores, native),
                    "mean_last_100": round(sum(scores[-100:]) / len(scores[-100:]), 2),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.out:
        facts = {
            "command": " ".join(sys.argv),
            "steps": args.steps,
            "machine": platform.processor() or platform.machine(),
            "cpu": cpu_model() or platform.processor(),
            "rows": rows,
        }
        args.out.write_text(json.dumps(facts, indent=1) + "\n")


if __name__ == "__main__":
    main()
