"""The horseshoe prior: its rules and its Gibbs block.

``beta_j | lam_j, tau, sigma ~ N(0, sigma**2 tau**2 lamt_j**2)``, ``lam_j ~ C+(0, 1)``,
``tau ~ C+(0, tau0)``; regularized (Piironen & Vehtari 2017):
``lamt_j**2 = c**2 lam_j**2 / (c**2 + tau**2 lam_j**2)``, ``c**2 ~ IG(nu/2, nu s**2/2)``;
plain: ``lamt_j = lam_j``.

A sweep:

1. each ``(lam_j, beta_j)`` jointly from its full conditional given the other
   coefficients, with beta_j integrated out for lam_j (a collapsed single-site
   update, compiled: :mod:`bayes_sparse.samplers._collapsed`; lam_j by rejection
   from its prior, a slice step when that fails), which lets a coefficient
   leave the spike near zero in one step; then the slab ``c**2``
   (regularized: slice step);
2. an interweaving move of tau with ``omega_j = tau**2 lam_j**2`` fixed
   (ancillarity-sufficiency interweaving, Yu & Meng 2011), a prior-only update
   that breaks the tau <-> lam coupling;
3. a blocked global update in the manner of Johndrow, Orenstein & Bhattacharya
   (2020), with beta and sigma**2 integrated out: ``(tau**2, c**2)`` scaled
   together from their exact conditional along that line, which scales every
   prior variance alike, so ONE eigendecomposition of ``Z diag(g) Z'`` serves
   every slice evaluation (:func:`draw_global_joint`; plain horseshoe: tau
   alone); then the shared draw of (sigma**2, beta) from the same decomposition.
   One n x n Gram per iteration when p > n. The earlier tau-only update (a
   factorisation per evaluation, :func:`draw_global_regularized`) stays
   selectable: ``build_kernel(..., tau_update="slice")``;
4. when p > n, before that shared draw: the local scales of a small set of
   features (``MARGINAL_SET_FACTOR * n``, those the chain keeps taking in and
   out, chosen in warm-up) drawn again with beta and sigma**2 integrated out
   (:mod:`bayes_sparse.samplers._marginal`, O(n^2) each), so that a noise
   feature picked up by chance leaves without waiting for the other coefficients
   to move (:func:`draw_marginal_locals`; about 3x the effective draws of sigma
   and of the slowest coefficients per iteration at n = 100, p = 20,000, for
   about 16% more time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..priors import Horseshoe
from ..spec import PriorRules
from ._gaussian_draw import SpectralScale, draw_noise_and_beta, draw_sigma2_marginal, factorize
from ._slice import SliceResult, slice_sample
from .chain import Outputs

__all__ = [
    "RULES",
    "HorseshoeSpec",
    "HorseshoeState",
    "HorseshoeInfo",
    "init",
    "build_kernel",
    "outputs",
    "make_adapter",
    "warm_up",
    "draw_marginal_locals",
    "marginal_set_size",
    "noncentred_moves",
    "draw_local_collapsed",
    "draw_slab",
    "rescale_global",
    "draw_global_plain",
    "draw_global_regularized",
    "draw_global_joint",
    "TAU_UPDATES",
]


class HorseshoeRules(PriorRules):
    name = "horseshoe"
    label = "Horseshoe"
    prior_type = Horseshoe
    selection_rule = "shrinkage"
    shrinkage_factors = True
    multimodal = True
    no_map_reason = (
        "the horseshoe prior density is unbounded at beta_j = 0, so the posterior "
        "has no finite MAP (every coefficient at 0 has infinite density); "
        "use bs.fit(...) for its posterior instead"
    )

    def density_text(self, prior) -> str:
        if prior.regularized:
            slab = (
                "regularized: lamt_j^2 = c^2 lam_j^2 / (c^2 + tau^2 lam_j^2), "
                f"c^2 ~ InvGamma({prior.slab_df / 2:g}, {prior.slab_df * prior.slab_scale**2 / 2:g})"
            )
        else:
            slab = "plain (no slab)"
        return (
            "beta_j ~ N(0, sigma^2 tau^2 lamt_j^2), lam_j ~ C+(0,1), tau ~ C+(0, tau0), "
            f"expected_nonzero = {prior.expected_nonzero}; {slab}"
        )

    def hyper_names(self, prior) -> tuple:
        return ("tau", "c2") if prior.regularized else ("tau",)

    def local_names(self, prior) -> tuple:
        return ("local_scale",)

    def validate(self, prior, n, p, family="gaussian") -> None:
        prior.global_scale(n, p)  # expected_nonzero < p

    def target_accept(self, prior) -> float:
        return 0.95 if prior.regularized else 0.99  # the funnel needs small steps

    def pymc_coefficients(self, prior, name, sigma_t, n, p, family="gaussian"):
        import pymc as pm
        import pytensor.tensor as pt

        tau0 = prior.global_scale(n, p, _pseudo_sigma(family))
        # Non-centred: beta = z * sigma * tau * lam_tilde, z ~ N(0, 1).
        z = pm.Normal("z", 0.0, 1.0, dims="feature")
        lam = pm.HalfCauchy("local_scale", beta=1.0, dims="feature")
        tau = pm.HalfCauchy("tau", beta=tau0)
        if prior.regularized:
            nu, s = prior.slab_df, prior.slab_scale
            c2 = pm.InverseGamma("c2", alpha=nu / 2.0, beta=nu * s * s / 2.0)
            lam_tilde = pt.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
        else:
            lam_tilde = lam
        return pm.Deterministic(name, z * sigma_t * tau * lam_tilde, dims="feature")

    def sampler_spec(self, prior, n, p, family="gaussian"):
        return HorseshoeSpec(
            tau0=prior.global_scale(n, p, _pseudo_sigma(family)), slab_scale=prior.slab_scale, slab_df=prior.slab_df
        )


def _pseudo_sigma(family) -> float:
    """Piironen & Vehtari's pseudo-sigma in tau0: 1 for the Gaussian likelihood, 2 for the logistic."""
    return {"gaussian": 1.0, "bernoulli": 2.0}[family]


RULES = HorseshoeRules()


#: The joint MH move of (b0, beta_A) (:mod:`bayes_sparse.samplers._active_block`) is off for
#: the horseshoe: at n = 100, p = 500, binary, it did not raise the effective draws of the
#: slowest quantities (true signals' beta, tau: limited by the local and global scales, not
#: by the Polya-Gamma weights; 2 x 10,000 draws, same seed: min ESS over beta 436 without,
#: 370 with) and cost 12% more time.
COEFFICIENT_BLOCK = False


@dataclass(frozen=True)
class HorseshoeSpec:
    """The horseshoe prior with its data-dependent tau0 resolved."""

    tau0: float
    slab_scale: float | None
    slab_df: float

    @property
    def regularized(self) -> bool:
        return self.slab_scale is not None


class HorseshoeState(NamedTuple):
    beta: np.ndarray
    sigma2: float
    lam2: np.ndarray  # local scales squared
    tau2: float
    c2: float  # slab variance (regularized), nan otherwise
    # Width of the slice interval for log tau^2 (regularized): None = stepping out
    # from width 2; a number = a fixed interval of that width, set at the end of
    # warm-up (make_adapter) and constant afterwards.
    tau_width: float | None = None
    # Features whose local scales are also drawn with beta and sigma^2 integrated out
    # (p > n; :mod:`._marginal`): chosen afresh each warm-up iteration by the adapter
    # (make_adapter), fixed from the end of warm-up on (None: no such update).
    marginal: np.ndarray | None = None


class HorseshoeInfo(NamedTuple):
    # log-density evaluations of the global update (regularized "slice": one factorisation
    # each; plain and "joint": O(n) each, after one eigendecomposition)
    tau_evaluations: int
    slice_shrink_failures: int  # slice updates that kept the current point (should stay 0)


def _lam_tilde2(lam2, tau2, c2):
    """Regularized local variance c^2 lam^2 / (c^2 + tau^2 lam^2) (plain when c2 is nan)."""
    if np.isnan(c2):
        return lam2
    return c2 * lam2 / (c2 + tau2 * lam2)


def _log_prior_log_tau2(eta, tau0):
    """log density of eta = log tau^2 when tau ~ HalfCauchy(0, tau0) (up to a constant)."""
    return -math.log1p(math.exp(eta) / tau0**2) + 0.5 * eta


def _log_marginal(logdet, quad, n, noise):
    """log p(y_c | local scales, tau) with beta (and sigma**2, unless fixed) integrated."""
    if noise.fixed is not None:
        return -0.5 * logdet - 0.5 * quad / noise.fixed**2
    return -0.5 * logdet - (noise.shape + 0.5 * (n - 1)) * math.log(noise.rate + 0.5 * quad)


def draw_local_collapsed(rng, data, beta, lam2, sigma2, tau2, c2, tries=None):
    """Collapsed single-site sweep: each (lam_j, beta_j) drawn jointly from its full
    conditional given the other coefficients (beta_j integrated out for lam_j); see
    :mod:`bayes_sparse.samplers._collapsed` (``tries``: proposals from the prior before
    a slice step, default ``REJECTION_TRIES``; 0 = slice steps only). Returns
    ``(beta, lam2, shrink_failures)`` as new arrays; the inputs are not modified."""
    return _local_sweep(rng, data, beta, lam2, sigma2, tau2, c2, tries=tries)


def _local_sweep(rng, data, beta, lam2, sigma2, tau2, c2, *, tries=None, resid=None):
    """The collapsed sweep on copies of ``beta`` and ``lam2``; ``resid`` (consumed) is
    ``y_c - Z beta`` when the caller has it."""
    from ._collapsed import REJECTION_TRIES, collapsed_local_sweep

    # the compiled slice works on log lam in [-300, 300]; start inside it whatever the previous step left
    beta, lam2 = beta.copy(), np.clip(np.asarray(lam2, dtype=float), 1e-260, 1e260)
    if resid is None:
        resid = data.yc - data.Z @ beta
    tries = REJECTION_TRIES if tries is None else int(tries)
    failures = collapsed_local_sweep(
        rng, data.ZT, data.col_norm2, resid, beta, lam2, float(sigma2), float(tau2), 1.0 / c2, tries
    )
    return beta, lam2, int(failures)


def draw_slab(rng, c2, lam2, b2, sigma2, tau2, spec):
    """Slice update of log c^2 from ``prod_j N(beta_j | 0, sigma^2 tau^2 lamt_j^2) IG(c^2 | nu/2, nu s^2/2)``.

    With ``w_j = tau^2 lam_j^2``, ``tau^2 lamt_j^2 = w_j / (1 + w_j / c^2)``, so the
    terms of the log density that depend on ``zeta = log c^2`` are
    ``1/2 sum_j log(1 + w_j e^-zeta) - e^-zeta (sum_j beta_j^2 / (2 sigma^2) + nu s^2 / 2) - nu/2 zeta``:
    one O(p) sum per evaluation (:func:`._log1p_sum.sum_log1p_scaled`).
    """
    from ._log1p_sum import sum_log1p_scaled

    a, b = 0.5 * spec.slab_df, 0.5 * spec.slab_df * spec.slab_scale**2
    w = tau2 * np.asarray(lam2, dtype=float)
    rate = b + 0.5 * float(np.sum(b2)) / sigma2

    def log_slab(zeta):
        k = math.exp(-zeta)
        return 0.5 * sum_log1p_scaled(w, k) - rate * k - a * zeta

    res = slice_sample(rng, log_slab, math.log(c2))
    return math.exp(res.x), res.shrink_failures


#: Slice interval of the interweaving move, in conditional sds of log tau^2 (see
#: :func:`rescale_width`): wide enough that stepping out rarely extends it, narrow
#: enough that one or two shrinkage steps find the slice.
RESCALE_WIDTH_SDS = 4.0


def rescale_width(p: int) -> float:
    """Slice interval for log tau^2 | omega in :func:`rescale_global`, a function of p only
    (an interval that depended on the current state would not leave the conditional
    invariant): ``RESCALE_WIDTH_SDS * sqrt(8 / p)``, at most 2. The conditional's curvature
    is ``sum_j x_j / (1 + x_j)**2`` with ``x_j = lam_j**2``, whose mean is p/8 when the
    lam_j follow their half-Cauchy prior; so its sd is about ``sqrt(8 / p)`` (0.02 at
    p = 20,000, where the fixed width 2 took about 9 evaluations of an O(p) density per
    update). Stepping out keeps the update exact when the conditional is wider."""
    return min(2.0, RESCALE_WIDTH_SDS * math.sqrt(8.0 / max(p, 1)))


def rescale_global(rng, lam2, tau2, tau0):
    """Draw tau^2 | omega = tau^2 lam^2 (lam_j ~ C+(0, 1), tau ~ C+(0, tau0)).

    With lam_j = sqrt(omega_j) / tau the density of eta = log tau^2 is
    ``p_tau(tau) tau/2 * tau^-p * prod_j 1 / (1 + omega_j / tau^2)``.
    Returns ``(lam2, tau2, shrink_failures)``.
    """
    from ._log1p_sum import sum_log1p_scaled

    omega = tau2 * lam2
    p = omega.size

    def logf(e):
        return _log_prior_log_tau2(e, tau0) - 0.5 * p * e - sum_log1p_scaled(omega, math.exp(-e))

    res = slice_sample(rng, logf, math.log(tau2), width=rescale_width(p))
    new_tau2 = math.exp(res.x)
    return omega / new_tau2, new_tau2, res.shrink_failures


def draw_global_plain(rng, data, lam2, tau2, tau0, noise):
    """Plain horseshoe: exact slice update of tau^2 from its marginal, from one
    eigendecomposition (:class:`SpectralScale`). Returns ``(tau2, factor, slice result)``."""
    spectral = SpectralScale(data, lam2)

    def logf(eta):
        t = math.exp(eta)
        return _log_marginal(spectral.logdet(t), spectral.quad(t), data.n, noise) + _log_prior_log_tau2(eta, tau0)

    res = slice_sample(rng, logf, math.log(tau2))
    tau2 = math.exp(res.x)
    return tau2, spectral.at(tau2), res


def draw_global_regularized(rng, data, lam2, tau2, c2, tau0, noise, width=None):
    """Regularized horseshoe: exact slice update of tau^2 from its marginal.

    lamt depends on tau, so each evaluation of the marginal needs its own
    factorisation of ``I + Z diag(tau^2 lamt^2(tau)) Z'`` (O(n^2 p) when p > n).
    With ``width=None`` the slice interval steps out from width 2 (about six
    factorisations per update, no tuning); with a ``width`` tuned in warm-up
    to the posterior spread of log tau^2 a randomly placed fixed interval is
    used (Neal 2003, no stepping out), about half as many factorisations.
    Returns ``(tau2, factor, slice result)``; the factor of the accepted tau
    serves the sigma^2 and beta draws.
    """
    cache = {}

    def logf(e):
        t = math.exp(e)
        f = factorize(data, t * _lam_tilde2(lam2, t, c2))
        cache[e] = f
        return _log_marginal(f.logdet, f.quad, data.n, noise) + _log_prior_log_tau2(e, tau0)

    if width is None:
        res = slice_sample(rng, logf, math.log(tau2))
    else:
        res = slice_sample(rng, logf, math.log(tau2), width=width, max_steps=0)
    if res.x not in cache:  # pragma: no cover - the accepted point is always evaluated
        logf(res.x)
    return math.exp(res.x), cache[res.x], res


def _log_prior_log_c2(zeta, spec):
    """log density of zeta = log c^2 when c^2 ~ IG(nu/2, nu s^2/2) (up to a constant)."""
    a, b = 0.5 * spec.slab_df, 0.5 * spec.slab_df * spec.slab_scale**2
    return -a * zeta - b * math.exp(-zeta)


#: Slice updates of the joint scale per iteration: each costs O(n) (no factorisation),
#: so several bring the scale close to an independent draw from its conditional.
JOINT_SLICE_STEPS = 3


def draw_global_joint(rng, data, lam2, tau2, c2, spec, noise, steps=JOINT_SLICE_STEPS, xi=None):
    """Regularized horseshoe: (tau^2, c^2) -> (s tau^2, s c^2) with lam fixed, s from its
    exact conditional with beta and sigma^2 integrated out, from ONE eigendecomposition.

    The prior variances ``g_j = tau^2 lamt_j^2 = c^2 w_j / (c^2 + w_j)``, ``w_j = tau^2 lam_j^2``,
    all scale by s when tau^2 and c^2 both do, so ``M(s) = I + s Z diag(g) Z'`` and the
    marginal likelihood of every s comes from one eigendecomposition
    (:class:`SpectralScale`, as for the plain horseshoe). The move is a translation
    along ``(1, 1)`` in ``(log tau^2, log c^2)``: the conditional density of its length
    ``u = log s`` is the joint density there (Lebesgue measure is invariant under
    translations; Liu & Sabatti 2000), and ``steps`` slice updates of u leave it
    invariant. The (sigma^2, beta) draw then uses the same decomposition.
    Plain horseshoe (``c2`` nan): tau^2 alone, the update of :func:`draw_global_plain`.
    ``xi``: the next beta draw's standard normal vector, drawn ahead (:class:`SpectralScale`).

    Returns ``(tau2, c2, factor, slice result)`` (evaluations summed over the steps).
    """
    regularized = not math.isnan(c2)
    spectral = SpectralScale(data, tau2 * _lam_tilde2(lam2, tau2, c2), xi)
    eta0 = math.log(tau2)
    zeta0 = math.log(c2) if regularized else 0.0

    def logf(u):
        s = math.exp(u)
        out = _log_marginal(spectral.logdet(s), spectral.quad(s), data.n, noise) + _log_prior_log_tau2(
            eta0 + u, spec.tau0
        )
        return out + _log_prior_log_c2(zeta0 + u, spec) if regularized else out

    u, evals, failures = 0.0, 0, 0
    for _ in range(steps):
        res = slice_sample(rng, logf, u)
        u, evals, failures = res.x, evals + res.evaluations, failures + res.shrink_failures
    s = math.exp(u)
    return tau2 * s, c2 * s, spectral.at(s), SliceResult(u, evals, failures)


#: Size of the set of local scales that the marginal update (beta, sigma^2 integrated
#: out; :mod:`._marginal`) draws each iteration when p > n: each costs O(n^2), so the
#: set stays small beside the O(np) single-site sweep, and it holds the features the
#: posterior keeps taking in and out (the slowly mixing ones), found in warm-up.
MARGINAL_SET_FACTOR = 2  # features per sample: |set| = min(p, MARGINAL_SET_FACTOR * n)


def marginal_set_size(n, p):
    """How many local scales the marginal update draws per iteration (0 when p <= n)."""
    return min(p, MARGINAL_SET_FACTOR * n) if p > n else 0


def _largest(values, k):
    """Indices of the k largest values, in increasing index order (a deterministic order)."""
    from ._active_block import active_set

    return active_set(values, k)


def draw_marginal_locals(rng, data, factor, idx, lam2, tau2, c2, noise, xi=None):
    """Marginal draws of the local scales in ``idx`` (beta and sigma^2 integrated out,
    :func:`bayes_sparse.samplers._marginal.marginal_local_sweep`), then ``sigma^2`` and
    ``beta`` given every scale: a partially collapsed Gibbs step (van Dyk & Park 2008).

    ``factor`` is the global update's spectral factor at the current scales (p > n),
    from which ``W = M^-1`` is formed once (O(n^3)). ``lam2`` is updated in place;
    ``c2`` is inf for the plain horseshoe. ``xi``: the beta draw's standard normal
    vector when it was drawn ahead with ``factor`` (``factor.spectral.z_sqrt_h_xi`` is
    then its product with the design). Returns ``(sigma2, beta, Z beta, shrink_failures)``.
    """
    from ._gaussian_draw import FITTED_MAX_SCALE, G_CAP, G_FLOOR
    from ._marginal import draw_from_inverse, marginal_local_sweep

    sp, t = factor.spectral, factor.t
    idx = np.asarray(idx, dtype=np.int64)
    inv_w = 1.0 / (1.0 + t * sp.e)
    W = (sp.U * inv_w) @ sp.U.T
    Wy = sp.U @ (sp.r * inv_w)
    g = t * sp.h  # the prior variances W was formed at
    g_before = g[idx]
    if noise.fixed is None:
        m, rate2, inv_sigma2 = noise.shape + 0.5 * (data.n - 1), 2.0 * noise.rate, 0.0
    else:
        m, rate2, inv_sigma2 = 0.0, 0.0, 1.0 / noise.fixed**2
    quad, failures = marginal_local_sweep(
        rng,
        data.ZT,
        idx,
        W,
        Wy,
        data.yc,
        float(sp.quad(t)),
        g,
        lam2,
        float(tau2),
        0.0 if math.isinf(c2) else 1.0 / c2,
        G_FLOOR / data.col_norm2,
        G_CAP / data.col_norm2,
        m,
        rate2,
        inv_sigma2,
    )
    sigma2 = float(draw_sigma2_marginal(rng, quad, data.n, noise))

    def gram_times(x, ztx):
        # Z diag(g) Z' x = t K x (the decomposition) + the swept columns' change of variance:
        # O(n^2 + n |idx|) instead of a pass over Z (rounding: as SpectralScale.draw_beta_and_fitted)
        change = g[idx] - g_before
        return sp.U @ (t * sp.e * (sp.U.T @ x)) + data.ZT[idx].T @ (change * ztx[idx])

    exact_enough = t * sp.e[-1] <= FITTED_MAX_SCALE
    z_xi = None if xi is None else _design_times_noise(data, sp, t, g, idx, xi)
    beta, fitted = draw_from_inverse(
        rng, data.Z, data.yc, W, g, sigma2, gram_times if exact_enough else None, xi=xi, z_sqrt_g_xi=z_xi
    )
    return sigma2, beta, fitted, int(failures)


def _design_times_noise(data, spectral, t, g, idx, xi):
    """``Z diag(sqrt(g)) xi`` from ``Z diag(sqrt(h)) xi`` (formed with the Gram) when
    ``g = t h`` outside ``idx``: ``sqrt(t) Z diag(sqrt(h)) xi`` plus the swept
    columns' change, O(n |idx|)."""
    change = np.sqrt(g[idx]) - math.sqrt(t) * np.sqrt(spectral.h[idx])
    return math.sqrt(t) * spectral.z_sqrt_h_xi + data.ZT[idx].T @ (change * xi[idx])


#: Local scales of a starting support: tau^2 lam^2 = 1e4 (no shrinkage) inside it,
#: lam^2 around 1e-2 outside (strong shrinkage).
START_UNSHRUNK = 1e4
START_SHRUNK = 1e-2


def init(rng, spec: HorseshoeSpec, data, noise, start=None) -> HorseshoeState:
    """Dispersed start: local scales and tau around the prior's centre, beta from its conditional.

    ``start`` (boolean, p) is a starting support (:mod:`bayes_sparse.samplers.starts`):
    its features get local scales that leave them unshrunk (prior variance at the
    slab), the others small ones, so the chain starts in that support's mode.
    """
    sigma2 = noise.fixed**2 if noise.fixed is not None else data.yty / (data.n - 1) * rng.uniform(0.5, 1.5)
    lam2 = np.exp(rng.uniform(-1.0, 1.0, size=data.p))
    tau2 = spec.tau0**2 * float(np.exp(rng.uniform(-1.0, 1.0)))
    if start is not None:
        lam2 = np.where(start, START_UNSHRUNK / tau2, lam2 * START_SHRUNK)
    c2 = spec.slab_scale**2 if spec.regularized else math.nan
    factor = factorize(data, tau2 * _lam_tilde2(lam2, tau2, c2))
    sigma2 = float(sigma2)
    beta = factor.draw_beta(rng, sigma2)
    k = marginal_set_size(data.n, data.p)
    marginal = _largest(_MarginalSetAdapter._scores(data, beta), k) if k else None
    return HorseshoeState(beta, sigma2, lam2, float(tau2), float(c2), marginal=marginal)


#: The regularized horseshoe's global update: ``"joint"`` (default) scales tau^2 and c^2
#: together from one eigendecomposition (:func:`draw_global_joint`); ``"slice"`` is
#: the earlier tau-only slice with one factorisation per evaluation
#: (:func:`draw_global_regularized`), kept for comparison (benchmarks/bench_iteration.py).
TAU_UPDATES = ("joint", "slice")


def build_kernel(spec: HorseshoeSpec, noise, tau_update: str = "joint", local_tries=None):
    """``kernel(rng, state, d) -> (state, info)``: locals, slab, interweaving, blocked global update.

    ``"joint"`` (default): collapsed locals, slab, interweaving, then the joint
    scale move of (tau^2, c^2) and (sigma^2, beta) from one eigendecomposition
    (:func:`draw_global_joint`); one n x n Gram per iteration. ``"slice"``: the
    earlier sweep (locals, slab, interweaving, tau-only slice with a factorisation
    per evaluation), whose interval width ``state.tau_width`` is set once at the
    end of warm-up by :func:`make_adapter`'s adapter. ``local_tries``: proposals
    from the prior per local scale before a slice step (None: ``REJECTION_TRIES``;
    0: slice steps only, as before).
    """
    if tau_update not in TAU_UPDATES:
        raise ValueError(f"tau_update must be one of {TAU_UPDATES}, got {tau_update!r}")

    if tau_update == "slice":

        def kernel(rng, state: HorseshoeState, d):
            sigma2, tau2, c2 = state.sigma2, state.tau2, state.c2
            beta, lam2, failures = draw_local_collapsed(
                rng, d, state.beta, state.lam2, sigma2, tau2, c2 if spec.regularized else math.inf, local_tries
            )
            if spec.regularized:
                c2, failed = draw_slab(rng, c2, lam2, beta * beta, sigma2, tau2, spec)
                failures += failed
            lam2, tau2, failed = rescale_global(rng, lam2, tau2, spec.tau0)
            failures += failed
            if spec.regularized:
                tau2, factor, res = draw_global_regularized(rng, d, lam2, tau2, c2, spec.tau0, noise, state.tau_width)
            else:
                tau2, factor, res = draw_global_plain(rng, d, lam2, tau2, spec.tau0, noise)
            sigma2, beta = draw_noise_and_beta(rng, factor, d.n, noise)
            info = HorseshoeInfo(res.evaluations, failures + res.shrink_failures)
            return HorseshoeState(beta, sigma2, lam2, float(tau2), float(c2), state.tau_width, state.marginal), info

        return kernel

    # Z beta after the last beta draw (from the decomposition, no pass over Z), reused by
    # the next sweep when it gets the same pseudo-data and beta (the Gaussian family;
    # the Bernoulli family's pseudo-data are new every iteration, then Z beta is recomputed)
    last = {"data": None, "beta": None, "fitted": None}

    def kernel(rng, state: HorseshoeState, d):
        sigma2, tau2, c2 = state.sigma2, state.tau2, state.c2
        resid = None
        if last["data"] is d and last["beta"] is state.beta:
            resid = d.yc - last["fitted"]
        beta, lam2, failures = _local_sweep(
            rng,
            d,
            state.beta,
            state.lam2,
            sigma2,
            tau2,
            c2 if spec.regularized else math.inf,
            tries=local_tries,
            resid=resid,
        )
        if spec.regularized:
            c2, failed = draw_slab(rng, c2, lam2, beta * beta, sigma2, tau2, spec)
            failures += failed
        lam2, tau2, failed = rescale_global(rng, lam2, tau2, spec.tau0)
        failures += failed
        marginal = d.wide and state.marginal is not None and state.marginal.size
        # the beta draw's standard normals, drawn ahead: their product with the design is
        # formed in the Gram's scaling pass (one pass over Z fewer)
        xi = rng.standard_normal(d.p) if marginal else None
        tau2, c2, factor, res = draw_global_joint(rng, d, lam2, tau2, c2, spec, noise, xi=xi)
        if marginal:
            sigma2, beta, fitted, failed = draw_marginal_locals(
                rng, d, factor, state.marginal, lam2, tau2, c2 if spec.regularized else math.inf, noise, xi
            )
            failures += failed
        else:
            sigma2 = float(draw_sigma2_marginal(rng, factor.quad, d.n, noise))
            beta, fitted = factor.spectral.draw_beta_and_fitted(rng, sigma2, factor.t)
        last.update(data=d, beta=beta, fitted=fitted)
        info = HorseshoeInfo(res.evaluations, failures + res.shrink_failures)
        return HorseshoeState(beta, sigma2, lam2, float(tau2), float(c2), state.tau_width, state.marginal), info

    return kernel


def outputs(spec: HorseshoeSpec) -> Outputs:
    scalars = {"tau": lambda s: math.sqrt(s.tau2)}
    if spec.regularized:
        scalars["c2"] = lambda s: s.c2
    return Outputs(scalars, {"local_scale": lambda s: np.sqrt(s.lam2)}, HorseshoeInfo._fields)


#: A fixed slice interval of about five posterior sds of log tau^2 covers the
#: typical slice (a Gaussian's slice at level log f(mode) - Exp(1) has half-width
#: sd sqrt(2 Exp(1))), so most updates need one or two proposals.
TAU_WIDTH_SDS = 5.0


def tuned_slice_width(log_tau2_draws):
    """Warm-up tuning of the regularized horseshoe's tau slice interval (None: not enough draws)."""
    if len(log_tau2_draws) < 20:
        return None
    return float(np.clip(TAU_WIDTH_SDS * np.std(log_tau2_draws), 0.05, 10.0))


class _TauWidthAdapter:
    """Collects log tau^2 over the second half of warm-up and fixes the slice width at its end."""

    def __init__(self, tune):
        self.tune, self.history = tune, []

    def __call__(self, it, state, data=None):
        if it >= self.tune // 2:
            self.history.append(math.log(state.tau2))
        if it == self.tune - 1:
            state = state._replace(tau_width=tuned_slice_width(self.history))
        return state


class _MarginalSetAdapter:
    """Chooses the features of the marginal local update (p > n).

    The features worth drawing with beta integrated out are those the posterior
    keeps taking in and out: the ones in the model now and the ones the residual
    keeps pointing at. Both show in the partial-residual score
    ``s_j = |z_j' (y - Z beta + z_j beta_j)|`` (the evidence for feature j given the
    others). Every warm-up iteration the set is the ``k`` largest scores at the
    current beta (it follows the chain while it settles); at the end of warm-up it
    is fixed to the ``k`` largest scores at the mean of beta over the second half
    of warm-up, so the sampling phase is one fixed Markov kernel. (At n = 100,
    p = 20,000 that score ranked every rarely included noise feature that limited
    convergence within the top 40; the prior variance ``tau^2 lamt_j^2``, an
    earlier choice, is dominated by heavy-tailed draws of lam_j of features the
    data do not support.)
    """

    def __init__(self, tune):
        self.tune, self.beta_sum, self.count = tune, None, 0

    @staticmethod
    def _scores(data, beta):
        return np.abs(data.Zty - data.ZT @ (data.Z @ beta) + data.col_norm2 * beta)

    def __call__(self, it, state, data):
        if state.marginal is None:
            return state
        k = state.marginal.size
        if it >= self.tune // 2:
            self.beta_sum = state.beta.copy() if self.beta_sum is None else self.beta_sum + state.beta
            self.count += 1
        beta = self.beta_sum / self.count if it == self.tune - 1 and self.count else state.beta
        return state._replace(marginal=_largest(self._scores(data, beta), k))


def warm_up():
    """Compile (or load from Numba's cache) the compiled sweeps once, before chains fork."""
    from . import _collapsed, _gaussian_draw, _log1p_sum, _marginal

    _gaussian_draw.warm_up()
    _collapsed.warm_up()
    _marginal.warm_up()
    _log1p_sum.warm_up()


def make_adapter(spec: HorseshoeSpec, tune: int, tau_update: str = "joint"):
    """Warm-up adaptation ``adapter(iteration, state, data) -> state`` (``data``: the
    iteration's (pseudo-)data): the marginal update's
    feature set (``"joint"``) or the slice width of the regularized ``"slice"`` tau update."""
    if tau_update == "slice":
        return _TauWidthAdapter(tune) if spec.regularized else None
    return _MarginalSetAdapter(tune)


def noncentred_moves(spec: HorseshoeSpec) -> list:
    """Non-centred moves of tau and (regularized) c^2 with ``beta = z * sqrt(tau^2 lamt^2)``, used under
    non-Gaussian likelihoods (:mod:`bayes_sparse.samplers._noncentred`)."""
    from ._noncentred import ScaleMove

    def tau_factor(s, x):
        t = math.exp(x)
        return np.sqrt(t * _lam_tilde2(s.lam2, t, s.c2))

    moves = [
        ScaleMove(
            "tau",
            lambda s: math.log(s.tau2),
            lambda x, s: _log_prior_log_tau2(x, spec.tau0),
            tau_factor,
            lambda s, x, beta: s._replace(tau2=math.exp(x), beta=beta),
        )
    ]
    if spec.regularized:
        a, b = 0.5 * spec.slab_df, 0.5 * spec.slab_df * spec.slab_scale**2
        moves.append(
            ScaleMove(
                "c2",
                lambda s: math.log(s.c2),
                lambda x, s: -a * x - b * math.exp(-x),  # IG(a, b) on c**2, on the log scale
                lambda s, x: np.sqrt(s.tau2 * _lam_tilde2(s.lam2, s.tau2, math.exp(x))),
                lambda s, x, beta: s._replace(c2=math.exp(x), beta=beta),
            )
        )
    return moves
