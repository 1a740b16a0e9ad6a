"""Marginal update of the horseshoe's local scales, beta (and sigma**2) integrated out.

The single-site sweep of :mod:`bayes_sparse.samplers._collapsed` draws lam_j given
the *other coefficients*. When p >> n many features compete for the same
directions of the residual: a feature that is "in" has the other coefficients
drawn around it, so its partial residual keeps explaining it and it leaves the
model slowly (measured at n = 100, p = 20,000: noise features picked up now and
then had bulk ESS per iteration of 0.01 and tail ESS of 0.003). This update
integrates every coefficient out instead. With prior variances ``g`` (in units
of sigma**2) and ``M = I_n + Z diag(g) Z'``, the marginal of one coordinate is

    p(lam_j | lam_-j, tau, c, y)  ∝  C+(lam_j | 0, 1) (1 + g_j c0)^(-1/2) q(g_j)

with ``c0 = z_j' W_-j z_j``, ``d0 = z_j' W_-j y``, ``Q0 = y' W_-j y``
(``W_-j = M^-1`` without feature j) and ``q(g) = (b + (Q0 - g d0^2 / (1 + g c0)) / 2)^-m``
when sigma**2 ~ IG(a, b) or the Jeffreys prior is integrated out (``m = a + (n-1)/2``),
``q(g) = exp(g d0^2 / (2 sigma^2 (1 + g c0)))`` when sigma is fixed. In
``w = g c0 / (1 + g c0)`` the likelihood factor is ``L(w) = sqrt(1 - w) (1 - rho w)^-m``,
``rho = d0^2 / (c0 (2b + Q0))`` (integrated sigma), or ``sqrt(1 - w) exp(k w)``,
``k = d0^2 / (2 sigma^2 c0)`` (fixed sigma); both have a single maximum on [0, 1)
in closed form, so lam_j is drawn exactly by rejection from its half-Cauchy prior,
as in the single-site sweep, with a slice step when the proposals run out.
``W = M^-1`` and ``W y`` are kept exact by a rank-one update per coordinate
(Sherman-Morrison), O(n^2) each: the update serves a set of coordinates, not all p.

After the sweep, ``(sigma**2, beta)`` must be drawn from their conditional given the
new scales (partially collapsed Gibbs, van Dyk & Park 2008): :func:`draw_from_inverse`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import linalg

from ._collapsed import _REASSOC, ETA_BOUND, REJECTION_TRIES, _log_bound, _softplus

__all__ = ["marginal_local_sweep", "log_local_marginal", "draw_from_inverse"]

_SLICE_WIDTH = 2.0
_MAX_STEPS = 64


@njit(cache=True)
def _regularized(v, inv_c2):
    """``1 / (1 / v + inv_c2)`` written so that ``v = 0`` (tau^2 lam^2 underflowed) and
    ``v = inf`` divide by nothing: numba raises ZeroDivisionError where numpy would not."""
    if inv_c2 <= 0.0:
        return v
    if math.isinf(v):
        return 1.0 / inv_c2
    return v / (1.0 + inv_c2 * v)


@njit(cache=True)
def _variance(eta, tau2, inv_c2):
    """Prior variance tau^2 lamt^2 (units of sigma^2) at eta = log lam."""
    return _regularized(tau2 * math.exp(2.0 * eta), inv_c2)


@njit(cache=True)
def _log_lik(w, m, rho, k):
    """log L(w): ``m > 0`` sigma^2 integrated (rho), else fixed sigma (k)."""
    if w >= 1.0:  # g c0 beyond 1e16 rounds w to 1, where L's factor sqrt(1 - w) vanishes
        return -math.inf
    if m > 0.0:
        return 0.5 * math.log1p(-w) - m * math.log1p(-rho * w)
    return 0.5 * math.log1p(-w) + k * w


@njit(cache=True)
def _log_lik_bound(w_max, m, rho, k):
    """max of log L on [0, w_max]."""
    if m <= 0.0:
        return _log_bound(k, w_max)
    if 2.0 * m * rho <= 1.0 or m <= 0.5:
        return 0.0  # L decreasing from L(0) = 1
    w = min((2.0 * m * rho - 1.0) / (rho * (2.0 * m - 1.0)), w_max)
    return _log_lik(w, m, rho, k)


@njit(cache=True)
def log_local_marginal(eta, c0, tau2, inv_c2, m, rho, k):
    """log density of eta = log lam_j (up to a constant), beta (and sigma^2) integrated."""
    if eta < -ETA_BOUND or eta > ETA_BOUND:
        return -math.inf
    g = _variance(eta, tau2, inv_c2)
    w = g * c0 / (1.0 + g * c0)
    return eta - _softplus(2.0 * eta) + _log_lik(w, m, rho, k)


@njit(cache=True)
def _slice_eta(rng, eta0, c0, tau2, inv_c2, m, rho, k):
    """Slice step on eta (stepping out, shrinkage; the algorithm of ``_slice.slice_sample``)."""
    level = log_local_marginal(eta0, c0, tau2, inv_c2, m, rho, k) - rng.exponential()
    left = eta0 - _SLICE_WIDTH * rng.random()
    right = left + _SLICE_WIDTH
    for _ in range(_MAX_STEPS):
        if log_local_marginal(left, c0, tau2, inv_c2, m, rho, k) <= level:
            break
        left -= _SLICE_WIDTH
    for _ in range(_MAX_STEPS):
        if log_local_marginal(right, c0, tau2, inv_c2, m, rho, k) <= level:
            break
        right += _SLICE_WIDTH
    for _ in range(200):
        prop = left + (right - left) * rng.random()
        if log_local_marginal(prop, c0, tau2, inv_c2, m, rho, k) > level:
            return prop, 0
        if prop < eta0:
            left = prop
        else:
            right = prop
    return eta0, 1


@njit(cache=True)
def _draw_eta(rng, eta0, c0, tau2, inv_c2, m, rho, k, tries):
    """Exact draw of eta: rejection from the half-Cauchy prior with the closed-form bound,
    then (all ``tries`` rejected) one slice step from eta0. Returns ``(eta, failed)``."""
    log_bound = _log_lik_bound(c0 / (c0 + inv_c2), m, rho, k)
    for _ in range(tries):
        lam = math.tan(0.5 * math.pi * rng.random())
        if not lam > 0.0 or not lam < 1e100:
            continue
        g = _regularized(tau2 * lam * lam, inv_c2)
        w = g * c0 / (1.0 + g * c0)
        if math.log(rng.random()) < _log_lik(w, m, rho, k) - log_bound:
            return math.log(lam), 0
    return _slice_eta(rng, eta0, c0, tau2, inv_c2, m, rho, k)


#: ``om = 1 - g_j z_j' W z_j = 1 / (1 + g_j c0)`` is a difference of numbers near 1
#: when g_j c0 is large; its absolute rounding error is about ``eps g_j ||z_j||^2``
#: (times a small growth factor, 16 here). Removing feature j from ``W`` divides by
#: ``om``, so where om is within 1e6 times that error of zero the downdate would
#: carry too few correct digits (at the prior-variance cap, none: the sweep then
#: produced NaN): ``W`` is formed afresh without feature j instead (BLAS, O(n^2 p)).
_OM_TRUST = 1e6 * 16 * 2.220446049250313e-16


@njit(cache=True, fastmath=_REASSOC)
def _sweep_from(rng, ZT, idx, start, W, Wy, quad, g, lam2, tau2, inv_c2, g_lo, g_hi, m, rate2, inv_sigma2, tries):
    """The sweep of :func:`marginal_local_sweep` over ``idx[start:]``. Stops before a
    coordinate whose downdate cannot be trusted (``_OM_TRUST``) and returns
    ``(quad, failures, position)``; ``position = idx.size`` when it went through."""
    n = W.shape[0]
    u = np.empty(n)
    failures = 0
    for pos in range(start, idx.size):
        j = idx[pos]
        # u = W z_j and the two inner products, O(n^2)
        c = 0.0
        d = 0.0
        znorm2 = 0.0
        for i in range(n):
            acc = 0.0
            for l in range(n):  # noqa: E741
                acc += W[i, l] * ZT[j, l]
            u[i] = acc
            c += ZT[j, i] * acc
            d += ZT[j, i] * Wy[i]
            znorm2 += ZT[j, i] * ZT[j, i]
        gj = g[j]
        # remove feature j: W = W_-j - g/(1 + g c0) u0 u0', u = W_-j z / (1 + g c0)
        om = 1.0 - gj * c  # = 1 / (1 + g c0)
        if om < _OM_TRUST * gj * znorm2:
            return quad, failures, pos
        c0 = max(c / om, 1e-300)
        d0 = d / om
        q0 = quad + gj * d * d0
        if m > 0.0:
            den = c0 * (rate2 + q0)  # 0 only when y'W y = 0 (then d0 = 0 too)
            rho = min(d0 * d0 / den, 1.0 - 1e-15) if den > 0.0 else 0.0
            k = 0.0
        else:
            rho = 0.0
            k = 0.5 * d0 * d0 * inv_sigma2 / c0
        eta, failed = _draw_eta(rng, 0.5 * math.log(lam2[j]), c0, tau2, inv_c2, m, rho, k, tries)
        failures += failed
        lam2[j] = math.exp(2.0 * eta)
        g_new = min(max(_variance(eta, tau2, inv_c2), g_lo[j]), g_hi[j])
        g[j] = g_new
        a_new = g_new / (1.0 + g_new * c0)
        delta = gj * om - a_new  # g/(1 + g c0) - g'/(1 + g' c0)
        if delta != 0.0:
            s = delta / (om * om)  # u0 = u / om
            for i in range(n):
                ui = s * u[i]
                for l in range(n):  # noqa: E741
                    W[i, l] += ui * u[l]
                Wy[i] += delta * d0 * u[i] / om
        quad = q0 - a_new * d0 * d0
    return max(quad, 1e-300), failures, idx.size


def marginal_local_sweep(
    rng, ZT, idx, W, Wy, y, quad, g, lam2, tau2, inv_c2, g_lo, g_hi, m, rate2, inv_sigma2, tries=REJECTION_TRIES
):
    """Draw lam_j for j in ``idx`` (in order), each from its marginal conditional, in place.

    ``W = M^-1`` (n x n, symmetric, full), ``Wy = W y`` and ``quad = y' W y`` at the
    current prior variances ``g`` (units of sigma^2; ``g_j`` clipped to
    ``[g_lo_j, g_hi_j]`` as the factorisations clip them); all four are updated.
    ``m = a + (n-1)/2`` and ``rate2 = 2 b`` when sigma^2 ~ IG(a, b) is integrated
    out (Jeffreys: a = b = 0); ``m = 0`` and ``inv_sigma2 = 1 / sigma^2`` when sigma is
    fixed. Returns ``(quad, shrink_failures)``.

    Each coordinate costs O(n^2) (rank-one updates of ``W``). A coordinate whose
    prior variance leaves ``om = 1 / (1 + g_j c0)`` below what ``W`` resolves
    (``_OM_TRUST``) gets ``W`` without feature j formed afresh,
    ``(I + Z diag(g_-j) Z')^-1`` (O(n^2 p), rare away from the cap).
    """
    idx = np.asarray(idx, dtype=np.int64)
    failures = 0
    pos = 0
    while True:
        quad, failed, pos = _sweep_from(
            rng, ZT, idx, pos, W, Wy, quad, g, lam2, tau2, inv_c2, g_lo, g_hi, m, rate2, inv_sigma2, tries
        )
        failures += failed
        if pos >= idx.size:
            return quad, failures
        # W without feature j (g_j = 0: its downdate is then exact), then go on from j
        g[idx[pos]] = 0.0
        # as the sampler's factorisations do: eigenvalues of Z g Z' (>= 0, clipped), so that
        # rounding at the cap cannot make I + Z g Z' indefinite
        e, U = linalg.eigh((ZT.T * g) @ ZT)
        if not np.all(np.isfinite(e)):
            raise FloatingPointError("marginal local update: prior variances are not finite")
        W[:] = (U / (1.0 + np.maximum(e, 0.0))) @ U.T
        Wy[:] = W @ y
        quad = float(y @ Wy)


def draw_from_inverse(rng, Z, y, W, g, sigma2, gram_times=None, xi=None, z_sqrt_g_xi=None):
    """beta ~ N(m, sigma^2 S) given ``W = (I + Z diag(g) Z')^-1`` (Bhattacharya et al. 2016):
    ``u ~ N(0, sigma^2 g)``, ``v = Z u / sigma + delta``, ``beta = u + sigma g Z' W (y / sigma - v)``.

    Returns ``(beta, Z beta)``. ``Z beta = Z u + sigma Z diag(g) Z' x`` (``x = W (y / sigma - v)``);
    ``gram_times(x, Z' x)``, when given, returns ``Z diag(g) Z' x`` without a pass over Z
    (e.g. from a decomposition), else ``Z beta`` is formed directly. ``xi`` and
    ``z_sqrt_g_xi = Z diag(sqrt(g)) xi``, when given, are the standard normal
    vector of ``u = sigma sqrt(g) xi`` drawn ahead and its product with the design
    (formed elsewhere without a pass of its own); otherwise xi is drawn here first."""
    sigma = math.sqrt(sigma2)
    if xi is None:
        u = sigma * np.sqrt(g) * rng.standard_normal(g.size)
        Zu = Z @ u
    else:
        u = sigma * np.sqrt(g) * xi
        Zu = sigma * z_sqrt_g_xi
    v = Zu / sigma + rng.standard_normal(y.size)
    x = W @ (y / sigma - v)
    ztx = Z.T @ x
    beta = u + sigma * g * ztx
    if gram_times is None:
        return beta, Z @ beta
    return beta, Zu + sigma * gram_times(x, ztx)


def warm_up():
    """Compile (or load from the cache) before chains fork."""
    rng = np.random.default_rng(0)
    ZT, y = np.ones((1, 2)), np.array([1.0, -1.0])
    g = np.array([0.5])
    W = np.linalg.inv(np.eye(2) + g[0] * ZT.T @ ZT)
    lo, hi = np.array([1e-9]), np.array([1e9])
    marginal_local_sweep(
        rng, ZT, np.array([0]), W, W @ y, y, float(y @ W @ y), g, np.ones(1), 0.5, 0.0, lo, hi, 1.0, 0.0, 0.0
    )
