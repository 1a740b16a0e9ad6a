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
    #: the intercept is drawn after the chain, not carried by the sweep
    intercept_in_sweep = False
    #: no non-centred global-scale moves: the kernels' blocked updates integrate
    #: beta out given the data themselves
    noncentred_moves = False
    coefficient_block = False

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

    # -- Gibbs likelihood block: carry -> pseudo-data -> (prior block, beta) -> carry
    def chain_response(self, design):
        """The response a Gibbs chain works on: y centred (the intercept integrated out)."""
        return design.yc

    def gibbs_start(self, rng, data):
        """The likelihood block's carry at the start of a chain (nothing to carry)."""
        return None

    def augment(self, rng, data, carry, beta, eta=None):
        """Pseudo-data for the shared Gaussian draw: the data themselves (``eta``, the
        linear predictor when the caller has it, is not needed)."""
        return data

    def update(self, rng, pseudo, carry, beta):
        """The carry after the beta draw (nothing to update)."""
        return carry

    def intercept_c(self, carry, data):
        """Not carried: the intercept is drawn after the chain
        (``N(0, sigma**2 / n)`` given the rest, :func:`~bayes_sparse.samplers.chain.finish_chain`)."""
        return None

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
    #: the intercept is part of the sweep (the Polya-Gamma weights depend on it)
    intercept_in_sweep = True
    #: global scales also move with beta under the likelihood itself
    #: (:mod:`bayes_sparse.samplers._noncentred`): given omega alone they mix slowly
    noncentred_moves = True
    #: (b0, least-shrunk beta) also move jointly under the likelihood itself
    #: (:mod:`bayes_sparse.samplers._active_block`): given omega they mix slowly
    coefficient_block = True
    #: precision of the intercept's prior (flat)
    intercept_prior_precision = 0.0

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

    # -- Gibbs likelihood block: Polya-Gamma augmentation (Polson, Scott & Windle 2013)
    def chain_response(self, design):
        """The response a Gibbs chain works on: y itself (0/1); the design is centred."""
        return design.yc + design.y_mean

    def gibbs_start(self, rng, data):
        """The carry is the intercept b0 of ``eta = b0 + Z beta`` (Z centred); it starts at logit(mean y)."""
        ybar = float(np.clip(data.yc.mean(), 1e-3, 1 - 1e-3))
        return float(np.log(ybar / (1.0 - ybar)))

    def augment(self, rng, data, carry, beta, eta=None):
        """``omega_i | beta, b0 ~ PG(1, eta_i)``; given omega the likelihood is Gaussian in eta,
        ``prod_i exp(kappa_i eta_i - omega_i eta_i**2 / 2)`` with ``kappa = y - 1/2``, i.e.
        pseudo-response ``kappa_i / omega_i`` with precision ``omega_i``. Returns the
        weighted pseudo-data with b0 integrated out
        (:func:`~bayes_sparse.samplers._gaussian_draw.weighted_centred`): the Gaussian
        blocks then draw (beta | omega) exactly as for a Gaussian likelihood with sigma = 1.
        ``eta``: ``carry + Z beta`` when the caller has it (saves the product)."""
        from polyagamma import random_polyagamma

        from .samplers._gaussian_draw import weighted_centred

        if eta is None:
            eta = carry + data.Z @ beta
        if not np.all(np.isfinite(eta)):
            # polyagamma loops forever on a NaN tilt: fail loudly instead of hanging
            raise FloatingPointError(
                "the linear predictor of the Polya-Gamma Gibbs chain is not finite "
                f"(intercept {carry!r}, {int(np.sum(~np.isfinite(beta)))} non-finite coefficients)"
            )
        omega = random_polyagamma(1.0, eta, random_state=rng)
        # reuse: the pseudo-data live for one iteration (the next augment overwrites them)
        return weighted_centred(data.Z, data.ZT, data.yc - 0.5, omega, reuse=True)

    def update(self, rng, pseudo, carry, beta):
        """``b0 | beta, omega`` (Gaussian), drawn after beta: (beta, b0) | omega is then one joint draw."""
        return pseudo.draw_intercept(rng, beta)

    def intercept_c(self, carry, data):
        """The centred model's intercept, ``eta = y_mean + intercept_c + Z beta`` (as in the PyMC model)."""
        return carry - float(data.yc.mean())

    # -- draws
    def log_likelihood(self, y, eta, sigma=None):
        """Pointwise ``y log p + (1 - y) log(1 - p)`` with ``p = expit(eta)``, computed stably."""
        from scipy.special import log_expit

        return y * log_expit(eta) + (1.0 - y) * log_expit(-eta)

    def score_and_weight(self, y, eta):
        """d/d eta of the pointwise log-likelihood, ``y - p``, and minus its second
        derivative, ``p (1 - p)``, with ``p = expit(eta)``."""
        from scipy.special import expit

        prob = expit(eta)
        return y - prob, prob * expit(-eta)

    def predictive(self, rng, eta, sigma=None):
        """Replicated 0/1 outcomes."""
        from scipy.special import expit

        return (rng.random(np.shape(eta)) < expit(eta)).astype(float)

    def predictive_mean(self, eta):
        from scipy.special import expit

        return expit(eta)


FAMILIES = {"gaussian": GaussianFamily(), "bernoulli": BernoulliFamily()}
