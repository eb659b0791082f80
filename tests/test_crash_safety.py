"""kill -9 at any moment: `littlebrain run` killed during a step, a checkpoint write, a pruning
of old checkpoints or a metrics append, then resumed, ends exactly as an uninterrupted run
(metrics, probes, every state array, the loop's state).

The moments are made certain by a driver that runs the real command line in a fresh process
and sends itself SIGKILL from inside the chosen operation; a last test kills the real command
at random times, four times over, then lets the resumed run complete.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from littlebrain.checkpoint import load_checkpoint
from littlebrain.cli import main

SNAKE = ["run", "snake", "--env-arg", "view=egocentric", "--quiet"]
RUN = [*SNAKE, "--steps", "3000", "--checkpoint-every", "500"]

DRIVER = textwrap.dedent(
    """
    import os, signal, sys
    from littlebrain import checkpoint, loop, runs

    moment, nth = sys.argv[1], int(sys.argv[2])
    calls = 0

    def reached():
        global calls
        calls += 1
        return calls == nth

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if moment == "step":
        advance = loop.AgentLoop.advance

        def advance_then_die(self):
            record = advance(self)
            if reached():
                die()
            return record

        loop.AgentLoop.advance = advance_then_die
    elif moment == "checkpoint-write":  # the arrays are on disk, their meta is not
        fsync = checkpoint._fsync

        def fsync_then_die(path):
            fsync(path)
            if path.name == "arrays.npz" and reached():
                die()

        checkpoint._fsync = fsync_then_die
    elif moment == "checkpoint-prune":  # the new checkpoint in place, an old one half deleted
        rmtree = runs.shutil.rmtree

        def half_rmtree(path, *args, **kwargs):
            if path.name.startswith("step-") and reached():
                (path / "arrays.npz").unlink()
                die()
            rmtree(path, *args, **kwargs)

        runs.shutil.rmtree = half_rmtree
    elif moment == "metrics-append":  # half a row written
        append = runs.RunFolder.append_metrics

        def half_append(self, record, wall_seconds):
            if reached():
                with open(self.metrics_path, "a") as file:
                    file.write(f"{record.step},{record.episode},1")
                die()
            append(self, record, wall_seconds)

        runs.RunFolder.append_metrics = half_append
    from littlebrain.cli import main

    sys.exit(main(sys.argv[3:]))
    """
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("reference") / "run"
    assert main([*RUN, "--out", str(run)]) == 0
    return run


LONG_RUN = [*SNAKE, "--steps", "12000", "--checkpoint-every", "500"]
KILLS = 4  # then it is left to finish, so the test takes the same time on a slow machine


def outcome(run: Path) -> tuple[list[list[str]], dict[str, np.ndarray], dict]:
    """What a run ended with: its metrics but for the wall-clock column, its probes, its final
    state, and its final checkpoint's meta but for the timings."""
    rows = [line.split(",")[:-1] for line in (run / "metrics.csv").read_text().splitlines()]
    rows += [line.split(",") for line in (run / "probes.csv").read_text().splitlines()]
    arrays, meta = load_checkpoint(sorted((run / "checkpoints").glob("step-*"))[-1])
    meta = {k: v for k, v in meta.items() if k not in ("wall_seconds", "cpu_seconds")}
    meta.pop("arrays_sha256")  # compression may order bytes alike or not; the arrays decide
    return rows, arrays, meta


def assert_same_run(run: Path, reference: Path) -> None:
    rows, arrays, meta = outcome(run)
    ref_rows, ref_arrays, ref_meta = outcome(reference)
    assert rows == ref_rows
    assert meta == ref_meta
    assert arrays.keys() == ref_arrays.keys()
    for key in arrays:
        assert np.array_equal(arrays[key], ref_arrays[key]), key


@pytest.mark.parametrize(
    ("moment", "nth"),
    [
        ("step", 1234),
        ("checkpoint-write", 3),
        ("checkpoint-prune", 2),
        ("metrics-append", 20),
    ],
)
def test_a_run_killed_at_any_moment_resumes_to_the_same_end(tmp_path, reference, moment, nth):
    run, driver = tmp_path / "run", tmp_path / "driver.py"
    driver.write_text(DRIVER)
    killed = subprocess.run(
        [sys.executable, str(driver), moment, str(nth), *RUN, "--out", str(run)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr  # it died where it was meant to
    assert main(["resume", str(run), "--quiet"]) == 0
    assert_same_run(run, reference)


@pytest.mark.slow
def test_a_run_killed_at_random_times_then_left_to_finish_ends_the_same(tmp_path):
    run, reference = tmp_path / "run", tmp_path / "reference"
    assert main([*LONG_RUN, "--out", str(reference)]) == 0
    command = [sys.executable, "-m", "littlebrain.cli"]
    delays = random.Random(0)
    process = subprocess.Popen([*command, *LONG_RUN, "--out", str(run)])
    kills = 0
    while True:
        try:
            returncode = process.wait(timeout=delays.uniform(2.0, 5.0) if kills < KILLS else 300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            kills += 1
            time.sleep(0.1)
            if not (run / "config.json").exists():  # killed before the folder was in place
                assert not run.exists()
                process = subprocess.Popen([*command, *LONG_RUN, "--out", str(run)])
            else:
                process = subprocess.Popen([*command, "resume", str(run), "--quiet"])
            continue
        assert returncode == 0
        break
    assert kills >= 1, "the run ended before it could be killed: make it longer"
    assert_same_run(run, reference)
