"""Binary classifiers: scikit-learn's check suite, MAP = LogisticRegression, MCMC probabilities."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import bayes_sparse as bs
from bayes_sparse.classifiers import BayesianLassoClassifier, BayesianRidgeClassifier, HorseshoeClassifier


# Every check passes; none is listed in expected_failed_checks.
@parametrize_with_checks([BayesianLassoClassifier(), BayesianRidgeClassifier()])
def test_sklearn_compatible_map(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    [
        HorseshoeClassifier(draws=60, tune=60, chains=1, random_state=0),
        BayesianLassoClassifier(method="mcmc", draws=60, tune=60, chains=1, random_state=0),
    ]
)
def test_sklearn_compatible_mcmc(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        check(estimator)


@pytest.fixture(scope="module")
def labelled():
    X, _, coef = bs.datasets.make_sparse_regression(80, 6, 2, correlation=0.3, random_state=1)
    p = 1 / (1 + np.exp(-(X @ coef)))
    labels = np.where(np.random.default_rng(2).random(80) < p, "disease", "healthy")
    return X, labels


def test_map_classifier_is_logistic_regression(labelled):
    X, labels = labelled
    clf = BayesianLassoClassifier(lam=2.0).fit(X, labels)
    assert list(clf.classes_) == ["disease", "healthy"]
    Zs = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(penalty="l1", C=0.5, solver="saga", tol=1e-12, max_iter=100_000).fit(Zs, labels)
    np.testing.assert_allclose(clf.predict_proba(X), sk.predict_proba(Zs), atol=1e-5)
    assert (clf.predict(X) == sk.predict(Zs)).all()
    assert clf.map_.duality_gap_ < 1e-8


def test_mcmc_probabilities_are_posterior_predictive(labelled):
    X, labels = labelled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        clf = HorseshoeClassifier(expected_nonzero=2, draws=200, tune=200, random_state=0).fit(X, labels)
    beta, intercept = clf._draws
    expected = 1 / (1 + np.exp(-(intercept[:, None] + beta @ X[:5].T)))
    np.testing.assert_allclose(clf.predict_proba(X[:5])[:, 1], expected.mean(0), rtol=1e-12)
    assert clf.idata_.posterior["beta"].shape == (2, 200, 6) and clf.spec_.family == "bernoulli"
    assert np.mean(clf.predict(X) == labels) > 0.7


def test_classifier_errors(labelled):
    X, labels = labelled
    three = labels.copy()
    three[:5] = "other"
    with pytest.raises(
        ValueError, match="Only binary classification is supported: BayesianLassoClassifier got y with 3 class"
    ):
        BayesianLassoClassifier().fit(X, three)
    with pytest.raises(ValueError, match="method must be one of"):
        HorseshoeClassifier(method="map").fit(X, labels)
