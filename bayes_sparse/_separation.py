"""Separation of two classes by a linear predictor (binary outcomes).

With ``s_i = 2 y_i - 1`` and ``eta_i = b0 + x_i' b`` (Albert & Anderson 1984):

* **complete separation**: some ``(b0, b)`` has ``s_i eta_i > 0`` for every i
  (every observation classified correctly);
* **quasi-complete separation**: not complete, but some ``(b0, b)`` has
  ``s_i eta_i >= 0`` for every i with ``> 0`` for at least one (the others on
  the boundary).

In either case the logistic log-likelihood increases without bound along
``(b0, b)``, so there is no maximum-likelihood estimate: the likelihood alone
sends coefficients to infinity and only the prior keeps the posterior (and the
MAP) finite. Both are decided exactly by one linear program (in the spirit
of Konis 2007, R's ``safeBinaryRegression``), solved by
``scipy.optimize.linprog`` (HiGHS): with ``a_i = (1, x_i)``,

    maximise sum_i t_i  subject to  t_i <= s_i a_i' d,  0 <= t_i <= 1.

The directions with ``s_i a_i' d >= 0`` for all i form a convex cone, so the
sum of directions that are strict for different observations is strict for
all of them, and scaling it up makes those margins >= 1: the optimum is
exactly the number of observations that some separating direction classifies
strictly (``n``: complete; between 1 and ``n - 1``: quasi-complete; 0: no
separation). It is an integer, so the decision is not a matter of solver
tolerance.

With ``p >= n - 1`` the ``n`` points ``x_i`` in general position are affinely
independent, so every labelling is separable: the LP is not run and the
result says so. Single features that separate the classes on their own (a
threshold on ``x_j`` classifies every observation, with ties at the threshold
for quasi-complete separation) are found in one pass over the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SeparationCheck", "detect_separation"]


@dataclass(frozen=True)
class SeparationCheck:
    """Result of :func:`detect_separation`.

    Attributes
    ----------
    status : {"complete", "quasi-complete", "none", "high-dimensional"}
        Separation by a linear predictor on all features; ``"high-dimensional"``
        when ``p >= n - 1`` (always separable in general position; not checked).
    n, p : int
    n_separated : int
        Quasi-complete separation: observations the separating direction
        classifies strictly (the rest lie on its boundary); ``n`` for complete
        separation, 0 otherwise.
    complete_features, quasi_features : tuple of str
        Features that on their own separate the classes completely (a threshold
        classifies every observation) or quasi-completely (only ties at the
        threshold).
    """

    status: str
    n: int
    p: int
    n_separated: int
    complete_features: tuple
    quasi_features: tuple

    @property
    def separated(self) -> bool:
        """Whether the likelihood alone has no finite maximum (or, for p >= n - 1, generically none)."""
        return self.status != "none" or bool(self.complete_features or self.quasi_features)

    def messages(self, max_names: int = 10) -> list:
        """Plain-text warnings, one per finding (empty when there is none)."""
        out = []
        if self.status == "complete":
            out.append(
                "The classes are completely separated by a linear predictor: some combination of the features "
                "classifies every observation correctly. The likelihood alone would send the coefficients to "
                "infinity (there is no maximum-likelihood estimate); the prior is what keeps them finite, so "
                "their sizes are set by the prior."
            )
        elif self.status == "quasi-complete":
            out.append(
                "The classes are quasi-completely separated by a linear predictor: some combination of the "
                f"features classifies {self.n_separated} of the {self.n} observations correctly and puts the "
                "others exactly on its boundary. The likelihood alone would send the coefficients to infinity "
                "(there is no maximum-likelihood estimate); the prior is what keeps them finite, so their sizes "
                "are set by the prior."
            )
        elif self.status == "high-dimensional":
            out.append(
                f"p >= n - 1 (p = {self.p}, n = {self.n}): the data are always linearly separable (n points in "
                "general position can be split in any way by a hyperplane), so the likelihood alone would send "
                "the coefficients to infinity and their sizes are determined by the prior."
            )
        for kind, names in (("completely", self.complete_features), ("quasi-completely", self.quasi_features)):
            if names:
                shown = ", ".join(map(str, names[:max_names]))
                more = f" and {len(names) - max_names} more" if len(names) > max_names else ""
                out.append(
                    f"{len(names)} single feature{'s' if len(names) > 1 else ''} {kind} separate"
                    f"{'' if len(names) > 1 else 's'} the classes on {'their' if len(names) > 1 else 'its'} own "
                    f"(a threshold classifies every observation{', up to ties' if kind != 'completely' else ''}): "
                    f"{shown}{more}. The likelihood alone would make "
                    f"{'their coefficients' if len(names) > 1 else 'its coefficient'} infinite; the prior decides "
                    "how large."
                )
        return out


def _single_feature_separators(Z, y):
    """Masks (complete, quasi) of the columns that alone separate the classes."""
    one = y > 0.5
    lo1, hi1 = Z[one].min(axis=0), Z[one].max(axis=0)
    lo0, hi0 = Z[~one].min(axis=0), Z[~one].max(axis=0)
    complete = (hi0 < lo1) | (hi1 < lo0)
    quasi = ((hi0 <= lo1) | (hi1 <= lo0)) & ~complete
    return complete, quasi


def _lp_status(Z, y):
    """(status, n_separated) from one linear program (module docstring)."""
    from scipy.optimize import linprog

    n = Z.shape[0]
    s = 2.0 * y - 1.0
    SA = s[:, None] * np.column_stack([np.ones(n), Z])  # rows s_i a_i'
    k = SA.shape[1]
    # variables (d, t): maximise sum t subject to t_i <= s_i a_i' d, 0 <= t_i <= 1
    res = linprog(
        np.concatenate([np.zeros(k), -np.ones(n)]),
        A_ub=np.hstack([-SA, np.eye(n)]),
        b_ub=np.zeros(n),
        bounds=[(None, None)] * k + [(0.0, 1.0)] * n,
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is feasible (d = 0, t = 0) and bounded
        raise RuntimeError(f"separation LP failed: {res.message}")
    n_sep = int(round(-res.fun))  # the optimum is the number of observations that can be strictly separated
    if n_sep == n:
        return "complete", n
    return ("quasi-complete", n_sep) if n_sep > 0 else ("none", 0)


def detect_separation(X, y, feature_names=None) -> SeparationCheck:
    """Complete / quasi-complete separation of a binary ``y`` by a linear predictor in ``X``.

    Parameters
    ----------
    X : array (n, p)
        Features (an intercept is always included; centring or scaling the
        columns changes nothing).
    y : array (n,)
        0/1 (or bool), both classes present.
    feature_names : sequence of str, optional
        Names for the single-feature findings (default ``x0, x1, ...``).

    Returns
    -------
    SeparationCheck

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [5.0, 0.0]])
    >>> detect_separation(X, [0, 0, 0, 1, 1, 1]).status
    'complete'
    >>> detect_separation(X, [0, 0, 0, 1, 1, 1], ["dose", "sex"]).complete_features
    ('dose',)
    >>> detect_separation(X, [0, 1, 0, 1, 0, 1]).status
    'complete'
    >>> detect_separation(X, [0, 1, 1, 0, 0, 1]).status
    'none'
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n, p), got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with {X.shape[0]} entries (rows of X), got shape {y.shape}")
    if y.dtype.kind not in "biuf":
        raise ValueError(f"y must be 0/1 or bool, got dtype {y.dtype}")
    y = y.astype(float)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must be 0/1 or bool")
    if y.min() == y.max():
        raise ValueError("y has only one class; separation needs both 0 and 1")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    n, p = X.shape
    names = [f"x{j}" for j in range(p)] if feature_names is None else [str(f) for f in feature_names]
    if len(names) != p:
        raise ValueError(f"feature_names has {len(names)} entries, X has {p} columns")
    # centring and scaling keep separation (the intercept is free) and help the LP's conditioning
    sd = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    complete, quasi = _single_feature_separators(Z, y)
    const = sd == 0
    quasi &= ~const  # a constant column "separates" nothing
    complete &= ~const
    if p >= n - 1:
        status, n_sep = "high-dimensional", 0
    elif complete.any():  # one feature already separates completely: no LP needed
        status, n_sep = "complete", n
    else:
        status, n_sep = _lp_status(Z[:, ~const], y)
    return SeparationCheck(
        status=status,
        n=n,
        p=p,
        n_separated=n_sep,
        complete_features=tuple(names[j] for j in np.flatnonzero(complete)),
        quasi_features=tuple(names[j] for j in np.flatnonzero(quasi)),
    )
