"""The PyMC model's densities against scipy, term by term."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_sparse as bs

# PyTensor's C special functions (log-gamma in the Gamma / inverse-gamma
# normalisers) agree with scipy to about 1e-10 relative, not to machine epsilon.
LOGP_RTOL = 1e-8


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(30, 4)) * [1.0, 2.0, 0.5, 3.0] + 1.0, columns=["a", "b", "c", "d"])
    y = pd.Series(X["a"] - 0.5 * X["d"] + rng.normal(size=30), name="target")
    return X, y


def _eval(model, names, point):
    """Deterministic quantities as functions of the value variables (no sampling)."""
    import pytensor

    outs = model.replace_rvs_by_values([model[n] for n in names])
    fn = pytensor.function(model.value_vars, outs, on_unused_input="ignore")
    return fn(*[point[v.name] for v in model.value_vars])


def _logp(model, point, vars=None):
    rvs = None if vars is None else [model[v] for v in vars]
    return float(model.compile_logp(vars=rvs, jacobian=False)(point))


def test_coords_and_variables(small):
    X, y = small
    model = bs.build_model(X, y, bs.Laplace(lam=1.0))
    assert list(model.coords["feature"]) == ["a", "b", "c", "d"]
    assert model.named_vars_to_dims["beta"] == ("feature",)
    for name in ("beta", "beta_std", "intercept", "sigma", "log_sigma", "intercept_c"):
        assert name in model.named_vars


def test_laplace_hyperprior_density_matches_scipy(small):
    X, y = small
    prior = bs.Laplace(lam_shape=2.0, lam_rate=0.5)
    model = bs.build_model(X, y, prior, sigma=1.3, standardize=False)
    lam2 = np.array([0.3, 1.0, 7.0])
    beta = np.array([0.4, -1.0, 0.0, 2.5])
    for l2 in lam2:
        point = {"lam2_log__": np.log(l2), "beta": beta, "intercept_c": 0.0}
        expected = stats.gamma(a=2.0, scale=1 / 0.5).logpdf(l2)
        expected += stats.laplace(scale=1.3 / np.sqrt(l2)).logpdf(beta).sum()
        assert _logp(model, point, ["lam2", "beta"]) == pytest.approx(expected, rel=LOGP_RTOL)


def test_gaussian_hyperprior_density_matches_scipy(small):
    X, y = small
    prior = bs.Gaussian(conditional=False, scale_shape=3.0, scale_rate=2.0)
    model = bs.build_model(X, y, prior, sigma=0.7, standardize=True)
    beta = np.array([0.4, -1.0, 0.0, 2.5])
    for s2 in (0.2, 1.0, 5.0):
        point = {"scale2_log__": np.log(s2), "beta_std": beta, "intercept_c": 0.0}
        expected = stats.invgamma(a=3.0, scale=2.0).logpdf(s2) + stats.norm(scale=np.sqrt(s2)).logpdf(beta).sum()
        assert _logp(model, point, ["scale2", "beta_std"]) == pytest.approx(expected, rel=LOGP_RTOL)


@pytest.mark.parametrize("regularized", [True, False])
def test_horseshoe_hierarchical_density_matches_scipy(small, regularized):
    X, y = small
    n, p = X.shape
    prior = bs.Horseshoe(expected_nonzero=2, slab_scale=1.5 if regularized else None, slab_df=5.0)
    tau0 = 2 / (p - 2) / np.sqrt(n)
    sigma = 0.9
    model = bs.build_model(X, y, prior, sigma=sigma)
    rng = np.random.default_rng(1)
    names = ["z", "local_scale", "tau"] + (["c2"] if regularized else [])
    for _ in range(5):
        z = rng.normal(size=p)
        lam = np.abs(rng.standard_cauchy(size=p))
        tau = abs(rng.standard_cauchy()) * tau0
        c2 = stats.invgamma(a=2.5, scale=5.0 * 1.5**2 / 2).rvs(random_state=rng)
        point = {"z": z, "local_scale_log__": np.log(lam), "tau_log__": np.log(tau), "intercept_c": 0.0}
        expected = stats.norm.logpdf(z).sum() + stats.halfcauchy.logpdf(lam).sum()
        expected += stats.halfcauchy(scale=tau0).logpdf(tau)
        if regularized:
            point["c2_log__"] = np.log(c2)
            expected += stats.invgamma(a=2.5, scale=5.0 * 1.5**2 / 2).logpdf(c2)
        assert _logp(model, point, names) == pytest.approx(expected, rel=LOGP_RTOL)
        # beta_std = z sigma tau lam_tilde
        lam_t2 = c2 * lam**2 / (c2 + tau**2 * lam**2) if regularized else lam**2
        (beta_std,) = _eval(model, ["beta_std"], point)
        np.testing.assert_allclose(beta_std, z * sigma * tau * np.sqrt(lam_t2), rtol=1e-12)


def test_likelihood_and_original_scale(small):
    X, y = small
    model = bs.build_model(X, y, bs.Gaussian(scale=1.0), sigma=None, standardize=True)
    sd = X.std(ddof=0).to_numpy()
    beta_std = np.array([0.5, -0.2, 0.1, 0.3])
    point = {"log_sigma": np.log(0.8), "beta_std": beta_std, "intercept_c": 0.25}
    beta, intercept, sigma = _eval(model, ["beta", "intercept", "sigma"], point)
    np.testing.assert_allclose(beta, beta_std / sd, rtol=1e-12)
    mu = intercept + X.to_numpy() @ beta
    expected = stats.norm(mu, 0.8).logpdf(y).sum()
    assert _logp(model, point, ["y"]) == pytest.approx(expected, rel=LOGP_RTOL)
    # Jeffreys: flat on log sigma, so the sigma term contributes nothing
    assert _logp(model, point, ["log_sigma"]) == 0.0
    assert sigma == pytest.approx(0.8)


def test_build_model_errors(small):
    X, y = small
    with pytest.raises(ValueError, match="expected_nonzero=4 must be smaller than the number of features"):
        bs.build_model(X, y, bs.Horseshoe(expected_nonzero=4))
    with pytest.raises(ValueError, match="sigma must be a positive finite number"):
        bs.build_model(X, y, bs.Laplace(lam=1.0), sigma=0.0)
    with pytest.raises(TypeError, match="prior must be bs.Laplace"):
        bs.build_model(X, y, None)
