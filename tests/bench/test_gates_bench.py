"""The gates suite runs, resumes without redoing finished runs, and reports race facts."""

from __future__ import annotations

import csv
import json

import pytest

from littlebrain.bench.gates import race_facts
from littlebrain.cli import main


def test_race_facts_tell_finished_crashed_and_timed_out_races():
    # 4 gates a race, a 600-step limit at 30 Hz: finished in 300, crashed at 40, timed out
    facts = race_facts([4, 1, 2], [300, 40, 600], gates=4, max_steps=600, agent_hz=30)
    assert facts["gates_per_episode"] == pytest.approx(7 / 3)
    assert facts["success_rate"] == pytest.approx(1 / 3)
    assert facts["crash_rate"] == pytest.approx(1 / 3)
    assert facts["race_seconds"] is None, "lap time only at >= 50% success"
    facts = race_facts([4, 4, 0], [300, 330, 600], gates=4, max_steps=600, agent_hz=30)
    assert facts["race_seconds"] == pytest.approx(10.5) and facts["crash_rate"] == 0.0


def test_suite_runs_resumes_and_reports(tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "out"
    argv = ["bench", "gates", "--methods", "random", "scripted", "--steps", "300"]
    argv += ["--seeds", "1", "--eval-episodes", "2", "--workers", "1"]
    argv += ["--runs", str(runs), "--out", str(out)]
    assert main(argv) == 0
    assert "2 to run" in capsys.readouterr().out
    finished = runs / "random-300" / "seed0" / "result.json"
    stamp = finished.stat().st_mtime_ns
    assert main(argv) == 0
    assert "2 already finished, 0 to run" in capsys.readouterr().out
    assert finished.stat().st_mtime_ns == stamp, "a finished run is never redone"
    scripted = json.loads((runs / "scripted-0" / "seed0" / "result.json").read_text())
    assert scripted["frozen"]["success_rate"] == 1.0 and scripted["train_cpu_seconds"] == 0.0
    assert 8.0 < scripted["frozen"]["race_seconds"] < 14.0
    with open(out / "runs.csv", newline="") as file:
        rows = {r["method"]: r for r in csv.DictReader(file)}
    assert set(rows) == {"random", "scripted"} and rows["random"]["steps"] == "300"
    table = (out / "README.md").read_text()
    assert "| scripted | 0 | 1 |" in table and "littlebrain bench gates" in table
    assert (out / "lap.gif").read_bytes()[:6] == b"GIF89a"
    assert sorted(p.name for p in (out / "raw").iterdir()) == [
        "random-300-seed0.metrics.csv",
        "random-300-seed0.result.json",
        "scripted-0-seed0.result.json",
    ]


def test_eval_episodes_elsewhere_than_atari_and_gates_is_refused(capsys):
    assert main(["bench", "snake", "--eval-episodes", "3"]) == 2
    assert "--eval-episodes applies to atari100k and gates only" in capsys.readouterr().err


def test_baselines_train_on_box_actions_and_on_primitives(tmp_path):
    pytest.importorskip("stable_baselines3")  # the baselines extra, part of dev
    runs, out = tmp_path / "runs", tmp_path / "out"
    argv = ["bench", "gates", "--methods", "sac-box", "dqn-primitives-progress"]
    argv += ["--steps", "200", "--seeds", "1", "--eval-episodes", "1", "--workers", "1"]
    assert main([*argv, "--runs", str(runs), "--out", str(out)]) == 0
    for name, actions in (("sac-box-200", None), ("dqn-primitives-progress-200", "primitives")):
        config = json.loads((runs / name / "seed0" / "config.json").read_text())["config"]
        assert config.get("actions") == actions and config["steps"] == 200
        result = json.loads((runs / name / "seed0" / "result.json").read_text())
        assert len(result["eval_scores"]) == 1 and result["online"]["steps_per_cpu_second"] > 0
    table = (out / "README.md").read_text()
    assert "| sac-box | 200 | 1 |" in table and "| dqn-primitives-progress | 200 | 1 |" in table


def test_lap_time_cell_says_how_many_runs_it_rests_on():
    from littlebrain.bench.gates import _lap_cell

    assert _lap_cell([None, None]) == "-"
    assert _lap_cell([10.0, None, 12.0]).endswith(", 2/3 runs")
