"""Selection comparison: table consistency, horseshoe vs LassoCV on simulated
data with known support, m_eff against its analytic prior expectation."""

import numpy as np
import pandas as pd
import pytest

import bayes_sparse as bs
from bayes_sparse import selection as S

SEEDS = (0, 1, 2)


def _simulate(seed):
    return bs.datasets.make_sparse_regression(120, 40, 5, correlation=0.6, noise=1.0, signal=1.0,
                                              random_state=seed, as_frame=True)


@pytest.fixture(scope="module")
def horseshoe_tables():
    out = []
    for seed in SEEDS:
        X, y, coef = _simulate(seed)
        res = bs.fit(X, y, bs.Horseshoe(expected_nonzero=5), sampler="gibbs", draws=1500, tune=500,
                     chains=2, random_seed=seed, progressbar=False)
        out.append((res, S.compare_selection(res, X, y, n_subsamples=50, random_state=seed), coef))
    return out


def test_table_columns_and_consistency(horseshoe_tables):
    res, table, coef = horseshoe_tables[0]
    for col in ("mean", "median", "hdi_low", "hdi_high", "inclusion_prob", "selected_bayes", "lasso_min",
                "lasso_1se", "selected_lasso_cv", "entry_alpha", "entry_rank", "stability_freq", "r_hat",
                "ess_bulk", "shrinkage", "dss_coef", "p_sign"):
        assert col in table.columns, col
    assert list(table.index) == [f"x{j}" for j in range(40)]
    assert table.attrs["alpha_1se"] >= table.attrs["alpha_min"]
    # lambda_1se selects a subset of lambda_min's features
    assert not (table["selected_lasso_1se"] & ~table["selected_lasso_cv"]).any()
    assert table["stability_freq"].between(0, 1).all()
    assert table["inclusion_prob"].between(0, 1).all()
    assert (table["hdi_low"] <= table["median"]).all() and (table["median"] <= table["hdi_high"]).all()
    # the entry rank orders by entry alpha
    order = table.sort_values("entry_rank")["entry_alpha"].to_numpy()
    assert np.all(np.diff(order) <= 0)
    # lasso coefficients are the certified optimum at alpha_min (cross-check with scikit-learn)
    from sklearn.linear_model import Lasso

    Xs = (res.design.X - res.design.x_mean) / res.design.x_scale
    ref = Lasso(alpha=table.attrs["alpha_min"], tol=1e-12, max_iter=10**6).fit(Xs, res.design.y).coef_
    np.testing.assert_allclose(table["lasso_min"] * res.design.x_scale, ref, atol=1e-6 * np.abs(ref).max())
    agree = table.attrs["agreement"]
    assert set(agree) == {"both", "only_bayes", "only_lasso", "jaccard", "spearman_entry_vs_inclusion"}
    assert 0 <= agree["jaccard"] <= 1
    assert len(agree["both"]) + len(agree["only_lasso"]) == table["selected_lasso_cv"].sum()
    assert table.attrs["m_eff"] == pytest.approx(res.draws("m_eff").mean())


def test_horseshoe_fdr_not_above_lasso_cv(horseshoe_tables):
    metrics = [S.selection_metrics(t, c != 0) for _, t, c in horseshoe_tables]
    mean = sum(metrics) / len(metrics)
    print("\nselection metrics averaged over seeds\n", mean.round(3).to_string())
    assert mean.loc["bayes", "fdr"] <= mean.loc["lasso_cv_min", "fdr"]
    assert mean.loc["bayes", "tpr"] >= mean.loc["lasso_cv_min", "tpr"] - 0.10


def test_selection_metrics_by_hand():
    table = pd.DataFrame({"selected_bayes": [True, True, False, False], "selected_lasso_cv": [True, True, True, False]},
                         index=["a", "b", "c", "d"])
    m = S.selection_metrics(table, ["a", "c"])
    assert m.loc["bayes"].to_dict() == {"n_selected": 2, "tpr": 0.5, "fdr": 0.5, "f1": 0.5}
    assert m.loc["lasso_cv_min", "tpr"] == 1.0 and m.loc["lasso_cv_min", "fdr"] == pytest.approx(1 / 3)
    np.testing.assert_allclose(S.selection_metrics(table, np.array([0, 2])).to_numpy(), m.to_numpy())
    with pytest.raises(ValueError, match="not in the table"):
        S.selection_metrics(table, ["zz"])


def test_meff_prior_expectation():
    """E[m_eff | tau] = p tau sqrt(n) / (1 + tau sqrt(n)) for lam ~ C+(0, 1) (standardized columns)."""
    rng = np.random.default_rng(0)
    n, p, S_ = 100, 50, 20_000
    for tau in (0.003, 0.02, 0.3):
        lam = np.abs(rng.standard_cauchy(size=(S_, p)))
        kappa = S.shrinkage_factors(np.full(S_, tau), lam, None, n, np.ones(p))
        meff = (1 - kappa).sum(1)
        expected = S.expected_meff_prior(tau, n, p)
        se = meff.std() / np.sqrt(S_)
        assert abs(meff.mean() - expected) < 4 * se, (tau, meff.mean(), expected)
    # tau0 of Piironen & Vehtari gives E[m_eff | tau0] = p0
    tau0 = bs.Horseshoe(expected_nonzero=5).global_scale(n, p)
    assert S.expected_meff_prior(tau0, n, p) == pytest.approx(5.0)


def test_inclusion_and_intervals_arrays():
    draws = np.array([[0.0, 1.0], [0.5, -2.0], [-0.2, 3.0], [0.05, 0.1]])
    np.testing.assert_allclose(S.inclusion_prob(draws, 0.15), [0.5, 0.75])
    np.testing.assert_allclose(S.inclusion_prob(draws, [0.6, 0.05]), [0.0, 1.0])
    ci = S.credible_interval(np.random.default_rng(0).normal(size=(200_000, 1)), 0.95)
    np.testing.assert_allclose(ci[0], [-1.96, 1.96], atol=0.02)
    eps = S.default_eps(np.c_[np.arange(10.0), 10 * np.arange(10.0)], np.arange(10.0))
    assert eps[0] == pytest.approx(0.1) and eps[1] == pytest.approx(0.01)


def test_laplace_rule_is_credible_interval(diabetes):
    X, y = diabetes
    res = bs.fit(X, y, bs.Laplace(), sampler="gibbs", draws=1000, tune=200, chains=2, random_seed=0, progressbar=False)
    table = S.compare_selection(res, n_subsamples=20)
    assert (table["selected_bayes"] == table["ci_excludes_zero"]).all()
    assert "credible interval excludes 0" in table.attrs["rule"]
    assert "shrinkage" not in table
    with pytest.raises(ValueError, match="differ from the data"):
        S.compare_selection(res, X.iloc[:-1], y.iloc[:-1])
