"""MAP estimation, the prior <-> penalty mapping, and the optimality certificate.

With the noise sd sigma fixed and a flat prior on the intercept, the negative
log posterior under a Laplace(0, b) prior is::

    RSS / (2 sigma**2) + sum_j |beta_j| / b + const

Multiplying by ``sigma**2 / n`` gives scikit-learn's ``Lasso`` objective::

    P(beta) = ||y_c - Z beta||**2 / (2 n) + alpha * ||beta||_1,   alpha = sigma**2 / (n b)

(``alpha = lam * sigma / n`` for the conditional prior, b = sigma / lam).
Under a Gaussian N(0, s**2) prior it is ridge:
``||y_c - Z beta||**2 + alpha ||beta||**2`` with ``alpha = sigma**2 / s**2``.

The lasso is solved by coordinate descent on growing working sets (the
sub-problems go to scikit-learn's Cython solver) followed by an exact
active-set solve; the returned solution carries a duality gap and a KKT
violation computed here, from the solution itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from ._data import Design, prepare_data
from .priors import Gaussian, Laplace
from .spec import ModelSpec, rules_for

__all__ = [
    "MapResult",
    "map_estimate",
    "lasso_alpha",
    "laplace_from_alpha",
    "ridge_alpha",
    "gaussian_from_alpha",
    "lasso_certificate",
    "solve_lasso",
    "alpha_max",
]

#: Default target for the duality gap, relative to ||y_c||**2 / n.
DEFAULT_GAP_TOL = 1e-10


# ----------------------------------------------------------------------------- mapping
def _check_sigma(sigma):
    if sigma is None:
        raise ValueError(
            "the MAP / penalty equivalence holds at a fixed noise sd: give sigma (a positive number)"
        )
    if isinstance(sigma, bool) or not np.isscalar(sigma) or not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    return float(sigma)


def _check_n(n):
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return int(n)


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not np.isscalar(alpha) or not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a positive finite number, got {alpha!r}")
    return float(alpha)


def lasso_alpha(prior: Laplace, sigma: float, n: int) -> float:
    """scikit-learn ``Lasso`` alpha equivalent to a Laplace prior at fixed sigma.

    ``alpha = sigma**2 / (n b)`` where b is the Laplace scale of the prior
    (``b = sigma / lam`` conditional, ``b = 1 / lam`` unconditional), so
    ``alpha = lam sigma / n`` for the conditional prior.

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> bs.lasso_alpha(bs.Laplace(lam=10.0), sigma=2.0, n=100)
    0.2
    """
    if not isinstance(prior, Laplace):
        raise TypeError(f"lasso_alpha needs a bs.Laplace prior, got {type(prior).__name__}")
    return rules_for(prior).penalty(prior, _check_sigma(sigma), _check_n(n)).alpha


def laplace_from_alpha(alpha: float, sigma: float, n: int, conditional: bool = False) -> Laplace:
    """The Laplace prior whose MAP at fixed sigma is ``Lasso(alpha)``.

    Inverse of :func:`lasso_alpha`: ``b = sigma**2 / (n alpha)``; returns
    ``Laplace(scale=b, conditional=False)`` or, when ``conditional``,
    ``Laplace(lam=n alpha / sigma)``.
    """
    alpha = _check_alpha(alpha)
    sigma = _check_sigma(sigma)
    n = _check_n(n)
    if conditional:
        return Laplace(lam=n * alpha / sigma, conditional=True)
    return Laplace(scale=sigma**2 / (n * alpha), conditional=False)


def ridge_alpha(prior: Gaussian, sigma: float) -> float:
    """scikit-learn ``Ridge`` alpha equivalent to a Gaussian prior at fixed sigma.

    ``alpha = sigma**2 / s**2`` for N(0, s**2); ``alpha = 1 / s**2`` for the
    conditional N(0, sigma**2 s**2).
    """
    if not isinstance(prior, Gaussian):
        raise TypeError(f"ridge_alpha needs a bs.Gaussian prior, got {type(prior).__name__}")
    return rules_for(prior).penalty(prior, _check_sigma(sigma), 1).alpha


def gaussian_from_alpha(alpha: float, sigma: float, conditional: bool = False) -> Gaussian:
    """The Gaussian prior whose MAP at fixed sigma is ``Ridge(alpha)``."""
    alpha = _check_alpha(alpha)
    sigma = _check_sigma(sigma)
    if conditional:
        return Gaussian(scale=1.0 / np.sqrt(alpha), conditional=True)
    return Gaussian(scale=sigma / np.sqrt(alpha), conditional=False)


# ----------------------------------------------------------------------------- certificate
@dataclass(frozen=True)
class Certificate:
    """Optimality certificate of a lasso solution (see :func:`lasso_certificate`)."""

    objective: float
    dual_objective: float
    duality_gap: float
    kkt_violation: float


def alpha_max(Z, yc) -> float:
    """Smallest alpha at which the lasso solution is all zeros: ``max|Z' y_c| / n``."""
    return float(np.max(np.abs(Z.T @ yc))) / Z.shape[0]


def lasso_certificate(Z, yc, beta, alpha) -> Certificate:
    """Duality gap and KKT violation of ``beta`` for the centred lasso problem.

    Primal ``P(beta) = ||r||**2 / (2n) + alpha ||beta||_1`` with
    ``r = y_c - Z beta``. Dual point ``theta = r * min(1, alpha / (||Z' r||_inf / n))``,
    ``D(theta) = (||y_c||**2 - ||y_c - theta||**2) / (2n)``. The gap
    ``P(beta) - D(theta) >= 0`` bounds the sub-optimality ``P(beta) - P*``.

    The KKT violation is the largest of ``max(0, |z_j' r| / n - alpha)`` over
    zero coefficients and ``|z_j' r / n - alpha sign(beta_j)|`` over non-zero
    ones, divided by alpha (so it is relative).
    """
    n = Z.shape[0]
    beta = np.asarray(beta, dtype=float)
    r = yc - Z @ beta
    grad = Z.T @ r / n
    primal = r @ r / (2 * n) + alpha * np.abs(beta).sum()
    gmax = np.max(np.abs(grad))
    theta = r * (min(1.0, alpha / gmax) if gmax > 0 else 1.0)
    # (||y||^2 - ||y - theta||^2) written without the cancelling ||y||^2 terms
    dual = (2.0 * (yc @ theta) - theta @ theta) / (2 * n)
    nz = beta != 0
    viol_zero = np.max(np.abs(grad[~nz]) - alpha, initial=0.0)
    viol_nz = np.max(np.abs(grad[nz] - alpha * np.sign(beta[nz])), initial=0.0)
    return Certificate(
        objective=float(primal),
        dual_objective=float(dual),
        duality_gap=float(max(primal - dual, 0.0)),
        kkt_violation=float(max(viol_zero, viol_nz) / alpha),
    )


# ----------------------------------------------------------------------------- solver
def _cd_subproblem(Zw, yc, alpha, beta_init, gram, tol):
    """Coordinate descent on a working set with its Gram matrix.

    Uses scikit-learn's Cython Gram solver directly (no per-call estimator
    validation, which dominates small problems); falls back to the public
    ``Lasso`` estimator if that private function's signature changes.
    ``tol`` is scikit-learn's: the sub-problem gap relative to ``||y_c||**2``.
    """
    n = Zw.shape[0]
    w = np.array(beta_init, dtype=float, order="C")
    try:
        from sklearn.linear_model._cd_fast import enet_coordinate_descent_gram

        w, *_ = enet_coordinate_descent_gram(
            w, alpha * n, 0.0, np.ascontiguousarray(gram), Zw.T @ yc, yc,
            100_000, tol, np.random.RandomState(0), False, False,
        )
        return np.asarray(w, dtype=float)
    except (ImportError, TypeError, ValueError):  # pragma: no cover - private API moved
        pass
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso

    model = Lasso(alpha=alpha, fit_intercept=False, precompute=gram, tol=tol,
                  max_iter=100_000, warm_start=True)
    model.coef_ = w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(Zw, yc, check_input=False)
    return np.asarray(model.coef_, dtype=float)


def _active_set_polish(Z, yc, beta, alpha):
    """Exact solution given the active set and signs of ``beta``, or None.

    On the support A with signs s the optimality conditions are linear:
    ``Z_A' (y_c - Z_A beta_A) / n = alpha s``. If the solution keeps the signs,
    it is the lasso optimum (checked afterwards by the certificate).
    """
    n = Z.shape[0]
    active = np.flatnonzero(beta)
    if active.size == 0 or active.size > n:
        return None
    signs = np.sign(beta[active])
    Za = Z[:, active]
    gram = Za.T @ Za
    rhs = Za.T @ yc - n * alpha * signs
    try:
        factor = linalg.cho_factor(gram)
        solve = lambda b: linalg.cho_solve(factor, b)  # noqa: E731
    except linalg.LinAlgError:  # singular: duplicated or collinear active columns
        solve = lambda b: linalg.lstsq(gram, b, cond=1e-14, lapack_driver="gelsd")[0]  # noqa: E731
    sol = solve(rhs)
    # one step of iterative refinement tightens the residual of the KKT system
    sol = sol + solve(rhs - gram @ sol)
    if np.any(np.sign(sol) != signs):
        return None
    out = np.zeros_like(beta)
    out[active] = sol
    return out


@dataclass(frozen=True)
class LassoSolution:
    beta: np.ndarray
    certificate: Certificate
    n_outer: int
    polished: bool
    converged: bool = True  # the duality gap reached its target


def solve_lasso(Z, yc, alpha, *, gap_tol=None, max_outer=100, working_set_size=None) -> LassoSolution:
    """Solve ``min ||y_c - Z beta||**2 / (2n) + alpha ||beta||_1`` to a certified gap.

    Working sets: starting from a small set (current support plus the features
    whose correlation with the residual is closest to the bound alpha),
    coordinate descent solves the restricted problem, the full-problem
    certificate is checked, and the set doubles until the gap on the *full*
    problem is below ``gap_tol * ||y_c||**2 / n``. The support and signs found
    are then solved exactly (:func:`_active_set_polish`), which gives a KKT
    violation at rounding level.

    Parameters
    ----------
    Z : ndarray (n, p)
        Centred design.
    yc : ndarray (n,)
        Centred response.
    alpha : float
        Penalty, scikit-learn's scaling.
    gap_tol : float, optional
        Relative duality-gap target (default :data:`DEFAULT_GAP_TOL`).
    """
    alpha = _check_alpha(alpha)
    n, p = Z.shape
    gap_tol = DEFAULT_GAP_TOL if gap_tol is None else float(gap_tol)
    target = gap_tol * (yc @ yc) / n
    beta = np.zeros(p)
    if alpha >= alpha_max(Z, yc):
        return LassoSolution(beta, lasso_certificate(Z, yc, beta, alpha), 0, False)

    ws_size = int(working_set_size or min(p, 64))
    best = (np.inf, beta)
    sub_tol = 1e-4  # loose first: the active-set solve finishes once support and signs are right
    grad = Z.T @ yc / n
    for outer in range(1, max_outer + 1):
        support = beta != 0
        score = np.abs(grad)
        score[support] = np.inf  # always keep the support
        ws_size = min(p, max(ws_size, 2 * int(support.sum())))
        if ws_size < p:
            work = np.sort(np.argpartition(-score, ws_size - 1)[:ws_size])
        else:
            work = np.arange(p)
        Zw = Z[:, work]
        beta_w = _cd_subproblem(Zw, yc, alpha, beta[work], Zw.T @ Zw, sub_tol)
        beta = np.zeros(p)
        beta[work] = beta_w
        cert = lasso_certificate(Z, yc, beta, alpha)
        if cert.duality_gap < best[0]:
            best = (cert.duality_gap, beta)
        polished = _active_set_polish(Z, yc, beta, alpha)
        if polished is not None:
            pcert = lasso_certificate(Z, yc, polished, alpha)
            if pcert.duality_gap <= target and pcert.kkt_violation <= 1e-9:
                return LassoSolution(polished, pcert, outer, True)
        if cert.duality_gap <= target:
            break
        grad = Z.T @ (yc - Z @ beta) / n
        outside = np.ones(p, dtype=bool)
        outside[work] = False
        if np.any(np.abs(grad[outside]) > alpha):
            ws_size = min(p, 2 * ws_size)  # a feature outside the set violates its KKT bound
        else:
            sub_tol = max(sub_tol * 1e-2, 1e-15)  # the set is right; solve it tighter
    beta = best[1]
    cert = lasso_certificate(Z, yc, beta, alpha)
    converged = cert.duality_gap <= target
    if not converged:
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(
            f"solve_lasso stopped after {outer} outer iterations with duality gap {cert.duality_gap:.3g} "
            f"above its target {target:.3g}; the solution is certified only to that gap "
            "(raise max_outer or gap_tol, or check for near-duplicate columns)",
            ConvergenceWarning,
            stacklevel=2,
        )
    return LassoSolution(beta, cert, outer, False, converged)


# ----------------------------------------------------------------------------- ridge
def _solve_ridge(Z, yc, alpha):
    """``argmin ||y_c - Z beta||**2 + alpha ||beta||**2`` (p x p or n x n system)."""
    n, p = Z.shape
    if p <= n:
        A = Z.T @ Z
        A[np.diag_indices(p)] += alpha
        return linalg.solve(A, Z.T @ yc, assume_a="pos")
    K = Z @ Z.T
    K[np.diag_indices(n)] += alpha
    return Z.T @ linalg.solve(K, yc, assume_a="pos")


def _ridge_certificate(Z, yc, beta, alpha):
    """Gap of ``(1/2)||r||**2 + (alpha/2)||beta||**2`` against its dual at theta = r."""
    r = yc - Z @ beta
    grad = Z.T @ r - alpha * beta
    primal = 0.5 * (r @ r) + 0.5 * alpha * (beta @ beta)
    Zt = Z.T @ r
    dual = yc @ r - 0.5 * (r @ r) - 0.5 * (Zt @ Zt) / alpha
    scale = max(alpha * np.max(np.abs(beta), initial=0.0), np.finfo(float).tiny)
    return Certificate(
        objective=float(r @ r + alpha * beta @ beta),
        dual_objective=float(2 * dual),
        duality_gap=float(max(2 * (primal - dual), 0.0)),
        kkt_violation=float(np.max(np.abs(grad)) / scale),
    )


# ----------------------------------------------------------------------------- public
@dataclass(frozen=True)
class MapResult:
    """MAP estimate at fixed sigma, with the penalty it is equivalent to.

    Attributes
    ----------
    coef_ : ndarray (p,)
        Coefficients on the original scale of X (exact zeros for the lasso).
    intercept_ : float
    alpha_ : float
        scikit-learn-equivalent penalty on the model scale (standardized columns
        when ``standardize=True``): ``Lasso(alpha_)`` or ``Ridge(alpha_)``.
    penalty_ : {"l1", "l2"}
    objective_ : float
        scikit-learn's objective at the solution (model scale).
    duality_gap_ : float
        Upper bound on ``objective_ - optimum``, computed from the solution.
    kkt_violation_ : float
        Largest violation of the optimality conditions, relative to alpha.
    alpha_max_ : float
        For the lasso, the smallest alpha giving all zeros.
    coef_model_ : ndarray (p,)
        Coefficients on the model scale.
    feature_names_ : tuple of str
    converged_ : bool
        Whether the solver reached its duality-gap target (a ConvergenceWarning
        was issued otherwise).
    spec : ModelSpec
        The model whose posterior mode this is.
    """

    coef_: np.ndarray
    intercept_: float
    alpha_: float
    penalty_: str
    objective_: float
    duality_gap_: float
    kkt_violation_: float
    alpha_max_: float
    coef_model_: np.ndarray
    feature_names_: tuple
    prior: object
    sigma: float
    standardize: bool
    design: Design = field(repr=False)
    converged_: bool = True
    spec: ModelSpec | None = field(default=None, repr=False)

    def predict(self, X):
        from ._data import check_X_new

        return self.design.linear_predictor(self.coef_, self.intercept_, check_X_new(X, self.design))

    @property
    def n_nonzero_(self) -> int:
        return int(np.count_nonzero(self.coef_))


def map_estimate(X, y, prior, sigma, *, standardize: bool = True, gap_tol: float | None = None) -> MapResult:
    """Posterior mode at fixed sigma: the lasso (Laplace prior) or ridge (Gaussian).

    With a flat prior on the intercept and sigma fixed, the MAP under
    ``Laplace`` minimises ``||y_c - Z beta||**2 / (2n) + alpha ||beta||_1`` with
    ``alpha = sigma**2 / (n b)``; under ``Gaussian`` it minimises
    ``||y_c - Z beta||**2 + alpha ||beta||**2`` with ``alpha = sigma**2 / s**2``.
    Z is the centred (and, with ``standardize=True``, standardized) design.

    Parameters
    ----------
    X : array-like (n, p) or DataFrame
    y : array-like (n,)
    prior : bs.Laplace or bs.Gaussian with fixed scale
    sigma : float
        Fixed noise standard deviation.
    standardize : bool, default True
        Whether the prior acts on standardized coefficients (as in
        :func:`bayes_sparse.build_model`). Coefficients are reported on the
        original scale either way.
    gap_tol : float, optional
        Duality-gap target relative to ``||y_c||**2 / n`` (default 1e-10).

    Raises
    ------
    ValueError
        For the horseshoe (no finite MAP exists), for priors with a hyperprior
        on their scale, and for bad data.

    Examples
    --------
    >>> import numpy as np, bayes_sparse as bs
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 5)); y = X[:, 0] + 0.1 * rng.normal(size=50)
    >>> m = bs.map_estimate(X, y, bs.Laplace(lam=20.0), sigma=0.1, standardize=False)
    >>> int(m.n_nonzero_), m.duality_gap_ < 1e-9
    (1, True)
    """
    rules = rules_for(prior)
    if rules.no_map_reason:
        raise ValueError(rules.no_map_reason)
    sigma = _check_sigma(sigma)
    spec = ModelSpec.build(prior, sigma=sigma, standardize=standardize)
    design = prepare_data(X, y, standardize=standardize)
    Z, yc, n = design.Z, design.yc, design.n
    penalty = rules.penalty(prior, sigma, n)
    alpha, converged, amax = penalty.alpha, True, np.nan
    if penalty.kind == "l1":
        sol = solve_lasso(Z, yc, alpha, gap_tol=gap_tol)
        beta_z, cert, converged = sol.beta, sol.certificate, sol.converged
        amax = alpha_max(Z, yc)
    else:
        beta_z = _solve_ridge(Z, yc, alpha)
        cert = _ridge_certificate(Z, yc, beta_z, alpha)
    coef = design.coef_to_original(beta_z)
    return MapResult(
        coef_=coef,
        intercept_=float(design.intercept_to_original(coef)),
        alpha_=alpha,
        penalty_=penalty.kind,
        objective_=cert.objective,
        duality_gap_=cert.duality_gap,
        kkt_violation_=cert.kkt_violation,
        alpha_max_=amax,
        coef_model_=beta_z,
        feature_names_=design.feature_names,
        prior=prior,
        sigma=sigma,
        standardize=design.standardize,
        design=design,
        converged_=converged,
        spec=spec,
    )
