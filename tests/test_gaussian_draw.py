"""The shared Gaussian algebra against dense numpy, and the beta draw's moments."""

import numpy as np
import pytest

from bayes_sparse.samplers._gaussian_draw import LinearData, SpectralScale, factorize

SHAPES = [(30, 5), (6, 25)]  # n >= p (Rue) and p > n (Bhattacharya et al.)
N_DRAWS = 40_000


def _problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = rng.normal(size=n)
    y -= y.mean()
    return LinearData.from_arrays(Z, y), rng.uniform(0.1, 2.0, size=p)


def _dense(data, g):
    M = np.eye(data.n) + data.Z @ np.diag(g) @ data.Z.T
    S = np.linalg.inv(data.Z.T @ data.Z + np.diag(1.0 / g))
    return M, S, S @ data.Z.T @ data.yc


@pytest.mark.parametrize("n, p", SHAPES)
def test_factor_matches_dense(n, p):
    data, g = _problem(n, p)
    f = factorize(data, g)
    M, S, m = _dense(data, g)
    assert f.logdet == pytest.approx(np.linalg.slogdet(M)[1], rel=1e-10)
    assert f.quad == pytest.approx(data.yc @ np.linalg.solve(M, data.yc), rel=1e-10)
    np.testing.assert_allclose(f.mean_beta(), m, rtol=1e-9, atol=1e-12)
    if p > n:
        assert data.ZtZ is None and f.chol.shape == (n, n)  # no p x p matrix
    else:
        assert f.chol.shape == (p, p)


@pytest.mark.parametrize("n, p", SHAPES)
def test_spectral_scale_matches_factor(n, p):
    data, h = _problem(n, p, seed=1)
    spectral = SpectralScale(data, h)
    for t in (1e-3, 0.5, 30.0):
        f = factorize(data, t * h)
        assert spectral.logdet(t) == pytest.approx(f.logdet, rel=1e-9)
        assert spectral.quad(t) == pytest.approx(f.quad, rel=1e-9)


@pytest.mark.parametrize("n, p", SHAPES)
@pytest.mark.parametrize("method", ["factor", "spectral"])
def test_beta_draw_moments(n, p, method):
    """Sample mean within 5 standard errors, covariance within 5 standard errors."""
    data, h = _problem(n, p, seed=2)
    t, sigma2 = 0.8, 1.7
    rng = np.random.default_rng(3)
    if method == "factor":
        f = factorize(data, t * h)
        draws = np.array([f.draw_beta(rng, sigma2) for _ in range(N_DRAWS)])
    else:
        s = SpectralScale(data, h)
        draws = np.array([s.draw_beta(rng, sigma2, t) for _ in range(N_DRAWS)])
    _, S, m = _dense(data, t * h)
    C = sigma2 * S
    se_mean = np.sqrt(np.diag(C) / N_DRAWS)
    assert np.all(np.abs(draws.mean(0) - m) < 5 * se_mean)
    # var of a sample covariance entry: (C_ij^2 + C_ii C_jj) / N
    se_cov = np.sqrt((C**2 + np.outer(np.diag(C), np.diag(C))) / N_DRAWS)
    assert np.all(np.abs(np.cov(draws.T) - C) < 5 * se_cov)


def test_huge_prior_variances_stay_factorizable():
    data, g = _problem(6, 25)
    g[3] = 1e250
    f = factorize(data, g)
    assert np.isfinite(f.logdet) and np.isfinite(f.quad)
    assert np.all(np.isfinite(f.draw_beta(np.random.default_rng(0), 1.0)))


@pytest.mark.parametrize("n, p", SHAPES)
@pytest.mark.parametrize("capped", [False, True], ids=["uncapped", "capped"])
def test_spectral_fitted_values(n, p, capped):
    """draw_beta_and_fitted gives draw_beta's draw (same random stream) and Z beta: from the
    decomposition while t max(e) <= FITTED_MAX_SCALE, by Z @ beta otherwise (here: a huge,
    capped variance). Tolerance 1e-10 relative to the largest fitted value: rounding of order
    eps t max(e) <= 2e-16 * 1e3 here (the bound FITTED_MAX_SCALE is chosen for)."""
    data, h = _problem(n, p, seed=4)
    if capped:
        h[2] = 1e300  # capped at G_CAP / ||z_2||^2 when scaled by t
    s = SpectralScale(data, h)
    for t, sigma2 in [(0.3, 1.0), (20.0, 0.2)]:
        beta, fitted = s.draw_beta_and_fitted(np.random.default_rng(5), sigma2, t)
        np.testing.assert_array_equal(beta, s.draw_beta(np.random.default_rng(5), sigma2, t))
        direct = data.Z @ beta
        np.testing.assert_allclose(fitted, direct, rtol=0, atol=1e-10 * np.abs(direct).max())
