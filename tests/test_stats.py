import math

import numpy as np

from littlebrain import stats


def coverage(interval, n: int, trials: int = 400) -> float:
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(trials):
        low, high = interval(rng.normal(10.0, 3.0, size=n))
        hits += low <= 10.0 <= high
    return hits / trials


def test_t_interval_keeps_its_coverage_at_three_and_five_seeds():
    # the percentile bootstrap it replaced covered 77% (n = 3) and 83% (n = 5)
    for n in (3, 5):
        assert 0.92 <= coverage(stats.t_interval, n) <= 0.98


def test_bca_interval_is_near_its_nominal_coverage_at_ten_seeds():
    # measured 0.87 here (BCa undercovers at small n on normal data: the reports' headline
    # interval is the t interval)
    assert 0.82 <= coverage(lambda x: stats.bca_interval(x, resamples=2_000), 10, 150) <= 0.99


def test_known_values_and_degenerate_inputs():
    low, high = stats.t_interval([1.0, 2.0, 3.0, 4.0])
    assert math.isclose(low, 2.5 - 3.182446 * math.sqrt(5 / 3 / 4), rel_tol=1e-5)
    assert math.isclose(high, 2.5 + 3.182446 * math.sqrt(5 / 3 / 4), rel_tol=1e-5)
    assert all(math.isnan(v) for v in stats.t_interval([1.0]))
    assert stats.t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert all(math.isnan(v) for v in stats.bca_interval([2.0, 2.0, 2.0]))
    s = stats.summarise([1.0, np.nan, 3.0, 8.0])  # NaN (an unmeasured seed) is left out
    assert (s.n, s.mean, s.median) == (3, 4.0, 3.0)
    assert stats.summarise([]).interval() == "-"
    assert stats.summarise([5.0]).interval() == "5.00"
    assert stats.summarise([1.0, 3.0]).interval(".1f").startswith("2.0 [")
