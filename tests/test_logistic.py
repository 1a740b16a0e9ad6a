"""Certified L1/L2-logistic MAP (bayes_sparse._logistic) against scikit-learn,
closed forms and its own certificate.

Reference solutions: ``LogisticRegression(solver="saga", tol=1e-12)`` (saga
leaves the intercept unpenalised, unlike liblinear); objectives are computed
here from each solution, in our units ``sum_i l(eta_i) + penalty``.
"""

import warnings

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from bayes_sparse._logistic import (
    lambda_max_logistic,
    logistic_l1_certificate,
    logistic_l2_certificate,
    sklearn_logistic_params,
    solve_logistic_l1,
    solve_logistic_l2,
)
from bayes_sparse.datasets import make_sparse_regression

# Tolerances named in issue 12.
OBJ_RTOL = 1e-9  # our objective may exceed scikit-learn's (tol=1e-12) by at most this, relatively
KKT_RTOL = 1e-6  # our KKT violation, relative to lam
SK_TOL = 1e-12  # scikit-learn's tol for the reference fits
FRACTIONS = (0.5, 0.1, 0.02)
UNIQUE_MARGIN = 1e-6  # zeros with |z_j'r| < (1 - margin) lam are strictly inactive
COEF_ATOL = 1e-6  # coefficients vs saga at tol=1e-12 (its gap ~1e-10 allows ~1e-8)
ROUNDING = 1e-12  # "exact" (closed-form) comparisons


def _objective_l1(Z, y, beta, b0, lam):
    eta = b0 + Z @ beta
    return np.sum(np.logaddexp(0, eta) - y * eta) + lam * np.abs(beta).sum()


def _objective_l2(Z, y, beta, b0, scale):
    eta = b0 + Z @ beta
    return np.sum(np.logaddexp(0, eta) - y * eta) + beta @ beta / (2 * scale**2)


@pytest.fixture(scope="module")
def wide_binary():
    """Correlated p > n binary problem: n=30, p=80, AR(1) correlation 0.7,
    4 signals, standardized columns (saga's convergence needs the scaling)."""
    X, eta, _ = make_sparse_regression(30, 80, 4, correlation=0.7, signal=1.0, random_state=5)
    rng = np.random.default_rng(5)
    y = (rng.uniform(size=30) < expit(eta)).astype(int)
    Z = (X - X.mean(0)) / X.std(0)
    return Z, y


@pytest.fixture(scope="module")
def saga_fits(wide_binary):
    """saga at tol=1e-12 for each lam fraction (fitted once: ~10 s in all)."""
    Z, y = wide_binary
    lmax = lambda_max_logistic(Z, y)
    fits = {}
    for frac in FRACTIONS:
        lam = frac * lmax
        sk = LogisticRegression(**sklearn_logistic_params(lam=lam), solver="saga", tol=SK_TOL, max_iter=1_000_000).fit(
            Z, y
        )
        fits[frac] = (lam, sk.coef_[0].copy(), float(sk.intercept_[0]))
    return fits


# ----------------------------------------------------------------------------- vs scikit-learn
@pytest.mark.parametrize("frac", FRACTIONS)
def test_l1_objective_never_worse_than_sklearn(wide_binary, saga_fits, frac):
    Z, y = wide_binary
    lam, coef_sk, b0_sk = saga_fits[frac]
    sol = solve_logistic_l1(Z, y, lam)
    ours = _objective_l1(Z, y, sol.beta, sol.intercept, lam)
    theirs = _objective_l1(Z, y, coef_sk, b0_sk, lam)
    print(f"frac={frac}: ours {ours:.15g} sklearn {theirs:.15g} rel {(ours - theirs) / theirs:.2e}")
    assert ours <= theirs * (1 + OBJ_RTOL)
    assert sol.converged and sol.polished
    assert sol.certificate.objective == pytest.approx(ours, rel=ROUNDING)
    assert sol.certificate.kkt_violation <= KKT_RTOL
    # saga's own sub-optimality, certified: its objective is within its gap of ours
    cert_sk = logistic_l1_certificate(Z, y, coef_sk, b0_sk, lam)
    assert theirs - ours <= sol.certificate.duality_gap + 1e-12 * theirs
    assert ours - theirs <= cert_sk.duality_gap + 1e-12 * theirs


@pytest.mark.parametrize("frac", FRACTIONS)
def test_l1_zero_pattern_matches_sklearn_where_unique(wide_binary, saga_fits, frac):
    Z, y = wide_binary
    lam, coef_sk, b0_sk = saga_fits[frac]
    sol = solve_logistic_l1(Z, y, lam)
    nz = sol.beta != 0
    # Uniqueness (Tibshirani 2013, for strictly convex losses): the zeros are strictly
    # inactive and [1, Z_A] has full column rank; then every solution has support A.
    r = y - expit(sol.intercept + Z @ sol.beta)
    assert np.max(np.abs(Z[:, ~nz].T @ r)) < (1 - UNIQUE_MARGIN) * lam
    A1 = np.column_stack([np.ones(len(y)), Z[:, nz]])
    assert np.linalg.matrix_rank(A1) == A1.shape[1]
    np.testing.assert_array_equal(nz, coef_sk != 0)
    np.testing.assert_array_equal(np.sign(sol.beta), np.sign(coef_sk))
    np.testing.assert_allclose(sol.beta, coef_sk, atol=COEF_ATOL * max(1, np.abs(coef_sk).max()))
    assert sol.intercept == pytest.approx(b0_sk, abs=COEF_ATOL * max(1, abs(b0_sk)))


@pytest.mark.parametrize("scale", [0.1, 1.0, 5.0])
@pytest.mark.parametrize("p", [10, 80])  # p + 1 <= n (primal Newton) and p > n (representer form)
def test_l2_equals_sklearn(wide_binary, scale, p):
    Z, y = wide_binary
    Z = Z[:, :p]
    sol = solve_logistic_l2(Z, y, scale)
    sk = LogisticRegression(**sklearn_logistic_params(scale=scale), solver="lbfgs", tol=SK_TOL, max_iter=100_000).fit(
        Z, y
    )
    ours = _objective_l2(Z, y, sol.beta, sol.intercept, scale)
    theirs = _objective_l2(Z, y, sk.coef_[0], sk.intercept_[0], scale)
    assert ours <= theirs * (1 + OBJ_RTOL)
    assert sol.converged
    assert sol.certificate.kkt_violation <= 1e-10
    assert sol.certificate.duality_gap <= 1e-10 * sol.certificate.null_objective
    np.testing.assert_allclose(sol.beta, sk.coef_[0], atol=1e-5 * max(1, np.abs(sol.beta).max()))


# ----------------------------------------------------------------------------- hand-checkable toys
def test_l1_two_points_closed_form():
    # z = (-1, 1), y = (0, 1): by symmetry b0 = 0 and eta = (-beta, beta);
    # stationarity -2 / (1 + e^beta) + lam = 0 gives beta = log(2 / lam - 1); lam_max = 1.
    Z = np.array([[-1.0], [1.0]])
    y = np.array([0, 1])
    assert lambda_max_logistic(Z, y) == 1.0
    for lam in (0.9, 0.5, 0.1):
        sol = solve_logistic_l1(Z, y, lam)
        assert sol.beta[0] == pytest.approx(np.log(2 / lam - 1), rel=ROUNDING)
        assert sol.intercept == pytest.approx(0.0, abs=ROUNDING)
        assert sol.certificate.kkt_violation <= ROUNDING
        assert sol.certificate.duality_gap <= ROUNDING
    # shifted (raw, uncentred) design z = (1, 3): same slope, intercept -2 beta
    sol = solve_logistic_l1(Z + 2.0, y, 0.5)
    assert sol.beta[0] == pytest.approx(np.log(3.0), rel=ROUNDING)
    assert sol.intercept == pytest.approx(-2 * np.log(3.0), rel=ROUNDING)


def test_l1_above_lambda_max_is_null_model():
    Z = np.array([[-1.0, 0.5], [0.0, 1.0], [1.0, -2.0], [2.0, 0.0], [0.5, 0.5]])
    y = np.array([0, 1, 0, 1, 1])
    lmax = lambda_max_logistic(Z, y)
    assert lmax == pytest.approx(np.max(np.abs(Z.T @ (y - 0.6))), rel=ROUNDING)
    sol = solve_logistic_l1(Z, y, lmax * 1.0001)
    np.testing.assert_array_equal(sol.beta, 0.0)
    assert sol.intercept == pytest.approx(np.log(0.6 / 0.4), rel=ROUNDING)
    assert sol.certificate.duality_gap <= ROUNDING
    # just below lam_max exactly one coefficient leaves zero
    sol = solve_logistic_l1(Z, y, lmax * 0.999)
    assert np.count_nonzero(sol.beta) == 1
    assert sol.certificate.kkt_violation <= ROUNDING


@pytest.mark.parametrize("scale", [0.3, 1.0, 10.0])
def test_l2_two_points_against_root(scale):
    # same toy: b0 = 0, stationarity -2 / (1 + e^beta) + beta / s^2 = 0
    Z = np.array([[-1.0], [1.0]])
    y = np.array([0, 1])
    root = brentq(lambda b: -2 / (1 + np.exp(b)) + b / scale**2, 0.0, 50.0, xtol=1e-15)
    sol = solve_logistic_l2(Z, y, scale)
    assert sol.beta[0] == pytest.approx(root, rel=1e-12)
    assert sol.intercept == pytest.approx(0.0, abs=ROUNDING)


def test_centred_and_raw_designs_agree(wide_binary):
    # shifting columns only moves the (unpenalised) intercept: b0_centred = b0_raw + shift' beta
    Z, y = wide_binary
    shift = np.linspace(-5.0, 5.0, Z.shape[1])
    raw = Z + shift
    lam = 0.1 * lambda_max_logistic(Z, y)
    assert lambda_max_logistic(raw, y) == pytest.approx(lambda_max_logistic(Z, y), rel=1e-12)
    a = solve_logistic_l1(Z, y, lam)
    b = solve_logistic_l1(raw, y, lam)
    np.testing.assert_allclose(b.beta, a.beta, atol=1e-9)
    assert b.intercept + b.beta @ shift == pytest.approx(a.intercept, abs=1e-9)
    c = solve_logistic_l2(Z, y, 1.0)
    d = solve_logistic_l2(raw, y, 1.0)
    np.testing.assert_allclose(d.beta, c.beta, atol=1e-9)
    assert d.intercept + d.beta @ shift == pytest.approx(c.intercept, abs=1e-9)


# ----------------------------------------------------------------------------- certificate
def test_certificate_bounds_suboptimality(wide_binary):
    Z, y = wide_binary
    rng = np.random.default_rng(0)
    lam = 0.1 * lambda_max_logistic(Z, y)
    sol = solve_logistic_l1(Z, y, lam)
    p_star = sol.certificate.objective
    assert sol.certificate.duality_gap >= 0
    assert sol.certificate.duality_gap <= 1e-10 * sol.certificate.null_objective
    for size in (1e-6, 1e-3, 1e-1, 1.0):
        beta = sol.beta + size * rng.standard_normal(Z.shape[1]) * (rng.uniform(size=Z.shape[1]) < 0.3)
        b0 = sol.intercept + size * rng.standard_normal()
        c = logistic_l1_certificate(Z, y, beta, b0, lam)
        assert c.objective == pytest.approx(_objective_l1(Z, y, beta, b0, lam), rel=ROUNDING)
        sub = c.objective - p_star
        assert sub >= -1e-12
        assert c.duality_gap >= sub - 1e-12  # the gap bounds the sub-optimality
        assert c.dual_objective <= p_star + 1e-12  # weak duality: any feasible dual point is below
        assert c.kkt_violation > 0


def test_certificate_of_l2_perturbations(wide_binary):
    Z, y = wide_binary
    rng = np.random.default_rng(1)
    sol = solve_logistic_l2(Z, y, 0.7)
    p_star = sol.certificate.objective
    for size in (1e-4, 1e-2, 1.0):
        beta = sol.beta + size * rng.standard_normal(Z.shape[1])
        c = logistic_l2_certificate(Z, y, beta, sol.intercept, 0.7)
        assert c.objective == pytest.approx(_objective_l2(Z, y, beta, sol.intercept, 0.7), rel=ROUNDING)
        assert c.duality_gap >= c.objective - p_star - 1e-12
        assert c.dual_objective <= p_star + 1e-12


def test_certificate_intercept_residual():
    Z = np.array([[-1.0], [1.0]])
    y = np.array([0, 1])
    c = logistic_l1_certificate(Z, y, [np.log(3.0)], 0.3, 0.5)  # wrong intercept
    r = y - expit(0.3 + Z[:, 0] * np.log(3.0))
    assert c.intercept_residual == pytest.approx(abs(r.sum()), rel=ROUNDING)
    assert c.kkt_violation >= c.intercept_residual / 0.5
    assert c.duality_gap > 0


def test_convergence_warning_when_stopped_short(wide_binary):
    Z, y = wide_binary
    lam = 0.02 * lambda_max_logistic(Z, y)
    with pytest.warns(ConvergenceWarning, match="solve_logistic_l1 stopped after 1 outer"):
        sol = solve_logistic_l1(Z, y, lam, max_outer=1, working_set_size=2)
    assert not sol.converged
    assert sol.certificate.duality_gap > 1e-10 * sol.certificate.null_objective


def test_no_warning_when_converged(wide_binary):
    Z, y = wide_binary
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sol = solve_logistic_l1(Z, y, 0.1 * lambda_max_logistic(Z, y))
    assert sol.converged


# ----------------------------------------------------------------------------- mapping and inputs
def test_sklearn_params():
    assert sklearn_logistic_params(lam=4.0) == {"C": 0.25, "l1_ratio": 1.0}
    assert sklearn_logistic_params(scale=3.0) == {"C": 9.0, "l1_ratio": 0.0}
    with pytest.raises(ValueError, match="exactly one of lam"):
        sklearn_logistic_params(lam=1.0, scale=1.0)


@pytest.mark.parametrize(
    "y, match",
    [
        ([0, 1, 2, 1], r"y must be binary with values in \{0, 1\}"),
        ([0.0, 1.0, 0.5, 1.0], r"y must be binary"),
        ([-1, 1, -1, 1], r"y must be binary"),
        (["a", "b", "a", "b"], r"y must be binary \(0/1 or bool\), got dtype"),
        ([1, 1, 1, 1], "y must contain both classes"),
        ([0, 1, 0], "y must be 1-D with 4 entries"),
    ],
)
def test_bad_y(y, match):
    Z = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=match):
        solve_logistic_l1(Z, np.array(y), 1.0)


def test_bool_y_accepted():
    Z = np.array([[-1.0], [1.0]])
    sol = solve_logistic_l1(Z, np.array([False, True]), 0.5)
    assert sol.beta[0] == pytest.approx(np.log(3.0), rel=ROUNDING)


@pytest.mark.parametrize("lam", [0, -1.0, np.inf, np.nan, True, "1"])
def test_bad_lam(lam):
    Z = np.array([[-1.0], [1.0]])
    with pytest.raises(ValueError, match="lam must be a positive finite number"):
        solve_logistic_l1(Z, np.array([0, 1]), lam)


@pytest.mark.parametrize("scale", [0, -2.0, np.inf])
def test_bad_scale(scale):
    Z = np.array([[-1.0], [1.0]])
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        solve_logistic_l2(Z, np.array([0, 1]), scale)


def test_bad_design():
    with pytest.raises(ValueError, match="Z must be a 2-D array"):
        solve_logistic_l1(np.ones(4), np.array([0, 1, 0, 1]), 1.0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        solve_logistic_l1(np.array([[np.nan], [1.0]]), np.array([0, 1]), 1.0)
    with pytest.raises(ValueError, match="beta has 2 entries, Z has 1 columns"):
        logistic_l1_certificate(np.array([[-1.0], [1.0]]), np.array([0, 1]), [0.0, 0.0], 0.0, 1.0)
