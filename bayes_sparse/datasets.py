"""Built-in data: the diabetes data scikit-learn ships, and simulated sparse problems."""

from __future__ import annotations

import numpy as np

__all__ = ["load_diabetes", "make_sparse_regression"]


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
    if not 0 <= correlation < 1:
        raise ValueError(f"correlation must be in [0, 1), got {correlation}")
    if not 0 <= n_nonzero <= n_features:
        raise ValueError(f"n_nonzero must be between 0 and n_features={n_features}, got {n_nonzero}")
    rng = np.random.default_rng(random_state)
    X = np.empty((n_samples, n_features))
    X[:, 0] = rng.standard_normal(n_samples)
    innov = np.sqrt(1.0 - correlation**2)
    for j in range(1, n_features):  # AR(1) across columns: O(np) memory, no p x p matrix
        X[:, j] = correlation * X[:, j - 1] + innov * rng.standard_normal(n_samples)
    coef = np.zeros(n_features)
    if n_nonzero:
        support = np.linspace(0, n_features - 1, n_nonzero).round().astype(int)
        coef[support] = signal * rng.choice([-1.0, 1.0], size=n_nonzero)
    y = X @ coef + noise * rng.standard_normal(n_samples)
    if as_frame:
        import pandas as pd

        cols = [f"x{j}" for j in range(n_features)]
        return pd.DataFrame(X, columns=cols), pd.Series(y, name="y"), coef
    return X, y, coef
