"""Property-based fuzzing of littlebrain's boundary: configs, env-args, checkpoint archives and
observations drawn by hypothesis. Whatever comes in, the answer is a run that works or one
clear line with exit code 2 (an ObservationError from the Python API), never a traceback, a
hang or a crash, and a refused input changes nothing. The number of examples is bounded so that
CI stays short; a failure prints the example that caused it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.checkpoint import load_checkpoint
from littlebrain.cli import main
from littlebrain.errors import ObservationError

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every CI run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- values a file or a flag can hold ------------------------------------------------------
numbers = st.one_of(
    st.integers(-5, 3000),
    st.sampled_from([0, 1, -1, 2**31, 2**63, -(2**63), 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e-300, 1e300, -0.5, 0.5, 1.5]),
)
scalars = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _region_settings() -> st.SearchStrategy[dict]:
    """Settings of the default brain: real region and field names with any values, and some
    names that do not exist."""
    fields = {
        name: list(getattr(DefaultBrainConfig(), name).__dataclass_fields__)
        for name in DefaultBrainConfig.__dataclass_fields__
        if hasattr(getattr(DefaultBrainConfig(), name), "__dataclass_fields__")
    }
    region = st.sampled_from(sorted(fields)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.dictionaries(st.sampled_from([*fields[name], "bogus"]), json_values, max_size=2),
        )
    )
    top = st.sampled_from([*DefaultBrainConfig.__dataclass_fields__, "bogus"])
    return st.one_of(
        st.lists(region, max_size=2).map(dict),
        st.dictionaries(top, json_values, max_size=2),
    )


run_settings = st.fixed_dictionaries(
    {},
    optional={
        "seed": json_values,
        "steps": json_values,
        "checkpoint_every": json_values,
        "keep_checkpoints": json_values,
        "brain": st.sampled_from(["default", "random", "nobrain", 3]),
        "env_kwargs": st.dictionaries(
            st.sampled_from(["size", "view", "reward_mode", "starvation_steps", "x"]),
            json_values,
            max_size=2,
        ),
        "brain_config": _region_settings(),
        "unknown": json_values,
    },
)


def ends_cleanly(capsys, argv: list[str]) -> int:
    """Run the command line: it must succeed, or fail with one line and exit code 2."""
    code = main(argv)
    err = capsys.readouterr().err
    if code != 0:
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("littlebrain: error: "), err
    return code


@FUZZ
@given(settings_=run_settings)
def test_any_config_file_runs_or_is_refused_in_one_line(capsys, settings_):
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps(settings_, allow_nan=True))
        out = Path(tmp) / "run"
        argv = ["run", "snake", "--config", str(config), "--steps", "40", "--out", str(out)]
        code = ends_cleanly(capsys, [*argv, "--quiet"])
        event("ran" if code == 0 else "refused")
        if code != 0:
            assert not out.exists()  # nothing is made from a refused config


@FUZZ
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(
                ["size", "view", "reward_mode", "starvation_steps", "render_mode", "x", ""]
            ),
            st.one_of(st.text(max_size=10), numbers.map(str), json_values.map(json.dumps)),
        ),
        max_size=3,
    )
)
def test_any_env_arg_runs_or_is_refused_in_one_line(capsys, pairs):
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["run", "snake", "--steps", "30", "--out", str(Path(tmp) / "run"), "--quiet"]
        for key, value in pairs:
            argv += ["--env-arg", f"{key}={value}"]
        try:
            ends_cleanly(capsys, argv)
        except SystemExit as exit_:  # argparse's own refusal of a malformed flag
            assert exit_.code == 2
            assert "Traceback" not in capsys.readouterr().err


# -- checkpoint archives ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("fuzz") / "run"
    argv = ["run", "snake", "--env-arg", "view=egocentric", "--steps", "6003"]
    assert main([*argv, "--checkpoint-every", "6003", "--out", str(run), "--quiet"]) == 0
    return run


ODD_VALUES = [0, 1, -1, 2, 7, 255, -(2**31), 2**31 - 1, 10**7, np.nan, np.inf, -np.inf, 1e30]
ANY = st.integers(0, 10**6)  # which array, which entry (modulo their number)
DTYPES = ["int64", "float32", "uint8", "bool", "U3"]
META = ["step", "episode", "feedback", "brain", "version", "observation_sha256", "episode_return"]
mutations = st.one_of(
    st.tuples(st.just("value"), ANY, ANY, st.sampled_from(ODD_VALUES)),
    st.tuples(st.just("dtype"), ANY, st.sampled_from(DTYPES)),
    st.tuples(st.just("shape"), ANY, st.integers(-3, 3)),
    st.tuples(st.just("drop"), ANY),
    st.tuples(st.just("add"), st.sampled_from(["hippocampus.x", "zzz", "brain.other", "loop.y"])),
    st.tuples(st.just("truncate"), st.floats(0.0, 1.0)),
    st.tuples(st.just("meta"), st.sampled_from(META), json_values),
)


def _mutate(arrays: dict, meta: dict, mutation: tuple) -> dict | None:
    """Apply one mutation; returns the arrays to save, or None when the file is cut instead."""
    kind, keys = mutation[0], sorted(arrays)
    if kind == "value":
        array = arrays[keys[mutation[1] % len(keys)]]
        if array.size:
            flat = array.reshape(-1)
            with np.errstate(invalid="ignore", over="ignore"):
                try:
                    flat[mutation[2] % array.size] = mutation[3]
                except (ValueError, OverflowError):
                    pass  # the value does not fit the dtype: no change
    elif kind == "dtype":
        key = keys[mutation[1] % len(keys)]
        with np.errstate(invalid="ignore", over="ignore"):
            arrays[key] = arrays[key].astype(mutation[2])
    elif kind == "shape":
        key = keys[mutation[1] % len(keys)]
        grown = mutation[2]
        array = arrays[key].reshape(-1)
        arrays[key] = np.resize(array, max(len(array) + grown, 0))
    elif kind == "drop":
        del arrays[keys[mutation[1] % len(keys)]]
    elif kind == "add":
        arrays[mutation[1]] = np.zeros(4)
    elif kind == "truncate":
        return None
    elif kind == "meta":
        meta[mutation[1]] = mutation[2]
    return arrays


@FUZZ
@given(mutation=mutations)
def test_any_checkpoint_archive_resumes_or_is_refused_in_one_line(capsys, template, mutation):
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        shutil.copytree(template, run)
        checkpoint = sorted((run / "checkpoints").glob("step-*"))[-1]
        arrays, meta = load_checkpoint(checkpoint)
        arrays = _mutate(arrays, meta, mutation)
        path = checkpoint / "arrays.npz"
        if arrays is None:
            data = path.read_bytes()
            path.write_bytes(data[: int(len(data) * mutation[1])])
        else:
            np.savez_compressed(path, **arrays)
        # crafted, not corrupted: the checksum is made to match
        meta["arrays_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        (checkpoint / "meta.json").write_text(json.dumps(meta, allow_nan=True))
        before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
        code = ends_cleanly(capsys, ["resume", str(run), "--steps", "6400", "--quiet"])
        event(f"{mutation[0]}: {'resumed' if code == 0 else 'refused'}")
        if code != 0:
            assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


# -- observations ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def brains():
    snake = gym.make("littlebrain/Snake-v0", view="egocentric")
    cartpole = gym.make("CartPole-v1")  # unbounded dimensions
    return [
        (env, DefaultBrain(env.observation_space, env.action_space, DefaultBrainConfig(), 0))
        for env in (snake, cartpole)
    ]


observation_dtypes = st.sampled_from(
    [np.float16, np.float32, np.float64, np.uint8, np.int8, np.int64, np.bool_, np.complex64]
)


@FUZZ
@given(data=st.data())
def test_any_observation_is_taken_or_refused_and_a_refusal_changes_nothing(brains, data):
    env, brain = brains[data.draw(st.integers(0, 1))]
    shape = env.observation_space.shape
    shape = data.draw(st.one_of(st.just(shape), hnp.array_shapes(max_dims=3, max_side=20)))
    observation = data.draw(
        hnp.arrays(
            observation_dtypes,
            shape,
            elements={"allow_nan": True, "allow_infinity": True}
            if data.draw(st.booleans())
            else None,
        )
    )
    feedback = data.draw(st.one_of(numbers, st.text(max_size=3), st.none()))
    before = brain.state_dict()
    try:
        action = brain.step(observation, feedback)
    except ObservationError as error:
        event("refused")
        assert str(error).count("\n") == 0
        after = brain.state_dict()
        assert all(np.array_equal(before[k], after[k], equal_nan=True) for k in before)
        return
    event("taken")
    assert 0 <= action < env.action_space.n
    state = brain.state_dict()
    for name, region in brain.regions.items():  # what was taken leaves a loadable state
        region.check_state(
            {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith(name + ".")}
        )
