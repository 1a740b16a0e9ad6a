"""lasso_ranking: the exact lasso knots against scikit-learn's LARS-lasso path.

The independent truth is ``sklearn.linear_model.lars_path(method="lasso")`` on
the same centred (standardized) design; the certified solver checks the path
between knots.
"""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import lars_path
from sklearn.preprocessing import StandardScaler

import bayes_sparse as bs
from bayes_sparse.map import solve_lasso
from bayes_sparse.ranking import lasso_path_knots, plot_lasso_ranking

#: Both paths are exact up to rounding; 1e-8 relative leaves room for the
#: different update orders (knots are compared relative to alpha_max).
KNOT_RTOL = 1e-8
COEF_RTOL = 1e-8
#: Where "just above / below" a knot is, relative to the knot.
NUDGE = 1e-4
#: scikit-learn's LARS leaves rounding residue (~1e-17) where a coefficient
#: drops out at a knot (seen with scikit-learn 1.9); below this, relative to
#: the largest coefficient, a reference coefficient counts as zero.
REF_ZERO_RTOL = 1e-12


def correlated_data(seed=6, n=50, p=8, rho=0.9):
    """AR(1)-correlated design (corr rho^|i-j|), 4 signals. With seed 6, x2 leaves and re-enters the path twice."""
    rng = np.random.default_rng(seed)
    C = rho ** np.abs(np.subtract.outer(range(p), range(p)))
    X = rng.normal(size=(n, p)) @ np.linalg.cholesky(C).T
    y = X @ np.array([3, -2, 0, 1.5, 0, 0, 1, 0]) + 2 * rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]), pd.Series(y)


def sklearn_path(X, y, standardize):
    Z = StandardScaler().fit_transform(X) if standardize else X.to_numpy() - X.to_numpy().mean(0)
    alphas, _, coefs = lars_path(Z, (y - y.mean()).to_numpy(), method="lasso")
    return alphas, coefs


def entries_and_drops(alphas, coefs, j):
    """From scikit-learn's path: the knots where coefficient j becomes non-zero / returns to zero."""
    nz = np.abs(coefs[j]) > REF_ZERO_RTOL * np.abs(coefs).max()
    enters = [alphas[k] for k in range(len(alphas) - 1) if not nz[k] and nz[k + 1]]
    drops = [alphas[k] for k in range(1, len(alphas)) if nz[k - 1] and not nz[k]]
    return enters, drops


@pytest.mark.parametrize("standardize", [True, False])
def test_knots_equal_lars_path(standardize):
    X, y = correlated_data()
    ref_alphas, ref_coefs = sklearn_path(X, y, standardize)
    path = lasso_path_knots(X, y, standardize=standardize)
    print(f"{len(path.alphas)} knots (scikit-learn: {len(ref_alphas)})")
    assert path.alphas.shape == ref_alphas.shape
    np.testing.assert_allclose(path.alphas, ref_alphas, rtol=KNOT_RTOL, atol=KNOT_RTOL * ref_alphas[0])
    np.testing.assert_allclose(path.coefs, ref_coefs, rtol=COEF_RTOL, atol=COEF_RTOL * np.abs(ref_coefs).max())


@pytest.mark.parametrize("standardize", [True, False])
def test_ranking_equals_lars_path_entry_points(standardize):
    X, y = correlated_data()
    ref_alphas, ref_coefs = sklearn_path(X, y, standardize)
    table = bs.lasso_ranking(X, y, standardize=standardize)
    for j, name in enumerate(X.columns):
        enters, drops = entries_and_drops(ref_alphas, ref_coefs, j)
        row = table.loc[name]
        np.testing.assert_allclose(row["alpha_enter"], enters[0], rtol=KNOT_RTOL)
        np.testing.assert_allclose(row["alpha_last_enter"], enters[-1], rtol=KNOT_RTOL)
        np.testing.assert_allclose(row["alpha_drops"], drops, rtol=KNOT_RTOL)
        assert row["n_drops"] == len(drops)
    # rank = order of first entry (= order of the final drop-out as alpha grows)
    expected = sorted(X.columns, key=lambda c: -entries_and_drops(ref_alphas, ref_coefs, X.columns.get_loc(c))[0][0])
    assert list(table.index) == expected
    assert list(table["rank"]) == list(range(1, X.shape[1] + 1))


def test_feature_that_leaves_and_reenters():
    X, y = correlated_data()
    ref_alphas, ref_coefs = sklearn_path(X, y, True)
    table = bs.lasso_ranking(X, y)
    row = table.loc["x2"]
    enters, drops = entries_and_drops(ref_alphas, ref_coefs, 2)
    assert len(drops) >= 1 and len(enters) == len(drops) + 1, "x2 should leave and re-enter on this data"
    # As alpha grows from 0, x2's *final* drop-out is the knot where it first entered the path from alpha_max down.
    print(
        f"x2: first entry alpha = {row['alpha_enter']:.10g} (scikit-learn {enters[0]:.10g}), "
        f"leaves at {row['alpha_drops']}, re-enters at {enters[1:]}, "
        f"final drop-out as alpha grows = {row['alpha_enter']:.10g}, "
        f"stays in below alpha = {row['alpha_last_enter']:.10g}"
    )
    assert row["n_drops"] == 2
    # The certified MAP confirms every event: zero just above the first entry, non-zero just below;
    # non-zero just above each drop, zero just below; zero just above the last re-entry, non-zero below.
    design = bs._data.prepare_data(X, y)
    Z, yc = design.Z, design.yc

    def coef_x2(alpha):
        return solve_lasso(Z, yc, alpha).beta[2]

    a = row["alpha_enter"]
    assert coef_x2(a * (1 + NUDGE)) == 0 and coef_x2(a * (1 - NUDGE)) != 0
    for d in row["alpha_drops"]:
        assert coef_x2(d * (1 + NUDGE)) != 0 and coef_x2(d * (1 - NUDGE)) == 0
    b = row["alpha_last_enter"]
    assert coef_x2(b * (1 + NUDGE)) == 0 and coef_x2(b * (1 - NUDGE)) != 0


def test_every_knot_is_checked_by_the_certified_map():
    X, y = correlated_data()
    path = lasso_path_knots(X, y)
    checks = path.checks
    # two check points per segment except the last (ending at alpha = 0), which has one
    assert len(checks) == 2 * (len(path.alphas) - 1) - 1
    assert checks["support_agrees"].all()
    assert checks["max_abs_diff"].max() < 1e-6


def test_diabetes_s3_leaves_and_reenters():
    """Efron et al. (2004), section 3: on the diabetes data the lasso drops variable 7 (s3) and takes it back."""
    X, y = bs.datasets.load_diabetes()
    table = bs.lasso_ranking(X, y)
    assert table.loc["s3", "n_drops"] == 1
    assert table.index[0] == "bmi" and table.index[1] == "s5"


def test_lam_enter_is_the_equivalent_laplace_rate():
    X, y = correlated_data()
    sigma = 2.0
    table = bs.lasso_ranking(X, y, sigma=sigma)
    for _, row in table.iterrows():
        prior = bs.laplace_from_alpha(row["alpha_enter"], sigma=sigma, n=len(y), conditional=True)
        np.testing.assert_allclose(row["lam_enter"], prior.lam, rtol=1e-12)
    assert "lam_enter" not in bs.lasso_ranking(X, y, check=False).columns


def test_feature_that_never_enters_has_no_rank():
    # n = 3 samples, 3 features: the centred design has rank 2, so the path ends
    # (at alpha = 0, the interpolating fit) with two active features.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(3, 3)), rng.normal(size=3)
    table = bs.lasso_ranking(X, y, standardize=False)
    assert table["rank"].isna().sum() == 1
    assert table["alpha_enter"].iloc[-1] == 0.0
    assert list(table["rank"].iloc[:2]) == [1, 2]


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sigma": -1.0}, ValueError, "sigma must be positive and finite, got -1.0"),
        ({"sigma": "1"}, TypeError, "sigma must be a positive number or None"),
        ({"check": "yes"}, TypeError, "check must be True or False"),
        ({"standardize": 1}, TypeError, "standardize must be True or False"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    X, y = correlated_data()
    with pytest.raises(exc, match=match):
        bs.lasso_ranking(X, y, **kwargs)


def test_bad_data_goes_through_the_input_boundary():
    X, y = correlated_data()
    X.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="x1"):
        bs.lasso_ranking(X, y)


def test_plot_annotates_knots_without_pyplot_state():
    import matplotlib.pyplot as plt

    X, y = correlated_data()
    table = bs.lasso_ranking(X, y)
    before = plt.get_fignums()
    ax = plot_lasso_ranking(table)
    assert plt.get_fignums() == before
    assert isinstance(ax.figure, matplotlib.figure.Figure)
    path = table.attrs["path"]
    assert len(ax.lines) >= X.shape[1] + (len(path.alphas) - 2)  # one line per feature, one per interior knot
    assert {t.get_text() for t in ax.texts} == {f"{r}: {n}" for n, r in table["rank"].items()}
    with pytest.raises(ValueError, match="no lasso path in table.attrs"):
        bare = table.copy()
        bare.attrs = {}
        plot_lasso_ranking(bare)
