"""scikit-learn compatibility: the official check suite, pipelines, search, pickling."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LassoCV, Ridge, RidgeCV
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import bayes_sparse as bs
from bayes_sparse._map_defaults import ridge_alpha_grid
from bayes_sparse.estimators import (
    BayesianElasticNetRegressor,
    BayesianLassoRegressor,
    BayesianRidgeRegressor,
    HorseshoeRegressor,
)

FAST = dict(draws=150, tune=50, chains=2, random_state=0)
SKLEARN_ATOL = 1e-7  # coefficients against scikit-learn at tol=1e-12 (standardized scale)
SIGMA_EQ_TOL = 1e-10  # relative residual of the joint-mode sigma equation, recomputed here


# Every check of scikit-learn's suite passes for all three estimators and for
# the MAP mode with its defaults (like sklearn's Lasso()); none needs to be
# listed in expected_failed_checks.
@parametrize_with_checks(
    [
        BayesianLassoRegressor(**FAST),
        HorseshoeRegressor(**FAST),
        BayesianRidgeRegressor(**FAST),
        BayesianLassoRegressor(method="map"),
        BayesianRidgeRegressor(method="map"),
        BayesianElasticNetRegressor(**FAST),
        BayesianElasticNetRegressor(method="map"),
        BayesianElasticNetRegressor(2.0, 1.0, method="map"),
    ]
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        check(estimator)


def _data():
    return bs.datasets.make_sparse_regression(80, 10, 3, random_state=3, as_frame=True)


def test_fitted_attributes_and_predict_std():
    X, y, _ = _data()
    est = BayesianLassoRegressor(draws=400, tune=100, chains=2, random_state=1).fit(X, y)
    assert est.n_features_in_ == 10 and list(est.feature_names_in_) == list(X.columns)
    assert est.idata_.posterior["beta"].shape == (2, 400, 10)
    mean, std = est.predict(X.iloc[:5], return_std=True)
    assert mean.shape == std.shape == (5,)
    assert np.all(std >= est.sigma_ * 0.99)  # predictive sd includes the noise
    assert est.score(X, y) > 0.8


def test_map_mode_equals_sklearn_lasso_and_ridge():
    X, y, _ = _data()
    n, sigma, lam = len(y), 1.3, 20.0
    est = BayesianLassoRegressor(lam, method="map", sigma=sigma).fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    ref = Lasso(alpha=lam * sigma / n, tol=1e-12, max_iter=10**6).fit(Xs, y)
    np.testing.assert_allclose(est.coef_ * X.std(ddof=0).to_numpy(), ref.coef_, atol=1e-7)
    assert est.map_.duality_gap_ < 1e-9
    ridge = BayesianRidgeRegressor(0.5, method="map", sigma=sigma).fit(X, y)
    ref_r = Ridge(alpha=1 / 0.25).fit(Xs, y)
    np.testing.assert_allclose(ridge.coef_ * X.std(ddof=0).to_numpy(), ref_r.coef_, rtol=1e-8)


def test_pickle_without_pymc_model():
    X, y, _ = _data()
    est = HorseshoeRegressor(expected_nonzero=3, draws=200, tune=100, chains=2, random_state=0).fit(X, y)
    blob = pickle.dumps(est)
    assert b"pymc.model" not in blob and b"pytensor" not in blob
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.predict(X), est.predict(X))


def test_deterministic_given_random_state():
    X, y, _ = _data()
    a = BayesianRidgeRegressor(draws=100, tune=50, chains=2, random_state=7).fit(X, y).predict(X)
    b = BayesianRidgeRegressor(draws=100, tune=50, chains=2, random_state=7).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


def test_pipeline_gridsearch_cross_val():
    X, y, _ = _data()
    pipe = make_pipeline(StandardScaler(), BayesianLassoRegressor(method="map", lam=5.0, sigma=1.0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    grid = GridSearchCV(BayesianLassoRegressor(method="map", sigma=1.0), {"lam": [1.0, 10.0, 100.0, 1000.0]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["lam"] in (1.0, 10.0, 100.0)  # 1000 shrinks everything
    mcmc = cross_val_score(BayesianRidgeRegressor(draws=200, tune=50, chains=1, random_state=0), X, y, cv=2)
    assert np.all(mcmc > 0.5)


@pytest.mark.parametrize(
    "est, message",
    [
        (
            BayesianLassoRegressor(method="map", conditional=False),
            r"sigma=None is the joint mode of \(beta, sigma\), which is unique only for the conditional prior",
        ),
        (BayesianRidgeRegressor(method="map", conditional=False), "unique only for the conditional prior"),
        (BayesianLassoRegressor(method="map", sigma=-2.0), "sigma must be None or a positive number"),
        (HorseshoeRegressor(method="map"), "method must be one of"),
        (BayesianLassoRegressor(draws=0), "draws must be a positive integer"),
        (BayesianLassoRegressor(lam=-1.0), "lam must be None or a positive number"),
        (HorseshoeRegressor(expected_nonzero=10), "expected_nonzero=10 must be smaller than the number of features"),
    ],
)
def test_parameter_errors(est, message):
    X, y, _ = _data()
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


def _standardized():
    X, y, _ = _data()
    return X, y, StandardScaler().fit_transform(X), X.std(ddof=0).to_numpy()


def test_lasso_map_defaults_cv_lambda_and_joint_sigma():
    """lam=None, sigma=None: alpha from LassoCV; beta = Lasso(alpha); (lam, sigma) the joint mode."""
    X, y, Xs, sd = _standardized()
    n, p = X.shape
    est = BayesianLassoRegressor(method="map", random_state=4).fit(X, y)
    ref_alpha = LassoCV(cv=KFold(5, shuffle=True, random_state=4), max_iter=100_000).fit(Xs, y).alpha_
    np.testing.assert_allclose(est.alpha_, ref_alpha, rtol=1e-10)
    ref = Lasso(alpha=ref_alpha, tol=1e-12, max_iter=10**6).fit(Xs, y)
    np.testing.assert_allclose(est.coef_ * sd, ref.coef_, atol=SKLEARN_ATOL)
    np.testing.assert_allclose(est.lam_ * est.sigma_ / n, est.alpha_, rtol=1e-12)  # conditional mapping
    # sigma solves (n + p + 1) s^2 - lam ||b||_1 s - RSS = 0 at sklearn's solution
    r = y - ref.predict(Xs)
    k = n + p + 1
    eq = k * est.sigma_**2 - est.lam_ * np.abs(ref.coef_).sum() * est.sigma_ - r @ r
    assert abs(eq) / (k * est.sigma_**2) < SIGMA_EQ_TOL
    assert est.joint_map_.converged and est.map_.duality_gap_ < 1e-9
    # the same random_state gives the same folds, hence the same fit
    again = BayesianLassoRegressor(method="map", random_state=4).fit(X, y)
    np.testing.assert_array_equal(again.coef_, est.coef_)


def test_lasso_map_fixed_lam_joint_sigma_and_fixed_sigma_cv():
    X, y, Xs, sd = _standardized()
    n, p = X.shape
    est = BayesianLassoRegressor(8.0, method="map").fit(X, y)  # sigma=None: joint mode
    ref = Lasso(alpha=8.0 * est.sigma_ / n, tol=1e-12, max_iter=10**6).fit(Xs, y)
    np.testing.assert_allclose(est.coef_ * sd, ref.coef_, atol=SKLEARN_ATOL)
    r = y - ref.predict(Xs)
    k = n + p + 1
    assert (
        abs(k * est.sigma_**2 - 8.0 * np.abs(ref.coef_).sum() * est.sigma_ - r @ r) / (k * est.sigma_**2) < SIGMA_EQ_TOL
    )
    assert est.joint_map_.sigma_residual < SIGMA_EQ_TOL and est.lam_ == 8.0
    # sigma given, lam=None: lam = n alpha / sigma, sigma unchanged
    fixed = BayesianLassoRegressor(method="map", sigma=1.5, random_state=0).fit(X, y)
    assert fixed.sigma_ == 1.5 and fixed.joint_map_ is None
    np.testing.assert_allclose(fixed.lam_, n * fixed.alpha_ / 1.5, rtol=1e-12)
    unc = BayesianLassoRegressor(method="map", sigma=1.5, conditional=False, random_state=0).fit(X, y)
    np.testing.assert_allclose(unc.alpha_, fixed.alpha_, rtol=1e-12)  # same CV, different lam
    np.testing.assert_allclose(unc.lam_, n * fixed.alpha_ / 1.5**2, rtol=1e-12)


def test_ridge_map_defaults_cv_scale_and_joint_sigma():
    X, y, Xs, sd = _standardized()
    n, p = X.shape
    est = BayesianRidgeRegressor(method="map").fit(X, y)
    Zc = Xs - Xs.mean(0)
    ref_alpha = RidgeCV(alphas=ridge_alpha_grid(Zc)).fit(Xs, y).alpha_
    np.testing.assert_allclose(est.alpha_, ref_alpha, rtol=1e-12)
    np.testing.assert_allclose(est.scale_, 1 / np.sqrt(ref_alpha), rtol=1e-12)
    ref = Ridge(alpha=ref_alpha).fit(Xs, y)
    np.testing.assert_allclose(est.coef_ * sd, ref.coef_, rtol=1e-8)
    r = y - ref.predict(Xs)
    np.testing.assert_allclose(est.sigma_**2, (r @ r + ref_alpha * ref.coef_ @ ref.coef_) / (n + p + 1), rtol=1e-8)
    unc = BayesianRidgeRegressor(method="map", sigma=2.0, conditional=False).fit(X, y)
    np.testing.assert_allclose(unc.alpha_, ref_alpha, rtol=1e-12)  # Ridge(sigma^2 / scale^2)
    np.testing.assert_allclose(unc.coef_, est.coef_, rtol=1e-8)


def test_map_defaults_predict_std_is_sigma():
    X, y, _ = _data()
    est = BayesianLassoRegressor(method="map", random_state=0).fit(X, y)
    mean, std = est.predict(X.iloc[:4], return_std=True)
    np.testing.assert_array_equal(std, np.full(4, est.sigma_))
    assert est.score(X, y) > 0.8


def test_elastic_net_map_mode_equals_sklearn():
    """MAP mode needs no sigma (it cancels): scikit-learn's ElasticNet(alpha = lam1/(2n) + lam2/n,
    l1_ratio = lam1/(lam1 + 2 lam2)) on standardized columns; the CV default maps back exactly."""
    from sklearn.linear_model import ElasticNet

    X, y, _ = _data()
    n, lam1, lam2 = len(y), 30.0, 10.0
    est = BayesianElasticNetRegressor(lam1, lam2, method="map").fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    ref = ElasticNet(alpha=lam1 / (2 * n) + lam2 / n, l1_ratio=lam1 / (lam1 + 2 * lam2), tol=1e-12, max_iter=10**6).fit(
        Xs, y
    )
    np.testing.assert_allclose(est.coef_ * X.std(ddof=0).to_numpy(), ref.coef_, atol=SKLEARN_ATOL)
    assert est.alpha_ == pytest.approx(ref.alpha) and est.l1_ratio_ == pytest.approx(ref.l1_ratio)
    assert est.map_.duality_gap_ < 1e-9 and est.sigma_ > 0
    np.testing.assert_allclose(est.predict(X), ref.predict(Xs), atol=1e-6)
    cv = BayesianElasticNetRegressor(method="map", random_state=0).fit(X, y)
    assert bs.elastic_net_alpha(bs.ElasticNet(lam1=cv.lam1_, lam2=cv.lam2_), n) == pytest.approx(
        (cv.alpha_, cv.l1_ratio_), rel=1e-12
    )
    with pytest.raises(ValueError, match="give both lam1 and lam2, or neither"):
        BayesianElasticNetRegressor(1.0, method="map").fit(X, y)
