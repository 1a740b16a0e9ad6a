"""The horseshoe's marginal local update (beta and sigma^2 integrated out):
the conditional of one local scale against a brute-force grid of the exact
marginal (determinants and solves of M formed directly), the rank-one
bookkeeping against a fresh inverse, and the sweep inside the full kernel."""

import math

import numpy as np
import pytest
from scipy import stats

from bayes_sparse.samplers import horseshoe as H
from bayes_sparse.samplers._gaussian_draw import G_CAP, G_FLOOR, LinearData
from bayes_sparse.samplers._marginal import _log_lik, _log_lik_bound, marginal_local_sweep
from bayes_sparse.spec import NoiseSpec

from .gibbs_reference import check_against_grid, iid_se

N, P = 6, 9


def _problem(seed=3, signal=1.5):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(N, P))
    Z -= Z.mean(0)
    y = Z[:, 2] * signal + rng.normal(size=N)
    y -= y.mean()
    lam2 = np.exp(rng.normal(size=P))
    return Z, y, lam2


def _variances(lam2, tau2, c2):
    return tau2 * (lam2 if c2 is None else c2 * lam2 / (c2 + tau2 * lam2))


def _exact_log_marginal(Z, y, g, noise_kind):
    """log p(y | g) up to a constant, by a direct factorisation of M = I + Z diag(g) Z'."""
    M = np.eye(len(y)) + (Z * g) @ Z.T
    logdet = np.linalg.slogdet(M)[1]
    quad = y @ np.linalg.solve(M, y)
    if noise_kind == "fixed":
        return -0.5 * logdet - 0.5 * quad / 0.7**2
    shape, rate = (0.0, 0.0) if noise_kind == "jeffreys" else (3.0, 2.0)
    return -0.5 * logdet - (shape + 0.5 * (len(y) - 1)) * math.log(rate + 0.5 * quad)


NOISES = {"jeffreys": NoiseSpec(), "inverse_gamma": NoiseSpec(shape=3.0, rate=2.0), "fixed": NoiseSpec(fixed=0.7)}


def _sweep_args(noise, n):
    if noise.fixed is None:
        return noise.shape + 0.5 * (n - 1), 2.0 * noise.rate, 0.0
    return 0.0, 0.0, 1.0 / noise.fixed**2


@pytest.mark.parametrize("noise_kind", list(NOISES))
@pytest.mark.parametrize("c2", [None, 0.8])
@pytest.mark.parametrize("j", [2, 5])  # the signal's column and a noise column
def test_one_local_scale_matches_the_exact_marginal(noise_kind, c2, j):
    """log lam_j | lam_-j, tau, c, y from the sweep (fresh W each draw: independent draws
    from one conditional) vs the grid of C+(lam_j) lam_j p(y | g(lam_j)) with p(y | g) from
    a direct factorisation."""
    Z, y, lam2 = _problem()
    tau2, noise = 0.3, NOISES[noise_kind]
    g = _variances(lam2, tau2, c2)
    M = np.eye(N) + (Z * g) @ Z.T
    W0 = np.linalg.inv(M)
    m, rate2, inv_s2 = _sweep_args(noise, N)
    inv_c2 = 0.0 if c2 is None else 1.0 / c2
    lo, hi = np.full(P, 1e-300), np.full(P, 1e300)
    rng = np.random.default_rng(7)
    ZT = np.ascontiguousarray(Z.T)
    draws = np.empty(20_000)
    for r in range(draws.size):
        lam2_r, g_r = lam2.copy(), g.copy()
        W = W0.copy()
        marginal_local_sweep(
            rng, ZT, np.array([j]), W, W @ y, y, float(y @ W0 @ y), g_r, lam2_r, tau2, inv_c2, lo, hi, m, rate2, inv_s2
        )
        draws[r] = 0.5 * math.log(lam2_r[j])

    def logf(eta):
        out = np.empty_like(eta)
        for i, e in enumerate(eta):
            gg = g.copy()
            gg[j] = _variances(np.array([math.exp(2 * e)]), tau2, c2)[0]
            out[i] = _exact_log_marginal(Z, y, gg, noise_kind)
        return out + stats.halfcauchy.logpdf(np.exp(eta)) + eta

    check_against_grid(draws, logf, np.linspace(-12, 12, 4001), iid_se)


@pytest.mark.parametrize("noise_kind", ["jeffreys", "fixed"])
def test_sweep_keeps_inverse_and_quadratic_form_exact(noise_kind):
    """After a sweep over every feature, W, W y and y'W y equal a fresh inverse at the new scales."""
    Z, y, lam2 = _problem(seed=5)
    tau2, c2 = 0.4, 1.3
    g = _variances(lam2, tau2, c2)
    W = np.linalg.inv(np.eye(N) + (Z * g) @ Z.T)
    Wy = W @ y
    m, rate2, inv_s2 = _sweep_args(NOISES[noise_kind], N)
    lo, hi = np.full(P, 1e-300), np.full(P, 1e300)
    rng = np.random.default_rng(1)
    for _ in range(20):
        quad, failures = marginal_local_sweep(
            rng,
            np.ascontiguousarray(Z.T),
            np.arange(P),
            W,
            Wy,
            y,
            float(y @ Wy),
            g,
            lam2,
            tau2,
            1 / c2,
            lo,
            hi,
            m,
            rate2,
            inv_s2,
        )
        assert failures == 0
        np.testing.assert_allclose(g, _variances(lam2, tau2, c2), rtol=1e-12)
        fresh = np.linalg.inv(np.eye(N) + (Z * g) @ Z.T)
        np.testing.assert_allclose(W, fresh, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(Wy, fresh @ y, rtol=1e-8, atol=1e-10)
        assert quad == pytest.approx(float(y @ fresh @ y), rel=1e-9)


@pytest.mark.parametrize("noise_kind", ["jeffreys", "fixed"])
@pytest.mark.parametrize("tau2", [0.0, 1e-320, 1e250])
@pytest.mark.parametrize("c2", [None, 0.8])
def test_sweep_survives_extreme_global_scales(noise_kind, tau2, c2):
    """tau^2 lam^2 underflowing to 0 or overflowing to inf (a plain-horseshoe chain at
    p > n can get there) gives finite draws and a valid W, never ZeroDivisionError (the
    slow SBC of the Bernoulli plain horseshoe at p > n hit it)."""
    Z, y, lam2 = _problem(seed=7)
    inv_c2 = 0.0 if c2 is None else 1.0 / c2
    # the bounds the sampler passes (draw_marginal_locals): beyond G_CAP, M = I + Z g Z'
    # loses its identity part to rounding and no inverse (the reference's either) is exact
    col_norm2 = (Z * Z).sum(0)
    lo, hi = G_FLOOR / col_norm2, G_CAP / col_norm2
    g = np.clip(_variances(lam2, max(tau2, 1e-300), c2), lo, hi)
    W = np.linalg.inv(np.eye(N) + (Z * g) @ Z.T)
    Wy = W @ y
    m, rate2, inv_s2 = _sweep_args(NOISES[noise_kind], N)
    quad, _ = marginal_local_sweep(
        np.random.default_rng(2), np.ascontiguousarray(Z.T), np.arange(P), W, Wy, y, float(y @ Wy),
        g, lam2, tau2, inv_c2, lo, hi, m, rate2, inv_s2,
    )  # fmt: skip
    assert np.all(np.isfinite(lam2)) and np.all((g >= lo) & (g <= hi))
    M = np.eye(N) + (Z * g) @ Z.T
    fresh = np.linalg.inv(M)
    # Any inverse of M (the reference's too) is good to about eps cond(M) in norm (||W|| <= 1);
    # with every g at the cap (tau^2 = 1e250) that is ~1e-5, elsewhere below 1e-8.
    atol = max(1e-8, 10 * np.finfo(float).eps * np.linalg.cond(M))
    np.testing.assert_allclose(W, fresh, rtol=1e-6, atol=atol)
    assert quad == pytest.approx(float(y @ fresh @ y), rel=1e-6, abs=atol * float(y @ y))


@pytest.mark.parametrize("m, rho, k", [(20.0, 0.3, 0.0), (20.0, 0.01, 0.0), (1.0, 0.9, 0.0), (0.0, 0.0, 3.0)])
@pytest.mark.parametrize("w_max", [1.0 - 1e-12, 0.4])
def test_likelihood_bound_is_the_maximum(m, rho, k, w_max):
    """The closed-form bound of the rejection step is the maximum of L on [0, w_max] (grid)."""
    w = np.linspace(0.0, w_max, 200_001)
    grid_max = max(_log_lik(x, m, rho, k) for x in w[::1000])
    fine = np.array([_log_lik(x, m, rho, k) for x in w])
    bound = _log_lik_bound(w_max, m, rho, k)
    assert bound >= fine.max() - 1e-12
    assert bound <= max(grid_max, fine.max()) + 1e-6


def test_kernel_uses_the_set_and_warm_up_fixes_it():
    """p > n: the state carries the set; warm-up follows the partial-residual scores, then
    fixes the largest scores at the mean of beta over the second half of warm-up. The score
    ranks the signals and a noise column that mimics the residual (the feature a chain keeps
    taking in and out) at the top at the true coefficients; p <= n has no set. (Whether one
    short chain's warm-up mean already ranks the look-alike that high depends on its random
    stream: in about half of twelve seeds it does, so that is not asserted.)"""
    rng = np.random.default_rng(0)
    n, p = 20, 400
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    noise_draw = rng.normal(size=n)
    coef = np.zeros(p)
    coef[:3] = [3.0, -2.0, 2.0]
    y = Z @ coef + noise_draw
    Z[:, 77] = noise_draw + 0.5 * rng.normal(size=n)  # not in y's mean, but the residual's look-alike
    Z -= Z.mean(0)
    y -= y.mean()
    data = LinearData.from_arrays(Z, y)
    k = H.marginal_set_size(n, p)
    assert {0, 1, 2, 77} <= set(H._largest(H._MarginalSetAdapter._scores(data, coef), k).tolist())
    spec = H.HorseshoeSpec(tau0=0.05, slab_scale=2.0, slab_df=4.0)
    noise = NoiseSpec()
    state = H.init(rng, spec, data, noise)
    assert state.marginal.size == k == 2 * n
    kernel = H.build_kernel(spec, noise)
    tune = 60
    adapter = H.make_adapter(spec, tune)
    sets, betas = [], []
    for it in range(tune + 30):
        state, _ = kernel(rng, state, data)
        if it < tune:
            betas.append(state.beta)
            state = adapter(it, state, data)
            if it < tune - 1:  # during warm-up: the largest scores at the current beta
                assert np.array_equal(state.marginal, H._largest(H._MarginalSetAdapter._scores(data, betas[-1]), k))
        sets.append(state.marginal.copy())
    assert all(np.array_equal(s, sets[tune - 1]) for s in sets[tune:])  # fixed after warm-up
    warm_mean = np.mean(betas[tune // 2 :], axis=0)
    np.testing.assert_array_equal(sets[-1], H._largest(H._MarginalSetAdapter._scores(data, warm_mean), k))
    resid = y - Z @ state.beta
    assert np.all(np.isfinite(resid))
    small = LinearData.from_arrays(Z[:, :10], y)
    assert H.init(rng, spec, small, noise).marginal is None


@pytest.mark.parametrize("seed", range(10))
def test_sweep_keeps_w_exact_with_scales_at_the_cap(seed):
    """Local scales spread over e^(+-20) put several prior variances at G_CAP / ||z||^2,
    where om = 1 - g z'Wz is below what W resolves: downdating W there went wrong by
    1e-6 to 1 in half of these seeds (and to NaN in the slow SBC of the Bernoulli plain
    horseshoe at p > n, which then hung in the Polya-Gamma draw). W is formed as the
    sampler forms it (eigendecomposition); after the sweep it must equal a fresh inverse
    to the tolerance of the well-conditioned cases above."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(N, P))
    Z -= Z.mean(0)
    y = 5.0 * rng.normal(size=N)
    col_norm2 = (Z * Z).sum(0)
    lo, hi = G_FLOOR / col_norm2, G_CAP / col_norm2
    lam2 = np.exp(10.0 * rng.normal(size=P))
    g = np.clip(lam2, lo, hi)
    e, U = np.linalg.eigh((Z * g) @ Z.T)
    W = (U / (1.0 + np.maximum(e, 0.0))) @ U.T
    Wy = W @ y
    quad, _ = marginal_local_sweep(
        np.random.default_rng(1), np.ascontiguousarray(Z.T), np.arange(P), W, Wy, y, float(y @ Wy),
        g, lam2, 1.0, 0.0, lo, hi, 0.0, 0.0, 1.0,
    )  # fmt: skip
    assert np.all(np.isfinite(lam2)) and np.all((g >= lo) & (g <= hi))
    fresh = np.linalg.inv(np.eye(N) + (Z * g) @ Z.T)
    np.testing.assert_allclose(W, fresh, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(Wy, fresh @ y, rtol=1e-6, atol=1e-8)
    assert quad == pytest.approx(float(y @ fresh @ y), rel=1e-6)


@pytest.mark.parametrize("slab, spread", [(2.0, 1.0), (None, 12.0)], ids=["regularized", "plain-wide"])
def test_marginal_draw_fitted_values(slab, spread):
    """The marginal update's ``Z beta`` comes from the decomposition plus the swept columns'
    change of variance (no pass over Z): equal to ``Z @ beta`` of the returned beta within
    1e-10 of the largest fitted value, the rounding bound it shares with
    SpectralScale.draw_beta_and_fitted. Plain horseshoe with local scales spread over
    e^(+-12): some draws pass FITTED_MAX_SCALE, where Z beta is formed directly."""
    from bayes_sparse.samplers._gaussian_draw import FITTED_MAX_SCALE

    rng = np.random.default_rng(3)
    n, p = 15, 60
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z[:, :2] @ np.array([2.0, -1.5]) + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    spec = H.HorseshoeSpec(tau0=0.3, slab_scale=slab, slab_df=4.0)
    noise = NoiseSpec()
    idx = np.arange(0, p, 3)
    direct_path = 0
    for _ in range(20):
        lam2 = np.exp(spread * rng.normal(size=p))
        tau2, c2, factor, _ = H.draw_global_joint(rng, data, lam2, 0.2, 4.0 if slab else math.nan, spec, noise)
        direct_path += factor.t * factor.spectral.e[-1] > FITTED_MAX_SCALE
        c2 = c2 if slab else math.inf
        sigma2, beta, fitted, failures = H.draw_marginal_locals(rng, data, factor, idx, lam2, tau2, c2, noise)
        direct = Z @ beta
        assert failures == 0
        np.testing.assert_allclose(fitted, direct, rtol=0, atol=1e-10 * np.abs(direct).max())
    assert (direct_path > 0) == (slab is None)


@pytest.mark.parametrize("slab, spread", [(2.0, 1.0), (None, 12.0)], ids=["regularized", "plain-wide"])
def test_noise_drawn_ahead_gives_the_same_draw(slab, spread, monkeypatch):
    """The kernel draws beta's standard normals xi before the global update, so that
    Z diag(sqrt(h)) xi comes out of the Gram's scaling pass; after the marginal sweep
    Z diag(sqrt(g)) xi is rebuilt from it plus the swept columns' change. Same stream
    twice, once with that product formed directly: the same local scales and sigma^2,
    Z beta still equal to Z @ beta, and the same beta within 1e-10 of its largest value
    wherever t max(e) <= FITTED_MAX_SCALE. Above that scale beta = u + g Z'x cancels
    terms of size sqrt(max g) (here up to 5e4) against each other, and any two ways of
    rounding Z u give betas that differ by about eps t max(e) times a data-dependent
    factor (measured: up to ~1e-5 relative at t max(e) = 4e10), so beta is not compared there.
    """
    from bayes_sparse.samplers._gaussian_draw import FITTED_MAX_SCALE

    n, p = 15, 60
    rng = np.random.default_rng(5)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z[:, :2] @ np.array([2.0, -1.5]) + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    spec = H.HorseshoeSpec(tau0=0.3, slab_scale=slab, slab_df=4.0)
    noise, idx = NoiseSpec(), np.arange(1, p, 4)
    lam2s = [np.exp(spread * rng.normal(size=p)) for _ in range(10)]

    def run(direct):
        if direct:  # the reference: the product with the design formed from the swept g itself
            monkeypatch.setattr(H, "_design_times_noise", lambda d, sp, t, g, i, xi: d.Z @ (np.sqrt(g) * xi))
        out, r = [], np.random.default_rng(11)
        for lam2 in lam2s:
            xi = r.standard_normal(p)
            c2 = 4.0 if slab else math.nan
            tau2, c2, factor, _ = H.draw_global_joint(r, data, lam2, 0.2, c2, spec, noise, xi=xi)
            np.testing.assert_allclose(
                factor.spectral.z_sqrt_h_xi, Z @ (np.sqrt(factor.spectral.h) * xi), rtol=1e-12, atol=1e-12
            )
            c2 = c2 if slab else math.inf
            lam = lam2.copy()
            sigma2, beta, fitted, _ = H.draw_marginal_locals(r, data, factor, idx, lam, tau2, c2, noise, xi)
            np.testing.assert_allclose(fitted, Z @ beta, rtol=0, atol=1e-10 * np.abs(Z @ beta).max())
            out.append((sigma2, beta, lam, factor.t * factor.spectral.e[-1]))
        monkeypatch.undo()
        return out

    compared = 0
    for (s_a, b_a, l_a, scale), (s_b, b_b, l_b, _) in zip(run(False), run(True)):
        np.testing.assert_array_equal(l_a, l_b)  # the sweep saw the same stream
        assert s_a == pytest.approx(s_b, rel=1e-12)
        if scale <= FITTED_MAX_SCALE:
            np.testing.assert_allclose(b_a, b_b, rtol=0, atol=1e-10 * np.abs(b_b).max())
            compared += 1
    assert compared >= 3
