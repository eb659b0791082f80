"""A long run of the default brain through the real run machinery: does it stay healthy?

Runs the Session behind `littlebrain run` (metrics, checkpoints, resumable) in one world for
`--steps` steps. At every checkpoint (every `--every` steps) it records: the CPU seconds and
the steps per CPU-second since the previous record, the process's resident memory (now, not
its peak), the size on disk of the checkpoint just written, the hippocampus's memories, the
mean score of the last 100 episodes, and whether every region's state still passes the checks
a checkpoint must pass to load (finite values, indices and counters in range). Killed, it
continues from the run folder: rows recorded after the last checkpoint are dropped and
recorded again. Usage:

    python benchmarks/soak.py --env atari --env-arg game=Pong --steps 1000000 \
        --run runs/soak/atari-pong --out results/soak/atari-pong.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from littlebrain.brain import region_state
from littlebrain.cli import _env_arg
from littlebrain.config import RunConfig
from littlebrain.runs import Session


def resident_mb() -> float:
    """Current resident set size of this process (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def state_passes_checks(session: Session) -> bool:
    state = session.brain.state_dict()
    try:
        for name, region in session.brain.regions.items():
            region.check_state(region_state(state, name))
    except ValueError:
        return False
    return True


class SoakSession(Session):
    """A Session that records the run's health each time it writes a checkpoint."""

    def checkpoint(self, wall_seconds: float, cpu_seconds: float) -> None:
        super().checkpoint(wall_seconds, cpu_seconds)
        log = self.folder.path / "soak.jsonl"
        rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        rows = [row for row in rows if row["step"] < self.loop.step_count]
        previous = rows[-1] if rows else {"step": 0, "cpu_seconds": 0.0}
        newest = self.folder.checkpoints()[-1]
        scores = self.folder.read_metrics()["score"][-100:]
        hippocampus = getattr(self.brain, "hippocampus", None)
        rows.append(
            {
                "step": self.loop.step_count,
                "episodes": self.loop.episode,
                "cpu_seconds": cpu_seconds,
                "steps_per_cpu_second": (self.loop.step_count - previous["step"])
                / max(cpu_seconds - previous["cpu_seconds"], 1e-9),
                "resident_mb": resident_mb(),
                "checkpoint_mb": sum(f.stat().st_size for f in newest.iterdir()) / 2**20,
                "memories": hippocampus.size if hippocampus is not None else None,
                "mean_score_last_100": float(np.mean(scores)) if len(scores) else None,
                "state_passes_checks": state_passes_checks(self),
            }
        )
        log.write_text("".join(json.dumps(row) + "\n" for row in rows))
        print(json.dumps(rows[-1]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="atari")
    parser.add_argument("--env-arg", type=_env_arg, action="append", default=[])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run", type=Path, required=True, help="the run folder (resumable)")
    parser.add_argument("--out", type=Path, required=True, help="the result file (JSON)")
    args = parser.parse_args()
    command = "python benchmarks/soak.py " + " ".join(
        f"{k}={v}" for k, v in vars(args).items() if k != "env_arg"
    )
    if (args.run / "config.json").exists():
        session = SoakSession.resume(args.run, command=command)
    else:
        config = RunConfig(
            env=args.env,
            env_kwargs=dict(args.env_arg),
            steps=args.steps,
            seed=args.seed,
            checkpoint_every=args.every,
            keep_checkpoints=1,
        )
        session = SoakSession.start(config, args.run, command)
    started = time.time()
    summary = session.run(show_progress=False)
    rows = [json.loads(line) for line in (args.run / "soak.jsonl").read_text().splitlines()]
    result = {
        "env": summary["env"],
        "env_kwargs": session.config.env_kwargs,
        "seed": args.seed,
        "steps": summary["steps"],
        "episodes": summary["episodes"],
        "cpu_seconds_total": summary["cpu_seconds_total"],
        "wall_seconds_this_sitting": time.time() - started,
        "records": rows,
        **session.provenance,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
