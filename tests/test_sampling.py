"""NUTS posteriors against closed forms and quadrature; InferenceData layout;
diagnostics; reproducibility. Sizes are small so this runs in the default suite."""

import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import integrate

import bayes_sparse as bs

# A check "within K Monte Carlo standard errors": for a correct sampler the
# error / MCSE is ~N(0, 1), so |z| > 4 happens with probability 6e-5 per check.
K_MCSE = 4.0
SD_RTOL = 0.10  # relative error of a posterior sd at ESS >= 1000 is ~2%; 10% is 5 sigma


def _mcse_sd(draws):
    """MCSE of a posterior sd by the delta method (as ArviZ's ``mcse(method="sd")``,
    which fails on this ArviZ/numba combination)."""
    c2 = (draws - draws.mean()) ** 2
    ess = float(az.ess(c2))
    varvar = ((c2**2).mean() - c2.mean() ** 2) / ess
    return float(np.sqrt(varvar / c2.mean() / 4))


def _conjugate_data():
    rng = np.random.default_rng(123)
    n = 40
    X = rng.normal(size=(n, 3)) * [1.0, 5.0, 0.2] + [2.0, -1.0, 10.0]
    y = 1.0 + X @ np.array([0.5, -0.1, 2.0]) + rng.normal(size=n)
    return pd.DataFrame(X, columns=["dose", "age (y)", "weight"]), pd.Series(y, name="resp")


@pytest.fixture(scope="module")
def conjugate_fit():
    X, y = _conjugate_data()
    prior = bs.Gaussian(scale=0.5, conditional=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = bs.fit(
            X,
            y,
            prior,
            sampler="nuts",
            sigma=1.0,
            draws=1000,
            tune=700,
            chains=2,
            random_seed=11,
            progressbar=False,
            posterior_predictive=True,
        )
    return X, y, res, caught


def _truth(X, y, s, sigma):
    """Exact Gaussian posterior of (beta, intercept) on the original scale."""
    Xa, ya = X.to_numpy(), y.to_numpy()
    sd = Xa.std(0)
    Z = (Xa - Xa.mean(0)) / sd
    yc = ya - ya.mean()
    V = np.linalg.inv(Z.T @ Z / sigma**2 + np.eye(Z.shape[1]) / s**2)
    m = V @ Z.T @ yc / sigma**2
    mean_b = m / sd
    cov_b = V / np.outer(sd, sd)
    xm = Xa.mean(0)
    mean_a = ya.mean() - xm @ mean_b
    var_a = sigma**2 / len(ya) + xm @ cov_b @ xm
    return mean_b, np.sqrt(np.diag(cov_b)), mean_a, np.sqrt(var_a)


def test_conjugate_gaussian_posterior_matches_closed_form(conjugate_fit):
    X, y, res, _ = conjugate_fit
    mean_b, sd_b, mean_a, sd_a = _truth(X, y, s=0.5, sigma=1.0)
    post = res.idata.posterior
    mcse = az.mcse(post[["beta", "intercept"]])
    got_b = post["beta"].mean(("chain", "draw")).values
    z = (got_b - mean_b) / mcse["beta"].values
    print("beta z-scores vs closed form:", np.round(z, 2))
    assert np.all(np.abs(z) < K_MCSE)
    assert abs(float(post["intercept"].mean()) - mean_a) < K_MCSE * float(mcse["intercept"])
    np.testing.assert_allclose(post["beta"].std(("chain", "draw")).values, sd_b, rtol=SD_RTOL)
    assert float(post["intercept"].std()) == pytest.approx(sd_a, rel=SD_RTOL)


def test_good_run_is_quiet(conjugate_fit):
    *_, res, caught = conjugate_fit
    assert not [w for w in caught if issubclass(w.category, bs.DiagnosticWarning)]
    assert res.diagnostics.passed
    assert set(res.diagnostics.to_frame().index) == {
        "r_hat",
        "ess_bulk",
        "ess_tail",
        "divergences",
        "e_bfmi",
        "support_agreement",
    }


def test_inference_data_layout(conjugate_fit):
    X, y, res, _ = conjugate_fit
    idata = res.idata
    for group in ("posterior", "sample_stats", "observed_data", "log_likelihood", "posterior_predictive"):
        assert group in idata.groups()
    beta = idata.posterior["beta"]
    assert beta.dims == ("chain", "draw", "feature")
    assert list(beta["feature"].values) == ["dose", "age (y)", "weight"]
    assert beta.shape == (2, 1000, 3)
    for name in ("intercept", "sigma"):
        assert idata.posterior[name].dims == ("chain", "draw")
    assert float(idata.posterior["sigma"].min()) == float(idata.posterior["sigma"].max()) == 1.0
    assert idata.log_likelihood["y"].dims == ("chain", "draw", "obs")
    assert idata.posterior_predictive["y"].shape == (2, 1000, len(y))
    # replicated data are centred on the fitted means with sd sigma = 1
    resid = idata.posterior_predictive["y"].values - (
        idata.posterior["intercept"].values[..., None] + beta.values @ X.to_numpy().T
    )
    assert resid.std() == pytest.approx(1.0, rel=0.02)
    np.testing.assert_allclose(idata.observed_data["y"].values, y.to_numpy())


def test_diagnostics_equal_arviz(conjugate_fit):
    """The vectorised checks report ArviZ's worst R-hat / bulk ESS / tail ESS."""
    import arviz as az

    _, _, res, _ = conjugate_fit
    post = res.idata.posterior[list(res.check_vars)]
    worst = {
        "r_hat": max(float(v.max()) for v in az.rhat(post).data_vars.values()),
        "ess_bulk": min(float(v.min()) for v in az.ess(post, method="bulk").data_vars.values()),
        "ess_tail": min(float(v.min()) for v in az.ess(post, method="tail").data_vars.values()),
    }
    for name, value in worst.items():
        assert res.diagnostics[name].value == pytest.approx(value, rel=1e-10), name


def test_summary_columns(conjugate_fit):
    *_, res, _ = conjugate_fit
    table = res.summary()
    for col in ("mean", "sd", "hdi_2.5%", "hdi_97.5%", "mcse_mean", "ess_bulk", "ess_tail", "r_hat"):
        assert col in table.columns
    assert "beta[dose]" in table.index and "intercept" in table.index
    assert "sigma" not in table.index  # fixed, nothing to summarise


def test_predict(conjugate_fit):
    X, y, res, _ = conjugate_fit
    mean = res.predict(X.iloc[:5])
    beta, intercept = res.draws("beta"), res.draws("intercept")
    np.testing.assert_allclose(mean, (intercept[:, None] + beta @ X.iloc[:5].to_numpy().T).mean(0))
    samples = res.predict(X.iloc[:5], kind="samples", random_seed=0)
    assert samples.shape == (2000, 5)
    np.testing.assert_allclose(samples.mean(0), mean, atol=0.15)  # sd 1 / sqrt(2000) * 4 ~ 0.09
    table = res.predict(X.iloc[:5], hdi_prob=0.9, random_seed=0)
    assert list(table.columns) == ["mean", "mean_lower", "mean_upper", "lower", "upper"]
    assert np.all(table["lower"] < table["mean_lower"]) and np.all(table["mean_upper"] < table["upper"])
    # a 90% predictive interval for N(mu, 1) is about 2 * 1.645 wide
    assert np.all(np.abs((table["upper"] - table["lower"]) - 3.29) < 0.35)
    with pytest.raises(ValueError, match="X_new columns do not match the training features"):
        res.predict(X[["weight", "dose", "age (y)"]])
    with pytest.raises(ValueError, match="X_new has 2 features, but the model was fit with 3"):
        res.predict(X.to_numpy()[:, :2])
    with pytest.raises(ValueError, match="X_new contains NaN"):
        res.predict(X.assign(dose=np.nan))
    with pytest.raises(ValueError, match="kind must be 'mean' or 'samples'"):
        res.predict(X, kind="median")


def test_laplace_one_dimensional_posterior_matches_quadrature():
    rng = np.random.default_rng(7)
    n, lam, sigma = 15, 4.0, 1.0
    x = rng.normal(size=n)
    y = 0.15 * x + rng.normal(size=n)  # weak signal: the kink at 0 matters
    res = bs.fit(
        x[:, None],
        y,
        bs.Laplace(lam=lam),
        sampler="nuts",
        sigma=sigma,
        standardize=False,
        draws=2000,
        tune=1000,
        chains=2,
        random_seed=5,
        progressbar=False,
    )
    # p(beta | y) ∝ exp(-S (beta - bhat)^2 / (2 sigma^2) - lam |beta| / sigma), intercept integrated out
    z, yc = x - x.mean(), y - y.mean()
    S, bhat = z @ z, (z @ yc) / (z @ z)
    dens = lambda b: np.exp(-S * (b - bhat) ** 2 / (2 * sigma**2) - lam * abs(b) / sigma)  # noqa: E731
    lo, hi = bhat - 12 / np.sqrt(S), bhat + 12 / np.sqrt(S)
    Zc = integrate.quad(dens, lo, hi, points=[0.0], limit=200)[0]
    m1 = integrate.quad(lambda b: b * dens(b), lo, hi, points=[0.0], limit=200)[0] / Zc
    m2 = integrate.quad(lambda b: b * b * dens(b), lo, hi, points=[0.0], limit=200)[0] / Zc
    sd = np.sqrt(m2 - m1**2)
    post = res.idata.posterior["beta"]
    mcse_mean = float(az.mcse(post, method="mean").to_array().values.ravel()[0])
    mcse_sd = _mcse_sd(post.values[..., 0])
    got_mean, got_sd = float(post.mean()), float(post.std())
    print(f"quadrature mean {m1:.4f} sd {sd:.4f}; NUTS {got_mean:.4f} ± {mcse_mean:.4f}, {got_sd:.4f} ± {mcse_sd:.4f}")
    assert abs(got_mean - m1) < K_MCSE * mcse_mean
    assert abs(got_sd - sd) < K_MCSE * mcse_sd


def test_standardize_true_equals_fitting_standardized_columns():
    """Standardizing inside the model is the same as fitting pre-standardized columns.

    With ``standardize=True`` the prior is on sd_j * beta_j, so for the same
    prior a fit on raw X and a fit on X / sd (``standardize=False``) target the
    same posterior after rescaling: beta_raw * sd = beta_std-fit. (With
    ``standardize=False`` on raw X the prior differs, so the posteriors differ
    by design.)
    """
    X, y = _conjugate_data()
    sd = X.std(ddof=0).to_numpy()
    prior = bs.Laplace(lam=2.0)
    kw = dict(sampler="nuts", draws=1000, tune=700, chains=2, progressbar=False)
    a = bs.fit(X, y, prior, standardize=True, random_seed=1, **kw)
    b = bs.fit(X / sd, y, prior, standardize=False, random_seed=2, **kw)
    pa, pb = a.idata.posterior, b.idata.posterior
    ma, mb = az.mcse(pa[["beta", "intercept"]]), az.mcse(pb[["beta", "intercept"]])
    diff = pa["beta"].mean(("chain", "draw")).values * sd - pb["beta"].mean(("chain", "draw")).values
    se = np.hypot(ma["beta"].values * sd, mb["beta"].values)
    assert np.all(np.abs(diff) < K_MCSE * se)
    d_int = float(pa["intercept"].mean() - pb["intercept"].mean())
    assert abs(d_int) < K_MCSE * float(np.hypot(ma["intercept"], mb["intercept"]))


def test_bad_run_warns():
    X, y = _conjugate_data()
    with pytest.warns(bs.DiagnosticWarning, match=r"ess_bulk = [\d.]+ fails >= 400"):
        res = bs.fit(
            X, y, bs.Gaussian(scale=1.0), sampler="nuts", draws=20, tune=20, chains=2, random_seed=0, progressbar=False
        )
    assert not res.diagnostics.passed
    assert "increase draws" in res.diagnostics["ess_bulk"].advice


def test_seeds_reproduce_draws():
    X, y = _conjugate_data()
    kw = dict(sampler="nuts", draws=30, tune=30, chains=2, progressbar=False, sigma=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        a = bs.fit(X, y, bs.Gaussian(scale=1.0), random_seed=42, **kw)
        b = bs.fit(X, y, bs.Gaussian(scale=1.0), random_seed=42, **kw)
        c = bs.fit(X, y, bs.Gaussian(scale=1.0), random_seed=43, **kw)
    np.testing.assert_array_equal(a.draws("beta"), b.draws("beta"))
    assert not np.array_equal(a.draws("beta"), c.draws("beta"))


def test_nuts_thin_keeps_every_kth_draw():
    X, y = _conjugate_data()
    kw = dict(sampler="nuts", tune=30, chains=1, progressbar=False, sigma=1.0, random_seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        full = bs.fit(X, y, bs.Gaussian(scale=1.0), draws=20, **kw)
        thinned = bs.fit(X, y, bs.Gaussian(scale=1.0), draws=10, thin=2, **kw)
    np.testing.assert_array_equal(thinned.draws("beta"), full.draws("beta")[1::2])
    assert list(thinned.idata.posterior["draw"].values) == list(range(10))
    assert thinned.idata.log_likelihood["y"].sizes["draw"] == 10
    assert thinned.idata.sample_stats.sizes["draw"] == 10


def test_compare_priors(conjugate_fit):
    X, y, res, _ = conjugate_fit
    other = bs.fit(
        X,
        y,
        bs.Gaussian(scale=0.01, conditional=False),
        sampler="nuts",
        sigma=1.0,
        draws=500,
        tune=500,
        chains=2,
        random_seed=3,
        progressbar=False,
    )
    table = bs.compare_priors({"wide": res, "tight": other})
    assert set(table.index) == {"wide", "tight"}
    assert table.index[0] == "wide"  # the 0.01 prior shrinks everything: far worse fit
    assert "elpd_loo" in table.columns
    with pytest.raises(ValueError, match="at least two"):
        bs.compare_priors([res])


def test_fit_argument_errors():
    X, y = _conjugate_data()
    with pytest.raises(ValueError, match="sampler must be one of"):
        bs.fit(X, y, bs.Laplace(), sampler="metropolis")
    with pytest.raises(ValueError, match="draws must be an integer >= 1"):
        bs.fit(X, y, bs.Laplace(), draws=0)
    with pytest.raises(ValueError, match="thin must be an integer >= 1"):
        bs.fit(X, y, bs.Laplace(), thin=0)
    with pytest.raises(ValueError, match="target_accept must be in"):
        bs.fit(X, y, bs.Laplace(), sampler="nuts", target_accept=1.5)
    with pytest.raises(ValueError, match="expected_nonzero=3 must be smaller"):
        bs.fit(X, y, bs.Horseshoe(expected_nonzero=3), sampler="nuts")
    # every argument is validated whatever the sampler
    with pytest.raises(ValueError, match="target_accept must be in"):
        bs.fit(X, y, bs.Laplace(), sampler="gibbs", target_accept=1.5)
    with pytest.raises(ValueError, match="nuts_sampler must be one of"):
        bs.fit(X, y, bs.Laplace(), sampler="gibbs", nuts_sampler="stan")
    with pytest.raises(ValueError, match="cores must be an integer >= 1"):
        bs.fit(X, y, bs.Laplace(), sampler="gibbs", cores=0)
    try:
        import nutpie  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install"):
            bs.fit(X, y, bs.Laplace(), sampler="nuts", nuts_sampler="nutpie", progressbar=False)
