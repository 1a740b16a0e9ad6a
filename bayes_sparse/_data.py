"""The one input boundary: user data in, validated arrays and feature names out.

Everything that accepts X / y (MAP, models, samplers, prediction, the command
line) goes through :func:`prepare_data` or :func:`check_X`, so every bad
input gets the same clear message wherever it enters.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

MIN_SAMPLES = 3  # intercept + at least one residual degree of freedom for sigma


@dataclass(frozen=True)
class Design:
    """Validated data with its centring/scaling record.

    ``Z = (X - x_mean) / x_scale`` is what the model sees; ``x_scale`` is the
    population standard deviation (ddof=0) when standardizing and 1 otherwise.
    ``yc = y - y_mean``. Coefficients on the model scale ``beta_z`` map to the
    original scale by ``beta = beta_z / x_scale`` and
    ``intercept = y_mean + intercept_c - x_mean @ beta``.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    Z: np.ndarray
    yc: np.ndarray
    standardize: bool

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]

    # The three functions below are the only places where the model scale and
    # the original scale meet; samplers, MAP, prediction and reports call them.
    def coef_to_original(self, beta_z):
        """Model-scale coefficients (..., p) -> original-scale coefficients
        (numpy arrays or PyTensor tensors)."""
        return beta_z / self.x_scale

    def intercept_to_original(self, beta, intercept_c=0.0):
        """Original-scale intercept from original-scale ``beta`` (..., p) and the
        centred model's intercept: ``y_mean + intercept_c - x_mean' beta``."""
        return self.y_mean + np.asarray(intercept_c) - np.asarray(beta) @ self.x_mean

    def linear_predictor(self, beta, intercept, X=None):
        """:func:`linear_predictor` on the training X (default) or new data."""
        return linear_predictor(beta, intercept, self.X if X is None else X)


def linear_predictor(beta, intercept, X):
    """``eta = intercept + X beta`` on the original scale, for every draw: ``beta``
    (..., p), ``intercept`` (...), ``X`` (m, p). Returns (..., m). The one place
    where predictions, log-likelihoods and predictive checks form it."""
    return np.asarray(intercept, dtype=float)[..., None] + np.asarray(beta, dtype=float) @ np.asarray(X).T


def _is_sparse(obj) -> bool:
    import scipy.sparse as sp

    return sp.issparse(obj)


def check_X(X, *, name: str = "X"):
    """Validate a design matrix; return ``(float array (n, p), feature names)``."""
    if X is None:
        raise TypeError(f"{name} is None; expected a 2-D array or DataFrame")
    if _is_sparse(X):
        raise TypeError(f"{name} is a sparse matrix; bayes_sparse needs a dense array (convert with X.toarray())")
    import pandas as pd

    if isinstance(X, pd.Series):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame):
        names = tuple(str(c) for c in X.columns)
        if len(set(names)) != len(names):
            dup = sorted({c for c in names if names.count(c) > 1})
            raise ValueError(f"{name} has repeated column names: {dup}")
        for col, dtype in zip(names, X.dtypes):
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                raise TypeError(f"{name} column '{col}' is not numeric (dtype {dtype}); encode it as numbers first")
            if pd.api.types.is_complex_dtype(dtype):
                raise ValueError(f"Complex data not supported: {name} column '{col}' is complex")
        arr = X.to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(X)
        if arr.ndim == 1:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_features), got a 1-D array; "
                "use X.reshape(-1, 1) for a single feature"
            )
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D")
        names = tuple(f"x{j}" for j in range(arr.shape[1]))
        if np.iscomplexobj(arr):
            raise ValueError(f"Complex data not supported: {name} is complex")
        if arr.dtype.kind not in "biuf":
            arr = _object_to_float(arr, names, name)
        arr = np.asarray(arr, dtype=float)
    n, p = arr.shape
    if n == 0:
        raise ValueError(f"{name} has 0 samples")
    if p == 0:
        raise ValueError(f"{name} has 0 features")
    _check_finite(arr, names, name)
    return np.ascontiguousarray(arr), names


def _object_to_float(arr, names, name):
    """Object arrays of numbers are accepted column by column; strings are not."""
    out = np.empty(arr.shape, dtype=float)
    for j in range(arr.shape[1]):
        col = arr[:, j]
        if any(isinstance(v, complex) for v in col):
            raise ValueError(f"Complex data not supported: {name} column '{names[j]}' is complex")
        bad_type = any(isinstance(v, (str, bytes)) for v in col)
        if not bad_type:
            try:
                out[:, j] = col.astype(float)
            except (TypeError, ValueError):
                bad_type = True
        if bad_type:
            raise TypeError(
                f"{name} column '{names[j]}' is not numeric (dtype {arr.dtype}); encode it as numbers first"
            )
    return out


def _check_finite(arr, names, name):
    if np.isfinite(arr).all():
        return
    bad = ~np.isfinite(arr)
    if arr.ndim == 1:
        i = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(arr[i]) else "infinite values"
        raise ValueError(f"{name} contains {kind} (first at row {i})")
    i, j = map(int, np.argwhere(bad)[0])
    kind = "NaN" if np.isnan(arr[i, j]) else "infinite values"
    raise ValueError(f"{name} contains {kind} in column '{names[j]}' (first at row {i})")


def check_y(y, n_samples: int | None = None):
    """Validate the response; return a float 1-D array."""
    if y is None:
        raise TypeError("y is None; expected a 1-D array or Series")
    if _is_sparse(y):
        raise TypeError("y is a sparse matrix; pass a dense 1-D array")
    import pandas as pd

    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y must be 1-D, got a DataFrame with {y.shape[1]} columns")
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series) and not pd.api.types.is_numeric_dtype(y.dtype):
        raise TypeError(f"y is not numeric (dtype {y.dtype})")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,), got shape {arr.shape}")
    if np.iscomplexobj(arr):
        raise ValueError("Complex data not supported: y is complex")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise TypeError(f"y is not numeric (dtype {arr.dtype})") from None
    arr = arr.astype(float)
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"X and y have inconsistent numbers of samples: {n_samples} != {arr.shape[0]}")
    if arr.shape[0] == 0:
        raise ValueError("y has 0 samples")
    _check_finite(arr, None, "y")
    return np.ascontiguousarray(arr)


def _duplicate_groups(arr):
    """Groups of identical columns (as lists of indices), in O(n p).

    Columns are hashed by two fixed random projections; only columns whose
    projections collide are compared exactly (sorting whole columns, as
    ``np.unique(axis=0)`` does, costs far more at p = 20,000).
    """
    proj = np.random.default_rng(0).standard_normal((2, arr.shape[0]))
    keys = proj @ arr
    order = np.lexsort(keys)
    k = keys[:, order]
    same_as_next = np.all(k[:, 1:] == k[:, :-1], axis=0)
    groups = []
    if not same_as_next.any():
        return groups
    # runs of equal keys: start where a collision begins, end where it stops
    edges = np.diff(np.concatenate([[0], same_as_next.astype(np.int8), [0]]))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        groups.extend(_exact_groups(arr, order[start : stop + 1]))
    return sorted(groups)


def _exact_groups(arr, candidates):
    out, rest = [], sorted(int(c) for c in candidates)
    while len(rest) > 1:
        head, *tail = rest
        same = [j for j in tail if np.array_equal(arr[:, head], arr[:, j])]
        if same:
            out.append([head, *same])
        rest = [j for j in tail if j not in same]
    return out


def prepare_data(X, y, *, standardize: bool = True, family: str = "gaussian") -> Design:
    """Validate ``X`` and ``y`` and record centring/scaling.

    ``family`` selects the checks on the response (:mod:`bayes_sparse.families`):
    a non-constant number for ``"gaussian"``, 0/1 (or bool) with both classes
    present for ``"bernoulli"``.

    Raises
    ------
    TypeError
        Non-numeric, complex or sparse input.
    ValueError
        NaN/inf, wrong shapes, 0 rows or columns, fewer than 3 samples,
        constant ``y``, or constant columns when ``standardize=True``.

    Warns
    -----
    UserWarning
        Identical columns (their coefficients are not identified).
    """
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    Xa, names = check_X(X)
    ya = check_y(y, Xa.shape[0])
    n, p = Xa.shape
    if n < MIN_SAMPLES:
        raise ValueError(
            f"need at least {MIN_SAMPLES} samples to fit an intercept and a noise scale, got n_samples = {n}"
        )
    from .spec import family_for

    family_for(family).check_response(ya)
    y_mean = float(ya.mean())
    yc = ya - y_mean
    x_mean = Xa.mean(axis=0)
    Zc = Xa - x_mean
    col_sd = np.sqrt(np.einsum("ij,ij->j", Zc, Zc) / n)
    # A column whose spread is at rounding level relative to its magnitude is constant.
    tiny = col_sd <= 1e-12 * np.maximum(np.abs(x_mean), np.finfo(float).tiny)
    tiny |= col_sd == 0
    if standardize:
        if tiny.any():
            bad = [names[j] for j in np.flatnonzero(tiny)]
            raise ValueError(
                f"X column '{bad[0]}' is constant and cannot be standardized"
                + (f" (also constant: {bad[1:6]})" if len(bad) > 1 else "")
                + "; drop it or use standardize=False"
            )
        x_scale = col_sd
    else:
        x_scale = np.ones(p)
    groups = _duplicate_groups(Xa)
    if groups:
        shown = ", ".join("(" + ", ".join(repr(names[j]) for j in g) + ")" for g in groups[:3])
        warnings.warn(
            f"X has identical columns {shown}; their coefficients are not identified "
            "separately (the lasso solution is not unique)",
            UserWarning,
            stacklevel=3,
        )
    Z = Zc / x_scale if standardize else Zc
    return Design(
        X=Xa,
        y=ya,
        feature_names=names,
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=y_mean,
        Z=np.ascontiguousarray(Z),
        yc=yc,
        standardize=bool(standardize),
    )


def check_X_new(X_new, design: Design):
    """Validate new data for prediction against the training design."""
    arr, names = check_X(X_new, name="X_new")
    if arr.shape[1] != design.p:
        raise ValueError(f"X_new has {arr.shape[1]} features, but the model was fit with {design.p}")
    import pandas as pd

    if isinstance(X_new, pd.DataFrame) and tuple(names) != tuple(design.feature_names):
        raise ValueError(
            "X_new columns do not match the training features "
            f"(expected {list(design.feature_names)[:10]}, got {list(names)[:10]})"
        )
    return arr
