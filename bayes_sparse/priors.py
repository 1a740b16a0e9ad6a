"""Prior *specifications* for the regression coefficients.

These are plain, frozen data: no PyMC here. :func:`bayes_sparse.build_model`
turns a specification into a PyMC model, the Gibbs samplers read the same
specification, and :func:`bayes_sparse.map_estimate` turns it into a penalty.

All priors act on the coefficients of the design the model sees: the
standardized columns when ``standardize=True`` (the default), the raw centred
columns otherwise. The intercept always has a flat prior and is never
penalised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np

__all__ = ["Laplace", "Gaussian", "Horseshoe", "ElasticNet", "NoiseVariance", "Prior"]


def _check_positive(name: str, value, *, allow_none: bool = True) -> None:
    if value is None:
        if allow_none:
            return
        raise ValueError(f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive real number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True)
class Laplace:
    r"""Laplace (double-exponential) prior: the Bayesian lasso.

    **Conditional form** (``conditional=True``, default; Park & Casella 2008)::

        p(beta_j | sigma) = lam / (2 sigma) * exp(-lam |beta_j| / sigma)

    i.e. a Laplace density with scale ``b = sigma / lam``. **Unconditional form**
    (``conditional=False``)::

        p(beta_j) = 1 / (2 b) * exp(-|beta_j| / b),   b = 1 / lam

    Give exactly one of ``lam`` (the rate) or ``scale`` (``1 / lam``), or neither
    to put a hyperprior on the rate::

        lam**2 ~ Gamma(shape=lam_shape, rate=lam_rate)

    (defaults 1 and 1.78, the values Park & Casella use for the diabetes data).

    With sigma fixed the MAP is the lasso: negative log posterior
    ``RSS / (2 sigma**2) + sum_j |beta_j| / b``, i.e. scikit-learn's ``Lasso``
    with ``alpha = sigma**2 / (n b)`` (``= lam * sigma / n`` when conditional).

    Parameters
    ----------
    lam : float, optional
        Rate lam > 0.
    scale : float, optional
        Scale 1/lam > 0 (in units of sigma when conditional).
    conditional : bool, default True
        Whether the scale is multiplied by the noise sd sigma.
    lam_shape, lam_rate : float
        Gamma hyperprior on lam**2, used only when neither lam nor scale is given.

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> bs.Laplace(lam=2.0).rate
    2.0
    >>> bs.Laplace(scale=0.5, conditional=False).rate
    2.0
    """

    lam: float | None = None
    scale: float | None = None
    conditional: bool = True
    lam_shape: float = 1.0
    lam_rate: float = 1.78

    def __post_init__(self):
        if self.lam is not None and self.scale is not None:
            raise ValueError("Laplace: give either lam or scale (scale = 1/lam), not both")
        _check_positive("Laplace lam", self.lam)
        _check_positive("Laplace scale", self.scale)
        _check_positive("Laplace lam_shape", self.lam_shape, allow_none=False)
        _check_positive("Laplace lam_rate", self.lam_rate, allow_none=False)
        if not isinstance(self.conditional, (bool, np.bool_)):
            raise TypeError("Laplace conditional must be True or False")

    @property
    def rate(self) -> float | None:
        """The fixed rate lam, or None when it has a hyperprior."""
        if self.lam is not None:
            return float(self.lam)
        if self.scale is not None:
            return 1.0 / float(self.scale)
        return None

    @property
    def has_hyperprior(self) -> bool:
        return self.rate is None

    def scale_given_sigma(self, sigma: float) -> float:
        """Laplace scale b of the prior on beta_j at noise sd ``sigma``."""
        if self.has_hyperprior:
            raise ValueError("Laplace prior has a hyperprior on lam; fix lam or scale for this")
        return (sigma if self.conditional else 1.0) / self.rate

    def logpdf(self, beta, sigma: float | None = None):
        """Log density of each ``beta_j`` (``sigma`` needed when conditional)."""
        b = self.scale_given_sigma(_sigma_for(self, sigma))
        beta = np.asarray(beta, dtype=float)
        return -np.log(2.0 * b) - np.abs(beta) / b


@dataclass(frozen=True)
class Gaussian:
    r"""Gaussian prior: Bayesian ridge.

    **Conditional form** (``conditional=True``, default)::

        beta_j | sigma ~ N(0, sigma**2 * scale**2)

    **Unconditional form** (``conditional=False``)::

        beta_j ~ N(0, scale**2)

    ``scale=None`` puts a hyperprior on the scale::

        scale**2 ~ InverseGamma(shape=scale_shape, scale=scale_rate)

    (density proportional to ``x**(-shape-1) exp(-scale_rate / x)``; defaults 1, 1).

    With sigma fixed the MAP is ridge regression: scikit-learn's
    ``Ridge(alpha=sigma**2 / scale**2)`` (unconditional) or
    ``Ridge(alpha=1 / scale**2)`` (conditional), with objective
    ``||y - X beta||**2 + alpha ||beta||**2``.

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> bs.Gaussian(scale=2.0).scale
    2.0
    """

    scale: float | None = None
    conditional: bool = True
    scale_shape: float = 1.0
    scale_rate: float = 1.0

    def __post_init__(self):
        _check_positive("Gaussian scale", self.scale)
        _check_positive("Gaussian scale_shape", self.scale_shape, allow_none=False)
        _check_positive("Gaussian scale_rate", self.scale_rate, allow_none=False)
        if not isinstance(self.conditional, (bool, np.bool_)):
            raise TypeError("Gaussian conditional must be True or False")

    @property
    def has_hyperprior(self) -> bool:
        return self.scale is None

    def sd_given_sigma(self, sigma: float) -> float:
        """Prior standard deviation of beta_j at noise sd ``sigma``."""
        if self.has_hyperprior:
            raise ValueError("Gaussian prior has a hyperprior on its scale; fix scale")
        return (sigma if self.conditional else 1.0) * float(self.scale)

    def logpdf(self, beta, sigma: float | None = None):
        """Log density of each ``beta_j`` (``sigma`` needed when conditional)."""
        s = self.sd_given_sigma(_sigma_for(self, sigma))
        beta = np.asarray(beta, dtype=float)
        return -0.5 * np.log(2.0 * np.pi * s * s) - 0.5 * (beta / s) ** 2


@dataclass(frozen=True)
class Horseshoe:
    r"""Horseshoe prior (Carvalho, Polson & Scott 2010), regularized by default.

    Hierarchical form::

        beta_j | lam_j, tau, sigma ~ N(0, sigma**2 tau**2 lamt_j**2)
        lam_j ~ HalfCauchy(0, 1)
        tau   ~ HalfCauchy(0, tau0)

    Plain horseshoe (``slab_scale=None``): ``lamt_j = lam_j``. Regularized
    horseshoe (Piironen & Vehtari 2017; the default, since the plain one makes
    NUTS diverge)::

        lamt_j**2 = c**2 lam_j**2 / (c**2 + tau**2 lam_j**2)
        c**2 ~ InverseGamma(slab_df / 2, slab_df * slab_scale**2 / 2)

    The global scale ``tau0 = p0 / (p - p0) / sqrt(n)`` from
    ``expected_nonzero = p0`` (Piironen & Vehtari 2017, eq. 3.12, with sigma
    already in the prior of beta); ``tau0 = 1`` when ``expected_nonzero`` is None.

    The density is unbounded at beta_j = 0, so the posterior has no finite MAP;
    :func:`bayes_sparse.map_estimate` refuses it.

    With p >= n, the plain horseshoe and the default Jeffreys noise prior, the
    marginal likelihood of tau becomes flat as tau -> infinity (the fit can
    interpolate y while sigma -> 0), so the posterior of tau keeps the
    half-Cauchy's heavy tail and chains make long excursions. Keep the slab
    (the default), set ``expected_nonzero``, or use a proper noise prior
    (``sigma=bs.NoiseVariance(...)``).

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> round(bs.Horseshoe(expected_nonzero=5).global_scale(n_samples=100, n_features=55), 4)
    0.01
    """

    expected_nonzero: float | None = None
    slab_scale: float | None = 2.0
    slab_df: float = 4.0

    def __post_init__(self):
        _check_positive("Horseshoe expected_nonzero", self.expected_nonzero)
        _check_positive("Horseshoe slab_scale", self.slab_scale)
        _check_positive("Horseshoe slab_df", self.slab_df, allow_none=False)

    @property
    def regularized(self) -> bool:
        return self.slab_scale is not None

    def global_scale(self, n_samples: int, n_features: int, pseudo_sigma: float = 1.0) -> float:
        """tau0, the scale of the half-Cauchy prior on tau: ``p0 / (p - p0) * pseudo_sigma / sqrt(n)``.

        ``pseudo_sigma`` is 1 for the Gaussian likelihood (sigma is already in the
        prior of beta) and 2 for the logistic one (Piironen & Vehtari 2017, sec. 3.2).
        """
        p0 = self.expected_nonzero
        if p0 is None:
            return 1.0
        if p0 >= n_features:
            raise ValueError(
                f"Horseshoe expected_nonzero={p0} must be smaller than the number of features ({n_features})"
            )
        return p0 / (n_features - p0) * pseudo_sigma / math.sqrt(n_samples)


@dataclass(frozen=True)
class ElasticNet:
    r"""Bayesian elastic net prior (Li & Lin 2010, Bayesian Analysis 5:151-170).

    Density of the coefficients given the noise variance::

        p(beta | sigma**2) = C(sigma**2)**(-p) * exp{-(lam1 ||beta||_1 + lam2 ||beta||**2) / (2 sigma**2)}

    with the normaliser of one coordinate (needed whenever sigma is unknown)::

        C(sigma**2) = integral of exp{-(lam1 |b| + lam2 b**2) / (2 sigma**2)} db
                    = sigma sqrt(2 / lam2) exp(psi) Gamma_U(1/2, psi),   psi = lam1**2 / (8 lam2 sigma**2)
                    = sigma sqrt(2 pi / lam2) erfcx(sqrt(psi))

    (``Gamma_U`` the upper incomplete gamma function, ``erfcx(x) = exp(x**2) erfc(x)``).
    Both penalties are divided by ``2 sigma**2``: this is Li & Lin's form. The
    other form in circulation (reviewed by Hans & Liu, arXiv:2501.00594) scales
    the l1 term by sigma instead, ``lam1 ||beta||_1 / sigma``, like the
    conditional Laplace prior; its mode depends on sigma. Under the form
    implemented here sigma cancels from the mode: with a flat prior on the
    intercept the MAP is scikit-learn's
    ``ElasticNet(alpha = lam1 / (2 n) + lam2 / n, l1_ratio = lam1 / (lam1 + 2 lam2))``
    at any sigma, with exact zeros.

    Scale mixture used by the Gibbs sampler::

        beta_j | tau_j, sigma**2 ~ N(0, sigma**2 / lam2 * (tau_j - 1) / tau_j)
        tau_j | sigma**2 ~ Gamma(1/2, rate = lam1**2 / (8 lam2 sigma**2)) truncated to (1, inf)

    **Hyperprior form**: ``lam1=None`` puts ``lam1 ~ Gamma(lam1_shape, rate=lam1_rate)``,
    ``lam2=None`` puts ``lam2 ~ Gamma(lam2_shape, rate=lam2_rate)`` (either or
    both). ``lam2`` is unitless (``1 / lam2`` is the ridge variance in units of
    sigma**2, as ``scale**2`` of the conditional :class:`Gaussian`); ``lam1``
    has the units of y (it is about ``2 sigma lam`` of a conditional
    :class:`Laplace`), so the default ``lam1 ~ Gamma(1, rate 0.1)`` (mean 10)
    suits y of unit scale: divide ``lam1_rate`` by the sd of y otherwise.

    Parameters
    ----------
    lam1 : float, optional
        l1 weight > 0 (None: hyperprior).
    lam2 : float, optional
        l2 weight > 0 (None: hyperprior).
    lam1_shape, lam1_rate, lam2_shape, lam2_rate : float
        Gamma hyperpriors, used only for the weight that is None.

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> prior = bs.ElasticNet(lam1=4.0, lam2=2.0)
    >>> bs.elastic_net_alpha(prior, n=100)
    (0.04, 0.5)
    """

    lam1: float | None = None
    lam2: float | None = None
    lam1_shape: float = 1.0
    lam1_rate: float = 0.1
    lam2_shape: float = 1.0
    lam2_rate: float = 1.0

    def __post_init__(self):
        _check_positive("ElasticNet lam1", self.lam1)
        _check_positive("ElasticNet lam2", self.lam2)
        for name in ("lam1_shape", "lam1_rate", "lam2_shape", "lam2_rate"):
            _check_positive(f"ElasticNet {name}", getattr(self, name), allow_none=False)

    @property
    def has_hyperprior(self) -> bool:
        return self.lam1 is None or self.lam2 is None

    @property
    def conditional(self) -> bool:
        """The prior scale is proportional to sigma (always, in this form)."""
        return True

    @staticmethod
    def log_normaliser(sigma, lam1, lam2):
        """``log C(sigma**2)``, the log normaliser of one coordinate (see the class docstring)."""
        from scipy.special import erfcx

        sigma = np.asarray(sigma, dtype=float)
        return np.log(sigma) + 0.5 * np.log(2.0 * np.pi / lam2) + np.log(erfcx(lam1 / (sigma * np.sqrt(8.0 * lam2))))

    def logpdf(self, beta, sigma: float | None = None):
        """Log density of each ``beta_j`` given ``sigma`` (fixed lam1, lam2 only)."""
        if self.has_hyperprior:
            raise ValueError("ElasticNet prior has a hyperprior on lam1 or lam2; fix both for this")
        if sigma is None:
            raise ValueError("ElasticNet prior is conditional on sigma: give sigma")
        _check_positive("sigma", sigma, allow_none=False)
        beta = np.asarray(beta, dtype=float)
        kern = -(self.lam1 * np.abs(beta) + self.lam2 * beta**2) / (2.0 * sigma**2)
        return kern - self.log_normaliser(float(sigma), self.lam1, self.lam2)


Prior = Laplace | Gaussian | Horseshoe | ElasticNet


@dataclass(frozen=True)
class NoiseVariance:
    r"""A proper prior on the noise variance: ``sigma**2 ~ InverseGamma(shape, rate)``.

    Density ``rate**shape / Gamma(shape) * x**(-shape-1) * exp(-rate / x)``.
    Pass it as ``sigma=bs.NoiseVariance(...)``; the default ``sigma=None`` is
    the improper Jeffreys prior ``p(sigma**2) ∝ 1/sigma**2`` (the limit
    shape, rate -> 0). Proper priors are needed for prior simulation
    (simulation-based calibration, Geweke tests).
    """

    shape: float = 2.0
    rate: float = 1.0

    def __post_init__(self):
        _check_positive("NoiseVariance shape", self.shape, allow_none=False)
        _check_positive("NoiseVariance rate", self.rate, allow_none=False)


def _sigma_for(prior, sigma):
    if prior.conditional:
        if sigma is None:
            raise ValueError(f"{type(prior).__name__} prior is conditional on sigma: give sigma")
        _check_positive("sigma", sigma, allow_none=False)
        return float(sigma)
    return 1.0
