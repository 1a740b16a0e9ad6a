"""The non-centred global-scale moves of the Bernoulli Gibbs sweep leave their conditional invariant.

With ``beta = z * factor(x)`` and z fixed, the move draws x from
``p(x) * prod_i Bernoulli(y_i | expit(b0 + Z_i beta(x)))``. The test runs the
move many times on a tiny problem with z, the local scales and b0 held fixed
and compares the draws of x with that density computed on a fine grid
(Kolmogorov-Smirnov against the grid CDF).
"""

import math

import numpy as np
from scipy import stats

import bayes_sparse as bs
from bayes_sparse.families import BernoulliFamily
from bayes_sparse.samplers._gaussian_draw import LinearData
from bayes_sparse.samplers._noncentred import apply_moves, noncentred_moves
from bayes_sparse.samplers.horseshoe import HorseshoeSpec, HorseshoeState, _lam_tilde2, _log_prior_log_tau2

#: KS false-alarm probability per test (draws are thinned to be nearly independent)
KS_ALPHA = 1e-3


def _problem(rng, n=30, p=4):
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = (rng.random(n) < 0.5).astype(float)
    return LinearData.from_arrays(Z, y)


def _grid_cdf(logf, lo, hi, m=20_001):
    x = np.linspace(lo, hi, m)
    lf = np.array([logf(v) for v in x])
    w = np.exp(lf - lf.max())
    cdf = np.cumsum(w)
    return x, cdf / cdf[-1]


def _assert_draws_follow(draws, logf, lo, hi, label):
    """KS test of the draws against the grid CDF of ``exp(logf)`` on ``[lo, hi]``."""
    grid, cdf = _grid_cdf(logf, lo, hi)
    ks = stats.kstest(draws, lambda v: np.interp(v, grid, cdf))
    print(f"{label}: KS p = {ks.pvalue:.3f}, {draws.size} draws")
    assert ks.pvalue > KS_ALPHA


def _run(rng, move_index, spec, state, data, b0, draws=3000, thin=5, sampler="horseshoe"):
    family = BernoulliFamily()
    moves = [noncentred_moves(sampler, spec)[move_index]]
    out, eta = [], None
    for it in range(draws * thin):
        # z and the local scales stay fixed: only the moved quantity (and beta with it) changes;
        # the linear predictor returned by one call is the next call's (every other call recomputes it)
        state, _, failures, eta = apply_moves(rng, moves, state, family, data, b0, eta if it % 2 else None)
        assert failures == 0
        if it < 5:
            np.testing.assert_allclose(eta, b0 + data.Z @ state.beta, rtol=1e-12, atol=1e-12)
        if it % thin == 0:
            out.append(moves[0].get(state))
    return np.array(out), state


def test_tau_move_samples_its_conditional():
    rng = np.random.default_rng(0)
    data = _problem(rng)
    spec = HorseshoeSpec(tau0=0.3, slab_scale=2.0, slab_df=4.0)
    lam2 = np.array([4.0, 0.5, 1.0, 0.1])
    z = np.array([1.2, -0.4, 0.8, 0.3])
    b0, c2 = 0.2, 3.0

    def beta_at(x):
        t = math.exp(x)
        return z * np.sqrt(t * _lam_tilde2(lam2, t, c2))

    def logf(x):
        eta = b0 + data.Z @ beta_at(x)
        return float(np.sum(BernoulliFamily().log_likelihood(data.yc, eta))) + _log_prior_log_tau2(x, spec.tau0)

    x0 = math.log(0.5)
    state = HorseshoeState(beta_at(x0), 1.0, lam2, math.exp(x0), c2)
    draws, last = _run(rng, 0, spec, state, data, b0)
    np.testing.assert_allclose(last.beta, beta_at(math.log(last.tau2)), rtol=1e-10)  # z really stayed fixed
    _assert_draws_follow(draws, logf, -25.0, 15.0, "tau move")


def test_slab_move_samples_its_conditional():
    rng = np.random.default_rng(1)
    data = _problem(rng)
    spec = HorseshoeSpec(tau0=0.3, slab_scale=1.0, slab_df=4.0)
    lam2 = np.array([50.0, 0.5, 20.0, 0.1])
    z = np.array([1.5, -0.4, -1.0, 0.3])
    b0, tau2 = -0.3, 0.8
    a, b = 0.5 * spec.slab_df, 0.5 * spec.slab_df * spec.slab_scale**2

    def beta_at(x):
        return z * np.sqrt(tau2 * _lam_tilde2(lam2, tau2, math.exp(x)))

    def logf(x):
        eta = b0 + data.Z @ beta_at(x)
        return float(np.sum(BernoulliFamily().log_likelihood(data.yc, eta))) - a * x - b * math.exp(-x)

    x0 = 0.0
    state = HorseshoeState(beta_at(x0), 1.0, lam2, tau2, math.exp(x0))
    draws, _ = _run(rng, 1, spec, state, data, b0)
    _assert_draws_follow(draws, logf, -15.0, 25.0, "slab move")


def test_laplace_lam2_move_samples_its_conditional():
    """beta_j = z_j sqrt(s_j / lam2) with z and s = lam2 t fixed: lam2 | z, s, y has density
    Gamma(lam2 | shape, rate) * likelihood (laplace.noncentred_moves)."""
    from bayes_sparse.samplers.laplace import LaplaceState

    rng = np.random.default_rng(4)
    data = _problem(rng)
    prior = bs.Laplace(lam_shape=2.0, lam_rate=1.5)
    s = np.array([3.0, 0.4, 1.5, 0.2])  # lam2 * t
    z = np.array([1.1, -0.6, 0.9, 0.2])
    b0 = 0.1

    def beta_at(x):
        return z * np.sqrt(s / math.exp(x))

    def logf(x):
        eta = b0 + data.Z @ beta_at(x)
        log_prior = prior.lam_shape * x - prior.lam_rate * math.exp(x)  # Gamma on lam2, Jacobian e^x
        return float(np.sum(BernoulliFamily().log_likelihood(data.yc, eta))) + log_prior

    x0 = math.log(1.3)
    state = LaplaceState(beta_at(x0), 1.0, s / math.exp(x0), math.exp(x0))
    draws, last = _run(rng, 0, prior, state, data, b0, sampler="laplace")
    np.testing.assert_allclose(last.t * last.lam2, s, rtol=1e-12)  # s really stayed fixed
    np.testing.assert_allclose(last.beta, beta_at(math.log(last.lam2)), rtol=1e-10)
    _assert_draws_follow(draws, logf, -15.0, 10.0, "laplace lam2 move")


def test_gaussian_scale_move_samples_its_conditional():
    """beta = z sqrt(scale2) with z fixed: scale2 | z, y has density IG(scale2 | shape, rate) * likelihood."""
    from bayes_sparse.samplers.gaussian import GaussianState

    rng = np.random.default_rng(5)
    data = _problem(rng)
    prior = bs.Gaussian(scale_shape=3.0, scale_rate=2.0)
    z = np.array([1.4, -0.8, 0.5, 0.3])
    b0 = -0.2

    def logf(x):
        eta = b0 + data.Z @ (z * math.exp(0.5 * x))
        log_prior = -prior.scale_shape * x - prior.scale_rate * math.exp(-x)  # IG on scale2, Jacobian e^x
        return float(np.sum(BernoulliFamily().log_likelihood(data.yc, eta))) + log_prior

    state = GaussianState(z * math.sqrt(0.7), 1.0, 0.7)
    draws, last = _run(rng, 0, prior, state, data, b0, sampler="gaussian")
    np.testing.assert_allclose(last.beta, z * math.sqrt(last.scale2), rtol=1e-10)
    _assert_draws_follow(draws, logf, -12.0, 12.0, "gaussian scale move")


def test_elastic_net_penalty_move_samples_its_conditional():
    """(lam1, lam2) -> (lam1 e^-x, lam2 e^-2x) with z, u and r = lam2 / lam1^2 fixed: x = -log lam1 has
    log density -(a1 + 2 a2) x - b1 e^-x - b2 r e^-2x + log likelihood (elasticnet.noncentred_moves)."""
    from bayes_sparse.samplers.elasticnet import ElasticNetState, prior_variance

    rng = np.random.default_rng(6)
    data = _problem(rng)
    prior = bs.ElasticNet(lam1_shape=2.0, lam1_rate=1.0, lam2_shape=3.0, lam2_rate=2.0)
    a1, b1, a2, b2 = 2.0, 1.0, 3.0, 2.0
    u = np.array([2.0, 0.3, 1.0, 0.1])
    z = np.array([1.2, -0.7, 0.6, 0.2])
    b0, r = 0.15, 0.8

    def beta_at(x):
        return z * np.sqrt(prior_variance(u, r * math.exp(-2.0 * x)))

    def logf(x):
        eta = b0 + data.Z @ beta_at(x)
        log_prior = -(a1 + 2.0 * a2) * x - b1 * math.exp(-x) - b2 * r * math.exp(-2.0 * x)
        return float(np.sum(BernoulliFamily().log_likelihood(data.yc, eta))) + log_prior

    lam1 = 1.1
    state = ElasticNetState(beta_at(-math.log(lam1)), 1.0, u, lam1, r * lam1**2)
    draws, last = _run(rng, 0, prior, state, data, b0, sampler="elasticnet")
    np.testing.assert_array_equal(last.u, u)  # the mixing variables stay: their prior depends on lam1^2 / lam2 only
    np.testing.assert_allclose(last.lam2 / last.lam1**2, r, rtol=1e-12)
    np.testing.assert_allclose(last.beta, beta_at(-math.log(last.lam1)), rtol=1e-10)
    _assert_draws_follow(draws, logf, -10.0, 10.0, "elastic-net penalty move")


def test_only_bernoulli_asks_for_moves_and_which_priors_have_them():
    from bayes_sparse.families import GaussianFamily

    assert BernoulliFamily.noncentred_moves and not GaussianFamily.noncentred_moves
    assert [m.name for m in noncentred_moves("horseshoe", HorseshoeSpec(0.1, 2.0, 4.0))] == ["tau", "c2"]
    assert [m.name for m in noncentred_moves("horseshoe", HorseshoeSpec(0.1, None, 4.0))] == ["tau"]
    assert [m.name for m in noncentred_moves("laplace", bs.Laplace())] == ["lam2"]
    assert noncentred_moves("laplace", bs.Laplace(lam=1.0)) == []  # a fixed lam: nothing global to move
    assert [m.name for m in noncentred_moves("gaussian", bs.Gaussian())] == ["scale2"]
    assert noncentred_moves("gaussian", bs.Gaussian(scale=1.0)) == []
    assert [m.name for m in noncentred_moves("elasticnet", bs.ElasticNet())] == ["penalties"]
    assert noncentred_moves("elasticnet", bs.ElasticNet(lam1=2.0)) == []  # one penalty fixed: no joint scale move


def test_chained_moves_hand_on_the_linear_predictor():
    """Both moves of the regularized horseshoe in one call, started with and without the caller's
    eta: the same random stream gives the same draws, and the returned eta is b0 + Z beta."""
    data = _problem(np.random.default_rng(3))
    spec = HorseshoeSpec(tau0=0.3, slab_scale=2.0, slab_df=4.0)
    moves = noncentred_moves("horseshoe", spec)
    assert [m.name for m in moves] == ["tau", "c2"]
    state = HorseshoeState(np.array([1.0, -0.5, 0.2, 0.05]), 1.0, np.array([4.0, 0.5, 1.0, 0.1]), 0.4, 3.0)
    b0 = -0.3
    ends = []
    for eta in (None, b0 + data.Z @ state.beta):
        s, evaluations, _, eta_out = apply_moves(
            np.random.default_rng(9), moves, state, BernoulliFamily(), data, b0, eta
        )
        np.testing.assert_allclose(eta_out, b0 + data.Z @ s.beta, rtol=1e-12, atol=1e-12)
        assert evaluations >= 8  # two slice updates of at least four evaluations each
        ends.append((s.tau2, s.c2))
    np.testing.assert_allclose(ends[0], ends[1], rtol=1e-12)
