"""MAP = penalised optimum: against scikit-learn at tight tolerance and against
the PyMC model's own log density."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge
from sklearn.preprocessing import StandardScaler

import bayes_sparse as bs
from bayes_sparse._data import prepare_data
from bayes_sparse.map import lasso_certificate, solve_lasso

# Tolerances named in the foundation issue.
OBJ_RTOL = 1e-9  # relative objective difference vs scikit-learn at tol=1e-12
COEF_RTOL = 1e-6  # coefficient difference relative to max|beta|
GAP_RTOL = 1e-9  # duality gap relative to ||y_c||^2 / n
KKT_RTOL = 1e-8  # KKT violation relative to alpha
RIDGE_RTOL = 1e-8
SIGMA = 2.0
FRACTIONS = (0.5, 0.1, 0.01)


def _reference_lasso(X, y, alpha, standardize):
    """scikit-learn's Lasso on the same (standardized or raw) design."""
    Xm = StandardScaler().fit_transform(X) if standardize else np.asarray(X, dtype=float)
    sk = Lasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(Xm, y)
    Z = Xm - Xm.mean(0)
    yc = np.asarray(y, float) - np.mean(y)
    return sk.coef_, Z, yc


def _objective(Z, yc, beta, alpha):
    r = yc - Z @ beta
    return r @ r / (2 * len(yc)) + alpha * np.abs(beta).sum()


def _alpha_max(X, y, standardize):
    d = prepare_data(X, y, standardize=standardize)
    return np.max(np.abs(d.Z.T @ d.yc)) / d.n


@pytest.fixture(params=["diabetes", "wide"])
def problem(request, diabetes, correlated_wide):
    if request.param == "diabetes":
        X, y = diabetes
        return X.to_numpy(), y.to_numpy()
    X, y, _ = correlated_wide
    return X, y


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("frac", FRACTIONS)
@pytest.mark.parametrize("conditional", [True, False])
def test_map_equals_sklearn_lasso(problem, standardize, frac, conditional):
    X, y = problem
    n = len(y)
    alpha = frac * _alpha_max(X, y, standardize)
    prior = bs.laplace_from_alpha(alpha, sigma=SIGMA, n=n, conditional=conditional)
    m = bs.map_estimate(X, y, prior, sigma=SIGMA, standardize=standardize)
    assert m.alpha_ == pytest.approx(alpha, rel=1e-14)

    ref, Z, yc = _reference_lasso(X, y, alpha, standardize)
    ours = m.coef_model_
    obj_ours, obj_ref = _objective(Z, yc, ours, alpha), _objective(Z, yc, ref, alpha)
    assert abs(obj_ours - obj_ref) <= OBJ_RTOL * abs(obj_ref)
    assert obj_ours <= obj_ref * (1 + 1e-12)  # never worse than scikit-learn
    np.testing.assert_array_equal(ours != 0, ref != 0)
    assert np.max(np.abs(ours - ref)) <= COEF_RTOL * np.max(np.abs(ref))
    assert m.duality_gap_ <= GAP_RTOL * (yc @ yc) / n
    assert m.kkt_violation_ <= KKT_RTOL
    assert m.objective_ == pytest.approx(obj_ours, rel=1e-12)
    # original-scale coefficients and intercept reproduce the model-scale fit
    d = prepare_data(X, y, standardize=standardize)
    np.testing.assert_allclose(m.predict(X), d.y_mean + d.Z @ ours, rtol=1e-10, atol=1e-10)


def test_certificate_is_computed_from_the_solution(diabetes):
    """A deliberately perturbed solution gets a larger gap and a KKT violation."""
    X, y = diabetes
    d = prepare_data(X, y)
    alpha = 0.1 * np.max(np.abs(d.Z.T @ d.yc)) / d.n
    sol = solve_lasso(d.Z, d.yc, alpha)
    bad = sol.beta.copy()
    bad[np.flatnonzero(bad)[0]] *= 1.01
    cert = lasso_certificate(d.Z, d.yc, bad, alpha)
    assert cert.duality_gap > 1e3 * max(sol.certificate.duality_gap, 1e-14)
    assert cert.kkt_violation > 1e-3
    # gap bounds sub-optimality: P(bad) - P(opt) <= gap(bad)
    assert cert.objective - sol.certificate.objective <= cert.duality_gap * (1 + 1e-9)


def test_duplicated_columns_objective_only(diabetes):
    X, y = diabetes
    X = X.assign(bmi_copy=X["bmi"], s5_copy=X["s5"])
    with pytest.warns(UserWarning, match="identical columns"):
        alpha = 0.05 * _alpha_max(X, y, True)
    prior = bs.laplace_from_alpha(alpha, sigma=SIGMA, n=len(y))
    with pytest.warns(UserWarning, match="identical columns"):
        m = bs.map_estimate(X, y, prior, sigma=SIGMA)
    ref, Z, yc = _reference_lasso(X.to_numpy(), y.to_numpy(), alpha, True)
    obj_ours, obj_ref = _objective(Z, yc, m.coef_model_, alpha), _objective(Z, yc, ref, alpha)
    assert abs(obj_ours - obj_ref) <= OBJ_RTOL * obj_ref
    assert m.duality_gap_ <= GAP_RTOL * (yc @ yc) / len(y)


@pytest.mark.parametrize("factor", [1.0, 1.5, 100.0])
def test_alpha_above_alpha_max_gives_zeros(problem, factor):
    X, y = problem
    alpha = factor * _alpha_max(X, y, True)
    m = bs.map_estimate(X, y, bs.laplace_from_alpha(alpha, SIGMA, len(y)), sigma=SIGMA)
    assert np.all(m.coef_ == 0.0)
    assert m.intercept_ == pytest.approx(np.mean(y))
    assert m.kkt_violation_ <= KKT_RTOL


def test_just_below_alpha_max_one_feature_enters(diabetes):
    X, y = diabetes
    alpha = 0.999 * _alpha_max(X, y, True)
    m = bs.map_estimate(X, y, bs.laplace_from_alpha(alpha, SIGMA, len(y)), sigma=SIGMA)
    assert m.n_nonzero_ == 1


def test_genomics_scale_p_much_larger_than_n():
    X, y, coef = bs.datasets.make_sparse_regression(100, 20_000, 20, correlation=0.3, random_state=3)
    alpha = 0.1 * _alpha_max(X, y, False)
    m = bs.map_estimate(X, y, bs.laplace_from_alpha(alpha, 1.0, 100), sigma=1.0, standardize=False)
    yc = y - y.mean()
    assert m.duality_gap_ <= GAP_RTOL * (yc @ yc) / 100
    assert m.kkt_violation_ <= KKT_RTOL
    assert 0 < m.n_nonzero_ <= 100


# --------------------------------------------------------------------- ridge
@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("conditional", [True, False])
@pytest.mark.parametrize("ridge_alpha", [0.1, 10.0, 1000.0])
def test_gaussian_map_equals_sklearn_ridge(problem, standardize, conditional, ridge_alpha):
    X, y = problem
    prior = bs.gaussian_from_alpha(ridge_alpha, sigma=SIGMA, conditional=conditional)
    assert bs.ridge_alpha(prior, SIGMA) == pytest.approx(ridge_alpha, rel=1e-13)
    m = bs.map_estimate(X, y, prior, sigma=SIGMA, standardize=standardize)
    Xm = StandardScaler().fit_transform(X) if standardize else X
    ref = Ridge(alpha=ridge_alpha, solver="svd").fit(Xm, y)
    assert np.max(np.abs(m.coef_model_ - ref.coef_)) <= RIDGE_RTOL * np.max(np.abs(ref.coef_))
    assert m.penalty_ == "l2"
    assert m.kkt_violation_ <= 1e-8


# --------------------------------------------------------------------- mapping
def test_mapping_formulas():
    # DESIGN.md: alpha = sigma^2 / (n b); conditional b = sigma / lam -> alpha = lam sigma / n
    assert bs.lasso_alpha(bs.Laplace(scale=0.5, conditional=False), sigma=3.0, n=9) == pytest.approx(2.0)
    assert bs.lasso_alpha(bs.Laplace(lam=9.0), sigma=2.0, n=6) == pytest.approx(3.0)
    assert bs.ridge_alpha(bs.Gaussian(scale=2.0, conditional=False), sigma=3.0) == pytest.approx(9 / 4)
    assert bs.ridge_alpha(bs.Gaussian(scale=2.0, conditional=True), sigma=3.0) == pytest.approx(1 / 4)


@pytest.mark.parametrize("conditional", [True, False])
def test_mapping_round_trip(conditional):
    for alpha in (1e-4, 0.3, 50.0):
        prior = bs.laplace_from_alpha(alpha, sigma=1.7, n=123, conditional=conditional)
        assert prior.conditional is conditional
        assert bs.lasso_alpha(prior, sigma=1.7, n=123) == pytest.approx(alpha, rel=1e-14)


def test_map_errors(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="density is unbounded at beta_j = 0, so the posterior has no finite MAP"):
        bs.map_estimate(X, y, bs.Horseshoe(), sigma=1.0)
    with pytest.raises(ValueError, match="Laplace prior has a hyperprior on its scale; fix lam or scale"):
        bs.map_estimate(X, y, bs.Laplace(), sigma=1.0)
    with pytest.raises(ValueError, match="Gaussian prior has a hyperprior on its scale; fix scale"):
        bs.map_estimate(X, y, bs.Gaussian(), sigma=1.0)
    with pytest.raises(ValueError, match="holds at a fixed noise sd: give sigma"):
        bs.map_estimate(X, y, bs.Laplace(lam=1.0), sigma=None)
    with pytest.raises(ValueError, match="sigma must be a positive finite number"):
        bs.map_estimate(X, y, bs.Laplace(lam=1.0), sigma=-1.0)
    with pytest.raises(TypeError, match="prior must be bs.Laplace"):
        bs.map_estimate(X, y, "laplace", sigma=1.0)
    with pytest.raises(ValueError, match="alpha must be a positive finite number"):
        bs.laplace_from_alpha(0.0, sigma=1.0, n=10)
    with pytest.raises(TypeError, match="lasso_alpha needs a bs.Laplace prior"):
        bs.lasso_alpha(bs.Gaussian(scale=1.0), sigma=1.0, n=10)


# --------------------------------------------------------------------- PyMC log density
def _logp_fn(model):
    return model.compile_logp(jacobian=False)


@pytest.mark.parametrize(
    "prior",
    [bs.Laplace(lam=30.0), bs.Laplace(scale=2.0, conditional=False), bs.Gaussian(scale=0.05)],
    ids=["laplace-conditional", "laplace-unconditional", "gaussian"],
)
@pytest.mark.parametrize("standardize", [True, False])
def test_map_maximizes_pymc_log_density(diabetes, prior, standardize):
    X, y = diabetes
    sigma = 54.0
    m = bs.map_estimate(X, y, prior, sigma=sigma, standardize=standardize)
    model = bs.build_model(X, y, prior, sigma=sigma, standardize=standardize)
    logp = _logp_fn(model)
    name = "beta_std" if standardize else "beta"
    assert {v.name for v in model.value_vars} == {name, "intercept_c"}
    beta0 = m.coef_model_
    point = {name: beta0, "intercept_c": np.array(0.0)}
    best = logp(point)
    h = 1e-3 * max(np.max(np.abs(beta0)), 1e-3)
    rng = np.random.default_rng(0)
    for j in range(len(beta0)):
        for sign in (-1.0, 1.0):
            b = beta0.copy()
            b[j] += sign * h
            assert logp({name: b, "intercept_c": np.array(0.0)}) < best
    for _ in range(20):
        b = beta0 + h * rng.normal(size=beta0.shape)
        assert logp({name: b, "intercept_c": np.array(h * rng.normal())}) < best
    for sign in (-1.0, 1.0):
        assert logp({name: beta0, "intercept_c": np.array(sign * h)}) < best
    if isinstance(prior, bs.Laplace):
        assert np.any(beta0 == 0), "choose lam so that the MAP has exact zeros"
