"""The Atari 100k suite: plan, resumable runs with a frozen evaluation, and the rliable report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from littlebrain.bench import atari100k
from littlebrain.errors import ConfigError

rliable_metrics = pytest.importorskip("rliable.metrics")
pytest.importorskip("ale_py")

from littlebrain.bench import atari100k_report as report  # noqa: E402


def test_plan_is_seed_major_and_refuses_unknown_games(tmp_path):
    jobs = atari100k.plan(["Pong", "Qbert"], 2, 100, 3, tmp_path)
    assert [(j.game, j.seed) for j in jobs] == [
        ("Pong", 0), ("Qbert", 0), ("Pong", 1), ("Qbert", 1)
    ]  # fmt: skip
    assert jobs[3].folder == tmp_path / "Qbert" / "seed1"
    with pytest.raises(ConfigError, match="unknown game 'Pongg'"):
        atari100k.plan(["Pongg"], 1, 100, 3, tmp_path)


def test_a_run_learns_then_is_evaluated_frozen_and_a_redone_evaluation_is_identical(tmp_path):
    job = atari100k.Job("Boxing", 0, 300, 2, str(tmp_path), eval_step_budget=2_500)
    assert atari100k.run_job(job)[1] == "ran"
    result = json.loads((job.folder / "result.json").read_text())
    assert result["steps"] == 300 and result["eval_epsilon"] == 0.001
    assert result["eval_steps"] <= 2_500
    # Boxing lasts 2 minutes (about 1,780 steps): one episode fits the budget, the second not
    assert result["eval_episodes"] == len(result["eval_scores"]) == 1
    assert result["eval_mean"] == result["eval_scores"][0]
    assert result["cpu_seconds"] >= result["train_cpu_seconds"] > 0
    assert atari100k.run_job(job)[1] == "already finished"
    # a run killed during its evaluation: the frozen brain comes back from the last checkpoint
    # and plays the same evaluation again, step for step
    (job.folder / "result.json").unlink()
    assert atari100k.run_job(job)[1] == "resumed"
    again = json.loads((job.folder / "result.json").read_text())
    assert again["eval_scores"] == result["eval_scores"]
    assert again["eval_lengths"] == result["eval_lengths"]


@pytest.mark.parametrize("shape", [(5, 26), (3, 7), (1, 4), (100, 2)])
def test_fast_aggregates_equal_rliables(shape):
    rng = np.random.default_rng(shape[0])
    x = np.round(rng.normal(0.5, 1.0, size=shape), 1)  # rounded: ties, as raw scores have
    y = np.round(rng.normal(0.5, 1.0, size=(shape[0] + 3, shape[1])), 1)
    expected = [
        rliable_metrics.aggregate_mean(x),
        rliable_metrics.aggregate_median(x),
        rliable_metrics.aggregate_iqm(x),
        rliable_metrics.aggregate_optimality_gap(x),
    ]
    np.testing.assert_allclose(report.aggregate_all(x), expected, rtol=0, atol=1e-12)
    assert report.probability_of_improvement(x, y) == pytest.approx(
        rliable_metrics.probability_of_improvement(x, y), abs=1e-12
    )


def fake_anchors(folder: Path, games: list[str]) -> None:
    """Random 0 and human 100 everywhere; DER scores 10 and SPR 30 on every run."""
    (folder / "iris").mkdir(parents=True)
    (folder / "rliable").mkdir()
    for name, value in (("RANDOM", 0.0), ("HUMAN", 100.0)):
        (folder / "iris" / f"{name}.json").write_text(json.dumps({g: [value] for g in games}))
    for name, value in (("DER", 10.0), ("SPR", 30.0)):
        runs = {g: [value + 0.1 * i for i in range(4)] for g in games}
        (folder / "rliable" / f"{name}.json").write_text(json.dumps(runs))


def fake_run(root: Path, game: str, seed: int, score: float) -> None:
    folder = root / game / f"seed{seed}"
    folder.mkdir(parents=True)
    (folder / "metrics.csv").write_text(
        "step,episode,score,length,return,wall_seconds\n"
        f"500,0,{score / 2},500,{score / 2},1.0\n900,1,{score},400,{score},2.0\n"
    )
    result = {
        "game": game, "seed": seed, "eval_mean": score, "eval_episodes": 3,
        "eval_steps": 1200, "online_score": 0.75 * score, "training_episodes": 2,
        "train_cpu_seconds": 100.0, "eval_cpu_seconds": 20.0, "cpu_seconds": 120.0,
        "peak_memory_mb": 200.0, "git_commit": "abc", "machine": "test",
    }  # fmt: skip
    (folder / "result.json").write_text(json.dumps(result))


def test_report_normalises_and_aggregates_like_the_anchors(tmp_path):
    games = ["Pong", "Qbert", "Boxing"]
    fake_anchors(tmp_path / "anchors", games)
    root = tmp_path / "runs"
    for seed in range(2):  # littlebrain scores 20 + seed on each game: HNS 0.20 and 0.21
        for game in games:
            fake_run(root, game, seed, 20.0 + seed)
    readme = report.write_report(
        root, tmp_path / "out", tmp_path / "anchors", "littlebrain bench atari100k", reps=200
    )
    data = json.loads((tmp_path / "out" / "aggregates.json").read_text())
    assert data["games"] == ["Boxing", "Pong", "Qbert"]  # the suite's order
    iqm = data["aggregates"]["littlebrain"]["iqm"]
    assert iqm[0] == pytest.approx(0.205) and iqm[1] <= iqm[0] <= iqm[2]
    assert data["aggregates"]["littlebrain (online)"]["mean"][0] == pytest.approx(0.75 * 0.205)
    assert data["aggregates"]["DER"]["mean"][0] == pytest.approx(0.1015)
    # littlebrain (20-21) beats DER (10-10.3) on every pair of runs and loses to SPR (30-30.3)
    poi = data["probability_of_improvement"]
    assert poi["DER"][0] == 1.0 and poi["SPR"][0] == 0.0
    text = readme.read_text()
    assert "| Pong | 2 | 20.5 | 20.0 to 21.0 | 3/3 |" in text
    assert "littlebrain bench atari100k" in text
    for name in ("aggregates.png", "per_game.png", "curves.png", "runs.csv"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert len(list((tmp_path / "out" / "raw").glob("*.json"))) == 6


def test_a_run_restored_from_its_committed_result_alone_is_reported(tmp_path):
    """A sweep carried over from an earlier session restores finished runs from the committed
    raw/*.json (no training log): they count in every table, and only the curves lack them."""
    games = ["Pong", "Boxing"]
    fake_anchors(tmp_path / "anchors", games)
    root = tmp_path / "runs"
    for game in games:
        fake_run(root, game, 0, 20.0)
    (root / "Pong" / "seed0" / "metrics.csv").unlink()
    readme = report.write_report(root, tmp_path / "out", tmp_path / "anchors", "x", reps=100)
    assert "| Pong | 1 | 20.0 |" in readme.read_text()
    assert (tmp_path / "out" / "curves.png").stat().st_size > 0


def test_report_without_runs_or_anchors_says_what_is_missing(tmp_path):
    with pytest.raises(ConfigError, match="no finished runs"):
        report.write_report(tmp_path / "none", tmp_path / "out", tmp_path, "x")
    fake_run(tmp_path / "runs", "Pong", 0, 1.0)
    with pytest.raises(ConfigError, match="no Atari 100k anchors"):
        report.write_report(tmp_path / "runs", tmp_path / "out", tmp_path / "nowhere", "x")


def test_command_line_runs_the_suite_and_refuses_what_does_not_apply(tmp_path, capsys):
    from littlebrain.cli import main

    runs, out = str(tmp_path / "runs"), str(tmp_path / "out")
    assert main(["bench", "atari100k", "--methods", "dqn", "--runs", runs]) == 2
    assert "--methods does not apply" in capsys.readouterr().err
    assert main(["bench", "snake", "--games", "Pong", "--runs", runs]) == 2
    assert "--games applies to atari100k only" in capsys.readouterr().err
    assert main(["bench", "atari100k", "--games", "Pongg", "--runs", runs]) == 2
    assert "unknown game 'Pongg'" in capsys.readouterr().err
    fake_anchors(tmp_path / "anchors", ["Pong"])
    fake_run(tmp_path / "runs", "Pong", 0, 5.0)  # finished: the sweep only reports
    argv = ["bench", "atari100k", "--games", "Pong", "--seeds", "1", "--runs", runs]
    assert main([*argv, "--out", out, "--anchors", str(tmp_path / "anchors")]) == 0
    assert "1 runs planned, 1 already finished" in capsys.readouterr().out
    assert (tmp_path / "out" / "README.md").is_file()
