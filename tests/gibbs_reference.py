"""Independent prior simulators and grid densities used by the Gibbs tests.

Written from the model definitions in DESIGN.md with numpy/scipy only (no
code shared with bayes_sparse.gibbs), so they are an independent truth.
"""

import numpy as np
from scipy import stats


def inv_gamma(rng, a, b, size=None):
    return stats.invgamma(a, scale=b).rvs(size=size, random_state=rng)


def prior_draw(rng, prior, noise, n, p):
    """(theta dict, prior variance of beta) from the prior. ``noise`` = (shape, rate) of sigma^2."""
    import bayes_sparse as bs

    sigma2 = inv_gamma(rng, *noise)
    th = {"sigma2": sigma2}
    if isinstance(prior, bs.Laplace):
        # the normal scale mixture (Park & Casella 2008): t_j ~ Exp(rate lam^2 / 2),
        # beta_j | t_j ~ N(0, sigma^2 t_j) (or N(0, t_j)); its marginal is Laplace
        # (test_laplace_scale_mixture_marginal)
        lam = prior.rate if not prior.has_hyperprior else np.sqrt(rng.gamma(prior.lam_shape, 1 / prior.lam_rate))
        t = rng.exponential(2.0 / lam**2, size=p)
        th["beta"] = np.sqrt(t * (sigma2 if prior.conditional else 1.0)) * rng.standard_normal(p)
        th["t"] = t
        th["lam2"] = lam**2
    elif isinstance(prior, bs.Gaussian):
        s2 = prior.scale**2 if not prior.has_hyperprior else inv_gamma(rng, prior.scale_shape, prior.scale_rate)
        sd = np.sqrt(s2 * (sigma2 if prior.conditional else 1.0))
        th["beta"] = rng.normal(0, sd, size=p)
        th["scale2"] = s2
    else:
        tau0 = prior.global_scale(n, p)
        tau = abs(stats.cauchy(scale=tau0).rvs(random_state=rng))
        lam = np.abs(stats.cauchy.rvs(size=p, random_state=rng))
        if prior.regularized:
            c2 = inv_gamma(rng, prior.slab_df / 2, prior.slab_df * prior.slab_scale**2 / 2)
            lt2 = c2 * lam**2 / (c2 + tau**2 * lam**2)
            th["c2"] = c2
        else:
            lt2 = lam**2
        th["beta"] = rng.normal(0, np.sqrt(sigma2) * tau * np.sqrt(lt2))
        th["tau2"] = tau**2
        th["lam2"] = lam**2
    return th


def centred_y(rng, Z, beta, sigma2):
    """y_c = C (Z beta + e): the centred data whose likelihood the Gibbs kernels use."""
    y = Z @ beta + np.sqrt(sigma2) * rng.standard_normal(Z.shape[0])
    return y - y.mean()


def batch_means_se(x, n_batches=50):
    x = np.asarray(x, dtype=float)
    m = len(x) // n_batches
    means = x[: m * n_batches].reshape(n_batches, m).mean(axis=1)
    return means.std(ddof=1) / np.sqrt(n_batches)


def grid_mean_and_cdf(logf, grid, points):
    """Mean and CDF at ``points`` of the density exp(logf) on a fine grid (trapezoid)."""
    lf = logf(grid)
    w = np.exp(lf - lf.max())
    Zn = np.trapezoid(w, grid)
    mean = np.trapezoid(grid * w, grid) / Zn
    cdf = np.array([np.trapezoid(np.where(grid <= q, w, 0.0), grid) / Zn for q in points])
    return mean, cdf


Z_MAX = 4.0  # |z| bound for Monte Carlo comparisons: P(|N(0,1)| > 4) = 6e-5 per check
QUARTILES = (0.25, 0.5, 0.75)


def check_against_grid(samples, logf, grid, se_fn):
    """Mean and CDF at the grid's quartiles: |sample - exact| < Z_MAX * se."""
    mean, _ = grid_mean_and_cdf(logf, grid, [])
    lf = logf(grid)
    w = np.exp(lf - lf.max())
    cdf = np.cumsum(w) / w.sum()
    points = [grid[np.searchsorted(cdf, q)] for q in QUARTILES]
    _, exact_cdf = grid_mean_and_cdf(logf, grid, points)
    z = [(samples.mean() - mean) / se_fn(samples)]
    for q, c in zip(points, exact_cdf):
        ind = (samples <= q).astype(float)
        z.append((ind.mean() - c) / max(se_fn(ind), 1e-12))
    assert np.all(np.abs(z) < Z_MAX), z


def iid_se(x):
    """Standard error of the mean of independent draws."""
    return np.std(x, ddof=1) / np.sqrt(len(x))
