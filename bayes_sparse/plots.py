"""Figures: ``ax=None`` in, axes out. Matplotlib only; the numbers come from
:mod:`bayes_sparse.selection` and the posterior draws.

Figures are built as :class:`matplotlib.figure.Figure` objects, never through
``pyplot``, so nothing here touches global plotting state (backends, the
current figure); in a notebook show one with ``ax.figure``. Per-feature
figures show the ``top`` features (default :data:`TOP`) so they read at any p,
and their size in inches is capped (:data:`MAX_INCHES`); the one figure over
all features is :func:`plot_inclusion_manhattan` (markers rasterized).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "plot_coefficients",
    "plot_inclusion_vs_stability",
    "plot_inclusion_manhattan",
    "plot_paths",
    "plot_shrinkage",
    "bayesian_lasso_path",
    "top_features",
    "TOP",
]

#: Features shown by the per-feature figures unless ``top=`` says otherwise.
TOP = 30
#: Largest side of a figure made here, in inches (x 90 dpi in the report:
#: 1,800 px, well below the 4,096 px a browser or viewer may refuse).
MAX_INCHES = 20.0
#: Above this many markers a scatter is rasterized (one image, not one vector
#: object per feature) when saved to a vector format.
RASTERIZE_ABOVE = 500


def _ax(ax, figsize=(6, 4)):
    if ax is not None:
        return ax
    from ._figures import new_figure

    w, h = figsize
    fig = new_figure(figsize=(min(w, MAX_INCHES), min(h, MAX_INCHES)))
    return fig.add_subplot()


def top_features(result, table=None, top: int | None = TOP):
    """Indices of the ``top`` features by posterior inclusion probability, most probable first.

    ``table`` from :func:`~bayes_sparse.selection.compare_selection` supplies
    ``inclusion_prob``; without it the probability is computed from the draws
    with the default threshold. Ties are broken by ``|posterior mean|``, then
    by feature order. ``top=None`` keeps every feature (in that order).
    """
    from .selection import default_eps, inclusion_prob

    draws = result.draws("beta")
    if table is not None:
        names = list(result.feature_names)
        pi = table.loc[names, "inclusion_prob"].to_numpy(float)
    else:
        pi = inclusion_prob(draws, default_eps(result.design.X, result.design.y, result.spec.family))
    size = np.abs(draws.mean(0))
    order = np.lexsort((np.arange(pi.size), -size, -pi))
    return order if top is None else order[: int(top)]


def plot_coefficients(result, table=None, *, hdi_prob: float = 0.95, top: int | None = TOP, ax=None):
    """Forest plot: posterior median and HDI of the ``top`` features, lasso (alpha_min) overlaid.

    Features are the ``top`` most probable by posterior inclusion probability
    (:func:`top_features`), the most probable at the top; one marker per shown
    feature for the median and, when ``table`` from
    :func:`~bayes_sparse.selection.compare_selection` holds the lasso, one for
    the lasso estimate.
    """
    from .diagnostics import hdi

    idx = top_features(result, table, top)
    k = idx.size
    ax = _ax(ax, (6, 0.35 * k + 1.2))
    draws = result.draws("beta")[:, idx]
    names = [str(result.feature_names[j]) for j in idx]
    ypos = np.arange(k)[::-1]
    iv = hdi(draws, hdi_prob)
    ax.hlines(ypos, iv[:, 0], iv[:, 1], color="C0", lw=2, label=f"{int(hdi_prob * 100)}% HDI")
    ax.plot(np.median(draws, 0), ypos, "o", color="C0", label="posterior median")
    if table is not None and "lasso_min" in table:
        lasso = table.loc[[result.feature_names[j] for j in idx], "lasso_min"].to_numpy(float)
        ax.plot(lasso, ypos, "x", color="C3", ms=8, label="lasso (CV alpha_min)")
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(ypos)
    ax.set_yticklabels(names, fontsize="small" if k > 15 else None)
    ax.set_xlabel("coefficient (original scale)")
    p = result.design.p
    if k < p:
        ax.set_title(f"top {k} of {p} features by posterior inclusion probability", fontsize="medium")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_inclusion_vs_stability(table, *, ax=None, annotate: bool = True, top: int | None = TOP):
    """Posterior inclusion probability against stability-selection frequency (one marker per feature).

    The ``top`` features by inclusion probability that are visibly away from
    the origin (either value above 0.2) are labelled; the markers are
    rasterized above :data:`RASTERIZE_ABOVE` features.
    """
    ax = _ax(ax)
    x, y = table["stability_freq"].to_numpy(), table["inclusion_prob"].to_numpy()
    colors = np.where(table["selected_bayes"].to_numpy(bool), "C3", "C0")
    size = 30 if len(x) <= RASTERIZE_ABOVE else 8
    ax.scatter(x, y, c=colors, s=size, rasterized=len(x) > RASTERIZE_ABOVE)
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8)
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    if annotate:
        order = np.argsort(-y, kind="stable")
        show = [j for j in (order if top is None else order[: int(top)]) if x[j] > 0.2 or y[j] > 0.2]
        away = (x > 0.2) | (y > 0.2)  # markers the labels must not cover (the cloud at the origin has none)
        _place_labels(ax, x[show], y[show], [str(table.index[j]) for j in show], markers=(x[away], y[away], size))
    ax.set_xlabel("stability-selection frequency")
    ax.set_ylabel("posterior inclusion probability P(|beta| > eps)")
    return ax


#: Points closer than this (in axis units, both ways) share one label.
LABEL_GROUP_RADIUS = 0.03
#: Names listed in one shared label before "+k more".
LABEL_MAX_NAMES = 4


def _renderer(fig):
    """A renderer to measure text with: the canvas's own (Agg), else an Agg one of the figure's size
    (the library's figures have a bare canvas until saved)."""
    if hasattr(fig.canvas, "get_renderer"):
        return fig.canvas.get_renderer()
    from matplotlib.backends.backend_agg import RendererAgg

    w, h = fig.get_size_inches() * fig.dpi
    return RendererAgg(int(w), int(h), fig.dpi)


def _text_box(annotation, renderer):
    """The display box of an annotation's text alone (its own extent includes the leader line)."""
    from matplotlib.text import Text

    annotation.update_positions(renderer)  # the text's place follows its point (set at draw time)
    return Text.get_window_extent(annotation, renderer)


def _place_labels(ax, xs, ys, names, fontsize="x-small", markers=None):
    """Label points on a [0, 1]^2 axes so that no two labels overlap.

    Points within :data:`LABEL_GROUP_RADIUS` of a group's first point share one
    label listing their names (the selected features often all sit at (1, 1)).
    Each label goes beside its point, towards the middle of the axes, and is
    pushed vertically, with a leader line, until its box clears every label
    placed before it and the ``markers`` (``(x, y, size in points^2)``) it
    would cover. Returns the annotations.
    """
    from matplotlib.transforms import Bbox

    groups = []  # [x, y, names]
    for x, y, name in zip(xs, ys, names):
        for g in groups:
            if abs(g[0] - x) <= LABEL_GROUP_RADIUS and abs(g[1] - y) <= LABEL_GROUP_RADIUS:
                g[2].append(name)
                break
        else:
            groups.append([x, y, [name]])
    renderer = _renderer(ax.figure)
    to_points = 72.0 / ax.figure.dpi
    placed, out = [], []
    if markers is not None:
        mx, my, size = markers
        half = 0.5 * math.sqrt(size) / to_points  # marker radius in pixels
        for px, py in ax.transData.transform(np.column_stack([mx, my])) if len(mx) else []:
            placed.append(Bbox([[px - half, py - half], [px + half, py + half]]))
    for x, y, members in groups:
        shown = members[:LABEL_MAX_NAMES]
        lines = [", ".join(shown[i : i + 2]) for i in range(0, len(shown), 2)]
        if len(members) > len(shown):
            lines.append(f"+{len(members) - len(shown)} more")
        left = x > 0.6  # text to the left of points near the right edge
        down = y > 0.6  # and below points near the top
        dx, dy = (-4.0 if left else 4.0), (-3.0 if down else 3.0)
        ha, va = ("right" if left else "left"), ("top" if down else "bottom")
        style = dict(textcoords="offset points", fontsize=fontsize, ha=ha, va=va)
        ann = ax.annotate("\n".join(lines), (x, y), xytext=(dx, dy), **style)
        for _ in range(50):
            box = _text_box(ann, renderer)
            hits = [b for b in placed if box.overlaps(b)]
            if not hits:
                break
            # move away from the point just far enough to clear the lowest (highest) label hit
            shift = (box.y1 - min(b.y0 for b in hits)) if down else (max(b.y1 for b in hits) - box.y0)
            dy += (-1.0 if down else 1.0) * (shift * to_points + 1.0)
            ann.set_position((dx, dy))
        if abs(dy) > 3.0:  # moved: the same text with a leader line to its point
            ann.remove()
            leader = dict(arrowstyle="-", lw=0.5, color="0.5", shrinkA=0, shrinkB=2)
            ann = ax.annotate("\n".join(lines), (x, y), xytext=(dx, dy), arrowprops=leader, **style)
        placed.append(_text_box(ann, renderer))
        out.append(ann)
    return out


def plot_inclusion_manhattan(table, *, ax=None, label: int = 10, selected: str = "selected_bayes"):
    """Posterior inclusion probability of every feature against its position ("Manhattan" plot).

    One marker per feature, in table order, rasterized (so its size does not
    grow with p in vector formats); ``selected`` features in red, the
    ``label`` most probable named. The dashed line is the smallest inclusion
    probability among the selected features (the cut of the Bayesian-FDR rule).
    """
    ax = _ax(ax, (10, 3.2))
    pi = table["inclusion_prob"].to_numpy(float)
    sel = table[selected].to_numpy(bool) if selected in table else np.zeros(pi.size, bool)
    pos = np.arange(pi.size)
    small = 10 if pi.size <= RASTERIZE_ABOVE else 4
    ax.scatter(pos[~sel], pi[~sel], s=small, color="C0", alpha=0.6, lw=0, rasterized=True, label="not selected")
    ax.scatter(pos[sel], pi[sel], s=3 * small, color="C3", lw=0, rasterized=True, label="selected")
    if sel.any():
        ax.axhline(pi[sel].min(), color="C3", ls="--", lw=0.8)
    for j in np.argsort(-pi, kind="stable")[: max(0, int(label))]:
        if pi[j] > 0:
            ax.annotate(
                str(table.index[j]), (pos[j], pi[j]), fontsize="x-small", xytext=(2, 2), textcoords="offset points"
            )
    ax.set_xlim(-0.01 * pi.size - 1, 1.01 * pi.size)
    ax.set_ylim(-0.03, 1.08)
    ax.set_xlabel(f"feature (position among the {pi.size} features)")
    ax.set_ylabel("P(|beta| > eps | y)")
    # above the axes: inside, it would hide the selected features at the top right
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncol=2, fontsize="x-small", frameon=False)
    return ax


def bayesian_lasso_path(X, y, lams, *, draws: int = 1000, tune: int = 200, random_seed=0, standardize: bool = True):
    """Posterior medians of the Bayesian lasso (conditional Laplace, fixed lam) along ``lams``.

    Uses the Gibbs sampler (one chain per lam); returns (len(lams), p) medians
    on the original scale. The Park & Casella (2008, Fig. 1) companion of the lasso path.
    """
    from ._data import prepare_data
    from .priors import Laplace
    from .samplers.chain import run_chain
    from .spec import NoiseSpec, rules_for

    design = prepare_data(X, y, standardize=standardize)
    seeds = np.random.SeedSequence(random_seed).spawn(len(lams))
    out = np.empty((len(lams), design.p))
    for k, lam in enumerate(lams):
        prior = Laplace(lam=float(lam))
        rules = rules_for(prior)
        res = run_chain(
            rules.name,
            rules.sampler_spec(prior, design.n, design.p),
            NoiseSpec(),
            design.Z,
            design.yc,
            draws,
            tune,
            seeds[k],
        )
        out[k] = design.coef_to_original(np.median(res["beta"], axis=0))
    return out


def plot_paths(X, y, *, lams=None, n_points: int = 20, standardize: bool = True, random_seed=0, axes=None):
    """Lasso coefficient path beside the Bayesian-lasso posterior-median path.

    Both against the relative L1 norm ``|beta|_1 / max |beta|_1`` (Park &
    Casella 2008, Figure 1). One line per feature in each panel.
    Returns the two axes.
    """
    from ._data import prepare_data
    from .selection import lasso_entry

    design = prepare_data(X, y, standardize=standardize)
    if axes is None:
        from ._figures import new_figure

        axes = new_figure(figsize=(11, 4)).subplots(1, 2, sharey=True)
    alphas, coefs, _ = lasso_entry(design.Z, design.yc, n_alphas=100)
    coefs = design.coef_to_original(coefs.T).T
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


def plot_shrinkage(result, *, top: int | None = TOP, ax=None):
    """Horseshoe shrinkage profile: posterior mean of 1 - kappa_j for the ``top`` features (one bar each).

    Features are the ``top`` least shrunk (largest 1 - E[kappa_j]), in that
    order; ``top=None`` shows every feature in its original order.
    """
    from .selection import _mean_kappa

    if not result.spec.rules.shrinkage_factors:
        raise ValueError("plot_shrinkage needs a horseshoe fit (kappa is defined by its local/global scales)")
    keep_all = 1 - _mean_kappa(result)
    p = keep_all.size
    idx = np.arange(p) if top is None else np.argsort(-keep_all, kind="stable")[: int(top)]
    keep = keep_all[idx]
    names = [str(result.feature_names[j]) for j in idx]
    ax = _ax(ax, (max(6, 0.25 * len(idx)), 3.5))
    ax.bar(np.arange(len(idx)), keep, color=np.where(keep > 0.5, "C3", "C0"))
    ax.axhline(0.5, color="0.5", ls="--", lw=0.8)
    ax.set_xticks(np.arange(len(idx)))
    ax.set_xticklabels(names, rotation=90, fontsize="x-small")
    ax.set_ylim(0, 1)
    ax.set_ylabel("1 - E[kappa]  (0 = shrunk to zero)")
    m_eff = float(result.draws("m_eff").mean()) if "m_eff" in result.idata.posterior else float(keep_all.sum())
    shown = f"; top {len(idx)} of {p}" if len(idx) < p else ""
    ax.set_title(f"horseshoe shrinkage; m_eff = {m_eff:.1f}{shown}")
    return ax
