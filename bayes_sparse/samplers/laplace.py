"""The Laplace prior (Bayesian lasso): its rules and its Gibbs block (Park & Casella 2008).

Scale mixture: ``beta_j | sigma, t_j ~ N(0, sigma**2 t_j)`` (conditional form)
or ``N(0, t_j)`` (unconditional), ``t_j ~ Exp(rate lam**2 / 2)``, so that
``1/t_j | beta_j`` is inverse-Gaussian; ``lam**2 | t ~ Gamma(r + p, delta + sum t / 2)``
when lam has a hyperprior. A sweep: prior block (t, then lam**2), then the
shared Gaussian draw of (sigma**2, beta) with beta integrated out for sigma**2
(conditional form) or sigma**2 | beta followed by beta (unconditional form).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..priors import Laplace
from ..spec import Penalty, PriorRules
from ._gaussian_draw import draw_given_variances
from .chain import Outputs

__all__ = [
    "RULES",
    "LaplaceState",
    "LaplaceInfo",
    "init",
    "build_kernel",
    "outputs",
    "draw_laplace_mixing",
    "coefficient_variances",
    "noncentred_moves",
]


#: Under a non-Gaussian likelihood the sweep also moves (b0, the least-shrunk beta) jointly
#: with the likelihood itself (:mod:`bayes_sparse.samplers._active_block`):
#: measured at n = 100, p = 500, binary: the smallest ESS over beta 73 -> 166 and the
#: intercept's 170 -> 363 (2 x 3000 draws), for about a third more time per iteration.
COEFFICIENT_BLOCK = True


class LaplaceRules(PriorRules):
    name = "laplace"
    label = "Laplace (Bayesian lasso)"
    prior_type = Laplace
    selection_rule = "fdr"

    def density_text(self, prior) -> str:
        if prior.conditional:
            dens = "p(beta_j | sigma) = lam / (2 sigma) exp(-lam |beta_j| / sigma)"
        else:
            dens = "p(beta_j) = lam / 2 exp(-lam |beta_j|)"
        if prior.has_hyperprior:
            return f"{dens}; lam^2 ~ Gamma(shape={prior.lam_shape:g}, rate={prior.lam_rate:g})"
        return f"{dens}; lam = {prior.rate:.6g}"

    def hyper_names(self, prior) -> tuple:
        return ("lam", "lam2") if prior.has_hyperprior else ()

    def target_accept(self, prior) -> float:
        return 0.9  # the kink at zero needs smaller steps than PyMC's 0.8

    def pymc_coefficients(self, prior, name, sigma_t, n, p, family="gaussian"):
        # The direct Laplace density samples better under NUTS than the normal
        # scale mixture: on diabetes at the first release, min ESS/s 65-76 against
        # 26-47, and the mixture had divergences (6-13 per 2 x 1000 draws).
        import pymc as pm
        import pytensor.tensor as pt

        if prior.has_hyperprior:
            lam2 = pm.Gamma("lam2", alpha=prior.lam_shape, beta=prior.lam_rate)
            lam = pm.Deterministic("lam", pt.sqrt(lam2))
        else:
            lam = prior.rate
        scale = sigma_t if prior.conditional else 1.0
        return pm.Laplace(name, mu=0.0, b=scale / lam, dims="feature")

    def penalty(self, prior, sigma, n) -> Penalty:
        if prior.has_hyperprior:
            raise ValueError(
                "Laplace prior has a hyperprior on its scale; fix lam or scale to get a MAP "
                "equivalent to a penalised fit"
            )
        # RSS/(2 sigma^2) + ||beta||_1 / b, times sigma^2 / n: Lasso with alpha = sigma^2 / (n b)
        return Penalty("l1", sigma**2 / (n * prior.scale_given_sigma(sigma)))

    def with_fixed_hyper(self, prior, draws):
        if not prior.has_hyperprior:
            return prior, ""
        lam = float(np.median(draws("lam")))
        return Laplace(lam=lam, conditional=prior.conditional), f"lam fixed at its posterior median {lam:.4g}; "


RULES = LaplaceRules()


class LaplaceState(NamedTuple):
    beta: np.ndarray
    sigma2: float
    t: np.ndarray  # mixing variances: tau_j^2 (conditional, in units of sigma^2) or s_j
    lam2: float


class LaplaceInfo(NamedTuple):
    pass


def draw_laplace_mixing(rng, beta, scale_sq, lam2):
    """Mixing variances t_j given beta_j: ``1/t_j ~ InvGauss(sqrt(scale_sq / beta_j^2), lam2)``.

    ``scale_sq = lam^2 sigma^2`` for the conditional prior (t_j = tau_j^2),
    ``lam^2`` for the unconditional one (t_j = s_j).
    """
    b2 = np.maximum(beta * beta, 1e-300)
    return 1.0 / rng.wald(np.sqrt(scale_sq / b2), lam2)


def init(rng, prior: Laplace, data, noise, start=None) -> LaplaceState:
    """Dispersed start: sigma**2 around the sample variance, lam**2 and t from (around) the prior,
    beta from its conditional given them. (``start`` is ignored: the posterior is unimodal.)"""
    sigma2 = noise.fixed**2 if noise.fixed is not None else data.yty / (data.n - 1) * rng.uniform(0.5, 1.5)
    lam2 = prior.rate**2 if not prior.has_hyperprior else prior.lam_shape / prior.lam_rate * rng.uniform(0.5, 2.0)
    t = rng.exponential(2.0 / lam2, size=data.p)
    sigma2, beta = draw_given_variances(rng, data, t, prior.conditional, np.zeros(data.p), noise)
    return LaplaceState(beta, sigma2, t, float(lam2))


def build_kernel(prior: Laplace, noise):
    """``kernel(rng, state, d) -> (state, info)``: one Park & Casella sweep."""

    def kernel(rng, state: LaplaceState, d):
        lam2 = state.lam2
        scale_sq = lam2 * state.sigma2 if prior.conditional else lam2
        t = draw_laplace_mixing(rng, state.beta, scale_sq, lam2)
        if prior.has_hyperprior:
            lam2 = float(rng.gamma(prior.lam_shape + d.p, 1.0 / (prior.lam_rate + 0.5 * t.sum())))
        sigma2, beta = draw_given_variances(rng, d, t, prior.conditional, state.beta, noise)
        return LaplaceState(beta, sigma2, t, lam2), LaplaceInfo()

    return kernel


def outputs(prior: Laplace) -> Outputs:
    if not prior.has_hyperprior:
        return Outputs({}, {}, ())
    return Outputs({"lam": lambda s: math.sqrt(s.lam2), "lam2": lambda s: s.lam2}, {}, ())


def coefficient_variances(prior: Laplace, state: LaplaceState) -> np.ndarray:
    """Conditional prior variances of beta given the mixing variances: ``sigma^2 t_j``
    (conditional prior) or ``t_j`` (:mod:`bayes_sparse.samplers._active_block`)."""
    return state.t * (state.sigma2 if prior.conditional else 1.0)


def noncentred_moves(prior: Laplace) -> list:
    """With a hyperprior on lam**2: its non-centred move under non-Gaussian likelihoods
    (:mod:`bayes_sparse.samplers._noncentred`).

    With ``s_j = lam2 t_j`` (``~ Exp(1/2)``, free of lam2) and ``z_j = beta_j / sqrt(sigma^2 t_j)``
    (``~ N(0, 1)``) held fixed, ``beta_j = z_j sqrt(sigma^2 s_j / lam2)`` and the prior density in
    ``(z, s, lam2)`` is ``p(lam2) prod_j N(z_j) Exp(s_j | 1/2)``: lam2 | z, s, y has density
    ``Gamma(lam2 | shape, rate) * likelihood``; on ``x = log lam2`` (Jacobian e^x) its log prior is
    ``shape x - rate e^x``. The move rescales t with it (``t = s / lam2``).
    """
    if not prior.has_hyperprior:
        return []
    from ._noncentred import ScaleMove

    shape, rate = prior.lam_shape, prior.lam_rate

    def factor(state, x):
        variance = state.t * state.lam2 / math.exp(x)  # t at the new lam2, s fixed
        return np.sqrt(variance * (state.sigma2 if prior.conditional else 1.0))

    return [
        ScaleMove(
            "lam2",
            lambda st: math.log(st.lam2),
            lambda x, st: shape * x - rate * math.exp(x),
            factor,
            lambda st, x, beta: st._replace(t=st.t * st.lam2 / math.exp(x), lam2=math.exp(x), beta=beta),
        )
    ]
