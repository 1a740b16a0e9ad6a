"""The one InferenceData schema shared by NUTS and Gibbs results.

``posterior`` group (dims after ``(chain, draw)``):

===============  =======  ======================================================================  ===========================
variable         dims     meaning                                                                 present when
===============  =======  ======================================================================  ===========================
``beta``         feature  coefficients on the original scale of X                                 always
``beta_std``     feature  coefficients of the standardized design (the prior's scale)             ``standardize=True``
``intercept``    --       intercept on the original scale                                         always
``intercept_c``  --       intercept of the centred model, mu = y_mean + intercept_c + Z beta_std  always
``sigma``        --       noise sd (constant when fixed)                                          Gaussian likelihood
``lam``          --       Laplace rate lam (``lam2`` = lam**2)                                    Laplace, ``lam=None``
``scale``        --       Gaussian prior scale s (``scale2`` = s**2)                              Gaussian, ``scale=None``
``tau``          --       horseshoe global scale                                                  horseshoe
``local_scale``  feature  horseshoe local scales lam_j                                            horseshoe
``c2``           --       slab variance c**2                                                      regularized horseshoe
``m_eff``        --       effective number of non-zero coefficients, sum_j (1 - kappa_j)          horseshoe
``kappa``        feature  shrinkage factors kappa_j                                               horseshoe, small posteriors
===============  =======  ======================================================================  ===========================

``log_likelihood`` holds ``y`` (dims ``obs``), ``observed_data`` holds ``y``;
``sample_stats`` is sampler-specific (NUTS: ``diverging``, ``energy``, ...;
Gibbs: the kernel's info, e.g. ``tau_evaluations``, ``slice_shrink_failures``).
Sampler-internal variables (NUTS's non-centred ``z``, ``log_sigma``,
``sigma2``) are not part of the schema and are dropped.
"""

from __future__ import annotations

import numpy as np

__all__ = ["posterior_names", "conform_posterior", "gibbs_to_idata", "add_shrinkage", "KAPPA_MAX_SIZE"]


def posterior_names(spec) -> tuple:
    """Variables of the posterior group for a model specification (``kappa`` aside)."""
    rules = spec.rules
    names = ["beta", "intercept", "intercept_c"]
    if spec.standardize:
        names.append("beta_std")
    if spec.likelihood.has_noise:
        names.append("sigma")
    names += [*rules.hyper_names(spec.prior), *rules.local_names(spec.prior)]
    if rules.shrinkage_factors:
        names.append("m_eff")
    return tuple(names)


def conform_posterior(idata, spec):
    """Drop sampler-internal variables so that the posterior follows the schema."""
    keep = set(posterior_names(spec)) | {"kappa"}
    extra = [v for v in idata.posterior.data_vars if v not in keep]
    if extra:
        idata.posterior = idata.posterior.drop_vars(extra)
    return idata


#: Store the horseshoe's per-draw, per-feature kappa only below this many
#: numbers (80 MB); above it m_eff is stored and kappa summaries are computed
#: from tau / local_scale / c2 on demand.
KAPPA_MAX_SIZE = 10_000_000


def add_shrinkage(idata, design, spec=None):
    """Add the horseshoe's ``kappa`` (chain, draw, feature) and ``m_eff`` to the posterior.

    ``kappa_j = 1 / (1 + n tau^2 lamt_j^2 s_j^2 / v)`` with ``s_j^2`` the variance of
    column j of the model's design (1 when standardized) and ``v`` the likelihood's
    pseudo-variance: 1 for the Gaussian (sigma is in the prior of beta), 4 for the
    logistic (its Gaussian approximation at p = 1/2); ``m_eff = sum_j (1 - kappa_j)``
    (Piironen & Vehtari 2017).
    """
    from .selection import shrinkage_factors

    post = idata.posterior
    tau, lam = post["tau"].values, post["local_scale"].values
    c2 = post["c2"].values if "c2" in post else None
    chains, draws, p = lam.shape
    pseudo_var = spec.likelihood.pseudo_variance if spec is not None else 1.0
    col_var = design.Z.var(axis=0) / pseudo_var
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


def gibbs_to_idata(arrays, design, spec, run=None):
    """InferenceData from the Gibbs output (:func:`bayes_sparse.samplers.sample_gibbs`):
    ``arrays`` maps names to (chain, draw, ...) arrays (``beta`` on the model scale,
    ``stat:<name>`` sampler statistics). ``run`` (a SamplingRun) is recorded in the
    ``sample_stats`` attributes."""
    import arviz as az

    arrays = dict(arrays)
    beta_model = arrays.pop("beta")
    post = {}
    if design.standardize:
        post["beta_std"] = beta_model
    post["beta"] = design.coef_to_original(beta_model)
    post["intercept_c"] = arrays.pop("intercept_c")
    post["intercept"] = design.intercept_to_original(post["beta"], post["intercept_c"])
    stats = {k[5:]: v for k, v in arrays.items() if k.startswith("stat:")}
    post.update({k: v for k, v in arrays.items() if not k.startswith("stat:")})

    # log-likelihood of each observation at each draw (for LOO / az.compare)
    family = spec.likelihood
    chains, draws = post["sigma"].shape
    loglik = np.empty((chains, draws, design.n))
    for c in range(chains):
        mu = design.linear_predictor(post["beta"][c], post["intercept"][c])
        loglik[c] = family.log_likelihood(design.y, mu, post["sigma"][c])

    coords = {"feature": list(design.feature_names), "obs": np.arange(design.n)}
    dims = {"beta": ["feature"], "beta_std": ["feature"], "y": ["obs"]}
    dims.update({name: ["feature"] for name in spec.rules.local_names(spec.prior)})
    idata = az.from_dict(
        posterior=post,
        sample_stats=stats or None,
        log_likelihood={"y": loglik},
        observed_data={"y": design.y},
        coords=coords,
        dims=dims,
    )
    return idata
