import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import bayes_sparse as bs
from bayes_sparse._data import prepare_data

PRIOR = bs.Laplace(lam=1.0)


def _frame(rng, n=20):
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})


def test_feature_names_from_frame_and_default(rng):
    X = _frame(rng)
    y = pd.Series(rng.normal(size=20))
    assert prepare_data(X, y).feature_names == ("a", "b", "c")
    assert prepare_data(X.to_numpy(), y.to_numpy()).feature_names == ("x0", "x1", "x2")


def test_standardization_record(rng):
    X = rng.normal(loc=3.0, scale=[1.0, 10.0, 0.1], size=(200, 3))
    y = rng.normal(size=200)
    d = prepare_data(X, y, standardize=True)
    np.testing.assert_allclose(d.Z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(d.Z.std(0, ddof=0), 1, rtol=1e-12)
    np.testing.assert_allclose(d.x_scale, X.std(0, ddof=0))
    d2 = prepare_data(X, y, standardize=False)
    np.testing.assert_allclose(d2.x_scale, 1.0)
    np.testing.assert_allclose(d2.Z, X - X.mean(0))
    # the record maps model-scale coefficients back to the original scale
    beta_z = np.array([1.0, -2.0, 0.5])
    beta = d.coef_to_original(beta_z)
    intercept = d.intercept_to_original(beta, 0.3)
    np.testing.assert_allclose(d.y_mean + 0.3 + d.Z @ beta_z, intercept + X @ beta, rtol=1e-12)


@pytest.mark.parametrize(
    "X_fn, y_fn, err, message",
    [
        (
            lambda X: X.assign(b=[np.nan] + [1.0] * 19),
            None,
            ValueError,
            r"X contains NaN in column 'b' \(first at row 0\)",
        ),
        (
            lambda X: X.assign(c=[1.0] * 5 + [np.inf] + [1.0] * 14),
            None,
            ValueError,
            "X contains infinite values in column 'c' .first at row 5.",
        ),
        (None, lambda y: y[:-1], ValueError, "X and y have inconsistent numbers of samples: 20 != 19"),
        (lambda X: X.iloc[:0], lambda y: y[:0], ValueError, "X has 0 samples"),
        (lambda X: X[[]], None, ValueError, "X has 0 features"),
        (lambda X: X.assign(b=["u"] * 20), None, TypeError, "X column 'b' is not numeric"),
        (lambda X: X.assign(a=1.0), None, ValueError, "X column 'a' is constant and cannot be standardized"),
        (lambda X: X.to_numpy()[:, 0], None, ValueError, "X must be 2-D .n_samples, n_features., got a 1-D array"),
        (lambda X: sp.csr_matrix(X.to_numpy()), None, TypeError, "X is a sparse matrix"),
        (lambda X: X.to_numpy() + 1j, None, ValueError, "Complex data not supported: X is complex"),
        (None, lambda y: y + 1j, ValueError, "Complex data not supported: y is complex"),
        (lambda X: X.iloc[:2], lambda y: y[:2], ValueError, "need at least 3 samples .*got n_samples = 2"),
        (None, lambda y: np.full(20, 4.0), ValueError, "y is constant"),
        (None, lambda y: np.where(np.arange(20) == 7, np.nan, y), ValueError, r"y contains NaN \(first at row 7\)"),
        (None, lambda y: np.c_[y, y], ValueError, r"y must be 1-D"),
        (None, lambda y: np.array(["a"] * 20), TypeError, "y is not numeric"),
        (lambda X: np.array([["1", "2", "x"]] * 20, dtype=object), None, TypeError, "X column 'x0' is not numeric"),
    ],
)
def test_bad_input_messages(rng, X_fn, y_fn, err, message):
    X = _frame(rng)
    y = rng.normal(size=20)
    X = X_fn(X) if X_fn else X
    y = y_fn(y) if y_fn else y
    with pytest.raises(err, match=message):
        prepare_data(X, y, standardize=True)
    # the same boundary guards the public entry points
    with pytest.raises(err, match=message):
        bs.map_estimate(X, y, PRIOR, sigma=1.0, standardize=True)


def test_constant_column_allowed_without_standardizing(rng):
    X = _frame(rng).assign(a=2.0)
    y = rng.normal(size=20)
    m = bs.map_estimate(X, y, PRIOR, sigma=1.0, standardize=False)
    assert m.coef_[0] == 0.0


def test_duplicated_columns_warn(rng):
    X = _frame(rng)
    X["d"] = X["a"]
    with pytest.warns(UserWarning, match=r"identical columns \('a', 'd'\)"):
        prepare_data(X, rng.normal(size=20))


def test_numeric_object_array_is_accepted(rng):
    X = rng.normal(size=(10, 2)).astype(object)
    d = prepare_data(X, rng.normal(size=10))
    assert d.X.dtype == float


def test_standardize_must_be_bool(rng):
    with pytest.raises(TypeError, match="standardize must be True or False"):
        prepare_data(_frame(rng), rng.normal(size=20), standardize="yes")
