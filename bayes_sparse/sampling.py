"""``fit``: full posteriors by MCMC (PyMC NUTS, or the dedicated Gibbs samplers).

Both samplers target the same posterior for the same specification
(:class:`~bayes_sparse.spec.ModelSpec`): ``y ~ N(intercept + X beta, sigma**2)``,
flat prior on the intercept, the coefficient prior of
:mod:`bayes_sparse.priors` on the (standardized) coefficients, and a fixed
sigma, ``sigma**2 ~ InverseGamma`` or the Jeffreys prior ``p(sigma**2) ∝ 1/sigma**2``.
Tests check the two against each other.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from ._data import prepare_data
from .diagnostics import loo_compare
from .result import PosteriorFit
from .spec import ModelSpec, rules_for

__all__ = ["fit", "compare_priors", "default_target_accept"]

SAMPLERS = ("auto", "nuts", "gibbs")
#: NUTS chains are not extended: draws="auto" samples this many with NUTS.
NUTS_AUTO_DRAWS = 1000
NUTS_SAMPLERS = ("pymc", "nutpie")


def default_target_accept(prior) -> float:
    """NUTS target acceptance per prior (from the prior's rules).

    The horseshoe's funnel needs small steps (0.95 regularized, 0.99 plain);
    the Laplace's kink at zero 0.9; the Gaussian is smooth (PyMC's 0.8).
    """
    return rules_for(prior).target_accept(prior)


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _auto_settings(max_time, memory_gib):
    from .samplers.parallel import AutoSettings

    kw = {}
    for name, value in (("max_time", max_time), ("memory_gib", memory_gib)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
        kw[name] = float(value)
    return AutoSettings(**kw)


def fit(
    X,
    y,
    prior,
    *,
    sampler: str = "auto",
    draws: int | str = "auto",
    tune: int = 1000,
    chains: int = 4,
    thin: int = 1,
    random_seed=None,
    sigma=None,
    standardize: bool = True,
    progressbar: bool = True,
    target_accept: float | None = None,
    nuts_sampler: str = "pymc",
    posterior_predictive: bool = False,
    cores: int | None = None,
    max_time: float | None = None,
    memory_gib: float | None = None,
    family: str = "gaussian",
) -> PosteriorFit:
    """Sample the posterior of a sparse linear regression.

    Parameters
    ----------
    X : array-like (n, p) or DataFrame
    y : array-like (n,)
    prior : bs.Laplace, bs.Gaussian or bs.Horseshoe
    sampler : {"auto", "nuts", "gibbs"}
        "auto" uses the dedicated Gibbs sampler, which every registered prior
        has for both families. Gibbs and NUTS target the same posterior (tested
        against each other).
    draws : int or "auto", default "auto"
        Kept draws per chain, or ``"auto"``: sample until converged. After
        warm-up the Gibbs chains run in blocks and stop as soon as every
        convergence check passes (rank-normalized R-hat <= 1.01, bulk and tail
        ESS >= 400 for the coefficients, sigma and the prior's scalar
        hyperparameters), or when ``max_time`` runs out; every post-warm-up
        draw is kept, thinned automatically when the stored draws would exceed
        ``memory_gib``. ``result.run`` says why sampling stopped. With NUTS,
        ``"auto"`` means 1000 draws (PyMC chains are not extended).
    tune, chains : int
        Warm-up iterations per chain, number of chains.
    max_time : float, optional
        With ``draws="auto"``: seconds of sampling (warm-up included) after
        which the chains stop even if a check still fails (default 600).
    memory_gib : float, optional
        With ``draws="auto"``: memory for the posterior's per-feature draws (the
        coefficients on both scales and the per-feature scales), in GiB (default 2).
    thin : int, default 1
        Keep every ``thin``-th iteration after warm-up: each chain runs
        ``tune + draws * thin`` iterations and stores ``draws``. For large p,
        where storing every draw of beta and the local scales would not fit in
        memory while slowly mixing quantities (tau) need long chains.
    random_seed : int, optional
        Same seed, same draws.
    sigma : float, bs.NoiseVariance or None
        Fixed noise sd, ``sigma**2 ~ InverseGamma(shape, rate)``, or None for
        the Jeffreys prior ``p(sigma**2) ∝ 1/sigma**2``.
    standardize : bool, default True
        Prior on coefficients of standardized columns; results on the original scale.
    progressbar : bool
    target_accept : float, optional
        NUTS only; default from :func:`default_target_accept`.
    nuts_sampler : {"pymc", "nutpie"}
        "nutpie" needs the optional ``nutpie`` package.
    posterior_predictive : bool
        Also draw ``posterior_predictive`` for the observed X.
    cores : int, optional
        Parallel chains (default: min(chains, CPU count)).
    family : {"gaussian", "bernoulli"}
        The likelihood. ``"bernoulli"``: y coded 0/1 (or bool), logit link, no
        ``sigma``; the Gibbs samplers work on Polya-Gamma weighted pseudo-data
        (:mod:`bayes_sparse.families`), NUTS on the Bernoulli likelihood.

    Returns
    -------
    PosteriorFit
        ``.idata`` (ArviZ InferenceData), ``.summary()``, ``.diagnostics``,
        ``.predict()``. Failing convergence checks raise
        :class:`~bayes_sparse.diagnostics.DiagnosticWarning`.
    """
    spec = ModelSpec.build(prior, family=family, sigma=sigma, standardize=standardize)
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    if nuts_sampler not in NUTS_SAMPLERS:
        raise ValueError(f"nuts_sampler must be one of {NUTS_SAMPLERS}, got {nuts_sampler!r}")
    thin = _check_count("thin", thin, 1)
    auto = None
    if isinstance(draws, str) and draws == "auto":
        auto = _auto_settings(max_time, memory_gib)
        if thin != 1:
            raise ValueError("thin is chosen automatically with draws='auto'; give an integer draws to set it")
        draws = NUTS_AUTO_DRAWS
    else:
        draws = _check_count("draws", draws, 1)
        if max_time is not None or memory_gib is not None:
            raise ValueError("max_time and memory_gib apply to draws='auto' only")
    tune = _check_count("tune", tune, 0)
    chains = _check_count("chains", chains, 1)
    if cores is not None:
        cores = _check_count("cores", cores, 1)
    if target_accept is not None and (
        isinstance(target_accept, bool) or not isinstance(target_accept, (float, int)) or not 0 < target_accept < 1
    ):
        raise ValueError(f"target_accept must be in (0, 1), got {target_accept!r}")
    design = prepare_data(X, y, standardize=standardize, family=family)
    spec.rules.validate(prior, design.n, design.p, family=family)
    cores = cores or min(chains, os.cpu_count() or 1)

    chosen = _choose_sampler(sampler, spec)
    if chosen == "gibbs":
        from ._idata import gibbs_to_idata
        from .samplers import sample_gibbs

        arrays, run = sample_gibbs(
            design,
            spec,
            draws=draws,
            tune=tune,
            chains=chains,
            thin=thin,
            random_seed=random_seed,
            progressbar=progressbar,
            cores=cores,
            auto=auto,
        )
        idata = gibbs_to_idata(arrays, design, spec)
    else:
        from .samplers.parallel import SamplingRun

        start = time.perf_counter()
        idata = _sample_nuts(
            design,
            spec,
            draws=draws * thin,
            tune=tune,
            chains=chains,
            random_seed=random_seed,
            progressbar=progressbar,
            target_accept=target_accept or default_target_accept(prior),
            nuts_sampler=nuts_sampler,
            cores=cores,
        )
        if thin > 1:
            idata = _thin_idata(idata, thin)
        run = SamplingRun("fixed", draws, thin, tune + draws * thin, time.perf_counter() - start)
    if spec.rules.shrinkage_factors:
        from ._idata import add_shrinkage

        add_shrinkage(idata, design, spec)
    from ._idata import conform_posterior

    conform_posterior(idata, spec)
    result = PosteriorFit(idata=idata, spec=spec, sampler=chosen, design=design, run=run)
    if posterior_predictive:
        _add_posterior_predictive(result, random_seed)
    result.check(warn=True)
    return result


def _thin_idata(idata, thin):
    """Every ``thin``-th draw of each draw-indexed group, renumbered 0..draws-1 (as the Gibbs output)."""
    for group in idata.groups():
        ds = idata[group]
        if "draw" in ds.dims:
            ds = ds.isel(draw=slice(thin - 1, None, thin))
            idata[group] = ds.assign_coords(draw=np.arange(ds.sizes["draw"]))
    return idata


def _choose_sampler(sampler, spec):
    # every registered prior has a Gibbs block, and every family a likelihood block
    return "gibbs" if sampler == "auto" else sampler


def _sample_nuts(design, spec, *, draws, tune, chains, random_seed, progressbar, target_accept, nuts_sampler, cores):
    import pymc as pm

    from .model import _build

    if nuts_sampler == "nutpie":
        try:
            import nutpie  # noqa: F401
        except ImportError:
            raise ImportError(
                "nuts_sampler='nutpie' needs the optional nutpie package: pip install 'bayes_sparse[nutpie]'"
            ) from None
    model = _build(design, spec)
    with model, warnings.catch_warnings():
        # PyMC's own convergence messages are replaced by our DiagnosticWarnings.
        warnings.filterwarnings("ignore", message=".*(r_hat|R-hat|effective sample size|divergen).*")
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            random_seed=random_seed,
            target_accept=target_accept,
            progressbar=progressbar,
            nuts_sampler=nuts_sampler,
            idata_kwargs={"log_likelihood": True},
            compute_convergence_checks=False,
            # start log sigma at the scale of y (models carry no initvals, so
            # that PyMC's model transforms for log_likelihood keep working)
            initvals={"log_sigma": float(np.log(np.std(design.yc)))} if spec.noise.kind == "jeffreys" else None,
        )
    return idata


def _add_posterior_predictive(result: PosteriorFit, random_seed):
    """Replicated data y_rep from the likelihood family, one per posterior draw."""
    import xarray as xr

    post = result.idata.posterior
    rng = np.random.default_rng(None if random_seed is None else [random_seed, 1])
    sigma = post["sigma"].values if "sigma" in post else None
    y_rep = result.spec.likelihood.predictive(
        rng, result.design.linear_predictor(post["beta"].values, post["intercept"].values), sigma
    )
    ds = xr.Dataset(
        {"y": (("chain", "draw", "obs"), y_rep)},
        coords={"chain": post["chain"].values, "draw": post["draw"].values, "obs": np.arange(result.design.n)},
    )
    result.idata.add_groups(posterior_predictive=ds)


def compare_priors(results, ic: str = "loo"):
    """Compare fits by PSIS-LOO (``az.compare``).

    Parameters
    ----------
    results : dict of name -> PosteriorFit, or list of PosteriorFit
        Lists are named by prior class (with a suffix when repeated).

    Returns
    -------
    pandas.DataFrame
        ``az.compare``'s table: rank, elpd_loo, p_loo, elpd_diff, weight, se, dse, warning.
    """
    if not isinstance(results, dict):
        named = {}
        for res in results:
            base = res.spec.rules.name
            name, k = base, 2
            while name in named:
                name, k = f"{base}_{k}", k + 1
            named[name] = res
        results = named
    if len(results) < 2:
        raise ValueError("compare_priors needs at least two fitted results")
    ref = next(iter(results.values())).design
    for name, res in results.items():
        if not isinstance(res, PosteriorFit):
            raise TypeError(f"{name!r} is not a fitted result of bs.fit")
        if res.design.n != ref.n or not np.array_equal(res.design.y, ref.y):
            raise ValueError(f"{name!r} was fit to different data; LOO comparison needs the same y")
    return loo_compare({k: v.idata for k, v in results.items()}, ic=ic)
