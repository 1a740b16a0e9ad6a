"""The lasso path as a ranking: the exact knots of the LARS-lasso homotopy.

As the penalty grows, lasso coefficients drop out one by one; the penalty at
which a feature leaves the path for good ranks it. :func:`lasso_path_knots`
follows the piecewise-linear path exactly (Efron et al. 2004, the "lasso
modification" of LARS; Osborne, Presnell & Turlach 2000) and
:func:`lasso_ranking` turns its knots into a table, each knot checked by the
certified solver :func:`bayes_sparse.map.solve_lasso` just above and below it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._data import prepare_data
from .map import solve_lasso

__all__ = ["LassoPath", "lasso_path_knots", "lasso_ranking", "plot_lasso_ranking"]

#: A step shorter than this fraction of alpha_max is a tie, not a new segment.
STEP_TOL = 1e-12
#: Where the knot check evaluates the certified MAP: this fraction of the way
#: into each neighbouring segment (0.5 would be the segment's midpoint).
CHECK_FRACTION = 0.02
#: Largest |certified MAP - path| allowed at a check point, relative to max |beta| there.
CHECK_RTOL = 1e-6


@dataclass(frozen=True, eq=False)
class LassoPath:
    """The exact lasso path on the model (centred, optionally standardized) scale.

    Between consecutive knots the solution is linear in alpha, so ``alphas``
    and ``coefs`` describe the whole path.

    Attributes
    ----------
    alphas : ndarray (K,)
        Knots, decreasing, from ``alpha_max = max|Z' y_c| / n`` to the end of
        the path (0 when the design has full column rank).
    coefs : ndarray (p, K)
        Model-scale coefficients at each knot (the layout of scikit-learn's
        ``lars_path``).
    events : list of (alpha, feature index, "enter" | "drop")
        What happens at each knot, in path order (the first is the entry at
        ``alpha_max``; the last knot, alpha = 0, has none).
    feature_names : tuple
    checks : DataFrame or None
        The knot check (one row per check point): alpha, the support agreed,
        the largest coefficient difference and the certified duality gap.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    events: list
    feature_names: tuple
    checks: pd.DataFrame | None = field(default=None)

    def coef_at(self, alpha: float) -> np.ndarray:
        """Path coefficients at ``alpha`` (exact: linear between knots)."""
        a = self.alphas
        if alpha >= a[0]:
            return np.zeros(self.coefs.shape[0])
        if alpha <= a[-1]:
            return self.coefs[:, -1].copy()
        k = int(np.searchsorted(-a, -alpha))  # a[k-1] > alpha >= a[k]
        w = (a[k - 1] - alpha) / (a[k - 1] - a[k])
        return (1 - w) * self.coefs[:, k - 1] + w * self.coefs[:, k]


def _homotopy(Z, yc):
    """Follow the lasso path of ``||y_c - Z b||^2 / (2n) + alpha ||b||_1`` exactly.

    On a segment with active set A and signs s, the coefficients move as
    ``b_A(alpha - g) = b_A(alpha) + g d`` with ``d = (Z_A' Z_A / n)^{-1} s`` and
    the correlations ``c = Z' (y_c - Z b) / n`` as ``c - g a`` with
    ``a = Z' Z_A d / n``. The segment ends at the first g where an inactive
    ``|c_j|`` reaches ``alpha - g`` (it enters) or an active ``b_j`` reaches 0
    (it drops), or at alpha = 0.
    """
    n, p = Z.shape
    c = Z.T @ yc / n
    alpha = float(np.max(np.abs(c)))
    scale = alpha
    beta = np.zeros(p)
    alphas, coefs, events = [alpha], [beta.copy()], []
    if alpha == 0:
        return np.array(alphas), np.array(coefs).T, events
    j0 = int(np.argmax(np.abs(c)))
    events.append((alpha, j0, "enter"))
    active, signs = [j0], {j0: float(np.sign(c[j0]))}
    rank = min(np.linalg.matrix_rank(Z), p)
    for _ in range(50 * (p + 1)):
        A = np.array(active)
        s = np.array([signs[j] for j in active])
        G = Z[:, A].T @ Z[:, A] / n
        try:
            d = np.linalg.solve(G, s)
        except np.linalg.LinAlgError:
            break
        a = Z.T @ (Z[:, A] @ d) / n
        c = Z.T @ (yc - Z @ beta) / n
        gamma, event = alpha, None
        if len(active) < rank:
            inactive = np.setdiff1d(np.arange(p), A)
            for j in inactive:
                for num, den, sgn in ((alpha - c[j], 1.0 - a[j], 1.0), (alpha + c[j], 1.0 + a[j], -1.0)):
                    if den > STEP_TOL:
                        g = num / den
                        if STEP_TOL * scale < g < gamma:
                            gamma, event = g, (int(j), "enter", sgn)
        for k, j in enumerate(active):
            if d[k] != 0:
                g = -beta[j] / d[k]
                if STEP_TOL * scale < g < gamma:
                    gamma, event = g, (int(j), "drop", 0.0)
        beta[A] += gamma * d
        alpha = alpha - gamma if event is not None else 0.0
        if event is not None:
            j, kind, sgn = event
            if kind == "enter":
                active.append(j)
                signs[j] = sgn
            else:
                active.remove(j)
                del signs[j]
                beta[j] = 0.0
            events.append((alpha, j, kind))
        alphas.append(alpha)
        coefs.append(beta.copy())
        if event is None or not active:
            break
    return np.array(alphas), np.array(coefs).T, events


def _check_knots(Z, yc, path):
    """Certified MAP just above and below every knot against the path."""
    rows = []
    a = path.alphas
    for k in range(len(a) - 1):
        hi, lo = a[k], a[k + 1]
        if lo <= 0:
            points = [hi - CHECK_FRACTION * (hi - lo)]
        else:
            points = [hi - CHECK_FRACTION * (hi - lo), lo + CHECK_FRACTION * (hi - lo)]
        for alpha in points:
            sol = solve_lasso(Z, yc, alpha)
            ref = path.coef_at(alpha)
            size = max(np.abs(ref).max(), np.finfo(float).tiny)
            rows.append(
                {
                    "alpha": alpha,
                    "support_agrees": bool(np.array_equal(sol.beta != 0, ref != 0)),
                    "max_abs_diff": float(np.abs(sol.beta - ref).max() / size),
                    "duality_gap": sol.certificate.duality_gap,
                    "kkt_violation": sol.certificate.kkt_violation,
                }
            )
    return pd.DataFrame(rows)


def lasso_path_knots(X, y, *, standardize: bool = True, check: bool = True) -> LassoPath:
    """The exact lasso path: its knots and the coefficients at each.

    Solves, for every ``alpha > 0`` at once, ::

        min_b  ||y_c - Z b||^2 / (2 n) + alpha ||b||_1

    where ``y_c`` is the centred response and ``Z`` the centred (and, with
    ``standardize=True``, divided by the population standard deviation)
    design: scikit-learn's ``Lasso(alpha)`` objective with an unpenalised
    intercept. The solution is piecewise linear in alpha; the knots are found
    by the LARS-lasso homotopy, so they are exact up to rounding (no grid).

    Parameters
    ----------
    X : array-like or DataFrame (n, p)
    y : array-like (n,)
    standardize : bool, default True
        Penalise the coefficients of standardized columns (as
        :func:`bayes_sparse.map_estimate` does by default).
    check : bool, default True
        Check each knot with the certified solver
        :func:`bayes_sparse.map.solve_lasso` just above and below it (a
        fraction :data:`CHECK_FRACTION` into each neighbouring segment); a
        disagreement (ties, duplicated columns) gives a ``UserWarning``. The
        check costs one certified solve per knot side.

    Returns
    -------
    LassoPath
    """
    if not isinstance(check, (bool, np.bool_)):
        raise TypeError(f"check must be True or False, got {check!r}")
    design = prepare_data(X, y, standardize=standardize)
    alphas, coefs, events = _homotopy(design.Z, design.yc)
    path = LassoPath(alphas, coefs, events, tuple(design.feature_names))
    if check:
        checks = _check_knots(design.Z, design.yc, path)
        path = LassoPath(alphas, coefs, events, path.feature_names, checks)
        bad = checks[~checks["support_agrees"] | (checks["max_abs_diff"] > CHECK_RTOL)]
        if len(bad):
            warnings.warn(
                f"the certified lasso disagrees with the path at {len(bad)} of {len(checks)} check points "
                f"(first at alpha = {bad['alpha'].iloc[0]:.6g}); the path may have ties "
                "(duplicated or collinear columns)",
                UserWarning,
                stacklevel=2,
            )
    return path


def lasso_ranking(X, y, *, standardize: bool = True, sigma: float | None = None, check: bool = True) -> pd.DataFrame:
    """Rank features by the penalty at which they leave the lasso path for good.

    The lasso objective is scikit-learn's ::

        (1 / (2 n)) ||y_c - Z b||^2 + alpha ||b||_1

    (centred data, intercept unpenalised; ``Z`` standardized when
    ``standardize=True``). As ``alpha`` grows from 0 coefficients drop out one
    by one; ``alpha_enter`` is the largest alpha at which a feature is non-zero
    (its first entry on the path from ``alpha_max`` down, which is also its
    final drop-out as alpha grows). Features rank by ``alpha_enter``,
    largest first. A feature can leave and re-enter the path; then
    ``alpha_last_enter`` (the alpha below which it stays in) is smaller than
    ``alpha_enter`` and ``n_drops > 0``.

    With ``sigma`` given, each alpha is also written as the equivalent Laplace
    prior at that noise sd (the MAP of ``p(b_j | sigma) = lam / (2 sigma)
    exp(-lam |b_j| / sigma)`` is the lasso at ``alpha = lam sigma / n``):
    ``lam_enter = alpha_enter * n / sigma``.

    Parameters
    ----------
    X : array-like or DataFrame (n, p)
    y : array-like (n,)
    standardize : bool, default True
    sigma : float, optional
        Noise standard deviation for the ``lam_enter`` column.
    check : bool, default True
        Check every knot with the certified MAP (see :func:`lasso_path_knots`).

    Returns
    -------
    DataFrame indexed by feature, sorted by rank, with columns
    ``alpha_enter``, ``alpha_last_enter``, ``n_drops``, ``alpha_drops`` (a
    tuple: the knots where it leaves the path on the way down), ``sign`` (of the
    coefficient when it first enters), ``rank`` (1 = last to leave; missing
    for features that never enter) and, with ``sigma``, ``lam_enter``. The
    path itself is in ``table.attrs["path"]`` (a :class:`LassoPath`), which
    :func:`plot_lasso_ranking` draws.

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> X, y = bs.datasets.load_diabetes()
    >>> table = bs.lasso_ranking(X, y, sigma=54.0)
    >>> table.index[0]
    'bmi'
    """
    if sigma is not None:
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.integer, np.floating)):
            raise TypeError(f"sigma must be a positive number or None, got {sigma!r}")
        if not np.isfinite(sigma) or sigma <= 0:
            raise ValueError(f"sigma must be positive and finite, got {sigma!r}")
    path = lasso_path_knots(X, y, standardize=standardize, check=check)
    names = list(path.feature_names)
    p = len(names)
    enter = np.zeros(p)
    last_enter = np.zeros(p)
    drops = [[] for _ in range(p)]
    sign = np.zeros(p)
    entered = np.zeros(p, dtype=bool)
    for alpha, j, kind in path.events:
        if kind == "enter":
            if not entered[j]:
                enter[j] = alpha
                entered[j] = True
            last_enter[j] = alpha
        else:
            drops[j].append(float(alpha))
    for j in np.flatnonzero(entered):
        k = int(np.flatnonzero(path.alphas == enter[j])[0])  # the knot where it enters
        if k + 1 < len(path.alphas):
            sign[j] = np.sign(path.coef_at(0.5 * (path.alphas[k] + path.alphas[k + 1]))[j])
    table = pd.DataFrame(
        {
            "alpha_enter": enter,
            "alpha_last_enter": last_enter,
            "n_drops": [len(d) for d in drops],
            "alpha_drops": [tuple(d) for d in drops],
            "sign": sign,
        },
        index=pd.Index(names, name="feature"),
    )
    if sigma is not None:
        table["lam_enter"] = table["alpha_enter"] * len(np.asarray(y)) / float(sigma)
    order = np.argsort(-enter, kind="stable")
    rank = pd.array([pd.NA] * p, dtype="Int64")
    for r, j in enumerate(order[: entered.sum()], start=1):
        rank[j] = r
    table["rank"] = rank
    table = table.iloc[order]
    table.attrs["path"] = path
    table.attrs["standardize"] = bool(standardize)
    if sigma is not None:
        table.attrs["sigma"] = float(sigma)
    return table


def plot_lasso_ranking(table, *, ax=None, annotate: bool = True):
    """The exact lasso path against alpha, each knot marked and each feature labelled at its entry.

    Parameters
    ----------
    table : DataFrame
        From :func:`lasso_ranking` (the path is read from ``table.attrs["path"]``).
    ax : matplotlib Axes, optional
        Drawn into; otherwise a new :class:`matplotlib.figure.Figure` is made
        (no pyplot state), reachable as ``ax.figure``.
    annotate : bool, default True
        Write each feature's rank and name where it enters.

    Returns
    -------
    matplotlib Axes
    """
    path = table.attrs.get("path") if hasattr(table, "attrs") else None
    if not isinstance(path, LassoPath):
        raise ValueError("table has no lasso path in table.attrs['path']; pass the output of lasso_ranking")
    if ax is None:
        from .teach import _figure

        ax = _figure(figsize=(7, 4.5), layout="constrained").add_subplot()
    a = path.alphas
    keep = a > 0
    x = a[keep]
    # alpha = 0 cannot sit on a log axis: end the last segment at a tenth of the smallest knot
    if not keep.all() and keep.sum() >= 1:
        x = np.append(x, x[-1] / 10)
        coefs = np.column_stack([path.coefs[:, keep], path.coef_at(x[-1])])
    else:
        coefs = path.coefs[:, keep]
    for j in range(len(path.feature_names)):
        ax.plot(x, coefs[j], color=f"C{j % 10}", lw=1.4)
    for k in range(1, keep.sum()):
        ax.axvline(x[k], color="0.85", lw=0.7, zorder=0)
    if annotate:
        for name, row in table.iterrows():
            if pd.isna(row["rank"]):
                continue
            j = path.feature_names.index(name)
            ax.annotate(
                f"{int(row['rank'])}: {name}",
                (row["alpha_enter"], 0.0),
                xytext=(2, 6 if row["sign"] >= 0 else -12),
                textcoords="offset points",
                fontsize="x-small",
                color=f"C{j % 10}",
                rotation=0,
            )
            ax.plot(row["alpha_enter"], 0.0, "o", ms=3.5, color=f"C{j % 10}")
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xlabel("alpha (scikit-learn scale; penalty decreases to the right)")
    ax.set_ylabel("coefficient" + (" (standardized)" if table.attrs.get("standardize", True) else ""))
    ax.set_title("Exact lasso path: grey lines are knots, dots mark entries (rank: name)")
    return ax
