import numpy as np
import pytest


@pytest.fixture(scope="session")
def diabetes():
    from bayes_sparse.datasets import load_diabetes

    return load_diabetes()


@pytest.fixture(scope="session")
def correlated_wide():
    """Correlated p > n problem (n=50, p=200, 8 true signals)."""
    from bayes_sparse.datasets import make_sparse_regression

    X, y, coef = make_sparse_regression(50, 200, 8, correlation=0.7, random_state=11)
    return X, y, coef


@pytest.fixture
def rng():
    return np.random.default_rng(20261127)
