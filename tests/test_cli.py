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
    assert "random (default)" in out and "does not learn" in out
