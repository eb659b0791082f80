"""The Snake suite runs, resumes without redoing finished runs, and reports honestly."""

from __future__ import annotations

import csv
import json
import shutil

import gymnasium as gym
import numpy as np
import pytest

from littlebrain.bench.snake import steps_to_reach
from littlebrain.cli import main


def test_suite_runs_resumes_and_reports(tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "out"
    argv = [
        "bench",
        "snake",
        "--methods",
        "random",
        "littlebrain-egocentric",
        "--steps",
        "400",
        "--seeds",
        "2",
        "--workers",
        "1",
        "--runs",
        str(runs),
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    assert "4 to run" in capsys.readouterr().out
    finished = runs / "random-400" / "seed1" / "summary.json"
    stamp = finished.stat().st_mtime_ns
    # an interrupted littlebrain run: its summary says unfinished, so it resumes
    interrupted = runs / "littlebrain-egocentric-400" / "seed0" / "summary.json"
    summary = json.loads(interrupted.read_text())
    interrupted.write_text(json.dumps({**summary, "finished": False}))
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "3 already finished, 1 to run" in printed and "resumed" in printed
    assert finished.stat().st_mtime_ns == stamp, "a finished run is never redone"
    table = (out / "README.md").read_text()
    assert "| random (random policy) | 400 | 2 |" in table
    assert "littlebrain-egocentric" in table and "littlebrain bench snake" in table
    with open(out / "runs.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted((r["method"], r["seed"]) for r in rows) == [
        ("littlebrain-egocentric", "0"),
        ("littlebrain-egocentric", "1"),
        ("random", "0"),
        ("random", "1"),
    ]
    assert (out / "learning_curves.png").is_file()
    assert (out / "best_episode.gif").read_bytes()[:6] == b"GIF89a"
    assert "best_episode.gif" in table and "littlebrain-egocentric, seed" in table
    assert len(list((out / "raw").glob("*.metrics.csv"))) == 4
    # a run that left the suite leaves raw/ with the next report
    shutil.rmtree(runs / "random-400" / "seed1")
    assert main(["bench", "snake", "--report", "--runs", str(runs), "--out", str(out)]) == 0
    assert sorted(p.name for p in (out / "raw").glob("random-*")) == [
        "random-400-seed0.metrics.csv",
        "random-400-seed0.summary.json",
    ]

    # run folders restored from raw/ (a fresh checkout) hold metrics, not brains: the report is
    # written again and the GIF made from the brain is kept, not lost or faked
    restored = tmp_path / "restored"
    for summary_path in (out / "raw").glob("*.summary.json"):
        method_budget, seed = summary_path.name.removesuffix(".summary.json").rsplit("-seed", 1)
        folder = restored / method_budget / f"seed{seed}"
        folder.mkdir(parents=True)
        (folder / "summary.json").write_bytes(summary_path.read_bytes())
        metrics = summary_path.with_name(summary_path.name.replace("summary.json", "metrics.csv"))
        (folder / "metrics.csv").write_bytes(metrics.read_bytes())
    gif = (out / "best_episode.gif").read_bytes()
    report = ["bench", "snake", "--report", "--runs", str(restored), "--out"]
    assert main([*report, str(out)]) == 0
    assert (out / "best_episode.gif").read_bytes() == gif
    assert "kept from an earlier report" in (out / "README.md").read_text()
    assert main([*report, str(tmp_path / "fresh")]) == 2
    assert "no best_episode.gif to keep" in capsys.readouterr().err

    # a runs folder of its own reports into itself unless --out says otherwise: a partial
    # sweep must never replace the committed table (results/snake) and delete its raw data
    assert main(["bench", "snake", "--report", "--runs", str(runs)]) == 0
    assert (runs / "report" / "README.md").is_file()
    assert f"report: {runs / 'report'}" in capsys.readouterr().out


def test_report_without_runs_fails_cleanly(tmp_path, capsys):
    assert (
        main(
            [
                "bench",
                "snake",
                "--report",
                "--runs",
                str(tmp_path / "none"),
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 2
    )
    assert "no finished runs" in capsys.readouterr().err


def test_unknown_method_is_refused(tmp_path, capsys):
    assert main(["bench", "snake", "--methods", "alphazero", "--runs", str(tmp_path)]) == 2
    assert "unknown method 'alphazero'" in capsys.readouterr().err


def test_steps_to_reach():
    scores = np.r_[np.zeros(100), np.full(100, 10.0)]
    steps = np.arange(1, 201) * 10.0
    # the rolling mean of 100 reaches 5 after 50 episodes of 10s, at episode 150
    assert steps_to_reach(steps, scores, 5) == 1500.0
    assert steps_to_reach(steps, scores, 20) is None


def test_baseline_writes_the_same_run_folder_layout(tmp_path):
    pytest.importorskip("stable_baselines3")
    from littlebrain_baselines.sb3 import run_sb3

    summary = run_sb3(tmp_path / "ppo", "ppo", "littlebrain/Snake-v0", {}, steps=600, seed=0)
    assert summary["finished"] and summary["episodes"] > 3
    header = (tmp_path / "ppo" / "metrics.csv").read_text().splitlines()[0]
    assert header == "step,episode,score,length,return,wall_seconds"


def test_cnn_baseline_counts_the_episodes_of_every_copy_of_the_world(tmp_path):
    pytest.importorskip("stable_baselines3")
    from littlebrain_baselines.sb3 import CNN_ENVS, run_sb3

    steps = 1_024  # one PPO rollout: 8 copies x 128 steps
    summary = run_sb3(tmp_path / "ppo", "ppo", "littlebrain/Snake-v0", {}, steps, 0, "cnn")
    config = json.loads((tmp_path / "ppo" / "config.json").read_text())["config"]
    assert config["policy"] == "CnnPolicy (SmallCNN)" and config["n_envs"] == CNN_ENVS["ppo"] == 8
    with open(tmp_path / "ppo" / "metrics.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lengths = np.array([int(r["length"]) for r in rows])
    assert summary["episodes"] == len(rows) and (lengths > 0).all()
    # every copy's episodes are logged: their steps add up to nearly the whole budget (the
    # episodes still running at the end are missing), not to one copy's eighth of it
    assert steps - 8 * lengths.max() <= lengths.sum() <= steps


def test_measured_references_are_read_from_the_anchors_at_report_time(tmp_path):
    from littlebrain.bench.snake import anchor_lines, read_anchor_curves

    anchors = tmp_path / "anchors"
    anchors.mkdir()
    (anchors / "README.md").write_text(
        "# Snake anchors\n\n## A CNN reference\nSome words.\n\n"
        "| steps | seed 0 | seed 1 | CPU s (each) |\n|---:|---:|---:|---:|\n"
        "| 100,000 | 10.0 | 12.0 | ~500 |\n| 200,000 | 30.0 | 20.0 | ~1,000 |\n"
        "| 300,000 | 50.0 | 40.0 | ~1,500 |\n\nStill rising.\n",
        encoding="utf-8",
    )
    curves, note = read_anchor_curves(anchors)
    assert note == "" and len(curves) == 1
    assert curves[0]["title"] == "A CNN reference"
    assert curves[0]["steps"] == [100_000, 200_000, 300_000]
    assert curves[0]["scores"] == [[10.0, 12.0], [30.0, 20.0], [50.0, 40.0]]
    ours = {"method": "littlebrain-egocentric", "budget": 200_000, "mean_last_100": 38.0,
            "ci_low": 36.0, "ci_high": 40.0, "seeds": 10}  # fmt: skip
    text = "\n".join(anchor_lines(anchors, [ours]))
    assert "| mean score | 11.00 | 25.00 | 45.00 |" in text
    assert "the reference passes it from 300,000 steps on" in text
    # no anchors: the report says so in one line and goes on
    missing = "\n".join(anchor_lines(tmp_path / "nowhere", [ours]))
    assert "anchors not read" in missing


class _Interrupted(Exception):
    pass


def test_an_interrupted_baseline_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    """A DQN stopped just after its first checkpoint resumes there: the episodes logged after
    it are dropped and played again, the run finishes its budget, and the summary says where
    it resumed. The checkpoint is littlebrain's (arrays and JSON), gone once the run is done."""
    pytest.importorskip("stable_baselines3")
    from littlebrain_baselines import sb3

    folder, save = tmp_path / "dqn", sb3.save_checkpoint

    def save_then_stop(*args, **kwargs):
        save(*args, **kwargs)
        raise _Interrupted

    quick = {"learning_starts": 50, "buffer_size": 1_000}  # so the optimiser has moments
    args = (folder, "dqn", "littlebrain/Snake-v0", {}, 600, 0, "cnn", quick, 200)
    monkeypatch.setattr(sb3, "save_checkpoint", save_then_stop)
    with pytest.raises(_Interrupted):
        sb3.run_sb3(*args)
    _, meta = sb3.load_checkpoint(folder / "checkpoint")
    # SB3 stores a step's transition after the callbacks have seen it: that one is not kept
    assert meta["steps_done"] == 200 and meta["buffer"]["pos"] == 199
    monkeypatch.setattr(sb3, "save_checkpoint", save)
    summary = sb3.run_sb3(*args)
    assert summary["finished"] and summary["resumed_at_steps"] == [200]
    assert not (folder / "checkpoint").exists()
    with open(folder / "metrics.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    steps = [int(r["step"]) for r in rows]
    assert steps == sorted(steps) and steps[-1] <= 600
    assert (
        [int(r["episode"]) for r in rows]
        == list(range(len(rows)))
        == list(range(summary["episodes"]))
    )


def test_a_restored_learner_is_the_saved_one_and_a_misfit_is_refused(tmp_path):
    pytest.importorskip("stable_baselines3")
    import torch
    from littlebrain_baselines.sb3 import _learner_state, _restore_learner
    from stable_baselines3 import DQN

    from littlebrain.errors import CheckpointError

    def learner():
        env = gym.make("littlebrain/Snake-v0")
        return DQN("MlpPolicy", env, seed=0, learning_starts=20, buffer_size=500, device="cpu")

    trained = learner()
    trained.learn(300)
    arrays, meta = _learner_state(trained)
    restored = learner()
    _restore_learner(restored, arrays, meta, tmp_path)
    again, _ = _learner_state(restored)
    assert arrays.keys() == again.keys()
    assert all(np.array_equal(arrays[k], again[k]) for k in arrays)
    assert restored.num_timesteps == 300 and restored.replay_buffer.pos == 300
    observation = np.asarray(trained.replay_buffer.observations[:8, 0])
    with torch.no_grad():
        assert torch.equal(
            trained.q_net(torch.as_tensor(observation, dtype=torch.float32)),
            restored.q_net(torch.as_tensor(observation, dtype=torch.float32)),
        )
    misfit = {**arrays, "policy/q_net.q_net.0.weight": np.zeros((3, 3), np.float32)}
    with pytest.raises(CheckpointError, match="does not fit"):
        _restore_learner(learner(), misfit, meta, tmp_path)
    with pytest.raises(CheckpointError, match="replay position"):
        _restore_learner(learner(), arrays, {**meta, "buffer": {"pos": 10**6, "full": 0}}, tmp_path)
