"""Typed, validated run configuration, saved in full with every run.

Configuration files are JSON or TOML with the fields of `RunConfig`; the brain's own settings
sit under `brain_config` and are validated against that brain's `Config` dataclass. Every bad
value raises `ConfigError` with one line naming the field.

Some fields of a region's config are not settings: the brain's wiring derives them (a key size
from the code's, an action count from the world's, one discount shared by several regions).
They are declared with `derived(...)`; setting one in a config is refused with a line saying
where its value comes from, and `settings_dict` leaves them out of what a run folder records
(the values that ran are recorded beside it, by the brain: `Brain.wiring`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from littlebrain.errors import ConfigError


def _type_ok(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if annotation is str:
        return isinstance(value, str)
    if origin is dict or annotation is dict:
        return isinstance(value, dict)
    if origin is tuple:
        return isinstance(value, list | tuple)
    return True


def derived(default: Any, by: str) -> Any:
    """A config field the brain's wiring sets (`by` says from what): not a user setting."""
    return field(default=default, metadata={"derived": by})


def derived_fields(cls: type) -> dict[str, str]:
    """{name: where its value comes from} of the derived fields of dataclass `cls`."""
    return {
        f.name: f.metadata["derived"] for f in dataclasses.fields(cls) if "derived" in f.metadata
    }


def settings_dict(config: Any) -> dict[str, Any]:
    """`dataclasses.asdict` without the derived fields, at every depth: the settings a user can
    give, and what a run folder records as its config."""
    skip = derived_fields(type(config))
    return {
        f.name: settings_dict(v) if dataclasses.is_dataclass(v) else copy.deepcopy(v)
        for f in dataclasses.fields(config)
        if f.name not in skip
        for v in (getattr(config, f.name),)
    }


def from_dict(cls: type, data: Any, where: str, legacy: bool = False) -> Any:
    """Build dataclass `cls` from a dict, rejecting unknown keys, wrongly typed values and
    derived fields. `legacy`: a config written before derived fields were left out of run
    folders; its derived fields are dropped (they never ran) instead of refused."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table of settings, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    names = list(fields)
    unknown = sorted(set(data) - set(names))
    if unknown:
        known = ", ".join(names) or "none"
        raise ConfigError(f"unknown setting {where}.{unknown[0]} (known: {known})")
    data = _without_derived(cls, data, where, legacy)
    values = {}
    for name, value in data.items():
        if dataclasses.is_dataclass(hints[name]):
            # a partial table overrides the field's own default, not the class's defaults
            default = fields[name].default_factory
            base = settings_dict(default()) if default is not dataclasses.MISSING else {}
            merged = {**base, **value} if isinstance(value, dict) else value
            values[name] = from_dict(hints[name], merged, f"{where}.{name}", legacy)
            continue
        if not _type_ok(value, hints[name]):
            shown = getattr(hints[name], "__name__", str(hints[name]))
            raise ConfigError(f"{where}.{name} must be {shown}, got {value!r}")
        if typing.get_origin(hints[name]) is tuple:
            value = tuple(value)
        if isinstance(value, int) and hints[name] is float:
            value = float(value)
        values[name] = value
    try:
        return cls(**values)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


def _without_derived(cls: type, data: dict, where: str, legacy: bool) -> dict:
    derived_here = derived_fields(cls)
    given = sorted(set(data) & set(derived_here))
    if given and not legacy:
        raise ConfigError(
            f"{where}.{given[0]} is not a setting: the brain's wiring sets it from "
            f"{derived_here[given[0]]}"
        )
    return {k: v for k, v in data.items() if k not in derived_here}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


@dataclass(frozen=True)
class RunConfig:
    """One run: which world, which brain, how long, which seed, how often to checkpoint."""

    env: str = "littlebrain/Snake-v0"
    env_kwargs: dict = field(default_factory=dict)
    brain: str = "default"
    brain_config: dict = field(default_factory=dict)
    steps: int = 200_000
    seed: int = 0
    checkpoint_every: int = 50_000
    keep_checkpoints: int = 2
    #: the brain's signals recorded into probes.csv (littlebrain.probes); None: the brain's
    #: default set, written out when the run starts; []: none
    probes: tuple[str, ...] | None = None
    probe_every: int = 1_000
    #: also write the probes and episode scores as TensorBoard scalars into <run>/tensorboard
    #: (the tensorboard extra)
    tensorboard: bool = False

    def __post_init__(self) -> None:
        check(bool(self.env), "env must name a Gymnasium environment")
        check(self.steps >= 1, f"steps must be at least 1, got {self.steps}")
        check(0 <= self.seed < 2**63, f"seed must be in [0, 2**63), got {self.seed}")
        check(self.checkpoint_every >= 1, "checkpoint_every must be at least 1")
        check(self.keep_checkpoints >= 1, "keep_checkpoints must be at least 1")
        check(self.probe_every >= 1, "probe_every must be at least 1")
        check(
            self.probes is None or all(isinstance(p, str) for p in self.probes),
            "probes must be a list of signal names",
        )
        try:
            json.dumps(self.env_kwargs)
        except TypeError:
            raise ConfigError("env_kwargs must hold plain JSON values") from None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> RunConfig:
        return from_dict(RunConfig, {**self.to_dict(), **changes}, "config")


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or TOML file into a dict; a clear error for anything unreadable."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        data = json.loads(text)
    except (
        OSError,
        UnicodeDecodeError,
        json.JSONDecodeError,
        tomllib.TOMLDecodeError,
        RecursionError,
    ) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else error
        raise ConfigError(f"cannot read config file {path}: {reason}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a table of settings")
    return data
