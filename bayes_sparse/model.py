"""The only place that builds PyMC models.

Model::

    y_i ~ family(intercept + x_i' beta)       (Gaussian: N(mu_i, sigma**2))

written on the centred design ``Z = (X - x_mean) / x_scale``:
``mu_i = y_mean + intercept_c + z_i' beta_z``, which is the same likelihood with
``beta = beta_z / x_scale`` and ``intercept = y_mean + intercept_c - x_mean' beta``.
Centring only reparametrizes the flat-prior intercept, so the posterior is the
same; it decorrelates intercept and slopes for the sampler. The prior's part
of the model comes from its rules (:func:`bayes_sparse.spec.rules_for`), the
observation model from the likelihood family.

Variables: those of the InferenceData schema (:mod:`bayes_sparse._idata`)
plus sampler-internal ones (``log_sigma``, ``sigma2``, the horseshoe's
non-centred ``z``), which :func:`bayes_sparse.fit` drops from its results.

Noise: ``sigma=<float>`` fixes it; ``sigma=bs.NoiseVariance(a, b)`` puts
``sigma**2 ~ InverseGamma(a, b)``; ``sigma=None`` gives the Jeffreys prior
``p(sigma) ∝ 1/sigma`` (equivalently ``p(sigma**2) ∝ 1/sigma**2``), the prior the
Gibbs samplers use, written as a flat density on ``log_sigma``.
"""

from __future__ import annotations

import numpy as np

from ._data import Design, prepare_data
from .spec import ModelSpec

__all__ = ["build_model"]


def build_model(X, y, prior, sigma=None, standardize: bool = True, family: str = "gaussian"):
    """Build the PyMC model for ``y ~ N(intercept + X beta, sigma**2)`` (or, with
    ``family="bernoulli"``, ``y ~ Bernoulli(expit(intercept + X beta))``).

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
    family : {"gaussian", "bernoulli"}
        The likelihood. ``"bernoulli"`` needs y coded 0/1 (or bool) and takes no
        ``sigma`` (sigma = 1 in the conditional priors; the horseshoe's tau0 uses
        the pseudo-sigma 2 of Piironen & Vehtari).

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
    spec = ModelSpec.build(prior, family=family, sigma=sigma, standardize=standardize)
    design = prepare_data(X, y, standardize=standardize, family=family)
    spec.rules.validate(prior, design.n, design.p, family=family)
    return _build(design, spec)


def _build(design: Design, spec: ModelSpec):
    """Build from validated data and a model specification (used by ``fit`` and the tests)."""
    import pymc as pm
    import pytensor.tensor as pt

    n, p = design.n, design.p
    noise = spec.noise
    coords = {"feature": list(design.feature_names), "obs": np.arange(n)}
    coef_name = "beta_std" if design.standardize else "beta"
    with pm.Model(coords=coords) as model:
        if not spec.likelihood.has_noise:
            sigma_t = 1.0  # the conditional priors' sigma; no noise variable
        elif noise.kind == "jeffreys":
            log_sigma = pm.Flat("log_sigma")
            sigma_t = pm.Deterministic("sigma", pt.exp(log_sigma))
        elif noise.kind == "inverse_gamma":
            sigma2 = pm.InverseGamma("sigma2", alpha=noise.shape, beta=noise.rate)
            sigma_t = pm.Deterministic("sigma", pt.sqrt(sigma2))
        else:
            sigma_t = pm.Deterministic("sigma", pt.as_tensor_variable(np.float64(noise.fixed)))
        beta_z = spec.rules.pymc_coefficients(spec.prior, coef_name, sigma_t, n, p, family=spec.family)
        beta = (
            pm.Deterministic("beta", design.coef_to_original(beta_z), dims="feature") if design.standardize else beta_z
        )
        intercept_c = pm.Flat("intercept_c")
        pm.Deterministic("intercept", design.y_mean + intercept_c - pt.dot(design.x_mean, beta))
        mu = design.y_mean + intercept_c + pt.dot(design.Z, beta_z)
        spec.likelihood.observe(pm, mu, sigma_t, design.y)
    return model
