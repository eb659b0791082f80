"""The cortex against its oracle, batch PCA by NumPy SVD / eigh."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import littlebrain  # noqa: F401  (registers littlebrain/Snake-v0)
from littlebrain.analysis.pca_baselines import (
    HebbianPCA,
    captured_variance_fraction,
    max_principal_angle,
)
from littlebrain.errors import ConfigError, ObservationError
from littlebrain.regions.cortex import Cortex, CortexConfig
from littlebrain.regions.retina import Retina, RetinaConfig


def spiked(d: int, k: int, seed: int, top: float = 100.0, gap: float = 0.5):
    """k spikes from `top` down to 1 (geometric), a power-law bulk from `gap` down, noise 1e-3.

    Returns (factor F with C = F F^T + noise I, mean, noise).
    """
    rng = np.random.default_rng(seed)
    bulk = 3 * k
    q, _ = np.linalg.qr(rng.standard_normal((d, k + bulk)))
    lam = np.concatenate([np.geomspace(top, 1.0, k), gap / np.arange(1, bulk + 1)])
    return q * np.sqrt(lam), rng.standard_normal(d), 1e-3


def draw(F: np.ndarray, mean: np.ndarray, noise: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, F.shape[1])) @ F.T
    return (z + np.sqrt(noise) * rng.standard_normal((n, F.shape[0])) + mean).astype(np.float32)


def batch_pca(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The oracle: centred data, top-k right singular vectors (d x k), top-k eigenvalues."""
    Xc = X.astype(np.float64) - X.mean(axis=0)
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc, vt[:k].T, s[:k] ** 2 / len(X)


def run(region, X: np.ndarray, marks=()) -> dict[int, np.ndarray]:
    seen = {}
    for i, x in enumerate(X, start=1):
        region.step(x)
        if i in marks:
            seen[i] = region.components[: region.k].copy()
    return seen


def run_hebbian(rule: str, X: np.ndarray, k: int, marks=(), batch: int = 16):
    learner = HebbianPCA(X.shape[1], k, rule)
    seen = {}
    for i in range(0, len(X), batch):
        learner.partial_fit(X[i : i + batch])
        if i + batch in marks:
            seen[i + batch] = learner.W.copy()
    return learner.W, seen


@pytest.fixture(scope="module")
def one_pass():
    """One pass over 20k samples, d = 512, k = 16, eigenvalues spanning 100:1 in the top k."""
    d, k, n = 512, 16, 20_000
    F, mean, noise = spiked(d, k, seed=0)
    X = draw(F, mean, noise, n, seed=1)
    Xc, Q, top = batch_pca(X, k)
    marks = (2_000, n)
    cortex = Cortex(d, CortexConfig(k_max=k))
    ours = run(cortex, X, marks)
    hebbian = {rule: run_hebbian(rule, X, k, marks)[1] for rule in ("oja", "gha")}

    def score(W):
        return captured_variance_fraction(W, top, data=Xc), max_principal_angle(W, Q)

    return {
        "ours": {m: score(W) for m, W in ours.items()},
        **{rule: {m: score(W) for m, W in seen.items()} for rule, seen in hebbian.items()},
    }


def test_one_pass_matches_batch_pca(one_pass):
    fraction, angle = one_pass["ours"][20_000]
    assert fraction >= 0.99  # the brief asks for 0.98; measured ~0.9999
    assert angle < 0.1  # radians; measured ~0.03


def test_beats_oja_and_gha_after_one_pass_and_early(one_pass):
    for rule in ("oja", "gha"):
        for mark in (2_000, 20_000):
            ours_fraction, ours_angle = one_pass["ours"][mark]
            fraction, angle = one_pass[rule][mark]
            assert ours_fraction > fraction, (rule, mark)
            assert ours_angle < angle, (rule, mark)
    # converges faster: at 2k samples ours is already where the classic rules are not
    assert one_pass["ours"][2_000][0] >= 0.99
    assert one_pass["ours"][2_000][1] < 0.3


def test_reconverges_after_the_input_switches():
    d, k, half = 256, 8, 8_000
    F1, m1, noise = spiked(d, k, seed=11, top=10.0)
    F2, m2, _ = spiked(d, k, seed=12, top=10.0)
    X = np.concatenate([draw(F1, m1, noise, half, 3), draw(F2, m2, noise, half, 4)])
    top2 = np.linalg.svd(F2, compute_uv=False)[:k] ** 2 + noise

    def samples_to_reach(config: CortexConfig, target: float) -> int | None:
        cortex = Cortex(d, config)
        run(cortex, X[:half])
        for i in range(0, half, 250):
            run(cortex, X[half + i : half + i + 250])
            W = cortex.components[: cortex.k]
            if captured_variance_fraction(W, top2, factor=F2, noise_variance=noise) >= target:
                return i + 250
        return None

    # with the surprise reset: back at 0.98 of batch PCA within 1,000 samples (measured 500, at
    # 0.996; 1,750 before the remembered covariance and the fresh mean on a surprise)
    fast = samples_to_reach(CortexConfig(k_max=k), 0.98)
    assert fast is not None and fast <= 1_000
    # the same rule without it is still far off after 8,000: the reset earns its place
    assert samples_to_reach(CortexConfig(k_max=k, surprise_threshold=None), 0.98) is None


@pytest.mark.parametrize("target", [0.8, 0.9])
def test_self_sizing_settles_where_batch_pca_says(target):
    d = 256
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = 10.0 * np.arange(1, d + 1) ** -1.5  # a smooth power-law spectrum, as in images
    X = ((rng.standard_normal((12_000, d)) * np.sqrt(lam)) @ q.T).astype(np.float32)
    eig = np.linalg.eigvalsh(np.cov(X.T))[::-1]
    cumulative = np.cumsum(eig) / eig.sum()

    def batch_k(fraction: float) -> int:
        return int(np.searchsorted(cumulative, fraction) + 1)

    cortex = Cortex(d, CortexConfig(k_max=64, target_variance=target))
    run(cortex, X)
    # tolerance: the k that batch PCA needs for target -/+ 0.01. The running variance estimates
    # are noisy by about that much, and a flat spectrum makes k sensitive to it.
    assert batch_k(target - 0.01) <= cortex.k <= batch_k(target + 0.01)
    assert abs(cortex.explained_variance_fraction - target) < 0.02


def test_snake_boards_match_batch_pca():
    env = gym.make("littlebrain/Snake-v0")
    retina = Retina(env.observation_space.shape, RetinaConfig(out_height=10, out_width=10))
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    frames = []
    for _ in range(6_000):
        frames.append(retina.step(obs))
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        if terminated or truncated:
            obs, _ = env.reset()
            retina.reset_episode()
    X = np.asarray(frames)
    k = 16
    Xc, _, top = batch_pca(X, k)
    cortex = Cortex(X.shape[1], CortexConfig(k_max=k))
    run(cortex, X)
    assert captured_variance_fraction(cortex.components[:k], top, data=Xc) >= 0.98


def test_atari_frames_match_batch_pca():
    """Real Atari frames: Breakout through the retina to 42 x 42 (d = 1,764), one pass of 20k."""
    ale_py = pytest.importorskip("ale_py")
    gym.register_envs(ale_py)
    env = gym.make(
        "ALE/Breakout-v5", obs_type="grayscale", frameskip=4, repeat_action_probability=0.0
    )
    retina = Retina(
        env.observation_space.shape, RetinaConfig(out_height=42, out_width=42, transient=False)
    )
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    frames = []
    for _ in range(20_000):
        frames.append(retina.step(obs))
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
        if terminated or truncated:
            obs, _ = env.reset()
            retina.reset_episode()
    env.close()
    X = np.asarray(frames, dtype=np.float64)
    k = 16
    covariance = np.cov(X, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    cortex = Cortex(X.shape[1], CortexConfig(k_max=k))
    run(cortex, X.astype(np.float32))
    learned = cortex.components[:k].astype(np.float64)
    captured = np.trace(learned @ covariance @ learned.T)
    assert captured / eigenvalues[-k:].sum() >= 0.98


def test_output_is_whitened_and_ordered():
    d, k = 128, 8
    F, mean, noise = spiked(d, k, seed=3, top=10.0)
    X = draw(F, mean, noise, 6_000, seed=4)
    cortex = Cortex(d, CortexConfig(k_max=k))
    run(cortex, X[:4_000])
    cortex.freeze()
    Y = np.asarray([cortex.step(x) for x in X[4_000:]])
    assert Y.shape == (2_000, k) and Y.dtype == np.float32
    assert np.all(np.diff(cortex.variances[:k]) <= 0)  # ordered by variance
    np.testing.assert_allclose(np.mean(Y**2, axis=0), 1.0, atol=0.15)  # whitened


def test_padded_and_unpadded_output_sizes():
    X = draw(*spiked(64, 4, seed=5, top=10.0), 400, seed=6)
    padded = Cortex(64, CortexConfig(k_max=20, target_variance=0.5))
    bare = Cortex(64, CortexConfig(k_max=20, target_variance=0.5, pad_output=False))
    for x in X:
        a, b = padded.step(x), bare.step(x)
    assert a.shape == (20,) and b.shape == (bare.k,) and 0 < bare.k < 20
    np.testing.assert_array_equal(a[bare.k :], 0.0)


def test_reserve_units_learn_but_are_not_output():
    d, k = 64, 4
    X = draw(*spiked(d, 8, seed=13, top=10.0), 2_000, seed=14)
    cortex = Cortex(d, CortexConfig(k_max=k, reserve=6))
    Y = np.asarray([cortex.step(x) for x in X])
    assert cortex.k == k and int(cortex.n_units) == k + 6 and Y.shape == (2_000, k)
    U = cortex.components[: int(cortex.n_units)].astype(np.float64)
    np.testing.assert_allclose(U @ U.T, np.eye(k + 6), atol=1e-4)  # one orthonormal set
    assert np.all(np.diff(cortex.variances[: k + 6]) <= 0)  # the reserve holds the weaker ones
    # the reserve is capped at the input size
    assert Cortex(8, CortexConfig(k_max=4, reserve=48)).components.shape == (8, 8)


def test_state_dict_round_trip_is_bit_exact():
    d = 96
    X = draw(*spiked(d, 6, seed=8, top=10.0), 3_000, seed=9)
    config = CortexConfig(k_max=12, target_variance=0.9)
    original = Cortex(d, config)
    run(original, X[:1_005])  # leaves a partly filled mini-batch
    clone = Cortex(d, config)
    clone.load_state_dict(original.state_dict())
    for x in X[1_005:]:
        np.testing.assert_array_equal(original.step(x), clone.step(x))
    for name, value in original.state_dict().items():
        np.testing.assert_array_equal(value, clone.state_dict()[name], err_msg=name)
        assert value.dtype == clone.state_dict()[name].dtype


def test_frozen_cortex_does_not_learn():
    d = 32
    X = draw(*spiked(d, 4, seed=1, top=10.0), 500, seed=2)
    cortex = Cortex(d, CortexConfig(k_max=4))
    run(cortex, X[:250])
    before = cortex.state_dict()
    cortex.freeze()
    run(cortex, X[250:])
    for name, value in cortex.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_bad_inputs_raise():
    cortex = Cortex(10, CortexConfig(k_max=3))
    with pytest.raises(ObservationError):
        cortex.step(np.zeros(11))
    with pytest.raises(ObservationError):
        cortex.step(np.zeros((2, 5)))
    with pytest.raises(ObservationError):
        cortex.step(np.array([np.nan] + [0.0] * 9))
    with pytest.raises(ObservationError):
        cortex.step(np.array(["a"] * 10))


@pytest.mark.parametrize(
    "bad",
    [
        {"k_max": 0},
        {"k_max": 2.5},
        {"target_variance": 1.0},
        {"target_variance": 0.0},
        {"batch": 0},
        {"reserve": -1},
        {"reserve": 2.0},
        {"memory": 0.0},
        {"amnesia_t2": 1.0, "amnesia_t1": 5.0},
        {"surprise_threshold": 2.0},
        {"pad_output": 1},
    ],
)
def test_bad_config_raises(bad):
    with pytest.raises(ConfigError):
        CortexConfig(**bad)


def test_k_max_larger_than_input_raises():
    with pytest.raises(ConfigError):
        Cortex(8, CortexConfig(k_max=9))
