"""Crafted run folders and checkpoints: refused with one line and exit code 2, nothing imported,
nothing allocated without bound, the process never crashes, the folder untouched.

A checkpoint's SHA-256 sits beside its data, so these tests rewrite it after each change: what
stops a crafted checkpoint is the regions' own checks (Region.check_state), not the checksum.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from littlebrain.checkpoint import load_checkpoint
from littlebrain.cli import main
from littlebrain.regions.hippocampus import _COUNTERS

from .test_errors import fails_cleanly, snapshot


@pytest.fixture(scope="module")
def run_template(tmp_path_factory):
    """A Snake run whose newest checkpoint is mid-episode, with memories in the IVF index."""
    run = tmp_path_factory.mktemp("template") / "run"
    argv = ["run", "snake", "--env-arg", "view=egocentric", "--steps", "6003", "--out", str(run)]
    assert main([*argv, "--checkpoint-every", "6003", "--quiet"]) == 0
    return run


@pytest.fixture
def run(run_template, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run_template, copy)
    return copy


def newest(run: Path) -> Path:
    return sorted((run / "checkpoints").glob("step-*"))[-1]


def rewrite(run: Path, change, meta_change=None) -> None:
    """Apply `change` to the newest checkpoint's arrays (and `meta_change` to its meta), then
    recompute the checksum, as an attacker would."""
    checkpoint = newest(run)
    arrays, meta = load_checkpoint(checkpoint)
    change(arrays)
    np.savez_compressed(checkpoint / "arrays.npz", **arrays)
    if meta_change is not None:
        meta_change(meta)
    meta["arrays_sha256"] = hashlib.sha256((checkpoint / "arrays.npz").read_bytes()).hexdigest()
    (checkpoint / "meta.json").write_text(json.dumps(meta))


def resume_fails(capsys, run: Path, *fragments: str) -> None:
    before = snapshot(run)
    fails_cleanly(capsys, ["resume", str(run), "--steps", "7000", "--quiet"], *fragments)
    assert snapshot(run) == before


def test_the_crafted_counter_that_used_to_segfault_exits_with_one_line(tmp_path, run):
    """The issue's case, in a real process: a hippocampus counter set to 10^7 (exit 139 before)."""

    def counter(arrays):
        arrays["hippocampus.counters"][_COUNTERS.index("size")] = 10**7

    rewrite(run, counter)
    before = snapshot(run)
    result = subprocess.run(
        [sys.executable, "-m", "littlebrain.cli", "resume", str(run), "--steps", "7000"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "capacity" in result.stderr
    assert snapshot(run) == before


def _set(name, index, value):
    def change(arrays):
        arrays[name][index] = value

    return change


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (_set("hippocampus.counters", _COUNTERS.index("traj_len"), 10**6), "traj_len"),
        (_set("hippocampus.counters", _COUNTERS.index("sorted_end"), 10**5), "sorted_end"),
        (_set("hippocampus.counters", _COUNTERS.index("clock"), -1), ">= 0"),
        (_set("hippocampus.counters", _COUNTERS.index("n_cells"), 7), "n_cells"),
        (_set("hippocampus.actions", 3, 99), "Hippocampus.actions"),
        (_set("hippocampus.trajectory", 0, 10**9), "Hippocampus.trajectory"),
        (_set("hippocampus.tags", (5, 0), 10**6), "Hippocampus.tags"),
        (_set("hippocampus.cell_of", 0, 10**4), "Hippocampus.cell_of"),
        (_set("hippocampus.keys", (0, 0), np.nan), "non-finite"),
        (_set("striatum.weights", (0, 0), np.inf), "non-finite"),
        (_set("predictor.pending_action", (), 9), "pending_action"),
        (_set("brain.exploration_rng", 4, 7), "RNG state"),
    ],
)
def test_out_of_range_state_is_refused_before_any_kernel_runs(capsys, run, change, fragment):
    rewrite(run, change)
    resume_fails(capsys, run, "does not fit the brain", fragment)


def test_wrong_dtypes_and_missing_or_extra_arrays_are_refused(capsys, run):
    def retype(arrays):
        arrays["hippocampus.actions"] = arrays["hippocampus.actions"].astype(np.int64)

    rewrite(run, retype)
    resume_fails(capsys, run, "Hippocampus.actions", "int64")

    def extra(arrays):
        arrays["hippocampus.actions"] = arrays["hippocampus.actions"].astype(np.int32)
        arrays["striatum.extra"] = np.zeros(3)

    rewrite(run, extra)
    resume_fails(capsys, run, "unexpected ['extra']")


@pytest.mark.parametrize(
    ("meta_change", "fragment"),
    [
        (lambda m: m.update(step=-4), "agent loop"),
        (lambda m: m.update(episode="many"), "agent loop"),
        (lambda m: m.update(feedback=float("nan")), "agent loop"),
        (lambda m: m.update(wall_seconds="soon"), "timings"),
    ],
)
def test_crafted_meta_is_refused(capsys, run, meta_change, fragment):
    rewrite(run, lambda arrays: None, meta_change)
    resume_fails(capsys, run, fragment)


def test_loop_actions_out_of_range_never_reach_the_world(capsys, run):
    def actions(arrays):
        arrays["loop.actions"] = np.full(len(arrays["loop.actions"]) + 1, 7, dtype=np.int64)

    rewrite(run, actions)
    resume_fails(capsys, run, "agent loop")


def _write_member(path: Path, name: str, header: bytes, data: bytes = b"") -> None:
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(name, header + data)


def _npy_header(shape: tuple[int, ...], descr: str) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("member", "fragment"),
    [
        # an array whose header promises 8 TB: refused from the header, nothing allocated
        (("huge.npy", (10**12,), "<f8"), "more than the brain's"),
        (("objects.npy", (3,), "|O"), "Python objects"),
    ],
)
def test_archives_that_would_allocate_without_bound_or_unpickle_are_refused(
    capsys, run, member, fragment
):
    checkpoint = newest(run)
    name, shape, descr = member
    arrays_path = checkpoint / "arrays.npz"
    _write_member(arrays_path, name, _npy_header(shape, descr))
    meta = json.loads((checkpoint / "meta.json").read_text())
    meta["arrays_sha256"] = hashlib.sha256(arrays_path.read_bytes()).hexdigest()
    (checkpoint / "meta.json").write_text(json.dumps(meta))
    resume_fails(capsys, run, "cannot be read", fragment)


def test_deeply_nested_json_is_refused(capsys, run):
    (newest(run) / "meta.json").write_text("[" * 100_000 + "]" * 100_000)
    resume_fails(capsys, run, "nested too deeply")


def test_a_run_folder_never_makes_littlebrain_import_a_module(capsys, run, tmp_path):
    """`gym.make("this:X-v0")` imports `this`; a config.json naming it is refused unless the
    user names the world on the command line."""
    module = tmp_path / "planted_module.py"
    marker = tmp_path / "imported"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n")
    saved = json.loads((run / "config.json").read_text())
    saved["config"]["env"] = "planted_module:X-v0"
    (run / "config.json").write_text(json.dumps(saved))
    sys.path.insert(0, str(tmp_path))
    try:
        resume_fails(capsys, run, "planted_module:X-v0", "--env")
        saved["config"]["env"] = "this:X-v0"
        (run / "config.json").write_text(json.dumps(saved))
        resume_fails(capsys, run, "this:X-v0", "would be imported")
        saved["config"]["env"] = "Unregistered-v0"
        (run / "config.json").write_text(json.dumps(saved))
        resume_fails(capsys, run, "not registered")
    finally:
        sys.path.remove(str(tmp_path))
    assert not marker.exists()
    assert "this" not in sys.modules and "planted_module" not in sys.modules


def test_deeply_nested_config_files_are_refused(capsys, tmp_path):
    config = tmp_path / "deep.json"
    config.write_text("[" * 100_000 + "]" * 100_000)
    fails_cleanly(capsys, ["run", "snake", "--config", str(config)], "nested too deeply")


def test_analyze_refuses_a_crafted_activity_file(capsys, tmp_path):
    np.savez(tmp_path / "activity.npz", events=np.zeros(3), rates=np.full((3, 2), np.nan))
    fails_cleanly(capsys, ["analyze", str(tmp_path)], "activity.npz", "finite")
    (tmp_path / "activity.npz").write_bytes(b"PK\x03\x04 not a zip")
    fails_cleanly(capsys, ["analyze", str(tmp_path)], "unreadable")
