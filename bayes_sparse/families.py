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
    #: variance of the likelihood's Gaussian approximation, in units of sigma^2
    #: (shrinkage factors kappa): sigma is already in the prior of beta
    pseudo_variance = 1.0

    def describe(self) -> str:
        return "y ~ N(intercept + X beta, sigma^2), flat prior on the intercept"

    def check_response(self, y) -> None:
        """ValueError when ``y`` cannot be modelled (here: constant)."""
        if not np.any(np.abs(y - y.mean()) > 1e-12 * max(1.0, abs(float(y.mean())))):
            raise ValueError(f"y is constant (every value is {y[0]:g}); there is nothing to regress")

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


class BernoulliFamily:
    """``y_i ~ Bernoulli(p_i)``, ``logit p_i = intercept + x_i' beta`` (logit link).

    There is no noise scale (sigma = 1 in the conditional priors), and the
    intercept has a flat prior.
    """

    name = "bernoulli"
    has_noise = False
    #: 1 / (p (1 - p)) at p = 1/2: the logistic likelihood's Gaussian approximation
    #: (Piironen & Vehtari 2017), for the shrinkage factors kappa
    pseudo_variance = 4.0

    def describe(self) -> str:
        return "y ~ Bernoulli(p), logit p = intercept + X beta, flat prior on the intercept"

    def check_response(self, y) -> None:
        """ValueError unless ``y`` is coded 0/1 with both classes present."""
        values = np.unique(y)
        if not np.all(np.isin(values, (0.0, 1.0))):
            shown = ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if values.size > 5 else "")
            if values.size > 2:
                raise ValueError(
                    f"family='bernoulli' needs a binary y, but y has {values.size} distinct values ({shown})"
                )
            raise ValueError(
                f"family='bernoulli' needs y coded 0/1 (or bool), got the values {shown}; "
                "encode the two classes as 0 and 1"
            )
        if values.size < 2:
            raise ValueError(f"y has only one class (every value is {values[0]:g}); a binary model needs both 0 and 1")

    # -- PyMC
    def observe(self, pm, mu, sigma_t, y):
        return pm.Bernoulli("y", logit_p=mu, observed=y, dims="obs")

    # -- draws
    def log_likelihood(self, y, eta, sigma=None):
        """Pointwise ``y log p + (1 - y) log(1 - p)`` with ``p = expit(eta)``, computed stably."""
        from scipy.special import log_expit

        return y * log_expit(eta) + (1.0 - y) * log_expit(-eta)

    def predictive(self, rng, eta, sigma=None):
        """Replicated 0/1 outcomes."""
        from scipy.special import expit

        return (rng.random(np.shape(eta)) < expit(eta)).astype(float)

    def predictive_mean(self, eta):
        from scipy.special import expit

        return expit(eta)


FAMILIES = {"gaussian": GaussianFamily(), "bernoulli": BernoulliFamily()}
