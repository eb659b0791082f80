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
