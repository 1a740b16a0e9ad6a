"""Collapsed single-site update of the horseshoe's (lam_j, beta_j), compiled with Numba.

For one coordinate j, with the other coefficients fixed, the partial residual
``r_j = y_c - Z_{-j} beta_{-j}`` and ``beta_j ~ N(0, sigma^2 v_j)``, where
``v_j = tau^2 lamt_j^2`` and ``1 / v_j = 1 / (tau^2 lam_j^2) + 1 / c^2``
(``1 / c^2 = 0`` for the plain horseshoe), integrating beta_j out gives

    p(lam_j | r_j, ...) ∝ C+(lam_j | 0, 1) (1 + a v_j)^(-1/2) exp(s^2 v_j / (2 sigma^2 (1 + a v_j)))

with ``a = ||z_j||^2`` and ``s = z_j' r_j``. Drawing ``lam_j`` from this
(slice sampling on ``eta = log lam_j``) and then
``beta_j | lam_j ~ N(s / (a + 1/v_j), sigma^2 / (a + 1/v_j))`` is an exact
joint draw of (lam_j, beta_j) from their full conditional. Unlike alternating
``lam_j | beta_j`` and ``beta_j | lam_j``, it does not get stuck when a
coefficient sits near zero with a small local scale: lam_j moves between the
"noise" and the "signal" regime in one step. A sweep over j costs O(n p).

Numba compiles this once per machine (cached on disk); random numbers come from
the chain's own ``numpy.random.Generator``, so seeds reproduce draws exactly.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["collapsed_local_sweep", "log_local_collapsed"]

#: log lam_j is kept in [-ETA_BOUND, ETA_BOUND]: far outside any posterior mass
#: (the half-Cauchy prior puts probability ~e^-300 beyond it) and inside the
#: range where exp(2 eta) is a normal float.
ETA_BOUND = 300.0
_SLICE_WIDTH = 2.0
_MAX_STEPS = 64
#: Proposals from the prior per coordinate before falling back to a slice step.
#: Where tau^2 ||z_j||^2 is small (p >> n) nearly every coordinate's conditional
#: is close to its prior and the first proposal is accepted; a coordinate with a
#: strong signal rejects them all and pays these few cheap tries on top of the slice.
REJECTION_TRIES = 4
#: The sweep's dot products and axpys may be reordered (vectorised): a change of
#: rounding only. No other fast-math flag: the densities rely on inf and nan.
_REASSOC = {"reassoc", "contract"}


@njit(cache=True)
def _softplus(x):
    """log(1 + exp(x)) without overflow."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(cache=True)
def log_local_collapsed(eta, a, half_s2_over_sigma2, tau2, inv_c2):
    """log density of eta = log lam_j (up to a constant), beta_j integrated out."""
    if eta < -ETA_BOUND or eta > ETA_BOUND:
        return -math.inf
    inv_v = math.exp(-2.0 * eta) / tau2 + inv_c2  # 1 / (tau^2 lamt_j^2)
    # -1/2 log(1 + a v) = -1/2 (log(1/v + a) - log(1/v));  s^2 v / (2 sigma^2 (1 + a v)) = (s^2/2sigma^2) / (1/v + a)
    return (
        eta - _softplus(2.0 * eta) - 0.5 * (math.log(inv_v + a) - math.log(inv_v)) + half_s2_over_sigma2 / (inv_v + a)
    )


@njit(cache=True)
def _slice_eta(rng, eta0, a, h, tau2, inv_c2):
    """Univariate slice sampler (stepping out, then shrinkage; Neal 2003).

    The compiled transcription of :func:`bayes_sparse.samplers._slice.slice_sample`
    (same algorithm, same random-number stream; tested equal). Returns
    ``(eta, failed)``; ``failed`` is 1 when the interval shrank onto ``eta0``
    without an accepted proposal.
    """
    level = log_local_collapsed(eta0, a, h, tau2, inv_c2) - rng.exponential()
    left = eta0 - _SLICE_WIDTH * rng.random()
    right = left + _SLICE_WIDTH
    for _ in range(_MAX_STEPS):
        if log_local_collapsed(left, a, h, tau2, inv_c2) <= level:
            break
        left -= _SLICE_WIDTH
    for _ in range(_MAX_STEPS):
        if log_local_collapsed(right, a, h, tau2, inv_c2) <= level:
            break
        right += _SLICE_WIDTH
    for _ in range(200):
        prop = left + (right - left) * rng.random()
        if log_local_collapsed(prop, a, h, tau2, inv_c2) > level:
            return prop, 0
        if prop < eta0:
            left = prop
        else:
            right = prop
    return eta0, 1  # the interval has shrunk onto eta0 (practically unreachable)


@njit(cache=True)
def _log_bound(k, w_max):
    """max over w in [0, w_max] of log L = log(1 - w) / 2 + k w (concave in w)."""
    if k <= 0.5:
        return 0.0
    w = min(1.0 - 0.5 / k, w_max)
    return 0.5 * math.log1p(-w) + k * w


@njit(cache=True)
def _reject_lam(rng, a, h, tau2, inv_c2, tries):
    """Rejection sampling of lam_j from its collapsed conditional, proposing lam_j from
    its half-Cauchy prior.

    The conditional is the prior times ``L(w) = sqrt(1 - w) exp(k w)`` with
    ``w = a v_j / (1 + a v_j)`` in ``[0, w_max)``, ``w_max = a / (a + 1/c^2)``, and
    ``k = h / a = s^2 / (2 sigma^2 a)``; ``L`` is log-concave in w, so its maximum
    ``L*`` on ``[0, w_max]`` is known in closed form and a proposal is accepted with
    probability ``L / L*``. Returns ``(lam, inv_v, accepted)`` with
    ``inv_v = 1 / (tau^2 lamt_j^2)``, so that the caller needs no log or exp of lam;
    after ``tries`` rejected proposals ``accepted`` is 0 (the caller then takes a
    slice step instead).
    """
    log_bound = _log_bound(h / a, a / (a + inv_c2))
    for _ in range(tries):
        lam = math.tan(0.5 * math.pi * rng.random())  # |Cauchy(0, 1)|
        if not lam > 0.0 or not lam < 1e100:  # rng.random() == 0 (probability 2^-53): propose again
            continue
        inv_v = 1.0 / (tau2 * lam * lam) + inv_c2
        # accept when log U < log L - log L*: E = -log U ~ Exp(1) with
        # E - log L* + h / (inv_v + a) > log1p(x) / 2, x = a / inv_v = a tau^2 lamt^2. Squeezes
        # (the same decision, without the log): x / (1 + x) <= log1p(x) <= x; at p >> n x is
        # tiny for most proposals and the upper bound decides.
        r = 1.0 / (inv_v + a)
        x = a / inv_v
        gap = rng.standard_exponential() - log_bound + h * r
        if gap > 0.5 * x or (gap > 0.5 * a * r and gap > 0.5 * math.log1p(x)):
            return lam, inv_v, 1
    return 0.0, 0.0, 0


@njit(cache=True, fastmath=_REASSOC)
def collapsed_local_sweep(rng, ZT, col_norm2, resid, beta, lam2, sigma2, tau2, inv_c2, tries=REJECTION_TRIES):
    """One sweep j = 0..p-1 of the collapsed (lam_j, beta_j) update, in place.

    lam_j is drawn by rejection from its prior (:func:`_reject_lam`, an exact
    independent draw) with up to ``tries`` proposals; when all are rejected, by
    one slice step from the current value (:func:`_slice_eta`). Whether the slice
    step runs does not depend on the current lam_j, so the mixture of the two
    leaves the conditional invariant; ``tries=0`` is the slice step alone.

    ``ZT`` is the p x n transpose of the centred design (rows contiguous),
    ``resid = y_c - Z beta`` on entry and is kept equal to it on exit.
    ``inv_c2 = 1 / c^2`` (0 for the plain horseshoe). Returns the number of
    slice updates whose interval shrank onto the current point (kept unchanged).
    """
    p, n = ZT.shape
    sigma = math.sqrt(sigma2)
    failures = 0
    for j in range(p):
        a = col_norm2[j]
        b_old = beta[j]
        zr = 0.0
        for i in range(n):
            zr += ZT[j, i] * resid[i]
        s = zr + a * b_old  # z_j' (resid + z_j beta_j)
        h = 0.5 * s * s / sigma2
        lam, inv_v, accepted = _reject_lam(rng, a, h, tau2, inv_c2, tries)
        if accepted:
            lam2[j] = lam * lam
        else:
            eta, failed = _slice_eta(rng, 0.5 * math.log(lam2[j]), a, h, tau2, inv_c2)
            failures += failed
            lam2[j] = math.exp(2.0 * eta)
            inv_v = math.exp(-2.0 * eta) / tau2 + inv_c2
        prec = a + inv_v  # posterior precision of beta_j, in units of 1/sigma^2
        b_new = s / prec + sigma / math.sqrt(prec) * rng.standard_normal()
        beta[j] = b_new
        d = b_new - b_old
        if d != 0.0:
            for i in range(n):
                resid[i] -= ZT[j, i] * d
    return failures


def warm_up():
    """Compile (or load from the cache) before chains fork, so workers don't each compile."""
    rng = np.random.default_rng(0)
    ZT = np.ones((1, 2))
    collapsed_local_sweep(rng, ZT, np.array([2.0]), np.zeros(2), np.zeros(1), np.ones(1), 1.0, 1.0, 0.0)
