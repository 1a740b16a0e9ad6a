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

Decision rules ("selected by the posterior")
--------------------------------------------
* ``fdr``: Bayesian FDR (Newton et al. 2004; Müller, Parmigiani & Rice 2006)
  at ``q = 0.1`` on ``inclusion_prob``: the largest set of most probable
  features whose posterior expected false-discovery proportion is <= q
  (:func:`bayesian_fdr`). The probabilities are ``P(|beta_j| > eps_j | y)``,
  posterior probabilities of an event ("a practically relevant effect"), so
  the bound is a statement about that event under the model; the horseshoe's
  ``1 - E[kappa_j]`` is a mean shrinkage weight, not the probability of an
  event, and is not used for it.
* ``shrinkage`` (horseshoe): ``1 - E[kappa_j] > 0.5`` (Carvalho, Polson & Scott 2010).
* ``interval``: the 95% central credible interval excludes 0.

Defaults (:func:`default_rule`, chosen by ``benchmarks/bench_selection.py``,
results in ``benchmarks/results/selection.md``: n = 120, p = 300, 8 signals,
correlation 0.6, 8 seeds per signal size): the horseshoe keeps ``shrinkage``,
which found at least as many true signals as ``fdr`` with realised FDR <= 0.1
(signal 0.5: TPR 0.88 / FDR 0.08 against 0.70 / 0.04); the other priors use
``fdr``, since their interval rule does not control false discoveries
(Bayesian lasso, signal 0.5: FDR 0.41; the FDR rule 0.10). Every table has
the ``selected_fdr`` column whatever the default.

Binary outcomes (``family="bernoulli"``): the same columns from L1-logistic
regression, every fit by the certified solver
(:func:`~bayes_sparse._logistic.solve_logistic_l1`) along screened,
warm-started paths (:func:`logistic_path_certified`): cross-validated
log-loss with lam_min and lam_1se (the numbers of ``LogisticRegressionCV`` on
the same grid and folds; scikit-learn's own solvers take minutes per fit at
p = 20,000), the path entry order and stability selection on half-samples
stratified by class.

Frequentist side, every lasso fit by the certified solver
(:func:`~bayes_sparse.map.solve_lasso`) along screened, warm-started paths
(:func:`lasso_path_certified`): the lasso path and each feature's entry alpha;
cross-validated lasso with alpha_min and alpha_1se (the largest alpha whose CV
error is within one standard error of the minimum, as glmnet), the same
numbers as ``LassoCV`` on the same grid; stability selection (Meinshausen &
Bühlmann 2010): the largest, over a grid of alphas, frequency with which a
feature is selected on random half-samples.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._data import prepare_data
from .map import solve_lasso

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
    "lasso_path_certified",
    "lasso_cv_path",
    "logistic_path_certified",
    "logistic_entry",
    "logistic_cv_path",
    "logistic_cv_alphas",
    "logistic_stability_selection",
    "one_se_rule",
    "bayesian_fdr",
    "default_rule",
    "compare_selection",
    "selection_agreement",
    "selection_metrics",
]

NEGLIGIBLE_STD_EFFECT = 0.1
DSS_VARIANCE_EXPLAINED = 0.95
#: Default target of the Bayesian-FDR rule (posterior expected false-discovery proportion).
DEFAULT_FDR_Q = 0.1
#: Rule behind ``selected_bayes`` unless ``rule=`` says otherwise (see :func:`default_rule`).
DEFAULT_RULE = "fdr"
#: Slack on the FDR bound for the rounding of a cumulative sum of p numbers in [0, 1].
FDR_ROUNDING = 1e-12
#: Relative duality-gap target of each solution on the frequentist paths: far
#: below any change of support (supports come from the exact active-set solve).
PATH_GAP_TOL = 1e-8
#: Relative slack on a screened-out feature's KKT bound |z_j' r| / n <= alpha
#: (rounding of the gradient; solutions are exact to ~1e-12 after polishing).
KKT_SLACK = 1e-9
#: Warm starts (coordinate descent from the previous solution on the screened
#: columns, with their Gram matrix) are tried while the screened set has at
#: most this many columns per observation; beyond, the working-set solver.
WARM_MAX_RATIO = 20
#: scikit-learn's relative tolerance for the warm coordinate descent: loose,
#: since the exact active-set solve that follows finishes the job.
WARM_CD_TOL = 1e-6
#: Draws per block when kappa is computed from the scales (not stored).
KAPPA_BLOCK = 256
#: The entry path and the CV paths end once the fit explains this fraction of
#: the (training) variance: glmnet's ``devmax`` default.
PATH_MAX_R2 = 0.999


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


#: sd of the standard logistic distribution: the scale of the latent variable of a
#: logistic model, which takes the place of sd(y) in the binary threshold
LOGISTIC_LATENT_SD = float(np.pi / np.sqrt(3.0))


def default_eps(X, y, family: str = "gaussian"):
    """Scale-aware practical-significance threshold per feature.

    Gaussian: ``0.1 sd(y) / sd(x_j)`` (a change of one sd in x_j moves y by a
    tenth of its sd). Bernoulli: ``0.1 (pi / sqrt(3)) / sd(x_j)`` on the
    log-odds scale, the same rule on the scale of the logistic latent
    variable (Kruschke 2018's region of practical equivalence, about 0.18 per
    sd of x_j); sd(y) of a 0/1 outcome (at most 0.5) would call log-odds
    effects of 0.05 per sd important, i.e. almost every feature included.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    sd_x = X.std(axis=0)
    sd_x = np.where(sd_x > 0, sd_x, 1.0)
    scale = LOGISTIC_LATENT_SD if family == "bernoulli" else y.std()
    return NEGLIGIBLE_STD_EFFECT * scale / sd_x


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


def _one_blas_thread(func):
    """Run ``func`` with single-threaded BLAS.

    The paths make thousands of small products (n <= a few hundred rows);
    multi-threaded BLAS only adds synchronisation to them, and on a busy
    machine oversubscription made them 10x slower (measured at n = 50-100).
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------------- Bayesian FDR
def bayesian_fdr(pi, q: float = DEFAULT_FDR_Q):
    """Bayesian false-discovery-rate selection (Newton et al. 2004; Müller, Parmigiani & Rice 2006).

    With the posterior inclusion probabilities sorted decreasingly,
    ``pi_(1) >= pi_(2) >= ...``, select the ``k`` most probable features for
    the largest ``k`` with ``(1/k) sum_{i<=k} (1 - pi_(i)) <= q``. The
    left-hand side is the posterior expected false-discovery proportion of the
    selection, so it is at most ``q`` under the model. Because the terms
    ``1 - pi_(i)`` grow with ``i`` the running mean never decreases, so the
    selection is always a top-``k`` set. Ties in ``pi`` keep feature order
    (a stable sort), which only matters when a tie straddles the cut.

    Parameters
    ----------
    pi : array (p,)
        Posterior probabilities that each feature is "in" (in [0, 1]).
    q : float
        Target for the posterior expected false-discovery proportion, in (0, 1).

    Returns
    -------
    selected : ndarray of bool (p,)
    expected_fdp : float
        ``mean(1 - pi)`` over the selected features (0 when none is selected).

    Examples
    --------
    >>> sel, efdp = bayesian_fdr([0.99, 0.5, 0.95, 0.9, 0.1], q=0.1)
    >>> sel.tolist(), round(efdp, 4)
    ([True, False, True, True, False], 0.0533)
    """
    pi = np.asarray(pi, dtype=float)
    if pi.ndim != 1:
        raise ValueError(f"pi must be one-dimensional, got shape {pi.shape}")
    if np.any(~np.isfinite(pi)) or np.any((pi < 0) | (pi > 1)):
        raise ValueError("pi must hold probabilities in [0, 1]")
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    order = np.argsort(-pi, kind="stable")
    running = np.cumsum(1.0 - pi[order]) / np.arange(1, pi.size + 1)
    # the running mean is non-decreasing: the admissible k form a prefix.
    # FDR_ROUNDING absorbs the rounding of the cumulative sum (q = 0.1 and
    # pi = (0.9, 0.9) must select both although 0.1 + 0.1 may round above 0.2)
    k = int(np.searchsorted(running, q + FDR_ROUNDING, side="right"))
    selected = np.zeros(pi.size, dtype=bool)
    selected[order[:k]] = True
    return selected, (float(running[k - 1]) if k else 0.0)


# ----------------------------------------------------------------------------- frequentist
def _alpha_grid(Z, yc, n_alphas, eps):
    """Geometric grid from alpha_max = max|Z'y|/n down to eps * alpha_max (as glmnet)."""
    amax = np.max(np.abs(Z.T @ yc)) / Z.shape[0]
    return amax * np.geomspace(1.0, eps, n_alphas)


def _solve_screened(Zs, yc, alpha, beta0, gap_tol):
    """Lasso on a screened design, warm-started from ``beta0``: ``(beta, duality gap)``.

    Coordinate descent from the previous solution on the screened columns,
    then the exact solve on its support and signs (the pieces of
    :func:`~bayes_sparse.map.solve_lasso`); accepted when the certificate
    reaches ``gap_tol`` (relative to ``||y_c||^2 / n``) with a KKT violation at
    rounding level, otherwise :func:`~bayes_sparse.map.solve_lasso` itself
    (cold start, certified) decides.
    """
    n = Zs.shape[0]
    target = gap_tol * (yc @ yc) / n
    if np.any(beta0) and Zs.shape[1] <= n * WARM_MAX_RATIO:
        try:
            from .map import _active_set_polish, _cd_subproblem, lasso_certificate
        except ImportError:  # pragma: no cover - map's internals renamed: the public solver still works
            pass
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                beta = _cd_subproblem(Zs, yc, alpha, beta0, Zs.T @ Zs, WARM_CD_TOL)
            polished = _active_set_polish(Zs, yc, beta, alpha) if np.any(beta) else None
            if polished is not None:
                cert = lasso_certificate(Zs, yc, polished, alpha)
                if cert.duality_gap <= target and cert.kkt_violation <= 1e-9:
                    return polished, cert.duality_gap
    with warnings.catch_warnings():  # the sub-solver's own convergence notes; the gap is checked there
        warnings.simplefilter("ignore", ConvergenceWarning)
        sol = solve_lasso(Zs, yc, alpha, gap_tol=gap_tol)
    return sol.beta, sol.certificate.duality_gap


@_one_blas_thread
def lasso_path_certified(Z, yc, alphas, *, gap_tol: float = PATH_GAP_TOL, stop=None, max_r2: float | None = None):
    """Lasso solutions along a decreasing grid, each certified by :func:`~bayes_sparse.map.solve_lasso`.

    Sequential strong rules (Tibshirani et al. 2012) screen the features: at
    ``alpha_k`` only the support of the previous solution and the features with
    ``|z_j' r_{k-1}| / n >= 2 alpha_k - alpha_{k-1}`` enter the solver; every
    screened-out feature is then checked against its KKT bound
    ``|z_j' r| / n <= alpha_k`` on the full problem and added back (and the
    problem re-solved) if it violates it. A solution with no violations has
    the same duality gap on the full problem as on the screened one (its dual
    point stays feasible), so each column is certified to ``gap_tol``. The
    small screened problems are what make paths, cross-validation and
    subsampling cheap at p = 20,000.

    Parameters
    ----------
    Z : ndarray (n, p)
        Centred design.
    yc : ndarray (n,)
        Centred response.
    alphas : array (K,)
        Penalties (scikit-learn scaling), decreasing.
    gap_tol : float
        Relative duality-gap target of each solution (see ``solve_lasso``).
    stop : callable, optional
        ``stop(k, beta) -> bool``: end the path after column ``k`` (the rest
        of ``coefs`` stays zero); used by DSS to stop at the first model that
        explains enough.
    max_r2 : float, optional
        End the path once the fit explains this fraction of ``||y_c||^2``
        (glmnet's ``devmax`` rule, 0.999 there): with p > n the rest of the
        path approaches interpolation, where solutions are ill-conditioned and
        costly and no longer informative.

    Returns
    -------
    coefs : ndarray (p, K)
    gaps : ndarray (K,)
        Duality gap of each solution on the full problem.
    n_solved : int
        Columns computed (``K`` unless ``stop`` or ``max_r2`` ended the path;
        the later columns are zero).
    """
    Z = np.asarray(Z, dtype=float)
    yc = np.asarray(yc, dtype=float)
    alphas = np.asarray(alphas, dtype=float)
    if np.any(np.diff(alphas) > 0):
        raise ValueError("alphas must be decreasing")
    n, p = Z.shape
    coefs = np.zeros((p, alphas.size))
    gaps = np.zeros(alphas.size)
    grad = Z.T @ yc / n
    amax = float(np.max(np.abs(grad))) if p else 0.0
    beta = np.zeros(p)
    prev = amax
    tss = float(yc @ yc)
    k = -1
    for k, a in enumerate(alphas):
        if a >= amax:
            if stop is not None and stop(k, beta):
                break
            continue
        keep = (np.abs(grad) >= 2 * a - prev) | (beta != 0)
        while True:
            idx = np.flatnonzero(keep)
            beta_s, gap = _solve_screened(Z[:, idx], yc, a, beta[idx], gap_tol)
            beta = np.zeros(p)
            beta[idx] = beta_s
            resid = yc - Z[:, idx] @ beta_s
            grad = Z.T @ resid / n
            violators = ~keep & (np.abs(grad) > a * (1 + KKT_SLACK))
            if not violators.any():
                break
            keep |= violators
        coefs[:, k] = beta
        gaps[k] = gap
        prev = a
        if stop is not None and stop(k, beta):
            break
        if max_r2 is not None and tss > 0 and 1 - (resid @ resid) / tss >= max_r2:
            break
    return coefs, gaps, k + 1


@_one_blas_thread
def lasso_entry(Z, yc, n_alphas: int = 200, eps: float = 1e-4):
    """Lasso path on the centred design: ``alphas`` (descending), ``coefs`` (p, K),
    and each feature's entry alpha (the largest alpha with a non-zero coefficient; 0 if never).

    The path is :func:`lasso_path_certified` on a geometric grid from
    ``alpha_max`` down to ``eps * alpha_max``, ended (glmnet's rule) once the
    fit explains :data:`PATH_MAX_R2` of ``||y_c||^2``; features that have not
    entered by then get entry alpha 0, and the later columns of ``coefs`` are zero.
    """
    alphas = _alpha_grid(Z, yc, n_alphas, eps)
    coefs, _, _ = lasso_path_certified(Z, yc, alphas, max_r2=PATH_MAX_R2)
    nz = coefs != 0
    entry = np.where(nz.any(axis=1), alphas[np.argmax(nz, axis=1)], 0.0)
    return alphas, coefs, entry


@_one_blas_thread
def lasso_cv_path(Z, yc, cv: int = 5, random_state=0, n_alphas: int = 100, eps: float = 1e-3):
    """K-fold cross-validated prediction error along the lasso path (LassoCV's computation).

    As ``sklearn.linear_model.LassoCV(alphas=grid, cv=KFold(cv, shuffle=True,
    random_state=random_state), fit_intercept=True)``: the grid comes from the
    full data, each training fold is re-centred (its intercept is
    unpenalised) and solved along the grid by :func:`lasso_path_certified`,
    and the mean squared error on the held-out fold is recorded.

    As glmnet, each fold's path ends once its fit explains
    :data:`PATH_MAX_R2` of the training variance (near-interpolation, p > n)
    and the grid is truncated to the alphas every fold reached.

    Returns
    -------
    alphas : ndarray (K,)
        Decreasing.
    mse : ndarray (K, cv)
        Held-out mean squared error per alpha and fold (``LassoCV.mse_path_``).
    """
    from sklearn.model_selection import KFold

    alphas = _alpha_grid(Z, yc, n_alphas, eps)
    folds = KFold(n_splits=cv, shuffle=True, random_state=random_state)
    mse = np.full((alphas.size, cv), np.nan)
    for f, (train, test) in enumerate(folds.split(Z)):
        z_mean, y_mean = Z[train].mean(axis=0), yc[train].mean()
        coefs, _, done = lasso_path_certified(Z[train] - z_mean, yc[train] - y_mean, alphas, max_r2=PATH_MAX_R2)
        pred = y_mean + (Z[test] - z_mean) @ coefs[:, :done]
        mse[:done, f] = np.mean((yc[test, None] - pred) ** 2, axis=0)
    common = int(np.argmax(np.isnan(mse).any(axis=1))) if np.isnan(mse).any() else alphas.size
    return alphas[:common], mse[:common]


def lasso_cv_alphas(Z, yc, cv: int = 5, random_state=0, n_alphas: int = 100):
    """``(alpha_min, alpha_1se)`` from :func:`lasso_cv_path` (one-standard-error rule as glmnet).

    ``alpha_min`` minimises the mean CV error (LassoCV's ``alpha_``);
    ``alpha_1se`` is the largest alpha whose mean error is within one standard
    error (over folds) of that minimum.
    """
    alphas, mse = lasso_cv_path(Z, yc, cv=cv, random_state=random_state, n_alphas=n_alphas)
    return one_se_rule(alphas, mse)


@_one_blas_thread
def stability_selection(Z, yc, n_subsamples: int = 100, n_alphas: int = 20, random_state=0, alpha_min_ratio=0.05):
    """Meinshausen & Bühlmann (2010) selection frequencies.

    For each of ``n_subsamples`` random halves (seeded), the lasso path on a
    grid of ``n_alphas`` alphas from alpha_max down to ``alpha_min_ratio *
    alpha_max`` (of the full data); the frequency of selection at each alpha,
    and per feature its maximum over the grid. Returns (p,) in [0, 1].
    Each path is :func:`lasso_path_certified` (screened, certified).
    """
    rng = np.random.default_rng(random_state)
    n, p = Z.shape
    amax = np.max(np.abs(Z.T @ yc)) / n
    alphas = amax * np.geomspace(1.0, alpha_min_ratio, n_alphas)
    counts = np.zeros((p, n_alphas))
    half = n // 2
    for _ in range(n_subsamples):
        idx = rng.choice(n, size=half, replace=False)
        Zs, ys = Z[idx] - Z[idx].mean(0), yc[idx] - yc[idx].mean()
        coefs, _, _ = lasso_path_certified(Zs, ys, alphas)
        counts += coefs != 0
    return (counts / n_subsamples).max(axis=1)


@_one_blas_thread
def dss_path(Z, beta_bar, variance_explained: float = DSS_VARIANCE_EXPLAINED, n_alphas: int = 100):
    """Decoupled shrinkage and selection (Hahn & Carvalho 2015).

    Adaptive lasso of the posterior-mean fit ``f = Z beta_bar`` on Z with
    weights ``1/|beta_bar_j|`` (columns rescaled by ``|beta_bar_j|``); returns the
    sparsest coefficient vector on the path (model scale) whose fit explains at
    least ``variance_explained`` of the variance of ``f``. The path
    (:func:`lasso_path_certified`) stops at that model.
    """
    f = Z @ beta_bar
    w = np.abs(beta_bar)
    total = f @ f
    if total == 0:
        return np.zeros_like(beta_bar)
    keep = w > 0
    Zw = Z[:, keep] * w[keep]
    found = []

    def explains(k, coef):
        gamma = np.zeros_like(beta_bar)
        gamma[keep] = coef * w[keep]
        r = f - Z @ gamma
        if 1 - (r @ r) / total >= variance_explained:
            found.append(gamma)
            return True
        return False

    lasso_path_certified(Zw, f, _alpha_grid(Zw, f, n_alphas, 1e-5), stop=explains)
    return found[0] if found else beta_bar.copy()


# ----------------------------------------------------------------------------- frequentist, binary outcomes
#: The L1-logistic paths end once the training deviance ratio ``1 - dev / dev_null``
#: reaches this (glmnet's ``devmax``): beyond it the classes are (nearly) separated
#: and the coefficients grow without bound as lam -> 0.
LOGISTIC_MAX_DEV = 0.999
#: Relative KKT target of the warm-started proximal Newton run on a screened
#: problem (the exact polish that follows finishes the job).
LOGISTIC_WARM_KKT = 1e-6


def _logistic_alpha_grid(Z, y, n_alphas, eps):
    """Geometric grid of per-observation penalties ``alpha = lam / n`` (glmnet's scaling)
    from ``alpha_max = lambda_max_logistic / n`` down to ``eps * alpha_max``."""
    from ._logistic import lambda_max_logistic

    return lambda_max_logistic(Z, y) / Z.shape[0] * np.geomspace(1.0, eps, n_alphas)


def _solve_screened_logistic(Zs, y, lam, beta0, b0, gap_tol):
    """L1-logistic on a screened design, warm-started from ``(beta0, b0)``: ``(beta, b0)``.

    First the exact sign-fixed Newton polish on the previous support; if its
    certificate fails (the support or a sign changes), proximal Newton from the
    previous solution on the screened columns, then the polish (the pieces of
    :func:`~bayes_sparse._logistic.solve_logistic_l1`); accepted when the
    certificate reaches ``gap_tol`` (relative to the null objective) with a KKT
    violation at rounding level, otherwise
    :func:`~bayes_sparse._logistic.solve_logistic_l1` itself (cold start,
    certified) decides.
    """
    from ._logistic import solve_logistic_l1

    n = Zs.shape[0]
    if np.any(beta0) and Zs.shape[1] <= n * WARM_MAX_RATIO:
        try:
            from ._logistic import _l1_certificate, _null_fit, _polish, _prox_newton
        except ImportError:  # pragma: no cover - internals renamed: the public solver still works
            pass
        else:
            null_obj = _null_fit(y)[2]

            def certified(sol):
                if sol is None:
                    return False
                cert = _l1_certificate(Zs, y, sol[0], sol[1], lam, null_obj)
                return cert.duality_gap <= gap_tol * null_obj and cert.kkt_violation <= 1e-9

            # along a path the support and signs usually stay: the exact Newton polish on the
            # previous support alone is then the solution (quadratic convergence, no CD)
            polished = _polish(Zs, y, beta0, b0, lam)
            if certified(polished):
                return polished
            beta, b1 = _prox_newton(Zs, y, lam, beta0, b0, LOGISTIC_WARM_KKT)
            polished = _polish(Zs, y, beta, b1, lam) if np.any(beta) else None
            if certified(polished):
                return polished
    with warnings.catch_warnings():  # the gap is measured on the full problem by the caller
        warnings.simplefilter("ignore", ConvergenceWarning)
        sol = solve_logistic_l1(Zs, y, lam, gap_tol=gap_tol)
    return sol.beta, sol.intercept


@_one_blas_thread
def logistic_path_certified(Z, y, alphas, *, gap_tol: float = PATH_GAP_TOL, max_dev: float | None = None):
    """L1-logistic solutions along a decreasing grid, warm-started, screened and certified.

    At each ``alpha_k`` (per-observation scaling: the penalty of
    :func:`~bayes_sparse._logistic.solve_logistic_l1` is ``lam = n alpha``)
    the sequential strong rule keeps the previous support and the features with
    ``|z_j' (y - p_hat_{k-1})| >= 2 lam_k - lam_{k-1}``; the screened problem
    is solved from the previous solution (:func:`_solve_screened_logistic`),
    and every screened-out feature is checked against its KKT bound
    ``|z_j' (y - p_hat)| <= lam_k`` on the full problem and added back (and
    the problem re-solved) if it violates it. The duality gap is then computed
    on the full problem (:func:`~bayes_sparse._logistic.logistic_l1_certificate`).

    Parameters
    ----------
    Z : ndarray (n, p)
        Design (raw or centred; the intercept is free).
    y : ndarray (n,)
        0/1 response with both classes.
    alphas : array (K,)
        Decreasing per-observation penalties.
    gap_tol : float
        Relative duality-gap target (relative to the null objective).
    max_dev : float, optional
        End the path once the deviance ratio ``1 - loss / null loss`` reaches
        this (glmnet's ``devmax``, 0.999 there).

    Returns
    -------
    coefs : ndarray (p, K)
    intercepts : ndarray (K,)
    gaps : ndarray (K,)
        Duality gap of each solution on the full problem.
    n_solved : int
        Columns computed (later columns are zero).
    """
    from ._logistic import _l1_certificate, _loss, _null_fit, _residual

    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y, dtype=float)
    alphas = np.asarray(alphas, dtype=float)
    if np.any(np.diff(alphas) > 0):
        raise ValueError("alphas must be decreasing")
    n, p = Z.shape
    ybar, b0, null_obj = _null_fit(y)
    coefs = np.zeros((p, alphas.size))
    intercepts = np.full(alphas.size, b0)
    gaps = np.zeros(alphas.size)
    grad = Z.T @ (y - ybar)
    lmax = float(np.max(np.abs(grad))) if p else 0.0
    beta = np.zeros(p)
    prev = lmax
    k = -1
    for k, a in enumerate(alphas):
        lam = a * n
        if lam >= lmax:
            continue
        keep = (np.abs(grad) >= 2 * lam - prev) | (beta != 0)
        while True:
            idx = np.flatnonzero(keep)
            beta_s, b0 = _solve_screened_logistic(Z[:, idx], y, lam, beta[idx], b0, gap_tol)
            beta = np.zeros(p)
            beta[idx] = beta_s
            eta = b0 + Z[:, idx] @ beta_s
            grad = Z.T @ _residual(eta, y)
            violators = ~keep & (np.abs(grad) > lam * (1 + KKT_SLACK))
            if not violators.any():
                break
            keep |= violators
        coefs[:, k] = beta
        intercepts[k] = b0
        gaps[k] = _l1_certificate(Z, y, beta, b0, lam, null_obj).duality_gap
        prev = lam
        if max_dev is not None and 1 - _loss(eta, y) / null_obj >= max_dev:
            break
    return coefs, intercepts, gaps, k + 1


def logistic_entry(Z, y, n_alphas: int = 100, eps: float = 1e-4):
    """L1-logistic path: ``alphas`` (descending, per observation: ``lam = n alpha``),
    ``coefs`` (p, K) and each feature's entry alpha (the largest alpha with a
    non-zero coefficient; 0 if never).

    :func:`logistic_path_certified` on a geometric grid from ``alpha_max``
    down to ``eps * alpha_max``, ended once the deviance ratio reaches
    :data:`LOGISTIC_MAX_DEV`; features that have not entered by then get 0.
    """
    y = np.asarray(y, dtype=float)
    alphas = _logistic_alpha_grid(Z, y, n_alphas, eps)
    coefs, _, _, _ = logistic_path_certified(Z, y, alphas, max_dev=LOGISTIC_MAX_DEV)
    nz = coefs != 0
    entry = np.where(nz.any(axis=1), alphas[np.argmax(nz, axis=1)], 0.0)
    return alphas, coefs, entry


def _binary_folds(y, cv, random_state):
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y))


def logistic_cv_path(Z, y, cv=5, random_state=0, n_alphas: int = 100, eps: float = 1e-3):
    """K-fold cross-validated log-loss along the L1-logistic path.

    The computation of ``LogisticRegressionCV(Cs=1 / (n alpha), l1_ratios=[1],
    scoring="neg_log_loss", cv=StratifiedKFold(cv, shuffle=True,
    random_state=random_state))`` with an unpenalised intercept (``C = 1 / lam``
    per fold: scikit-learn's C multiplies the training fold's summed loss, so
    the fold's penalty is ``lam = 1 / C``), done by
    :func:`logistic_path_certified` on each training fold. ``cv`` may also be
    a list of ``(train, test)`` index pairs. As glmnet, each fold's path ends
    at the deviance ratio :data:`LOGISTIC_MAX_DEV` and the grid is truncated to
    the alphas every fold reached.

    Returns
    -------
    alphas : ndarray (K,)
        Decreasing per-observation penalties of the full data (``lam = n alpha``).
    lams : ndarray (K,)
        The penalty used on every training fold (``1 / C``), ``n alpha``.
    logloss : ndarray (K, n_folds)
        Mean held-out log-loss per alpha and fold (minus scikit-learn's ``scores_``).
    """
    Z = np.asarray(Z, dtype=float)
    y = np.asarray(y, dtype=float)
    n = Z.shape[0]
    alphas = _logistic_alpha_grid(Z, y, n_alphas, eps)
    lams = alphas * n
    folds = _binary_folds(y, cv, random_state) if isinstance(cv, (int, np.integer)) else list(cv)
    loss = np.full((alphas.size, len(folds)), np.nan)
    for f, (train, test) in enumerate(folds):
        ntr = len(train)
        # the same lam on every fold: per-observation alpha_fold = lam / n_train
        coefs, b0, _, done = logistic_path_certified(Z[train], y[train], lams / ntr, max_dev=LOGISTIC_MAX_DEV)
        used = np.flatnonzero(coefs[:, :done].any(axis=1))  # a few columns of a wide Z
        eta = b0[:done] + Z[np.ix_(test, used)] @ coefs[used, :done]
        yt = y[test, None]
        loss[:done, f] = np.mean(np.logaddexp(0.0, eta) - yt * eta, axis=0)
    common = int(np.argmax(np.isnan(loss).any(axis=1))) if np.isnan(loss).any() else alphas.size
    return alphas[:common], lams[:common], loss[:common]


def one_se_rule(alphas, err):
    """``(alpha_min, alpha_1se)`` from CV errors ``err`` (K, folds): the minimiser of
    the mean error, and the largest alpha whose mean error is within one standard
    error (over folds) of that minimum (glmnet's ``lambda.1se``)."""
    mean, se = err.mean(axis=1), err.std(axis=1, ddof=1) / np.sqrt(err.shape[1])
    best = int(np.argmin(mean))
    within = np.flatnonzero(mean <= mean[best] + se[best])
    return float(alphas[best]), float(np.max(alphas[within]))


def logistic_cv_alphas(Z, y, cv=5, random_state=0, n_alphas: int = 100):
    """``(alpha_min, alpha_1se)`` of :func:`logistic_cv_path` (per observation; ``lam = n alpha``,
    scikit-learn's ``C = 1 / lam``) by the one-standard-error rule on the held-out log-loss."""
    alphas, _, loss = logistic_cv_path(Z, y, cv=cv, random_state=random_state, n_alphas=n_alphas)
    return one_se_rule(alphas, loss)


def _stratified_half(rng, y):
    """Indices of a random half of each class (sorted): every subsample keeps both classes."""
    idx = []
    for cls in (0.0, 1.0):
        members = np.flatnonzero(y == cls)
        idx.append(rng.choice(members, size=max(1, members.size // 2), replace=False))
    return np.sort(np.concatenate(idx))


def logistic_stability_selection(
    Z, y, n_subsamples: int = 100, n_alphas: int = 20, random_state=0, alpha_min_ratio=0.05
):
    """Stability selection (Meinshausen & Bühlmann 2010) with L1-logistic fits.

    For each of ``n_subsamples`` random halves (half of each class, seeded),
    the L1-logistic path (:func:`logistic_path_certified`) on a grid of
    ``n_alphas`` per-observation penalties from the full data's ``alpha_max``
    down to ``alpha_min_ratio * alpha_max`` (``lam = n_half alpha`` on the
    half); the selection frequency at each alpha, and per feature its maximum
    over the grid. A path that reaches the deviance ratio
    :data:`LOGISTIC_MAX_DEV` (separation on the half) stops there: its
    remaining alphas count its last support. Returns (p,) in [0, 1].
    """
    y = np.asarray(y, dtype=float)
    rng = np.random.default_rng(random_state)
    alphas = _logistic_alpha_grid(Z, y, n_alphas, alpha_min_ratio)
    counts = np.zeros((Z.shape[1], n_alphas))
    for _ in range(n_subsamples):
        idx = _stratified_half(rng, y)
        coefs, _, _, done = logistic_path_certified(Z[idx], y[idx], alphas, max_dev=LOGISTIC_MAX_DEV)
        nz = coefs != 0
        if 0 < done < n_alphas:
            nz[:, done:] = nz[:, done - 1 : done]
        counts += nz
    return (counts / n_subsamples).max(axis=1)


# ----------------------------------------------------------------------------- table
def _sorted_quantile(srt, q):
    """``np.quantile(x, q, axis=0)`` (linear interpolation) of draws sorted along axis 0."""
    h = (srt.shape[0] - 1) * q
    lo = int(np.floor(h))
    hi = min(lo + 1, srt.shape[0] - 1)
    return srt[lo] + (h - lo) * (srt[hi] - srt[lo])


RULES = ("fdr", "shrinkage", "interval")


def default_rule(prior) -> str:
    """The decision rule ``compare_selection`` uses for ``selected_bayes`` unless told otherwise.

    ``"shrinkage"`` for the horseshoe, :data:`DEFAULT_RULE` (``"fdr"``) for the
    other priors; the reasons and the benchmark are in the module docstring.
    """
    from .spec import rules_for

    return rules_for(prior).selection_rule


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
    rule: str | None = None,
    fdr_q: float = DEFAULT_FDR_Q,
    frequentist: bool = True,
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
        Folds for the cross-validated lasso (seeded by ``random_state``).
    n_subsamples : int
        Half-samples for stability selection.
    stability_threshold : float
        Frequency above which stability selection selects (Meinshausen & Bühlmann use 0.6-0.9).
    rule : {"fdr", "shrinkage", "interval"}, optional
        Which decision gives ``selected_bayes``: the Bayesian-FDR rule on
        ``inclusion_prob`` (:func:`bayesian_fdr`), the horseshoe's
        ``1 - E[kappa_j] > 0.5``, or the central credible interval excluding 0.
        Default: :func:`default_rule`.
    fdr_q : float
        Target of the Bayesian-FDR rule (posterior expected false-discovery proportion).
    frequentist : bool
        Compute the lasso side (cross-validation, path entry, stability
        selection, DSS). ``False`` gives the posterior columns only.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature; columns ``mean``, ``median``, ``hdi_low``, ``hdi_high``,
        ``ci_low``, ``ci_high``, ``ci_excludes_zero``, ``inclusion_prob``,
        ``p_positive``, ``p_sign``, ``selected_fdr``, [``shrinkage`` = 1 - E[kappa]
        and ``selected_shrinkage`` for the horseshoe], ``selected_bayes``,
        ``r_hat``, ``ess_bulk`` and, with ``frequentist=True``, ``dss_coef``,
        ``selected_dss``, ``lasso_min``, ``lasso_1se``, ``selected_lasso_cv``,
        ``selected_lasso_1se``, ``entry_alpha``, ``entry_rank``,
        ``stability_freq``, ``selected_stability``. ``table.attrs`` holds
        ``eps``, ``rule`` (its description), ``rule_name``, ``fdr_q``,
        ``expected_fdp`` (posterior expected false-discovery proportion of the
        FDR selection), ``m_eff`` (horseshoe) and, with the lasso side,
        ``alpha_min``, ``alpha_1se``, ``frequentist`` (what was computed) and
        the agreement summary (:func:`selection_agreement`).

        For a binary outcome (``result.spec.family == "bernoulli"``) the same
        columns hold the L1-logistic counterparts: ``lasso_min`` /
        ``lasso_1se`` are the certified L1-logistic fits at lam_min and lam_1se
        of a cross-validated log-loss (:func:`logistic_cv_path`, scikit-learn's
        ``LogisticRegressionCV(l1_ratios=[1], scoring="neg_log_loss")`` with
        the one-standard-error rule added), ``entry_alpha`` the entry penalty
        on the L1-logistic path (:func:`logistic_entry`) and
        ``stability_freq`` stability selection with L1-logistic fits
        (:func:`logistic_stability_selection`). Penalties are per observation,
        ``alpha = lam / n`` (glmnet's scaling); ``attrs`` adds ``lam_min``,
        ``lam_1se``, scikit-learn's ``C_min = 1 / lam_min``, ``C_1se`` and
        ``cv_folds`` (stratified; fewer than ``cv`` when the smaller class has
        fewer members). DSS is unchanged: the adaptive lasso of the posterior
        mean linear predictor (log-odds).

    Notes
    -----
    ``inclusion_prob`` is ``P(|beta_j| > eps_j | y)``, the posterior
    probability of the event "feature j has a practically relevant effect".
    It is what the FDR rule uses: a probability of an event on beta, so the
    rule's bound (expected false-discovery proportion <= q under the model)
    is about that event. The horseshoe's ``1 - E[kappa_j]`` is a posterior
    mean shrinkage weight, not the probability of any event, and the FDR
    bound computed from it has no such meaning.
    """
    import pandas as pd

    from ._mcmc_stats import rank_diagnostics
    from .diagnostics import hdi_sorted

    design = result.design
    if X is not None or y is not None:
        other = prepare_data(X, y, standardize=design.standardize)
        if other.X.shape != design.X.shape or not (
            np.array_equal(other.X, design.X) and np.array_equal(other.y, design.y)
        ):
            raise ValueError("X, y differ from the data the result was fit to")
    horseshoe = result.spec.rules.shrinkage_factors
    rule = default_rule(result.prior) if rule is None else rule
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if rule == "shrinkage" and not horseshoe:
        raise ValueError("rule='shrinkage' needs a horseshoe fit (kappa is defined by its local/global scales)")
    names = list(design.feature_names)
    draws = result.draws("beta")
    eps_arr = (
        default_eps(design.X, design.y, result.spec.family)
        if eps is None
        else np.broadcast_to(np.asarray(eps, float), (design.p,))
    )
    srt = np.sort(draws, axis=0)  # one sort for the median, the central interval and the HDI
    hdi_b = hdi_sorted(srt, cred_prob)
    a = (1 - cred_prob) / 2
    ci = np.stack([_sorted_quantile(srt, a), _sorted_quantile(srt, 1 - a)], axis=1)
    median = _sorted_quantile(srt, 0.5)
    del srt
    p_pos = np.mean(draws > 0, axis=0)
    pi = inclusion_prob(draws, eps_arr)
    table = pd.DataFrame(
        {
            "mean": draws.mean(0),
            "median": median,
            "hdi_low": hdi_b[:, 0],
            "hdi_high": hdi_b[:, 1],
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "ci_excludes_zero": (ci[:, 0] > 0) | (ci[:, 1] < 0),
            "inclusion_prob": pi,
            "p_positive": p_pos,
            "p_sign": np.maximum(p_pos, 1 - p_pos),
        },
        index=pd.Index(names, name="feature"),
    )
    fdr_sel, efdp = bayesian_fdr(pi, fdr_q)
    table["selected_fdr"] = fdr_sel
    attrs = {"eps": eps_arr, "cred_prob": cred_prob, "fdr_q": fdr_q, "expected_fdp": efdp}
    rules = {
        "fdr": f"Bayesian FDR at q = {fdr_q:g} on P(|beta_j| > eps_j | y) (Müller, Parmigiani & Rice 2006)",
        "interval": f"{cred_prob * 100:g}% central credible interval excludes 0",
    }
    if horseshoe:
        table["shrinkage"] = 1 - _mean_kappa(result)
        table["selected_shrinkage"] = table["shrinkage"] > 0.5
        attrs["m_eff"] = float(result.draws("m_eff").mean())
        rules["shrinkage"] = "1 - E[kappa_j] > 0.5 (Carvalho, Polson & Scott 2010)"
    column = {"fdr": "selected_fdr", "interval": "ci_excludes_zero", "shrinkage": "selected_shrinkage"}[rule]
    table["selected_bayes"] = table[column].to_numpy(bool)
    attrs["rule"], attrs["rule_name"] = rules[rule], rule

    beta_post = result.idata.posterior["beta"].transpose("chain", "draw", ...)
    r_hat, ess_bulk, _ = rank_diagnostics(np.asarray(beta_post.values, dtype=float), tail=False)
    table["r_hat"] = r_hat
    table["ess_bulk"] = ess_bulk
    if frequentist:
        Z, yc = design.Z, design.yc
        beta_bar_z = draws.mean(0) * design.x_scale
        dss = design.coef_to_original(dss_path(Z, beta_bar_z))
        table["dss_coef"] = dss
        table["selected_dss"] = dss != 0

        if result.spec.family == "bernoulli":
            lasso_min, lasso_1se, entry, freq, extra = _logistic_side(design, cv, n_subsamples, random_state)
        else:
            alpha_min, alpha_1se = lasso_cv_alphas(Z, yc, cv=cv, random_state=random_state)
            lasso_min = design.coef_to_original(solve_lasso(Z, yc, alpha_min).beta)
            lasso_1se = design.coef_to_original(solve_lasso(Z, yc, alpha_1se).beta)
            _, _, entry = lasso_entry(Z, yc)
            freq = stability_selection(Z, yc, n_subsamples=n_subsamples, random_state=random_state)
            extra = {
                "alpha_min": alpha_min,
                "alpha_1se": alpha_1se,
                "frequentist": f"LassoCV ({cv}-fold) with the one-standard-error rule; lasso path; stability selection",
            }
        table["lasso_min"] = lasso_min
        table["lasso_1se"] = lasso_1se
        table["selected_lasso_cv"] = lasso_min != 0
        table["selected_lasso_1se"] = lasso_1se != 0
        table["entry_alpha"] = entry
        table["entry_rank"] = pd.Series(entry, index=table.index).rank(ascending=False, method="min").astype(int)
        table["stability_freq"] = freq
        table["selected_stability"] = table["stability_freq"] >= stability_threshold
        attrs.update(extra)
    table.attrs.update(attrs)
    if frequentist:
        table.attrs["agreement"] = selection_agreement(table)
    return table


def _logistic_side(design, cv, n_subsamples, random_state):
    """The frequentist columns for a binary outcome: L1-logistic in place of the lasso.

    Cross-validated L1-logistic regression (:func:`logistic_cv_path`, the
    computation of ``LogisticRegressionCV(l1_ratios=[1], scoring="neg_log_loss")``)
    with lam_min and lam_1se (one standard error of the held-out log-loss), the
    certified fits at both, the L1-logistic path's entry order and stability
    selection with L1-logistic fits. Penalties are reported per observation,
    ``alpha = lam / n`` (glmnet's scaling), beside ``lam`` and scikit-learn's ``C = 1 / lam``.
    """
    from ._logistic import sklearn_logistic_params, solve_logistic_l1

    Z, y = design.Z, design.y
    n = design.n
    minority = int(min(np.sum(y == 0), np.sum(y == 1)))
    if minority < 2:
        raise ValueError(
            f"the smaller class has {minority} observation: cross-validated L1-logistic regression needs at "
            "least 2 per class (pass frequentist=False for the posterior columns only)"
        )
    folds = min(cv, minority)  # stratified folds: each needs a member of each class
    alpha_min, alpha_1se = logistic_cv_alphas(Z, y, cv=folds, random_state=random_state)
    fits = {}
    for key, a in (("min", alpha_min), ("1se", alpha_1se)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits[key] = design.coef_to_original(solve_logistic_l1(Z, y, a * n).beta)
    _, _, entry = logistic_entry(Z, y)
    freq = logistic_stability_selection(Z, y, n_subsamples=n_subsamples, random_state=random_state)
    extra = {
        "alpha_min": alpha_min,
        "alpha_1se": alpha_1se,
        "lam_min": alpha_min * n,
        "lam_1se": alpha_1se * n,
        "C_min": sklearn_logistic_params(lam=alpha_min * n)["C"],
        "C_1se": sklearn_logistic_params(lam=alpha_1se * n)["C"],
        "cv_folds": folds,
        "frequentist": (
            f"L1-logistic regression: {folds}-fold stratified CV of the log-loss (LogisticRegressionCV(l1_ratios=[1], "
            "scoring='neg_log_loss') computed by the certified solver) with the one-standard-error rule; "
            "L1-logistic path; stability selection with L1-logistic fits"
        ),
    }
    return fits["min"], fits["1se"], entry, freq, extra


def _mean_kappa(result):
    post = result.idata.posterior
    if "kappa" in post:
        return result.draws("kappa").mean(0)
    c2 = result.draws("c2") if "c2" in post else None
    local = "local_scale"
    col_var = result.design.Z.var(axis=0) / result.spec.likelihood.pseudo_variance
    tau, lam = result.draws("tau"), result.draws(local)
    total = np.zeros(lam.shape[1])
    for start in range(0, lam.shape[0], KAPPA_BLOCK):  # bounded temporaries at p = 20,000
        sl = slice(start, start + KAPPA_BLOCK)
        total += shrinkage_factors(tau[sl], lam[sl], None if c2 is None else c2[sl], result.design.n, col_var).sum(0)
    return total / lam.shape[0]


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
    "fdr": "selected_fdr",
    "shrinkage": "selected_shrinkage",
    "interval": "ci_excludes_zero",
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
