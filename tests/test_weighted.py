"""The compiled weighted centring (samplers/_weighted.py) against its numpy formula."""

import numpy as np
import pytest

from bayes_sparse.samplers._weighted import centre_weighted


@pytest.mark.parametrize("n, p", [(7, 3), (5, 40)])
def test_centre_weighted_is_the_numpy_formula(n, p):
    rng = np.random.default_rng(n * p)
    Z = rng.normal(size=(n, p)) + 0.3
    u, m, a = np.sqrt(rng.exponential(0.2, size=n)), rng.normal(size=p), rng.normal(size=n)
    Phi, PhiT, norm2, phi_a = centre_weighted(Z, np.ascontiguousarray(Z.T), u, m, a)
    expected = u[:, None] * (Z - m)
    np.testing.assert_array_equal(Phi, expected)  # the same two operations per entry
    np.testing.assert_array_equal(PhiT, Phi.T)  # both layouts hold the same numbers
    assert PhiT.flags.c_contiguous and Phi.flags.c_contiguous
    np.testing.assert_allclose(norm2, (expected**2).sum(0), rtol=1e-13)
    np.testing.assert_allclose(phi_a, expected.T @ a, rtol=1e-12, atol=1e-14 * np.abs(expected).sum())


def test_zero_columns_keep_a_positive_norm():
    Z = np.ones((4, 2))
    _, _, norm2, _ = centre_weighted(Z, Z.T.copy(), np.ones(4), np.ones(2), np.ones(4))
    assert np.all(norm2 == 1e-300)


def test_reuse_writes_into_the_same_arrays_and_fresh_calls_do_not():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(3, 5))
    ZT = Z.T.copy()
    args = (np.ones(3), np.zeros(5), np.ones(3))
    first = centre_weighted(Z, ZT, *args, reuse=True)
    second = centre_weighted(2 * Z, 2 * ZT, *args, reuse=True)
    assert first[0] is second[0] and first[1] is second[1]
    np.testing.assert_array_equal(second[0], 2 * Z)
    fresh = centre_weighted(Z, ZT, *args)
    assert fresh[0] is not second[0]
    np.testing.assert_array_equal(second[0], 2 * Z)  # untouched by a call without reuse
    np.testing.assert_array_equal(fresh[0], Z)
