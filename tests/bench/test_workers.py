"""The suites' worker pool: a terminated sweep leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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
