"""The suites' worker pool: a terminated or killed sweep leaves no worker behind, a failing run
is recorded while the others finish, and a killed sweep resumes where it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SWEEP = textwrap.dedent(
    """
    import os, sys, time
    from littlebrain.bench import run_in_workers

    def work(job):
        # a file, not a line on stdout: the sweep's own output could run into a printed line
        open(f"worker-{os.getpid()}", "w").close()
        time.sleep(120)
        return job, "done"

    if __name__ == "__main__":
        run_in_workers([1, 2], lambda job: False, work, lambda job, done: done, 2)
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def test_a_terminated_sweep_takes_its_workers_with_it(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    sweep = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2:
        assert sweep.poll() is None, "the sweep ended before its workers started"
        assert time.monotonic() < deadline, "the workers did not start within a minute"
        time.sleep(0.1)
        workers = [int(path.name.split("-")[1]) for path in tmp_path.glob("worker-*")]
    sweep.send_signal(signal.SIGTERM)
    assert sweep.wait(timeout=30) != 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


FLAKY_SWEEP = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from littlebrain.bench import SweepError, run_in_workers

    def work(job):
        if job == "raises":
            raise RuntimeError("a bug in one run")
        if job == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        Path(f"done-{job}").touch()
        return job, "ran"

    if __name__ == "__main__":
        jobs = ["a", "raises", "b", "killed", "c"]
        try:
            run_in_workers(jobs, lambda job: False, work, lambda job, done: done, 2, Path("."))
        except SweepError as error:
            print("SweepError:", error)
            sys.exit(2)
    """
)


def test_a_failing_job_is_recorded_and_the_sweep_carries_on(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(FLAKY_SWEEP)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert sorted(p.name for p in tmp_path.glob("done-*")) == ["done-a", "done-b", "done-c"]
    assert "2 of 5 runs failed" in result.stdout
    log = (tmp_path / "failures.log").read_text()
    assert "RuntimeError: a bug in one run" in log and "Traceback" in log
    assert "killed by SIGKILL" in log


def test_a_sweep_killed_with_sigkill_resumes_without_redoing_finished_runs(tmp_path):
    """kill -9 of the sweep mid-run: its worker dies with it; the next sweep skips the finished
    run and resumes the killed one, which ends exactly as an uninterrupted run."""
    root, other = tmp_path / "runs", tmp_path / "uninterrupted"

    def sweep(runs: Path) -> list[str]:
        return [
            sys.executable, "-m", "littlebrain.cli", "bench", "snake", "--methods",
            "littlebrain-egocentric", "--seeds", "2", "--steps", "4000", "--workers", "1",
            "--runs", str(runs), "--out", str(tmp_path / f"report-{runs.name}"),
        ]  # fmt: skip

    killed = subprocess.Popen(sweep(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seed1 = root / "littlebrain-egocentric-4000" / "seed1"
    deadline = time.monotonic() + 240
    while not list((seed1 / "checkpoints").glob("step-*")):
        assert killed.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    killed.kill()
    killed.wait(timeout=30)
    time.sleep(1.0)  # the worker got SIGKILL from the kernel with its parent
    seed0 = root / "littlebrain-egocentric-4000" / "seed0"
    finished_before = snapshot_files(seed0)
    steps_at_kill = snapshot_files(seed1)
    assert not (seed1 / "summary.json").exists()
    time.sleep(1.0)
    assert snapshot_files(seed1) == steps_at_kill, "the killed sweep's worker went on running"

    subprocess.run(sweep(root), check=True, capture_output=True, timeout=300)
    assert snapshot_files(seed0) == finished_before  # not redone
    assert (
        "resume" in (seed1 / "commands.txt").read_text()
        or len((seed1 / "commands.txt").read_text().splitlines()) == 2
    )
    subprocess.run(sweep(other), check=True, capture_output=True, timeout=300)
    reference = other / "littlebrain-egocentric-4000" / "seed1"
    assert metrics_without_time(seed1) == metrics_without_time(reference)


def snapshot_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def metrics_without_time(run: Path) -> list[list[str]]:
    rows = [line.split(",") for line in (run / "metrics.csv").read_text().splitlines()]
    return [row[:-1] for row in rows]


RAY_SWEEP = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from littlebrain.bench import SweepError, Workers, run_in_workers

    ROOT = Path(sys.argv[1])

    def work(job):
        if job == "raises":
            raise RuntimeError("a bug in one run")
        if job == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        (ROOT / f"done-{job}").write_text(str(os.getpid()))
        return job, "ran"

    if __name__ == "__main__":
        jobs = ["a", "raises", "b", "killed", "c"]
        try:
            run_in_workers(jobs, lambda job: False, work, lambda job, done: done,
                           Workers(2, "ray"), ROOT)
        except SweepError as error:
            print("SweepError:", error)
            sys.exit(2)
    """
)


def test_a_ray_sweep_records_failed_runs_and_finishes_the_others(tmp_path):
    pytest.importorskip("ray")
    script = tmp_path / "sweep.py"
    script.write_text(RAY_SWEEP)
    sweep = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert sweep.returncode == 2, sweep.stderr[-2000:]
    assert "2 of 5 runs failed" in sweep.stdout
    assert sorted(p.name for p in tmp_path.glob("done-*")) == ["done-a", "done-b", "done-c"]
    # each run in a fresh worker process
    assert len({p.read_text() for p in tmp_path.glob("done-*")}) == 3
    log = (tmp_path / "failures.log").read_text()
    assert "RuntimeError: a bug in one run" in log and " killed\n" in log
    assert "its Ray worker died" in log


def test_the_snake_suite_runs_on_a_local_ray(tmp_path):
    pytest.importorskip("ray")
    from littlebrain.cli import main

    runs, out = tmp_path / "runs", tmp_path / "out"
    args = ["bench", "snake", "--backend", "ray", "--seeds", "2", "--steps", "2000",
            "--runs", str(runs), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    assert len(list(runs.glob("*/seed*/summary.json"))) >= 4
    assert (out / "README.md").is_file()
    # an address without the ray backend
    assert main(["bench", "snake", "--address", "x:1", "--runs", str(runs), "--report"]) == 2
