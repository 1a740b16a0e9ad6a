"""Likelihood families: everything the library knows about one observation model.

Each family declares once its PyMC observation model, its Gibbs augmentation
(the weighted pseudo-data the shared Gaussian draw of beta works on), the
pointwise log-likelihood (for LOO), the posterior predictive draw and the
text for reports. Look one up with :func:`bayes_sparse.spec.family_for`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GaussianFamily", "FAMILIES"]

_LOG_2PI = float(np.log(2.0 * np.pi))


class GaussianFamily:
    """``y_i ~ N(mu_i, sigma**2)`` with ``mu_i = intercept + x_i' beta`` (identity link).

    The flat-prior intercept is integrated out by centring y, which leaves
    ``n - 1`` degrees of freedom for sigma; the Gibbs samplers work on the
    centred data directly (no augmentation: unit weights).
    """

    name = "gaussian"
    has_noise = True

    def describe(self) -> str:
        return "y ~ N(intercept + X beta, sigma^2), flat prior on the intercept"

    # -- PyMC
    def observe(self, pm, mu, sigma_t, y):
        """The observed node ``y`` of the PyMC model."""
        return pm.Normal("y", mu=mu, sigma=sigma_t, observed=y, dims="obs")

    # -- Gibbs
    def augment(self, rng, data, state):
        """Pseudo-data for the shared Gaussian draw: the data themselves."""
        return data

    # -- draws
    def log_likelihood(self, y, mu, sigma):
        """Pointwise ``log N(y_i | mu_i, sigma**2)``; ``mu`` (..., n), ``sigma`` (...)."""
        sig = np.asarray(sigma, dtype=float)[..., None]
        return -0.5 * _LOG_2PI - np.log(sig) - 0.5 * ((y - mu) / sig) ** 2

    def predictive(self, rng, mu, sigma):
        """Replicated observations ``y_rep ~ N(mu, sigma**2)``, one per row of ``mu``."""
        sig = np.asarray(sigma, dtype=float)[..., None]
        return mu + sig * rng.standard_normal(np.shape(mu))

    def predictive_mean(self, mu):
        return mu


FAMILIES = {"gaussian": GaussianFamily()}
