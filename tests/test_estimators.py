"""scikit-learn compatibility: the official check suite, pipelines, search, pickling."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import bayes_sparse as bs
from bayes_sparse.estimators import BayesianLassoRegressor, BayesianRidgeRegressor, HorseshoeRegressor

FAST = dict(draws=150, tune=50, chains=2, random_state=0)


# Every check of scikit-learn's suite passes for all three estimators; none
# needs to be listed in expected_failed_checks.
@parametrize_with_checks([BayesianLassoRegressor(**FAST), HorseshoeRegressor(**FAST), BayesianRidgeRegressor(**FAST)])
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
        (BayesianLassoRegressor(method="map"), "method='map' is the posterior mode at a fixed noise sd: set sigma"),
        (BayesianLassoRegressor(method="map", sigma=1.0), "method='map' needs a fixed lam"),
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
