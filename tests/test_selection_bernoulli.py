"""Selection for binary outcomes: the L1-logistic side of compare_selection against
scikit-learn's LogisticRegressionCV (same grid and folds), brute-force paths and
brute-force stability selection."""

import time
import warnings

import numpy as np
import pytest
from scipy.special import expit

import bayes_sparse as bs
from bayes_sparse import selection as S
from bayes_sparse._logistic import solve_logistic_l1


def _standardized(X):
    return (X - X.mean(0)) / X.std(0)


def _sklearn_saga(C, **kw):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000, **kw)


@pytest.fixture(scope="module")
def small_binary():
    X, y, coef = bs.datasets.make_sparse_classification(120, 8, 3, signal=1.0, random_state=1)
    return _standardized(X), y, coef


def test_one_se_rule_by_hand():
    alphas = np.array([4.0, 2.0, 1.0, 0.5])
    err = np.array([[3.0, 3.2], [2.0, 2.2], [1.9, 2.1], [2.4, 2.6]])  # means 3.1, 2.1, 2.0, 2.5; se 0.1
    assert S.one_se_rule(alphas, err) == (1.0, 2.0)


def test_cv_matches_logistic_regression_cv(small_binary):
    """Held-out log-loss per fold and penalty, lam_min, lam_1se and the selections equal
    scikit-learn's LogisticRegressionCV(l1_ratios=[1], scoring='neg_log_loss') on the same
    folds and C = 1 / lam grid."""
    from sklearn.linear_model import LogisticRegressionCV

    Z, y, _ = small_binary
    n = len(y)
    folds = S._binary_folds(y, 5, 0)
    alphas, lams, loss = S.logistic_cv_path(Z, y, cv=folds, n_alphas=30, eps=1e-2)
    assert alphas.size == 30  # no fold separated: the whole grid
    np.testing.assert_allclose(lams, alphas * n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegressionCV(
            Cs=list(1 / lams),
            l1_ratios=[1.0],
            solver="saga",
            tol=1e-12,
            max_iter=100_000,
            cv=folds,
            scoring="neg_log_loss",
            use_legacy_attributes=False,
            random_state=0,
        ).fit(Z, y)
    np.testing.assert_allclose(sk.Cs_, 1 / lams)
    sk_loss = -sk.scores_[:, 0, :].T  # (K, folds)
    # where a fold's lam is at or above its lambda_max the optimum is beta = 0 with the intercept
    # logit(mean y_train); saga stops early there (its intercept is off by ~0.07), so those entries
    # are checked against the closed form and the rest against scikit-learn
    null = np.zeros_like(loss, dtype=bool)
    for f, (train, test) in enumerate(folds):
        lmax = np.max(np.abs(Z[train].T @ (y[train] - y[train].mean())))
        null[:, f] = lams >= lmax
        ybar = y[train].mean()
        p_test = np.full(len(test), ybar)
        closed = -np.mean(y[test] * np.log(p_test) + (1 - y[test]) * np.log1p(-p_test))
        np.testing.assert_allclose(loss[null[:, f], f], closed, rtol=1e-12)
    assert null.any() and (~null).sum() > 100
    np.testing.assert_allclose(loss[~null], sk_loss[~null], rtol=1e-8)
    # with scikit-learn's scores where they are exact, the same lam_min and lam_1se
    sk_exact = np.where(null, loss, sk_loss)
    a_min, a_1se = S.one_se_rule(alphas, loss)
    assert (a_min, a_1se) == S.one_se_rule(alphas, sk_exact)
    assert a_1se > a_min  # the two rules differ on this problem
    assert sk.C_ == pytest.approx(1 / (a_min * n), rel=1e-12)
    # selections: our certified fits at lam_min / lam_1se have scikit-learn's supports and coefficients
    ours_min = solve_logistic_l1(Z, y, a_min * n).beta
    np.testing.assert_allclose(sk.coef_[0], ours_min, atol=1e-7)
    assert np.array_equal(sk.coef_[0] != 0, ours_min != 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk_1se = _sklearn_saga(1 / (a_1se * n)).fit(Z, y).coef_[0]
    ours_1se = solve_logistic_l1(Z, y, a_1se * n).beta
    np.testing.assert_allclose(sk_1se, ours_1se, atol=1e-7)
    assert np.array_equal(sk_1se != 0, ours_1se != 0)
    assert (ours_1se != 0).sum() <= (ours_min != 0).sum()


def _brute_entry(Z, y, alphas):
    n = Z.shape[0]
    coefs = np.column_stack([solve_logistic_l1(Z, y, a * n).beta for a in alphas])
    nz = coefs != 0
    return coefs, np.where(nz.any(axis=1), alphas[np.argmax(nz, axis=1)], 0.0)


@pytest.mark.parametrize("n, p, eps", [(80, 15, 1e-3), (30, 60, 1e-5)])
def test_entry_order_matches_brute_force_path(n, p, eps):
    """The warm-started, screened path equals cold full solves at every penalty, so the
    entry order is the brute-force one; p > n paths stop at the deviance ratio 0.999."""
    X, y, _ = bs.datasets.make_sparse_classification(n, p, 4, correlation=0.6, signal=1.5, random_state=3)
    Z = _standardized(X)
    alphas, coefs, entry = S.logistic_entry(Z, y, n_alphas=40, eps=eps)
    solved = int(coefs.any(axis=0).nonzero()[0].max()) + 1
    ref_coefs, _ = _brute_entry(Z, y, alphas[:solved])
    np.testing.assert_allclose(coefs[:, :solved], ref_coefs, atol=1e-8)
    nz = ref_coefs != 0
    ref_entry = np.where(nz.any(axis=1), alphas[np.argmax(nz, axis=1)], 0.0)
    np.testing.assert_array_equal(entry, ref_entry)
    assert (entry > 0).sum() >= 4
    if p > n:  # separable: the path ends where the deviance ratio reaches 0.999
        assert solved < alphas.size
        coefs_full, b0, _, done = S.logistic_path_certified(Z, y, alphas, max_dev=S.LOGISTIC_MAX_DEV)
        assert done == solved
        eta = b0[done - 1] + Z @ coefs_full[:, done - 1]
        dev = -np.sum(y * np.log(expit(eta)) + (1 - y) * np.log(expit(-eta)))
        null = -np.sum(y * np.log(y.mean()) + (1 - y) * np.log1p(-y.mean()))
        assert 1 - dev / null >= S.LOGISTIC_MAX_DEV


def test_path_gaps_certified_and_sklearn_point(small_binary):
    Z, y, _ = small_binary
    n = len(y)
    alphas = S._logistic_alpha_grid(Z, y, 20, 1e-2)
    coefs, b0, gaps, done = S.logistic_path_certified(Z, y, alphas)
    assert done == 20 and np.all(gaps >= 0)
    from bayes_sparse._logistic import _null_fit

    assert np.all(gaps <= S.PATH_GAP_TOL * _null_fit(y)[2])
    k = 12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = _sklearn_saga(1 / (alphas[k] * n)).fit(Z, y)
    np.testing.assert_allclose(sk.coef_[0], coefs[:, k], atol=1e-7)
    assert sk.intercept_[0] == pytest.approx(b0[k], abs=1e-7)


def test_stability_frequencies_brute_force_and_true_signals_first():
    X, y, coef = bs.datasets.make_sparse_classification(200, 30, 3, correlation=0.3, signal=2.5, random_state=5)
    Z = _standardized(X)
    freq = S.logistic_stability_selection(Z, y, n_subsamples=20, n_alphas=10, random_state=7)
    assert freq.shape == (30,) and np.all((freq >= 0) & (freq <= 1))
    truth = np.flatnonzero(coef)
    assert set(np.argsort(-freq, kind="stable")[: truth.size]) == set(truth)
    assert freq[truth].min() == 1.0 and np.delete(freq, truth).max() < 1.0
    # brute force: the same stratified halves, cold full solves at every penalty
    rng = np.random.default_rng(7)
    alphas = S._logistic_alpha_grid(Z, y, 10, 0.05)
    counts = np.zeros((30, 10))
    for _ in range(20):
        idx = S._stratified_half(rng, y)
        assert {0.0, 1.0} == set(y[idx]) and idx.size == (y == 0).sum() // 2 + (y == 1).sum() // 2
        counts += _brute_entry(Z[idx], y[idx], alphas)[0] != 0
    np.testing.assert_array_equal(freq, (counts / 20).max(axis=1))


@pytest.fixture(scope="module")
def bernoulli_fit():
    X, y, coef = bs.datasets.make_sparse_classification(80, 12, 3, signal=2.0, random_state=2, as_frame=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.diagnostics.DiagnosticWarning)
        res = bs.fit(
            X, y, bs.Laplace(), family="bernoulli", draws=200, tune=100, chains=2, random_seed=0, progressbar=False
        )
    return res, coef


def test_compare_selection_bernoulli_uses_l1_logistic(bernoulli_fit):
    res, coef = bernoulli_fit
    table = S.compare_selection(res, n_subsamples=10, random_state=0)
    for col in (
        "lasso_min",
        "lasso_1se",
        "selected_lasso_cv",
        "selected_lasso_1se",
        "entry_alpha",
        "entry_rank",
        "stability_freq",
        "selected_stability",
        "dss_coef",
        "selected_dss",
        "selected_bayes",
    ):
        assert col in table.columns, col
    d = res.design
    attrs = table.attrs
    assert attrs["lam_min"] == pytest.approx(attrs["alpha_min"] * d.n)
    assert attrs["C_min"] == pytest.approx(1 / attrs["lam_min"]) and attrs["C_1se"] <= attrs["C_min"]
    assert "L1-logistic" in attrs["frequentist"]
    # the table's CV penalties are those of logistic_cv_path on the model's design
    assert (attrs["alpha_min"], attrs["alpha_1se"]) == S.logistic_cv_alphas(d.Z, d.y, cv=5, random_state=0)
    # lasso_min is the L1-logistic optimum at C_min (scikit-learn, standardized design), original scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _sklearn_saga(attrs["C_min"]).fit(d.Z, d.y).coef_[0] / d.x_scale
    np.testing.assert_allclose(table["lasso_min"], ref, atol=1e-6)
    assert not (table["selected_lasso_1se"] & ~table["selected_lasso_cv"]).any()
    # not the Gaussian lasso on 0/1 data
    gauss_min, _ = S.lasso_cv_alphas(d.Z, d.yc)
    assert attrs["alpha_min"] != pytest.approx(gauss_min)
    assert table["stability_freq"].between(0, 1).all()
    order = table.sort_values("entry_rank")["entry_alpha"].to_numpy()
    assert np.all(np.diff(order) <= 0)
    np.testing.assert_array_equal(table["entry_alpha"], S.logistic_entry(d.Z, d.y)[2])
    truth = table.index[np.flatnonzero(coef)]
    assert (table.loc[truth, "entry_rank"] <= 4).all()


@pytest.mark.slow
def test_logistic_side_fast_at_p_20000():
    """n = 100, p = 20,000: CV, path entry and 100-subsample stability selection in well under a minute
    or two (measured 15-25 s on 2 busy cores)."""
    X, y, _ = bs.datasets.make_sparse_classification(100, 20_000, 5, random_state=0)
    Z = _standardized(X)
    t = time.perf_counter()
    from types import SimpleNamespace

    design = SimpleNamespace(Z=Z, y=y, n=100, coef_to_original=lambda b: b)
    lasso_min, _, entry, freq, _ = S._logistic_side(design, 5, 100, 0)
    elapsed = time.perf_counter() - t
    print(f"\nL1-logistic side at p = 20,000: {elapsed:.1f} s")
    assert elapsed < 90
    assert np.all((freq >= 0) & (freq <= 1)) and (entry > 0).sum() >= 5


def test_few_members_of_a_class():
    """Stratified folds need a member of each class: the folds drop to the smaller class's size, and
    one member is a clear error."""
    from types import SimpleNamespace

    rng = np.random.default_rng(0)
    Z = _standardized(rng.normal(size=(20, 4)))
    y = np.zeros(20)
    y[[0, 5, 9]] = 1
    design = SimpleNamespace(Z=Z, y=y, n=20, coef_to_original=lambda b: b)
    *_, extra = S._logistic_side(design, 5, 5, 0)
    assert extra["cv_folds"] == 3 and "3-fold stratified CV" in extra["frequentist"]
    y1 = np.zeros(20)
    y1[4] = 1
    with pytest.raises(ValueError, match="the smaller class has 1 observation: cross-validated L1-logistic"):
        S._logistic_side(SimpleNamespace(Z=Z, y=y1, n=20, coef_to_original=lambda b: b), 5, 5, 0)
