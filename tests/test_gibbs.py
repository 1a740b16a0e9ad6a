"""Gibbs samplers: each conditional against a brute-force reference, Geweke's
joint-distribution test, agreement with NUTS, a small simulation-based
calibration, layout and seeds."""

import math
import warnings
import zlib

import arviz as az
import numpy as np
import pytest
from scipy import stats

import bayes_sparse as bs
from bayes_sparse.samplers import horseshoe as H
from bayes_sparse.samplers import laplace as L
from bayes_sparse.samplers import run_chain
from bayes_sparse.samplers._gaussian_draw import LinearData
from bayes_sparse.spec import NoiseSpec, rules_for

from .gibbs_reference import Z_MAX, batch_means_se, centred_y, check_against_grid, iid_se, prior_draw

NOISE = (3.0, 2.0)  # proper sigma^2 ~ IG(3, 2) for prior simulation


# --------------------------------------------------------------------- conditionals
@pytest.mark.parametrize("beta, sigma2, lam2", [(0.3, 1.0, 4.0), (-2.0, 0.5, 1.0), (1e-3, 2.0, 9.0)])
def test_laplace_mixing_conditional(beta, sigma2, lam2):
    # target: t | beta ∝ N(beta | 0, sigma^2 t) Exp(t | rate lam^2 / 2), in log t
    rng = np.random.default_rng(0)
    t = L.draw_laplace_mixing(rng, np.full(20_000, beta), lam2 * sigma2, lam2)

    def logf(eta):
        tt = np.exp(eta)
        return stats.norm.logpdf(beta, 0, np.sqrt(sigma2 * tt)) + stats.expon.logpdf(tt, scale=2 / lam2) + eta

    check_against_grid(np.log(t), logf, np.linspace(-25, 8, 60_001), iid_se)


def _lam_logf(beta, sigma2, tau2, c2=None):
    # target of eta = log lam: N(beta | 0, sigma^2 tau^2 lamt^2) C+(lam) lam
    def logf(eta):
        l2 = np.exp(2 * eta)
        lt2 = l2 if c2 is None else c2 * l2 / (c2 + tau2 * l2)
        return stats.norm.logpdf(beta, 0, np.sqrt(sigma2 * tau2 * lt2)) + stats.halfcauchy.logpdf(np.exp(eta)) + eta

    return logf


def test_python_and_compiled_slice_samplers_are_one_algorithm():
    """The compiled per-coordinate slice update is the Python slice sampler transcribed:
    same draws from the same random-number stream, on the collapsed local density."""
    from bayes_sparse.samplers._collapsed import _slice_eta, log_local_collapsed
    from bayes_sparse.samplers._slice import slice_sample

    for k, (a, h, tau2, inv_c2) in enumerate([(5.0, 0.1, 0.3, 0.0), (20.0, 30.0, 0.01, 0.25), (1.0, 0.0, 2.0, 1.0)]):
        eta_py, eta_nb = 0.3, 0.3
        rng_py, rng_nb = np.random.default_rng(k), np.random.default_rng(k)
        for _ in range(200):
            logf = lambda e, a=a, h=h, tau2=tau2, inv_c2=inv_c2: log_local_collapsed(e, a, h, tau2, inv_c2)
            eta_py = slice_sample(rng_py, logf, eta_py, width=2.0, max_steps=64).x
            eta_nb, failed = _slice_eta(rng_nb, eta_nb, a, h, tau2, inv_c2)
            assert failed == 0
        assert eta_py == pytest.approx(eta_nb, rel=1e-12)
        assert rng_py.random() == rng_nb.random()  # the streams stayed in step


@pytest.mark.parametrize("signal", [0.0, 1.2])
@pytest.mark.parametrize("c2", [None, 0.5])
def test_collapsed_local_update_matches_joint_grid(signal, c2):
    """(lam_j, beta_j) | r, sigma, tau, c from the compiled collapsed sweep vs a brute-force
    2-D grid of the joint density N(r | z beta, sigma^2) N(beta | 0, sigma^2 tau^2 lamt^2) C+(lam)
    (p = 1, so the sweep's conditional is the whole posterior). With no signal the prior
    proposals are mostly accepted; with signal 1.2 (L* in the hundreds) nearly every
    update falls back to the slice step: both branches of the default sweep."""
    from bayes_sparse.samplers._collapsed import collapsed_local_sweep

    rng = np.random.default_rng(11)
    n, sigma2, tau2 = 8, 0.7, 0.2
    z = rng.normal(size=n)
    r = signal * z + math.sqrt(sigma2) * rng.normal(size=n)
    inv_c2 = 0.0 if c2 is None else 1.0 / c2
    beta, lam2 = np.zeros(1), np.ones(1)
    resid = r.copy()
    etas, betas = [], []
    for it in range(40_500):
        collapsed_local_sweep(rng, z[None, :].copy(), np.array([z @ z]), resid, beta, lam2, sigma2, tau2, inv_c2)
        if it >= 500:
            etas.append(0.5 * math.log(lam2[0]))
            betas.append(beta[0])
    np.testing.assert_allclose(resid, r - z * beta[0], atol=1e-12)

    eta_grid = np.linspace(-14, 14, 1401)
    # beta | lam is as narrow as 1e-7 at the grid's smallest lam: a geometric grid resolves it
    fine = np.logspace(-12, 0.6, 2500)
    b_grid = np.unique(np.concatenate([-fine, [0.0], fine, np.linspace(-4, 4, 4001)]))
    E, B = np.meshgrid(eta_grid, b_grid, indexing="ij")
    l2 = np.exp(2 * E)
    lt2 = l2 if c2 is None else c2 * l2 / (c2 + tau2 * l2)
    logj = (
        stats.halfcauchy.logpdf(np.exp(E))
        + E
        + stats.norm.logpdf(B, 0, np.sqrt(sigma2 * tau2 * lt2))
        - ((r[None, None, :] - B[..., None] * z) ** 2).sum(-1) / (2 * sigma2)
    )
    w = np.exp(logj - logj.max())
    log_eta = np.log(np.trapezoid(w, b_grid, axis=1) + 1e-300)
    log_beta = np.log(np.trapezoid(w, eta_grid, axis=0) + 1e-300)

    def interp(logm, grid):
        return lambda x: np.interp(x, grid, logm)

    check_against_grid(np.array(etas), interp(log_eta, eta_grid), eta_grid, batch_means_se)
    check_against_grid(np.array(betas), interp(log_beta, b_grid), b_grid, batch_means_se)


@pytest.mark.parametrize(
    "a, h, tau2, inv_c2",
    [
        (50.0, 5.0, 1e-4, 0.25),  # k = h / a < 1/2: bound 1 (w = 0)
        (8.0, 30.0, 0.2, 0.0),  # k > 1/2, plain: bound at w* = 1 - 1/(2k)
        (8.0, 30.0, 0.2, 4.0),  # k > 1/2, small slab: w* beyond w_max, bound at w_max
    ],
    ids=["flat", "interior-max", "max-at-slab"],
)
def test_rejection_local_draw_matches_grid(a, h, tau2, inv_c2):
    """The local scale's rejection sampler (half-Cauchy proposals, accepted with L / L*) draws
    independently from the collapsed conditional (vs a grid of :func:`log_local_collapsed`),
    and L* bounds L on the whole line (on a dense grid)."""
    from bayes_sparse.samplers._collapsed import _log_bound, _reject_lam, log_local_collapsed

    grid = np.linspace(-40, 40, 40_001)
    logf = np.array([log_local_collapsed(e, a, h, tau2, inv_c2) for e in grid])
    log_prior = grid - np.logaddexp(0.0, 2 * grid)  # C+(lam) lam in eta = log lam
    assert np.all(logf - log_prior <= _log_bound(h / a, a / (a + inv_c2)) + 1e-9)
    rng = np.random.default_rng(17)
    x = []
    for _ in range(6000):
        lam, inv_v, accepted = _reject_lam(rng, a, h, tau2, inv_c2, 10_000)
        assert accepted and inv_v == pytest.approx(1.0 / (tau2 * lam * lam) + inv_c2, rel=1e-15)
        x.append(math.log(lam))
    check_against_grid(np.array(x), lambda e: np.interp(e, grid, logf), grid, iid_se)


def test_collapsed_sweep_keeps_the_residual():
    from bayes_sparse.samplers._collapsed import collapsed_local_sweep

    rng = np.random.default_rng(12)
    Z = rng.normal(size=(15, 40))
    y = rng.normal(size=15)
    beta, lam2 = rng.normal(size=40), np.exp(rng.normal(size=40))
    resid = y - Z @ beta
    before = beta.copy()
    failures = collapsed_local_sweep(rng, np.ascontiguousarray(Z.T), (Z * Z).sum(0), resid, beta, lam2, 0.9, 0.3, 0.25)
    assert failures == 0
    assert np.all(beta != before)  # every coordinate was redrawn
    np.testing.assert_allclose(resid, y - Z @ beta, atol=1e-10)


def test_collapsed_sweep_recovers_from_extreme_local_scales():
    rng = np.random.default_rng(13)
    Z = rng.normal(size=(10, 4))
    data = LinearData.from_arrays(Z - Z.mean(0), rng.normal(size=10))
    lam2 = np.array([0.0, np.inf, 1e-320, 1e300])
    beta, new, failures = H.draw_local_collapsed(rng, data, np.zeros(4), lam2, 1.0, 0.5, 2.0)
    assert failures == 0
    assert np.all(np.isfinite(beta)) and np.all(np.isfinite(new)) and np.all(new > 0)
    assert lam2[0] == 0.0  # the caller's array is not modified


def test_slab_conditional():
    rng = np.random.default_rng(3)
    spec = H.HorseshoeSpec(tau0=0.5, slab_scale=1.5, slab_df=4.0)
    beta = np.array([2.5, -0.2, 0.01])
    lam2 = np.array([30.0, 1.0, 0.1])
    sigma2, tau2 = 1.0, 0.5

    def logf(zeta):
        c = np.exp(zeta)[:, None]
        lt2 = c * lam2 / (c + tau2 * lam2)
        ll = stats.norm.logpdf(beta, 0, np.sqrt(sigma2 * tau2 * lt2)).sum(1)
        return ll + stats.invgamma(2.0, scale=2.0 * 1.5**2).logpdf(np.exp(zeta)) + zeta

    chains = [np.log(2.0)] * 1500  # independent chains; final states are iid draws
    for _ in range(15):
        chains = [math.log(H.draw_slab(rng, math.exp(z), lam2, beta**2, sigma2, tau2, spec)[0]) for z in chains]
    check_against_grid(np.array(chains), logf, np.linspace(-8, 12, 40_001), iid_se)


def _tau_logf(data, lam2, tau0, noise, c2=None):
    """Dense-numpy marginal of eta = log tau^2 (beta and sigma^2 integrated)."""
    n = data.n
    a0, b0 = noise

    def logf(etas):
        out = []
        for eta in etas:
            t = math.exp(eta)
            lt2 = lam2 if c2 is None else c2 * lam2 / (c2 + t * lam2)
            M = np.eye(n) + t * (data.Z * lt2) @ data.Z.T
            q = data.yc @ np.linalg.solve(M, data.yc)
            ll = -0.5 * np.linalg.slogdet(M)[1] - (a0 + (n - 1) / 2) * math.log(b0 + q / 2)
            out.append(ll + stats.halfcauchy(scale=tau0).logpdf(math.sqrt(t)) + math.log(math.sqrt(t) / 2))
        return np.array(out)

    return logf


# n >= p runs under slow (about 55 s on 2 cores); p > n, where the marginal has the
# half-Cauchy's tail, stays in the default suite
@pytest.mark.parametrize("n, p", [pytest.param(12, 4, marks=pytest.mark.slow), (6, 15)])
@pytest.mark.parametrize(
    "regularized, width",
    [(False, None), (True, None), (True, 0.7)],
    ids=["plain", "regularized-stepping-out", "regularized-fixed-width"],
)
def test_global_scale_marginal_update(n, p, regularized, width):
    """The tau update leaves its exact marginal invariant: chains started from exact
    draws of the marginal (inverse CDF on a dense-numpy grid) are still distributed
    as the marginal after a few updates. Independent chains give iid end states, so
    the standard errors are exact; a single long chain's batch means are not
    reliable here, since with p > n the marginal has the half-Cauchy's exponential
    tail in log tau^2 and a fixed-width slice crosses it slowly."""
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z[:, 0] * 1.5 + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    lam2 = np.exp(rng.normal(size=p))
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    tau0, c2 = 0.7, 1.5
    logf = _tau_logf(data, lam2, tau0, NOISE, c2 if regularized else None)
    grid = np.linspace(-14, 30, 5001)  # tail mass beyond log tau^2 = 30: < 1e-7 (exp(-eta/2) decay)
    lf = logf(grid)
    cdf = np.cumsum(np.exp(lf - lf.max()))
    starts = np.interp(rng.uniform(0, cdf[-1], size=3000), cdf, grid)
    x = []
    for eta in starts:
        tau2 = math.exp(eta)
        for _ in range(3):
            if regularized:
                tau2, _, res = H.draw_global_regularized(rng, data, lam2, tau2, c2, tau0, noise, width)
            else:
                tau2, _, res = H.draw_global_plain(rng, data, lam2, tau2, tau0, noise)
            assert res.shrink_failures == 0
        x.append(math.log(tau2))
    check_against_grid(np.array(x), logf, grid, iid_se)


def _scale_logf_2d(data, lam2, tau0, noise, spec):
    """Dense-numpy log density of (eta, zeta) = (log tau^2, log c^2) given lam, with beta and
    sigma^2 integrated out, on a grid (rows: eta, columns: zeta)."""
    n = data.n
    a0, b0 = noise
    a, b = spec.slab_df / 2, spec.slab_df * spec.slab_scale**2 / 2

    def logf(etas, zetas):
        E, C = np.meshgrid(etas, zetas, indexing="ij")
        t, c2 = np.exp(E).ravel(), np.exp(C).ravel()
        out = np.empty(t.size)
        for k in range(0, t.size, 20_000):
            tt, cc = t[k : k + 20_000, None], c2[k : k + 20_000, None]
            g = tt * cc * lam2 / (cc + tt * lam2)
            M = np.eye(n) + np.einsum("ij,kj,lj->kil", data.Z, g, data.Z)
            q = np.einsum(
                "i,ki->k", data.yc, np.linalg.solve(M, np.broadcast_to(data.yc, (len(g), n))[..., None])[..., 0]
            )
            out[k : k + 20_000] = -0.5 * np.linalg.slogdet(M)[1] - (a0 + (n - 1) / 2) * np.log(b0 + q / 2)
        out = out.reshape(E.shape)
        out += stats.halfcauchy(scale=tau0).logpdf(np.sqrt(np.exp(E))) + E / 2  # log tau^2 (Jacobian tau / 2)
        out += stats.invgamma(a, scale=b).logpdf(np.exp(C)) + C  # log c^2
        return out

    return logf


@pytest.mark.parametrize("n, p", [(12, 4), (6, 15)])
def test_joint_scale_move_leaves_the_scales_posterior_invariant(n, p):
    """The default regularized global update, (tau^2, c^2) -> (s tau^2, s c^2) from one
    eigendecomposition, leaves the exact joint density of (log tau^2, log c^2) given lam
    invariant: 3000 independent chains started from exact draws of that density (a dense
    2-D grid, the marginal likelihood by dense numpy) are still distributed as it after two
    updates; both marginals are compared (the move alone cannot change log c^2 - log tau^2,
    so a wrong density along its line shows up in each)."""
    rng = np.random.default_rng(41)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z[:, 0] * 1.5 + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    lam2 = np.exp(rng.normal(size=p))
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    spec = H.HorseshoeSpec(tau0=0.7, slab_scale=1.5, slab_df=4.0)
    etas = np.linspace(-30, 30, 601)  # tails beyond: < 1e-6 (half-Cauchy exp(-|eta|/2) decay on both sides)
    zetas = np.linspace(-4, 16, 201)  # c^2 ~ IG(2, 4.5): e^-2 zeta right tail, doubly exponential left tail
    lf = _scale_logf_2d(data, lam2, spec.tau0, NOISE, spec)(etas, zetas)
    w = np.exp(lf - lf.max()).ravel()
    cells = rng.choice(w.size, size=3000, p=w / w.sum())  # exact draws up to O(h^2): a cell, uniform within it
    de, dz = etas[1] - etas[0], zetas[1] - zetas[0]
    starts_eta = etas[cells // len(zetas)] + de * (rng.uniform(size=3000) - 0.5)
    starts_zeta = zetas[cells % len(zetas)] + dz * (rng.uniform(size=3000) - 0.5)
    x_eta, x_zeta = [], []
    for eta, zeta in zip(starts_eta, starts_zeta):
        tau2, c2 = math.exp(eta), math.exp(zeta)
        for _ in range(2):
            tau2, c2, _, res = H.draw_global_joint(rng, data, lam2, tau2, c2, spec, noise)
            assert res.shrink_failures == 0
        x_eta.append(math.log(tau2))
        x_zeta.append(math.log(c2))
    m = lf.max()
    log_eta = np.log(np.exp(lf - m).sum(1) + 1e-300)
    log_zeta = np.log(np.exp(lf - m).sum(0) + 1e-300)
    _check_on_fine_grid(np.array(x_eta), etas, log_eta)
    _check_on_fine_grid(np.array(x_zeta), zetas, log_zeta)


def _cell_draws(rng, grid, logf_grid, size):
    """Draws from the density exp(logf) tabulated on a regular grid: a cell by its
    probability, uniform within it (exact up to O(h^2) for a smooth density)."""
    w = np.exp(logf_grid - logf_grid.max()).ravel()
    cells = rng.choice(w.size, size=size, p=w / w.sum())
    return grid[cells] + (grid[1] - grid[0]) * (rng.uniform(size=size) - 0.5)


def _check_on_fine_grid(x, grid, logf_grid):
    """check_against_grid with the tabulated log density interpolated onto a 10x finer grid:
    the reference CDF's trapezoid rule is then off by O(h_fine) instead of O(h) (at the
    coarse h = 0.1, h f / 2 ~ 0.015 in a CDF whose iid standard error is 0.009)."""
    fine = np.linspace(grid[0], grid[-1], 10 * (len(grid) - 1) + 1)
    check_against_grid(x, lambda t: np.interp(t, grid, logf_grid), fine, iid_se)


@pytest.mark.parametrize("n, p", [(12, 4), (6, 15)])
def test_joint_scale_move_plain_is_the_tau_marginal(n, p):
    """With no slab (plain horseshoe) the joint move is the tau update from its exact marginal."""
    rng = np.random.default_rng(42)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z[:, 0] * 1.5 + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    lam2 = np.exp(rng.normal(size=p))
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    spec = H.HorseshoeSpec(tau0=0.7, slab_scale=None, slab_df=4.0)
    grid = np.linspace(-30, 30, 601)
    lf = _tau_logf(data, lam2, spec.tau0, NOISE)(grid)
    x = []
    for eta in _cell_draws(rng, grid, lf, 3000):
        tau2, c2, _, res = H.draw_global_joint(rng, data, lam2, math.exp(eta), math.nan, spec, noise)
        assert math.isnan(c2) and res.shrink_failures == 0
        x.append(math.log(tau2))
    _check_on_fine_grid(np.array(x), grid, lf)


@pytest.mark.parametrize("n, p", [(12, 4), (8, 30)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("slab", [1.5, None], ids=["regularized", "plain"])
def test_kernel_reuses_fitted_values(n, p, slab):
    """The default kernel takes Z beta from its last draw when it gets the same data object
    and beta back (Gaussian family), and recomputes it for new pseudo-data (Bernoulli):
    both give the same chain, up to rounding (1e-9 relative over 5 iterations)."""
    rng = np.random.default_rng(43)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z[:, 0] * 1.5 + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    spec = H.HorseshoeSpec(tau0=0.3, slab_scale=slab, slab_df=4.0)
    chains = []
    for same in (True, False):
        r = np.random.default_rng(7)
        kernel = H.build_kernel(spec, noise)
        state = H.init(r, spec, data, noise)
        for _ in range(5):
            state, info = kernel(r, state, data if same else LinearData.from_arrays(Z, y - y.mean()))
            assert info.slice_shrink_failures == 0
        chains.append(state)
    np.testing.assert_allclose(chains[0].beta, chains[1].beta, rtol=1e-9, atol=1e-12)
    assert chains[0].tau2 == pytest.approx(chains[1].tau2, rel=1e-9)
    assert chains[0].sigma2 == pytest.approx(chains[1].sigma2, rel=1e-9)


def test_previous_kernel_still_runs():
    """The tau-only slice update (one factorisation per evaluation), kept for comparison."""
    rng = np.random.default_rng(44)
    Z = rng.normal(size=(8, 30))
    data = LinearData.from_arrays(Z - Z.mean(0), rng.normal(size=8))
    noise = NoiseSpec()
    spec = H.HorseshoeSpec(tau0=0.3, slab_scale=1.5, slab_df=4.0)
    kernel, adapter = H.build_kernel(spec, noise, "slice", local_tries=0), H.make_adapter(spec, 40, "slice")
    assert H.make_adapter(H.HorseshoeSpec(0.3, None, 4.0), 40, "slice") is None  # plain: nothing to tune
    state = H.init(rng, spec, data, noise)
    for it in range(50):
        state, info = kernel(rng, state, data)
        state = adapter(it, state) if it < 40 else state
    assert state.tau_width is not None and np.all(np.isfinite(state.beta))
    with pytest.raises(ValueError, match="tau_update"):
        H.build_kernel(spec, noise, "newton")


@pytest.mark.parametrize("p", [4, 2000])
def test_rescale_move_leaves_prior_invariant(p):
    """(tau, lam) ~ prior stays ~ prior after tau | omega (the likelihood only sees omega);
    at p = 2000 with the narrow slice interval of :func:`rescale_width` (0.25)."""
    rng = np.random.default_rng(5)
    tau0, m = 0.3, 3000
    taus, lam0 = [], []
    for _ in range(m):
        tau2 = (tau0 * abs(rng.standard_cauchy())) ** 2
        lam2 = rng.standard_cauchy(size=p) ** 2
        lam2, tau2, _ = H.rescale_global(rng, lam2, tau2, tau0)
        taus.append(math.sqrt(tau2))
        lam0.append(math.sqrt(lam2[0]))
    assert stats.kstest(taus, stats.halfcauchy(scale=tau0).cdf).pvalue > 1e-3
    assert stats.kstest(lam0, stats.halfcauchy.cdf).pvalue > 1e-3


# --------------------------------------------------------------------- Geweke
GEWEKE_PRIORS = {
    "laplace-conditional-hyper": bs.Laplace(lam_shape=3.0, lam_rate=2.0),
    "laplace-unconditional": bs.Laplace(scale=0.8, conditional=False),
    "gaussian-conditional-hyper": bs.Gaussian(scale_shape=3.0, scale_rate=2.0),
    "gaussian-unconditional": bs.Gaussian(scale=0.7, conditional=False),
    "horseshoe-regularized": bs.Horseshoe(slab_scale=1.0, slab_df=4.0),
}


def _test_functions(beta, sigma2, hyper):
    a = np.arctan(beta)
    vals = [*a, *(a**2), math.log(sigma2), math.atan(beta[0] * beta[1])]
    return np.array(vals + [math.log(h) for h in hyper])


def _state_hyper(state, prior):
    """Latent quantities compared in the Geweke test: the scales that are random
    under the prior (a fixed scale would give a constant, z = 0/0)."""
    if isinstance(state, L.LaplaceState):
        return ([state.lam2] if prior.has_hyperprior else []) + [state.t[0]]
    if isinstance(state, H.HorseshoeState):
        return [state.tau2, state.lam2[0]] + ([state.c2] if not math.isnan(state.c2) else [])
    return [state.scale2] if prior.has_hyperprior else []


def _prior_hyper(th, prior):
    if "tau2" in th:
        return [th["tau2"], th["lam2"][0]] + ([th["c2"]] if "c2" in th else [])
    if "t" in th:
        return ([th["lam2"]] if prior.has_hyperprior else []) + [th["t"][0]]
    return [th["scale2"]] if prior.has_hyperprior else []


def geweke_z(prior, n, p, m, seed, n_batches=50):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    rules = rules_for(prior)
    spec, module = rules.sampler_spec(prior, n, p), rules.sampler
    # marginal-conditional: independent draws from the prior
    mc = np.array(
        [
            _test_functions(th["beta"], th["sigma2"], _prior_hyper(th, prior))
            for th in (prior_draw(rng, prior, NOISE, n, p) for _ in range(m))
        ]
    )
    # successive-conditional: alternate a Gibbs sweep and fresh data
    th = prior_draw(rng, prior, NOISE, n, p)
    y = centred_y(rng, Z, th["beta"], th["sigma2"])
    state = module.init(rng, spec, LinearData.from_arrays(Z, y), noise)
    kernel = module.build_kernel(spec, noise)
    state = state._replace(beta=th["beta"], sigma2=th["sigma2"])
    sc = []
    for it in range(m + 500):
        state, _ = kernel(rng, state, LinearData.from_arrays(Z, y))
        y = centred_y(rng, Z, state.beta, state.sigma2)
        if it >= 500:
            sc.append(_test_functions(state.beta, state.sigma2, _state_hyper(state, prior)))
    sc = np.array(sc)
    se1 = mc.std(0, ddof=1) / np.sqrt(m)
    se2 = np.array([batch_means_se(sc[:, k], n_batches) for k in range(sc.shape[1])])
    return (mc.mean(0) - sc.mean(0)) / np.sqrt(se1**2 + se2**2)


# The plain horseshoe is not Geweke-tested: with its Cauchy-tailed local and
# global scales the successive-conditional chain over (theta, y) makes very
# long excursions and its batch-means standard error is unreliable. Runs of
# 8,000-60,000 sweeps gave max |z| between 1.8 and 9 with signs that change
# from seed to seed, and a big-slab regularized horseshoe (other code path,
# nearly the same prior) behaves the same way. The plain horseshoe is checked
# instead by each conditional against a grid (above), by agreement with the
# independent regularized code path on fixed data
# (test_plain_horseshoe_matches_big_slab_path) and by SBC (test_sbc_full).
def _geweke_params():
    for name in GEWEKE_PRIORS:
        for n, p, label in [(10, 3, "n>=p"), (4, 6, "p>n")]:
            # the regularized horseshoe's n >= p case takes 20 s: under slow
            slow = name.startswith("horseshoe") and n >= p
            yield pytest.param(name, n, p, id=f"{name}-{label}", marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("name, n, p", list(_geweke_params()))
def test_geweke(name, n, p):
    m = 8000
    z = geweke_z(GEWEKE_PRIORS[name], n, p, m=m, seed=zlib.crc32(f"{name}-{n}".encode()), n_batches=20)
    print(f"Geweke {name} n={n} p={p}: max|z| = {np.abs(z).max():.2f} over {z.size} functions")
    assert np.all(np.abs(z) < Z_MAX), np.round(z, 2)


@pytest.mark.parametrize("n, p", [pytest.param(10, 3, marks=pytest.mark.slow), (4, 6)], ids=["n>=p", "p>n"])
def test_plain_horseshoe_matches_big_slab_path(n, p):
    """Plain horseshoe (spectral tau update, infinite slab in the collapsed sweep) vs the regularized
    sampler with a slab so wide (c = 1e4) that the prior is the same to 1e-8:
    different code for every horseshoe-specific step, same posterior."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = Z @ np.r_[2.0, np.zeros(p - 2), -1.0] + rng.normal(size=n)
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    stats_ = {}
    for name, slab in [("plain", None), ("big-slab", 1e4)]:
        spec = H.HorseshoeSpec(tau0=0.5, slab_scale=slab, slab_df=4.0)
        outs = [run_chain("horseshoe", spec, noise, Z, y - y.mean(), draws=8_000, tune=500, seed=s) for s in (1, 2)]
        fs = {f"atan2_b{j}": np.stack([np.arctan(o["beta"][:, j]) ** 2 for o in outs]) for j in range(p)}
        fs["log_sigma2"] = np.stack([2 * np.log(o["sigma"]) for o in outs])
        fs["log_tau2"] = np.stack([2 * np.log(o["tau"]) for o in outs])
        stats_[name] = {k: (v.mean(), v.std() / np.sqrt(float(az.ess(v)))) for k, v in fs.items()}
    z = {
        k: (stats_["plain"][k][0] - stats_["big-slab"][k][0])
        / np.hypot(stats_["plain"][k][1], stats_["big-slab"][k][1])
        for k in stats_["plain"]
    }
    print("plain vs big slab z:", {k: round(v, 2) for k, v in z.items()})
    assert all(abs(v) < Z_MAX for v in z.values())


# --------------------------------------------------------------------- SBC (small)
def sbc_ranks(prior, n, p, reps, L, seed, thin=4, tune=150):
    """Talts et al. (2018) ranks of (beta_j, log sigma^2[, log tau^2]) among L thinned draws."""
    rng = np.random.default_rng(seed)
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    rules = rules_for(prior)
    spec = rules.sampler_spec(prior, n, p)
    ranks = []
    for _ in range(reps):
        Z = rng.normal(size=(n, p))
        Z -= Z.mean(0)
        th = prior_draw(rng, prior, NOISE, n, p)
        y = centred_y(rng, Z, th["beta"], th["sigma2"])
        out = run_chain(rules.name, spec, noise, Z, y, draws=L * thin, tune=tune, seed=rng.integers(2**32))
        draws = [out["beta"][::thin, j] for j in range(p)] + [2 * np.log(out["sigma"][::thin])]
        truth = list(th["beta"]) + [math.log(th["sigma2"])]
        if "tau" in out:
            draws.append(2 * np.log(out["tau"][::thin]))
            truth.append(math.log(th["tau2"]))
        ranks.append([int(np.sum(d < t)) for d, t in zip(draws, truth)])
    return np.array(ranks)


def _uniformity_pvalues(ranks, L, bins):
    edges = np.linspace(0, L + 1, bins + 1)
    return np.array([stats.chisquare(np.histogram(ranks[:, k], edges)[0]).pvalue for k in range(ranks.shape[1])])


@pytest.mark.parametrize(
    "prior",
    [bs.Laplace(lam=2.0), bs.Gaussian(scale=1.0), bs.Horseshoe(slab_scale=1.0)],
    ids=["laplace", "gaussian", "horseshoe"],
)
def test_sbc_small(prior):
    """60 replications (the full check is :func:`test_sbc_full`); the level is 1% over the
    scalars, so about one random stream in a hundred fails with a correct sampler. Each
    prior has its own stream, from its name: the shared seed 11 failed once for the
    horseshoe (p = 0.001 on beta_1) when the local update's random stream changed, while
    300 replications of seeds 11 and 12 gave p-values of 0.09 and above."""
    L, bins = 39, 5
    ranks = sbc_ranks(prior, n=8, p=3, reps=60, L=L, seed=zlib.crc32(type(prior).__name__.encode()))
    pv = _uniformity_pvalues(ranks, L, bins)
    print(f"SBC {prior}: chi-square p-values {np.round(pv, 3)}")
    assert np.all(pv > 0.01 / len(pv))


SBC_PRIORS = {
    "laplace-conditional": bs.Laplace(lam=2.0),
    "laplace-unconditional": bs.Laplace(scale=0.7, conditional=False),
    "laplace-hyper": bs.Laplace(lam_shape=3.0, lam_rate=2.0),
    "gaussian-conditional": bs.Gaussian(scale=1.0),
    "gaussian-unconditional-hyper": bs.Gaussian(conditional=False, scale_shape=3.0, scale_rate=2.0),
    "horseshoe-plain": bs.Horseshoe(expected_nonzero=1, slab_scale=None),
    "horseshoe-regularized": bs.Horseshoe(slab_scale=1.0),
}


@pytest.mark.slow
@pytest.mark.parametrize("n, p", [(10, 3), (5, 8)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("name", list(SBC_PRIORS))
def test_sbc_full(name, n, p):
    """>= 200 replications; chi-square uniformity of ranks, Bonferroni over scalars."""
    L, bins = 39, 8
    ranks = sbc_ranks(
        SBC_PRIORS[name], n=n, p=p, reps=240, L=L, seed=zlib.crc32(f"{name}{n}".encode()), thin=5, tune=200
    )
    pv = _uniformity_pvalues(ranks, L, bins)
    print(f"SBC {name} n={n} p={p}: min p-value {pv.min():.4f} over {pv.size} scalars")
    assert np.all(pv > 0.01 / len(pv))


# --------------------------------------------------------------------- vs NUTS
def _agree(gibbs_res, nuts_res, names):
    for name in names:
        pg, pn = gibbs_res.idata.posterior[name], nuts_res.idata.posterior[name]
        mg, mn = az.mcse(gibbs_res.idata.posterior[[name]])[name], az.mcse(nuts_res.idata.posterior[[name]])[name]
        diff = (pg.mean(("chain", "draw")) - pn.mean(("chain", "draw"))).values
        se = np.hypot(mg.values, mn.values)
        z = diff / se
        print(f"{name}: max |z| Gibbs vs NUTS = {np.abs(z).max():.2f}")
        assert np.all(np.abs(z) < Z_MAX), (name, np.round(z, 2))
        np.testing.assert_allclose(pg.std(("chain", "draw")).values, pn.std(("chain", "draw")).values, rtol=0.10)


@pytest.mark.slow  # 25 s; Laplace Gibbs vs NUTS stays in the default suite below (IG noise prior)
def test_bayesian_lasso_diabetes_matches_nuts(diabetes):
    X, y = diabetes
    kw = dict(chains=2, random_seed=3, progressbar=False)
    nuts = bs.fit(X, y, bs.Laplace(), sampler="nuts", draws=1500, tune=1000, **kw)
    gibbs = bs.fit(X, y, bs.Laplace(), sampler="gibbs", draws=6000, tune=500, **kw)
    assert gibbs.sampler == "gibbs" and nuts.sampler == "nuts"
    _agree(gibbs, nuts, ["beta", "intercept", "sigma", "lam"])


@pytest.mark.slow  # 140 s (NUTS at target_accept 0.99); the default suite has the horseshoe's SBC and Geweke
def test_small_regularized_horseshoe_matches_nuts():
    X, y, _ = bs.datasets.make_sparse_regression(40, 6, 2, correlation=0.3, noise=1.0, random_state=4)
    prior = bs.Horseshoe(expected_nonzero=2, slab_scale=2.0)
    kw = dict(chains=2, random_seed=8, progressbar=False)
    nuts = bs.fit(X, y, prior, sampler="nuts", draws=2500, tune=1500, target_accept=0.99, **kw)
    assert nuts.diagnostics["divergences"].value <= 5
    gibbs = bs.fit(X, y, prior, sampler="gibbs", draws=15000, tune=1000, **kw)
    _agree(gibbs, nuts, ["beta", "sigma"])


@pytest.mark.parametrize("prior", [bs.Laplace(lam=2.0), bs.Gaussian(scale=0.5)], ids=["laplace", "gaussian"])
def test_inverse_gamma_noise_prior_matches_nuts(prior):
    """sigma**2 ~ InverseGamma(3, 2) (bs.NoiseVariance): Gibbs and NUTS give the same
    posterior of beta and sigma, and the report names the noise prior."""
    from bayes_sparse.report import render_report

    X, y, _ = bs.datasets.make_sparse_regression(40, 5, 2, correlation=0.3, noise=1.0, random_state=6)
    kw = dict(chains=2, random_seed=4, progressbar=False, sigma=bs.NoiseVariance(3.0, 2.0))
    nuts = bs.fit(X, y, prior, sampler="nuts", draws=2000, tune=1000, **kw)
    gibbs = bs.fit(X, y, prior, sampler="gibbs", draws=6000, tune=500, **kw)
    _agree(gibbs, nuts, ["beta", "sigma", "intercept"])
    html = render_report(gibbs, compare=False)
    assert "sigma^2 ~ InverseGamma(shape=3, rate=2)" in html and "Jeffreys" not in html


# --------------------------------------------------------------------- layout, seeds
@pytest.fixture(scope="module")
def wide_problem():
    X, y, coef = bs.datasets.make_sparse_regression(30, 60, 3, random_state=9, as_frame=True)
    return X, y


def test_layout_matches_nuts_and_tools_work(wide_problem):
    X, y = wide_problem
    res = bs.fit(
        X,
        y,
        bs.Horseshoe(expected_nonzero=3),
        sampler="auto",
        draws=300,
        tune=100,
        chains=2,
        random_seed=1,
        progressbar=False,
    )
    assert res.sampler == "gibbs"
    idata = res.idata
    for group in ("posterior", "log_likelihood", "observed_data", "sample_stats"):
        assert group in idata.groups()
    post = idata.posterior
    assert post["beta"].dims == ("chain", "draw", "feature")
    assert list(post["beta"]["feature"].values) == list(X.columns)
    assert post["local_scale"].dims == ("chain", "draw", "feature")
    for name in ("intercept", "sigma", "tau", "c2", "beta_std"):
        assert name in post
    assert idata.log_likelihood["y"].shape == (2, 300, 30)
    np.testing.assert_allclose(post["beta_std"].values, post["beta"].values * X.std(ddof=0).to_numpy())
    assert "r_hat" in res.summary().columns
    assert res.predict(X.iloc[:3]).shape == (3,)
    # log-likelihood equals the Gaussian density at the stored draws
    mu = post["intercept"].values[..., None] + post["beta"].values @ X.to_numpy().T
    ll = stats.norm.logpdf(y.to_numpy(), mu, post["sigma"].values[..., None])
    np.testing.assert_allclose(idata.log_likelihood["y"].values, ll, rtol=1e-9)


@pytest.mark.parametrize("shape", [(40, 5), (15, 40)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize(
    "prior", [bs.Laplace(), bs.Gaussian(), bs.Horseshoe()], ids=["laplace", "gaussian", "horseshoe"]
)
def test_seeds_reproduce_and_cores_do_not_matter(shape, prior):
    X, y, _ = bs.datasets.make_sparse_regression(*shape, 2, random_state=0)
    kw = dict(sampler="gibbs", draws=40, tune=10, chains=2, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        a = bs.fit(X, y, prior, random_seed=5, cores=2, **kw)
        b = bs.fit(X, y, prior, random_seed=5, cores=1, **kw)
        c = bs.fit(X, y, prior, random_seed=6, cores=1, **kw)
    np.testing.assert_array_equal(a.draws("beta"), b.draws("beta"))
    np.testing.assert_array_equal(a.draws("sigma"), b.draws("sigma"))
    assert not np.array_equal(a.draws("beta"), c.draws("beta"))


@pytest.mark.parametrize("prior", [bs.Laplace(), bs.Horseshoe()], ids=["laplace", "horseshoe"])
def test_thinned_chain_is_a_subsequence(prior):
    """thin=k keeps iterations tune + k - 1, tune + 2k - 1, ... of the same chain."""
    X, y, _ = bs.datasets.make_sparse_regression(15, 30, 2, random_state=0)
    kw = dict(sampler="gibbs", tune=30, chains=1, random_seed=9, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        full = bs.fit(X, y, prior, draws=24, **kw)
        thinned = bs.fit(X, y, prior, draws=8, thin=3, **kw)
    assert thinned.idata.posterior.sizes["draw"] == 8
    np.testing.assert_array_equal(thinned.draws("beta"), full.draws("beta")[2::3])
    np.testing.assert_array_equal(thinned.draws("sigma"), full.draws("sigma")[2::3])
    assert thinned.idata.log_likelihood["y"].shape == (1, 8, 15)


@pytest.mark.parametrize("cores", [1, 2])
def test_progress_bar(capsys, cores):
    X, y, _ = bs.datasets.make_sparse_regression(30, 4, 2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        res = bs.fit(
            X,
            y,
            bs.Laplace(),
            sampler="gibbs",
            draws=50,
            tune=10,
            chains=2,
            cores=cores,
            random_seed=0,
            progressbar=True,
        )
    assert res.idata.posterior["beta"].shape == (2, 50, 4)
    assert "Gibbs chain" in capsys.readouterr().out


def test_laplace_scale_mixture_marginal():
    """The normal scale mixture that the Laplace Gibbs block and the Geweke reference use,
    t ~ Exp(rate lam^2 / 2), beta | t ~ N(0, t), has the Laplace(scale 1/lam) marginal."""
    rng = np.random.default_rng(21)
    prior = bs.Laplace(scale=0.7, conditional=False)
    beta = prior_draw(rng, prior, NOISE, n=5, p=40_000)["beta"]
    assert stats.kstest(beta, stats.laplace(scale=0.7).cdf).pvalue > 1e-3
