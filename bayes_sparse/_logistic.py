"""MAP of a logistic regression: L1 (Laplace prior) and L2 (Gaussian prior), certified.

Pure functions on a design ``Z`` (n x p) and a binary response ``y`` in {0, 1}.
``Z`` is used as given: raw or centred columns both work, because the
intercept ``b0`` is unpenalised and optimised jointly with ``beta`` (centring
or standardizing only improves conditioning; the intercept returned is the
one that goes with the ``Z`` passed in).

With ``eta_i = b0 + z_i' beta`` the per-observation loss is the negative
Bernoulli log-likelihood ``l(eta_i) = log(1 + exp(eta_i)) - y_i eta_i``.

L1 (Laplace(lam) prior on beta, flat prior on b0)::

    P(beta, b0) = sum_i l(eta_i) + lam * ||beta||_1

which is scikit-learn's ``LogisticRegression(penalty="l1", C=1/lam)``
(``l1_ratio=1`` from scikit-learn 1.8 on), whose objective
``C sum_i l(eta_i) + ||beta||_1`` is ``P / lam``; its intercept is unpenalised
with ``solver="saga"`` (liblinear penalises it, see ``intercept_scaling``).

L2 (Gaussian N(0, scale**2) prior on beta, flat prior on b0)::

    P(beta, b0) = sum_i l(eta_i) + ||beta||**2 / (2 scale**2)

which is ``LogisticRegression(penalty="l2", C=scale**2)`` (objective
``||beta||**2 / 2 + C sum_i l(eta_i)`` = ``scale**2 * P``).

Dual and certificate (both penalties)
-------------------------------------
The convex conjugate of ``l`` (as a function of eta) is
``l*(u) = h(u + y)`` for ``0 <= u + y <= 1`` (+inf otherwise), with the
binary negative entropy ``h(q) = q log q + (1 - q) log(1 - q)``. Fenchel
duality for ``min_{beta, b0} sum_i l(b0 + z_i' beta) + g(beta)`` gives::

    D(theta) = - sum_i h(y_i - theta_i) - g*(Z' theta),   sum_i theta_i = 0

(the constraint comes from the free intercept), with ``g*`` the indicator of
``||Z' theta||_inf <= lam`` for the L1 penalty and ``scale**2 ||Z' theta||**2 / 2``
for the L2 one. Feasibility ``0 <= y_i - theta_i <= 1`` means
``theta_i in [0, 1]`` where ``y_i = 1`` and ``theta_i in [-1, 0]`` where
``y_i = 0``; since ``h(1 - t) = h(t)`` the dual is ``-sum_i h(|theta_i|)``
(minus the L2 term). At the optimum ``theta = y - p_hat``
(``p_hat = expit(eta)``): the dual point of a candidate solution is built
from its scaled residual ``y - p_hat`` (as in celer): the positive part
(``y = 1``) or the negative part (``y = 0``), whichever has the larger total,
is shrunk so that ``sum theta = 0`` exactly, then (L1) the whole vector is
shrunk so that ``||Z' theta||_inf <= lam``. Shrinking towards 0 keeps every
``theta_i`` inside its interval, so ``theta`` is always feasible and the gap
``P(beta, b0) - D(theta) >= 0`` bounds the sub-optimality ``P(beta, b0) - P*``.

KKT conditions of the L1 problem: ``|z_j' (y - p_hat)| <= lam`` where
``beta_j = 0``, ``z_j' (y - p_hat) = lam sign(beta_j)`` elsewhere, and
``sum_i (y_i - p_hat_i) = 0`` (intercept).

Algorithm (L1)
--------------
Working sets as in :func:`bayes_sparse.map.solve_lasso`: the current support
plus the features whose ``|z_j' (y - p_hat)|`` is largest; on a working set,
proximal Newton (glmnet's IRLS): the quadratic model of the loss at the
current point, with the intercept eliminated by weighted centring, is a
weighted lasso solved by scikit-learn's Cython Gram coordinate descent, and
the step is accepted by a backtracking line search on the true objective.
When the support and signs have settled, an exact *polish* solves the smooth
problem restricted to the support with fixed signs
(``min sum_i l(eta_i) + lam s' beta_A`` over ``(b0, beta_A)``) by Newton's
method, which brings the KKT violation to rounding level. The working set
doubles while a feature outside it violates its KKT bound.

Algorithm (L2)
--------------
Newton's method with a backtracking line search. For ``p + 1 <= n`` on the
(p + 1)-dimensional problem; otherwise in the n-dimensional representer form
``beta = scale**2 Z' a`` (the optimum and every Newton iterate started from
``beta = 0`` lie in the row space of Z), where a Newton step costs one
(n + 1) x (n + 1) solve.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy import linalg
from scipy.special import expit, xlog1py, xlogy

__all__ = [
    "LogisticCertificate",
    "LogisticSolution",
    "lambda_max_logistic",
    "logistic_l1_certificate",
    "logistic_l2_certificate",
    "solve_logistic_l1",
    "solve_logistic_l2",
    "sklearn_logistic_params",
    "DEFAULT_GAP_TOL",
    "DEFAULT_KKT_TOL",
]

#: Default duality-gap target, relative to the null objective ``P(0, logit(ybar))``
#: (= n times the binary entropy of ybar, in nats).
DEFAULT_GAP_TOL = 1e-10
#: Relative KKT violation (L1, relative to lam) that, with the gap target, ends the solve.
DEFAULT_KKT_TOL = 1e-9
#: Lower bound on the IRLS weights p(1 - p) in the quadratic model (a larger
#: curvature only makes the proximal Newton step more conservative).
MIN_WEIGHT = 1e-12
#: First working-set size and the tolerances of the inner solvers.
FIRST_WORKING_SET = 64
FIRST_INNER_KKT = 1e-2  # relative KKT target of the first working-set solve
MIN_INNER_KKT = 1e-14  # the working-set solves are tightened (x 1e-3) down to this
CD_TOL = 1e-10  # scikit-learn's Gram CD: sub-problem gap relative to ||y_tilde||**2
POLISH_GRAD_TOL = 1e-14  # polish Newton stops at this gradient, relative to lam
ARMIJO = 1e-4
PURE_NEWTON_DECREMENT = 1e-10  # Newton decrement (relative to |objective|) below which the line search is skipped
MAX_BACKTRACK = 60


# ----------------------------------------------------------------------------- checks
def _check_lam(lam):
    if isinstance(lam, bool) or not isinstance(lam, Real) or not np.isfinite(lam) or lam <= 0:
        raise ValueError(f"lam must be a positive finite number, got {lam!r}")
    return float(lam)


def _check_scale(scale):
    if isinstance(scale, bool) or not isinstance(scale, Real) or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    return float(scale)


def _check_Zy(Z, y):
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2:
        raise ValueError(f"Z must be a 2-D array (n, p), got shape {Z.shape}")
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or y_arr.shape[0] != Z.shape[0]:
        raise ValueError(f"y must be 1-D with {Z.shape[0]} entries (rows of Z), got shape {y_arr.shape}")
    if y_arr.dtype.kind not in "biuf":
        raise ValueError(f"y must be binary (0/1 or bool), got dtype {y_arr.dtype}")
    y_arr = y_arr.astype(float)
    bad = ~((y_arr == 0) | (y_arr == 1))
    if np.any(bad):
        vals = np.unique(y_arr[bad])[:5]
        raise ValueError(f"y must be binary with values in {{0, 1}} (or bool); found {vals.tolist()}")
    ones = int(y_arr.sum())
    if ones == 0 or ones == y_arr.size:
        raise ValueError("y must contain both classes (0 and 1): with one class the intercept's optimum is infinite")
    if not np.all(np.isfinite(Z)):
        raise ValueError("Z contains NaN or infinite values")
    return Z, y_arr


def sklearn_logistic_params(*, lam=None, scale=None) -> dict:
    """Keyword arguments of the equivalent ``sklearn.linear_model.LogisticRegression``.

    Laplace(lam) prior -> ``C = 1 / lam`` with the L1 penalty; Gaussian
    N(0, scale**2) -> ``C = scale**2`` with the L2 penalty. The penalty is
    given as ``l1_ratio`` (1.0 or 0.0), the form scikit-learn >= 1.8 expects
    (``penalty="l1"``/``"l2"`` before). Use ``solver="saga"`` (or any solver
    that does not penalise the intercept) for the same optimum.

    Examples
    --------
    >>> sklearn_logistic_params(lam=4.0)
    {'C': 0.25, 'l1_ratio': 1.0}
    >>> sklearn_logistic_params(scale=3.0)
    {'C': 9.0, 'l1_ratio': 0.0}
    """
    if (lam is None) == (scale is None):
        raise ValueError("give exactly one of lam (L1) or scale (L2)")
    if lam is not None:
        return {"C": 1.0 / _check_lam(lam), "l1_ratio": 1.0}
    return {"C": _check_scale(scale) ** 2, "l1_ratio": 0.0}


# ----------------------------------------------------------------------------- pieces
def _loss(eta, y):
    """``sum_i log(1 + exp(eta_i)) - y_i eta_i`` without overflow."""
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


def _residual(eta, y):
    """``y - expit(eta)`` computed without cancellation (``expit(-eta)`` for y = 1)."""
    return np.where(y > 0.5, expit(-eta), -expit(eta))


def _linear_predictor(Z, beta, b0):
    """``b0 + Z beta`` over the non-zero coefficients only (sparse beta, wide Z)."""
    nz = np.flatnonzero(beta)
    if nz.size > Z.shape[1] // 4:
        return b0 + Z @ beta
    return b0 + Z[:, nz] @ beta[nz]


def _neg_entropy(t):
    """``h(t) = t log t + (1 - t) log(1 - t)`` for t in [0, 1] (h(0) = h(1) = 0)."""
    return xlogy(t, t) + xlog1py(1.0 - t, -t)


def _null_fit(y):
    ybar = float(np.mean(y))
    b0 = float(np.log(ybar) - np.log1p(-ybar))
    obj = -float(len(y) * (xlogy(ybar, ybar) + xlog1py(1 - ybar, -ybar)))
    return ybar, b0, obj


def _balanced(r, y):
    """Shrink the larger-total side of ``r`` so that ``sum(theta) = 0`` exactly.

    ``r`` has the sign of ``2y - 1``; only a factor in [0, 1] is applied to one
    side, so each entry stays in its feasible interval.
    """
    pos = y > 0.5
    s_pos = float(r[pos].sum())
    s_neg = float(-r[~pos].sum())
    theta = r.copy()
    if s_pos > s_neg:
        theta[pos] *= s_neg / s_pos
    elif s_neg > s_pos:
        theta[~pos] *= s_pos / s_neg
    return theta


def lambda_max_logistic(Z, y) -> float:
    """Smallest lam for which the L1-logistic solution is ``beta = 0``.

    At ``beta = 0`` the optimal intercept is ``logit(ybar)`` (so ``p_hat = ybar``)
    and the KKT bound gives ``lam_max = max_j |z_j' (y - ybar)|`` (raw or
    centred Z alike, since ``sum(y - ybar) = 0``).
    """
    Z, y = _check_Zy(Z, y)
    return float(np.max(np.abs(Z.T @ (y - y.mean()))))


# ----------------------------------------------------------------------------- certificates
@dataclass(frozen=True)
class LogisticCertificate:
    """Optimality certificate of a penalised logistic solution, from the solution alone.

    Attributes
    ----------
    objective : float
        Primal objective ``P(beta, b0)`` (see the module docstring).
    dual_objective : float
        ``D(theta)`` at the feasible dual point built from ``y - p_hat``.
    duality_gap : float
        ``objective - dual_objective >= 0``: an upper bound on
        ``objective - optimum``.
    kkt_violation : float
        L1: the largest of ``max(0, |z_j'r| - lam)`` over zeros,
        ``|z_j'r - lam sign(beta_j)|`` over non-zeros and the intercept residual
        ``|sum r|``, all divided by lam (``r = y - p_hat``). L2: the largest
        gradient entry (``|z_j'r - beta_j/scale**2|`` and ``|sum r|``) divided by
        ``max_j |z_j'(y - ybar)|`` (the gradient's size at beta = 0).
    intercept_residual : float
        ``|sum_i (y_i - p_hat_i)|`` (zero at the optimal intercept).
    null_objective : float
        ``P(0, logit(ybar))``, the scale that relative gaps refer to.
    """

    objective: float
    dual_objective: float
    duality_gap: float
    kkt_violation: float
    intercept_residual: float
    null_objective: float

    @property
    def relative_gap(self) -> float:
        """``duality_gap / null_objective``."""
        return self.duality_gap / self.null_objective


def logistic_l1_certificate(Z, y, beta, b0, lam) -> LogisticCertificate:
    """Duality gap and KKT violation of ``(beta, b0)`` for the L1-logistic problem.

    Primal ``P = sum_i [log(1 + e^eta_i) - y_i eta_i] + lam ||beta||_1`` with
    ``eta = b0 + Z beta``. Dual point: ``r = y - p_hat``, balanced so that
    ``sum theta = 0`` (see the module docstring), then multiplied by
    ``min(1, lam / ||Z' theta||_inf)``; ``D(theta) = -sum_i h(|theta_i|)`` with
    ``h(t) = t log t + (1 - t) log(1 - t)``. Computed from the given solution
    only (no re-optimisation of the intercept).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[-1.0], [0.0], [1.0], [2.0]]); y = np.array([0, 1, 0, 1])
    >>> lam = lambda_max_logistic(Z, y)          # = 1.0: beta = 0 is optimal
    >>> c = logistic_l1_certificate(Z, y, [0.0], 0.0, lam)
    >>> round(c.duality_gap, 12), round(c.kkt_violation, 12)
    (0.0, 0.0)
    """
    Z, y = _check_Zy(Z, y)
    lam = _check_lam(lam)
    beta = np.asarray(beta, dtype=float).reshape(-1)
    if beta.shape[0] != Z.shape[1]:
        raise ValueError(f"beta has {beta.shape[0]} entries, Z has {Z.shape[1]} columns")
    return _l1_certificate(Z, y, beta, float(b0), lam, _null_fit(y)[2])


def _l1_certificate(Z, y, beta, b0, lam, null_obj):
    """:func:`logistic_l1_certificate` on checked arrays (the solver's inner calls)."""
    eta = _linear_predictor(Z, beta, b0)
    r = _residual(eta, y)
    grad = Z.T @ r
    primal = _loss(eta, y) + lam * float(np.abs(beta).sum())
    theta = _balanced(r, y)
    gmax = float(np.max(np.abs(Z.T @ theta), initial=0.0))
    if gmax > lam:
        theta = theta * (lam / gmax)
    dual = -float(np.sum(_neg_entropy(np.abs(theta))))
    nz = beta != 0
    viol_zero = np.max(np.abs(grad[~nz]) - lam, initial=0.0)
    viol_nz = np.max(np.abs(grad[nz] - lam * np.sign(beta[nz])), initial=0.0)
    icpt = abs(float(r.sum()))
    return LogisticCertificate(
        objective=primal,
        dual_objective=dual,
        duality_gap=max(primal - dual, 0.0),
        kkt_violation=float(max(viol_zero, viol_nz, icpt) / lam),
        intercept_residual=icpt,
        null_objective=null_obj,
    )


def logistic_l2_certificate(Z, y, beta, b0, scale) -> LogisticCertificate:
    """Duality gap and gradient residual of ``(beta, b0)`` for the L2-logistic problem.

    Primal ``P = sum_i [log(1 + e^eta_i) - y_i eta_i] + ||beta||**2 / (2 scale**2)``.
    Dual point: ``y - p_hat`` balanced to ``sum theta = 0``;
    ``D(theta) = -sum_i h(|theta_i|) - scale**2 ||Z' theta||**2 / 2``.
    """
    Z, y = _check_Zy(Z, y)
    s2 = _check_scale(scale) ** 2
    beta = np.asarray(beta, dtype=float).reshape(-1)
    if beta.shape[0] != Z.shape[1]:
        raise ValueError(f"beta has {beta.shape[0]} entries, Z has {Z.shape[1]} columns")
    eta = float(b0) + Z @ beta
    r = _residual(eta, y)
    primal = _loss(eta, y) + float(beta @ beta) / (2 * s2)
    theta = _balanced(r, y)
    zt = Z.T @ theta
    dual = -float(np.sum(_neg_entropy(np.abs(theta)))) - 0.5 * s2 * float(zt @ zt)
    icpt = abs(float(r.sum()))
    grad_inf = max(float(np.max(np.abs(Z.T @ r - beta / s2), initial=0.0)), icpt)
    ref = float(np.max(np.abs(Z.T @ (y - y.mean())), initial=0.0))
    return LogisticCertificate(
        objective=primal,
        dual_objective=dual,
        duality_gap=max(primal - dual, 0.0),
        kkt_violation=grad_inf / max(ref, np.finfo(float).tiny),
        intercept_residual=icpt,
        null_objective=_null_fit(y)[2],
    )


@dataclass(frozen=True)
class LogisticSolution:
    """A penalised logistic optimum with its certificate.

    Attributes
    ----------
    beta : ndarray (p,)
        Coefficients on the scale of the Z passed in (exact zeros for L1).
    intercept : float
        ``b0`` in ``eta = b0 + Z beta``.
    certificate : LogisticCertificate
    n_outer : int
        Outer (working-set) iterations for L1; Newton iterations for L2.
    polished : bool
        Whether the exact restricted Newton solve produced the solution (L1).
    converged : bool
        Whether the duality gap reached its target (a ConvergenceWarning is
        issued otherwise).
    """

    beta: np.ndarray
    intercept: float
    certificate: LogisticCertificate
    n_outer: int
    polished: bool
    converged: bool = True


# ----------------------------------------------------------------------------- L1 solver
def _kkt_rel(grad, beta, lam):
    nz = beta != 0
    vz = np.max(np.abs(grad[~nz]) - lam, initial=0.0)
    vn = np.max(np.abs(grad[nz] - lam * np.sign(beta[nz])), initial=0.0)
    return max(vz, vn) / lam


def _weighted_lasso_cd(Xt, yt, lam, beta_init):
    """``argmin ||yt - Xt b||**2 / 2 + lam ||b||_1``: the certified lasso's coordinate-descent
    sub-problem solver (:func:`bayes_sparse.map._cd_subproblem`) at ``alpha = lam / n``."""
    from .map import _cd_subproblem

    return _cd_subproblem(Xt, yt, lam / Xt.shape[0], beta_init, Xt.T @ Xt, CD_TOL)


def _prox_newton(Zw, y, lam, beta, b0, kkt_target, max_iter=50):
    """Proximal Newton (IRLS + CD) on the working-set problem; returns (beta, b0)."""
    beta = beta.copy()
    eta = b0 + Zw @ beta
    obj = _loss(eta, y) + lam * np.abs(beta).sum()
    for _ in range(max_iter):
        r = _residual(eta, y)
        grad = Zw.T @ r
        if max(_kkt_rel(grad, beta, lam), abs(r.sum()) / lam) <= kkt_target:
            break
        w = np.maximum(expit(eta) * expit(-eta), MIN_WEIGHT)
        sw = w.sum()
        sq = np.sqrt(w)
        m = (w @ Zw) / sw
        Xt = sq[:, None] * (Zw - m)
        # weighted-centred working response: sq * (r/w + Zw beta - its weighted mean)
        yt = r / sq + Xt @ beta - sq * (r.sum() / sw)
        beta_new = _weighted_lasso_cd(Xt, yt, lam, beta)
        d = beta_new - beta
        d0 = r.sum() / sw - m @ d  # intercept change of the weighted LS fit
        deta = d0 + Zw @ d
        l1_old = np.abs(beta).sum()
        decrease = -(r @ deta) + lam * (np.abs(beta_new).sum() - l1_old)
        if decrease >= 0:  # no descent direction left at this precision
            break
        step = 1.0
        for _ in range(MAX_BACKTRACK):
            eta_try = eta + step * deta
            beta_try = beta + step * d
            obj_try = _loss(eta_try, y) + lam * np.abs(beta_try).sum()
            if obj_try <= obj + ARMIJO * step * decrease:
                break
            step *= 0.5
        else:
            break
        if step == 1.0:
            beta_try = beta_new  # keep the exact zeros of the CD solution
        beta, b0, eta, obj = beta_try, b0 + step * d0, eta_try, obj_try
    return beta, b0


def _polish(Z, y, beta, b0, lam, max_iter=50):
    """Newton on the support of ``beta`` with its signs fixed, or None.

    Minimises ``sum_i l(b0 + Z_A beta_A) + lam s' beta_A`` (smooth) over
    ``(b0, beta_A)``; returns the full solution if the signs are kept.
    """
    active = np.flatnonzero(beta)
    if active.size + 1 > Z.shape[0]:
        return None
    s = np.sign(beta[active])
    A = np.column_stack([np.ones(Z.shape[0]), Z[:, active]])
    x = np.concatenate([[b0], beta[active]])
    lin = np.concatenate([[0.0], lam * s])

    def f(x):
        eta = A @ x
        return _loss(eta, y) + lin @ x, eta

    obj, eta = f(x)
    for _ in range(max_iter):
        r = _residual(eta, y)
        g = -(A.T @ r) + lin
        if np.max(np.abs(g)) <= POLISH_GRAD_TOL * lam * max(1.0, np.sqrt(active.size)):
            break
        w = expit(eta) * expit(-eta)
        H = (A * w[:, None]).T @ A
        try:
            step = -linalg.cho_solve(linalg.cho_factor(H), g)
        except linalg.LinAlgError:
            step = -linalg.lstsq(H, g, cond=1e-14, lapack_driver="gelsd")[0]
        dec = g @ step
        if not dec < 0:
            break
        if -dec <= PURE_NEWTON_DECREMENT * max(1.0, abs(obj)):
            # objective changes are at rounding level: the line search cannot see them,
            # and a full Newton step converges quadratically here; keep it if the gradient shrinks
            x_t = x + step
            obj_t, eta_t = f(x_t)
            g_t = -(A.T @ _residual(eta_t, y)) + lin
            if np.max(np.abs(g_t)) >= np.max(np.abs(g)):
                break
            x, obj, eta = x_t, obj_t, eta_t
            continue
        t = 1.0
        for _ in range(MAX_BACKTRACK):
            obj_t, eta_t = f(x + t * step)
            if obj_t <= obj + ARMIJO * t * dec:
                break
            t *= 0.5
        else:
            break
        x, obj, eta = x + t * step, obj_t, eta_t
    if np.any(np.sign(x[1:]) != s):
        return None
    out = np.zeros_like(beta)
    out[active] = x[1:]
    return out, float(x[0])


def solve_logistic_l1(
    Z,
    y,
    lam,
    *,
    gap_tol=None,
    kkt_tol=None,
    max_outer=100,
    working_set_size=None,
) -> LogisticSolution:
    """Solve ``min_{beta, b0} sum_i [log(1 + e^eta_i) - y_i eta_i] + lam ||beta||_1``.

    ``eta = b0 + Z beta``; the intercept ``b0`` is unpenalised. This is the MAP
    under a Laplace(lam) prior, ``p(beta_j) = lam/2 exp(-lam |beta_j|)``, and a
    flat prior on ``b0``, and the optimum of
    ``LogisticRegression(penalty="l1", C=1/lam)`` (``l1_ratio=1``) with an
    unpenalised intercept. See the module docstring for the algorithm and the
    certificate.

    Parameters
    ----------
    Z : ndarray (n, p)
        Design, raw or centred (the intercept is optimised jointly either way).
    y : ndarray (n,)
        Binary response, 0/1 or bool, both classes present.
    lam : float
        Penalty (> 0).
    gap_tol : float, optional
        Duality-gap target relative to the null objective
        ``P(0, logit(ybar))`` (default :data:`DEFAULT_GAP_TOL`).
    kkt_tol : float, optional
        The solver returns as soon as the gap meets its target and the relative
        KKT violation is below this (default :data:`DEFAULT_KKT_TOL`; the
        polish usually brings it to ~1e-15).
    max_outer : int
        Maximum number of working-set iterations.
    working_set_size : int, optional
        First working-set size (default 64).

    Returns
    -------
    LogisticSolution
        ``beta`` (exact zeros), ``intercept``, ``certificate``
        (:class:`LogisticCertificate`), ``n_outer``, ``polished``, ``converged``.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        When the duality gap did not reach its target within ``max_outer``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(size=(80, 30)); y = (Z[:, 0] + 0.5 * rng.normal(size=80) > 0).astype(int)
    >>> sol = solve_logistic_l1(Z, y, 0.3 * lambda_max_logistic(Z, y))
    >>> int(np.count_nonzero(sol.beta)) >= 1, sol.certificate.kkt_violation < 1e-8
    (True, True)
    """
    Z, y = _check_Zy(Z, y)
    lam = _check_lam(lam)
    n, p = Z.shape
    gap_tol = DEFAULT_GAP_TOL if gap_tol is None else float(gap_tol)
    kkt_tol = DEFAULT_KKT_TOL if kkt_tol is None else float(kkt_tol)
    ybar, b0, null_obj = _null_fit(y)
    target = gap_tol * null_obj
    beta = np.zeros(p)
    if lam >= float(np.max(np.abs(Z.T @ (y - ybar)))):  # lambda_max_logistic
        cert = _l1_certificate(Z, y, beta, b0, lam, null_obj)
        return LogisticSolution(beta, b0, cert, 0, False, True)

    ws_size = min(p, int(working_set_size or FIRST_WORKING_SET))
    inner_tol = FIRST_INNER_KKT
    best = (np.inf, beta, b0, False)  # (objective, beta, b0, polished)
    grad = Z.T @ (y - ybar)
    outer = 0
    for outer in range(1, max_outer + 1):
        support = beta != 0
        score = np.abs(grad)
        score[support] = np.inf  # always keep the support
        ws_size = min(p, max(ws_size, 2 * int(support.sum())))
        if ws_size < p:
            work = np.sort(np.argpartition(-score, ws_size - 1)[:ws_size])
        else:
            work = np.arange(p)
        beta_w, b0 = _prox_newton(Z[:, work], y, lam, beta[work], b0, inner_tol)
        beta = np.zeros(p)
        beta[work] = beta_w
        # the polish starts from this point and only descends, so it replaces it when its signs hold
        polished = _polish(Z, y, beta, b0, lam)
        if polished is not None:
            beta, b0 = polished
        # one pass over Z per outer iteration: the gradient gives the KKT check and the next working set
        eta = _linear_predictor(Z, beta, b0)
        r = _residual(eta, y)
        grad = Z.T @ r
        obj = _loss(eta, y) + lam * float(np.abs(beta).sum())
        if obj < best[0]:
            best = (obj, beta, b0, polished is not None)
        kkt = max(_kkt_rel(grad, beta, lam), abs(float(r.sum())) / lam)
        outside = np.ones(p, dtype=bool)
        outside[work] = False
        violated = bool(np.any(np.abs(grad[outside]) > lam))
        if kkt <= kkt_tol or not violated:
            cert = _l1_certificate(Z, y, beta, b0, lam, null_obj)
            if cert.duality_gap <= target and (kkt <= kkt_tol or inner_tol <= MIN_INNER_KKT):
                return LogisticSolution(beta, float(b0), cert, outer, polished is not None, True)
        if violated:
            ws_size = min(p, 2 * ws_size)  # a feature outside the set violates its KKT bound
        else:
            inner_tol = max(inner_tol * 1e-3, MIN_INNER_KKT)  # the set is right; solve it tighter
    _, beta, b0, was_polished = best
    cert = _l1_certificate(Z, y, beta, b0, lam, null_obj)
    converged = cert.duality_gap <= target
    if not converged:
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(
            f"solve_logistic_l1 stopped after {outer} outer iterations with duality gap "
            f"{cert.duality_gap:.3g} above its target {target:.3g}; the solution is certified only "
            "to that gap (raise max_outer or gap_tol, or check for near-duplicate columns)",
            ConvergenceWarning,
            stacklevel=2,
        )
    return LogisticSolution(beta, float(b0), cert, outer, was_polished, converged)


# ----------------------------------------------------------------------------- L2 solver
def solve_logistic_l2(Z, y, scale, *, gap_tol=None, max_iter=100) -> LogisticSolution:
    """Solve ``min_{beta, b0} sum_i [log(1 + e^eta_i) - y_i eta_i] + ||beta||**2 / (2 scale**2)``.

    The MAP under a Gaussian N(0, scale**2) prior on each ``beta_j`` and a flat
    prior on ``b0``; the optimum of ``LogisticRegression(penalty="l2",
    C=scale**2)`` (``l1_ratio=0``). Newton's method with a line search, in the
    (p + 1)-dimensional primal when ``p + 1 <= n`` and in the representer form
    ``beta = scale**2 Z' a`` otherwise (see the module docstring).

    Parameters
    ----------
    Z : ndarray (n, p)
        Design, raw or centred.
    y : ndarray (n,)
        Binary response.
    scale : float
        Prior standard deviation (> 0).
    gap_tol : float, optional
        Duality-gap target relative to the null objective (default
        :data:`DEFAULT_GAP_TOL`).

    Returns
    -------
    LogisticSolution
        ``certificate.kkt_violation`` is the gradient's sup-norm relative to its
        size at ``beta = 0`` (see :class:`LogisticCertificate`).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> Z = rng.normal(size=(40, 300)); y = (Z[:, 0] > 0).astype(int)
    >>> sol = solve_logistic_l2(Z, y, scale=0.5)
    >>> sol.converged, sol.certificate.kkt_violation < 1e-10
    (True, True)
    """
    Z, y = _check_Zy(Z, y)
    scale = _check_scale(scale)
    s2 = scale**2
    n, p = Z.shape
    gap_tol = DEFAULT_GAP_TOL if gap_tol is None else float(gap_tol)
    _, b0, null_obj = _null_fit(y)
    target = gap_tol * null_obj
    dual_form = p + 1 > n
    if dual_form:
        K = s2 * (Z @ Z.T)
        a = np.zeros(n)  # beta = s2 Z' a
    beta = np.zeros(p)

    def objective(b0, beta, eta):
        return _loss(eta, y) + float(beta @ beta) / (2 * s2)

    def grad_inf(beta, eta):
        r = _residual(eta, y)
        return max(abs(float(r.sum())), float(np.max(np.abs(Z.T @ r - beta / s2), initial=0.0)))

    eta = np.full(n, b0)
    obj = objective(b0, beta, eta)
    n_iter = 0
    for _ in range(max_iter):
        n_iter += 1
        r = _residual(eta, y)
        w = expit(eta) * expit(-eta)
        if dual_form:
            # Newton step in (b0, a): [W 1, W K + I; 0, 1'] [d0; da] = [r - a; -1'a]
            M = np.zeros((n + 1, n + 1))
            M[:n, 0] = w
            M[:n, 1:] = w[:, None] * K
            M[np.arange(n), np.arange(1, n + 1)] += 1.0
            M[n, 1:] = 1.0
            rhs = np.concatenate([r - a, [-a.sum()]])
            sol = linalg.solve(M, rhs)
            d0, da = sol[0], sol[1:]
            dbeta = s2 * (Z.T @ da)
            deta = d0 + K @ da
        else:
            A = np.column_stack([np.ones(n), Z])
            g = -(A.T @ r) + np.concatenate([[0.0], beta / s2])
            H = (A * w[:, None]).T @ A
            H[np.arange(1, p + 1), np.arange(1, p + 1)] += 1.0 / s2
            step = -linalg.solve(H, g, assume_a="pos")
            d0, dbeta = step[0], step[1:]
            deta = A @ step
        dec = -(r @ deta) + float(beta @ dbeta) / s2
        if not dec < 0:
            break
        if -dec <= PURE_NEWTON_DECREMENT * max(1.0, abs(obj)):
            # rounding-level objective changes: full Newton steps while the gradient shrinks
            t = 1.0
            eta_t, beta_t = eta + deta, beta + dbeta
            obj_t = objective(b0 + d0, beta_t, eta_t)
            if grad_inf(beta_t, eta_t) >= grad_inf(beta, eta):
                break
        else:
            t = 1.0
            for _ in range(MAX_BACKTRACK):
                eta_t = eta + t * deta
                beta_t = beta + t * dbeta
                obj_t = objective(b0 + t * d0, beta_t, eta_t)
                if obj_t <= obj + ARMIJO * t * dec:
                    break
                t *= 0.5
            else:
                break
        b0, beta, eta, obj = b0 + t * d0, beta_t, eta_t, obj_t
        if dual_form:
            a = a + t * da
    cert = logistic_l2_certificate(Z, y, beta, b0, scale)
    converged = cert.duality_gap <= target
    if not converged:
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(
            f"solve_logistic_l2 stopped after {n_iter} Newton iterations with duality gap "
            f"{cert.duality_gap:.3g} above its target {target:.3g}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return LogisticSolution(beta, float(b0), cert, n_iter, False, converged)
