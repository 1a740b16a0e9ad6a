"""scikit-learn classifiers for binary outcomes (disease vs healthy): the logistic model
``y ~ Bernoulli(expit(intercept + X beta))`` with a sparse prior on beta.

``method="map"`` is the certified penalised logistic regression (Laplace prior:
``LogisticRegression(penalty="l1", C=1/lam)``; Gaussian: ``penalty="l2",
C=scale**2``; the intercept unpenalised), and ``predict_proba`` is the plug-in
probability. ``method="mcmc"`` samples the posterior (NUTS through the PyMC
builder) and ``predict_proba`` is the posterior predictive probability
``E[expit(intercept + x' beta) | data]``. Two class labels of any type are
accepted; ``classes_[1]`` is the class modelled as y = 1.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._data import linear_predictor
from .map import map_estimate
from .priors import Gaussian, Horseshoe, Laplace
from .sampling import fit as _fit

__all__ = ["BayesianLassoClassifier", "BayesianRidgeClassifier", "HorseshoeClassifier"]


def _expit(eta):
    from scipy.special import expit

    return expit(eta)


class _BayesSparseClassifier(ClassifierMixin, BaseEstimator):
    """Shared fit / predict_proba; subclasses build the prior specification."""

    _methods = ("map", "mcmc")

    def _prior(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _validate_params(self):
        if self.method not in self._methods:
            raise ValueError(f"method must be one of {self._methods}, got {self.method!r}")
        for name, minimum in (("draws", 1), ("chains", 1), ("tune", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")

    def fit(self, X, y):
        """Fit to X (n, p) and two-class labels y (n,); returns self."""
        self._validate_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        Xa, ya = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(ya)
        self.classes_ = np.unique(ya)
        if self.classes_.size != 2:
            raise ValueError(
                f"Only binary classification is supported: {type(self).__name__} got y with "
                f"{self.classes_.size} class(es) ({', '.join(map(str, self.classes_[:5]))}); it needs exactly two"
            )
        y01 = (ya == self.classes_[1]).astype(float)
        X_in = X if hasattr(X, "columns") else Xa
        prior = self._prior()
        if self.method == "map":
            self.map_ = map_estimate(X_in, y01, prior, standardize=self.standardize, family="bernoulli")
            self.coef_, self.intercept_ = self.map_.coef_, self.map_.intercept_
            self.spec_ = self.map_.spec
            self._draws = None
            return self
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        post = _fit(
            X_in,
            y01,
            prior,
            family="bernoulli",
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            random_seed=seed,
            standardize=self.standardize,
            progressbar=self.progressbar,
        )
        self.idata_, self.spec_, self.diagnostics_ = post.idata, post.spec, post.diagnostics
        beta, intercept = post.draws("beta"), post.draws("intercept")
        self._draws = (beta, intercept)
        self.coef_, self.intercept_ = beta.mean(0), float(intercept.mean())
        return self

    def predict_proba(self, X):
        """Probabilities of ``classes_`` (n, 2): plug-in at the MAP, posterior predictive for MCMC."""
        check_is_fitted(self, "coef_")
        Xa = np.asarray(validate_data(self, X, reset=False, dtype=[np.float64, np.float32]), dtype=float)
        if self._draws is None:
            p1 = _expit(linear_predictor(self.coef_, self.intercept_, Xa))
        else:
            p1 = _expit(linear_predictor(*self._draws, Xa)).mean(axis=0)
        return np.column_stack([1.0 - p1, p1])

    def decision_function(self, X):
        """Log-odds of ``classes_[1]`` under ``predict_proba``."""
        p1 = np.clip(self.predict_proba(X)[:, 1], 1e-300, 1 - 1e-16)
        return np.log(p1) - np.log1p(-p1)

    def predict(self, X):
        """The more probable class."""
        p1 = self.predict_proba(X)[:, 1]  # checks fitted first
        return self.classes_[(p1 > 0.5).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = False  # deterministic given random_state
        return tags


class BayesianLassoClassifier(_BayesSparseClassifier):
    """Bayesian lasso logistic regression: Laplace prior ``p(beta_j) = lam/2 exp(-lam |beta_j|)``
    on the (standardized) coefficients, flat prior on the intercept.

    ``method="map"`` (default) is ``LogisticRegression(penalty="l1", C=1/lam)`` on
    standardized columns, with exact zeros and a duality-gap certificate (``map_``);
    ``method="mcmc"`` samples the posterior (``idata_``, ``diagnostics_``).

    Parameters
    ----------
    lam : float, default 1.0
        The rate (``C = 1 / lam``, scikit-learn's default ``C=1``); MCMC also accepts
        None for the hyperprior ``lam**2 ~ Gamma(1, 1.78)``.
    method : {"map", "mcmc"}
    draws, tune, chains : int
        MCMC only.
    standardize : bool, default True
    random_state : int, RandomState or None
    progressbar : bool, default False
    """

    def __init__(
        self,
        lam=1.0,
        *,
        method="map",
        draws=1000,
        tune=1000,
        chains=2,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
        self.lam = lam
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.standardize = standardize
        self.random_state = random_state
        self.progressbar = progressbar

    def _prior(self):
        if self.lam is None and self.method == "map":
            raise ValueError("method='map' needs a fixed lam (the penalty); lam=None means a hyperprior")
        return Laplace(lam=self.lam)


class BayesianRidgeClassifier(_BayesSparseClassifier):
    """Bayesian ridge logistic regression: ``beta_j ~ N(0, scale**2)`` on the (standardized)
    coefficients; ``method="map"`` is ``LogisticRegression(penalty="l2", C=scale**2)``.
    Parameters as :class:`BayesianLassoClassifier` with ``scale`` (default 1.0) for ``lam``.
    """

    def __init__(
        self,
        scale=1.0,
        *,
        method="map",
        draws=1000,
        tune=1000,
        chains=2,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
        self.scale = scale
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.standardize = standardize
        self.random_state = random_state
        self.progressbar = progressbar

    def _prior(self):
        if self.scale is None and self.method == "map":
            raise ValueError("method='map' needs a fixed scale; scale=None means a hyperprior")
        return Gaussian(scale=self.scale)


class HorseshoeClassifier(_BayesSparseClassifier):
    """Regularized-horseshoe logistic regression (MCMC only: the horseshoe has no finite MAP).

    ``beta_j ~ N(0, tau**2 lamt_j**2)``, ``tau ~ C+(0, tau0)`` with
    ``tau0 = p0 / (p - p0) * 2 / sqrt(n)`` (the logit pseudo-sigma 2) from
    ``expected_nonzero``; slab as :class:`bayes_sparse.Horseshoe`.
    """

    _methods = ("mcmc",)

    def __init__(
        self,
        expected_nonzero=None,
        *,
        slab_scale=2.0,
        slab_df=4.0,
        method="mcmc",
        draws=1000,
        tune=1000,
        chains=2,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
        self.expected_nonzero = expected_nonzero
        self.slab_scale = slab_scale
        self.slab_df = slab_df
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.standardize = standardize
        self.random_state = random_state
        self.progressbar = progressbar

    def _prior(self):
        p0 = self.expected_nonzero
        if p0 is not None and p0 >= self.n_features_in_:
            raise ValueError(
                f"expected_nonzero={p0} must be smaller than the number of features ({self.n_features_in_})"
            )
        return Horseshoe(expected_nonzero=p0, slab_scale=self.slab_scale, slab_df=self.slab_df)
