"""Vectorised R-hat / ESS equal ArviZ's per-scalar implementation."""

import warnings

import arviz as az
import numpy as np
import pytest

from bayes_sparse._mcmc_stats import ess_bulk, ess_tail, rhat_rank


def _draws(chains, draws, seed):
    """Variables with different autocorrelation, a shifted chain, ties, a constant and a near-constant."""
    rng = np.random.default_rng(seed)
    cols = []
    for phi in (0.0, 0.5, 0.95, -0.3):
        x = np.empty((chains, draws))
        x[:, 0] = rng.normal(size=chains)
        for t in range(1, draws):
            x[:, t] = phi * x[:, t - 1] + rng.normal(size=chains)
        cols.append(x)
    shifted = rng.normal(size=(chains, draws))
    shifted[0] += 1.5  # one chain elsewhere: large R-hat
    cols.append(shifted)
    cols.append(rng.integers(0, 3, size=(chains, draws)).astype(float))  # many ties
    cols.append(np.full((chains, draws), 2.0))  # constant
    cols.append(rng.standard_cauchy(size=(chains, draws)))  # heavy tails
    return np.stack(cols, axis=-1)


def _arviz(fn, x, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([float(fn(x[:, :, k], **kw)) for k in range(x.shape[2])])


@pytest.mark.parametrize("chains, draws", [(4, 200), (2, 101), (1, 50), (3, 7), (2, 4)])
def test_matches_arviz(chains, draws):
    x = _draws(chains, draws, seed=chains * 1000 + draws)
    np.testing.assert_allclose(ess_bulk(x), _arviz(az.ess, x, method="bulk"), rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(ess_tail(x), _arviz(az.ess, x, method="tail"), rtol=1e-10, equal_nan=True)
    if chains > 1:
        np.testing.assert_allclose(rhat_rank(x), _arviz(az.rhat, x, method="rank"), rtol=1e-10, equal_nan=True)
    else:
        assert np.all(np.isnan(rhat_rank(x)))


def test_invalid_input_gives_nan():
    x = _draws(2, 100, seed=1)
    x[0, 3, 1] = np.nan
    x[1, 5, 2] = np.inf
    for fn in (ess_bulk, ess_tail, rhat_rank):
        out = fn(x)
        assert np.isnan(out[1]) and np.isnan(out[2])
        assert np.isfinite(out[0])
    assert np.all(np.isnan(ess_bulk(x[:, :3])))  # fewer than 4 draws


def test_blocks_give_the_same_values(monkeypatch):
    from bayes_sparse import _mcmc_stats

    x = _draws(2, 60, seed=3)
    whole = _mcmc_stats.rank_diagnostics(x)
    monkeypatch.setattr(_mcmc_stats, "_BLOCK_SIZE", 2 * 60 * 3)  # three variables per block
    for a, b in zip(whole, _mcmc_stats.rank_diagnostics(x)):
        np.testing.assert_array_equal(a, b)


def test_summary_in_blocks_equals_one_pass(monkeypatch):
    """summary_arrays works through blocks of variables at large p: same numbers as one pass."""
    from bayes_sparse import _mcmc_stats
    from bayes_sparse.diagnostics import summary_arrays

    x = np.random.default_rng(3).standard_normal((2, 60, 37)).cumsum(axis=1)
    whole = summary_arrays(x)
    monkeypatch.setattr(_mcmc_stats, "_BLOCK_SIZE", 2 * 60 * 5)  # blocks of 5 variables
    blocked = summary_arrays(x)
    for key in whole:
        np.testing.assert_array_equal(blocked[key], whole[key])
