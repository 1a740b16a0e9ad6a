import math

import numpy as np
import pytest
from scipy import stats

import bayes_sparse as bs

GRID = np.linspace(-5, 5, 41)


@pytest.mark.parametrize(
    "prior, sigma, reference",
    [
        (bs.Laplace(lam=2.0), 1.5, stats.laplace(scale=1.5 / 2.0)),
        (bs.Laplace(scale=0.7, conditional=False), 3.0, stats.laplace(scale=0.7)),
        (bs.Laplace(lam=4.0, conditional=False), None, stats.laplace(scale=0.25)),
        (bs.Gaussian(scale=0.5), 2.0, stats.norm(scale=1.0)),
        (bs.Gaussian(scale=0.5, conditional=False), 2.0, stats.norm(scale=0.5)),
    ],
)
def test_logpdf_matches_scipy(prior, sigma, reference):
    np.testing.assert_allclose(prior.logpdf(GRID, sigma=sigma), reference.logpdf(GRID), rtol=1e-12)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: bs.Laplace(lam=1.0, scale=1.0), "give either lam or scale"),
        (lambda: bs.Laplace(lam=0.0), "Laplace lam must be a positive finite number"),
        (lambda: bs.Laplace(scale=-1.0), "Laplace scale must be a positive finite number"),
        (lambda: bs.Laplace(lam=float("nan")), "Laplace lam must be a positive finite number"),
        (lambda: bs.Gaussian(scale=0), "Gaussian scale must be a positive finite number"),
        (lambda: bs.Horseshoe(expected_nonzero=-3), "Horseshoe expected_nonzero must be a positive"),
        (lambda: bs.Horseshoe(slab_scale=0.0), "Horseshoe slab_scale must be a positive"),
        (lambda: bs.Horseshoe(slab_df=-1.0), "Horseshoe slab_df must be a positive"),
    ],
)
def test_invalid_priors_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_non_numeric_hyperparameter_is_type_error():
    with pytest.raises(TypeError, match="Laplace lam must be a positive real number"):
        bs.Laplace(lam="1")


def test_priors_are_frozen():
    prior = bs.Laplace(lam=1.0)
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        prior.lam = 2.0


def test_horseshoe_global_scale_piironen_vehtari():
    # tau0 = p0 / (p - p0) / sqrt(n)
    prior = bs.Horseshoe(expected_nonzero=10)
    assert prior.global_scale(n_samples=400, n_features=110) == pytest.approx(10 / 100 / 20)
    assert bs.Horseshoe().global_scale(50, 20) == 1.0
    with pytest.raises(ValueError, match="expected_nonzero=20 must be smaller than the number of features"):
        prior_big = bs.Horseshoe(expected_nonzero=20)
        prior_big.global_scale(n_samples=50, n_features=20)


def test_conditional_prior_needs_sigma():
    with pytest.raises(ValueError, match="conditional on sigma: give sigma"):
        bs.Laplace(lam=1.0).logpdf(0.0)


def test_scale_and_rate_are_reciprocal():
    assert bs.Laplace(scale=0.25).rate == 4.0
    assert bs.Laplace(lam=4.0, conditional=False).scale_given_sigma(9.0) == 0.25
    assert bs.Laplace(lam=4.0).scale_given_sigma(2.0) == 0.5
    assert math.isclose(bs.Gaussian(scale=3.0).sd_given_sigma(2.0), 6.0)
