"""Assemble ArviZ InferenceData from Gibbs draws, with the same layout as NUTS."""

from __future__ import annotations

import numpy as np


def gibbs_to_idata(results, design, prior, spec, fixed_sigma=None):
    """Stack per-chain draw dicts into InferenceData.

    Groups: ``posterior`` (``beta`` (chain, draw, feature) on the original scale,
    ``beta_std`` when standardizing, ``intercept``, ``intercept_c``, ``sigma``
    and the prior's hyperparameters), ``sample_stats``, ``log_likelihood``
    (``y``, dims (chain, draw, obs)) and ``observed_data``.
    """
    import arviz as az

    chains = len(results)
    beta_model = np.stack([r.pop("beta") for r in results])  # pop: free per-chain copies early
    post = {}
    if design.standardize:
        post["beta_std"] = beta_model
        post["beta"] = beta_model / design.x_scale
    else:
        post["beta"] = beta_model
    intercept_c = np.stack([r.pop("intercept_c") for r in results])
    post["intercept_c"] = intercept_c
    post["intercept"] = design.y_mean + intercept_c - post["beta"] @ design.x_mean
    post["sigma"] = np.stack([r.pop("sigma") for r in results])
    stats = {}
    for key in list(results[0]):
        arr = np.stack([r.pop(key) for r in results])
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
