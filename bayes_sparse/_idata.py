"""Assemble ArviZ InferenceData from Gibbs draws, with the same layout as NUTS."""

from __future__ import annotations

import numpy as np


def _stack_pop(results, key):
    """Stack one variable over chains, freeing each chain's copy as it goes
    (peak memory: the stacked array plus one chain, not twice the draws)."""
    first = results[0][key]
    out = np.empty((len(results),) + first.shape, dtype=first.dtype)
    for c, r in enumerate(results):
        out[c] = r.pop(key)
    return out


#: Store the horseshoe's per-draw, per-feature kappa only below this many
#: numbers (80 MB); above it m_eff is stored and kappa summaries are computed
#: from tau / lam / c2 on demand.
KAPPA_MAX_SIZE = 10_000_000


def add_shrinkage(idata, design):
    """Add the horseshoe's ``kappa`` (chain, draw, feature) and ``m_eff`` to the posterior.

    ``kappa_j = 1 / (1 + n tau^2 lamt_j^2 s_j^2)`` with ``s_j^2`` the variance of
    column j of the model's design (1 when standardized); ``m_eff = sum_j (1 - kappa_j)``
    (Piironen & Vehtari 2017).
    """
    from .selection import shrinkage_factors

    post = idata.posterior
    tau, lam = post["tau"].values, post["lam"].values
    c2 = post["c2"].values if "c2" in post else None
    chains, draws, p = lam.shape
    col_var = design.Z.var(axis=0)
    meff = np.empty((chains, draws))
    kappa = np.empty((chains, draws, p)) if chains * draws * p <= KAPPA_MAX_SIZE else None
    for c in range(chains):
        k = shrinkage_factors(tau[c], lam[c], None if c2 is None else c2[c], design.n, col_var)
        meff[c] = (1 - k).sum(axis=1)
        if kappa is not None:
            kappa[c] = k
    post["m_eff"] = (("chain", "draw"), meff)
    if kappa is not None:
        post["kappa"] = (("chain", "draw", "feature"), kappa)


def gibbs_to_idata(results, design, prior, spec, fixed_sigma=None, stacked=None):
    """Stack per-chain draw dicts into InferenceData.

    ``stacked`` holds variables already laid out as (chain, draw, ...) arrays
    (the per-feature ``beta`` and ``lam`` that the chains write in place); they
    are used without copying.

    Groups: ``posterior`` (``beta`` (chain, draw, feature) on the original scale,
    ``beta_std`` when standardizing, ``intercept``, ``intercept_c``, ``sigma``
    and the prior's hyperparameters), ``sample_stats``, ``log_likelihood``
    (``y``, dims (chain, draw, obs)) and ``observed_data``.
    """
    import arviz as az

    chains = len(results)
    stacked = dict(stacked or {})
    beta_model = stacked.pop("beta") if "beta" in stacked else _stack_pop(results, "beta")
    post = {}
    if design.standardize:
        post["beta_std"] = beta_model
        post["beta"] = beta_model / design.x_scale
    else:
        post["beta"] = beta_model
    intercept_c = _stack_pop(results, "intercept_c")
    post["intercept_c"] = intercept_c
    post["intercept"] = design.y_mean + intercept_c - post["beta"] @ design.x_mean
    post["sigma"] = _stack_pop(results, "sigma")
    stats = {}
    post.update(stacked)
    for key in list(results[0]):
        arr = _stack_pop(results, key)
        if key.startswith("stat:"):
            stats[key[5:]] = arr
        else:
            post[key] = arr
    draws = post["sigma"].shape[1]

    # log-likelihood of each observation at each draw (for LOO / az.compare)
    n = design.n
    loglik = np.empty((chains, draws, n))
    for c in range(chains):
        mu = design.y_mean + intercept_c[c][:, None] + beta_model[c] @ design.Z.T
        sig = post["sigma"][c][:, None]
        loglik[c] = -0.5 * np.log(2 * np.pi) - np.log(sig) - 0.5 * ((design.y - mu) / sig) ** 2

    coords = {"feature": list(design.feature_names), "obs": np.arange(n)}
    dims = {"beta": ["feature"], "beta_std": ["feature"], "y": ["obs"]}
    if "lam" in post and post["lam"].ndim == 3:
        dims["lam"] = ["feature"]
    return az.from_dict(
        posterior=post,
        sample_stats=stats or None,
        log_likelihood={"y": loglik},
        observed_data={"y": design.y},
        coords=coords,
        dims=dims,
    )
