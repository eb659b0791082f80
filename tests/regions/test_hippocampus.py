"""Hippocampus: pattern completion, exact reverse replay, forgetting, state, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.dentate_gyrus import DentateGyrus, DentateGyrusConfig
from littlebrain.regions.hippocampus import Hippocampus, HippocampusConfig


def make(**kwargs) -> Hippocampus:
    defaults = {"key_dim": 8, "n_actions": 3, "capacity": 1000, "index": "exact"}
    return Hippocampus(HippocampusConfig(**(defaults | kwargs)))


def keys(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def walk(h: Hippocampus, ks: np.ndarray, actions, feedback: float = 0.0) -> None:
    """Visit keys with actions; feedback (if any) arrives with the first step."""
    for i, (k, a) in enumerate(zip(ks, actions, strict=True)):
        h.step(k, feedback if i == 0 else 0.0)
        h.store(k, int(a))


# -- pattern completion -------------------------------------------------------------------
def test_recall_from_half_masked_noisy_cue():
    """2,000 patterns, half of each cue hidden, noise 0.5 on the rest: >= 95% correct.

    Measured (benchmarks/hippocampus_bench.py): 100% up to 64k patterns at noise 0.5, and 100%
    with a noiseless half cue; the bound here is conservative.
    """
    n, dim = 2000, 64
    patterns = keys(n, dim, seed=1)
    h = make(key_dim=dim, n_actions=1, capacity=n + 1)
    h.load_memories(patterns, np.zeros(n, int), np.zeros(n))
    rng = np.random.default_rng(2)
    correct = noiseless = 0
    trials = 200
    for i in rng.choice(n, trials, replace=False):
        mask = np.zeros(dim, bool)
        mask[rng.choice(dim, dim // 2, replace=False)] = True
        noisy = np.where(mask, patterns[i] + 0.5 * rng.standard_normal(dim), 0.0)
        correct += np.array_equal(h.complete(noisy, mask), patterns[i])
        clean = np.where(mask, patterns[i], 0.0)
        noiseless += np.array_equal(h.complete(clean, mask), patterns[i])
    assert noiseless == trials
    assert correct / trials >= 0.95


# -- replay -------------------------------------------------------------------------------
def test_replay_writes_exact_discounted_outcome_backwards():
    h = make(discount=0.5)
    ks = keys(5)
    walk(h, ks, [0, 1, 2, 0, 1])
    assert all(h.value_of(k, a) is None for k, a in zip(ks, [0, 1, 2, 0, 1], strict=True))
    h.step(ks[0], feedback=1.0)  # the outcome of the 5th action
    got = [h.value_of(k, a) for k, a in zip(ks, [0, 1, 2, 0, 1], strict=True)]
    assert got == [0.0625, 0.125, 0.25, 0.5, 1.0]
    assert len(h.pending) == 0


def test_an_outcome_recognised_late_is_discounted_from_where_it_belongs():
    """steps_ago = 2: the discount counts from two steps back; the two steps since get the
    outcome whole (the probe of results/dishpong dates late alarms this way)."""
    h = make(discount=0.5)
    ks = keys(5)
    walk(h, ks, [0, 1, 2, 0, 1])
    h._replay(1.0, steps_ago=2)
    got = [h.value_of(k, a) for k, a in zip(ks, [0, 1, 2, 0, 1], strict=True)]
    assert got == [0.25, 0.5, 1.0, 1.0, 1.0]


def test_replay_general_discount_and_death():
    gamma = 0.97
    h = make(discount=gamma)
    ks = keys(40, seed=3)
    walk(h, ks, np.zeros(40, int))
    h.conclude(-1.0, terminated=True)  # death at the end
    expected = np.float32(-1.0 * gamma ** np.arange(39, -1, -1))
    got = np.array([h.value_of(k, 0) for k in ks], np.float32)
    np.testing.assert_array_equal(got, expected)  # a first return is written even if < 0


def test_max_and_mean_updates_over_repeated_visits():
    ks = keys(3, seed=4)
    for update, expected in [("max", 1.0), ("mean", 0.75)]:
        h = make(discount=0.5, update=update, returns="segment")
        walk(h, ks, [0, 0, 0])
        h.step(ks[0], 1.0)  # returns 0.25, 0.5, 1
        walk(h, ks[1:], [0, 0])
        h.conclude(0.5, terminated=True)  # returns 0.25, 0.5 for the last two
        assert h.value_of(ks[2], 0) == expected  # max(1, 0.5) or mean(1, 0.5)
        assert h.size == 3  # revisits merged into the same memories


def test_replay_inside_a_long_episode_is_segment_wise():
    h = make(discount=0.5, returns="segment")
    ks = keys(6, seed=5)
    walk(h, ks[:3], [0, 1, 2])
    walk(h, ks[3:], [0, 1, 2], feedback=1.0)  # food after step 3, delivered at step 4
    h.step(ks[0], feedback=2.0)  # food after step 6
    got = [h.value_of(k, a) for k, a in zip(ks, [0, 1, 2, 0, 1, 2], strict=True)]
    assert got == [0.25, 0.5, 1.0, 0.5, 1.0, 2.0]


def test_life_long_returns_add_every_later_outcome_of_the_segment():
    """returns="life": the same walk as above, but the steps before the first food also get
    the second food, discounted; revisits average whole returns; the segment's end stops it."""
    h = make(discount=0.5, returns="life")
    ks = keys(6, seed=5)
    walk(h, ks[:3], [0, 1, 2])
    walk(h, ks[3:], [0, 1, 2], feedback=1.0)
    h.step(ks[0], feedback=2.0)
    got = [h.value_of(k, a) for k, a in zip(ks, [0, 1, 2, 0, 1, 2], strict=True)]
    assert got == [0.25 + 0.0625, 0.5 + 0.125, 1.0 + 0.25, 0.5, 1.0, 2.0]
    assert len(h.pending) == 0
    # a revisit of the first memory, then an outcome of 1 ending the segment: the first visit's
    # return grows by 1 * 0.5^6 and the revisit's return is 1; the memory holds their mean
    h.store(ks[0], 0)
    h.conclude(1.0, terminated=True)
    assert h.value_of(ks[0], 0) == (0.3125 + 0.5**6 + 1.0) / 2
    assert h.value_of(ks[2], 2) == 1.25 + 0.5**4
    h.reset_episode()
    walk(h, ks[:1], [1], feedback=0.0)
    h.step(ks[0], feedback=4.0)  # a new segment: the old steps are out of reach
    assert h.value_of(ks[2], 2) == 1.25 + 0.5**4


def test_life_long_returns_reach_back_only_as_far_as_the_cutoff():
    h = make(discount=0.5, returns="life", return_cutoff=0.2)  # 0.5^3 < 0.2 <= 0.5^2
    ks = keys(8, seed=9)
    walk(h, ks, np.zeros(8, int))
    h.step(ks[0], feedback=1.0)
    before = [h.value_of(k, 0) for k in ks]
    h.step(ks[0], feedback=1.0)  # the next step's outcome, straight after
    after = [h.value_of(k, 0) for k in ks]
    changed = [i for i in range(8) if after[i] != before[i]]
    assert changed == [5, 6, 7]  # the steps the next outcome weighs 0.5^2, 0.5^1, 0.5^0
    with pytest.raises(ConfigError, match="update='mean'"):
        make(returns="life", update="max")


def test_episode_ends_truncation_versus_termination():
    ks = keys(4, seed=6)
    # termination with no feedback: the steps led to nothing, they are worth 0
    h = make(discount=0.5)
    walk(h, ks[:2], [0, 0])
    h.conclude(0.0, terminated=True)
    assert h.value_of(ks[1], 0) == 0.0
    # truncation with nothing known about the future: no value is invented
    h = make(discount=0.5)
    walk(h, ks[:2], [0, 0])
    h.conclude(0.0, terminated=False, final_key=ks[3])
    h.reset_episode()
    assert h.value_of(ks[0], 0) is None and h.value_of(ks[1], 0) is None
    # truncation where the final state's value is known: bootstrap r + gamma * V(final)
    h = make(discount=0.5, k_neighbours=1)
    walk(h, ks[3:], [2])
    h.conclude(4.0, terminated=True)  # V(ks[3], action 2) = 4
    h.reset_episode()
    walk(h, ks[:2], [0, 1])
    h.conclude(0.0, terminated=False, final_key=ks[3])
    assert h.value_of(ks[1], 1) == 2.0 and h.value_of(ks[0], 0) == 1.0


# -- recall -------------------------------------------------------------------------------
def test_value_estimate_novelty_and_counts():
    h = make(k_neighbours=2, n_actions=2, averaging="mean")
    base = np.zeros(8, np.float32)
    offsets = [1.0, 2.0, 3.0, 10.0]
    ks = np.stack([base + o * np.eye(8, dtype=np.float32)[0] for o in offsets])
    h.load_memories(ks, np.array([0, 0, 0, 1]), np.array([1.0, 3.0, 100.0, 7.0]))
    r = h.recall(base)
    np.testing.assert_allclose(r.values, [2.0, 7.0])  # mean of the 2 nearest of each action
    np.testing.assert_array_equal(r.counts, [2, 1])
    assert r.novelty == pytest.approx(1.0)
    assert h.recall(ks[1]).values[0] == 3.0  # an identical memory gives its own value
    empty = make(n_actions=2).recall(base)
    assert not empty.known.any() and empty.novelty == np.inf


def test_kernel_average_and_confidence_favour_near_memories():
    h = make(k_neighbours=2, n_actions=2, kernel_delta=1e-3)
    base = np.zeros(8, np.float32)
    unit = np.eye(8, dtype=np.float32)[0]
    h.load_memories(
        np.stack([base + 0.1 * unit, base + 3.0 * unit, base + 3.0 * unit]),
        np.array([0, 0, 1]),
        np.array([1.0, -1.0, -1.0]),
    )
    r = h.recall(base)
    # weights 1 / (d^2 + 0.008): 1 / 0.018 against 1 / 9.008, so the near memory dominates
    expected = (1 / 0.018 - 1 / 9.008) / (1 / 0.018 + 1 / 9.008)
    assert r.values[0] == pytest.approx(expected, rel=1e-4)
    assert r.values[1] == pytest.approx(-1.0)  # far, but the only memory of action 1
    # confidence: s / (d^2 + s) of the nearest memory, s = the running mean of squared novelty
    s = float(h.distance_scale[0])
    assert s == pytest.approx(0.01)  # one recall so far, at novelty 0.1
    assert r.confidence[0] == pytest.approx(s / (0.01 + s), rel=1e-3)
    assert r.confidence[1] < 0.01 < r.confidence[0]


def test_waiting_memories_do_not_count_for_values():
    h = make()
    ks = keys(3, seed=7)
    walk(h, ks, [0, 0, 0])
    r = h.recall(ks[0])
    assert not r.known.any() and r.novelty == pytest.approx(0.0, abs=1e-3)


def _reference_recall(h: Hippocampus, key: np.ndarray, scale: float):
    """Exact recall written plainly in NumPy (float64): the compiled kernel's specification."""
    cfg, n = h.config, h.size
    d2 = ((h.keys[:n].astype(np.float64) - key.astype(np.float64)) ** 2).sum(axis=1)
    values = np.zeros(cfg.n_actions)
    counts = np.zeros(cfg.n_actions, np.int64)
    confidence = np.zeros(cfg.n_actions)
    for a in range(cfg.n_actions):
        mine = np.flatnonzero((h.actions[:n] == a) & (h.n_returns[:n] > 0))
        if len(mine) == 0:
            continue
        near = mine[np.argsort(d2[mine], kind="stable")[: cfg.k_neighbours]]
        w = 1.0 / (d2[near] + cfg.kernel_delta * cfg.key_dim)
        if cfg.averaging == "kernel":
            values[a] = (w * h.values[near]).sum() / w.sum()
        else:
            values[a] = h.values[near].mean()
        if d2[near[0]] <= 1e-5 * float(key.astype(np.float64) @ key):
            values[a] = h.values[near[0]]  # an identical memory gives its own value
        counts[a] = len(near)
        confidence[a] = (scale / (d2[near] + scale)).max()
    return values, counts, confidence, float(np.sqrt(d2.min()))


@pytest.mark.parametrize("averaging", ["kernel", "mean"])
@pytest.mark.parametrize("index", ["exact", "auto"])
def test_compiled_recall_matches_a_plain_numpy_reference(averaging, index):
    """Random memories (some waiting, some duplicated keys), every action, both averagings; in
    IVF mode all cells are probed, so the index must agree with exact search too."""
    rng = np.random.default_rng(21)
    cfg = {"n_actions": 4, "k_neighbours": 5, "averaging": averaging, "capacity": 2000}
    cfg |= {"index": index, "ivf_cells": 8, "ivf_probe": 8, "ivf_threshold": 100}
    h = make(**cfg)
    ks = keys(600, seed=22)
    h.load_memories(ks, rng.integers(0, 4, 600), rng.standard_normal(600))
    walk(h, ks[:20], rng.integers(0, 4, 20))  # merges into loaded memories, or waits
    walk(h, keys(30, seed=23), rng.integers(0, 4, 30))  # new memories waiting for an outcome
    assert h.uses_ivf == (index == "auto") and h.size > 600
    h.freeze()  # the distance scale stays put, so the reference can use it
    for q in [*keys(40, seed=24), ks[5], ks[100] + 0.01]:
        values, counts, confidence, novelty = _reference_recall(h, q, h.distance_scale[0])
        r = h.recall(q)
        np.testing.assert_array_equal(r.counts, counts)
        np.testing.assert_allclose(r.values, values, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(r.confidence, confidence, rtol=1e-4, atol=1e-6)
        assert r.novelty == pytest.approx(novelty, rel=1e-4, abs=1e-3)


# -- forgetting ---------------------------------------------------------------------------
def test_lru_forgetting_bounds_size_and_drops_least_recently_used():
    h = make(capacity=100, evict_fraction=0.1, n_actions=1, k_neighbours=1)
    ks = keys(101, seed=8)
    walk(h, ks[:100], np.zeros(100, int))
    h.step(ks[0], feedback=1.0)  # replay values (and uses) all 100
    for j in range(10, 100):
        h.step(ks[j])  # recall uses memory j later than memories 0..9
    h.store(ks[100], 0)  # (no recall first: that would use the new key's neighbour)
    assert h.size == 91
    kept = {tuple(k) for k in h.keys[: h.size]}
    assert all(tuple(k) not in kept for k in ks[:10])
    assert all(tuple(k) in kept for k in ks[10:])
    for k in keys(300, seed=9):
        h.step(k)
        h.store(k, 0)
        assert h.size <= 100


def test_lru_forgetting_with_ties_drops_what_a_full_sort_would():
    """The partial sort of LRU forgetting equals lexsort((last_used, pending))[:n_evict]."""
    rng = np.random.default_rng(25)
    for trial in range(20):
        h = make(capacity=200, evict_fraction=0.1, n_actions=2)
        h.load_memories(keys(200, seed=trial), rng.integers(0, 2, 200), np.zeros(200))
        h.last_used[:200] = rng.integers(0, 5, 200)  # many ties
        pending = rng.choice(200, 30, replace=False)
        h.trajectory[:30] = pending
        h._set("traj_len", 30)
        flag = np.zeros(200, bool)
        flag[pending] = True
        dropped = np.lexsort((h.last_used[:200], flag))[:20]
        expected = {tuple(k) for k in np.delete(h.keys[:200], dropped, axis=0)}
        h._forget(20)
        assert {tuple(k) for k in h.keys[: h.size]} == expected


def test_least_valuable_forgetting_drops_smallest_magnitudes():
    h = make(capacity=50, evict_fraction=0.1, forgetting="least_valuable", n_actions=2)
    ks = keys(50, seed=10)
    values = np.linspace(-1.0, 1.5, 50)
    h.load_memories(ks, np.arange(50) % 2, values)
    extra = keys(1, seed=11)[0]
    h.step(extra)
    h.store(extra, 1)
    dropped = np.argsort(np.abs(values), kind="stable")[:5]
    kept = {tuple(k) for k in h.keys[: h.size]}
    assert h.size == 46
    assert all(tuple(ks[i]) not in kept for i in dropped)
    assert sum(tuple(k) in kept for k in ks) == 45


def test_pending_steps_survive_forgetting_until_nothing_else_is_left():
    h = make(capacity=20, evict_fraction=0.25, n_actions=1, discount=0.5)
    h.load_memories(keys(10, seed=12), np.zeros(10, int), np.ones(10))
    ks = keys(30, seed=13)
    walk(h, ks, np.zeros(30, int))  # 30 steps without an outcome in a memory of 20
    assert h.size <= 20 and len(h.pending) <= 20
    h.step(ks[0], feedback=1.0)
    survivors = [i for i in range(30) if h.value_of(ks[i], 0) is not None]
    assert survivors == list(range(30 - len(survivors), 30))  # the newest steps survive
    for i in survivors:
        assert h.value_of(ks[i], 0) == 0.5 ** (29 - i)  # and still get the right returns


# -- state --------------------------------------------------------------------------------
def _workload(h: Hippocampus, seed: int, steps: int) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for t in range(steps):
        key = np.round(rng.standard_normal(8), 1).astype(np.float32)  # revisits happen
        fb = float(rng.choice([0.0, 0.0, 0.0, 1.0, -1.0]))
        r = h.step(key, fb)
        out.append((r.values.tobytes(), r.counts.tobytes(), r.novelty))
        h.store(key, int(rng.integers(3)))
        if t % 97 == 96:
            h.conclude(0.0, terminated=bool(t % 2), final_key=key)
            h.reset_episode()
    return out


@pytest.mark.parametrize("index", ["exact", "auto"])
def test_state_dict_round_trips_bit_exactly_after_forgetting(index):
    cfg = {"capacity": 300, "index": index, "ivf_cells": 8, "ivf_probe": 3, "ivf_threshold": 64}
    h = make(**cfg)
    _workload(h, 0, 700)  # well past capacity: forgetting and (auto) IVF training happened
    assert h.size <= 300 and (h.uses_ivf == (index == "auto"))
    state = h.state_dict()
    twin = make(**cfg)
    twin.load_state_dict(state)
    after = twin.state_dict()
    assert state.keys() == after.keys()
    for name in state:
        assert state[name].dtype == after[name].dtype
        np.testing.assert_array_equal(state[name], after[name])
    # and the two continue identically (derived index rebuilt the same way)
    assert _workload(h, 1, 400) == _workload(twin, 1, 400)
    for name, value in h.state_dict().items():
        np.testing.assert_array_equal(value, twin.state_dict()[name])


def test_frozen_memory_does_not_change():
    h = make()
    _workload(h, 2, 50)
    before = h.state_dict()
    h.freeze()
    _workload(h, 3, 50)
    for name, value in h.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# -- the approximate index ----------------------------------------------------------------
def test_ivf_recall_against_exact_search():
    rng = np.random.default_rng(14)
    latent = np.cumsum(0.2 * rng.standard_normal((6000, 4)), axis=0)
    data = (np.sin(latent) @ rng.standard_normal((4, 16))).astype(np.float32)
    actions = rng.integers(0, 4, 6000)
    cfg = {"key_dim": 16, "n_actions": 4, "capacity": 7000, "ivf_cells": 32, "ivf_probe": 6}
    approx = make(**cfg, index="auto", ivf_threshold=2000)
    exact = make(**cfg, index="exact")
    for h in (approx, exact):
        h.load_memories(data[:5900], actions[:5900], np.zeros(5900))
    assert approx.uses_ivf and not exact.uses_ivf
    hits = []
    for q in data[5900:]:
        a_slots, _ = approx.neighbours(q)
        e_slots, _ = exact.neighbours(q)
        for row_a, row_e in zip(a_slots, e_slots, strict=True):
            found = {tuple(approx.keys[s]) for s in row_a if s >= 0}
            truth = [tuple(exact.keys[s]) for s in row_e if s >= 0]
            hits.append(np.mean([t in found for t in truth]))
    assert np.mean(hits) >= 0.9


def test_dentate_gyrus_code_works_as_key():
    dg = DentateGyrus(
        DentateGyrusConfig(input_dim=8, n_units=512, k_active=10), np.random.default_rng(0)
    )
    h = make(key_dim=512, discount=0.5)
    ks = [dg.step(k) for k in keys(3, seed=15)]
    walk(h, ks, [0, 1, 2])
    h.step(ks[0], feedback=1.0)
    assert [h.value_of(k, a) for k, a in zip(ks, [0, 1, 2], strict=True)] == [0.25, 0.5, 1.0]


# -- bad inputs and settings ----------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.step(np.zeros(7)),
        lambda h: h.step(np.full(8, np.nan)),
        lambda h: h.step(np.array(["x"] * 8)),
        lambda h: h.step(np.zeros(8), feedback=float("inf")),
        lambda h: h.step(np.zeros(8), feedback="a lot"),
        lambda h: h.store(np.zeros(8), 3),
        lambda h: h.store(np.zeros(8), 1.5),
        lambda h: h.store(np.zeros((2, 8)), 0),
        lambda h: h.recall(np.full(8, np.inf)),
        lambda h: h.nearest(np.zeros(8), mask=np.ones(8)),
        lambda h: h.conclude(0.0, True, final_key=np.zeros(9)),
        lambda h: h.load_memories(np.zeros((2, 8)), np.array([0, 5]), np.zeros(2)),
    ],
)
def test_bad_inputs_raise_observation_error(call):
    with pytest.raises(ObservationError):
        call(make())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key_dim": 0},
        {"capacity": 1},
        {"discount": 0.0},
        {"update": "median"},
        {"forgetting": "random"},
        {"evict_fraction": 0.0},
        {"index": "hnsw"},
        {"ivf_probe": 300},
        {"ivf_threshold": 10},
        {"merge_radius": -1.0},
    ],
)
def test_bad_settings_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        HippocampusConfig(**kwargs)


def test_sample_valued_draws_only_memories_with_a_value():
    memory = Hippocampus(HippocampusConfig(key_dim=4, n_actions=2, capacity=100))
    rng = np.random.default_rng(0)
    assert len(memory.sample_valued(3, rng).keys) == 0
    memory.load_memories(np.eye(4, dtype=np.float32)[:2], np.array([0, 1]), np.array([0.5, -1.0]))
    memory.store(np.array([0, 0, 1, 0], np.float32), 0)  # waiting for an outcome: no value yet
    seen = set()
    for _ in range(50):
        sampled = memory.sample_valued(2, rng)
        assert len(sampled.keys) <= 2 and sampled.tags.shape == (len(sampled.keys), 0)
        for key, action, value in zip(sampled.keys, sampled.actions, sampled.values, strict=True):
            assert key[2] == 0, "a memory without a value is never replayed"
            seen.add((int(np.argmax(key)), int(action), float(value)))
    assert seen == {(0, 0, 0.5), (1, 1, -1.0)}


def test_each_memory_keeps_its_tag_through_merging_forgetting_and_reordering():
    # the tag is given at the store and comes back with its memory however slots move
    config = HippocampusConfig(
        key_dim=6, n_actions=3, capacity=60, tag_width=2, ivf_threshold=40, ivf_cells=4, ivf_probe=2
    )
    memory = Hippocampus(config)
    rng = np.random.default_rng(3)
    keys = rng.standard_normal((40, 6)).astype(np.float32)  # 120 pairs for 60 memories

    def tag_of(i: int, action: int) -> np.ndarray:
        return np.array([i, 100 + action], dtype=np.int64)

    for t in range(1200):  # past capacity: memories are forgotten and compacted many times
        i, action = int(rng.integers(40)), int(rng.integers(3))
        memory.step(keys[i], 1.0 if t % 7 == 0 else 0.0)
        memory.store(keys[i], action, tag_of(i, action))
    assert memory.uses_ivf and memory.size <= config.capacity
    checked = 0
    for _ in range(200):
        sampled = memory.sample_valued(4, rng)
        for key, action, tag in zip(sampled.keys, sampled.actions, sampled.tags, strict=True):
            i = int(np.flatnonzero((keys == key).all(axis=1))[0])
            assert tag.tolist() == tag_of(i, int(action)).tolist()
            checked += 1
    assert checked > 100
    restored = Hippocampus(config)
    restored.load_state_dict(memory.state_dict())
    assert np.array_equal(restored.tags, memory.tags)


def test_a_tagged_memory_needs_its_tag():
    memory = Hippocampus(HippocampusConfig(key_dim=4, n_actions=2, tag_width=3))
    key = np.ones(4, np.float32)
    with pytest.raises(ObservationError, match="tag"):
        memory.store(key, 0)
    with pytest.raises(ObservationError, match="tags must be integers of shape"):
        memory.store(key, 0, np.zeros(2, np.int32))
    with pytest.raises(ObservationError, match="tags must be integers"):
        memory.store(key, 0, np.zeros(3))
    with pytest.raises(ObservationError, match="tag"):
        memory.load_memories(key[None], np.zeros(1, int), np.zeros(1))
    assert memory.size == 0


def test_compiled_row_sums_are_numpys_add_at_to_the_bit():
    from littlebrain.regions._hippocampus_kernels import add_rows

    rng = np.random.default_rng(3)
    x = (rng.standard_normal((500, 37)) * 10.0 ** rng.integers(-6, 6, (500, 37))).astype(np.float32)
    cells = rng.integers(0, 9, 500)
    expected = np.zeros((9, 37))
    np.add.at(expected, cells, x)
    sums = np.zeros((9, 37))
    add_rows(sums, cells, x)
    assert sums.tobytes() == expected.tobytes()


@pytest.mark.parametrize("forget", [False, True])
@pytest.mark.parametrize("older_sorted", [True, False])
def test_compaction_in_place_is_the_stable_sort_of_the_kept_memories(forget, older_sorted):
    # compaction used to gather every array through np.argsort(group, kind="stable"); the
    # counting sort and the in-place move must give the same rows in the same slots
    from littlebrain.regions._hippocampus_kernels import compaction_slots, move_rows

    rng = np.random.default_rng(4)
    n, sorted_end, n_groups = 3000, 2600, 40
    group = rng.integers(n_groups, size=n)
    if older_sorted:  # the usual case: only the recent part [sorted_end, n) is new
        group[:sorted_end] = np.sort(group[:sorted_end])
    keep = rng.random(n) > (0.1 if forget else 0.0)
    kept = np.flatnonzero(keep)
    order = kept[np.argsort(group[kept], kind="stable")]
    new_slot, in_order = compaction_slots(group, keep, sorted_end, n_groups)
    expected = np.full(n, -1)
    expected[order] = np.arange(len(order))
    assert np.array_equal(new_slot, expected)
    assert in_order == older_sorted
    if in_order:
        for width in (0, 1, 7):
            rows = rng.standard_normal((n, width)).astype(np.float32)
            before = rows.copy()
            move_rows(rows, new_slot, sorted_end)
            assert np.array_equal(rows[: len(order)], before[order])
