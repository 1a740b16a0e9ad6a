"""scikit-learn-compatible estimators over :func:`bayes_sparse.fit` and
:func:`bayes_sparse.map_estimate`.

The model is ``y ~ N(intercept + X beta, sigma**2)`` with a flat prior on the
intercept and the prior of each estimator on the (standardized) coefficients;
see :mod:`bayes_sparse.priors` for the exact densities. ``method="mcmc"``
samples the posterior (``coef_`` is the posterior mean, ``idata_`` the
InferenceData); ``method="map"`` returns the posterior mode at a fixed sigma,
which is the lasso / ridge solution (``coef_`` has exact zeros for the lasso).

Fitted estimators keep posterior draws, never a PyMC model or compiled
function, so they pickle.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .map import map_estimate
from .priors import Gaussian, Horseshoe, Laplace
from .sampling import fit as _fit

__all__ = ["BayesianLassoRegressor", "HorseshoeRegressor", "BayesianRidgeRegressor"]


def _positive_or_none(name, value):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be None or a positive number, got {value!r}")


class _BayesSparseRegressor(RegressorMixin, BaseEstimator):
    """Shared fit / predict; subclasses build the prior specification."""

    _methods = ("mcmc", "map")

    def _prior(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _validate_params(self):
        if self.method not in self._methods:
            raise ValueError(f"method must be one of {self._methods}, got {self.method!r}")
        for name in ("draws", "chains"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if isinstance(self.tune, bool) or not isinstance(self.tune, numbers.Integral) or self.tune < 0:
            raise ValueError(f"tune must be a non-negative integer, got {self.tune!r}")
        _positive_or_none("sigma", self.sigma)
        if self.method == "map" and self.sigma is None:
            raise ValueError("method='map' is the posterior mode at a fixed noise sd: set sigma")

    def fit(self, X, y):
        """Fit to X (n, p) and y (n,); returns self."""
        self._validate_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        # scikit-learn's protocol (feature names, n_features_in_, its messages);
        # the library's own boundary (constant / duplicated columns, ...) runs inside fit/map_estimate.
        Xa, ya = validate_data(self, X, y, y_numeric=True, dtype=[np.float64, np.float32])
        X_in = X if hasattr(X, "columns") else Xa
        prior = self._prior()
        if self.method == "map":
            self.map_ = map_estimate(X_in, ya, prior, sigma=self.sigma, standardize=self.standardize)
            self.coef_, self.intercept_ = self.map_.coef_, self.map_.intercept_
            self.sigma_ = float(self.sigma)
            self._draws = None
            return self
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        post = _fit(
            X_in, ya, prior, sampler=self.sampler, draws=self.draws, tune=self.tune, chains=self.chains,
            random_seed=seed, sigma=self.sigma, standardize=self.standardize, progressbar=self.progressbar,
        )
        self.idata_ = post.idata
        self.diagnostics_ = post.diagnostics
        beta, intercept, sigma = post.draws("beta"), post.draws("intercept"), post.draws("sigma")
        self._draws = (beta, intercept, sigma)
        self.coef_, self.intercept_ = beta.mean(0), float(intercept.mean())
        self.sigma_ = float(np.sqrt(np.mean(sigma**2)))
        return self

    def predict(self, X, return_std: bool = False):
        """Posterior predictive mean (MAP: the fitted value); with ``return_std``
        also the predictive sd ``sqrt(Var[mu] + E[sigma^2])`` (MAP: sigma)."""
        check_is_fitted(self, "coef_")
        Xa = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        Xa = np.asarray(Xa, dtype=float)
        if self._draws is None:
            mean = self.intercept_ + Xa @ self.coef_
            return (mean, np.full(len(mean), self.sigma_)) if return_std else mean
        beta, intercept, sigma = self._draws
        mu = intercept[:, None] + beta @ Xa.T
        mean = mu.mean(0)
        if not return_std:
            return mean
        return mean, np.sqrt(mu.var(0) + np.mean(sigma**2))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False  # deterministic given random_state
        return tags


class BayesianLassoRegressor(_BayesSparseRegressor):
    """Bayesian lasso (Laplace prior; Park & Casella 2008).

    Prior on each standardized coefficient (``conditional=True``)::

        p(beta_j | sigma) = lam / (2 sigma) exp(-lam |beta_j| / sigma)

    or ``lam / 2 exp(-lam |beta_j|)`` when ``conditional=False``; ``lam=None``
    puts ``lam**2 ~ Gamma(1, 1.78)``. With ``method="map"`` (needs ``lam`` and
    ``sigma``) the fit is scikit-learn's ``Lasso(alpha=lam sigma / n)`` on
    standardized columns, i.e. ``(1/2n)||y - Xb||^2 + alpha ||b||_1``.

    Parameters
    ----------
    lam : float or None
    conditional : bool, default True
    method : {"mcmc", "map"}
    sampler : {"auto", "gibbs", "nuts"}
    draws, tune, chains : int
    sigma : float or None
        Fixed noise sd (required for MAP) or None for the Jeffreys prior.
    standardize : bool, default True
    random_state : int, RandomState or None
    progressbar : bool, default False

    Attributes
    ----------
    coef_, intercept_ : posterior means (MCMC) or the MAP
    sigma_ : float
    idata_ : arviz.InferenceData (MCMC)
    diagnostics_ : convergence checks (MCMC)
    map_ : MapResult (MAP) with the duality-gap certificate
    n_features_in_, feature_names_in_
    """

    def __init__(self, lam=None, *, conditional=True, method="mcmc", sampler="auto", draws=1000, tune=1000,
                 chains=4, sigma=None, standardize=True, random_state=None, progressbar=False):
        self.lam = lam
        self.conditional = conditional
        self.method = method
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.sigma = sigma
        self.standardize = standardize
        self.random_state = random_state
        self.progressbar = progressbar

    def _prior(self):
        _positive_or_none("lam", self.lam)
        if self.method == "map" and self.lam is None:
            raise ValueError("method='map' needs a fixed lam (the penalty); lam=None means a hyperprior")
        return Laplace(lam=self.lam, conditional=bool(self.conditional))


class BayesianRidgeRegressor(_BayesSparseRegressor):
    """Bayesian ridge (Gaussian prior), not to be confused with scikit-learn's ``BayesianRidge``.

    Prior ``beta_j | sigma ~ N(0, sigma**2 scale**2)`` (``conditional=True``) or
    ``N(0, scale**2)``; ``scale=None`` puts ``scale**2 ~ InverseGamma(1, 1)``.
    With ``method="map"`` the fit is ``Ridge(alpha=1/scale**2)`` (conditional)
    or ``Ridge(alpha=sigma**2/scale**2)`` on standardized columns.
    Parameters and attributes as :class:`BayesianLassoRegressor`.
    """

    def __init__(self, scale=None, *, conditional=True, method="mcmc", sampler="auto", draws=1000, tune=1000,
                 chains=4, sigma=None, standardize=True, random_state=None, progressbar=False):
        self.scale = scale
        self.conditional = conditional
        self.method = method
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.sigma = sigma
        self.standardize = standardize
        self.random_state = random_state
        self.progressbar = progressbar

    def _prior(self):
        _positive_or_none("scale", self.scale)
        if self.method == "map" and self.scale is None:
            raise ValueError("method='map' needs a fixed scale; scale=None means a hyperprior")
        return Gaussian(scale=self.scale, conditional=bool(self.conditional))


class HorseshoeRegressor(_BayesSparseRegressor):
    """Regularized horseshoe (Piironen & Vehtari 2017); MCMC only (no finite MAP exists).

    ``beta_j ~ N(0, sigma**2 tau**2 lamt_j**2)``, ``lam_j ~ C+(0, 1)``,
    ``tau ~ C+(0, tau0)`` with ``tau0 = p0 / (p - p0) / sqrt(n)`` from
    ``expected_nonzero``; slab ``c**2 ~ InverseGamma(slab_df/2, slab_df slab_scale**2/2)``
    (``slab_scale=None``: plain horseshoe).
    """

    _methods = ("mcmc",)

    def __init__(self, expected_nonzero=None, *, slab_scale=2.0, slab_df=4.0, method="mcmc", sampler="auto",
                 draws=1000, tune=1000, chains=4, sigma=None, standardize=True, random_state=None, progressbar=False):
        self.expected_nonzero = expected_nonzero
        self.slab_scale = slab_scale
        self.slab_df = slab_df
        self.method = method
        self.sampler = sampler
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.sigma = sigma
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
