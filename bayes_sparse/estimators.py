"""scikit-learn-compatible estimators over :func:`bayes_sparse.fit` and
:func:`bayes_sparse.map_estimate`.

The model is ``y ~ N(intercept + X beta, sigma**2)`` with a flat prior on the
intercept and the prior of each estimator on the (standardized) coefficients;
see :mod:`bayes_sparse.priors` for the exact densities. ``method="mcmc"``
samples the posterior (``coef_`` is the posterior mean, ``idata_`` the
InferenceData); ``method="map"`` returns the posterior mode at a fixed sigma,
which is the lasso / ridge solution (``coef_`` has exact zeros for the lasso).

MAP mode with defaults (scikit-learn's ``Lasso()`` works without arguments, so
do these): ``sigma=None`` gives the joint posterior mode of (beta, sigma)
under the conditional prior and Jeffreys' ``p(sigma**2) ∝ 1/sigma**2`` (unique;
:mod:`bayes_sparse._map_defaults`), and ``lam=None`` / ``scale=None`` choose the
penalty by cross-validation (``LassoCV`` / ``RidgeCV``) mapped back to the
prior. The values used are reported as ``lam_`` / ``scale_``, ``alpha_`` and
``sigma_``.

Fitted estimators keep posterior draws, never a PyMC model or compiled
function, so they pickle.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._data import linear_predictor, prepare_data
from ._map_defaults import (
    cv_lasso_alpha,
    cv_ridge_alpha,
    joint_map_lasso,
    joint_map_ridge,
    lam_from_lasso_alpha,
)
from .map import elastic_net_from_alpha, map_estimate
from .priors import ElasticNet, Gaussian, Horseshoe, Laplace
from .sampling import fit as _fit

__all__ = ["BayesianLassoRegressor", "HorseshoeRegressor", "BayesianRidgeRegressor", "BayesianElasticNetRegressor"]


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
        if self.method == "map" and self.sigma is None and not getattr(self, "conditional", True):
            raise ValueError(
                "method='map' with sigma=None is the joint mode of (beta, sigma), which is unique only "
                "for the conditional prior: set sigma or use conditional=True"
            )

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
            self._fit_map(X_in, ya)
            self.coef_, self.intercept_ = self.map_.coef_, self.map_.intercept_
            self.alpha_ = float(self.map_.alpha_)
            self.spec_ = self.map_.spec
            self._draws = None
            return self
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        post = _fit(
            X_in,
            ya,
            prior,
            sampler=self.sampler,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            random_seed=seed,
            sigma=self.sigma,
            standardize=self.standardize,
            progressbar=self.progressbar,
        )
        self.idata_ = post.idata
        self.spec_ = post.spec
        self.diagnostics_ = post.diagnostics
        beta, intercept, sigma = post.draws("beta"), post.draws("intercept"), post.draws("sigma")
        self._draws = (beta, intercept, sigma)
        self.coef_, self.intercept_ = beta.mean(0), float(intercept.mean())
        self.sigma_ = float(np.sqrt(np.mean(sigma**2)))
        return self

    def _map_design(self, X_in, ya):
        """The model-scale design (Z, y_c) for choosing sigma / the penalty."""
        return prepare_data(X_in, ya, standardize=self.standardize)

    def _map_at(self, X_in, ya, prior, sigma):
        """The certified MAP at fixed sigma (identical-column warnings were given once already)."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="X has identical columns", category=UserWarning)
            return map_estimate(X_in, ya, prior, sigma=sigma, standardize=self.standardize)

    def predict(self, X, return_std: bool = False):
        """Posterior predictive mean (MAP: the fitted value); with ``return_std``
        also the predictive sd ``sqrt(Var[mu] + E[sigma^2])`` (MAP: sigma)."""
        check_is_fitted(self, "coef_")
        Xa = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        Xa = np.asarray(Xa, dtype=float)
        if self._draws is None:
            mean = linear_predictor(self.coef_, self.intercept_, Xa)
            return (mean, np.full(len(mean), self.sigma_)) if return_std else mean
        beta, intercept, sigma = self._draws
        mu = linear_predictor(beta, intercept, Xa)
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

    or ``lam / 2 exp(-lam |beta_j|)`` when ``conditional=False``. With
    ``method="mcmc"``, ``lam=None`` puts ``lam**2 ~ Gamma(1, 1.78)``.

    With ``method="map"`` and ``sigma`` given, the fit is scikit-learn's
    ``Lasso(alpha=lam sigma / n)`` (``sigma**2 lam / n`` unconditional) on the
    standardized columns, i.e. ``(1/2n)||y - Zb||^2 + alpha ||b||_1``. The
    defaults work too:

    * ``sigma=None`` (conditional prior only): the joint posterior mode of
      (beta, sigma) under Jeffreys' ``p(sigma**2) ∝ 1/sigma**2`` with the
      intercept integrated out, i.e. the minimiser of
      ``(n + p + 1) log sigma + RSS / (2 sigma**2) + lam ||b||_1 / sigma``; it is
      unique and certified (lasso duality gap at the final sigma and the
      residual of the sigma equation, in ``joint_map_``).
    * ``lam=None``: alpha is chosen by ``LassoCV`` (5 shuffled folds with
      ``random_state``) and mapped back: ``lam = n alpha / sigma`` at the given
      sigma, or, with ``sigma=None``, the lam whose joint mode is exactly
      ``Lasso(alpha)``: ``sigma**2 = (RSS + n alpha ||b||_1) / (n + p + 1)`` and
      ``lam = n alpha / sigma``.

    Parameters
    ----------
    lam : float or None
    conditional : bool, default True
    method : {"mcmc", "map"}
    sampler : {"auto", "gibbs", "nuts"}
    draws, tune, chains : int
    sigma : float or None
        Fixed noise sd, or None: Jeffreys prior (MCMC) / joint mode (MAP).
    standardize : bool, default True
    random_state : int, RandomState or None
        Seeds the sampler (MCMC) or the cross-validation folds (MAP with ``lam=None``).
    progressbar : bool, default False

    Attributes
    ----------
    coef_, intercept_ : posterior means (MCMC) or the MAP
    sigma_ : float
        Posterior root-mean-square sigma (MCMC), the given or joint-mode sigma (MAP).
    lam_ : float
        MAP: the rate used (given, or chosen by cross-validation).
    alpha_ : float
        MAP: the equivalent scikit-learn ``Lasso`` alpha on the model scale.
    joint_map_ : JointMap or None
        MAP with ``sigma=None``: the joint mode and its certificate.
    idata_ : arviz.InferenceData (MCMC)
    diagnostics_ : convergence checks (MCMC)
    map_ : MapResult (MAP) with the duality-gap certificate
    n_features_in_, feature_names_in_
    """

    def __init__(
        self,
        lam=None,
        *,
        conditional=True,
        method="mcmc",
        sampler="auto",
        draws=1000,
        tune=1000,
        chains=4,
        sigma=None,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
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
        return Laplace(lam=self.lam, conditional=bool(self.conditional))

    def _fit_map(self, X_in, ya):
        design = self._map_design(X_in, ya)
        Z, yc, cond = design.Z, design.yc, bool(self.conditional)
        lam, sigma = self.lam, self.sigma
        if lam is None:
            cv_alpha = cv_lasso_alpha(Z, yc, n_splits=5, random_state=self.random_state)
            lam, sigma = lam_from_lasso_alpha(Z, yc, cv_alpha, sigma=self.sigma, conditional=cond)
        self.joint_map_ = None
        if self.sigma is None:
            # with lam from CV, sigma above is already the fixed point: one sweep confirms it
            self.joint_map_ = joint_map_lasso(Z, yc, lam, sigma_init=sigma)
            sigma = self.joint_map_.sigma
        self.lam_, self.sigma_ = float(lam), float(sigma)
        self.map_ = self._map_at(X_in, ya, Laplace(lam=self.lam_, conditional=cond), self.sigma_)


class BayesianRidgeRegressor(_BayesSparseRegressor):
    """Bayesian ridge (Gaussian prior), not to be confused with scikit-learn's ``BayesianRidge``.

    Prior ``beta_j | sigma ~ N(0, sigma**2 scale**2)`` (``conditional=True``) or
    ``N(0, scale**2)``; with ``method="mcmc"``, ``scale=None`` puts
    ``scale**2 ~ InverseGamma(1, 1)``. With ``method="map"`` the fit is
    ``Ridge(alpha=1/scale**2)`` (conditional) or ``Ridge(alpha=sigma**2/scale**2)``
    on standardized columns, objective ``||y - Zb||^2 + alpha ||b||^2``. Defaults:

    * ``sigma=None`` (conditional only): the joint mode of (beta, sigma), the
      minimiser of ``(n + p + 1) log sigma + (RSS + ||b||^2 / scale**2) / (2 sigma**2)``.
      beta does not depend on sigma (it is ``Ridge(1/scale**2)``) and
      ``sigma**2 = (RSS + ||b||^2 / scale**2) / (n + p + 1)``.
    * ``scale=None``: alpha by ``RidgeCV`` (efficient leave-one-out over a
      log grid), mapped back as ``scale = 1/sqrt(alpha)`` (conditional) or
      ``sigma/sqrt(alpha)``.

    Parameters as :class:`BayesianLassoRegressor`; attributes too, with
    ``scale_`` (the scale used) in place of ``lam_`` and ``alpha_`` the
    ``Ridge`` alpha.
    """

    def __init__(
        self,
        scale=None,
        *,
        conditional=True,
        method="mcmc",
        sampler="auto",
        draws=1000,
        tune=1000,
        chains=4,
        sigma=None,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
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
        return Gaussian(scale=self.scale, conditional=bool(self.conditional))

    def _fit_map(self, X_in, ya):
        design = self._map_design(X_in, ya)
        Z, yc, cond = design.Z, design.yc, bool(self.conditional)
        scale = self.scale
        if scale is None:
            alpha = cv_ridge_alpha(Z, yc)
            # Ridge alpha = 1/scale**2 (conditional) or sigma**2/scale**2
            scale = 1.0 / np.sqrt(alpha) if cond else float(self.sigma) / np.sqrt(alpha)
        self.joint_map_ = None
        sigma = self.sigma
        if sigma is None:
            self.joint_map_ = joint_map_ridge(Z, yc, scale)
            sigma = self.joint_map_.sigma
        self.scale_, self.sigma_ = float(scale), float(sigma)
        self.map_ = self._map_at(X_in, ya, Gaussian(scale=self.scale_, conditional=cond), self.sigma_)


class HorseshoeRegressor(_BayesSparseRegressor):
    """Regularized horseshoe (Piironen & Vehtari 2017); MCMC only (no finite MAP exists).

    ``beta_j ~ N(0, sigma**2 tau**2 lamt_j**2)``, ``lam_j ~ C+(0, 1)``,
    ``tau ~ C+(0, tau0)`` with ``tau0 = p0 / (p - p0) / sqrt(n)`` from
    ``expected_nonzero``; slab ``c**2 ~ InverseGamma(slab_df/2, slab_df slab_scale**2/2)``
    (``slab_scale=None``: plain horseshoe).
    """

    _methods = ("mcmc",)

    def __init__(
        self,
        expected_nonzero=None,
        *,
        slab_scale=2.0,
        slab_df=4.0,
        method="mcmc",
        sampler="auto",
        draws=1000,
        tune=1000,
        chains=4,
        sigma=None,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
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


#: l1_ratio grid of the cross-validated default of :class:`BayesianElasticNetRegressor` (MAP mode).
ENET_CV_L1_RATIOS = (0.1, 0.5, 0.7, 0.9, 0.95, 0.99)


class BayesianElasticNetRegressor(_BayesSparseRegressor):
    """Bayesian elastic net (Li & Lin 2010).

    Prior on the standardized coefficients (see :class:`bayes_sparse.ElasticNet`
    for the normaliser and the scale mixture)::

        p(beta | sigma**2) ∝ exp{-(lam1 ||beta||_1 + lam2 ||beta||**2) / (2 sigma**2)}

    With ``method="map"`` the fit is scikit-learn's
    ``ElasticNet(alpha = lam1 / (2n) + lam2 / n, l1_ratio = lam1 / (lam1 + 2 lam2))``
    on the standardized columns, objective
    ``(1/2n)||y - Zb||^2 + alpha l1_ratio ||b||_1 + alpha (1 - l1_ratio) ||b||^2 / 2``,
    at any sigma (sigma cancels, so none is needed). ``lam1=lam2=None`` choose
    (alpha, l1_ratio) by ``ElasticNetCV`` (5 shuffled folds with ``random_state``,
    l1_ratio in :data:`ENET_CV_L1_RATIOS`) and map them back. ``sigma_`` is the
    given sigma or, with ``sigma=None``, the sigma of the joint mode of
    (beta, sigma) under Jeffreys' prior (beta's mode does not depend on sigma).

    With ``method="mcmc"``, a weight that is None gets its Gamma hyperprior
    (``lam1 ~ Gamma(1, rate 0.1)``, ``lam2 ~ Gamma(1, rate 1)``).

    Parameters
    ----------
    lam1, lam2 : float or None
    method : {"mcmc", "map"}
    sampler : {"auto", "gibbs", "nuts"}
    draws, tune, chains : int
    sigma : float or None
        Fixed noise sd, or None (Jeffreys prior; MAP: joint mode).
    standardize : bool, default True
    random_state : int, RandomState or None
    progressbar : bool, default False

    Attributes
    ----------
    coef_, intercept_ : posterior means (MCMC) or the MAP
    lam1_, lam2_ : float
        MAP: the weights used (given, or from cross-validation).
    alpha_, l1_ratio_ : float
        MAP: the equivalent scikit-learn ``ElasticNet`` parameters on the model scale.
    sigma_ : float
    map_ : MapResult (MAP), with the elastic-net duality-gap certificate
    idata_, diagnostics_ : (MCMC)
    n_features_in_, feature_names_in_
    """

    def __init__(
        self,
        lam1=None,
        lam2=None,
        *,
        method="mcmc",
        sampler="auto",
        draws=1000,
        tune=1000,
        chains=4,
        sigma=None,
        standardize=True,
        random_state=None,
        progressbar=False,
    ):
        self.lam1 = lam1
        self.lam2 = lam2
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
        _positive_or_none("lam1", self.lam1)
        _positive_or_none("lam2", self.lam2)
        return ElasticNet(lam1=self.lam1, lam2=self.lam2)

    def _fit_map(self, X_in, ya):
        from ._map_defaults import joint_sigma_elastic_net

        design = self._map_design(X_in, ya)
        Z, yc, n = design.Z, design.yc, design.n
        lam1, lam2 = self.lam1, self.lam2
        if (lam1 is None) != (lam2 is None):
            raise ValueError("method='map': give both lam1 and lam2, or neither (cross-validation)")
        if lam1 is None:
            from sklearn.linear_model import ElasticNetCV
            from sklearn.model_selection import KFold

            cv = KFold(n_splits=min(5, n), shuffle=True, random_state=check_random_state(self.random_state))
            ref = ElasticNetCV(l1_ratio=list(ENET_CV_L1_RATIOS), cv=cv, fit_intercept=False, max_iter=10_000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref.fit(Z, yc)
            prior = elastic_net_from_alpha(float(ref.alpha_), float(ref.l1_ratio_), n)
            lam1, lam2 = prior.lam1, prior.lam2
        self.lam1_, self.lam2_ = float(lam1), float(lam2)
        self.map_ = self._map_at(X_in, ya, ElasticNet(lam1=self.lam1_, lam2=self.lam2_), None)
        self.l1_ratio_ = float(self.map_.l1_ratio_)
        sigma = self.sigma
        if sigma is None:
            sigma = joint_sigma_elastic_net(Z, yc, self.map_.coef_model_, self.lam1_, self.lam2_)
        self.sigma_ = float(sigma)
