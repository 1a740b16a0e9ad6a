"""Property-based tests (hypothesis): the MAP equivalence and the input boundary."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Lasso

import bayes_sparse as bs
from bayes_sparse._data import prepare_data

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def regression_problems(draw):
    n = draw(st.integers(5, 40))
    p = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10, size=p) + rng.normal(size=p)
    y = X @ (rng.normal(size=p) * (rng.uniform(size=p) < 0.4)) + rng.normal(size=n)
    frac = draw(st.floats(0.02, 0.95))
    return X, y, frac


@SETTINGS
@given(regression_problems(), st.booleans())
def test_map_is_the_lasso_optimum(problem, standardize):
    X, y, frac = problem
    d = prepare_data(X, y, standardize=standardize)
    amax = np.max(np.abs(d.Z.T @ d.yc)) / d.n
    alpha = frac * amax
    m = bs.map_estimate(X, y, bs.laplace_from_alpha(alpha, sigma=1.0, n=d.n), sigma=1.0, standardize=standardize)
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(d.Z, d.yc).coef_

    def obj(b):
        r = d.yc - d.Z @ b
        return r @ r / (2 * d.n) + alpha * np.abs(b).sum()

    assert obj(m.coef_model_) <= obj(ref) * (1 + 1e-9) + 1e-15
    assert m.duality_gap_ <= 1e-9 * (d.yc @ d.yc) / d.n
    assert m.kkt_violation_ <= 1e-8


@SETTINGS
@given(st.integers(3, 30), st.integers(1, 8), st.data())
def test_nan_and_inf_are_named(n, p, data):
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, p - 1))
    bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    X = np.random.default_rng(0).normal(size=(n, p))
    X[i, j] = bad
    kind = "NaN" if np.isnan(bad) else "infinite values"
    with pytest.raises(ValueError, match=rf"X contains {kind} in column 'x{j}'"):
        prepare_data(X, np.arange(n, dtype=float))


@SETTINGS
@given(st.integers(3, 30), st.integers(1, 5), st.integers(-3, 3).filter(lambda k: k != 0))
def test_length_mismatch(n, p, k):
    X = np.random.default_rng(1).normal(size=(n, p))
    y = np.arange(max(n + k, 1), dtype=float)
    with pytest.raises(ValueError, match=rf"X and y have inconsistent numbers of samples: {n} != {len(y)}"):
        prepare_data(X, y)


@SETTINGS
@given(st.sampled_from([1e-8, 1e-3, 1e3, 1e8]), st.integers(0, 4))
def test_rescaled_columns_give_rescaled_coefficients(scale, j):
    X, y, _ = bs.datasets.make_sparse_regression(40, 5, 2, random_state=5)
    Xs = X.copy()
    Xs[:, j] *= scale
    prior = bs.Laplace(lam=3.0)
    a = bs.map_estimate(X, y, prior, sigma=1.0)
    b = bs.map_estimate(Xs, y, prior, sigma=1.0)
    expected = a.coef_.copy()
    expected[j] /= scale
    np.testing.assert_allclose(b.coef_, expected, rtol=1e-7, atol=1e-12 * np.abs(expected).max())
    np.testing.assert_allclose(b.predict(Xs), a.predict(X), rtol=1e-8, atol=1e-8)


def test_rescaled_columns_posterior_consistent():
    X, y, _ = bs.datasets.make_sparse_regression(40, 5, 2, random_state=5)
    Xs = X * np.array([1e-8, 1.0, 1e8, 1.0, 1.0])
    kw = dict(sampler="gibbs", draws=300, tune=100, chains=2, random_seed=3, progressbar=False)
    a = bs.fit(X, y, bs.Horseshoe(), **kw)
    b = bs.fit(Xs, y, bs.Horseshoe(), **kw)
    # same seed, same standardized problem: identical draws up to rounding
    np.testing.assert_allclose(
        b.draws("beta") * np.array([1e-8, 1.0, 1e8, 1.0, 1.0]), a.draws("beta"), rtol=1e-6, atol=1e-9
    )


def test_p_much_larger_than_n_is_accepted():
    X, y, _ = bs.datasets.make_sparse_regression(20, 3000, 2, random_state=0)
    res = bs.fit(
        X, y, bs.Horseshoe(expected_nonzero=2), sampler="gibbs", draws=30, tune=10, chains=1, progressbar=False
    )
    assert res.idata.posterior["beta"].shape == (1, 30, 3000)
