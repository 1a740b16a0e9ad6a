"""map_estimate(family="bernoulli"): the certified L1/L2-logistic optimum, mapped to
scikit-learn's LogisticRegression and to the PyMC model's own log density."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import bayes_sparse as bs

OBJ_RTOL = 1e-9  # our objective is never worse than scikit-learn's at tol=1e-12


def _objective(Z, y, beta, b0, penalty):
    eta = b0 + Z @ beta
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta) + penalty(beta))


@pytest.fixture(scope="module")
def binary():
    X, _, coef = bs.datasets.make_sparse_regression(90, 12, 3, correlation=0.5, random_state=4)
    eta = X @ coef * 0.7 - 0.3
    y = (np.random.default_rng(5).random(90) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y


@pytest.mark.parametrize("lam", [2.0, 8.0])
def test_l1_map_is_sklearn_logistic_l1(binary, lam):
    X, y = binary
    m = bs.map_estimate(X, y, bs.Laplace(lam=lam), family="bernoulli")
    assert m.penalty_ == "l1" and m.C_ == pytest.approx(1 / lam) and m.converged_
    Zs = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(penalty="l1", C=m.C_, solver="saga", tol=1e-12, max_iter=200_000).fit(Zs, y)
    pen = lambda b: lam * np.abs(b).sum()  # noqa: E731
    ours = _objective(Zs, y, m.coef_model_, m.intercept_ + X.mean(0) @ m.coef_, pen)
    theirs = _objective(Zs, y, sk.coef_[0], sk.intercept_[0], pen)
    assert ours <= theirs * (1 + OBJ_RTOL)
    assert m.objective_ == pytest.approx(ours, rel=1e-10)
    np.testing.assert_array_equal(m.coef_ == 0, np.abs(sk.coef_[0]) < 1e-6)
    np.testing.assert_allclose(m.coef_model_, sk.coef_[0], atol=1e-5)
    assert m.duality_gap_ < 1e-8 * ours and m.kkt_violation_ < 1e-6
    # predictions are the plug-in probabilities
    np.testing.assert_allclose(m.predict(X[:5]), sk.predict_proba(Zs[:5])[:, 1], atol=1e-5)


def test_l2_map_is_sklearn_logistic_l2(binary):
    X, y = binary
    m = bs.map_estimate(X, y, bs.Gaussian(scale=0.8), family="bernoulli", standardize=False)
    assert m.penalty_ == "l2" and m.C_ == pytest.approx(0.64)
    sk = LogisticRegression(C=0.64, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(m.coef_, sk.coef_[0], rtol=1e-5, atol=1e-7)
    assert m.intercept_ == pytest.approx(sk.intercept_[0], abs=1e-6)


def test_l1_map_maximizes_the_pymc_log_density(binary):
    """Perturbing the MAP in any coordinate lowers the PyMC model's joint log density."""
    X, y = binary
    prior = bs.Laplace(lam=4.0)
    m = bs.map_estimate(X, y, prior, family="bernoulli")
    model = bs.build_model(X, y, prior, family="bernoulli")
    logp = model.compile_logp()
    b0_model = m.intercept_ + X.mean(0) @ m.coef_  # intercept on the centred design
    point = {"beta_std": m.coef_model_, "intercept_c": b0_model - y.mean()}
    best = logp(point)
    rng = np.random.default_rng(0)
    for _ in range(40):
        moved = {k: v + 1e-4 * rng.standard_normal(np.shape(v)) for k, v in point.items()}
        assert logp(moved) < best


def test_bernoulli_map_errors(binary):
    X, y = binary
    with pytest.raises(ValueError, match="unbounded at beta_j = 0"):
        bs.map_estimate(X, y, bs.Horseshoe(), family="bernoulli")
    with pytest.raises(ValueError, match="sigma does not apply to family='bernoulli'"):
        bs.map_estimate(X, y, bs.Laplace(lam=1.0), sigma=1.0, family="bernoulli")
    with pytest.raises(ValueError, match="needs y coded 0/1"):
        bs.map_estimate(X, 2 * y, bs.Laplace(lam=1.0), family="bernoulli")
