"""The command line explains itself."""

from __future__ import annotations

import pytest

from littlebrain.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["run", "resume", "brains"]),
        (["run"], ["ENV", "--steps", "--seed", "--size", "--config", "--out", "snake"]),
        (["resume"], ["DIR", "--steps", "checkpoint"]),
    ],
)
def test_help_explains_each_command(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for word in expected:
        assert word in out


def test_brains_lists_the_default(capsys):
    assert main(["brains"]) == 0
    out = capsys.readouterr().out
    assert "default (default)" in out and "random: random-policy baseline" in out


def test_env_args_reach_the_world(tmp_path):
    import json

    run = tmp_path / "run"
    argv = [
        "run",
        "snake",
        "--steps",
        "200",
        "--out",
        str(run),
        "--quiet",
        "--env-arg",
        "view=egocentric",
        "--env-arg",
        "starvation_steps=50",
        "--size",
        "8",
    ]
    assert main(argv) == 0
    saved = json.loads((run / "config.json").read_text())["config"]["env_kwargs"]
    assert saved == {"view": "egocentric", "starvation_steps": 50, "size": 8}


def test_malformed_env_arg_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "snake", "--env-arg", "novalue"])
    assert exit_info.value.code == 2 and "KEY=VALUE" in capsys.readouterr().err


def test_eval_plays_the_last_checkpoint_frozen(tmp_path, capsys):
    import json

    run = tmp_path / "run"
    assert main(["run", "snake", "--env-arg", "view=egocentric", "--steps", "2000", "--quiet",
                 "--out", str(run)]) == 0  # fmt: skip
    before = (run / "checkpoints").iterdir().__next__().name
    assert main(["eval", str(run), "--episodes", "3"]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 episodes ended" in out and "median" in out
    record = json.loads((run / "evaluations" / "step-2000.json").read_text())
    assert len(record["eval_scores"]) == 3 and record["eval_epsilon"] is not None
    assert (run / "checkpoints").iterdir().__next__().name == before  # nothing learnt, kept
    assert main(["eval", str(run), "--episodes", "1", "--step-budget", "1"]) == 0
    assert "0 of 1 episodes ended in 1 steps: mean - (95% t), median -" in capsys.readouterr().out
    assert main(["eval", str(tmp_path / "nothing")]) == 2
