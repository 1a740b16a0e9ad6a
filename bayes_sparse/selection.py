"""Posterior inclusion next to frequentist lasso selection.

Array functions first (posterior draws as ``(S, p)`` arrays), a table on top.

Bayesian measures
-----------------
* ``inclusion_prob``: ``P(|beta_j| > eps_j | y)``. The default ``eps_j`` is
  practical significance on the standardized scale: a one-sd change of x_j
  moving y by less than ``0.1 sd(y)`` is negligible, so
  ``eps_j = 0.1 * sd(y) / sd(x_j)`` (Kruschke's ROPE for standardized
  coefficients). Pass ``eps`` to override.
* ``p_positive``: ``P(beta_j > 0 | y)``; ``p_sign = max(p_positive, 1 - p_positive)``.
* ``ci_excludes_zero``: the central credible interval (default 95%) excludes 0.
* Horseshoe shrinkage (Piironen & Vehtari 2017): with prior variance
  ``sigma^2 tau^2 lamt_j^2`` and column variance ``s_j^2`` of the model's design,
  ``kappa_j = 1 / (1 + n tau^2 lamt_j^2 s_j^2)`` and ``m_eff = sum_j (1 - kappa_j)``.
* DSS (Hahn & Carvalho 2015): the adaptive-lasso path fitted to the posterior
  mean fit ``X beta_bar``; the summary is the sparsest model on the path whose
  fit explains at least 95% of the variance of ``X beta_bar``.

Default decision rule ("selected by the posterior")
---------------------------------------------------
* Horseshoe: ``1 - E[kappa_j] > 0.5`` (Carvalho, Polson & Scott 2010).
* Laplace and Gaussian: the 95% central credible interval excludes 0 (their
  posteriors are never sparse; Park & Casella 2008 use interval estimates).

Frequentist side (scikit-learn's coordinate descent): the lasso path and each
feature's entry alpha; ``LassoCV`` with alpha_min and alpha_1se (the largest
alpha whose CV error is within one standard error of the minimum, as glmnet);
stability selection (Meinshausen & Bühlmann 2010): the largest, over a grid of
alphas, frequency with which a feature is selected on random half-samples.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._data import prepare_data
from .map import solve_lasso
from .priors import Horseshoe

__all__ = [
    "inclusion_prob",
    "credible_interval",
    "default_eps",
    "shrinkage_factors",
    "expected_meff_prior",
    "lasso_entry",
    "lasso_cv_alphas",
    "stability_selection",
    "dss_path",
    "compare_selection",
    "selection_agreement",
    "selection_metrics",
]

NEGLIGIBLE_STD_EFFECT = 0.1
DSS_VARIANCE_EXPLAINED = 0.95


# ----------------------------------------------------------------------------- arrays
def inclusion_prob(draws, eps):
    """``P(|beta_j| > eps_j)`` from draws (S, p)."""
    draws = np.asarray(draws, dtype=float)
    return np.mean(np.abs(draws) > np.broadcast_to(eps, draws.shape[1:]), axis=0)


def credible_interval(draws, prob: float = 0.95):
    """Central credible interval (p, 2) from draws (S, p)."""
    if not 0 < prob < 1:
        raise ValueError(f"prob must be in (0, 1), got {prob}")
    a = (1 - prob) / 2
    return np.quantile(np.asarray(draws, dtype=float), [a, 1 - a], axis=0).T


def default_eps(X, y):
    """Scale-aware practical-significance threshold ``0.1 sd(y) / sd(x_j)``."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    sd_x = X.std(axis=0)
    sd_x = np.where(sd_x > 0, sd_x, 1.0)
    return NEGLIGIBLE_STD_EFFECT * y.std() / sd_x


def shrinkage_factors(tau, lam, c2, n, col_var):
    """Horseshoe shrinkage ``kappa_j = 1 / (1 + n tau^2 lamt_j^2 s_j^2)``.

    ``tau`` (S,), ``lam`` (S, p), ``c2`` (S,) or None (plain), ``col_var`` (p,).
    Returns (S, p).
    """
    tau2 = np.asarray(tau, dtype=float)[:, None] ** 2
    lam2 = np.asarray(lam, dtype=float) ** 2
    if c2 is None:
        lt2 = lam2
    else:
        c2 = np.asarray(c2, dtype=float)[:, None]
        lt2 = c2 * lam2 / (c2 + tau2 * lam2)
    return 1.0 / (1.0 + n * tau2 * lt2 * np.asarray(col_var, dtype=float))


def expected_meff_prior(tau, n, p):
    """Prior mean of m_eff given tau for the plain horseshoe on standardized
    columns: ``p tau sqrt(n) / (1 + tau sqrt(n))`` (Piironen & Vehtari 2017,
    since E[kappa | tau] = 1 / (1 + tau sqrt(n)) when lam ~ C+(0, 1))."""
    a = tau * np.sqrt(n)
    return p * a / (1 + a)


# ----------------------------------------------------------------------------- frequentist
def _alpha_grid(Z, yc, n_alphas, eps):
    """Geometric grid from alpha_max = max|Z'y|/n down to eps * alpha_max (as glmnet)."""
    amax = np.max(np.abs(Z.T @ yc)) / Z.shape[0]
    return amax * np.geomspace(1.0, eps, n_alphas)

def lasso_entry(Z, yc, n_alphas: int = 200, eps: float = 1e-4):
    """Lasso path on the centred design: ``alphas`` (descending), ``coefs`` (p, K),
    and each feature's entry alpha (the largest alpha with a non-zero coefficient; 0 if never)."""
    from sklearn.linear_model import lasso_path

    alphas = _alpha_grid(Z, yc, n_alphas, eps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alphas, coefs, _ = lasso_path(Z, yc, alphas=alphas)
    nz = coefs != 0
    entry = np.where(nz.any(axis=1), alphas[np.argmax(nz, axis=1)], 0.0)
    return alphas, coefs, entry


def lasso_cv_alphas(Z, yc, cv: int = 5, random_state=0, n_alphas: int = 100):
    """``(alpha_min, alpha_1se)`` from ``LassoCV`` (one-standard-error rule as glmnet)."""
    from sklearn.linear_model import LassoCV
    from sklearn.model_selection import KFold

    folds = KFold(n_splits=cv, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LassoCV(cv=folds, alphas=_alpha_grid(Z, yc, n_alphas, 1e-3), fit_intercept=True, max_iter=50_000)
        model.fit(Z, yc)
    mse = model.mse_path_  # (n_alphas, n_folds)
    mean, se = mse.mean(axis=1), mse.std(axis=1, ddof=1) / np.sqrt(mse.shape[1])
    best = int(np.argmin(mean))
    within = np.flatnonzero(mean <= mean[best] + se[best])
    alpha_1se = float(np.max(model.alphas_[within]))
    return float(model.alpha_), alpha_1se


def stability_selection(Z, yc, n_subsamples: int = 100, n_alphas: int = 20, random_state=0, alpha_min_ratio=0.05):
    """Meinshausen & Bühlmann (2010) selection frequencies.

    For each of ``n_subsamples`` random halves (seeded), the lasso path on a
    grid of ``n_alphas`` alphas from alpha_max down to ``alpha_min_ratio *
    alpha_max`` (of the full data); the frequency of selection at each alpha,
    and per feature its maximum over the grid. Returns (p,) in [0, 1].
    """
    from sklearn.linear_model import lasso_path

    rng = np.random.default_rng(random_state)
    n, p = Z.shape
    amax = np.max(np.abs(Z.T @ yc)) / n
    alphas = amax * np.geomspace(1.0, alpha_min_ratio, n_alphas)
    counts = np.zeros((p, n_alphas))
    half = n // 2
    for _ in range(n_subsamples):
        idx = rng.choice(n, size=half, replace=False)
        Zs, ys = Z[idx] - Z[idx].mean(0), yc[idx] - yc[idx].mean()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, coefs, _ = lasso_path(Zs, ys, alphas=alphas)
        counts += coefs != 0
    return (counts / n_subsamples).max(axis=1)


def dss_path(Z, beta_bar, variance_explained: float = DSS_VARIANCE_EXPLAINED, n_alphas: int = 100):
    """Decoupled shrinkage and selection (Hahn & Carvalho 2015).

    Adaptive lasso of the posterior-mean fit ``f = Z beta_bar`` on Z with
    weights ``1/|beta_bar_j|`` (columns rescaled by ``|beta_bar_j|``); returns the
    sparsest coefficient vector on the path (model scale) whose fit explains at
    least ``variance_explained`` of the variance of ``f``.
    """
    from sklearn.linear_model import lasso_path

    f = Z @ beta_bar
    w = np.abs(beta_bar)
    total = f @ f
    if total == 0:
        return np.zeros_like(beta_bar)
    keep = w > 0
    Zw = Z[:, keep] * w[keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, coefs, _ = lasso_path(Zw, f, alphas=_alpha_grid(Zw, f, n_alphas, 1e-5))
    for k in range(coefs.shape[1]):
        gamma = np.zeros_like(beta_bar)
        gamma[keep] = coefs[:, k] * w[keep]
        r = f - Z @ gamma
        if 1 - (r @ r) / total >= variance_explained:
            return gamma
    return beta_bar.copy()


# ----------------------------------------------------------------------------- table
def compare_selection(
    result,
    X=None,
    y=None,
    *,
    eps=None,
    cred_prob: float = 0.95,
    cv: int = 5,
    n_subsamples: int = 100,
    stability_threshold: float = 0.6,
    random_state=0,
):
    """One table: posterior inclusion beside lasso selection, per feature.

    Parameters
    ----------
    result : PosteriorFit
        From :func:`bayes_sparse.fit`.
    X, y : optional
        The data the result was fit to (checked); default: the result's own.
    eps : float or array (p,), optional
        Practical-significance threshold for ``inclusion_prob`` (original scale);
        default ``0.1 sd(y) / sd(x_j)``.
    cred_prob : float
        Probability of the central credible interval and of the HDI.
    cv : int
        Folds for ``LassoCV`` (seeded by ``random_state``).
    n_subsamples : int
        Half-samples for stability selection.
    stability_threshold : float
        Frequency above which stability selection selects (Meinshausen & Bühlmann use 0.6-0.9).

    Returns
    -------
    pandas.DataFrame
        Indexed by feature; columns ``mean``, ``median``, ``hdi_low``, ``hdi_high``,
        ``ci_low``, ``ci_high``, ``ci_excludes_zero``, ``inclusion_prob``,
        ``p_positive``, ``p_sign``, [``shrinkage`` = 1 - E[kappa] for the horseshoe],
        ``dss_coef``, ``selected_dss``, ``selected_bayes``, ``lasso_min``,
        ``lasso_1se``, ``selected_lasso_cv``, ``selected_lasso_1se``,
        ``entry_alpha``, ``entry_rank``, ``stability_freq``, ``selected_stability``,
        ``r_hat``, ``ess_bulk``. ``table.attrs`` holds ``alpha_min``,
        ``alpha_1se``, ``eps``, the decision rule, ``m_eff`` (horseshoe) and
        the agreement summary (:func:`selection_agreement`).
    """
    import arviz as az
    import pandas as pd

    design = result.design
    if X is not None or y is not None:
        other = prepare_data(X, y, standardize=design.standardize)
        if other.X.shape != design.X.shape or not (np.array_equal(other.X, design.X) and np.array_equal(other.y, design.y)):
            raise ValueError("X, y differ from the data the result was fit to")
    names = list(design.feature_names)
    draws = result.draws("beta")
    eps_arr = default_eps(design.X, design.y) if eps is None else np.broadcast_to(np.asarray(eps, float), (design.p,))
    from .diagnostics import hdi

    hdi_b = hdi(draws, cred_prob)
    ci = credible_interval(draws, cred_prob)
    p_pos = np.mean(draws > 0, axis=0)
    table = pd.DataFrame(
        {
            "mean": draws.mean(0),
            "median": np.median(draws, 0),
            "hdi_low": hdi_b[:, 0],
            "hdi_high": hdi_b[:, 1],
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "ci_excludes_zero": (ci[:, 0] > 0) | (ci[:, 1] < 0),
            "inclusion_prob": inclusion_prob(draws, eps_arr),
            "p_positive": p_pos,
            "p_sign": np.maximum(p_pos, 1 - p_pos),
        },
        index=pd.Index(names, name="feature"),
    )
    attrs = {"eps": eps_arr, "cred_prob": cred_prob}
    if isinstance(result.prior, Horseshoe):
        table["shrinkage"] = 1 - _mean_kappa(result)
        table["selected_bayes"] = table["shrinkage"] > 0.5
        attrs["m_eff"] = float(result.draws("m_eff").mean())
        attrs["rule"] = "1 - E[kappa_j] > 0.5 (Carvalho, Polson & Scott 2010)"
    else:
        table["selected_bayes"] = table["ci_excludes_zero"]
        attrs["rule"] = f"{int(cred_prob * 100)}% central credible interval excludes 0"

    Z, yc = design.Z, design.yc
    beta_bar_z = draws.mean(0) * design.x_scale
    dss = dss_path(Z, beta_bar_z) / design.x_scale
    table["dss_coef"] = dss
    table["selected_dss"] = dss != 0

    alpha_min, alpha_1se = lasso_cv_alphas(Z, yc, cv=cv, random_state=random_state)
    lasso_min = solve_lasso(Z, yc, alpha_min).beta / design.x_scale
    lasso_1se = solve_lasso(Z, yc, alpha_1se).beta / design.x_scale
    table["lasso_min"] = lasso_min
    table["lasso_1se"] = lasso_1se
    table["selected_lasso_cv"] = lasso_min != 0
    table["selected_lasso_1se"] = lasso_1se != 0
    _, _, entry = lasso_entry(Z, yc)
    table["entry_alpha"] = entry
    table["entry_rank"] = pd.Series(entry, index=table.index).rank(ascending=False, method="min").astype(int)
    table["stability_freq"] = stability_selection(Z, yc, n_subsamples=n_subsamples, random_state=random_state)
    table["selected_stability"] = table["stability_freq"] >= stability_threshold

    beta_post = result.idata.posterior[["beta"]]
    table["r_hat"] = az.rhat(beta_post)["beta"].values if beta_post.sizes["chain"] > 1 else np.nan
    table["ess_bulk"] = az.ess(beta_post)["beta"].values
    attrs.update(alpha_min=alpha_min, alpha_1se=alpha_1se)
    table.attrs.update(attrs)
    table.attrs["agreement"] = selection_agreement(table)
    return table


def _mean_kappa(result):
    post = result.idata.posterior
    if "kappa" in post:
        return result.draws("kappa").mean(0)
    c2 = result.draws("c2") if "c2" in post else None
    k = shrinkage_factors(result.draws("tau"), result.draws("lam"), c2, result.design.n, result.design.Z.var(axis=0))
    return k.mean(0)


def selection_agreement(table, bayes: str = "selected_bayes", lasso: str = "selected_lasso_cv"):
    """Both / only-Bayes / only-lasso sets, Jaccard index, and the Spearman rank
    correlation between lasso entry order and posterior inclusion probability."""
    from scipy import stats

    b, l_ = table[bayes].to_numpy(bool), table[lasso].to_numpy(bool)
    names = np.asarray(table.index)
    union = int((b | l_).sum())
    rho = stats.spearmanr(table["entry_alpha"], table["inclusion_prob"]).statistic if len(table) > 1 else np.nan
    return {
        "both": list(names[b & l_]),
        "only_bayes": list(names[b & ~l_]),
        "only_lasso": list(names[~b & l_]),
        "jaccard": float((b & l_).sum() / union) if union else 1.0,
        "spearman_entry_vs_inclusion": float(rho),
    }


METHOD_COLUMNS = {
    "bayes": "selected_bayes",
    "dss": "selected_dss",
    "lasso_cv_min": "selected_lasso_cv",
    "lasso_cv_1se": "selected_lasso_1se",
    "stability": "selected_stability",
}


def selection_metrics(table, true_support):
    """TPR, FDR and F1 of each method against a known support.

    ``true_support``: boolean array (p,), or feature names / integer indices.
    Returns a DataFrame indexed by method with ``n_selected``, ``tpr``, ``fdr``, ``f1``.
    """
    import pandas as pd

    truth = np.zeros(len(table), dtype=bool)
    ts = np.asarray(true_support)
    if ts.dtype == bool:
        if ts.shape != truth.shape:
            raise ValueError(f"true_support has {ts.size} entries, the table {len(table)} features")
        truth = ts
    elif ts.dtype.kind in "iu":
        truth[ts] = True
    else:
        missing = set(ts) - set(table.index)
        if missing:
            raise ValueError(f"true_support names not in the table: {sorted(missing)[:5]}")
        truth = table.index.isin(ts)
    rows = {}
    for method, col in METHOD_COLUMNS.items():
        if col not in table:
            continue
        sel = table[col].to_numpy(bool)
        tp, k = int((sel & truth).sum()), int(sel.sum())
        tpr = tp / truth.sum() if truth.sum() else np.nan
        fdr = (k - tp) / k if k else 0.0
        prec = 1 - fdr if k else 0.0
        f1 = 2 * prec * tpr / (prec + tpr) if (prec + tpr) > 0 else 0.0
        rows[method] = {"n_selected": k, "tpr": tpr, "fdr": fdr, "f1": f1}
    return pd.DataFrame(rows).T
