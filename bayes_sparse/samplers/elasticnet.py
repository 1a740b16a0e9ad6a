"""The elastic net prior (Li & Lin 2010): its rules and its Gibbs block.

Prior (both penalties over ``2 sigma**2``; the normaliser ``C`` of
:class:`bayes_sparse.ElasticNet` depends on sigma)::

    p(beta | sigma**2) = C(sigma**2)**-p exp{-(lam1 ||beta||_1 + lam2 ||beta||**2) / (2 sigma**2)}

Scale mixture, with ``u_j = tau_j - 1 > 0`` and ``psi = lam1**2 / (8 lam2 sigma**2)``::

    beta_j | u_j, sigma**2 ~ N(0, sigma**2 g_j),   g_j = u_j / (lam2 (1 + u_j))
    p(u_j | sigma**2) = psi**(1/2) (1 + u_j)**(-1/2) exp{-psi (1 + u_j)} / Gamma_U(1/2, psi)

(``tau_j = 1 + u_j ~ Gamma(1/2, rate psi)`` truncated to (1, inf)).
Conditionals, derived from this joint (each checked against a grid in
``tests/test_elasticnet.py``):

* ``u_j | beta_j, sigma**2`` ∝ ``u**(-1/2) exp{-psi u - lam2 beta_j**2 / (2 sigma**2 u)}``, a
  GIG(1/2, 2 psi, lam2 beta_j**2 / sigma**2), so ``1 / u_j`` is inverse-Gaussian
  with mean ``lam1 / (2 lam2 |beta_j|)`` and shape ``lam1**2 / (4 lam2 sigma**2)``;
* ``beta | u, sigma**2, y``: the shared Gaussian draw with prior variances ``sigma**2 g``;
* ``sigma**2 | u, y`` (beta integrated out; Jeffreys or inverse-gamma prior
  ``IG(a0, b0)``), in ``eta = log sigma**2``::

      log f(eta) = -(a0 + (n - 1 + p) / 2) eta - (b0 + q / 2 + c sum(u)) exp(-eta)
                   - p log erfcx(sqrt(c exp(-eta))),      c = lam1**2 / (8 lam2)

  with ``q = y_c' (I + Z diag(g) Z')**-1 y_c``: an inverse gamma times the
  prior's normaliser term, updated by an exact slice step;
* with a hyperprior, ``lam1`` and ``lam2 | beta, sigma**2`` (u integrated out), from
  ``log p(beta | sigma**2, lam1, lam2) + log Gamma prior``, each by an exact slice step
  on its log.

A sweep: (lam1, lam2) | beta, sigma**2 (when random), u | beta, sigma**2, lam,
then the joint draw (sigma**2, beta) | u, lam. With sigma fixed every step is
a standard draw.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import erfcx

from ..priors import ElasticNet
from ..spec import Penalty, PriorRules
from ._gaussian_draw import factorize
from ._slice import slice_sample
from .chain import Outputs

__all__ = [
    "RULES",
    "ElasticNetState",
    "ElasticNetInfo",
    "init",
    "build_kernel",
    "outputs",
    "draw_mixing",
    "prior_variance",
    "coefficient_variances",
    "noncentred_moves",
    "log_sigma2_conditional",
    "log_lam1_conditional",
    "log_lam2_conditional",
]


#: Under a non-Gaussian likelihood the sweep also moves (b0, the least-shrunk beta) jointly
#: with the likelihood itself (:mod:`bayes_sparse.samplers._active_block`):
#: the same Polya-Gamma coupling as the Bayesian lasso's.
COEFFICIENT_BLOCK = True


class ElasticNetRules(PriorRules):
    name = "elasticnet"
    label = "Elastic net (Bayesian elastic net, Li & Lin 2010)"
    prior_type = ElasticNet
    selection_rule = "fdr"
    map_needs_sigma = False  # Li & Lin's form: sigma cancels from the mode

    def density_text(self, prior) -> str:
        dens = (
            "p(beta | sigma^2) ∝ exp{-(lam1 ||beta||_1 + lam2 ||beta||^2) / (2 sigma^2)}, "
            "normaliser sigma sqrt(2 pi / lam2) erfcx(lam1 / (sigma sqrt(8 lam2))) per coefficient"
        )
        parts = []
        for name in ("lam1", "lam2"):
            value = getattr(prior, name)
            if value is None:
                parts.append(
                    f"{name} ~ Gamma(shape={getattr(prior, name + '_shape'):g}, "
                    f"rate={getattr(prior, name + '_rate'):g})"
                )
            else:
                parts.append(f"{name} = {value:.6g}")
        return f"{dens}; {', '.join(parts)}"

    def hyper_names(self, prior) -> tuple:
        return tuple(name for name in ("lam1", "lam2") if getattr(prior, name) is None)

    def conditional(self, prior) -> bool:
        return True

    def target_accept(self, prior) -> float:
        return 0.9  # the l1 kink at zero, as for the Laplace prior

    def pymc_coefficients(self, prior, name, sigma_t, n, p, family="gaussian"):
        # A flat base plus the exact log density (normaliser included: it depends on
        # sigma and on random lam1, lam2), so NUTS targets the posterior Gibbs samples.
        import pymc as pm
        import pytensor.tensor as pt

        lam1 = pm.Gamma("lam1", alpha=prior.lam1_shape, beta=prior.lam1_rate) if prior.lam1 is None else prior.lam1
        lam2 = pm.Gamma("lam2", alpha=prior.lam2_shape, beta=prior.lam2_rate) if prior.lam2 is None else prior.lam2
        beta = pm.Flat(name, dims="feature")
        log_c = (
            pt.log(sigma_t)
            + 0.5 * pt.log(2.0 * np.pi / lam2)
            + pt.log(pt.erfcx(lam1 / (sigma_t * pt.sqrt(8.0 * lam2))))
        )
        kern = -(lam1 * pt.sum(pt.abs(beta)) + lam2 * pt.sum(beta**2)) / (2.0 * sigma_t**2)
        pm.Potential(f"{name}_elastic_net_prior", kern - p * log_c)
        return beta

    def penalty(self, prior, sigma, n) -> Penalty:
        if prior.has_hyperprior:
            raise ValueError(
                "ElasticNet prior has a hyperprior on lam1 or lam2; fix both to get a MAP equivalent to a penalised fit"
            )
        # (RSS + lam1 ||b||_1 + lam2 ||b||^2) / (2 sigma^2), times sigma^2 / n: sigma cancels
        l1, l2 = float(prior.lam1), float(prior.lam2)
        return Penalty("enet", l1 / (2 * n) + l2 / n, l1 / (l1 + 2 * l2))

    def with_fixed_hyper(self, prior, draws):
        if not prior.has_hyperprior:
            return prior, ""
        fixed, text = {}, ""
        for name in self.hyper_names(prior):
            fixed[name] = float(np.median(draws(name)))
            text += f"{name} fixed at its posterior median {fixed[name]:.4g}; "
        return ElasticNet(lam1=fixed.get("lam1", prior.lam1), lam2=fixed.get("lam2", prior.lam2)), text


RULES = ElasticNetRules()


class ElasticNetState(NamedTuple):
    beta: np.ndarray
    sigma2: float
    u: np.ndarray  # tau_j - 1 > 0 (stored directly: tau_j - 1 would lose digits when tau_j is near 1)
    lam1: float
    lam2: float


class ElasticNetInfo(NamedTuple):
    slice_failures: int  # slice updates that shrank onto the current point (0 in practice)


# ----------------------------------------------------------------------------- conditionals
def draw_mixing(rng, beta, sigma2, lam1, lam2):
    """``u_j = tau_j - 1 | beta_j, sigma**2``: ``1 / u_j ~ InvGauss(mean lam1 / (2 lam2 |beta_j|),
    shape lam1**2 / (4 lam2 sigma**2))``."""
    b = np.sqrt(np.maximum(beta * beta, 1e-300))
    return 1.0 / rng.wald(lam1 / (2.0 * lam2 * b), lam1**2 / (4.0 * lam2 * sigma2))


def prior_variance(u, lam2):
    """Prior variance of beta_j in units of sigma**2: ``(tau_j - 1) / (lam2 tau_j)``."""
    return u / (lam2 * (1.0 + u))


def _log_erfcx(x):
    return np.log(erfcx(x))


def log_sigma2_conditional(eta, quad, n, p, sum_u, lam1, lam2, noise):
    """Log density (up to a constant) of ``eta = log sigma**2 | u, y`` with beta integrated out."""
    c = lam1**2 / (8.0 * lam2)
    e = np.exp(-np.asarray(eta, dtype=float))
    shape = noise.shape + 0.5 * (n - 1 + p)
    rate = noise.rate + 0.5 * quad + c * sum_u
    return -shape * eta - rate * e - p * _log_erfcx(np.sqrt(c * e))


def log_lam1_conditional(zeta, abs_sum, sigma2, lam2, p, shape, rate):
    """Log density of ``zeta = log lam1 | beta, sigma**2, lam2`` (u integrated), Gamma(shape, rate) prior."""
    lam1 = np.exp(np.asarray(zeta, dtype=float))
    sigma = math.sqrt(sigma2)
    return (
        -lam1 * abs_sum / (2.0 * sigma2)
        - p * _log_erfcx(lam1 / (sigma * math.sqrt(8.0 * lam2)))
        + shape * zeta
        - rate * lam1
    )


def log_lam2_conditional(zeta, sq_sum, sigma2, lam1, p, shape, rate):
    """Log density of ``zeta = log lam2 | beta, sigma**2, lam1`` (u integrated), Gamma(shape, rate) prior."""
    lam2 = np.exp(np.asarray(zeta, dtype=float))
    sigma = math.sqrt(sigma2)
    return (
        -lam2 * sq_sum / (2.0 * sigma2)
        + 0.5 * p * zeta
        - p * _log_erfcx(lam1 / (sigma * np.sqrt(8.0 * lam2)))
        + shape * zeta
        - rate * lam2
    )


def _slice_log(rng, logf, x, shape_hint):
    """One slice update of log(x) (width from the conditional's approximate log-scale sd)."""
    res = slice_sample(rng, lambda z: float(logf(z)), math.log(x), width=max(0.05, 3.0 / math.sqrt(shape_hint)))
    return math.exp(res.x), res.shrink_failures


def draw_sigma2(rng, quad, n, p, sum_u, lam1, lam2, noise, sigma2):
    """sigma**2 | u, y (beta integrated out) by one exact slice step; fixed sigma returned as is."""
    if noise.fixed is not None:
        return noise.fixed**2, 0
    logf = lambda eta: log_sigma2_conditional(eta, quad, n, p, sum_u, lam1, lam2, noise)  # noqa: E731
    return _slice_log(rng, logf, sigma2, noise.shape + 0.5 * (n - 1 + p))


def draw_penalties(rng, prior, beta, sigma2, lam1, lam2):
    """(lam1, lam2) | beta, sigma**2 for the weights that have a hyperprior (u integrated out)."""
    p, failures = beta.size, 0
    if prior.lam1 is None:
        abs_sum = float(np.abs(beta).sum())
        f = lambda z: log_lam1_conditional(z, abs_sum, sigma2, lam2, p, prior.lam1_shape, prior.lam1_rate)  # noqa: E731
        lam1, fail = _slice_log(rng, f, lam1, prior.lam1_shape + 1.0)
        failures += fail
    if prior.lam2 is None:
        sq_sum = float(beta @ beta)
        f = lambda z: log_lam2_conditional(z, sq_sum, sigma2, lam1, p, prior.lam2_shape, prior.lam2_rate)  # noqa: E731
        lam2, fail = _slice_log(rng, f, lam2, prior.lam2_shape + 0.5 * p)
        failures += fail
    return lam1, lam2, failures


# ----------------------------------------------------------------------------- the block
def init(rng, prior: ElasticNet, data, noise, start=None) -> ElasticNetState:
    """Dispersed start: sigma**2 around the sample variance, random weights around their prior
    means, u ~ Exp(1), beta from its conditional given them. (``start`` is ignored: given
    sigma and the weights the posterior of beta is log-concave, so it has one mode.)"""
    sigma2 = noise.fixed**2 if noise.fixed is not None else data.yty / (data.n - 1) * rng.uniform(0.5, 1.5)
    lam1 = prior.lam1 if prior.lam1 is not None else prior.lam1_shape / prior.lam1_rate * rng.uniform(0.5, 2.0)
    lam2 = prior.lam2 if prior.lam2 is not None else prior.lam2_shape / prior.lam2_rate * rng.uniform(0.5, 2.0)
    u = rng.exponential(1.0, size=data.p)
    beta = factorize(data, prior_variance(u, lam2)).draw_beta(rng, sigma2)
    return ElasticNetState(beta, float(sigma2), u, float(lam1), float(lam2))


def build_kernel(prior: ElasticNet, noise):
    """``kernel(rng, state, d) -> (state, info)``: penalties (when random), mixing, then (sigma**2, beta)."""

    def kernel(rng, state: ElasticNetState, d):
        lam1, lam2, failures = state.lam1, state.lam2, 0
        if prior.has_hyperprior:
            lam1, lam2, failures = draw_penalties(rng, prior, state.beta, state.sigma2, lam1, lam2)
        u = draw_mixing(rng, state.beta, state.sigma2, lam1, lam2)
        factor = factorize(d, prior_variance(u, lam2))
        sigma2, fail = draw_sigma2(rng, factor.quad, d.n, d.p, float(u.sum()), lam1, lam2, noise, state.sigma2)
        beta = factor.draw_beta(rng, sigma2)
        return ElasticNetState(beta, float(sigma2), u, float(lam1), float(lam2)), ElasticNetInfo(failures + fail)

    return kernel


def outputs(prior: ElasticNet) -> Outputs:
    scalars = {name: (lambda s, k=name: getattr(s, k)) for name in RULES.hyper_names(prior)}
    return Outputs(scalars, {}, ElasticNetInfo._fields)


def coefficient_variances(prior: ElasticNet, state: ElasticNetState) -> np.ndarray:
    """Conditional prior variances of beta given the mixing variables: ``sigma^2 (tau_j - 1) / (lam2 tau_j)``
    (:mod:`bayes_sparse.samplers._active_block`)."""
    return state.sigma2 * prior_variance(state.u, state.lam2)


def noncentred_moves(prior: ElasticNet) -> list:
    """With hyperpriors on both penalties: their joint non-centred move under non-Gaussian
    likelihoods (:mod:`bayes_sparse.samplers._noncentred`).

    ``(lam1, lam2) -> (lam1 e^-x, lam2 e^-2x)`` keeps ``psi = lam1**2 / (8 lam2 sigma**2)``,
    hence the prior of ``u = tau - 1``, fixed, and with ``z = beta / sqrt(sigma^2 g(u, lam2))``
    fixed scales beta by ``e^x``. With ``r = lam2 / lam1**2`` held, the coordinates
    ``(x = -log lam1, r)`` have Jacobian ``e^-3x``, so x | z, u, r, y has log density
    ``log Gamma(e^-x | a1, b1) + log Gamma(r e^-2x | a2, b2) - 3x + log likelihood``,
    i.e. ``-(a1 + 2 a2) x - b1 e^-x - b2 r e^-2x`` plus the likelihood. With one penalty
    fixed the move would change psi (and the u prior's normaliser): none then.
    """
    if prior.lam1 is not None or prior.lam2 is not None:
        return []
    from ._noncentred import ScaleMove

    a1, b1, a2, b2 = prior.lam1_shape, prior.lam1_rate, prior.lam2_shape, prior.lam2_rate

    def ratio(state):
        return state.lam2 / state.lam1**2

    def factor(state, x):
        lam2 = ratio(state) * math.exp(-2.0 * x)
        return np.sqrt(state.sigma2 * prior_variance(state.u, lam2))

    def put(state, x, beta):
        return state._replace(lam1=math.exp(-x), lam2=ratio(state) * math.exp(-2.0 * x), beta=beta)

    return [
        ScaleMove(
            "penalties",
            lambda st: -math.log(st.lam1),
            lambda x, st: -(a1 + 2.0 * a2) * x - b1 * math.exp(-x) - b2 * ratio(st) * math.exp(-2.0 * x),
            factor,
            put,
        )
    ]
