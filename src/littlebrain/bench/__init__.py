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
from pathlib import Path
from typing import TypeVar

from littlebrain.errors import LittlebrainError

Job = TypeVar("Job")


class SweepError(LittlebrainError):
    """Some runs of a sweep failed (the others finished)."""


def run_in_workers(
    jobs: list[Job],
    finished: Callable[[Job], bool],
    run_job: Callable[[Job], tuple[Job, str]],
    describe: Callable[[Job, str], str],
    workers: int,
    runs: Path | None = None,
) -> None:
    """Run the unfinished jobs, each in a fresh process (so each run's peak memory is its own),
    at most `workers` at a time, printing `describe(job, what was done)` as each ends.

    A job that raises, or whose process dies (killed, out of memory), is reported and appended
    with its traceback to `failures.log` in the folder of the runs (`runs`), and the others go
    on; SweepError names the failures at the end. Killed itself (even by SIGKILL), the sweep
    takes its workers with it: on the next sweep finished runs are skipped and unfinished ones
    resume from their folders."""
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
    failure_log = runs / "failures.log" if runs is not None else None
    pending, running, failures = list(todo), {}, []
    # A terminated sweep must take its workers with it: left running, they would go on writing
    # run folders that the next sweep resumes.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        while pending or running:
            while pending and len(running) < workers:
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
                done = len(todo) - len(pending) - len(running)
                if outcome is not None and outcome[0] == "ok":
                    console.print(f"[{done}/{len(todo)}] {describe(job, outcome[1])}")
                    continue
                if outcome is None:
                    code = process.exitcode
                    why = f"its process died ({_exit_reason(code)})"
                    detail = why
                else:
                    why, detail = outcome[1], outcome[2]
                failures.append((job, why))
                console.print(f"[{done}/{len(todo)}] FAILED {job}: {why}", markup=False)
                if failure_log is not None:
                    failure_log.parent.mkdir(parents=True, exist_ok=True)
                    with open(failure_log, "a", encoding="utf-8") as file:
                        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                        file.write(f"--- {stamp} {job}\n{detail}\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process, _, _ in running.values():
            process.kill()
            process.join()
    if failures:
        where = f" (tracebacks in {failure_log})" if failure_log is not None else ""
        raise SweepError(
            f"{len(failures)} of {len(todo)} runs failed{where}, first {failures[0][0]}: "
            f"{failures[0][1]}; the other runs finished, and a new sweep retries the failed ones"
        )


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
