"""Figures draw under Agg and contain the expected artists."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bayes_sparse as bs  # noqa: E402
from bayes_sparse import plots, selection  # noqa: E402


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = bs.datasets.make_sparse_regression(60, 8, 3, random_state=1, as_frame=True)
    res = bs.fit(X, y, bs.Horseshoe(expected_nonzero=3), sampler="gibbs", draws=400, tune=200, chains=2,
                 random_seed=0, progressbar=False)
    return X, y, res, selection.compare_selection(res, n_subsamples=10)


def test_forest_has_one_marker_per_feature(fitted):
    X, y, res, table = fitted
    ax = plots.plot_coefficients(res, table)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert len(lines["posterior median"].get_xdata()) == 8
    np.testing.assert_allclose(sorted(lines["lasso (CV alpha_min)"].get_xdata()), sorted(table["lasso_min"]))
    assert [t.get_text() for t in ax.get_yticklabels()] == list(X.columns)
    plt.close("all")


def test_inclusion_vs_stability_scatter(fitted):
    *_, table = fitted
    ax = plots.plot_inclusion_vs_stability(table)
    offsets = ax.collections[0].get_offsets()
    assert offsets.shape == (8, 2)
    np.testing.assert_allclose(offsets[:, 0], table["stability_freq"])
    plt.close("all")


def test_paths_one_line_per_feature():
    X, y = bs.datasets.load_diabetes()
    axes = plots.plot_paths(X, y, lams=np.geomspace(0.1, 100, 5))
    assert len(axes[0].get_lines()) == 10 + 1  # ten features + the zero line
    assert len(axes[1].get_lines()) == 10 + 1
    # at the largest lambda the Bayesian-lasso medians are pulled towards 0
    meds = np.array([ln.get_ydata() for ln in axes[1].get_lines()[:10]])
    assert np.all(np.abs(meds[:, -1]) <= np.abs(meds[:, 0]) + 1e-9)
    plt.close("all")


def test_shrinkage_profile(fitted):
    *_, res, _ = fitted
    ax = plots.plot_shrinkage(res)
    assert len(ax.patches) == 8
    assert "m_eff" in ax.get_title()
    plt.close("all")
    lap = bs.fit(*fitted[:2], bs.Laplace(), sampler="gibbs", draws=50, tune=10, chains=1, progressbar=False)
    with pytest.raises(ValueError, match="needs a horseshoe fit"):
        plots.plot_shrinkage(lap)
