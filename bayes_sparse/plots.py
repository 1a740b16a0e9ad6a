"""Figures: ``ax=None`` in, axes out. Matplotlib only; the numbers come from
:mod:`bayes_sparse.selection` and the posterior draws."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_coefficients", "plot_inclusion_vs_stability", "plot_paths", "plot_shrinkage", "bayesian_lasso_path"]


def _ax(ax, figsize=(6, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_coefficients(result, table=None, *, hdi_prob: float = 0.95, ax=None):
    """Forest plot: posterior median and HDI per coefficient, lasso (alpha_min) overlaid.

    One marker per feature for the median and, when ``table`` from
    :func:`~bayes_sparse.selection.compare_selection` is given, one per feature
    for the lasso estimate.
    """
    from .diagnostics import hdi

    ax = _ax(ax, (6, 0.35 * result.design.p + 1.2))
    draws = result.draws("beta")
    names = list(result.feature_names)
    ypos = np.arange(len(names))[::-1]
    iv = hdi(draws, hdi_prob)
    ax.hlines(ypos, iv[:, 0], iv[:, 1], color="C0", lw=2, label=f"{int(hdi_prob * 100)}% HDI")
    ax.plot(np.median(draws, 0), ypos, "o", color="C0", label="posterior median")
    if table is not None:
        ax.plot(table.loc[names, "lasso_min"].to_numpy(), ypos, "x", color="C3", ms=8, label="lasso (CV alpha_min)")
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(ypos)
    ax.set_yticklabels(names)
    ax.set_xlabel("coefficient (original scale)")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_inclusion_vs_stability(table, *, ax=None, annotate: bool = True):
    """Posterior inclusion probability against stability-selection frequency (one marker per feature)."""
    ax = _ax(ax)
    x, y = table["stability_freq"].to_numpy(), table["inclusion_prob"].to_numpy()
    colors = np.where(table["selected_bayes"].to_numpy(bool), "C3", "C0")
    ax.scatter(x, y, c=colors, s=30)
    if annotate:
        for name, xi, yi in zip(table.index, x, y):
            if xi > 0.2 or yi > 0.2:
                ax.annotate(str(name), (xi, yi), fontsize="x-small", xytext=(3, 3), textcoords="offset points")
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8)
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("stability-selection frequency")
    ax.set_ylabel("posterior inclusion probability P(|beta| > eps)")
    return ax


def bayesian_lasso_path(X, y, lams, *, draws: int = 1000, tune: int = 200, random_seed=0, standardize: bool = True):
    """Posterior medians of the Bayesian lasso (conditional Laplace, fixed lam) along ``lams``.

    Uses the Gibbs sampler (one chain per lam); returns (len(lams), p) medians
    on the original scale. The Park & Casella (2008, Fig. 1) companion of the lasso path.
    """
    from ._data import prepare_data
    from .gibbs import NoiseSpec, run_chain
    from .priors import Laplace

    design = prepare_data(X, y, standardize=standardize)
    seeds = np.random.SeedSequence(random_seed).spawn(len(lams))
    out = np.empty((len(lams), design.p))
    for k, lam in enumerate(lams):
        res = run_chain(Laplace(lam=float(lam)), NoiseSpec(), design.Z, design.yc, draws, tune, seeds[k])
        out[k] = np.median(res["beta"], axis=0) / design.x_scale
    return out


def plot_paths(X, y, *, lams=None, n_points: int = 20, standardize: bool = True, random_seed=0, axes=None):
    """Lasso coefficient path beside the Bayesian-lasso posterior-median path.

    Both against the relative L1 norm ``|beta|_1 / max |beta|_1`` (Park &
    Casella 2008, Figure 1). One line per feature in each panel.
    Returns the two axes.
    """
    import matplotlib.pyplot as plt

    from ._data import prepare_data
    from .selection import lasso_entry

    design = prepare_data(X, y, standardize=standardize)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    alphas, coefs, _ = lasso_entry(design.Z, design.yc, n_alphas=100)
    coefs = coefs / design.x_scale[:, None]
    l1 = np.abs(coefs * design.x_scale[:, None]).sum(0)
    for j, name in enumerate(design.feature_names):
        axes[0].plot(l1 / l1.max(), coefs[j], label=str(name))
    axes[0].set_title("lasso")
    if lams is None:
        lams = np.geomspace(0.05, 200.0, n_points)
    med = bayesian_lasso_path(X, y, lams, random_seed=random_seed, standardize=standardize)
    l1b = np.abs(med * design.x_scale).sum(1)
    for j, name in enumerate(design.feature_names):
        axes[1].plot(l1b / l1b.max(), med[:, j], label=str(name))
    axes[1].set_title("Bayesian lasso (posterior median)")
    for ax in axes:
        ax.axhline(0, color="0.7", lw=0.8)
        ax.set_xlabel("|beta|_1 / max |beta|_1")
    axes[0].set_ylabel("coefficient")
    if design.p <= 15:
        axes[1].legend(fontsize="x-small", loc="best")
    return axes


def plot_shrinkage(result, *, ax=None):
    """Horseshoe shrinkage profile: posterior mean of 1 - kappa_j per feature (one bar each)."""
    from .priors import Horseshoe
    from .selection import _mean_kappa

    if not isinstance(result.prior, Horseshoe):
        raise ValueError("plot_shrinkage needs a horseshoe fit (kappa is defined by its local/global scales)")
    ax = _ax(ax, (max(6, 0.25 * result.design.p), 3.5))
    keep = 1 - _mean_kappa(result)
    names = list(result.feature_names)
    ax.bar(np.arange(len(names)), keep, color=np.where(keep > 0.5, "C3", "C0"))
    ax.axhline(0.5, color="0.5", ls="--", lw=0.8)
    ax.set_xticks(np.arange(len(names)))
    ax.set_xticklabels(names, rotation=90, fontsize="x-small")
    ax.set_ylim(0, 1)
    ax.set_ylabel("1 - E[kappa]  (0 = shrunk to zero)")
    m_eff = float(result.draws("m_eff").mean()) if "m_eff" in result.idata.posterior else float(keep.sum())
    ax.set_title(f"horseshoe shrinkage; m_eff = {m_eff:.1f}")
    return ax
