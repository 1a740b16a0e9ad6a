"""Built-in data: the diabetes data scikit-learn ships, and simulated sparse problems."""

from __future__ import annotations

import numpy as np

__all__ = ["load_diabetes", "make_sparse_regression", "make_sparse_classification"]


def load_diabetes(scaled: bool = False):
    """Diabetes data (Efron et al. 2004; n=442, p=10) as ``(DataFrame, Series)``.

    Shipped inside scikit-learn, so no download. ``scaled=False`` (default)
    returns the original units (age in years, bmi, ...), as in Park & Casella (2008).
    """
    from sklearn.datasets import load_diabetes as _load

    data = _load(as_frame=True, scaled=scaled)
    return data.data.copy(), data.target.rename("progression").copy()


def make_sparse_regression(
    n_samples: int = 100,
    n_features: int = 200,
    n_nonzero: int = 10,
    *,
    correlation: float = 0.5,
    noise: float = 1.0,
    signal: float = 2.0,
    random_state=None,
    as_frame: bool = False,
):
    """Simulate ``y = X beta + noise`` with a sparse ``beta``.

    Rows of X are Gaussian with AR(1) correlation ``corr(x_j, x_k) = correlation**|j-k|``;
    ``n_nonzero`` coefficients spread evenly over the features get values
    ``± signal`` (random signs); the noise is N(0, noise**2).

    Returns
    -------
    X : ndarray (n, p) or DataFrame
    y : ndarray (n,) or Series
    coef : ndarray (p,)
        The true coefficients.
    """
    rng = np.random.default_rng(random_state)
    X, coef = _sparse_design(rng, n_samples, n_features, n_nonzero, correlation, signal)
    y = X @ coef + noise * rng.standard_normal(n_samples)
    return _frame(X, y, coef, "y") if as_frame else (X, y, coef)


def make_sparse_classification(
    n_samples: int = 100,
    n_features: int = 200,
    n_nonzero: int = 5,
    *,
    correlation: float = 0.5,
    signal: float = 1.5,
    intercept: float = 0.0,
    random_state=None,
    as_frame: bool = False,
):
    """Simulate a binary outcome from a sparse logistic model:
    ``y_i ~ Bernoulli(expit(intercept + x_i' beta))``.

    The design and ``beta`` are as in :func:`make_sparse_regression` (AR(1)
    correlated Gaussian columns, ``n_nonzero`` coefficients ``± signal`` spread
    evenly over the features), e.g. cases (1) and controls (0) from expression
    of ``n_features`` genes of which ``n_nonzero`` matter.

    Returns
    -------
    X : ndarray (n, p) or DataFrame
    y : ndarray (n,) of 0.0/1.0, or Series of ints
    coef : ndarray (p,)
        The true coefficients (log odds ratios per unit of x).
    """
    rng = np.random.default_rng(random_state)
    X, coef = _sparse_design(rng, n_samples, n_features, n_nonzero, correlation, signal)
    eta = intercept + X @ coef
    y = (rng.random(n_samples) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return _frame(X, y.astype(int), coef, "y") if as_frame else (X, y, coef)


def _sparse_design(rng, n_samples, n_features, n_nonzero, correlation, signal):
    if not 0 <= correlation < 1:
        raise ValueError(f"correlation must be in [0, 1), got {correlation}")
    if not 0 <= n_nonzero <= n_features:
        raise ValueError(f"n_nonzero must be between 0 and n_features={n_features}, got {n_nonzero}")
    X = np.empty((n_samples, n_features))
    X[:, 0] = rng.standard_normal(n_samples)
    innov = np.sqrt(1.0 - correlation**2)
    for j in range(1, n_features):  # AR(1) across columns: O(np) memory, no p x p matrix
        X[:, j] = correlation * X[:, j - 1] + innov * rng.standard_normal(n_samples)
    coef = np.zeros(n_features)
    if n_nonzero:
        support = np.linspace(0, n_features - 1, n_nonzero).round().astype(int)
        coef[support] = signal * rng.choice([-1.0, 1.0], size=n_nonzero)
    return X, coef


def _frame(X, y, coef, name):
    import pandas as pd

    cols = [f"x{j}" for j in range(X.shape[1])]
    return pd.DataFrame(X, columns=cols), pd.Series(y, name=name), coef
