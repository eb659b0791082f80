"""Run folders: what they hold, bit-exact resume, and crash recovery."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np

from littlebrain.checkpoint import load_checkpoint
from littlebrain.cli import main


def metric_rows(run: Path) -> list[list[str]]:
    """metrics.csv without the wall-clock column, which is the only thing allowed to differ."""
    with open(run / "metrics.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["step", "episode", "score", "length", "return", "wall_seconds"]
    return [row[:-1] for row in rows]


def last_checkpoint(run: Path) -> tuple[dict, dict]:
    return load_checkpoint(sorted((run / "checkpoints").glob("step-*"))[-1])


def test_run_folder_contents(tmp_path):
    run = tmp_path / "run"
    assert (
        main(
            ["run", "snake", "--steps", "3000", "--seed", "4", "--brain", "random"]
            + ["--out", str(run), "--quiet"]
        )
        == 0
    )
    for name in (
        "config.json",
        "metrics.csv",
        "summary.json",
        "learning_curve.png",
        "commands.txt",
    ):
        assert (run / name).is_file(), name
    saved = json.loads((run / "config.json").read_text())
    assert saved["config"]["seed"] == 4 and saved["config"]["steps"] == 3000
    assert saved["config"]["env"] == "snake" and "littlebrain_version" in saved
    assert "git_commit" in saved
    assert (run / "commands.txt").read_text().startswith("littlebrain run snake --steps 3000")
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 3000 and summary["finished"] and summary["learns"] is False
    assert "random-policy baseline" in summary["brain_description"]
    rows = metric_rows(run)[1:]
    assert len(rows) == summary["episodes"] > 50
    steps = [int(r[0]) for r in rows]
    assert steps == sorted(steps) and steps[-1] <= 3000
    assert sum(int(r[3]) for r in rows) == steps[-1]  # episode lengths add up to the steps
    arrays, meta = last_checkpoint(run)
    assert meta["step"] == 3000 and meta["brain"] == "random"
    assert all(a.dtype != object for a in arrays.values())
    assert (run / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_is_bit_exact(tmp_path):
    """`littlebrain run` uses the learning default brain; resumed, it goes on bit for bit."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert (
        main(["run", "snake", "--steps", "6000", "--seed", "1", "--out", str(straight), "--quiet"])
        == 0
    )
    assert (
        main(["run", "snake", "--steps", "3000", "--seed", "1", "--out", str(resumed), "--quiet"])
        == 0
    )
    arrays, _ = last_checkpoint(resumed)
    assert len(arrays["loop.actions"]) > 0, "the cut must fall inside an episode"
    assert any(k.startswith("hippocampus.") for k in arrays)
    assert main(["resume", str(resumed), "--steps", "6000", "--quiet"]) == 0
    assert metric_rows(resumed) == metric_rows(straight)
    a, meta_a = last_checkpoint(straight)
    b, meta_b = last_checkpoint(resumed)
    assert meta_a["brain"] == "default"
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    clocks = ("wall_seconds", "cpu_seconds")
    assert {k: v for k, v in meta_a.items() if k not in clocks} == {
        k: v for k, v in meta_b.items() if k not in clocks
    }
    assert json.loads((resumed / "config.json").read_text())["config"]["steps"] == 6000


def test_resume_after_a_crash_redoes_lost_episodes_identically(tmp_path):
    straight, crashed = tmp_path / "straight", tmp_path / "crashed"
    common = ["--seed", "2", "--checkpoint-every", "1000", "--quiet"]
    assert main(["run", "snake", "--steps", "5000", "--out", str(straight), *common]) == 0
    assert main(["run", "snake", "--steps", "3000", "--out", str(crashed), *common]) == 0
    # a crash just before the step-3000 checkpoint: it is missing, and a row is half written
    shutil.rmtree(crashed / "checkpoints" / f"step-{3000:012d}")
    with open(crashed / "metrics.csv", "a") as file:
        file.write("2999,9")
    assert main(["resume", str(crashed), "--steps", "5000", "--quiet"]) == 0
    assert metric_rows(crashed) == metric_rows(straight)
    kept = sorted(p.name for p in (crashed / "checkpoints").glob("step-*"))
    assert kept == [f"step-{4000:012d}", f"step-{5000:012d}"]  # keep_checkpoints = 2


def test_any_discrete_gymnasium_world_plugs_in(tmp_path):
    run = tmp_path / "cartpole"
    assert main(["run", "CartPole-v1", "--steps", "500", "--out", str(run), "--quiet"]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["env"] == "CartPole-v1" and summary["episodes"] > 5


def test_a_box_action_world_plugs_in_through_primitives(tmp_path):
    """Pendulum's torque in [-2, 2] is played as rest, -2 and +2."""
    run = tmp_path / "pendulum"
    assert main(["run", "Pendulum-v1", "--steps", "600", "--out", str(run), "--quiet"]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["env"] == "Pendulum-v1" and summary["episodes"] == 3
    wiring = json.loads((run / "config.json").read_text())["wiring"]
    assert wiring["hippocampus"]["n_actions"] == 3
