"""``fit``: full posteriors by MCMC (PyMC NUTS, or the dedicated Gibbs samplers).

Both samplers target the same posterior for the same specification
(DESIGN.md): ``y ~ N(intercept + X beta, sigma**2)``, flat prior on the
intercept, the coefficient prior of :mod:`bayes_sparse.priors` on the
(standardized) coefficients, and either a fixed sigma or the Jeffreys prior
``p(sigma**2) ∝ 1/sigma**2``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from ._data import prepare_data
from .diagnostics import loo_compare
from .model import _build, _check_sigma_spec
from .priors import Horseshoe, Laplace, check_prior
from .result import PosteriorFit

__all__ = ["fit", "compare_priors", "default_target_accept"]

SAMPLERS = ("auto", "nuts", "gibbs")


def default_target_accept(prior) -> float:
    """NUTS target acceptance per prior.

    The horseshoe's funnel needs small steps (0.95 regularized, 0.99 plain);
    the Laplace's kink at zero 0.9; the Gaussian is smooth (PyMC's 0.8).
    """
    if isinstance(prior, Horseshoe):
        return 0.95 if prior.regularized else 0.99
    if isinstance(prior, Laplace):
        return 0.9
    return 0.8


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def fit(
    X,
    y,
    prior,
    *,
    sampler: str = "auto",
    draws: int = 1000,
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
) -> PosteriorFit:
    """Sample the posterior of a sparse linear regression.

    Parameters
    ----------
    X : array-like (n, p) or DataFrame
    y : array-like (n,)
    prior : bs.Laplace, bs.Gaussian or bs.Horseshoe
    sampler : {"auto", "nuts", "gibbs"}
        "auto" uses the dedicated Gibbs sampler where one exists (all three
        priors with the Gaussian likelihood) and NUTS otherwise. Both target
        the same posterior (tested against each other).
    draws, tune, chains : int
        Kept draws per chain, warm-up iterations per chain, number of chains.
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

    Returns
    -------
    PosteriorFit
        ``.idata`` (ArviZ InferenceData), ``.summary()``, ``.diagnostics``,
        ``.predict()``. Failing convergence checks raise
        :class:`~bayes_sparse.diagnostics.DiagnosticWarning`.
    """
    check_prior(prior)
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    draws = _check_count("draws", draws, 1)
    tune = _check_count("tune", tune, 0)
    chains = _check_count("chains", chains, 1)
    thin = _check_count("thin", thin, 1)
    sigma = _check_sigma_spec(sigma)
    if target_accept is not None and not 0 < target_accept < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {target_accept}")
    design = prepare_data(X, y, standardize=standardize)
    if isinstance(prior, Horseshoe):
        prior.global_scale(design.n, design.p)  # validates expected_nonzero < p
    cores = cores or min(chains, os.cpu_count() or 1)

    chosen = _choose_sampler(sampler, prior)
    if chosen == "gibbs":
        from .gibbs import sample_gibbs

        idata = sample_gibbs(
            design, prior, sigma=sigma, draws=draws, tune=tune, chains=chains, thin=thin,
            random_seed=random_seed, progressbar=progressbar, cores=cores,
        )
    else:
        idata = _sample_nuts(
            design, prior, sigma, draws=draws * thin, tune=tune, chains=chains, random_seed=random_seed,
            progressbar=progressbar, target_accept=target_accept or default_target_accept(prior),
            nuts_sampler=nuts_sampler, cores=cores,
        )
        if thin > 1:
            idata = _thin_idata(idata, thin)
    if isinstance(prior, Horseshoe):
        from ._idata import add_shrinkage

        add_shrinkage(idata, design)
    fixed = sigma if isinstance(sigma, float) else None
    result = PosteriorFit(idata=idata, prior=prior, sampler=chosen, design=design, sigma_fixed=fixed)
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


def _choose_sampler(sampler, prior):
    if sampler != "auto":
        return sampler
    try:
        from .gibbs import supports

        return "gibbs" if supports(prior) else "nuts"
    except ImportError:
        return "nuts"


def _sample_nuts(design, prior, sigma, *, draws, tune, chains, random_seed, progressbar, target_accept, nuts_sampler, cores):
    import pymc as pm

    if nuts_sampler == "nutpie":
        try:
            import nutpie  # noqa: F401
        except ImportError:
            raise ImportError(
                "nuts_sampler='nutpie' needs the optional nutpie package: pip install 'bayes_sparse[nutpie]'"
            ) from None
    elif nuts_sampler != "pymc":
        raise ValueError(f"nuts_sampler must be 'pymc' or 'nutpie', got {nuts_sampler!r}")
    model = _build(design, prior, sigma)
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
            initvals={"log_sigma": float(np.log(np.std(design.yc)))} if sigma is None else None,
        )
    return idata


def _add_posterior_predictive(result: PosteriorFit, random_seed):
    """Replicated data y_rep ~ N(intercept + X beta, sigma**2), one per posterior draw."""
    import xarray as xr

    post = result.idata.posterior
    beta = post["beta"].values
    mu = post["intercept"].values[..., None] + beta @ result.design.X.T
    rng = np.random.default_rng(None if random_seed is None else [random_seed, 1])
    sig = np.broadcast_to(post["sigma"].values, mu.shape[:2])[..., None]
    y_rep = mu + sig * rng.standard_normal(mu.shape)
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
            base = type(res.prior).__name__.lower()
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
