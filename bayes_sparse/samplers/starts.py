"""Dispersed starting supports for the chains of priors whose posterior can be multimodal.

R-hat can only reveal chains that settle in different modes when the chains
start in different places (Gelman & Rubin 1992). For sparse regression the
modes are *supports*: which of several correlated features carry the signal.
Chain c starts from the support of a certified lasso fit on its own random
half of the samples, at a penalty that shrinks with c (sparser to denser
starts); half-samples make chains pick different members of a group of
correlated features, as stability selection does.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dispersed_supports", "START_FRACTIONS"]

#: alpha / alpha_max of the starting lasso fit of chain c (cycled).
START_FRACTIONS = (0.5, 0.25, 0.12, 0.06)


def dispersed_supports(Z, yc, seeds) -> list:
    """One boolean support (p,) per seed: the lasso support on a random half-sample.

    Parameters
    ----------
    Z, yc : ndarray
        Centred design and response.
    seeds : sequence of SeedSequence
        One per chain (the half-sample is drawn from a child of the chain's seed,
        so the chain's own random stream is not touched).
    """
    from ..map import alpha_max, solve_lasso

    n, p = Z.shape
    out = []
    for c, seed in enumerate(seeds):
        rng = np.random.default_rng(seed.spawn(1)[0])
        rows = np.sort(rng.choice(n, size=max(n // 2, 3), replace=False))
        Zs, ys = Z[rows] - Z[rows].mean(0), yc[rows] - yc[rows].mean()
        amax = alpha_max(Zs, ys)
        if not np.isfinite(amax) or amax <= 0:
            out.append(np.zeros(p, dtype=bool))
            continue
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a loosely solved start is still a start
            beta = solve_lasso(Zs, ys, amax * START_FRACTIONS[c % len(START_FRACTIONS)], gap_tol=1e-6).beta
        support = beta != 0
        if support.sum() > n // 2:  # keep the start sparse: the largest coefficients
            keep = np.argsort(-np.abs(beta))[: n // 2]
            support = np.zeros(p, dtype=bool)
            support[keep] = True
        out.append(support)
    return out
