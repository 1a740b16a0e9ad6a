"""Dedicated Gibbs samplers for the Gaussian-likelihood models.

Kernels are pure functions ``kernel(rng, state, data, spec, noise) ->
(state, info)``: state in, state out, explicit ``numpy.random.Generator``.
They work on the centred design ``Z`` and response ``y_c``; the flat-prior
intercept is integrated out by centring, which leaves ``n' = n - 1`` degrees
of freedom for sigma (ALGORITHMS.md), and is drawn afterwards from
``intercept_c | rest ~ N(0, sigma**2 / n)``.

Noise: fixed sigma, ``sigma**2 ~ InverseGamma(a0, b0)`` (:class:`NoiseVariance`),
or the Jeffreys prior ``p(sigma**2) ∝ 1/sigma**2`` (a0 = b0 = 0).

* **Laplace** (Park & Casella 2008): ``beta_j | sigma, t_j ~ N(0, sigma**2 t_j)``
  (conditional) or ``N(0, t_j)`` (unconditional), ``t_j ~ Exp(rate lam**2 / 2)``;
  ``1/t_j`` is inverse-Gaussian; ``lam**2 ~ Gamma(r, delta)`` when it has a hyperprior.
* **Gaussian**: conjugate, with ``scale**2 ~ InverseGamma`` when it has a hyperprior.
* **Horseshoe**: each sweep draws every (lam_j, beta_j) jointly from its full
  conditional given the other coefficients, with beta_j integrated out for
  lam_j (a collapsed single-site update, compiled; :mod:`bayes_sparse._collapsed`),
  which lets coefficients leave the spike near zero in one step; for the plain
  horseshoe it follows the Makalic & Schmidt (2016) auxiliary-variable
  conditionals. Then the slab (regularized: slice step), an interweaving move
  of tau with tau*lam fixed, and the blocked global update of Johndrow,
  Orenstein & Bhattacharya (2020): ``tau`` from its marginal with beta and
  sigma**2 integrated out (exact slice step), then sigma**2 and beta from
  their exact conditionals.

For conditional priors (prior variance proportional to sigma**2) sigma**2 is
drawn with beta integrated out, ``sigma**2 | t, y ~ IG(a0 + n'/2, b0 + y' M^-1 y / 2)``,
followed by ``beta | sigma**2``: a joint draw that mixes better than the
one-at-a-time conditionals and targets the same posterior.

The Gaussian draw of beta uses the p x p Cholesky when n >= p and the
Bhattacharya et al. (2016) algorithm when p > n (:mod:`bayes_sparse._linalg`).
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._linalg import LinearData, SpectralScale, factorize
from .priors import Gaussian, Horseshoe, Laplace, NoiseVariance

__all__ = [
    "NoiseSpec",
    "LaplaceState",
    "GaussianState",
    "HorseshoeState",
    "laplace_kernel",
    "gaussian_kernel",
    "horseshoe_kernel",
    "init_state",
    "kernel_for",
    "run_chain",
    "sample_gibbs",
    "supports",
]


# ----------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class NoiseSpec:
    """Noise model: ``fixed`` sd, or ``sigma**2 ~ IG(shape, rate)`` (0, 0 = Jeffreys)."""

    fixed: float | None = None
    shape: float = 0.0
    rate: float = 0.0

    @classmethod
    def from_sigma(cls, sigma):
        if sigma is None:
            return cls()
        if isinstance(sigma, NoiseVariance):
            return cls(shape=float(sigma.shape), rate=float(sigma.rate))
        return cls(fixed=float(sigma))


def supports(prior) -> bool:
    """Whether a dedicated Gibbs sampler exists for ``prior`` (Gaussian likelihood)."""
    return isinstance(prior, (Laplace, Gaussian, Horseshoe))


def _inv_gamma(rng, shape, rate):
    """Draw from IG(shape, rate) (density ∝ x^(-shape-1) exp(-rate/x)), one per rate entry."""
    shape_out = np.broadcast_shapes(np.shape(shape), np.shape(rate))
    draw = rate / rng.gamma(shape, size=shape_out)
    return float(draw) if draw.ndim == 0 else draw


def _draw_sigma2(rng, quad, data, noise):
    """sigma**2 | prior variances, y with beta integrated (conditional priors only):
    IG(a0 + n'/2, b0 + y' M^-1 y / 2)."""
    if noise.fixed is not None:
        return noise.fixed**2
    return _inv_gamma(rng, noise.shape + 0.5 * (data.n - 1), noise.rate + 0.5 * quad)


def _draw_sigma2_given_beta(rng, beta, data, noise):
    """sigma**2 | beta, y: IG(a0 + n'/2, b0 + RSS/2) (unconditional priors)."""
    if noise.fixed is not None:
        return noise.fixed**2
    r = data.yc - data.Z @ beta
    return _inv_gamma(rng, noise.shape + 0.5 * (data.n - 1), noise.rate + 0.5 * (r @ r))


# ----------------------------------------------------------------------------- Laplace
class LaplaceState(NamedTuple):
    beta: np.ndarray
    sigma2: float
    t: np.ndarray  # mixing variances: tau_j^2 (conditional, in units of sigma^2) or s_j
    lam2: float


def laplace_kernel(rng, state: LaplaceState, data: LinearData, spec: Laplace, noise: NoiseSpec):
    """One Park & Casella sweep (conditional or unconditional form)."""
    p = data.p
    lam2 = state.lam2
    if spec.conditional:
        factor = factorize(data, state.t)
        sigma2 = _draw_sigma2(rng, factor.quad, data, noise)
        beta = factor.draw_beta(rng, sigma2)
        scale_sq = lam2 * sigma2  # 1/tau_j^2 ~ InvGauss(sqrt(lam^2 sigma^2 / beta_j^2), lam^2)
    else:
        sigma2 = _draw_sigma2_given_beta(rng, state.beta, data, noise)
        beta = factorize(data, state.t / sigma2).draw_beta(rng, sigma2)
        scale_sq = lam2  # 1/s_j ~ InvGauss(lam / |beta_j|, lam^2)
    t = draw_laplace_mixing(rng, beta, scale_sq, lam2)
    if spec.has_hyperprior:
        lam2 = rng.gamma(spec.lam_shape + p, 1.0 / (spec.lam_rate + 0.5 * t.sum()))
    return LaplaceState(beta, float(sigma2), t, float(lam2)), {}


def draw_laplace_mixing(rng, beta, scale_sq, lam2):
    """Mixing variances t_j given beta_j: ``1/t_j ~ InvGauss(sqrt(scale_sq / beta_j^2), lam2)``.

    ``scale_sq = lam^2 sigma^2`` for the conditional prior (t_j = tau_j^2),
    ``lam^2`` for the unconditional one (t_j = s_j).
    """
    b2 = np.maximum(beta * beta, 1e-300)
    return 1.0 / rng.wald(np.sqrt(scale_sq / b2), lam2)


# ----------------------------------------------------------------------------- Gaussian
class GaussianState(NamedTuple):
    beta: np.ndarray
    sigma2: float
    scale2: float


def gaussian_kernel(rng, state: GaussianState, data: LinearData, spec: Gaussian, noise: NoiseSpec):
    """Conjugate sweep: (sigma**2, beta) jointly (conditional) or in turn, then scale**2."""
    p = data.p
    s2 = state.scale2
    if spec.conditional:
        factor = factorize(data, np.full(p, s2))
        sigma2 = _draw_sigma2(rng, factor.quad, data, noise)
        beta = factor.draw_beta(rng, sigma2)
        ss = beta @ beta / sigma2
    else:
        sigma2 = _draw_sigma2_given_beta(rng, state.beta, data, noise)
        beta = factorize(data, np.full(p, s2 / sigma2)).draw_beta(rng, sigma2)
        ss = beta @ beta
    if spec.has_hyperprior:
        s2 = _inv_gamma(rng, spec.scale_shape + 0.5 * p, spec.scale_rate + 0.5 * ss)
    return GaussianState(beta, float(sigma2), float(s2)), {}


# ----------------------------------------------------------------------------- horseshoe
class HorseshoeState(NamedTuple):
    beta: np.ndarray
    sigma2: float
    lam2: np.ndarray  # local scales squared
    nu: np.ndarray  # Makalic & Schmidt auxiliaries (plain horseshoe)
    tau2: float
    c2: float  # slab variance (regularized), nan otherwise
    # Width of the slice interval for log tau^2 (regularized): None = stepping out
    # from width 2; a number = a fixed interval of that width, set at the end of
    # warm-up (run_chain) and constant afterwards.
    tau_width: float | None = None


def _lam_tilde2(lam2, tau2, c2):
    """Regularized local variance c^2 lam^2 / (c^2 + tau^2 lam^2) (plain when c2 is nan)."""
    if np.isnan(c2):
        return lam2
    return c2 * lam2 / (c2 + tau2 * lam2)


def _log_prior_log_tau2(eta, tau0):
    """log density of eta = log tau^2 when tau ~ HalfCauchy(0, tau0) (up to a constant)."""
    return -np.log1p(np.exp(eta) / tau0**2) + 0.5 * eta


def _log_marginal(logdet, quad, data, noise):
    """log p(y_c | local scales, tau) with beta (and sigma**2, unless fixed) integrated."""
    if noise.fixed is not None:
        return -0.5 * logdet - 0.5 * quad / noise.fixed**2
    return -0.5 * logdet - (noise.shape + 0.5 * (data.n - 1)) * np.log(noise.rate + 0.5 * quad)


def _slice(rng, logf, x0, width=2.0, max_steps=32):
    """Vectorised univariate slice sampler (stepping out + shrinkage; Neal 2003).

    ``logf`` maps an array of positions to an array of log densities; each
    coordinate is an independent univariate update. ``max_steps=0`` keeps the
    randomly placed initial interval of size ``width`` (no stepping out).
    """
    x0 = np.asarray(x0, dtype=float)
    level = logf(x0) - rng.exponential(size=x0.shape)
    left = x0 - width * rng.uniform(size=x0.shape)
    right = left + width
    for _ in range(max_steps):
        grow = logf(left) > level
        if not grow.any():
            break
        left = np.where(grow, left - width, left)
    for _ in range(max_steps):
        grow = logf(right) > level
        if not grow.any():
            break
        right = np.where(grow, right + width, right)
    x = x0.copy()
    todo = np.ones(x0.shape, dtype=bool)
    for _ in range(200):
        prop = left + (right - left) * rng.uniform(size=x0.shape)
        ok = todo & (logf(prop) > level)
        x = np.where(ok, prop, x)
        todo &= ~ok
        if not todo.any():
            break
        shrink_left = todo & (prop < x0)
        left = np.where(shrink_left, prop, left)
        right = np.where(todo & ~shrink_left, prop, right)
    return x


def horseshoe_kernel(rng, state: HorseshoeState, data: LinearData, spec: "HorseshoeSpec", noise: NoiseSpec):
    """One sweep: (lam_j, beta_j) | rest for each j; slab; tau | omega; (tau, sigma**2, beta) blocked.

    Only the regularized tau update has a tuning parameter (``state.tau_width``,
    set once at the end of warm-up by :func:`run_chain`).
    """
    beta, sigma2, tau2, c2 = state.beta, state.sigma2, state.tau2, state.c2
    b2 = beta * beta
    info = {}
    # 1. local scales (and slab) given beta, sigma^2, tau^2
    if not spec.regularized:
        lam2, _ = draw_local_plain(rng, b2, sigma2, tau2, state.nu)  # its nu is redrawn below
        beta, lam2 = draw_local_collapsed(rng, data, beta, lam2, sigma2, tau2, math.inf)
        nu = _inv_gamma(rng, 1.0, 1.0 + 1.0 / lam2)
    else:
        nu = state.nu
        beta, lam2 = draw_local_collapsed(rng, data, beta, state.lam2, sigma2, tau2, c2)
        c2 = draw_slab(rng, c2, lam2, beta * beta, sigma2, tau2, spec)
    # 2. interweaving move: tau^2 with omega_j = tau^2 lam_j^2 held fixed. The
    # likelihood depends on (tau, lam) only through omega, so this is a cheap
    # prior-only update; it breaks the tau <-> lam coupling that the marginal
    # update leaves (ancillarity-sufficiency interweaving, Yu & Meng 2011).
    lam2, tau2 = rescale_global(rng, lam2, tau2, spec.tau0)
    if not spec.regularized:
        nu = _inv_gamma(rng, 1.0, 1.0 + 1.0 / lam2)  # keep nu | lam exact
    # 3. (tau, sigma^2, beta) | local scales: tau from its marginal, then exact draws
    if not spec.regularized:
        tau2, sigma2, beta = draw_global_plain(rng, data, lam2, tau2, spec.tau0, noise)
    else:
        tau2, sigma2, beta, info["tau_evaluations"] = draw_global_regularized(
            rng, data, lam2, tau2, c2, spec.tau0, noise, state.tau_width
        )
    return HorseshoeState(beta, float(sigma2), lam2, nu, float(tau2), float(c2), state.tau_width), info


def draw_local_plain(rng, b2, sigma2, tau2, nu):
    """Makalic & Schmidt (2016): lam_j^2 | nu_j, beta ~ IG(1, 1/nu_j + beta_j^2 / (2 tau^2 sigma^2)),
    then nu_j | lam_j^2 ~ IG(1, 1 + 1/lam_j^2)."""
    lam2 = _inv_gamma(rng, 1.0, 1.0 / nu + b2 / (2.0 * tau2 * sigma2))
    return lam2, _inv_gamma(rng, 1.0, 1.0 + 1.0 / lam2)


def draw_local_collapsed(rng, data, beta, lam2, sigma2, tau2, c2):
    """Collapsed single-site sweep: each (lam_j, beta_j) drawn jointly from its full
    conditional given the other coefficients (beta_j integrated out for lam_j); see
    :mod:`bayes_sparse._collapsed`. Returns new arrays; the inputs are not modified."""
    from ._collapsed import collapsed_local_sweep

    # the compiled slice works on log lam in [-300, 300]; start inside it whatever the previous step left
    beta, lam2 = beta.copy(), np.clip(np.asarray(lam2, dtype=float), 1e-260, 1e260)
    resid = data.yc - data.Z @ beta
    collapsed_local_sweep(rng, data.ZT, data.col_norm2, resid, beta, lam2, float(sigma2), float(tau2), 1.0 / c2)
    return beta, lam2


def draw_slab(rng, c2, lam2, b2, sigma2, tau2, spec):
    """Slice update of log c^2 from ``prod_j N(beta_j | 0, sigma^2 tau^2 lamt_j^2) IG(c^2 | nu/2, nu s^2/2)``."""
    a, b = 0.5 * spec.slab_df, 0.5 * spec.slab_df * spec.slab_scale**2

    def log_slab(zeta):
        c = np.exp(zeta[0])
        v = sigma2 * tau2 * _lam_tilde2(lam2, tau2, c)
        return np.array([np.sum(-0.5 * np.log(v) - b2 / (2.0 * v)) - a * zeta[0] - b / c])

    return float(np.exp(_slice(rng, log_slab, np.array([math.log(c2)]))[0]))


def log_tau2_marginal(spectral, data, noise, tau0):
    """log p(eta = log tau^2 | local scales, y), beta and sigma^2 integrated, from a SpectralScale."""

    def logf(eta):
        t = float(np.exp(eta[0]))
        lm = _log_marginal(spectral.logdet(t), spectral.quad(t), data, noise)
        return np.array([lm + _log_prior_log_tau2(eta[0], tau0)])

    return logf


def draw_global_plain(rng, data, lam2, tau2, tau0, noise):
    """Plain horseshoe: exact slice update of tau^2 from its marginal, then sigma^2 and beta."""
    spectral = SpectralScale(data, lam2)
    logf = log_tau2_marginal(spectral, data, noise, tau0)
    tau2 = float(np.exp(_slice(rng, logf, np.array([math.log(tau2)]))[0]))
    sigma2 = _draw_sigma2(rng, spectral.quad(tau2), data, noise)
    return tau2, sigma2, spectral.draw_beta(rng, sigma2, tau2)


def draw_global_regularized(rng, data, lam2, tau2, c2, tau0, noise, width=None):
    """Regularized horseshoe: exact slice update of tau^2 from its marginal, then sigma^2 and beta.

    lamt depends on tau, so each evaluation of the marginal needs its own
    factorisation of ``I + Z diag(tau^2 lamt^2(tau)) Z'`` (O(n^2 p) when p > n).
    With ``width=None`` the slice interval steps out from width 2 (about six
    factorisations per update, no tuning); with a ``width`` tuned in warm-up
    to the posterior spread of log tau^2 a randomly placed fixed interval is
    used (Neal 2003, no stepping out), about half as many factorisations.
    The factor of the accepted tau is reused for the sigma^2 and beta draws.
    """
    cache = {}

    def logf(eta):
        e = float(eta[0])
        t = math.exp(e)
        f = factorize(data, t * _lam_tilde2(lam2, t, c2))
        cache[e] = f
        return np.array([_log_marginal(f.logdet, f.quad, data, noise) + _log_prior_log_tau2(e, tau0)])

    if width is None:
        eta = float(_slice(rng, logf, np.array([math.log(tau2)]))[0])
    else:
        eta = float(_slice(rng, logf, np.array([math.log(tau2)]), width=width, max_steps=0)[0])
    factor = cache.get(eta)
    if factor is None:  # pragma: no cover - the accepted point is always evaluated
        logf(np.array([eta]))
        factor = cache[eta]
    sigma2 = _draw_sigma2(rng, factor.quad, data, noise)
    return math.exp(eta), sigma2, factor.draw_beta(rng, sigma2), len(cache)


def rescale_global(rng, lam2, tau2, tau0):
    """Draw tau^2 | omega = tau^2 lam^2 (lam_j ~ C+(0, 1), tau ~ C+(0, tau0)).

    With lam_j = sqrt(omega_j) / tau the density of eta = log tau^2 is
    ``p_tau(tau) tau/2 * tau^-p * prod_j 1 / (1 + omega_j / tau^2)``.
    """
    omega = tau2 * lam2
    p = omega.size

    def logf(eta):
        e = eta[0]
        return np.array([_log_prior_log_tau2(e, tau0) - 0.5 * p * e - np.sum(np.log1p(omega * math.exp(-e)))])

    new_tau2 = float(np.exp(_slice(rng, logf, np.array([math.log(tau2)]))[0]))
    return omega / new_tau2, new_tau2


@dataclass(frozen=True)
class HorseshoeSpec:
    """The horseshoe prior with its data-dependent tau0 resolved."""

    tau0: float
    slab_scale: float | None
    slab_df: float

    @property
    def regularized(self) -> bool:
        return self.slab_scale is not None

    @classmethod
    def from_prior(cls, prior: Horseshoe, n: int, p: int):
        return cls(tau0=prior.global_scale(n, p), slab_scale=prior.slab_scale, slab_df=prior.slab_df)


# ----------------------------------------------------------------------------- dispatch
def kernel_for(spec):
    if isinstance(spec, Laplace):
        return laplace_kernel
    if isinstance(spec, Gaussian):
        return gaussian_kernel
    if isinstance(spec, HorseshoeSpec):
        return horseshoe_kernel
    raise TypeError(f"no Gibbs kernel for {type(spec).__name__}")


def resolve_spec(prior, n, p):
    """Prior specification as the kernels use it (horseshoe: tau0 resolved)."""
    if isinstance(prior, Horseshoe):
        return HorseshoeSpec.from_prior(prior, n, p)
    return prior


def init_state(rng, spec, data: LinearData, noise: NoiseSpec):
    """A dispersed starting point (so that R-hat can detect non-convergence)."""
    p = data.p
    sigma2 = noise.fixed**2 if noise.fixed is not None else data.yty / (data.n - 1) * rng.uniform(0.5, 1.5)
    beta = np.zeros(p)
    if isinstance(spec, Laplace):
        lam2 = spec.rate**2 if not spec.has_hyperprior else spec.lam_shape / spec.lam_rate * rng.uniform(0.5, 2.0)
        t = rng.exponential(2.0 / lam2, size=p)
        return LaplaceState(beta, float(sigma2), t, float(lam2))
    if isinstance(spec, Gaussian):
        s2 = spec.scale**2 if not spec.has_hyperprior else spec.scale_rate / spec.scale_shape * rng.uniform(0.5, 2.0)
        return GaussianState(beta, float(sigma2), float(s2))
    lam2 = np.exp(rng.uniform(-1.0, 1.0, size=p))
    tau2 = spec.tau0**2 * float(np.exp(rng.uniform(-1.0, 1.0)))
    c2 = spec.slab_scale**2 if spec.regularized else np.nan
    return HorseshoeState(beta, float(sigma2), lam2, np.ones(p), tau2, c2)


# ----------------------------------------------------------------------------- chains
def _record_names(spec):
    if isinstance(spec, Laplace):
        return ("lam", "lam2") if spec.has_hyperprior else ()
    if isinstance(spec, Gaussian):
        return ("scale", "scale2") if spec.has_hyperprior else ()
    return ("tau", "lam", "c2") if spec.regularized else ("tau", "lam")


def _hyper_values(state, spec):
    if isinstance(spec, Laplace):
        return {"lam": math.sqrt(state.lam2), "lam2": state.lam2}
    if isinstance(spec, Gaussian):
        return {"scale": math.sqrt(state.scale2), "scale2": state.scale2}
    return {"tau": math.sqrt(state.tau2), "lam": np.sqrt(state.lam2), "c2": state.c2}


def run_chain(spec, noise: NoiseSpec, Z, yc, draws: int, tune: int, seed, progress=None, chain: int = 0, thin: int = 1,
              store=None):
    """Run one chain of ``tune + draws * thin`` iterations; return a dict of arrays with a
    leading draw axis holding every ``thin``-th iteration after warm-up.

    ``beta`` (model scale), ``sigma``, ``intercept_c`` and the hyperparameters
    named by the prior; ``tau_evaluations`` (factorisations per tau update) for the regularized horseshoe.
    ``store`` maps per-feature outputs (``beta``, ``lam``) to preallocated (draws, p)
    arrays that are filled in place and left out of the returned dict.
    """
    rng = np.random.default_rng(seed)
    data = LinearData.from_arrays(Z, yc)
    kernel = kernel_for(spec)
    state = init_state(rng, spec, data, noise)
    n, p = data.n, data.p
    store = store or {}
    out = {"beta": store.get("beta", np.empty((draws, p))), "sigma": np.empty(draws)}
    for name in _record_names(spec):
        out[name] = store.get(name, np.empty((draws, p))) if name == "lam" else np.empty(draws)
    stats = {}
    total = tune + draws * thin
    report_every = max(1, total // 100)
    adapt_tau = isinstance(spec, HorseshoeSpec) and spec.regularized
    warm_log_tau2 = []
    for it in range(total):
        state, info = kernel(rng, state, data, spec, noise)
        if adapt_tau and it < tune:
            if it >= tune // 2:
                warm_log_tau2.append(math.log(state.tau2))
            if it == tune - 1:
                state = state._replace(tau_width=tuned_slice_width(warm_log_tau2))
        if it >= tune and (it - tune + 1) % thin == 0:
            k = (it - tune + 1) // thin - 1
            out["beta"][k] = state.beta
            out["sigma"][k] = math.sqrt(state.sigma2)
            hyper = _hyper_values(state, spec)
            for name in _record_names(spec):
                out[name][k] = hyper[name]
            for key, val in info.items():
                stats.setdefault(key, np.empty(draws))[k] = val
        if progress is not None and ((it + 1) % report_every == 0 or it + 1 == total):
            progress.put((chain, it + 1))
    # the flat-prior intercept (centred scale) | rest: N(mean residual = 0, sigma^2 / n);
    # drawn after the loop so that a thinned chain is a subsequence of the unthinned one
    out["intercept_c"] = out["sigma"] / math.sqrt(n) * rng.standard_normal(draws)
    out.update({f"stat:{k}": v for k, v in stats.items()})
    return {k: v for k, v in out.items() if k not in store}


#: A fixed slice interval of about five posterior sds of log tau^2 covers the
#: typical slice (a Gaussian's slice at level log f(mode) - Exp(1) has half-width
#: sd sqrt(2 Exp(1))), so most updates need one or two proposals.
TAU_WIDTH_SDS = 5.0


def tuned_slice_width(log_tau2_draws):
    """Warm-up tuning of the regularized horseshoe's tau slice interval (None: not enough draws)."""
    if len(log_tau2_draws) < 20:
        return None
    return float(np.clip(TAU_WIDTH_SDS * np.std(log_tau2_draws), 0.05, 10.0))


#: Per-feature outputs of running samplers, by token: (chains, draws, p) arrays in
#: shared memory. Forked workers inherit this registry and write their chain's
#: draws straight into it, so large posteriors are never pickled back.
_SHARED_OUTPUTS = {}
_TOKENS = itertools.count()


def _run_chain_job(args, single_thread=True):
    """Process-pool entry point: single-threaded BLAS so chains don't oversubscribe cores
    (and give the same draws however many cores run them)."""
    *args, token = args
    chain = args[8]
    store = {k: v[chain] for k, v in _SHARED_OUTPUTS.get(token, {}).items()}
    if not single_thread:
        return run_chain(*args, store=store)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return run_chain(*args, store=store)
    with threadpool_limits(1):
        return run_chain(*args, store=store)


def _shared_empty(shape):
    """A float array in anonymous shared memory (MAP_SHARED: visible to forked children)."""
    import mmap

    count = int(np.prod(shape))
    return np.frombuffer(mmap.mmap(-1, max(8 * count, 8)), dtype=float, count=count).reshape(shape)


def sample_gibbs(design, prior, *, sigma, draws, tune, chains, random_seed, progressbar=True, cores=None, thin=1):
    """Run the Gibbs chains for a validated design; return ArviZ InferenceData."""
    import multiprocessing as mp

    from ._idata import gibbs_to_idata

    spec = resolve_spec(prior, design.n, design.p)
    noise = NoiseSpec.from_sigma(sigma)
    if isinstance(spec, HorseshoeSpec):
        from ._collapsed import warm_up

        warm_up()  # compile / load the compiled sweep once, before chains fork
    seeds = np.random.SeedSequence(random_seed).spawn(chains)
    cores = max(1, min(cores or os.cpu_count() or 1, chains))
    fork = "fork" in mp.get_all_start_methods()
    names = ["beta"] + [name for name in _record_names(spec) if name == "lam"]
    stacked = {name: (_shared_empty if fork else np.empty)((chains, draws, design.p)) for name in names}
    token = next(_TOKENS)  # pickles to an equal value (an object() would not)
    _SHARED_OUTPUTS[token] = stacked
    try:
        jobs = [(spec, noise, design.Z, design.yc, draws, tune, seeds[c], None, c, thin, token) for c in range(chains)]
        results = _run_jobs(jobs, cores, progressbar, total=tune + draws * thin, fork=fork)
    finally:
        del _SHARED_OUTPUTS[token]
    if not fork and cores > 1:  # spawned workers allocated their own outputs and returned them
        stacked = {}
    return gibbs_to_idata(results, design, prior, spec, fixed_sigma=noise.fixed, stacked=stacked)


def _run_jobs(jobs, cores, progressbar, total, fork=True):
    from ._progress import ChainProgress

    with ChainProgress(len(jobs), total, enabled=progressbar, parallel=cores > 1) as progress:
        jobs = [job[:7] + (progress.queue,) + job[8:] for job in jobs]
        if cores == 1:
            results = []
            for job in jobs:
                # a lone chain may use every BLAS thread
                results.append(_run_chain_job(job, single_thread=len(jobs) > 1))
                progress.drain()
            return results
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # fork (Linux) needs no `if __name__ == "__main__"` guard in user scripts, as PyMC
        ctx = mp.get_context("fork" if fork else "spawn")
        with ProcessPoolExecutor(max_workers=cores, mp_context=ctx) as pool:
            futures = [pool.submit(_run_chain_job, job) for job in jobs]
            progress.wait(futures)
            return [f.result() for f in futures]
