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
from .priors import ElasticNet, Gaussian, Laplace
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
    "elastic_net_alpha",
    "elastic_net_from_alpha",
    "elastic_net_certificate",
    "solve_elastic_net",
]

#: Default target for the duality gap, relative to ||y_c||**2 / n.
DEFAULT_GAP_TOL = 1e-10


# ----------------------------------------------------------------------------- mapping
def _check_sigma(sigma):
    if sigma is None:
        raise ValueError("the MAP / penalty equivalence holds at a fixed noise sd: give sigma (a positive number)")
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
def _cd_subproblem(Zw, yc, alpha, beta_init, gram, tol, *, l2=0.0):
    """Coordinate descent on a working set with its Gram matrix.

    Minimises ``||y_c - Zw b||**2 / (2n) + alpha ||b||_1 + (l2 / 2) ||b||**2``
    (``l2 = 0``: the lasso; ``l2 > 0``: the elastic net).

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
            w,
            alpha * n,
            l2 * n,
            np.ascontiguousarray(gram),
            Zw.T @ yc,
            yc,
            100_000,
            tol,
            np.random.RandomState(0),
            False,
            False,
        )
        return np.asarray(w, dtype=float)
    except (ImportError, TypeError, ValueError):  # pragma: no cover - private API moved
        pass
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNet as _SkElasticNet

    total = alpha + l2
    model = _SkElasticNet(
        alpha=total,
        l1_ratio=alpha / total,
        fit_intercept=False,
        precompute=gram,
        tol=tol,
        max_iter=100_000,
        warm_start=True,
    )
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


# ----------------------------------------------------------------------------- elastic net
def elastic_net_alpha(prior: ElasticNet, n: int) -> tuple:
    """scikit-learn ``ElasticNet`` (alpha, l1_ratio) equivalent to an elastic net prior.

    The negative log posterior at any fixed sigma is
    ``(RSS + lam1 ||b||_1 + lam2 ||b||**2) / (2 sigma**2)``; times ``sigma**2 / n`` it is
    ``ElasticNet``'s objective with ``alpha = lam1 / (2n) + lam2 / n`` and
    ``l1_ratio = lam1 / (lam1 + 2 lam2)``. sigma cancels.

    Examples
    --------
    >>> import bayes_sparse as bs
    >>> bs.elastic_net_alpha(bs.ElasticNet(lam1=4.0, lam2=2.0), n=100)
    (0.04, 0.5)
    """
    if not isinstance(prior, ElasticNet):
        raise TypeError(f"elastic_net_alpha needs a bs.ElasticNet prior, got {type(prior).__name__}")
    pen = rules_for(prior).penalty(prior, None, _check_n(n))
    return pen.alpha, pen.l1_ratio


def elastic_net_from_alpha(alpha: float, l1_ratio: float, n: int) -> ElasticNet:
    """The elastic net prior whose MAP is ``ElasticNet(alpha, l1_ratio)``: inverse of
    :func:`elastic_net_alpha`, ``lam1 = 2 n alpha l1_ratio``, ``lam2 = n alpha (1 - l1_ratio)``.

    ``l1_ratio`` must be strictly between 0 and 1 (0 is ridge: :func:`gaussian_from_alpha`;
    1 is the lasso: :func:`laplace_from_alpha`).
    """
    alpha = _check_alpha(alpha)
    n = _check_n(n)
    if isinstance(l1_ratio, bool) or not np.isscalar(l1_ratio) or not 0 < l1_ratio < 1:
        raise ValueError(f"l1_ratio must be strictly between 0 and 1, got {l1_ratio!r}")
    return ElasticNet(lam1=2.0 * n * alpha * float(l1_ratio), lam2=n * alpha * (1.0 - float(l1_ratio)))


def _enet_terms(alpha, l1_ratio):
    """(l1, l2) weights of ``||r||**2 / (2n) + l1 ||b||_1 + (l2 / 2) ||b||**2``."""
    alpha = _check_alpha(alpha)
    if isinstance(l1_ratio, bool) or not np.isscalar(l1_ratio) or not 0 < l1_ratio <= 1:
        raise ValueError(f"l1_ratio must be in (0, 1], got {l1_ratio!r}")
    return alpha * float(l1_ratio), alpha * (1.0 - float(l1_ratio))


def elastic_net_certificate(Z, yc, beta, alpha, l1_ratio) -> Certificate:
    """Duality gap and KKT violation of ``beta`` for the centred elastic net problem.

    Primal ``P(b) = ||r||**2 / (2n) + l1 ||b||_1 + (l2 / 2) ||b||**2`` with
    ``l1 = alpha l1_ratio``, ``l2 = alpha (1 - l1_ratio)``, ``r = y_c - Z b``. It is
    the lasso on the augmented data ``[Z; sqrt(n l2) I]``, ``[y_c; 0]`` (never
    formed), whose dual is ``D(theta, xi) = (2 y_c' theta - ||theta||**2 - ||xi||**2) / (2n)``
    subject to ``|z_j' theta / n + sqrt(l2 / n) xi_j| <= l1``. Two feasible points,
    the larger ``D`` kept:

    * the lasso's: the augmented residual scaled, ``s (r, -sqrt(n l2) b)`` with
      ``s = min(1, l1 / ||Z'r / n - l2 b||_inf)`` (scikit-learn's);
    * ``theta = r`` with ``xi_j = sqrt(n / l2) (clip(z_j'r / n - l2 b_j, -l1, l1) - z_j'r / n)``,
      feasible by construction and equal to the augmented residual at the
      optimum. It does not degrade as ``l1 -> 0``, where the scaled point
      does (``s`` is then set by rounding in ``Z'r``).

    The gap ``P - D >= P - P*`` bounds the sub-optimality.

    The KKT violation, with ``g = Z'r / n - l2 b``: ``max(0, |g_j| - l1)`` over zero
    coefficients, ``|g_j - l1 sign(b_j)|`` over non-zero ones, divided by alpha.
    """
    l1, l2 = _enet_terms(alpha, l1_ratio)
    n = Z.shape[0]
    beta = np.asarray(beta, dtype=float)
    r = yc - Z @ beta
    b2 = float(beta @ beta)
    grad = Z.T @ r / n - l2 * beta
    primal = r @ r / (2 * n) + l1 * np.abs(beta).sum() + 0.5 * l2 * b2
    gmax = np.max(np.abs(grad))
    s = min(1.0, l1 / gmax) if gmax > 0 else 1.0
    yr, rr = float(yc @ r), float(r @ r)
    dual = (2.0 * s * yr - s * s * (rr + n * l2 * b2)) / (2 * n)
    if l2 > 0:
        corr = grad + l2 * beta  # z_j' r / n
        xi = np.sqrt(n / l2) * (np.clip(grad, -l1, l1) - corr)
        dual = max(dual, (2.0 * yr - rr - float(xi @ xi)) / (2 * n))
    nz = beta != 0
    viol_zero = np.max(np.abs(grad[~nz]) - l1, initial=0.0)
    viol_nz = np.max(np.abs(grad[nz] - l1 * np.sign(beta[nz])), initial=0.0)
    return Certificate(
        objective=float(primal),
        dual_objective=float(dual),
        duality_gap=float(max(primal - dual, 0.0)),
        kkt_violation=float(max(viol_zero, viol_nz) / alpha),
    )


def _enet_polish(Z, yc, beta, l1, l2):
    """Exact elastic net solution given the support and signs of ``beta``, or None.

    On the support A with signs s: ``(Z_A'Z_A + n l2 I) b_A = Z_A'y_c - n l1 s``, positive
    definite for any support size (l2 > 0); solved in the n x n dual form
    (Woodbury) when the support is larger than n.
    """
    n = Z.shape[0]
    active = np.flatnonzero(beta)
    if active.size == 0:
        return None
    signs = np.sign(beta[active])
    Za = Z[:, active]
    rhs = Za.T @ yc - n * l1 * signs
    c = n * l2
    if active.size <= n:
        A = Za.T @ Za
        A[np.diag_indices_from(A)] += c
        matvec = lambda v: A @ v  # noqa: E731
        factor = linalg.cho_factor(A)
        solve = lambda b: linalg.cho_solve(factor, b)  # noqa: E731
    else:
        K = Za @ Za.T
        K[np.diag_indices_from(K)] += c
        factor = linalg.cho_factor(K)
        matvec = lambda v: Za.T @ (Za @ v) + c * v  # noqa: E731
        solve = lambda b: (b - Za.T @ linalg.cho_solve(factor, Za @ b)) / c  # noqa: E731
    sol = solve(rhs)
    sol = sol + solve(rhs - matvec(sol))  # one step of iterative refinement
    if np.any(np.sign(sol) != signs):
        return None
    out = np.zeros_like(beta)
    out[active] = sol
    return out


def solve_elastic_net(Z, yc, alpha, l1_ratio, *, gap_tol=None, max_outer=100, working_set_size=None) -> LassoSolution:
    """Solve ``min ||y_c - Z b||**2 / (2n) + alpha l1_ratio ||b||_1 + alpha (1 - l1_ratio) ||b||**2 / 2``
    to a certified gap (scikit-learn's ``ElasticNet`` objective).

    The lasso solver (:func:`solve_lasso`) with the l2 term: the same growing
    working sets (the screening is the lasso's, since the l2 term's gradient
    vanishes at zero coefficients), coordinate descent on each set with the
    l2 term (scikit-learn's Cython solver), the full-problem certificate
    (:func:`elastic_net_certificate`), and an exact solve on the support and
    signs found (:func:`_enet_polish`). Only Gram matrices of working sets are
    formed, so p = 20,000 costs about what the lasso does.
    """
    l1, l2 = _enet_terms(alpha, l1_ratio)
    if l2 == 0.0:
        return solve_lasso(Z, yc, l1, gap_tol=gap_tol, max_outer=max_outer, working_set_size=working_set_size)
    n, p = Z.shape
    gap_tol = DEFAULT_GAP_TOL if gap_tol is None else float(gap_tol)
    target = gap_tol * (yc @ yc) / n
    cert_of = lambda b: elastic_net_certificate(Z, yc, b, alpha, l1_ratio)  # noqa: E731
    beta = np.zeros(p)
    if l1 >= alpha_max(Z, yc):
        return LassoSolution(beta, cert_of(beta), 0, False)

    ws_size = int(working_set_size or min(p, 64))
    best = (np.inf, beta)
    sub_tol = 1e-4
    grad = Z.T @ yc / n
    for outer in range(1, max_outer + 1):
        support = beta != 0
        score = np.abs(grad)
        score[support] = np.inf
        ws_size = min(p, max(ws_size, 2 * int(support.sum())))
        work = np.sort(np.argpartition(-score, ws_size - 1)[:ws_size]) if ws_size < p else np.arange(p)
        Zw = Z[:, work]
        beta_w = _cd_subproblem(Zw, yc, l1, beta[work], Zw.T @ Zw, sub_tol, l2=l2)
        beta = np.zeros(p)
        beta[work] = beta_w
        cert = cert_of(beta)
        if cert.duality_gap < best[0]:
            best = (cert.duality_gap, beta)
        polished = _enet_polish(Z, yc, beta, l1, l2)
        if polished is not None:
            pcert = cert_of(polished)
            if pcert.duality_gap <= target and pcert.kkt_violation <= 1e-9:
                return LassoSolution(polished, pcert, outer, True)
        if cert.duality_gap <= target:
            break
        grad = Z.T @ (yc - Z @ beta) / n  # outside the set beta = 0, so the l2 term drops out
        outside = np.ones(p, dtype=bool)
        outside[work] = False
        if np.any(np.abs(grad[outside]) > l1):
            ws_size = min(p, 2 * ws_size)
        else:
            sub_tol = max(sub_tol * 1e-2, 1e-15)
    beta = best[1]
    cert = cert_of(beta)
    converged = cert.duality_gap <= target
    if not converged:
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(
            f"solve_elastic_net stopped after {outer} outer iterations with duality gap {cert.duality_gap:.3g} "
            f"above its target {target:.3g}; the solution is certified only to that gap",
            ConvergenceWarning,
            stacklevel=2,
        )
    return LassoSolution(beta, cert, outer, False, converged)


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
        when ``standardize=True``): ``Lasso(alpha_)``, ``Ridge(alpha_)`` or
        ``ElasticNet(alpha_, l1_ratio=l1_ratio_)``.
    penalty_ : {"l1", "l2", "enet"}
    l1_ratio_ : float or None
        The elastic net's ``l1_ratio`` (None for the others).
    objective_ : float
        scikit-learn's objective at the solution (model scale).
    duality_gap_ : float
        Upper bound on ``objective_ - optimum``, computed from the solution.
    kkt_violation_ : float
        Largest violation of the optimality conditions, relative to alpha.
    alpha_max_ : float
        For the lasso (elastic net: at this ``l1_ratio_``), the smallest alpha giving all zeros.
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
    sigma: float | None
    standardize: bool
    design: Design = field(repr=False)
    converged_: bool = True
    spec: ModelSpec | None = field(default=None, repr=False)
    l1_ratio_: float | None = None
    C_: float | None = None

    def predict(self, X):
        from ._data import check_X_new

        eta = self.design.linear_predictor(self.coef_, self.intercept_, check_X_new(X, self.design))
        # the mean of y at the mode: the fitted value, or (Bernoulli) the plug-in probability
        return eta if self.spec is None else self.spec.likelihood.predictive_mean(eta)

    @property
    def n_nonzero_(self) -> int:
        return int(np.count_nonzero(self.coef_))


def map_estimate(
    X, y, prior, sigma=None, *, standardize: bool = True, gap_tol: float | None = None, family: str = "gaussian"
) -> MapResult:
    """Posterior mode at fixed sigma: the lasso (Laplace prior), ridge (Gaussian) or elastic net.

    With a flat prior on the intercept and sigma fixed, the MAP under
    ``Laplace`` minimises ``||y_c - Z beta||**2 / (2n) + alpha ||beta||_1`` with
    ``alpha = sigma**2 / (n b)``; under ``Gaussian`` it minimises
    ``||y_c - Z beta||**2 + alpha ||beta||**2`` with ``alpha = sigma**2 / s**2``;
    under ``ElasticNet`` it is scikit-learn's ``ElasticNet(alpha, l1_ratio)`` with
    ``alpha = lam1 / (2n) + lam2 / n``, ``l1_ratio = lam1 / (lam1 + 2 lam2)`` at any
    sigma (sigma cancels, so it may be None).
    Z is the centred (and, with ``standardize=True``, standardized) design.

    Parameters
    ----------
    X : array-like (n, p) or DataFrame
    y : array-like (n,)
    prior : bs.Laplace, bs.Gaussian or bs.ElasticNet with fixed hyper-parameters
    sigma : float or None
        Fixed noise standard deviation (not needed for ``ElasticNet``).
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
    if family != "gaussian":
        return _map_binary(X, y, prior, rules, sigma, standardize, gap_tol, family)
    # the elastic net's mode does not depend on sigma (Li & Lin's form): sigma is optional
    sigma = None if (sigma is None and not rules.map_needs_sigma) else _check_sigma(sigma)
    spec = ModelSpec.build(prior, sigma=sigma, standardize=standardize)
    design = prepare_data(X, y, standardize=standardize)
    Z, yc, n = design.Z, design.yc, design.n
    penalty = rules.penalty(prior, sigma, n)
    alpha, converged, amax = penalty.alpha, True, np.nan
    if penalty.kind == "l1":
        sol = solve_lasso(Z, yc, alpha, gap_tol=gap_tol)
        beta_z, cert, converged = sol.beta, sol.certificate, sol.converged
        amax = alpha_max(Z, yc)
    elif penalty.kind == "enet":
        sol = solve_elastic_net(Z, yc, alpha, penalty.l1_ratio, gap_tol=gap_tol)
        beta_z, cert, converged = sol.beta, sol.certificate, sol.converged
        amax = alpha_max(Z, yc) / penalty.l1_ratio  # alpha at which all coefficients are zero
    else:
        beta_z = _solve_ridge(Z, yc, alpha)
        cert = _ridge_certificate(Z, yc, beta_z, alpha)
    coef = design.coef_to_original(beta_z)
    return MapResult(
        coef_=coef,
        intercept_=float(design.intercept_to_original(coef)),
        alpha_=alpha,
        penalty_=penalty.kind,
        l1_ratio_=penalty.l1_ratio,
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


def _map_binary(X, y, prior, rules, sigma, standardize, gap_tol, family):
    """MAP of the logistic model: the L1-logistic (Laplace prior) or L2-logistic (Gaussian) optimum.

    With sigma = 1 the penalty of the Gaussian mapping gives the logistic one:
    Laplace ``alpha = lam / n`` -> ``sum_i loss_i + lam ||beta||_1``, i.e. scikit-learn's
    ``LogisticRegression(penalty="l1", C=1/lam)``; Gaussian ``alpha = 1 / s^2`` ->
    ``sum_i loss_i + ||beta||^2 / (2 s^2)``, ``LogisticRegression(penalty="l2", C=s^2)``;
    the intercept is unpenalised.
    """
    from ._logistic import lambda_max_logistic, solve_logistic_l1, solve_logistic_l2

    spec = ModelSpec.build(prior, family=family, sigma=sigma, standardize=standardize)
    design = prepare_data(X, y, standardize=standardize, family=family)
    Z, yb, n = design.Z, design.y, design.n
    penalty = rules.penalty(prior, 1.0, n)
    if penalty.kind == "l1":
        lam = n * penalty.alpha
        sol = solve_logistic_l1(Z, yb, lam, gap_tol=gap_tol)
        C, amax = 1.0 / lam, lambda_max_logistic(Z, yb) / n
    elif penalty.kind == "l2":
        scale = 1.0 / np.sqrt(penalty.alpha)
        sol = solve_logistic_l2(Z, yb, scale, gap_tol=gap_tol)
        C, amax = scale**2, np.nan
    else:
        raise ValueError(f"no MAP of the {rules.label} prior for family={family!r} yet")
    cert = sol.certificate
    coef = design.coef_to_original(sol.beta)
    return MapResult(
        coef_=coef,
        intercept_=float(sol.intercept - design.x_mean @ coef),
        alpha_=penalty.alpha,
        penalty_=penalty.kind,
        objective_=cert.objective,
        duality_gap_=cert.duality_gap,
        kkt_violation_=cert.kkt_violation,
        alpha_max_=amax,
        coef_model_=sol.beta,
        feature_names_=design.feature_names,
        prior=prior,
        sigma=None,
        standardize=design.standardize,
        design=design,
        converged_=sol.converged,
        spec=spec,
        C_=C,
    )
