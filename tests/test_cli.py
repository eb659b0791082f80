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
