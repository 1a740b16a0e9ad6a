"""Teaching figures: from prior to penalty, one slider at a time.

:func:`explore` shows, for one prior, how the prior, the likelihood and the
posterior move with the penalty ``lam`` and the noise sd ``sigma``:

* ``dim=1`` -- one standardized feature whose least-squares estimate is ``z``
  (``n`` observations, so ``z ~ N(beta, sigma**2 / n)``): the three densities,
  the MAP (for the Laplace prior the soft-thresholded ``z`` at the lasso's
  ``alpha = lam * sigma / n``) and the posterior mean and median; beside them
  the three shrinkage rules as functions of ``z``.
* ``dim=2`` -- two correlated features: contours of the residual sum of
  squares against the L1 ball (Laplace) or the L2 ball (Gaussian) through the
  MAP, the posterior density and its mean.

With :mod:`ipywidgets` installed (``pip install "bayes_sparse[teach]"``) the
figure sits under sliders; without it :func:`explore` returns the static
figure. :func:`small_multiples` draws the same for several ``lam`` side by
side (for the docs and for print).

The priors, with ``sigma`` the noise sd and ``lam`` the slider (all three are
conditional on sigma, so only ``lam`` sets their strength):

* ``"laplace"``: ``p(b | sigma) = lam / (2 sigma) exp(-lam |b| / sigma)``;
  MAP = ``Lasso(alpha = lam sigma / n)`` on the standardized feature.
* ``"gaussian"``: ``b | sigma ~ N(0, sigma**2 / lam)``; MAP =
  ``Ridge(alpha = lam)`` (objective ``||y - x b||**2 + alpha b**2``), i.e.
  ``z n / (n + lam)`` in one dimension.
* ``"horseshoe"``: ``b | l, sigma ~ N(0, sigma**2 tau**2 l**2)``,
  ``l ~ C+(0, 1)`` with the global scale fixed at ``tau = 1 / lam``; the
  marginal density is ``exp(u) E1(u) / (sigma tau sqrt(2 pi**3))`` with
  ``u = b**2 / (2 sigma**2 tau**2)`` (Carvalho, Polson & Scott 2010),
  unbounded at 0, so there is no MAP.

Nothing here calls :mod:`matplotlib.pyplot`: figures are
:class:`matplotlib.figure.Figure` objects (a notebook shows one that is the
value of a cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy import special
from scipy.integrate import trapezoid

__all__ = [
    "PRIORS",
    "Posterior1D",
    "Posterior2D",
    "soft_threshold",
    "prior_logpdf",
    "posterior_1d",
    "posterior_2d",
    "plot_1d",
    "plot_rules",
    "plot_2d",
    "explore_figure",
    "explore",
    "small_multiples",
]

PRIORS = ("laplace", "gaussian", "horseshoe")
#: The 1-D grid covers z +- GRID_HALF_WIDTH standard errors (and 0).
GRID_HALF_WIDTH = 10.0
#: Points of the uniform part of the 1-D grid (a geometric cluster is added on each side of 0).
GRID_POINTS = 4001
#: Points per axis of the 2-D grid.
GRID_POINTS_2D = 241


# ----------------------------------------------------------------------------- checks
def _check_prior(prior) -> str:
    if not isinstance(prior, str):
        raise TypeError(f"prior must be one of {PRIORS} (a string), got {prior!r}")
    key = prior.lower()
    if key not in PRIORS:
        raise ValueError(f"unknown prior {prior!r}; choose one of {PRIORS}")
    return key


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def _check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _check_dim(dim):
    if dim not in (1, 2) or isinstance(dim, bool):
        raise ValueError(f"dim must be 1 or 2, got {dim!r}")
    return int(dim)


# ----------------------------------------------------------------------------- densities
def soft_threshold(z, alpha):
    """The lasso in one standardized dimension: ``sign(z) max(|z| - alpha, 0)``."""
    z = np.asarray(z, dtype=float)
    return np.sign(z) * np.maximum(np.abs(z) - alpha, 0.0)


def _log_exp_e1(u):
    """``log(exp(u) E1(u))`` for u > 0 without overflow (asymptotic series for large u)."""
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    small = u < 50
    out[small] = u[small] + np.log(special.exp1(u[small]))
    ub = u[~small]
    out[~small] = -np.log(ub) + np.log1p(-1 / ub + 2 / ub**2 - 6 / ub**3)
    return out


def prior_logpdf(prior: str, beta, *, lam: float, sigma: float):
    """Log prior density of one coefficient (see the module docstring for the three densities).

    Returns ``inf`` at ``beta = 0`` for the horseshoe.
    """
    prior = _check_prior(prior)
    lam, sigma = _check_positive("lam", lam), _check_positive("sigma", sigma)
    b = np.asarray(beta, dtype=float)
    if prior == "laplace":
        return np.log(lam / (2 * sigma)) - lam * np.abs(b) / sigma
    if prior == "gaussian":
        var = sigma**2 / lam
        return -0.5 * np.log(2 * np.pi * var) - b**2 / (2 * var)
    s = sigma / lam  # sigma * tau
    u = b**2 / (2 * s**2)
    with np.errstate(divide="ignore"):
        out = np.where(u > 0, _log_exp_e1(np.where(u > 0, u, 1.0)), np.inf)
    return out - np.log(s * np.sqrt(2 * np.pi**3))


def _map_1d(prior, z, *, lam, sigma, n):
    if prior == "laplace":
        return soft_threshold(z, lam * sigma / n)
    if prior == "gaussian":
        return np.asarray(z, dtype=float) * n / (n + lam)
    return None


def _grid_1d(z, se):
    lo = min(z, 0.0) - GRID_HALF_WIDTH * se
    hi = max(z, 0.0) + GRID_HALF_WIDTH * se
    near0 = np.geomspace(1e-9 * se, se, 400)
    g = np.concatenate([np.linspace(lo, hi, GRID_POINTS), near0, -near0])
    g = np.unique(g[(g >= lo) & (g <= hi) & (g != 0)])
    return g


@dataclass(frozen=True)
class Posterior1D:
    """One coefficient's prior, likelihood and posterior on a grid (``sigma`` fixed).

    Attributes
    ----------
    prior, lam, sigma, z, n :
        The set-up (``z`` the least-squares estimate from ``n`` observations).
    alpha : float or None
        The scikit-learn penalty of the MAP: ``Lasso(alpha)`` (Laplace) or
        ``Ridge(alpha)`` (Gaussian); None for the horseshoe.
    map : float or None
        The posterior mode; None for the horseshoe (unbounded density at 0).
    mean, median : float
        Posterior mean and median (trapezoid rule on the grid).
    grid, prior_pdf, likelihood, posterior_pdf : ndarray
        Densities in beta on the grid (the likelihood normalised as a density).
    """

    prior: str
    lam: float
    sigma: float
    z: float
    n: int
    alpha: float | None
    map: float | None
    mean: float
    median: float
    grid: np.ndarray
    prior_pdf: np.ndarray
    likelihood: np.ndarray
    posterior_pdf: np.ndarray


def posterior_1d(
    prior: str = "laplace", *, lam: float = 1.0, sigma: float = 1.0, z: float = 1.5, n: int = 1
) -> Posterior1D:
    """Posterior of one standardized coefficient with ``sigma`` fixed.

    The likelihood of the least-squares estimate is ``z | b ~ N(b, sigma**2 / n)``,
    so ::

        p(b | z) ∝ exp(-n (z - b)**2 / (2 sigma**2)) p(b | sigma)

    with the prior named by ``prior`` (module docstring). Mean and median are
    integrals on a grid of ``z +- 10`` standard errors, refined geometrically
    near 0 (the Laplace kink, the horseshoe's integrable log-singularity).
    """
    prior = _check_prior(prior)
    lam, sigma = _check_positive("lam", lam), _check_positive("sigma", sigma)
    z = _check_real("z", z)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    se = sigma / np.sqrt(n)
    g = _grid_1d(z, se)
    logprior = prior_logpdf(prior, g, lam=lam, sigma=sigma)
    loglik = -0.5 * ((g - z) / se) ** 2
    logpost = logprior + loglik
    post = np.exp(logpost - logpost.max())
    post /= trapezoid(post, g)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (post[1:] + post[:-1]) * np.diff(g))])
    median = float(np.interp(0.5, cdf / cdf[-1], g))
    mean = float(trapezoid(g * post, g))
    m = _map_1d(prior, z, lam=lam, sigma=sigma, n=n)
    alpha = {"laplace": lam * sigma / n, "gaussian": lam, "horseshoe": None}[prior]
    return Posterior1D(
        prior=prior,
        lam=lam,
        sigma=sigma,
        z=z,
        n=int(n),
        alpha=alpha,
        map=None if m is None else float(m),
        mean=mean,
        median=median,
        grid=g,
        prior_pdf=np.exp(logprior),
        likelihood=np.exp(loglik) / (se * np.sqrt(2 * np.pi)),
        posterior_pdf=post,
    )


# ----------------------------------------------------------------------------- 2-D
def _toy_2d(rho=0.6, n=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ np.linalg.cholesky(np.array([[1, rho], [rho, 1]])).T
    y = X @ np.array([1.5, 0.3]) + rng.normal(size=n)
    Z = X - X.mean(0)
    Z /= Z.std(0)
    return Z, y - y.mean()


@dataclass(frozen=True)
class Posterior2D:
    """Two standardized coefficients: RSS, posterior on a grid, MAP and posterior mean.

    ``map`` is the lasso (Laplace; scikit-learn ``Lasso(alpha = lam sigma / n)``)
    or ridge (Gaussian; ``Ridge(alpha = lam)``) solution, None for the horseshoe.
    """

    prior: str
    lam: float
    sigma: float
    alpha: float | None
    b1: np.ndarray
    b2: np.ndarray
    rss: np.ndarray
    posterior_pdf: np.ndarray
    ols: np.ndarray
    map: np.ndarray | None
    mean: np.ndarray
    rss_map: float | None = None


def posterior_2d(prior: str = "laplace", *, lam: float = 1.0, sigma: float = 1.0, data=None) -> Posterior2D:
    """Posterior of two standardized coefficients with ``sigma`` fixed, on a grid.

    ``p(b | y) ∝ exp(-||y_c - Z b||**2 / (2 sigma**2)) p(b_1 | sigma) p(b_2 | sigma)``.
    ``data=(Z, y_c)`` gives the centred design (n, 2) and response; by default
    a fixed toy problem (n = 50, correlation 0.6, true b = (1.5, 0.3)).
    """
    from .map import solve_lasso

    prior = _check_prior(prior)
    lam, sigma = _check_positive("lam", lam), _check_positive("sigma", sigma)
    Z, yc = _toy_2d() if data is None else (np.asarray(data[0], float), np.asarray(data[1], float))
    if Z.ndim != 2 or Z.shape[1] != 2 or yc.shape != (Z.shape[0],):
        raise ValueError(
            f"data must be (Z, y_c) with Z of shape (n, 2) and y_c of shape (n,), got {Z.shape} and {yc.shape}"
        )
    n = Z.shape[0]
    G, r = Z.T @ Z, Z.T @ yc
    ols = np.linalg.solve(G, r)
    if prior == "laplace":
        alpha = lam * sigma / n
        mode = solve_lasso(Z, yc, alpha).beta
    elif prior == "gaussian":
        alpha = lam
        mode = np.linalg.solve(G + lam * np.eye(2), r)
    else:
        alpha, mode = None, None
    cov = sigma**2 * np.linalg.inv(G)
    half = 5 * np.sqrt(np.diag(cov)).max()
    lo = min(ols.min(), 0.0) - half
    hi = max(ols.max(), 0.0) + half
    # an even number of points: no grid point on the axes, where the horseshoe density is infinite
    g = np.linspace(lo, hi, GRID_POINTS_2D + 1)
    g = 0.5 * (g[1:] + g[:-1])
    B1, B2 = np.meshgrid(g, g)
    rss = yc @ yc - 2 * (r[0] * B1 + r[1] * B2) + G[0, 0] * B1**2 + 2 * G[0, 1] * B1 * B2 + G[1, 1] * B2**2
    logpost = (
        -rss / (2 * sigma**2)
        + prior_logpdf(prior, B1, lam=lam, sigma=sigma)
        + prior_logpdf(prior, B2, lam=lam, sigma=sigma)
    )
    post = np.exp(logpost - logpost.max())
    post /= post.sum()
    mean = np.array([(B1 * post).sum(), (B2 * post).sum()])
    rss_map = None if mode is None else float(np.sum((yc - Z @ mode) ** 2))
    return Posterior2D(prior, lam, sigma, alpha, B1, B2, rss, post, ols, mode, mean, rss_map)


# ----------------------------------------------------------------------------- figures
def _figure(**kwargs):
    """A figure that IPython shows as PNG (no pyplot, no backend needed): :func:`bayes_sparse._figures.new_figure`."""
    from ._figures import new_figure

    return new_figure(**kwargs)


def _new_axes(ncols, figsize):
    fig = _figure(figsize=figsize, layout="constrained")
    return fig.subplots(1, ncols, squeeze=False)[0]


def plot_1d(post: Posterior1D, *, ax=None, legend: bool = True):
    """Prior, likelihood and posterior densities with the MAP, mean and median marked. Returns the axes."""
    ax = _new_axes(1, (5.5, 3.8))[0] if ax is None else ax
    g = post.grid
    ax.plot(g, post.prior_pdf, color="C0", label="prior")
    ax.plot(g, post.likelihood, color="0.5", ls="--", label=f"likelihood (z = {post.z:g})")
    ax.plot(g, post.posterior_pdf, color="C3", lw=2, label="posterior")
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    se = post.sigma / np.sqrt(post.n)
    away = np.abs(g) > 0.02 * se  # the horseshoe's spike at 0 would flatten everything else
    top = 1.15 * max(post.posterior_pdf[away].max(), post.likelihood.max())
    if post.map is not None:
        what = "soft-threshold" if post.prior == "laplace" else "ridge"
        ax.axvline(post.map, color="C3", lw=1.5, label=f"MAP = {post.map:.3f} ({what}, alpha = {post.alpha:.3g})")
    else:
        ax.text(0.02, 0.95, "no MAP: density unbounded at 0", transform=ax.transAxes, fontsize="small", va="top")
    ax.axvline(post.mean, color="k", ls=":", label=f"posterior mean = {post.mean:.3f}")
    ax.axvline(post.median, color="C2", ls="-.", label=f"posterior median = {post.median:.3f}")
    ax.set_ylim(0, top)
    ax.set_xlim(min(post.z, 0.0) - 4 * se, max(post.z, 0.0) + 4 * se)
    ax.set_xlabel("beta")
    ax.set_ylabel("density")
    ax.set_title(f"{post.prior}: lam = {post.lam:g}, sigma = {post.sigma:g}")
    if legend:
        ax.legend(fontsize="x-small", loc="upper right")
    return ax


def _rules(prior, *, lam, sigma, n, zmax):
    zs = np.linspace(-zmax, zmax, 41)
    rows = [posterior_1d(prior, lam=lam, sigma=sigma, z=float(z), n=n) for z in zs]
    return zs, np.array([r.mean for r in rows]), np.array([r.median for r in rows])


def plot_rules(prior: str, *, lam: float, sigma: float, n: int = 1, z: float | None = None, zmax: float = 3.0, ax=None):
    """The MAP, posterior mean and median as functions of the least-squares estimate z. Returns the axes."""
    prior = _check_prior(prior)
    ax = _new_axes(1, (4.5, 3.8))[0] if ax is None else ax
    zs, means, medians = _rules(prior, lam=lam, sigma=sigma, n=n, zmax=zmax)
    zf = np.linspace(-zmax, zmax, 401)
    m = _map_1d(prior, zf, lam=lam, sigma=sigma, n=n)
    ax.plot(zf, zf, color="0.8", lw=0.8, label="no shrinkage")
    if m is not None:
        ax.plot(zf, m, color="C3", lw=1.5, label="MAP")
    ax.plot(zs, means, color="k", ls=":", label="posterior mean")
    ax.plot(zs, medians, color="C2", ls="-.", label="posterior median")
    if z is not None:
        ax.axvline(z, color="0.5", ls="--", lw=0.8)
    ax.set_xlabel("least-squares estimate z")
    ax.set_ylabel("estimate of beta")
    ax.set_title("shrinkage rules")
    ax.legend(fontsize="x-small", loc="upper left")
    return ax


def plot_2d(post: Posterior2D, *, ax=None, legend: bool = True):
    """RSS contours, the prior's ball through the MAP, posterior contours, MAP and mean. Returns the axes."""
    ax = _new_axes(1, (4.6, 4.4))[0] if ax is None else ax
    B1, B2 = post.b1, post.b2
    # RSS grows by sigma**2 k**2 on the k-th ellipse
    ax.contour(
        B1, B2, post.rss, levels=post.rss.min() + post.sigma**2 * np.arange(1, 9) ** 2, colors="0.6", linewidths=0.7
    )
    flat = np.sort(post.posterior_pdf.ravel())[::-1]
    mass = np.cumsum(flat)
    hpd = [flat[min(np.searchsorted(mass, q), flat.size - 1)] for q in (0.95, 0.5)]
    ax.contourf(B1, B2, post.posterior_pdf, levels=[hpd[0], hpd[1], flat[0]], colors=["#c6dbef", "#6baed6"], alpha=0.8)
    if post.map is not None:
        if post.prior == "laplace":
            t = np.abs(post.map).sum()
            ax.fill([t, 0, -t, 0], [0, t, 0, -t], color="C1", alpha=0.25, label=f"L1 ball |b|_1 = {t:.2f}")
        else:
            rad = np.hypot(*post.map)
            th = np.linspace(0, 2 * np.pi, 300)
            ax.fill(rad * np.cos(th), rad * np.sin(th), color="C1", alpha=0.25, label=f"L2 ball |b|_2 = {rad:.2f}")
        # the RSS contour through the MAP touches the ball there
        ax.contour(B1, B2, post.rss, levels=[post.rss_map], colors="C3", linewidths=1.2)
        ax.plot(*post.map, "x", color="C3", ms=10, mew=2.5, label=f"MAP ({post.map[0]:.2f}, {post.map[1]:.2f})")
    else:
        ax.text(0.02, 0.02, "horseshoe: no MAP", transform=ax.transAxes, fontsize="small")
    ax.plot(*post.mean, "o", color="k", ms=5, label=f"posterior mean ({post.mean[0]:.2f}, {post.mean[1]:.2f})")
    ax.plot(*post.ols, "+", color="0.3", ms=9, label="least squares")
    ax.axhline(0, color="0.8", lw=0.7)
    ax.axvline(0, color="0.8", lw=0.7)
    ax.set_aspect("equal")
    ax.set_xlabel("beta_1")
    ax.set_ylabel("beta_2")
    a = "" if post.alpha is None else f", alpha = {post.alpha:.3g}"
    ax.set_title(f"{post.prior}: lam = {post.lam:g}, sigma = {post.sigma:g}{a}", fontsize="small")
    if legend:
        ax.legend(fontsize="xx-small", loc="lower right")
    return ax


def explore_figure(
    prior: str = "laplace", *, dim: int = 1, lam: float = 1.0, sigma: float = 1.0, z: float = 1.5, n: int = 1
):
    """The explorer's figure at fixed values (what :func:`explore` shows under its sliders).

    ``dim=1``: densities (:func:`plot_1d`) beside the shrinkage rules
    (:func:`plot_rules`); ``dim=2``: :func:`plot_2d` on the toy problem.
    Returns a :class:`matplotlib.figure.Figure`.
    """
    prior = _check_prior(prior)
    dim = _check_dim(dim)
    if dim == 1:
        post = posterior_1d(prior, lam=lam, sigma=sigma, z=z, n=n)
        axes = _new_axes(2, (10, 3.9))
        plot_1d(post, ax=axes[0])
        plot_rules(prior, lam=lam, sigma=sigma, n=n, z=z, zmax=max(3.0, 1.5 * abs(z)), ax=axes[1])
    else:
        axes = _new_axes(1, (5.2, 5.0))
        plot_2d(posterior_2d(prior, lam=lam, sigma=sigma), ax=axes[0])
    return axes[0].figure


def small_multiples(
    prior: str = "laplace", *, lams=(0.25, 1.0, 2.0, 4.0), dim: int = 1, sigma: float = 1.0, z: float = 1.5, n: int = 1
):
    """The explorer for several ``lam`` side by side (a static figure for the docs).

    Returns a :class:`matplotlib.figure.Figure` with one panel per ``lam``.
    """
    prior = _check_prior(prior)
    dim = _check_dim(dim)
    lams = [_check_positive("lam", v) for v in np.atleast_1d(lams).tolist()]
    if not lams:
        raise ValueError("lams must hold at least one value")
    axes = _new_axes(len(lams), (3.4 * len(lams), 3.4 if dim == 1 else 3.6))
    for i, (ax, lam) in enumerate(zip(axes, lams)):
        if dim == 1:
            plot_1d(posterior_1d(prior, lam=lam, sigma=sigma, z=z, n=n), ax=ax, legend=False)
            if i == len(lams) - 1:
                ax.legend(fontsize="xx-small", loc="upper right", handlelength=1.2)
        else:
            plot_2d(posterior_2d(prior, lam=lam, sigma=sigma), ax=ax, legend=i == len(lams) - 1)
        ax.set_title(f"lam = {lam:g}", fontsize="small")
    axes[0].figure.suptitle(f"{prior} prior, sigma = {sigma:g}" + (f", z = {z:g}" if dim == 1 else ""))
    return axes[0].figure


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


def explore(
    prior: str = "laplace",
    *,
    dim: int = 1,
    lam: float = 1.0,
    sigma: float = 1.0,
    z: float = 1.5,
    n: int = 1,
    widgets: bool | None = None,
):
    """Interactive prior -> posterior explorer with sliders for ``lam`` and ``sigma`` (and ``z`` in 1-D).

    Parameters
    ----------
    prior : {"laplace", "gaussian", "horseshoe"}
        Densities in the module docstring.
    dim : {1, 2}
        One coefficient (densities and shrinkage rules) or two (RSS contours
        against the prior's ball).
    lam, sigma, z, n : float
        Starting values: penalty, noise sd, least-squares estimate, sample size.
    widgets : bool, optional
        None (default): sliders when :mod:`ipywidgets` is installed, else the
        static figure. True: require ipywidgets. False: always static.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The sliders with their figure, or the static figure
        (:func:`explore_figure`).
    """
    prior = _check_prior(prior)
    dim = _check_dim(dim)
    if widgets is not None and not isinstance(widgets, (bool, np.bool_)):
        raise TypeError(f"widgets must be True, False or None, got {widgets!r}")
    fig = explore_figure(prior, dim=dim, lam=lam, sigma=sigma, z=z, n=n)  # validates the values too
    w = _ipywidgets() if widgets is not False else None
    if w is None:
        if widgets:
            raise ImportError('explore(widgets=True) needs ipywidgets: pip install "bayes_sparse[teach]"')
        return fig
    return _widget_box(w, fig, prior=prior, dim=dim, lam=lam, sigma=sigma, z=z, n=n)


def _png(fig, **kwargs) -> bytes:
    from ._figures import png_bytes

    return png_bytes(fig, **kwargs)


def _widget_box(w, fig, *, prior, dim, lam, sigma, z, n):
    image = w.Image(value=_png(fig), format="png")
    controls = {
        "lam": w.FloatLogSlider(
            value=lam, base=10, min=-2, max=2, step=0.02, description="lam", continuous_update=False
        ),
        "sigma": w.FloatLogSlider(
            value=sigma, base=10, min=-1, max=1, step=0.02, description="sigma", continuous_update=False
        ),
    }
    if dim == 1:
        controls["z"] = w.FloatSlider(value=z, min=-4, max=4, step=0.05, description="z", continuous_update=False)

    def update(_change=None):
        vals = {k: c.value for k, c in controls.items()}
        image.value = _png(explore_figure(prior, dim=dim, n=n, **{"z": z, **vals}))

    for c in controls.values():
        c.observe(update, names="value")
    return w.VBox([w.HBox(list(controls.values())), image])
