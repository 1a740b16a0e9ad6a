"""Likelihood families: the Bernoulli (logistic) model through the same PyMC builder, its
input checks, log-likelihood and predictions."""

import warnings

import arviz as az
import numpy as np
import pytest
from scipy import special, stats

import bayes_sparse as bs
from bayes_sparse.families import BernoulliFamily, GaussianFamily

Z_MAX = 4.0  # |z| bound for a Monte Carlo mean (P(|N(0,1)| > 4) = 6e-5)
SD_RTOL = 0.10  # posterior sd agreement; the sd's Monte Carlo error at ESS ~ 1000 is ~2-3%


@pytest.fixture(scope="module")
def binary_1d():
    rng = np.random.default_rng(3)
    n = 60
    x = rng.normal(size=n)
    y = (rng.random(n) < special.expit(0.4 + 1.2 * x)).astype(float)
    return x, y


@pytest.mark.parametrize("sampler", ["nuts", "gibbs"])
def test_bernoulli_posterior_matches_a_brute_force_grid(binary_1d, sampler):
    """p = 1, Laplace(lam) prior p(b) = lam/2 exp(-lam |b|), flat intercept: the posterior of
    (intercept, beta) on a dense grid against NUTS and the Polya-Gamma Gibbs sampler
    through bs.fit(family="bernoulli")."""
    x, y = binary_1d
    lam = 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        post = bs.fit(
            x[:, None],
            y,
            bs.Laplace(lam=lam),
            family="bernoulli",
            sampler=sampler,
            standardize=False,
            draws=2000,
            tune=1000,
            chains=2,
            random_seed=5,
            progressbar=False,
        )
    assert post.sampler == sampler and post.spec.family == "bernoulli"
    b0, b1 = np.meshgrid(np.linspace(-2.5, 3.0, 551), np.linspace(-1.5, 4.0, 551), indexing="ij")
    eta = b0[..., None] + b1[..., None] * x
    logp = (y * eta - np.logaddexp(0.0, eta)).sum(-1) - lam * np.abs(b1)
    w = np.exp(logp - logp.max())
    w /= w.sum()
    for name, grid in (("intercept", b0), ("beta", b1)):
        mean = (w * grid).sum()
        sd = np.sqrt((w * (grid - mean) ** 2).sum())
        draws = post.idata.posterior[name]
        mc = float(az.mcse(post.idata.posterior[[name]])[name].values.max())
        z = (float(draws.mean()) - mean) / mc
        print(
            f"{name}: grid mean {mean:.4f} sd {sd:.4f}; "
            f"{sampler} {float(draws.mean()):.4f} {float(draws.std()):.4f}; z {z:.2f}"
        )
        assert abs(z) < Z_MAX
        assert float(draws.std()) == pytest.approx(sd, rel=SD_RTOL)


def test_bernoulli_log_likelihood_and_predictions(binary_1d):
    x, y = binary_1d
    X = np.column_stack([x, np.random.default_rng(1).normal(size=x.size)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        post = bs.fit(
            X,
            y.astype(bool),
            bs.Horseshoe(expected_nonzero=1),
            family="bernoulli",
            draws=100,
            tune=100,
            chains=2,
            random_seed=1,
            progressbar=False,
            posterior_predictive=True,
        )
    p = post.idata.posterior
    assert "sigma" not in p and {"tau", "local_scale", "m_eff"} <= set(p.data_vars)
    eta = p["intercept"].values[..., None] + p["beta"].values @ X.T
    np.testing.assert_allclose(
        post.idata.log_likelihood["y"].values, stats.bernoulli.logpmf(y, special.expit(eta)), rtol=1e-8, atol=1e-12
    )
    prob = post.predict(X[:4])
    np.testing.assert_allclose(prob, special.expit(eta.reshape(-1, x.size)[:, :4]).mean(0), rtol=1e-12)
    assert set(np.unique(post.predict(X[:4], kind="samples"))) <= {0.0, 1.0}
    assert set(np.unique(post.idata.posterior_predictive["y"].values)) <= {0.0, 1.0}
    # Piironen & Vehtari's pseudo-sigma 2 for the logit: tau0 = p0 / (p - p0) * 2 / sqrt(n)
    assert bs.Horseshoe(expected_nonzero=1).global_scale(60, 2, pseudo_sigma=2.0) == pytest.approx(2 / np.sqrt(60))


@pytest.mark.parametrize(
    "y, message",
    [
        (np.r_[np.zeros(5), np.ones(5), 2 * np.ones(5)], "needs a binary y, but y has 3 distinct values"),
        (np.r_[np.zeros(5), 2 * np.ones(10)], r"needs y coded 0/1 \(or bool\), got the values 0, 2"),
        (np.ones(15), "y has only one class"),
        (np.r_[np.zeros(7), np.nan, np.ones(7)], "y contains NaN"),
    ],
)
def test_bernoulli_bad_responses(y, message):
    X = np.random.default_rng(0).normal(size=(15, 2))
    with pytest.raises(ValueError, match=message):
        bs.build_model(X, y, bs.Laplace(lam=1.0), family="bernoulli")


def test_family_arguments():
    X = np.random.default_rng(0).normal(size=(15, 2))
    y = np.r_[np.zeros(7), np.ones(8)]
    with pytest.raises(ValueError, match="sigma does not apply to family='bernoulli'"):
        bs.fit(X, y, bs.Laplace(), family="bernoulli", sigma=1.0)
    with pytest.raises(ValueError, match=r"family must be one of \['bernoulli', 'gaussian'\]"):
        bs.fit(X, y, bs.Laplace(), family="poisson")


def test_family_densities_against_scipy():
    rng = np.random.default_rng(2)
    eta, y = rng.normal(size=50), rng.integers(0, 2, size=50).astype(float)
    np.testing.assert_allclose(BernoulliFamily().log_likelihood(y, eta), stats.bernoulli.logpmf(y, special.expit(eta)))
    np.testing.assert_allclose(GaussianFamily().log_likelihood(y, eta, 0.7), stats.norm.logpdf(y, eta, 0.7))
    # no overflow far in the tails
    assert np.isfinite(BernoulliFamily().log_likelihood(np.array([1.0, 0.0]), np.array([-800.0, 800.0]))).all()
