"""The InferenceData schema: NUTS and Gibbs results carry the same variables and dims."""

import warnings

import numpy as np
import pytest

import bayes_sparse as bs
from bayes_sparse._idata import posterior_names
from bayes_sparse.spec import ModelSpec

PRIORS = {
    "laplace-hyper": bs.Laplace(),
    "laplace-fixed": bs.Laplace(lam=2.0, conditional=False),
    "gaussian-hyper": bs.Gaussian(),
    "horseshoe": bs.Horseshoe(expected_nonzero=2),
    "horseshoe-plain": bs.Horseshoe(expected_nonzero=2, slab_scale=None),
}


@pytest.fixture(scope="module")
def data():
    X, y, _ = bs.datasets.make_sparse_regression(30, 5, 2, random_state=3, as_frame=True)
    return X, y


@pytest.mark.parametrize("name", list(PRIORS))
def test_nuts_and_gibbs_share_the_schema(data, name):
    X, y = data
    prior = PRIORS[name]
    kw = dict(draws=30, tune=30, chains=1, random_seed=0, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nuts = bs.fit(X, y, prior, sampler="nuts", **kw)
        gibbs = bs.fit(X, y, prior, sampler="gibbs", **kw)
    pn, pg = nuts.idata.posterior, gibbs.idata.posterior
    assert set(pn.data_vars) == set(pg.data_vars)
    assert set(pn.data_vars) == set(posterior_names(nuts.spec)) | {"kappa"} & set(pn.data_vars)
    for var in pn.data_vars:
        assert pn[var].dims == pg[var].dims, var
        assert pn[var].shape == pg[var].shape, var
    assert "z" not in pn and "log_sigma" not in pn  # sampler-internal variables are dropped
    assert nuts.spec == gibbs.spec == ModelSpec.build(prior)


def test_schema_follows_the_specification():
    assert posterior_names(ModelSpec.build(bs.Laplace(lam=1.0), sigma=2.0, standardize=False)) == (
        "beta",
        "intercept",
        "intercept_c",
        "sigma",
    )
    names = posterior_names(ModelSpec.build(bs.Horseshoe(slab_scale=None)))
    assert {"tau", "local_scale", "m_eff", "beta_std"} <= set(names) and "c2" not in names
    assert {"scale", "scale2"} <= set(posterior_names(ModelSpec.build(bs.Gaussian())))


def test_results_carry_their_specification(data):
    X, y = data
    noise = bs.NoiseVariance(3.0, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        post = bs.fit(X, y, bs.Laplace(lam=1.0), sigma=noise, draws=20, tune=10, chains=1, progressbar=False)
    assert post.spec.prior == bs.Laplace(lam=1.0)
    assert post.spec.noise.kind == "inverse_gamma" and post.spec.noise.user_value == noise
    assert post.spec.family == "gaussian" and post.spec.standardize
    m = bs.map_estimate(X, y, bs.Laplace(lam=1.0), sigma=1.5)
    assert m.spec.noise.fixed == 1.5 and m.spec.prior == bs.Laplace(lam=1.0)
    np.testing.assert_allclose(m.predict(X), m.intercept_ + X.to_numpy() @ m.coef_)
