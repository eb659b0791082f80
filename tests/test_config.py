"""Typed configs: unknown keys, wrong types and bad values are refused with the field's name."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pytest

from littlebrain.config import RunConfig, check, from_dict
from littlebrain.errors import ConfigError


@dataclass(frozen=True)
class Inner:
    rate: float = 0.1
    size: int = 4

    def __post_init__(self) -> None:
        check(self.rate > 0, "rate must be positive")


@dataclass(frozen=True)
class Outer:
    inner: Inner = field(default_factory=Inner)
    tuned: Inner = field(default_factory=lambda: Inner(rate=0.5, size=8))
    name: str = "x"
    limit: int | None = None


def test_nested_configs_round_trip_and_fill_defaults():
    outer = from_dict(Outer, {"inner": {"rate": 2}, "limit": 3}, "brain_config")
    assert outer == Outer(inner=Inner(rate=2.0), limit=3)
    assert isinstance(outer.inner.rate, float)
    assert from_dict(Outer, asdict(outer), "brain_config") == outer


def test_partial_nested_tables_keep_the_fields_own_defaults():
    outer = from_dict(Outer, {"tuned": {"size": 3}}, "brain_config")
    assert outer.tuned == Inner(rate=0.5, size=3) and outer.inner == Inner()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"inner": {"rate": -1}}, "brain_config.inner: rate must be positive"),
        ({"inner": {"speed": 1}}, "unknown setting brain_config.inner.speed"),
        ({"inner": {"size": 2.5}}, "brain_config.inner.size must be int"),
        ({"inner": {"rate": True}}, "brain_config.inner.rate must be float"),
        ({"inner": 3}, "brain_config.inner must be a table"),
        ({"limit": "3"}, "brain_config.limit must be"),
        ({"name": None}, "brain_config.name must be str"),
    ],
)
def test_bad_values_name_the_field(data, message):
    with pytest.raises(ConfigError, match=message):
        from_dict(Outer, data, "brain_config")


def test_run_config_rejects_non_finite_and_out_of_range_values():
    with pytest.raises(ConfigError, match="seed"):
        from_dict(RunConfig, {"seed": -1}, "config")
    with pytest.raises(ConfigError, match="env_kwargs"):
        RunConfig(env_kwargs={"size": object()})
    assert RunConfig().replace(steps=10).steps == 10


# -- derived fields: set by the wiring, never by the user, recorded as they ran ---------------
@pytest.mark.parametrize(
    "region, name, value",
    [
        ("dentate_gyrus", "input_dim", 7),
        ("hippocampus", "key_dim", 7),
        ("hippocampus", "n_actions", 9),
        ("hippocampus", "discount", 0.5),
        ("hippocampus", "tag_width", 3),
        ("striatum", "discount", 0.1),
        ("reservoir", "input_dim", 7),
        ("reservoir", "regime", "subcritical"),
    ],
)
def test_every_derived_field_is_refused_with_where_it_comes_from(region, name, value):
    from littlebrain.runs import resolve_config

    config = RunConfig(brain_config={region: {name: value}})
    with pytest.raises(ConfigError, match=rf"brain_config\.{region}\.{name} is not a setting"):
        resolve_config(config)


def test_derived_fields_are_all_declared():
    from littlebrain.brains.default import DefaultBrainConfig
    from littlebrain.config import derived_fields
    from littlebrain.regions.dentate_gyrus import DentateGyrusConfig
    from littlebrain.regions.hippocampus import HippocampusConfig
    from littlebrain.regions.reservoir import ReservoirConfig
    from littlebrain.regions.striatum import StriatumConfig

    assert set(derived_fields(HippocampusConfig)) == {"key_dim", "n_actions", "discount",
                                                      "tag_width"}  # fmt: skip
    assert set(derived_fields(StriatumConfig)) == {"discount"}
    assert set(derived_fields(DentateGyrusConfig)) == {"input_dim"}
    assert set(derived_fields(ReservoirConfig)) == {"input_dim", "regime"}
    assert derived_fields(DefaultBrainConfig) == {}


def test_config_json_records_the_settings_and_the_wiring_that_ran(tmp_path):
    import json

    from littlebrain.runs import RunFolder, Session

    config = RunConfig(
        env="snake",
        env_kwargs={"view": "egocentric"},
        steps=50,
        brain_config={"discount": 0.9, "reservoir_regime": "critical"},
    )
    session = Session.start(config, tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    brain = session.brain
    # the settings: what the user may set, all of it, and nothing the wiring overrides
    assert saved["config"]["brain_config"] == json.loads(json.dumps(brain.config_dict()))
    assert "discount" not in saved["config"]["brain_config"]["hippocampus"]
    assert "key_dim" not in saved["config"]["brain_config"]["hippocampus"]
    # the wiring: each region's config as built
    wiring = saved["wiring"]
    assert wiring["hippocampus"]["discount"] == wiring["striatum"]["discount"] == 0.9
    assert wiring["hippocampus"]["key_dim"] == brain.hippocampus.keys.shape[1]
    assert wiring["hippocampus"]["n_actions"] == 3
    assert wiring["dentate_gyrus"]["input_dim"] == wiring["hippocampus"]["key_dim"]
    assert wiring["reservoir"]["regime"] == "critical"
    # the folder resumes to the same config
    _, reopened = RunFolder.open(tmp_path / "run")
    assert reopened == session.config


def test_a_run_folder_written_with_derived_fields_still_resumes(tmp_path):
    import json

    from littlebrain.runs import RunFolder, Session

    Session.start(RunConfig(env="snake", steps=20), tmp_path / "run").run(show_progress=False)
    path = tmp_path / "run" / "config.json"
    saved = json.loads(path.read_text())
    saved["config"]["brain_config"]["hippocampus"]["discount"] = 0.99  # as older versions wrote
    path.write_text(json.dumps(saved))
    _, config = RunFolder.open(tmp_path / "run")
    assert "discount" not in config.brain_config["hippocampus"]
