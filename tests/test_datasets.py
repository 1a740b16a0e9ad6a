"""Simulated data: the designs, supports and outcomes that benchmarks and notebooks rely on."""

import numpy as np
import pytest
from scipy import special

import bayes_sparse as bs


def test_regression_and_classification_share_the_design():
    X, y, coef = bs.datasets.make_sparse_regression(60, 40, 4, random_state=3)
    Xc, yc, coefc = bs.datasets.make_sparse_classification(60, 40, 4, signal=2.0, random_state=3)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(np.nonzero(coef)[0], [0, 13, 26, 39])
    np.testing.assert_array_equal(np.abs(coefc[coefc != 0]), 2.0)
    assert set(np.unique(yc)) == {0.0, 1.0}


def test_classification_outcome_follows_the_logistic_model():
    # with n large, the class frequency among rows with eta in a bin matches expit(eta) there
    n = 20_000
    X, y, coef = bs.datasets.make_sparse_classification(n, 10, 2, signal=1.0, intercept=0.5, random_state=0)
    eta = 0.5 + X @ coef
    bins = np.quantile(eta, np.linspace(0, 1, 11))
    which = np.clip(np.searchsorted(bins, eta, side="right") - 1, 0, 9)
    for b in range(10):
        rows = which == b
        expected = special.expit(eta[rows]).mean()
        se = np.sqrt(expected * (1 - expected) / rows.sum())
        assert abs(y[rows].mean() - expected) < 4 * se  # 4 binomial SEs: false alarm < 1e-3 over 10 bins


def test_as_frame_and_bad_arguments():
    X, y, _ = bs.datasets.make_sparse_classification(20, 5, 1, random_state=0, as_frame=True)
    assert list(X.columns) == [f"x{j}" for j in range(5)] and y.name == "y" and y.dtype.kind == "i"
    with pytest.raises(ValueError, match="correlation must be in"):
        bs.datasets.make_sparse_classification(20, 5, 1, correlation=1.0)
    with pytest.raises(ValueError, match="n_nonzero must be between 0 and n_features=5"):
        bs.datasets.make_sparse_classification(20, 5, 6)
