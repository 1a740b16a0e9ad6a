"""MAP with default hyper-parameters: the joint mode of (beta, sigma) and lambda by cross-validation.

Pure functions on the centred (and, with ``standardize=True``, standardized)
design ``Z`` (n, p) and the centred response ``yc`` (n,), i.e. the design the
prior acts on (see :class:`bayes_sparse._data.Design`). The estimators call
them when ``method="map"`` and ``sigma`` and/or ``lam`` (``scale``) is None.

The model
---------
``y ~ N(a 1 + Z beta, sigma**2 I)`` with a flat prior on the intercept ``a``
and Jeffreys' prior ``p(sigma**2) ∝ 1 / sigma**2``. Integrating ``a`` out
(which is what centring does) leaves ``sigma**-(n-1) exp(-RSS / (2 sigma**2))``
with ``RSS = ||y_c - Z beta||**2``: one degree of freedom is spent on the
intercept, as in the samplers (``n' = n - 1``).

*Conditional Laplace* ``p(beta_j | sigma) = lam / (2 sigma) exp(-lam |beta_j| / sigma)``.
The marginal posterior density of ``(beta, sigma**2)`` (Lebesgue measure on
``(beta, sigma**2)``, the parameterisation of the prior and of Park & Casella's
unimodality result) is therefore::

    p(beta, sigma**2 | y) ∝ sigma**-(n-1) * sigma**-p * sigma**-2
                            * exp(-RSS / (2 sigma**2) - lam ||beta||_1 / sigma)

so the function minimised here is::

    f(beta, sigma) = k log(sigma) + RSS / (2 sigma**2) + lam ||beta||_1 / sigma,   k = n + p + 1

(``n + p + 2`` would be the joint mode with the intercept maximised instead of
integrated, ``n + p`` the mode of the density in ``sigma`` rather than
``sigma**2``; the brute-force test in ``tests/test_map_defaults.py`` evaluates
the model's density with the intercept integrated numerically and confirms
``k = n + p + 1``).

Uniqueness: with ``phi = beta / sigma`` and ``rho = 1 / sigma``,
``f = -k log(rho) + ||rho y_c - Z phi||**2 / 2 + lam ||phi||_1``, which is jointly
convex (strictly in ``rho``); Park & Casella (2008, appendix) use the same
change of variables. Every stationary point of ``f`` is therefore its global
minimum, and a point that is (i) a lasso optimum for its sigma and (ii) a root of
the sigma equation below is certified to be the joint MAP.

* For fixed sigma, beta minimises ``RSS / (2 sigma**2) + lam ||beta||_1 / sigma``,
  i.e. scikit-learn's ``Lasso`` objective with ``alpha = lam sigma / n``.
* For fixed beta, ``df/dsigma = 0`` is ``k sigma**2 - lam ||beta||_1 sigma - RSS = 0``,
  whose positive root is ``sigma = (lam L + sqrt(lam**2 L**2 + 4 k RSS)) / (2 k)``
  with ``L = ||beta||_1``.

*Conditional Gaussian* ``beta_j | sigma ~ N(0, sigma**2 scale**2)``: the same
steps give ``f = k log(sigma) + (RSS + ||beta||**2 / scale**2) / (2 sigma**2)``
with the same ``k = n + p + 1``. Here beta does not depend on sigma (it is
``Ridge(alpha = 1 / scale**2)``, objective ``||y_c - Z beta||**2 + alpha ||beta||**2``)
and ``sigma**2 = (RSS + ||beta||**2 / scale**2) / k`` in closed form.

The unconditional priors (scale not multiplied by sigma) have no such
guarantee (Park & Casella show the joint posterior can be bimodal), so no
joint mode is offered for them.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from .map import Certificate, _ridge_certificate, _solve_ridge, solve_lasso

__all__ = [
    "JointMap",
    "sigma_exponent",
    "lasso_neg_log_posterior",
    "lasso_sigma_root",
    "joint_map_lasso",
    "joint_map_ridge",
    "cv_lasso_alpha",
    "lam_from_lasso_alpha",
    "ridge_alpha_grid",
    "cv_ridge_alpha",
]

#: Convergence of the alternation: relative change of sigma between sweeps.
SIGMA_RTOL = 1e-12


@dataclass(frozen=True)
class JointMap:
    """Joint posterior mode of (beta, sigma) with its certificate.

    Attributes
    ----------
    beta : ndarray (p,)
        Coefficients on the scale of ``Z``.
    sigma : float
        Noise standard deviation at the mode.
    alpha : float
        scikit-learn penalty of the beta step: ``Lasso(alpha = lam sigma / n)`` or
        ``Ridge(alpha = 1 / scale**2)``.
    certificate : Certificate
        Lasso (or ridge) duality gap and KKT violation of ``beta`` at ``sigma``.
    sigma_residual : float
        ``|k sigma**2 - lam ||beta||_1 sigma - RSS| / (k sigma**2)`` (lasso) or
        ``|k sigma**2 - RSS - ||beta||**2 / scale**2| / (k sigma**2)`` (ridge): the
        relative residual of the sigma equation.
    n_iter : int
        Alternation sweeps (0 for the closed-form ridge).
    converged : bool
        Whether sigma changed by less than :data:`SIGMA_RTOL` (relative) in the last sweep.
    """

    beta: np.ndarray
    sigma: float
    alpha: float
    certificate: Certificate
    sigma_residual: float
    n_iter: int
    converged: bool


def sigma_exponent(n: int, p: int) -> int:
    """``k = n + p + 1``: the power of ``1 / sigma`` in ``p(beta, sigma**2 | y)`` (see module docstring)."""
    return int(n) + int(p) + 1


def _check_rate(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def lasso_neg_log_posterior(Z, yc, beta, sigma, lam) -> float:
    """``f(beta, sigma) = k log(sigma) + RSS / (2 sigma**2) + lam ||beta||_1 / sigma``, ``k = n + p + 1``.

    Minus the log of ``p(beta, sigma**2 | y)`` up to an additive constant, under
    the conditional Laplace prior and Jeffreys' prior on ``sigma**2``.
    """
    n, p = Z.shape
    r = yc - Z @ beta
    return float(sigma_exponent(n, p) * np.log(sigma) + (r @ r) / (2 * sigma**2) + lam * np.abs(beta).sum() / sigma)


def lasso_sigma_root(rss: float, l1: float, lam: float, k: int) -> float:
    """Positive root of ``k sigma**2 - lam l1 sigma - rss = 0`` (the minimiser in sigma for fixed beta)."""
    b = lam * l1
    # b + sqrt(b^2 + 4 k rss) has no cancellation (both terms >= 0)
    return float((b + math.sqrt(b * b + 4.0 * k * rss)) / (2.0 * k))


def _lasso_sigma_residual(Z, yc, beta, sigma, lam) -> float:
    n, p = Z.shape
    k = sigma_exponent(n, p)
    r = yc - Z @ beta
    return float(abs(k * sigma**2 - lam * np.abs(beta).sum() * sigma - r @ r) / (k * sigma**2))


def joint_map_lasso(Z, yc, lam, *, sigma_init=None, rtol=SIGMA_RTOL, max_iter=500, gap_tol=None) -> JointMap:
    """Joint posterior mode of (beta, sigma) under the conditional Laplace prior.

    Minimises (module docstring)::

        f(beta, sigma) = (n + p + 1) log(sigma) + ||y_c - Z beta||**2 / (2 sigma**2) + lam ||beta||_1 / sigma

    by alternating the two exact block minimisations: sigma from the closed-form
    root of ``k sigma**2 - lam ||beta||_1 sigma - RSS = 0`` and beta from the
    certified lasso ``solve_lasso(Z, yc, alpha = lam sigma / n)``. Each step
    lowers ``f``; the fixed point is a stationary point and hence (convexity in
    ``(beta / sigma, 1 / sigma)``) the unique mode. Stops when sigma changes by
    less than ``rtol`` relatively.

    Parameters
    ----------
    Z : ndarray (n, p)
        Centred design (the one the prior acts on).
    yc : ndarray (n,)
        Centred response.
    lam : float
        Rate of the conditional Laplace prior, ``p(beta_j | sigma) = lam / (2 sigma) exp(-lam |beta_j| / sigma)``.
    sigma_init : float, optional
        Starting sigma (default: the root with beta = 0, ``sqrt(||y_c||**2 / k)``).
    rtol : float
        Relative change of sigma that ends the alternation.
    max_iter : int
        Largest number of sweeps.
    gap_tol : float, optional
        Passed to :func:`bayes_sparse.map.solve_lasso`.

    Returns
    -------
    JointMap
        With the lasso certificate at the final sigma and the sigma-equation residual.
    """
    lam = _check_rate("lam", lam)
    Z = np.asarray(Z, dtype=float)
    yc = np.asarray(yc, dtype=float)
    n, p = Z.shape
    k = sigma_exponent(n, p)
    sigma = lasso_sigma_root(yc @ yc, 0.0, lam, k) if sigma_init is None else _check_rate("sigma_init", sigma_init)
    converged = False
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported as n_iter
        beta = solve_lasso(Z, yc, lam * sigma / n, gap_tol=gap_tol).beta
        r = yc - Z @ beta
        new = lasso_sigma_root(r @ r, np.abs(beta).sum(), lam, k)
        change = abs(new - sigma) / sigma
        sigma = new
        if change < rtol:
            converged = True
            break
    # Final beta at the final sigma, so that the certificate and the sigma
    # residual describe the same point.
    alpha = lam * sigma / n
    sol = solve_lasso(Z, yc, alpha, gap_tol=gap_tol)
    if not converged:
        warnings.warn(
            f"joint MAP: sigma still changing after {max_iter} sweeps (last relative change {change:.1e})",
            UserWarning,
            stacklevel=2,
        )
    return JointMap(
        beta=sol.beta,
        sigma=float(sigma),
        alpha=float(alpha),
        certificate=sol.certificate,
        sigma_residual=_lasso_sigma_residual(Z, yc, sol.beta, sigma, lam),
        n_iter=it,
        converged=converged,
    )


def joint_map_ridge(Z, yc, scale) -> JointMap:
    """Joint posterior mode of (beta, sigma) under the conditional Gaussian prior ``N(0, sigma**2 scale**2)``.

    Minimises ``f = (n + p + 1) log(sigma) + (RSS + ||beta||**2 / scale**2) / (2 sigma**2)``
    (module docstring). For every sigma the beta step is the same ridge,
    ``argmin ||y_c - Z beta||**2 + alpha ||beta||**2`` with ``alpha = 1 / scale**2``,
    so the mode is that ridge solution and ``sigma**2 = (RSS + alpha ||beta||**2) / k``.
    """
    scale = _check_rate("scale", scale)
    Z = np.asarray(Z, dtype=float)
    yc = np.asarray(yc, dtype=float)
    n, p = Z.shape
    k = sigma_exponent(n, p)
    alpha = 1.0 / scale**2
    beta = _solve_ridge(Z, yc, alpha)
    r = yc - Z @ beta
    q = r @ r + alpha * (beta @ beta)
    sigma = math.sqrt(q / k)
    return JointMap(
        beta=beta,
        sigma=float(sigma),
        alpha=float(alpha),
        certificate=_ridge_certificate(Z, yc, beta, alpha),
        sigma_residual=float(abs(k * sigma**2 - q) / (k * sigma**2)),
        n_iter=0,
        converged=True,
    )


# ----------------------------------------------------------------------------- cross-validation
def cv_lasso_alpha(Z, yc, *, n_splits=5, random_state=None) -> float:
    """scikit-learn ``LassoCV`` choice of alpha on the model-scale design.

    ``LassoCV(cv=KFold(n_splits, shuffle=True, random_state))`` with its default
    path (100 alphas down to ``1e-3 alpha_max``) and an intercept refitted in
    each fold (so no centring leaks across folds). Only the chosen alpha is
    used: the final fit is the certified lasso. ``n_splits`` is capped at n.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LassoCV
    from sklearn.model_selection import KFold

    n = Z.shape[0]
    cv = KFold(n_splits=min(int(n_splits), n), shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        # fold fits at the small end of the path may stop short of sklearn's tol;
        # they only rank alphas, the returned solution is certified separately
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LassoCV(cv=cv, fit_intercept=True, max_iter=100_000).fit(Z, yc)
    return float(model.alpha_)


def lam_from_lasso_alpha(Z, yc, alpha, *, sigma=None, conditional=True, gap_tol=None):
    """The Laplace rate lam whose MAP is ``Lasso(alpha)``, and the sigma it holds at.

    * ``sigma`` given: the MAP at fixed sigma is ``Lasso(alpha)`` iff
      ``alpha = lam sigma / n`` (conditional) or ``alpha = sigma**2 lam / n``
      (unconditional, ``b = 1 / lam``), so ``lam = n alpha / sigma`` or
      ``n alpha / sigma**2``.
    * ``sigma=None`` (conditional only): lam is chosen so that the **joint** mode
      has ``beta = Lasso(alpha)``. With beta fixed at that lasso solution
      (``L = ||beta||_1``, ``RSS``), the two stationarity conditions
      ``lam sigma = n alpha`` and ``k sigma**2 - lam L sigma - RSS = 0`` give
      ``sigma**2 = (RSS + n alpha L) / k`` and ``lam = n alpha / sigma``; by
      uniqueness of the joint mode (module docstring) the joint MAP at that lam
      is exactly (``Lasso(alpha)``, sigma).

    Returns
    -------
    (lam, sigma) : tuple of float
    """
    alpha = _check_rate("alpha", alpha)
    n, p = Z.shape
    if sigma is not None:
        sigma = _check_rate("sigma", sigma)
        return (n * alpha / sigma if conditional else n * alpha / sigma**2), sigma
    if not conditional:
        raise ValueError("the joint MAP of (beta, sigma) is only defined for the conditional prior: give sigma")
    beta = solve_lasso(Z, yc, alpha, gap_tol=gap_tol).beta
    r = yc - Z @ beta
    sigma = math.sqrt((r @ r + n * alpha * np.abs(beta).sum()) / sigma_exponent(n, p))
    return n * alpha / sigma, sigma


def ridge_alpha_grid(Z, num=121) -> np.ndarray:
    """Ridge alphas for cross-validation: ``logspace(-6, 6, num)`` times the mean ``||z_j||**2``
    (= n for standardized columns), so the grid spans no shrinkage to all shrinkage."""
    n, p = Z.shape
    unit = max(float(np.einsum("ij,ij->", Z, Z)) / p, np.finfo(float).tiny)
    return unit * np.logspace(-6, 6, num)


def cv_ridge_alpha(Z, yc) -> float:
    """scikit-learn ``RidgeCV`` (efficient leave-one-out) choice of alpha on :func:`ridge_alpha_grid`.

    ``Ridge``'s objective ``||y - Z beta||**2 + alpha ||beta||**2`` is the sum (not
    the mean) of squares, so the alpha chosen leave-one-out on n - 1 rows is
    used as is for the fit on all n rows.
    """
    from sklearn.linear_model import RidgeCV

    return float(RidgeCV(alphas=ridge_alpha_grid(Z), fit_intercept=True).fit(Z, yc).alpha_)


# ----------------------------------------------------------------------------- elastic net
def elastic_net_neg_log_posterior_sigma(
    rss_pen: float, sigma: float, lam1: float, lam2: float, n: int, p: int
) -> float:
    """``k log sigma + (RSS + lam1 ||b||_1 + lam2 ||b||**2) / (2 sigma**2) + p log erfcx(lam1 / (sigma sqrt(8 lam2)))``,
    ``k = n + p + 1``: minus the log of ``p(beta, sigma**2 | y)`` in sigma under the elastic net prior
    (its normaliser ``C(sigma**2) = sigma sqrt(2 pi / lam2) erfcx(...)``, see :class:`bayes_sparse.ElasticNet`)
    and Jeffreys' prior on ``sigma**2``, up to a constant."""
    from scipy.special import erfcx

    x = lam1 / (sigma * math.sqrt(8.0 * lam2))
    return float(sigma_exponent(n, p) * math.log(sigma) + rss_pen / (2.0 * sigma**2) + p * math.log(erfcx(x)))


def joint_sigma_elastic_net(Z, yc, beta, lam1: float, lam2: float) -> float:
    """sigma of the joint posterior mode of (beta, sigma) under the elastic net prior.

    The mode of beta does not depend on sigma (the elastic net solution), so the
    joint mode is that beta with the minimiser of
    :func:`elastic_net_neg_log_posterior_sigma`, found on log sigma (bounded
    Brent). The erfcx term behaves like ``p log sigma`` as sigma -> 0 and
    vanishes as sigma -> inf, so the minimiser lies between
    ``sqrt(S / (k + p))`` and ``sqrt(S / k)`` (``S`` = RSS + penalty): well inside the bracket.
    """
    from scipy.optimize import minimize_scalar

    n, p = Z.shape
    r = yc - Z @ beta
    rss_pen = float(r @ r + lam1 * np.abs(beta).sum() + lam2 * (beta @ beta))
    k = sigma_exponent(n, p)
    s0 = math.sqrt(max(rss_pen, 1e-300) / k)
    res = minimize_scalar(
        lambda t: elastic_net_neg_log_posterior_sigma(rss_pen, math.exp(t), lam1, lam2, n, p),
        bounds=(math.log(s0) - 5.0, math.log(s0) + 5.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return float(math.exp(res.x))
