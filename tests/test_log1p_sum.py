"""The compiled ``sum_j log(1 + k x_j)`` against numpy's ``log1p``, over the ranges the
horseshoe's scalar updates produce (local scales squared from 1e-260 to 1e260)."""

import math

import numpy as np
import pytest

from bayes_sparse.samplers._log1p_sum import sum_log1p_scaled


@pytest.mark.parametrize("k", [1e-12, 0.3, 1.0, 7e5])
@pytest.mark.parametrize("spread", ["prior", "tiny", "extreme"])
def test_matches_numpy(k, spread):
    """Agreement within the rounding bounds of the two forms: ``p * eps + eps * |sum|``
    for the product (a rounding per factor and per product, then the final logarithm)
    plus ``log2(p) * eps * sum |terms|`` for numpy's pairwise sum."""
    rng = np.random.default_rng(0)
    p = 20_000
    x = {
        "prior": rng.standard_cauchy(p) ** 2,  # lam_j^2 under the half-Cauchy prior
        "tiny": rng.standard_cauchy(p) ** 2 * 1e-15,  # tau^2 lam_j^2 of shrunk features
        "extreme": np.exp(rng.uniform(-598, 598, p)),  # 1e-260 .. 1e260
    }[spread]
    ours, ref = sum_log1p_scaled(x, k), float(np.sum(np.log1p(k * x)))
    eps = np.finfo(float).eps
    bound = 2 * (p * eps + eps * abs(ref) + math.log2(p) * eps * float(np.sum(np.abs(np.log1p(k * x)))))
    assert abs(ours - ref) <= bound, (ours, ref, bound)


def test_edge_values():
    assert sum_log1p_scaled(np.zeros(0), 1.0) == 0.0
    assert sum_log1p_scaled(np.zeros(5), 3.0) == 0.0
    assert sum_log1p_scaled(np.array([1.0, 3.0]), 1.0) == pytest.approx(math.log(2.0) + math.log(4.0), rel=1e-15)
    assert sum_log1p_scaled(np.array([1e300, 1.0]), 1e10) == math.inf  # a term overflows: inf, as log1p gives
    # many large factors: the running product is logged before it overflows
    x = np.full(1000, 1e99)
    assert sum_log1p_scaled(x, 1.0) == pytest.approx(1000 * math.log1p(1e99), rel=1e-14)
    x = np.full(1000, 1e150)  # each factor above the single-factor threshold
    assert sum_log1p_scaled(x, 1.0) == pytest.approx(1000 * math.log(1e150), rel=1e-14)
