"""Probes record the brain's signals without changing the run, and resume bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.cli import main
from littlebrain.config import RunConfig
from littlebrain.errors import ConfigError
from littlebrain.probes import read_probes
from littlebrain.runs import Session

SNAKE = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=3_000, probe_every=500)


def run(tmp_path, name, **changes):
    session = Session.start(SNAKE.replace(**changes), tmp_path / name)
    session.run(show_progress=False)
    return session


def test_default_probes_record_the_brains_signals(tmp_path):
    session = run(tmp_path, "run")
    probes = read_probes(session.folder.probes_path)
    assert probes["step"].tolist() == [500, 1000, 1500, 2000, 2500, 3000]
    assert list(session.config.probes) == list(session.brain.signals())  # written out
    for name in ("dopamine", "exploration", "alarm", "memory_size", "episodic_weight"):
        assert name in probes
    assert np.all(np.diff(probes["memory_size"]) > 0)  # the memory fills up as it plays
    assert np.all((probes["exploration"] > 0) & (probes["exploration"] < 1))
    assert set(np.unique(probes["alarm"])) <= {0.0, 1.0}
    assert np.all((probes["episodic_weight"] >= 0) & (probes["episodic_weight"] <= 1))
    assert probes["memory_size"][-1] == session.brain.hippocampus.size


def test_probes_do_not_change_the_run(tmp_path):
    probed = run(tmp_path, "probed", probes=["dopamine", "striatum.weights"], probe_every=1)
    plain = run(tmp_path, "plain", probes=[])
    assert not plain.folder.probes_path.exists()
    a, b = probed.brain.state_dict(), plain.brain.state_dict()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    probes = read_probes(probed.folder.probes_path)
    assert len(probes["step"]) == 3_000
    # a region's array, by region.attribute, recorded as its mean
    assert probes["striatum.weights"][-1] == pytest.approx(
        float(np.mean(probed.brain.striatum.weights)), rel=1e-5
    )


def test_a_resumed_run_writes_the_same_probes(tmp_path):
    whole = run(tmp_path, "whole", checkpoint_every=1_000)
    part = Session.start(SNAKE.replace(steps=1_700, checkpoint_every=1_000), tmp_path / "part")
    part.run(show_progress=False)  # ends at 1,700; the last checkpoint is 1,700
    # a crash after the checkpoint at 1,000: the rows after it are dropped and written again
    (part.folder.checkpoints()[-1]).rename(tmp_path / "lost")
    Session.resume(tmp_path / "part", steps=3_000).run(show_progress=False)
    assert part.folder.probes_path.read_text() == whole.folder.probes_path.read_text()


@pytest.mark.parametrize("probe", ["dopamine2", "striatum.nothing", "striatum._private", "x.y"])
def test_an_unknown_probe_is_one_line_naming_the_signals(tmp_path, probe):
    with pytest.raises(
        ConfigError, match="unknown probe .* the brain.s signals are outcome, dopamine"
    ):
        Session.start(SNAKE.replace(probes=[probe]), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_probe_settings_from_a_config_file(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('probes = ["memory_size", 3]\n')
    assert main(["run", "snake", "--steps", "10", "--config", str(config)]) == 2
    assert "probes must be a list of signal names" in capsys.readouterr().err


def test_probes_and_scores_go_to_tensorboard_when_asked(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    session = run(tmp_path, "run", tensorboard=True, probes=["memory_size", "dopamine"])
    events = EventAccumulator(str(session.folder.path / "tensorboard"))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert {"probes/memory_size", "probes/dopamine", "episode/score"} <= set(tags)
    sizes = [e.value for e in events.Scalars("probes/memory_size")]
    assert sizes == pytest.approx(read_probes(session.folder.probes_path)["memory_size"].tolist())
    scores = [e.value for e in events.Scalars("episode/score")]
    assert scores == session.folder.read_metrics()["score"].tolist()
