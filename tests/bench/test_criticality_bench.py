"""The criticality experiment: activity events, measures, runs, report and `analyze`."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.analysis import simulate_branching_process
from littlebrain.bench import criticality
from littlebrain.cli import main
from littlebrain.errors import ConfigError


def test_events_count_units_whose_rate_jumps():
    rates = np.zeros((4, 3))
    rates[2, 0] = 1.0  # unit 0 jumps once; unit 1 drifts smoothly; unit 2 is silent
    rates[:, 1] = [0.0, 0.25, 0.5, 0.75]  # steady change: never above its own spread
    np.testing.assert_array_equal(criticality.events_of(rates), [0, 1, 0])


def test_measures_recover_a_known_branching_ratio():
    activity = simulate_branching_process(0.95, 20_000, drive=5.0, rng=np.random.default_rng(0))
    measures = criticality.measure(activity)
    assert measures["branching_ratio"] == pytest.approx(0.95, abs=0.02)
    assert measures["avalanches"] > 50 and np.isfinite(measures["tau"])


def test_a_short_dishpong_run_records_and_measures_its_reservoir(tmp_path):
    result = criticality.play("dishpong", "critical", 0, 0, session_minutes=1.0)
    assert result["_events"].shape == (1199,) and result["_rates"].shape[1] == 256
    assert result["spectral_radius"] == pytest.approx(1.0, abs=0.1)
    assert abs(result["lyapunov"]) < 0.05 and np.isfinite(result["branching_ratio"])
    without = criticality.play("snake", "none", 0, 300)
    assert "branching_ratio" not in without and without["episodes"] > 0


def test_analyze_reads_a_run_and_refuses_a_folder_without_activity(tmp_path, capsys):
    activity = simulate_branching_process(0.9, 5_000, drive=5.0, rng=np.random.default_rng(1))
    np.savez(tmp_path / "activity.npz", events=activity, rates=np.zeros((100, 8)))
    assert main(["analyze", str(tmp_path)]) == 0
    assert "branching_ratio" in capsys.readouterr().out
    assert (tmp_path / "criticality.png").stat().st_size > 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["analyze", str(empty)]) == 2
    assert "activity.npz" in capsys.readouterr().err


def test_unknown_regime_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown regime"):
        criticality.run_suite(["snake"], ["chaotic"], 1, 1, tmp_path, 100)
