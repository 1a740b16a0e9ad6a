"""Figures contain the expected artists, need no pyplot state, and stay small at any p."""

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import bayes_sparse as bs
from bayes_sparse import plots, report, selection


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = bs.datasets.make_sparse_regression(60, 8, 3, random_state=1, as_frame=True)
    res = bs.fit(
        X,
        y,
        bs.Horseshoe(expected_nonzero=3),
        sampler="gibbs",
        draws=400,
        tune=200,
        chains=2,
        random_seed=0,
        progressbar=False,
    )
    return X, y, res, selection.compare_selection(res, n_subsamples=10)


def test_forest_has_one_marker_per_feature(fitted):
    X, y, res, table = fitted
    ax = plots.plot_coefficients(res, table)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert len(lines["posterior median"].get_xdata()) == 8
    np.testing.assert_allclose(sorted(lines["lasso (CV alpha_min)"].get_xdata()), sorted(table["lasso_min"]))
    # every feature shown (p = 8 < top), the most probable at the top of the plot
    labels = [t.get_text() for t in ax.get_yticklabels()]  # in tick order: top of the plot first
    assert sorted(labels) == sorted(X.columns)
    assert np.all(ax.get_yticks()[:-1] > ax.get_yticks()[1:])
    ranked = table["inclusion_prob"].loc[labels].to_numpy()
    assert np.all(np.diff(ranked) <= 0)
    # top=3: the three most probable features only
    ax3 = plots.plot_coefficients(res, table, top=3)
    assert [t.get_text() for t in ax3.get_yticklabels()] == labels[:3]
    assert "pyplot" not in type(ax.figure.canvas).__module__


def test_inclusion_vs_stability_scatter(fitted):
    *_, table = fitted
    ax = plots.plot_inclusion_vs_stability(table)
    offsets = ax.collections[0].get_offsets()
    assert offsets.shape == (8, 2)
    np.testing.assert_allclose(offsets[:, 0], table["stability_freq"])


def test_paths_one_line_per_feature():
    X, y = bs.datasets.load_diabetes()
    axes = plots.plot_paths(X, y, lams=np.geomspace(0.1, 100, 5))
    assert len(axes[0].get_lines()) == 10 + 1  # ten features + the zero line
    assert len(axes[1].get_lines()) == 10 + 1
    # at the largest lambda the Bayesian-lasso medians are pulled towards 0
    meds = np.array([ln.get_ydata() for ln in axes[1].get_lines()[:10]])
    assert np.all(np.abs(meds[:, -1]) <= np.abs(meds[:, 0]) + 1e-9)


def test_shrinkage_profile(fitted):
    *_, res, _ = fitted
    ax = plots.plot_shrinkage(res)
    assert len(ax.patches) == 8
    assert "m_eff" in ax.get_title()
    bars = [p.get_height() for p in ax.patches]
    assert np.all(np.diff(bars) <= 0)  # least shrunk first
    lap = bs.fit(*fitted[:2], bs.Laplace(), sampler="gibbs", draws=50, tune=10, chains=1, progressbar=False)
    with pytest.raises(ValueError, match="needs a horseshoe fit"):
        plots.plot_shrinkage(lap)


def test_manhattan_plots_every_feature_rasterized(fitted):
    *_, table = fitted
    ax = plots.plot_inclusion_manhattan(table)
    pts = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(pts) == len(table)
    np.testing.assert_allclose(np.sort(pts[:, 1]), np.sort(table["inclusion_prob"]))
    assert all(c.get_rasterized() for c in ax.collections)


def test_manhattan_legend_leaves_the_data_area_free():
    """Selected features sit at the top, often at the right end: the legend must not cover them."""
    p = 2000
    table = pd.DataFrame(
        {"inclusion_prob": np.r_[np.zeros(p - 1), 1.0], "selected_bayes": np.r_[np.zeros(p - 1, bool), True]},
        index=[f"x{j}" for j in range(p)],
    )
    ax = plots.plot_inclusion_manhattan(table)
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y0 >= ax.get_window_extent().y1 - 1


def fake_horseshoe_result(p, n=100, draws=200, chains=2, seed=0):
    """A stand-in for a horseshoe PosteriorFit with what the figures read (no sampling)."""
    import arviz as az

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :5].sum(1) + rng.standard_normal(n)
    beta = 0.05 * rng.standard_normal((chains, draws, p))
    beta[:, :, :5] += 1.0
    kappa = rng.uniform(0.5, 1.0, size=(chains, draws, p))
    kappa[:, :, :5] = 0.05
    names = [f"feature_with_a_long_name_{j}" for j in range(p)]
    idata = az.from_dict(
        posterior={"beta": beta, "kappa": kappa, "m_eff": (1 - kappa).sum(-1)},
        coords={"feature": names},
        dims={"beta": ["feature"], "kappa": ["feature"]},
    )
    post = idata.posterior
    return SimpleNamespace(
        idata=idata,
        prior=bs.Horseshoe(expected_nonzero=5),
        spec=bs.ModelSpec.build(bs.Horseshoe(expected_nonzero=5)),
        feature_names=tuple(names),
        design=SimpleNamespace(n=n, p=p, X=X, y=y),
        draws=lambda name: np.asarray(post[name].values).reshape((-1,) + post[name].shape[2:]),
    )


def fake_table(res, seed=0):
    rng = np.random.default_rng(seed)
    p = res.design.p
    pi = rng.uniform(0, 0.3, p)
    pi[:5] = 1.0
    return pd.DataFrame(
        {
            "inclusion_prob": pi,
            "stability_freq": rng.uniform(0, 1, p),
            "selected_bayes": pi > 0.5,
            "lasso_min": rng.standard_normal(p),
        },
        index=pd.Index(res.feature_names, name="feature"),
    )


#: Largest side of an embedded figure; browsers may show larger images blank.
PIXEL_LIMIT = 4096


@pytest.mark.parametrize("p, top", [(5000, 30), (400, None)])
def test_every_figure_bounded_at_p5000(p, top):
    """At p = 5,000 (the forest plot was 72,906 px tall before) every figure stays below 4,096 px;
    with ``top=None`` (every feature: 400 here, since drawing 5,000 tick labels takes minutes) the
    figure size cap holds it."""
    res = fake_horseshoe_result(p)
    table = fake_table(res)
    figures = {
        "coefficients": plots.plot_coefficients(res, table, top=top).figure,
        "shrinkage": plots.plot_shrinkage(res, top=top).figure,
        "manhattan": plots.plot_inclusion_manhattan(table).figure,
        "stability": plots.plot_inclusion_vs_stability(table, top=top).figure,
    }
    for name, fig in figures.items():
        w, h = report.png_size(report._png_bytes(fig))
        print(name, top, (w, h))
        assert 0 < w < PIXEL_LIMIT and 0 < h < PIXEL_LIMIT, (name, w, h)
    labels = [t.get_text() for t in figures["coefficients"].axes[0].get_yticklabels()]
    assert len(labels) == (top or p)
    if top:  # the five true signals (inclusion 1) lead
        assert set(labels[:5]) == {f"feature_with_a_long_name_{j}" for j in range(5)}


def test_png_cap_lowers_resolution():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(60, 2))  # 5,400 px wide at 90 dpi
    fig.add_subplot().plot([0, 1])
    w, h = report.png_size(report._png_bytes(fig))
    assert w <= report.MAX_PIXELS and h < w
    with pytest.raises(ValueError, match="not a PNG"):
        report.png_size(b"GIF89a" + bytes(30))


def test_stability_scatter_labels_do_not_overlap():
    """Selected features crowd the top right (inclusion and stability both near 1): seen at
    p = 20,000, where neighbouring labels were drawn over each other. Near-coincident points
    share one label, the others are pushed apart; every labelled name is shown or counted."""
    rng = np.random.default_rng(0)
    n_feat = 40
    stab = rng.uniform(0, 0.15, n_feat)
    incl = rng.uniform(0, 0.15, n_feat)
    stab[:8], incl[:8] = 1.0 - rng.uniform(0, 0.01, 8), 1.0 - rng.uniform(0, 0.01, 8)  # a pile at (1, 1)
    stab[8:14], incl[8:14] = 0.9 - 0.04 * np.arange(6), 0.93 - 0.035 * np.arange(6)  # a close diagonal run
    stab[14:18], incl[14:18] = [0.35, 0.37, 0.39, 0.41], [0.5, 0.47, 0.44, 0.41]
    names = [f"gene_{j:05d}" for j in range(n_feat)]
    table = pd.DataFrame(
        {"stability_freq": stab, "inclusion_prob": incl, "selected_bayes": incl > 0.5}, index=pd.Index(names)
    )
    ax = plots.plot_inclusion_vs_stability(table, top=30)
    renderer = plots._renderer(ax.figure)
    texts = [t for t in ax.texts if t.get_text()]
    boxes = [plots._text_box(t, renderer) for t in texts]  # the text, not its leader line
    for a in range(len(boxes)):
        for b in range(a):
            assert not boxes[a].overlaps(boxes[b]), (texts[a].get_text(), texts[b].get_text())
    shown = " ".join(t.get_text() for t in texts)
    more = sum(int(k) for k in re.findall(r"\+(\d+) more", shown))
    labelled = [nm for nm, s_, i_ in zip(names, stab, incl) if s_ > 0.2 or i_ > 0.2]
    assert sum(nm in shown for nm in labelled) + more == len(labelled) == 18
    # every label stays inside the figure
    fig_box = ax.figure.bbox
    assert all(fig_box.x0 <= b.x0 and b.x1 <= fig_box.x1 and fig_box.y0 <= b.y0 and b.y1 <= fig_box.y1 for b in boxes)
