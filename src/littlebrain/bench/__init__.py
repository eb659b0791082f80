"""Benchmark suites: many seeds (and games), resumable, aggregated into results/<suite>/."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from littlebrain.errors import LittlebrainError

Job = TypeVar("Job")


class SweepError(LittlebrainError):
    """Some runs of a sweep failed (the others finished)."""


@dataclass(frozen=True)
class Workers:
    """Where a sweep's runs go: `count` local processes at a time ("local"), or a Ray cluster
    ("ray": `address` of a running cluster, or None for a Ray instance started on this machine
    with `count` CPUs). On a cluster, the folder of the runs must be on a filesystem every node
    shares: the runs write their folders there, and a new sweep reads them to resume."""

    count: int = 2
    backend: str = "local"
    address: str | None = None

    def __post_init__(self) -> None:
        if self.backend not in ("local", "ray"):
            raise LittlebrainError(f"unknown backend {self.backend!r} (local or ray)")
        if self.address is not None and self.backend != "ray":
            raise LittlebrainError("--address applies to the ray backend only")


def run_in_workers(
    jobs: list[Job],
    finished: Callable[[Job], bool],
    run_job: Callable[[Job], tuple[Job, str]],
    describe: Callable[[Job, str], str],
    workers: int | Workers,
    runs: Path | None = None,
) -> None:
    """Run the unfinished jobs, each in a fresh process (so each run's peak memory is its own),
    at most `workers` at a time (locally, or on Ray: `Workers`), printing
    `describe(job, what was done)` as each ends.

    A job that raises, or whose process dies (killed, out of memory), is reported and appended
    with its traceback to `failures.log` in the folder of the runs (`runs`), and the others go
    on; SweepError names the failures at the end. Killed itself (even by SIGKILL), a local
    sweep takes its workers with it: on the next sweep finished runs are skipped and unfinished
    ones resume from their folders."""
    from rich.console import Console

    if isinstance(workers, int):
        workers = Workers(workers)
    console = Console()
    todo = [job for job in jobs if not finished(job)]
    where = (
        f"{workers.count} worker(s)"
        if workers.backend == "local"
        else (
            f"Ray at {workers.address}"
            if workers.address
            else f"a local Ray with {workers.count} CPUs"
        )
    )
    console.print(
        f"{len(jobs)} runs planned, {len(jobs) - len(todo)} already finished, "
        f"{len(todo)} to run with {where}"
    )
    if not todo:
        return
    failure_log = runs / "failures.log" if runs is not None else None
    failures: list[tuple[Any, str]] = []
    ended_count = 0

    def ended(job: Any, outcome: tuple | None, why_died: str = "") -> None:
        nonlocal ended_count
        ended_count += 1
        done = ended_count
        if outcome is not None and outcome[0] == "ok":
            console.print(f"[{done}/{len(todo)}] {describe(job, outcome[1])}")
            return
        why, detail = (why_died, why_died) if outcome is None else (outcome[1], outcome[2])
        failures.append((job, why))
        console.print(f"[{done}/{len(todo)}] FAILED {job}: {why}", markup=False)
        if failure_log is not None:
            failure_log.parent.mkdir(parents=True, exist_ok=True)
            with open(failure_log, "a", encoding="utf-8") as file:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                file.write(f"--- {stamp} {job}\n{detail}\n")

    if workers.backend == "ray":
        _run_on_ray(todo, run_job, workers, ended)
    else:
        _run_locally(todo, run_job, workers.count, ended)
    if failures:
        where = f" (tracebacks in {failure_log})" if failure_log is not None else ""
        raise SweepError(
            f"{len(failures)} of {len(todo)} runs failed{where}, first {failures[0][0]}: "
            f"{failures[0][1]}; the other runs finished, and a new sweep retries the failed ones"
        )


def _run_locally(todo: list, run_job: Callable, count: int, ended: Callable) -> None:
    """Each job in a fresh spawned process, `count` at a time."""
    context = multiprocessing.get_context("spawn")
    pending, running = list(todo), {}
    # A terminated sweep must take its workers with it: left running, they would go on writing
    # run folders that the next sweep resumes.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        while pending or running:
            while pending and len(running) < count:
                job = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(
                    target=_work, args=(run_job, job, send, os.getpid()), daemon=True
                )
                process.start()
                send.close()
                running[process.sentinel] = (process, receive, job)
            for sentinel in multiprocessing.connection.wait(list(running)):
                process, receive, job = running.pop(sentinel)
                process.join()
                try:  # nothing was sent where the process died
                    outcome = receive.recv() if receive.poll() else None
                except EOFError:
                    outcome = None
                receive.close()
                ended(job, outcome, f"its process died ({_exit_reason(process.exitcode)})")
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process, _, _ in running.values():
            process.kill()
            process.join()


def _run_on_ray(todo: list, run_job: Callable, workers: Workers, ended: Callable) -> None:
    """Each job as a Ray task in a fresh worker process (max_calls=1)."""
    try:
        import ray
    except ImportError:
        raise LittlebrainError(
            "the ray backend needs Ray: pip install 'littlebrain[ray]'"
        ) from None
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "configure_logging": False}  # fmt: skip
        if workers.address:
            ray.init(address=workers.address, **options)
        else:
            ray.init(num_cpus=workers.count, **options)
    task = ray.remote(num_cpus=1, max_calls=1, max_retries=0)(_ray_work)
    refs = {task.remote(run_job, job): job for job in todo}
    try:
        while refs:
            [ref], _ = ray.wait(list(refs), num_returns=1)
            job = refs.pop(ref)
            try:
                outcome = ray.get(ref)
            except Exception as error:  # noqa: BLE001 - a worker that died: Ray says how
                reason = f"{type(error).__name__}: {error}".splitlines()[0]
                ended(job, None, f"its Ray worker died ({reason})")
            else:
                ended(job, outcome)
    finally:
        for ref in refs:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()


def _ray_work(run_job: Callable, job: object) -> tuple:
    """A Ray task: ("ok", what was done) or ("failed", one line, the traceback)."""
    try:
        _, done = run_job(job)
    except BaseException as error:  # noqa: BLE001 - whatever it was, the driver reports it
        line = f"{type(error).__name__}: {error}".splitlines()[0]
        return ("failed", line, traceback.format_exc())
    return ("ok", done)


def _work(run_job: Callable, job: object, send: object, parent: int) -> None:
    """A worker: run one job and send the parent ("ok", what was done) or ("failed", one line,
    the traceback)."""
    _die_with_parent(parent)
    try:
        _, done = run_job(job)
    except BaseException as error:  # noqa: BLE001 - whatever it was, the parent reports it
        line = f"{type(error).__name__}: {error}".splitlines()[0]
        send.send(("failed", line, traceback.format_exc()))
    else:
        send.send(("ok", done))
    send.close()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the sweep dies, even of SIGKILL (prctl
    PR_SET_PDEATHSIG); elsewhere a killed sweep's workers finish their run on their own."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            return
    if os.getppid() != parent:  # the sweep died before the request was made
        os._exit(1)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def keep_only(folder: Path, names: set[str], pattern: str = "*") -> None:
    """Delete the files in `folder` matching `pattern` whose names are not in `names`: a
    report's raw/ must hold the runs of its table and nothing else, or its data would
    mislead."""
    for path in folder.glob(pattern):
        if path.name not in names:
            path.unlink()
