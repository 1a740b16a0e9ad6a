"""The only place that builds PyMC models.

Model (see DESIGN.md)::

    y_i ~ N(intercept + x_i' beta, sigma**2)

written on the centred design ``Z = (X - x_mean) / x_scale``:
``mu_i = y_mean + intercept_c + z_i' beta_z``, which is the same likelihood with
``beta = beta_z / x_scale`` and ``intercept = y_mean + intercept_c - x_mean' beta``.
Centring only reparametrizes the flat-prior intercept, so the posterior is the
same; it decorrelates intercept and slopes for the sampler.

Variables in every model: ``beta`` (dim ``feature``, original scale),
``intercept`` (original scale), ``sigma``; plus ``beta_std`` when
standardizing and the prior's hyperparameters (``lam``, ``tau``, ``c2``, ...).

Noise: ``sigma=<float>`` fixes it; ``sigma=bs.NoiseVariance(a, b)`` puts
``sigma**2 ~ InverseGamma(a, b)``; ``sigma=None`` gives the Jeffreys prior
``p(sigma) ∝ 1/sigma`` (equivalently ``p(sigma**2) ∝ 1/sigma**2``), the prior the
Gibbs samplers use, written as a flat density on ``log_sigma``.
"""

from __future__ import annotations

import numpy as np

from ._data import Design, prepare_data
from .priors import Gaussian, Horseshoe, Laplace, NoiseVariance, check_prior

__all__ = ["build_model"]


def _check_sigma_spec(sigma):
    """None (Jeffreys), a fixed positive sd, or a NoiseVariance prior."""
    if sigma is None or isinstance(sigma, NoiseVariance):
        return sigma
    if isinstance(sigma, bool) or not np.isscalar(sigma) or isinstance(sigma, str):
        raise TypeError(
            f"sigma must be None (Jeffreys prior), a positive number or bs.NoiseVariance(...), got {sigma!r}"
        )
    if not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    return float(sigma)


def build_model(X, y, prior, sigma=None, standardize: bool = True):
    """Build the PyMC model for ``y ~ N(intercept + X beta, sigma**2)``.

    Parameters
    ----------
    X : array-like (n, p) or DataFrame
    y : array-like (n,)
    prior : bs.Laplace, bs.Gaussian or bs.Horseshoe
        Prior on the coefficients of the (standardized, when
        ``standardize=True``) design; densities in :mod:`bayes_sparse.priors`.
    sigma : float, bs.NoiseVariance or None
        Fixed noise sd, an inverse-gamma prior on sigma**2, or None for the
        Jeffreys prior ``p(sigma) ∝ 1/sigma``.
    standardize : bool, default True
        Put the prior on coefficients of standardized columns (ddof=0).

    Returns
    -------
    pymc.Model
        With coordinates ``feature`` (column names) and ``obs``.

    Examples
    --------
    >>> import numpy as np, bayes_sparse as bs
    >>> X = np.random.default_rng(0).normal(size=(20, 3)); y = X[:, 0]
    >>> m = bs.build_model(X, y, bs.Horseshoe())
    >>> sorted(m.named_vars)[:4]
    ['beta', 'beta_std', 'c2', 'intercept']
    """
    check_prior(prior)
    design = prepare_data(X, y, standardize=standardize)
    return _build(design, prior, _check_sigma_spec(sigma))


def _build(design: Design, prior, sigma, laplace_form: str = "direct"):
    """Build from validated data (internal: used by fit, the tests and benchmarks).

    ``laplace_form="mixture"`` writes the Laplace prior as the non-centred
    normal scale mixture ``beta_j = z_j sqrt(t_j) (* sigma)``, ``t_j ~ Exp(lam^2/2)``
    (same marginal prior); ``benchmarks/bench_nuts_laplace.py`` measured the
    direct form to sample better with NUTS, so it is the default.
    """
    import pymc as pm
    import pytensor.tensor as pt

    n, p = design.n, design.p
    coords = {"feature": list(design.feature_names), "obs": np.arange(n)}
    coef_name = "beta_std" if design.standardize else "beta"
    with pm.Model(coords=coords) as model:
        if sigma is None:
            log_sigma = pm.Flat("log_sigma")
            sigma_t = pm.Deterministic("sigma", pt.exp(log_sigma))
        elif isinstance(sigma, NoiseVariance):
            sigma2 = pm.InverseGamma("sigma2", alpha=sigma.shape, beta=sigma.rate)
            sigma_t = pm.Deterministic("sigma", pt.sqrt(sigma2))
        else:
            sigma_t = pm.Deterministic("sigma", pt.as_tensor_variable(np.float64(sigma)))

        if isinstance(prior, Laplace):
            beta_z = _laplace(pm, pt, prior, sigma_t, coef_name, laplace_form)
        elif isinstance(prior, Gaussian):
            beta_z = _gaussian(pm, pt, prior, sigma_t, coef_name)
        else:
            beta_z = _horseshoe(pm, pt, prior, sigma_t, coef_name, n, p)

        if design.standardize:
            beta = pm.Deterministic("beta", beta_z / design.x_scale, dims="feature")
        else:
            beta = beta_z
        intercept_c = pm.Flat("intercept_c")
        pm.Deterministic("intercept", design.y_mean + intercept_c - pt.dot(design.x_mean, beta))
        mu = design.y_mean + intercept_c + pt.dot(design.Z, beta_z)
        pm.Normal("y", mu=mu, sigma=sigma_t, observed=design.y, dims="obs")
    return model


def _laplace(pm, pt, prior: Laplace, sigma_t, name, form="direct"):
    if prior.has_hyperprior:
        lam2 = pm.Gamma("lam2", alpha=prior.lam_shape, beta=prior.lam_rate)
        lam = pm.Deterministic("lam", pt.sqrt(lam2))
    else:
        lam = prior.rate
    scale = sigma_t if prior.conditional else 1.0
    if form == "mixture":
        t = pm.Exponential("t", lam=lam**2 / 2.0, dims="feature")
        z = pm.Normal("z", 0.0, 1.0, dims="feature")
        return pm.Deterministic(name, z * pt.sqrt(t) * scale, dims="feature")
    if form != "direct":
        raise ValueError(f"laplace_form must be 'direct' or 'mixture', got {form!r}")
    return pm.Laplace(name, mu=0.0, b=scale / lam, dims="feature")


def _gaussian(pm, pt, prior: Gaussian, sigma_t, name):
    if prior.has_hyperprior:
        s2 = pm.InverseGamma("scale2", alpha=prior.scale_shape, beta=prior.scale_rate)
        s = pm.Deterministic("scale", pt.sqrt(s2))
    else:
        s = prior.scale
    sd = sigma_t * s if prior.conditional else s
    return pm.Normal(name, mu=0.0, sigma=sd, dims="feature")


def _horseshoe(pm, pt, prior: Horseshoe, sigma_t, name, n, p):
    tau0 = prior.global_scale(n, p)
    # Non-centred: beta = z * sigma * tau * lam_tilde, z ~ N(0, 1).
    z = pm.Normal("z", 0.0, 1.0, dims="feature")
    lam = pm.HalfCauchy("lam", beta=1.0, dims="feature")
    tau = pm.HalfCauchy("tau", beta=tau0)
    if prior.regularized:
        nu, s = prior.slab_df, prior.slab_scale
        c2 = pm.InverseGamma("c2", alpha=nu / 2.0, beta=nu * s * s / 2.0)
        lam_tilde = pt.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
    else:
        lam_tilde = lam
    return pm.Deterministic(name, z * sigma_t * tau * lam_tilde, dims="feature")
