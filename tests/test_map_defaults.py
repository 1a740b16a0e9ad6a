"""Joint MAP of (beta, sigma) and the cross-validated penalty, against independent truths.

The brute-force checks evaluate the model's own density (scipy's normal and
Laplace densities, the flat intercept integrated numerically, Jeffreys'
1/sigma**2) on a sigma grid, with scikit-learn's Lasso as the inner
minimiser at each sigma: nothing of bayes_sparse's algebra is reused.
"""

import numpy as np
import pytest
from scipy import integrate, optimize, stats
from sklearn.linear_model import Lasso, LassoCV, Ridge, RidgeCV
from sklearn.model_selection import KFold

from bayes_sparse._map_defaults import (
    cv_lasso_alpha,
    cv_ridge_alpha,
    joint_map_lasso,
    joint_map_ridge,
    lam_from_lasso_alpha,
    lasso_neg_log_posterior,
    lasso_sigma_root,
    ridge_alpha_grid,
    sigma_exponent,
)

SIGMA_RTOL_BRUTE = 1e-5  # brute force: limited by quadrature and the 1-D optimiser
COEF_ATOL_BRUTE = 1e-5
RESIDUAL_TOL = 1e-12  # sigma equation at the returned mode (relative)
GAP_REL_TOL = 1e-10  # lasso duality gap relative to ||y_c||^2 / n
KKT_TOL = 1e-9
SKLEARN_ATOL = 1e-7  # against scikit-learn at tol=1e-14


def _problem(n, p, seed, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ np.linalg.cholesky(0.3 + 0.7 * np.eye(p)).T
    beta = np.zeros(p)
    beta[:3] = [2.0, -1.5, 1.0]
    y = 3.0 + X @ beta + noise * rng.normal(size=n)
    Z = (X - X.mean(0)) / X.std(0)
    return Z, y, y - y.mean()


def _log_marginal_intercept(y, fit, sigma):
    """log ∫ prod_i N(y_i | a + fit_i, sigma^2) da (flat prior on a), by quadrature."""
    a_hat = np.mean(y - fit)
    loglik = lambda a: stats.norm.logpdf(y - fit - a, scale=sigma).sum()  # noqa: E731
    top = loglik(a_hat)
    half = 12 * sigma / np.sqrt(len(y))
    val, _ = integrate.quad(lambda a: np.exp(loglik(a) - top), a_hat - half, a_hat + half, epsabs=0, epsrel=1e-13)
    return top + np.log(val)


def _log_post_laplace(Z, y, beta, sigma, lam):
    """log p(beta, sigma^2 | y) + const from the model's densities (density in sigma^2)."""
    prior = stats.laplace.logpdf(beta, scale=sigma / lam).sum()
    return _log_marginal_intercept(y, Z @ beta, sigma) + prior - np.log(sigma**2)


def _sk_lasso(Z, y, alpha):
    return Lasso(alpha=alpha, tol=1e-14, max_iter=10**6).fit(Z, y).coef_


def _brute_force_lasso(Z, y, lam):
    """Profile -log p over a sigma grid (sklearn Lasso at each sigma), refined by a bounded 1-D search."""
    n = len(y)
    profile = lambda s: -_log_post_laplace(Z, y, _sk_lasso(Z, y, lam * s / n), s, lam)  # noqa: E731
    grid = np.geomspace(0.05, 2.0, 161) * y.std()
    values = np.array([profile(s) for s in grid])
    i = int(np.argmin(values))
    assert 0 < i < len(grid) - 1, "brute-force optimum on the grid edge"
    res = optimize.minimize_scalar(
        profile, bounds=(grid[i - 1], grid[i + 1]), method="bounded", options={"xatol": 1e-10 * grid[i]}
    )
    return res.x, _sk_lasso(Z, y, lam * res.x / n), grid, values


@pytest.mark.parametrize("n, p, lam, seed", [(25, 4, 2.0, 0), (40, 8, 10.0, 1), (15, 30, 3.0, 2)])
def test_joint_map_matches_brute_force_2d(n, p, lam, seed):
    Z, y, yc = _problem(n, p, seed)
    sigma_bf, beta_bf, _, _ = _brute_force_lasso(Z, y, lam)
    jm = joint_map_lasso(Z, yc, lam)
    assert jm.converged
    np.testing.assert_allclose(jm.sigma, sigma_bf, rtol=SIGMA_RTOL_BRUTE)
    np.testing.assert_allclose(jm.beta, beta_bf, atol=COEF_ATOL_BRUTE * max(1.0, np.abs(beta_bf).max()))
    # The test decides the power of sigma: the neighbouring exponents (intercept
    # maximised: n+p+2; density in sigma: n+p) give a sigma far outside tolerance.
    r = yc - Z @ beta_bf
    k = sigma_exponent(n, p)
    assert k == n + p + 1
    for k_alt in (k - 1, k + 1):
        alt = lasso_sigma_root(r @ r, np.abs(beta_bf).sum(), lam, k_alt)
        assert abs(alt / sigma_bf - 1) > 100 * SIGMA_RTOL_BRUTE


@pytest.mark.parametrize("n, p, lam, seed", [(60, 10, 5.0, 3), (30, 60, 4.0, 4)])
def test_sigma_equation_residual_and_certificate(n, p, lam, seed):
    Z, _, yc = _problem(n, p, seed)
    jm = joint_map_lasso(Z, yc, lam)
    assert jm.converged and jm.sigma_residual < RESIDUAL_TOL
    assert jm.certificate.duality_gap <= GAP_REL_TOL * (yc @ yc) / n
    assert jm.certificate.kkt_violation <= KKT_TOL
    np.testing.assert_allclose(jm.alpha, lam * jm.sigma / n, rtol=1e-15)
    # independently: the residual of k s^2 - lam ||b||_1 s - RSS = 0 recomputed here
    r = yc - Z @ jm.beta
    k = n + p + 1
    eq = k * jm.sigma**2 - lam * np.abs(jm.beta).sum() * jm.sigma - r @ r
    assert abs(eq) / (k * jm.sigma**2) < RESIDUAL_TOL
    # and the beta step is scikit-learn's lasso at that sigma
    ref = Lasso(alpha=jm.alpha, fit_intercept=False, tol=1e-14, max_iter=10**6).fit(Z, yc).coef_
    np.testing.assert_allclose(jm.beta, ref, atol=SKLEARN_ATOL)


def test_unimodality_spot_check():
    n, p, lam = 30, 6, 3.0
    Z, y, yc = _problem(n, p, 5)
    # (i) the sigma profile of the model density has a single local minimum on a grid
    _, _, grid, values = _brute_force_lasso(Z, y, lam)
    signs = np.sign(np.diff(values))
    assert np.count_nonzero(np.diff(signs) != 0) == 1 and signs[0] < 0 < signs[-1]
    # (ii) f is convex in (phi, rho) = (beta / sigma, 1 / sigma): midpoint checks at random pairs
    rng = np.random.default_rng(0)

    def h(phi, rho):
        return lasso_neg_log_posterior(Z, yc, phi / rho, 1.0 / rho, lam)

    for _ in range(200):
        (pa, pb), (ra, rb) = rng.normal(size=(2, p)) * 2, rng.uniform(0.05, 5.0, size=2)
        mid = h((pa + pb) / 2, (ra + rb) / 2)
        assert mid <= (h(pa, ra) + h(pb, rb)) / 2 + 1e-9 * (1 + abs(mid))
    # (iii) very different starting points reach the same mode
    modes = [joint_map_lasso(Z, yc, lam, sigma_init=s) for s in (1e-3, 1.0, 1e3)]
    for m in modes[1:]:
        np.testing.assert_allclose(m.sigma, modes[0].sigma, rtol=1e-11)
        np.testing.assert_allclose(m.beta, modes[0].beta, atol=1e-9)


def test_joint_map_ridge_matches_brute_force():
    n, p, scale = 30, 5, 0.4
    Z, y, yc = _problem(n, p, 6)
    jm = joint_map_ridge(Z, yc, scale)
    # beta does not depend on sigma: Ridge(alpha = 1/scale^2)
    ref = Ridge(alpha=1 / scale**2, tol=1e-14).fit(Z, y).coef_
    np.testing.assert_allclose(jm.beta, ref, atol=SKLEARN_ATOL)

    def nlp(s):
        prior = stats.norm.logpdf(ref, scale=s * scale).sum()
        return -(_log_marginal_intercept(y, Z @ ref, s) + prior - np.log(s**2))

    res = optimize.minimize_scalar(
        nlp, bounds=(0.05 * y.std(), 2 * y.std()), method="bounded", options={"xatol": 1e-12}
    )
    np.testing.assert_allclose(jm.sigma, res.x, rtol=SIGMA_RTOL_BRUTE)
    assert jm.sigma_residual < RESIDUAL_TOL


def test_cv_lasso_alpha_and_lam_mapping():
    n, p = 50, 12
    Z, y, yc = _problem(n, p, 7)
    alpha = cv_lasso_alpha(Z, yc, n_splits=5, random_state=3)
    ref = LassoCV(cv=KFold(5, shuffle=True, random_state=3), max_iter=100_000).fit(Z, y).alpha_
    np.testing.assert_allclose(alpha, ref, rtol=1e-12)
    # joint: lam is such that the joint mode's beta is exactly Lasso(alpha)
    lam, sigma = lam_from_lasso_alpha(Z, yc, alpha)
    jm = joint_map_lasso(Z, yc, lam)
    np.testing.assert_allclose(jm.sigma, sigma, rtol=1e-10)
    np.testing.assert_allclose(jm.alpha, alpha, rtol=1e-10)
    np.testing.assert_allclose(jm.beta, _sk_lasso(Z, y, alpha), atol=SKLEARN_ATOL)
    # fixed sigma: alpha = lam sigma / n (conditional), sigma^2 lam / n (unconditional)
    lam_c, _ = lam_from_lasso_alpha(Z, yc, alpha, sigma=2.0)
    lam_u, _ = lam_from_lasso_alpha(Z, yc, alpha, sigma=2.0, conditional=False)
    np.testing.assert_allclose([lam_c * 2.0 / n, lam_u * 4.0 / n], [alpha, alpha], rtol=1e-15)


def test_cv_ridge_alpha_matches_sklearn():
    Z, y, yc = _problem(40, 8, 8, noise=2.0)
    grid = ridge_alpha_grid(Z)
    assert grid[0] < 1e-3 * len(y) < 1e3 * len(y) < grid[-1]
    np.testing.assert_allclose(cv_ridge_alpha(Z, yc), RidgeCV(alphas=grid).fit(Z, y).alpha_, rtol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda Z, yc: joint_map_lasso(Z, yc, 0.0), "lam must be a positive finite number, got 0.0"),
        (lambda Z, yc: joint_map_lasso(Z, yc, 1.0, sigma_init=-1), "sigma_init must be a positive finite number"),
        (lambda Z, yc: joint_map_ridge(Z, yc, np.inf), "scale must be a positive finite number"),
        (
            lambda Z, yc: lam_from_lasso_alpha(Z, yc, 0.1, conditional=False),
            "only defined for the conditional prior: give sigma",
        ),
    ],
)
def test_bad_input(call, message):
    Z, _, yc = _problem(20, 3, 9)
    with pytest.raises(ValueError, match=message):
        call(Z, yc)
