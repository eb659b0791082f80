"""Benchmark suites: many seeds (and games), resumable, aggregated into results/<suite>/."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Job = TypeVar("Job")


def run_in_workers(
    jobs: list[Job],
    finished: Callable[[Job], bool],
    run_job: Callable[[Job], tuple[Job, str]],
    describe: Callable[[Job, str], str],
    workers: int,
) -> None:
    """Run the unfinished jobs in `workers` fresh processes (one per job, so each run's peak
    memory is its own), printing `describe(job, what was done)` as each ends."""
    from rich.console import Console

    console = Console()
    todo = [job for job in jobs if not finished(job)]
    console.print(
        f"{len(jobs)} runs planned, {len(jobs) - len(todo)} already finished, "
        f"{len(todo)} to run with {workers} worker(s)"
    )
    if not todo:
        return
    context = multiprocessing.get_context("spawn")
    # A terminated sweep must take its workers with it (the pool's exit terminates them): left
    # running, they would go on writing run folders that the next sweep resumes.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with context.Pool(workers, maxtasksperchild=1) as pool:
            for n, (job, done) in enumerate(pool.imap_unordered(run_job, todo), start=1):
                console.print(f"[{n}/{len(todo)}] {describe(job, done)}")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def keep_only(folder: Path, names: set[str], pattern: str = "*") -> None:
    """Delete the files in `folder` matching `pattern` whose names are not in `names`: a
    report's raw/ must hold the runs of its table and nothing else, or its data would
    mislead."""
    for path in folder.glob(pattern):
        if path.name not in names:
            path.unlink()
