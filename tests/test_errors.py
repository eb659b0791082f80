"""User mistakes: one clear line, a non-zero exit, no traceback, nothing damaged."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from littlebrain.cli import main


class NaNWorld(gym.Env):
    """A world whose third observation is NaN."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(4, np.float32), {}

    def step(self, action):
        self.t += 1
        obs = np.full(4, np.nan if self.t == 2 else 0.0, np.float32)
        return obs, 0.0, False, self.t >= 10, {}


class WrongShapeWorld(NaNWorld):
    def step(self, action):
        return np.zeros(5, np.float32), 0.0, False, False, {}


class SwitchboardWorld(NaNWorld):
    """A world whose action is a set of switches (MultiBinary): neither Discrete nor Box."""

    action_space = gym.spaces.MultiBinary(3)


gym.register("littlebrain-test/NaNWorld-v0", entry_point=NaNWorld, disable_env_checker=True)
gym.register(
    "littlebrain-test/WrongShape-v0", entry_point=WrongShapeWorld, disable_env_checker=True
)
gym.register(
    "littlebrain-test/Switchboard-v0", entry_point=SwitchboardWorld, disable_env_checker=True
)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def fails_cleanly(capsys, argv: list[str], *fragments: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("littlebrain: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def finished_run(tmp_path):
    run = tmp_path / "run"
    assert main(["run", "snake", "--steps", "2000", "--out", str(run), "--quiet"]) == 0
    return run


def test_unknown_environment(capsys, tmp_path):
    fails_cleanly(
        capsys,
        ["run", "NoSuchWorld-v9", "--out", str(tmp_path / "r")],
        "unknown environment",
        "NoSuchWorld-v9",
    )
    assert not (tmp_path / "r").exists()


def test_action_spaces_other_than_discrete_or_box_are_refused_clearly(capsys, tmp_path):
    """Box worlds are played through primitives (tests/test_runs.py); a MultiBinary one is not."""
    run = ["run", "littlebrain-test/Switchboard-v0", "--out", str(tmp_path / "r"), "--quiet"]
    fails_cleanly(capsys, run, "Discrete", "MultiBinary")


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"steps": -5}, "steps"),
        ({"stepz": 5}, "unknown setting config.stepz"),
        ({"seed": "zero"}, "config.seed"),
        ({"brain": "nobrain"}, "unknown brain"),
        ({"env_kwargs": {"size": 2}}, "size"),
        ({"brain_config": {"x": 1}}, "brain_config.x"),
        ({"checkpoint_every": 0}, "checkpoint_every"),
    ],
)
def test_invalid_config_values(capsys, tmp_path, settings, fragment):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(settings))
    fails_cleanly(
        capsys, ["run", "snake", "--config", str(config), "--out", str(tmp_path / "r")], fragment
    )
    assert not (tmp_path / "r").exists()


def test_unreadable_config_files(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{steps: 5")
    fails_cleanly(capsys, ["run", "snake", "--config", str(broken)], "cannot read config file")
    fails_cleanly(
        capsys, ["run", "snake", "--config", str(tmp_path / "none.toml")], "does not exist"
    )


def test_toml_config_is_read(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("steps = 700\nseed = 3\n[env_kwargs]\nsize = 8\n")
    run = tmp_path / "run"
    assert main(["run", "snake", "--config", str(config), "--out", str(run), "--quiet"]) == 0
    saved = json.loads((run / "config.json").read_text())["config"]
    assert (saved["steps"], saved["seed"], saved["env_kwargs"]) == (700, 3, {"size": 8})


def test_existing_run_folder_is_never_overwritten(capsys, finished_run):
    before = snapshot(finished_run)
    fails_cleanly(
        capsys, ["run", "snake", "--out", str(finished_run)], "already exists", "littlebrain resume"
    )
    assert snapshot(finished_run) == before


def test_corrupt_checkpoint(capsys, finished_run):
    arrays = next((finished_run / "checkpoints").glob("step-*")) / "arrays.npz"
    data = bytearray(arrays.read_bytes())
    data[len(data) // 2] ^= 0xFF
    arrays.write_bytes(bytes(data))
    before = snapshot(finished_run)
    fails_cleanly(capsys, ["resume", str(finished_run), "--steps", "4000"], "corrupt")
    assert snapshot(finished_run) == before


def test_foreign_checkpoint(capsys, finished_run):
    meta = next((finished_run / "checkpoints").glob("step-*")) / "meta.json"
    meta.write_text(json.dumps({"format": "someone-else", "step": 2000}))
    before = snapshot(finished_run)
    fails_cleanly(capsys, ["resume", str(finished_run), "--steps", "4000"], "foreign")
    assert snapshot(finished_run) == before


def test_checkpoint_that_does_not_fit_the_brain(capsys, finished_run):
    checkpoint = next((finished_run / "checkpoints").glob("step-*"))
    meta = json.loads((checkpoint / "meta.json").read_text())
    meta["brain"] = "some-other-brain"
    (checkpoint / "meta.json").write_text(json.dumps(meta))
    before = snapshot(finished_run)
    fails_cleanly(capsys, ["resume", str(finished_run), "--steps", "4000"], "belongs to brain")
    assert snapshot(finished_run) == before


def test_resume_of_a_folder_that_is_not_a_run(capsys, tmp_path):
    fails_cleanly(capsys, ["resume", str(tmp_path)], "not a littlebrain run folder")


@pytest.mark.parametrize(
    ("env_id", "fragment"),
    [("littlebrain-test/NaNWorld-v0", "NaN"), ("littlebrain-test/WrongShape-v0", "shape (5,)")],
)
def test_bad_observations_stop_the_run_with_one_line(capsys, tmp_path, env_id, fragment):
    run = tmp_path / "run"
    fails_cleanly(
        capsys, ["run", env_id, "--steps", "100", "--out", str(run)], "observation", fragment
    )
    assert (run / "config.json").is_file()  # what was written before the failure is intact


def test_real_process_exit_code_and_no_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "littlebrain.cli",
            "run",
            "NoSuchWorld-v9",
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("littlebrain: error: unknown environment")
    bad_flag = subprocess.run(
        [sys.executable, "-m", "littlebrain.cli", "run", "snake", "--steps", "-3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad_flag.returncode == 2 and "must be at least 1" in bad_flag.stderr
    assert "Traceback" not in bad_flag.stderr
