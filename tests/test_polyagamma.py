"""Polya-Gamma Gibbs for binary outcomes (family="bernoulli", issue 12).

A sweep is ``pseudo = family.augment(...)`` (omega ~ PG(1, eta), weighted pseudo-data with the
flat-prior intercept b0 integrated out) -> the prior's kernel on the pseudo-data with sigma = 1
-> ``family.update(...)`` (b0 | beta, omega). Tested here:

* each conditional against a brute-force reference: the pseudo-data against the joint Gaussian
  over (b0, beta) integrated over b0 by dense linear algebra (n >= p and p > n); b0 | beta, omega
  against a grid of the augmented likelihood; the PG(1, z) draws against the exact density (our
  own alternating-series implementation, not the package's) and the identities
  E[omega] = tanh(z/2) / (2z), E_PG(1,0)[exp(-omega eta^2 / 2)] = 1 / cosh(eta / 2); the whole
  sampler on a p = 1 logistic model against a 2-D grid over (b0, beta);
* Geweke's joint-distribution test and simulation-based calibration for each prior's sampler
  (small in the default suite, long / >= 200 replications under ``slow``);
* agreement with PyMC's NUTS on the same model, and the chain mechanics (pieces, thinning,
  seeds, InferenceData layout).

Geweke and SBC need a proper prior on every parameter, and the library's intercept has a flat
prior. They use :class:`ProperInterceptBernoulli`, a test-only family with b0 ~ N(0, B0_SD^2).
A proper Gaussian prior on b0 is exactly one more Gaussian pseudo-observation of b0: a row of
zeros in the design, pseudo-response 0 (so kappa = w z = 0) and precision 1 / B0_SD^2. The
subclass appends that row to the arguments of the library's own ``weighted_centred`` (inside the
library's own ``augment``), so the same code integrates b0 out for the beta block and draws
b0 | beta, omega from its conditional (precision sum(omega) + 1 / B0_SD^2) in ``update``.
Changing only ``update`` would not do: the beta block would still integrate b0 out under a flat
prior, and the sweep would leave a mixture of the two models invariant. The sweep's joint MH
move of (b0, beta_A) (:mod:`bayes_sparse.samplers._active_block`) reads the intercept prior from
``intercept_prior_precision``, which the subclass sets to 1 / B0_SD^2.
"""

import functools
import math
import warnings
import zlib
from contextlib import contextmanager
from unittest import mock

import arviz as az
import numpy as np
import pytest
from polyagamma import random_polyagamma
from scipy import integrate, special, stats

import bayes_sparse as bs
from bayes_sparse.families import BernoulliFamily
from bayes_sparse.samplers import _gaussian_draw as GD
from bayes_sparse.samplers import run_chain
from bayes_sparse.samplers.chain import (
    ChainCarry,
    ChainProblem,
    advance_chain,
    empty_outputs,
    finish_chain,
    start_chain,
)
from bayes_sparse.samplers.horseshoe import HorseshoeState
from bayes_sparse.samplers.laplace import LaplaceState
from bayes_sparse.spec import NoiseSpec, rules_for

from .gibbs_reference import Z_MAX, batch_means_se, check_against_grid, iid_se

NOISE = NoiseSpec(fixed=1.0)  # what ModelSpec.build gives every Bernoulli model
B0_SD = 1.5  # the test-only proper prior b0 ~ N(0, B0_SD^2) of Geweke and SBC


# --------------------------------------------------------------------- helpers
class ProperInterceptBernoulli(BernoulliFamily):
    """BernoulliFamily with b0 ~ N(0, sd^2) instead of a flat prior (module docstring)."""

    def __init__(self, sd):
        self.sd = float(sd)
        self.intercept_prior_precision = 1.0 / self.sd**2  # for the (b0, beta_A) MH move (_active_block)

    def augment(self, rng, data, carry, beta, eta=None):
        original = GD.weighted_centred
        prior_precision = 1.0 / self.sd**2

        def with_prior_row(Z, ZT, wz, w, **kw):
            p = Z.shape[1]
            return original(
                np.vstack([Z, np.zeros((1, p))]),
                np.ascontiguousarray(np.hstack([ZT, np.zeros((p, 1))])),
                np.append(wz, 0.0),
                np.append(w, prior_precision),
                **kw,
            )

        with mock.patch.object(GD, "weighted_centred", with_prior_row):
            pseudo = super().augment(rng, data, carry, beta, eta)
        assert pseudo.n == data.n + 1, "BernoulliFamily.augment no longer calls _gaussian_draw.weighted_centred"
        return pseudo


@contextmanager
def captured_weights():
    """Record the (Z, wz, w) that ``augment`` hands to ``weighted_centred``."""
    calls = []
    original = GD.weighted_centred

    def spy(Z, ZT, wz, w, **kw):
        calls.append((np.array(Z), np.array(wz), np.array(w)))
        return original(Z, ZT, wz, w, **kw)

    with mock.patch.object(GD, "weighted_centred", spy):
        yield calls


def centred_design(rng, n, p):
    Z = rng.normal(size=(n, p))
    return Z - Z.mean(0)


def draw_y(rng, Z, b0, beta):
    return (rng.random(Z.shape[0]) < special.expit(b0 + Z @ beta)).astype(float)


def draw_enet(rng, lam1, lam2, size):
    """Direct draws from p(b) ∝ exp{-(lam1 |b| + lam2 b^2) / 2} (sigma = 1): |b| is N(mu, 1 / lam2),
    mu = -lam1 / (2 lam2), truncated to (0, inf) (by inversion of the upper tail), with a random sign."""
    mu, sd = -lam1 / (2 * lam2), 1.0 / math.sqrt(lam2)
    mag = mu - sd * special.ndtri(rng.random(size) * special.ndtr(mu / sd))
    return mag * rng.choice([-1.0, 1.0], size=size)


def prior_draw(rng, prior, spec, p):
    """(b0, beta, latent scales) from the prior with sigma = 1 and b0 ~ N(0, B0_SD^2), written from the
    model definitions (DESIGN.md, "Bernoulli conventions")."""
    th = {"b0": B0_SD * rng.standard_normal()}
    if isinstance(prior, bs.Laplace):
        lam2 = prior.rate**2 if not prior.has_hyperprior else rng.gamma(prior.lam_shape, 1 / prior.lam_rate)
        t = rng.exponential(2.0 / lam2, size=p)  # the normal scale mixture (marginal tested in test_gibbs)
        th.update(beta=np.sqrt(t) * rng.standard_normal(p), t=t, lam2=lam2)
    elif isinstance(prior, bs.Gaussian):
        s2 = (
            prior.scale**2
            if not prior.has_hyperprior
            else stats.invgamma.rvs(prior.scale_shape, scale=prior.scale_rate, random_state=rng)
        )
        th.update(beta=math.sqrt(s2) * rng.standard_normal(p), scale2=s2)
    elif isinstance(prior, bs.ElasticNet):
        lam1 = prior.lam1 if prior.lam1 is not None else rng.gamma(prior.lam1_shape, 1 / prior.lam1_rate)
        lam2 = prior.lam2 if prior.lam2 is not None else rng.gamma(prior.lam2_shape, 1 / prior.lam2_rate)
        th.update(beta=draw_enet(rng, lam1, lam2, p), lam1=lam1, lam2=lam2)
    else:
        tau2 = (spec.tau0 * rng.standard_cauchy()) ** 2
        lam2 = rng.standard_cauchy(size=p) ** 2
        if spec.regularized:
            c2 = stats.invgamma.rvs(spec.slab_df / 2, scale=spec.slab_df * spec.slab_scale**2 / 2, random_state=rng)
            lt2 = c2 * lam2 / (c2 + tau2 * lam2)
            th["c2"] = c2
        else:
            lt2 = lam2
        th.update(beta=np.sqrt(tau2 * lt2) * rng.standard_normal(p), tau2=tau2, lam2=lam2)
    return th


def sampler_start(state, prior, th):
    """The sampler's state with the prior draw's values."""
    state = state._replace(beta=th["beta"].copy())
    if isinstance(state, LaplaceState):
        return state._replace(t=th["t"].copy(), lam2=float(th["lam2"]))
    if isinstance(state, HorseshoeState):
        return state._replace(lam2=th["lam2"].copy(), tau2=float(th["tau2"]), c2=float(th.get("c2", math.nan)))
    if isinstance(prior, bs.ElasticNet):
        return state._replace(lam1=float(th["lam1"]), lam2=float(th["lam2"]))
    return state._replace(scale2=float(th["scale2"]))


def latent(prior, source):
    """The prior's random scales compared in Geweke (from a prior draw or a sampler state)."""
    get = (lambda k: source[k]) if isinstance(source, dict) else (lambda k: getattr(source, k))
    if isinstance(prior, bs.Laplace):
        return [get("t")[0]] + ([get("lam2")] if prior.has_hyperprior else [])
    if isinstance(prior, bs.Gaussian):
        return [get("scale2")] if prior.has_hyperprior else []
    if isinstance(prior, bs.ElasticNet):
        return ([get("lam1")] if prior.lam1 is None else []) + ([get("lam2")] if prior.lam2 is None else [])
    return [get("tau2"), get("lam2")[0]] + ([get("c2")] if prior.regularized else [])


def geweke_functions(b0, beta, y, hyper):
    a = np.arctan(beta)
    vals = [*a, *(a**2), math.atan(beta[0] * beta[1]), b0, b0 * b0, y.mean(), y[0] * y[1]]
    return np.array(vals + [math.log(h) for h in hyper])


def ess_se(x):
    """Monte Carlo standard error of a mean from the ESS (x: (chains, draws))."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    return float(np.std(x) / math.sqrt(float(az.ess(x))))


def test_elastic_net_simulator_draws_the_prior():
    """The direct simulator of Geweke and SBC against the library's elastic net density (sigma = 1)."""
    rng = np.random.default_rng(0)
    grid = np.linspace(-15, 15, 300_001)
    for lam1, lam2 in [(2.0, 1.0), (0.5, 3.0), (20.0, 0.5)]:
        dens = np.exp(bs.ElasticNet(lam1=lam1, lam2=lam2).logpdf(grid, sigma=1.0))
        cdf = integrate.cumulative_trapezoid(dens, grid, initial=0.0)
        assert stats.kstest(draw_enet(rng, lam1, lam2, 20_000), lambda q, c=cdf: np.interp(q, grid, c)).pvalue > 1e-3


# --------------------------------------------------------------------- (a) the pseudo-data
def _joint_reference(Z, wz, w, g):
    """Brute force: theta = (b0, beta), likelihood exp(-1/2 (z - X theta)' W (z - X theta)) with
    X = [1, Z], W z = wz; prior flat on b0, N(0, diag(g)) on beta. Returns the precision Q and
    the mean of theta, and log of the integral over theta up to a constant free of g."""
    X = np.column_stack([np.ones(len(w)), Z])
    Q = X.T @ (w[:, None] * X) + np.diag(np.r_[0.0, 1.0 / g])
    b = X.T @ wz
    mean = np.linalg.solve(Q, b)
    log_marg = 0.5 * b @ mean - 0.5 * np.linalg.slogdet(Q)[1] - 0.5 * np.sum(np.log(g))
    return Q, mean, log_marg


@pytest.mark.parametrize("n, p", [(12, 4), (5, 9)], ids=["n>=p", "p>n"])
def test_weighted_centred_is_the_intercept_integrated_likelihood(n, p):
    """beta | w from the pseudo-data (Phi, a) equals the (b0, beta) joint Gaussian marginalised over b0;
    the beta-integrated marginal (what the horseshoe's tau update uses) has the same dependence on the
    prior variances; b0 | beta has the joint's conditional mean and variance; and (beta, b0) drawn as
    the sweep draws them is the joint Gaussian."""
    rng = np.random.default_rng(100 + n)
    Z = rng.normal(size=(n, p)) + 0.7  # any design: the identity needs no centring
    w = np.exp(rng.normal(-1.5, 1.0, size=n))  # PG(1, eta) weights range about 0.01 to 0.25
    w[0] = 1e-5
    wz = rng.choice([-0.5, 0.5], size=n)  # kappa = y - 1/2
    g = np.exp(rng.normal(size=p))
    pd = GD.weighted_centred(Z, np.ascontiguousarray(Z.T), wz, w)
    Q, mean, _ = _joint_reference(Z, wz, w, g)
    cov = np.linalg.inv(Q)

    # the LinearData fields are those of (Phi, a); Phi and a are orthogonal to sqrt(w)
    Phi, a = pd.Z, pd.yc
    np.testing.assert_array_equal(pd.ZT, Phi.T)
    np.testing.assert_allclose(pd.Zty, Phi.T @ a, rtol=1e-12, atol=1e-14)
    assert pd.yty == pytest.approx(a @ a, rel=1e-12)
    np.testing.assert_allclose(pd.col_norm2, (Phi * Phi).sum(0), rtol=1e-12)
    assert pd.wide == (p > n)
    if n >= p:
        np.testing.assert_allclose(pd.ZtZ, Phi.T @ Phi, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.sqrt(w) @ Phi, 0.0, atol=1e-12)
    assert np.sqrt(w) @ a == pytest.approx(0.0, abs=1e-12)
    assert pd.sum_w == pytest.approx(w.sum(), rel=1e-14) and pd.sum_wz == pytest.approx(wz.sum(), rel=1e-14)

    # beta | w: N(S Phi'a, S), S = (Phi'Phi + diag(1/g))^-1  vs  the joint's beta block
    S = np.linalg.inv(Phi.T @ Phi + np.diag(1.0 / g))
    np.testing.assert_allclose(S, cov[1:, 1:], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(S @ Phi.T @ a, mean[1:], rtol=1e-9, atol=1e-12)
    factor = GD.factorize(pd, g)
    np.testing.assert_allclose(factor.mean_beta(), mean[1:], rtol=1e-9, atol=1e-12)

    # the beta-integrated marginal as a function of g: -logdet/2 - quad/2 (sigma = 1)
    g2 = g * np.exp(rng.normal(size=p))
    f2 = GD.factorize(pd, g2)
    ours = (-0.5 * factor.logdet - 0.5 * factor.quad) - (-0.5 * f2.logdet - 0.5 * f2.quad)
    ref = _joint_reference(Z, wz, w, g)[2] - _joint_reference(Z, wz, w, g2)[2]
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-10)

    # b0 | beta: mean (b - Q[0, 1:] beta) / Q[0, 0], variance 1 / Q[0, 0] (deterministic "normal draws")
    beta = rng.normal(size=p)
    cond_mean = (np.r_[wz.sum()] - Q[0, 1:] @ beta)[0] / Q[0, 0]

    class Fixed:
        def __init__(self, value):
            self.value = value

        def standard_normal(self):
            return self.value

    assert pd.draw_intercept(Fixed(0.0), beta) == pytest.approx(cond_mean, rel=1e-10, abs=1e-12)
    sd = pd.draw_intercept(Fixed(1.0), beta) - pd.draw_intercept(Fixed(0.0), beta)
    assert sd == pytest.approx(1.0 / math.sqrt(Q[0, 0]), rel=1e-10)

    # (beta, b0) as one sweep draws them: whitened by the joint's Cholesky factor, N(0, I)
    m = 20_000
    draws = np.empty((m, p + 1))
    for i in range(m):
        b = factor.draw_beta(rng, 1.0)
        draws[i] = np.r_[pd.draw_intercept(rng, b), b]
    white = np.linalg.solve(np.linalg.cholesky(cov), (draws - mean).T).T
    z_mean = white.mean(0) / (white.std(0, ddof=1) / math.sqrt(m))
    prods = np.einsum("ij,ik->ijk", white, white).reshape(m, -1) - np.eye(p + 1).ravel()
    z_cov = prods.mean(0) / (prods.std(0, ddof=1) / math.sqrt(m))
    print(f"joint (beta, b0) draw n={n} p={p}: max|z| mean {np.abs(z_mean).max():.2f}, cov {np.abs(z_cov).max():.2f}")
    assert np.all(np.abs(z_mean) < Z_MAX) and np.all(np.abs(z_cov) < Z_MAX)


# --------------------------------------------------------------------- (b) b0 | beta, omega
@pytest.mark.parametrize(
    "family", [BernoulliFamily(), ProperInterceptBernoulli(0.7)], ids=["flat-intercept", "test-proper-intercept"]
)
def test_intercept_conditional_matches_grid(family):
    """b0 | beta, omega from ``family.update`` against a grid of the augmented likelihood
    prod_i exp(kappa_i eta_i - omega_i eta_i^2 / 2), eta = b0 + Z beta, times the prior of b0
    (flat, or N(0, 0.7^2) for the test-only family: its extra pseudo-row)."""
    rng = np.random.default_rng(7)
    n, p = 15, 3
    Z = centred_design(rng, n, p)
    beta = np.array([0.8, -0.3, 0.0])
    y = draw_y(rng, Z, 0.5, beta)
    data = GD.LinearData.from_arrays(Z, y)
    with captured_weights() as calls:
        pseudo = family.augment(rng, data, 0.5, beta)
    (_, kappa, omega), *_ = calls
    np.testing.assert_array_equal(kappa[:n], y - 0.5)
    eta_rest = Z @ beta
    prior_sd = getattr(family, "sd", None)

    def logf(b0):
        eta = b0[:, None] + eta_rest
        ll = (kappa[:n] * eta - 0.5 * omega[:n] * eta**2).sum(1)
        return ll if prior_sd is None else ll + stats.norm.logpdf(b0, 0.0, prior_sd)

    draws = np.array([family.update(rng, pseudo, 0.5, beta) for _ in range(20_000)])
    check_against_grid(draws, logf, np.linspace(-6, 7, 40_001), iid_se)


# --------------------------------------------------------------------- (c) the PG step
def pg1_density(x, z):
    """Exact PG(1, z) density (Polson, Scott & Windle 2013): the exponentially tilted PG(1, 0),
    cosh(z/2) exp(-z^2 x / 2) f(x | 1, 0), with f(x | 1, 0) = 4 f_J*(4x) by Devroye's two
    alternating series for J*(1): sum_k (-1)^k (2k+1) / sqrt(2 pi x^3) exp(-(2k+1)^2 / (8x))
    (used for x < 1/4) and 4 pi sum_k (-1)^k (k + 1/2) exp(-2 (k + 1/2)^2 pi^2 x) (x >= 1/4)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    k = np.arange(20)[:, None]
    sign = (-1.0) ** k
    xs = np.maximum(x, 1e-3)  # below, the density is < exp(-120)
    small = (sign * (2 * k + 1) * np.exp(-((2 * k + 1) ** 2) / (8 * xs))).sum(0) / np.sqrt(2 * np.pi * xs**3)
    large = 4 * np.pi * (sign * (k + 0.5) * np.exp(-2 * (k + 0.5) ** 2 * np.pi**2 * x)).sum(0)
    f0 = np.where(x < 0.25, small, large)
    return np.where(x >= 1e-3, f0 * np.cosh(z / 2) * np.exp(-(z**2) * x / 2), 0.0)


def pg1_mean_var(z):
    """E and Var of PG(1, z): tanh(z/2) / (2z) and (sinh z - z) / (4 z^3 cosh^2(z/2)) (1/4, 1/24 at 0)."""
    if abs(z) < 1e-6:
        return 0.25, 1.0 / 24
    return math.tanh(z / 2) / (2 * z), (math.sinh(z) - z) / (4 * z**3 * math.cosh(z / 2) ** 2)


_PG_GRID = np.linspace(0.0, 8.0, 80_001)  # mass beyond 8: < exp(-pi^2/2 * 8) ~ 1e-17


@functools.lru_cache(maxsize=16)
def _pg1_cdf_table(z):
    return integrate.cumulative_simpson(pg1_density(_PG_GRID, z), x=_PG_GRID, initial=0.0)


def pg1_cdf(z):
    table = _pg1_cdf_table(float(z))
    return lambda q: np.interp(q, _PG_GRID, table)


def test_pg_reference_density():
    """Our series density: both series agree where they overlap, it integrates to 1, its moments are
    the closed forms, and its Laplace transform at z = 0 is 1 / cosh(sqrt(t / 2)); the package's own
    series CDF agrees (a cross-check, not the reference)."""
    from polyagamma import polyagamma_cdf

    x = np.linspace(0.05, 2.0, 40)
    k = np.arange(20)[:, None]
    small = ((-1.0) ** k * (2 * k + 1) * np.exp(-((2 * k + 1) ** 2) / (8 * x))).sum(0) / np.sqrt(2 * np.pi * x**3)
    large = 4 * np.pi * ((-1.0) ** k * (k + 0.5) * np.exp(-2 * (k + 0.5) ** 2 * np.pi**2 * x)).sum(0)
    np.testing.assert_allclose(small, large, rtol=1e-10)
    for z in (0.0, 0.5, 2.5, 10.0):
        f = pg1_density(_PG_GRID, z)
        mean, var = pg1_mean_var(z)
        assert np.trapezoid(f, _PG_GRID) == pytest.approx(1.0, rel=1e-8)
        assert np.trapezoid(_PG_GRID * f, _PG_GRID) == pytest.approx(mean, rel=1e-7)
        assert np.trapezoid((_PG_GRID - mean) ** 2 * f, _PG_GRID) == pytest.approx(var, rel=1e-6)
        q = np.array([0.5, 1.0, 1.5]) * mean
        np.testing.assert_allclose(pg1_cdf(z)(q), polyagamma_cdf(q, h=1, z=z), atol=1e-6)
    f0 = pg1_density(_PG_GRID, 0.0)
    for t in (0.3, 2.0, 12.5):
        lt = np.trapezoid(np.exp(-t * _PG_GRID) * f0, _PG_GRID)
        assert lt == pytest.approx(1.0 / math.cosh(math.sqrt(t / 2)), rel=1e-8)


@pytest.mark.parametrize("z", [0.0, 0.5, 2.5, 10.0])
def test_polyagamma_draws_match_exact_density(z):
    """The package's PG(1, z) draws (numpy Generator API, as augment calls it): KS against the exact
    CDF, mean and variance z-scores against the closed forms."""
    rng = np.random.default_rng(int(10 * z) + 1)
    x = random_polyagamma(1.0, np.full(40_000, z), random_state=rng)
    ks = stats.kstest(x, pg1_cdf(z))
    mean, var = pg1_mean_var(z)
    z_mean = (x.mean() - mean) / iid_se(x)
    d2 = (x - mean) ** 2
    z_var = (d2.mean() - var) / iid_se(d2)
    print(f"PG(1, {z}): KS p = {ks.pvalue:.3f}, z(mean) = {z_mean:.2f}, z(var) = {z_var:.2f}")
    assert ks.pvalue > 1e-3 and abs(z_mean) < Z_MAX and abs(z_var) < Z_MAX


def test_pg_augmentation_identity():
    """What makes the augmentation exact: e^{y eta} / (1 + e^eta) = e^{kappa eta} E[exp(-omega eta^2/2)] / 2
    with omega ~ PG(1, 0), i.e. E[exp(-omega eta^2 / 2)] = 1 / cosh(eta / 2); Monte Carlo with the draws."""
    rng = np.random.default_rng(3)
    omega = random_polyagamma(1.0, np.zeros(100_000), random_state=rng)
    for eta in (-3.0, -0.4, 1.0, 2.5):
        v = np.exp(-omega * eta**2 / 2)
        exact = 1.0 / math.cosh(eta / 2)
        assert abs(v.mean() - exact) < Z_MAX * iid_se(v), eta
        for y in (0.0, 1.0):
            assert math.exp((y - 0.5) * eta) * exact / 2 == pytest.approx(special.expit(eta if y else -eta), rel=1e-12)


def test_augment_draws_omega_given_eta():
    """augment draws omega_i ~ PG(1, eta_i), eta = b0 + Z beta, and passes kappa = y - 1/2 with them
    to weighted_centred (its result is what augment returns): KS of each omega_i against PG(1, eta_i)."""
    rng = np.random.default_rng(4)
    n, p = 4, 2
    Z = centred_design(rng, n, p) * 2.0
    y = np.array([1.0, 0.0, 0.0, 1.0])
    data = GD.LinearData.from_arrays(Z, y)
    b0, beta = -0.4, np.array([1.3, -0.6])
    eta = b0 + Z @ beta
    family = BernoulliFamily()
    with captured_weights() as calls:
        pseudos = [family.augment(rng, data, b0, beta) for _ in range(5_000)]
    omegas = np.array([c[2] for c in calls])
    for (Zc, kappa, w), pd in zip(calls[:3], pseudos[:3]):
        np.testing.assert_array_equal(Zc, Z)
        np.testing.assert_array_equal(kappa, y - 0.5)
        assert pd.sum_w == pytest.approx(w.sum(), rel=1e-14)
    pv = [stats.kstest(omegas[:, i], pg1_cdf(eta[i])).pvalue for i in range(n)]
    print(f"augment: eta = {np.round(eta, 2)}, KS p-values {np.round(pv, 3)}")
    assert min(pv) > 1e-3 / n


# --------------------------------------------------------------------- (d) the whole sampler, p = 1
def horseshoe_p1_log_prior(b, tau0=1.0):
    """log p(beta) of the plain horseshoe at p = 1: beta ~ N(0, s^2) with s = tau lam the product of
    half-Cauchys C+(0, tau0) and C+(0, 1), whose density is (4 / pi^2) log(r) / (r^2 - 1) / tau0 at
    r = s / tau0; integrated over log s by quadrature (log-singular at beta = 0)."""
    u = np.linspace(-20.0, 16.0, 3601)
    r = np.exp(u) / tau0
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.where(np.abs(r - 1) < 1e-6, 0.5, np.log(r) / (r * r - 1))
    weight = 4 / np.pi**2 * g * r  # density of u = log s
    dens = stats.norm.pdf(np.asarray(b)[:, None], 0.0, np.exp(u)) * weight
    return np.log(np.trapezoid(dens, u, axis=1))


GRID_PRIORS = {
    "laplace": (bs.Laplace(lam=1.5), lambda b: -1.5 * np.abs(b)),
    "gaussian": (bs.Gaussian(scale=0.8), lambda b: -0.5 * (b / 0.8) ** 2),
    "elasticnet": (bs.ElasticNet(lam1=2.0, lam2=1.0), lambda b: -(2.0 * np.abs(b) + 1.0 * b * b) / 2),
    "horseshoe-plain": (bs.Horseshoe(slab_scale=None), horseshoe_p1_log_prior),  # tau0 = 1 (no expected_nonzero)
}


def test_horseshoe_p1_prior_reference():
    """The quadrature prior of beta above against direct simulation (and it integrates to 1)."""
    rng = np.random.default_rng(5)
    beta = np.abs(rng.standard_cauchy(100_000) * rng.standard_cauchy(100_000)) * rng.standard_normal(100_000)
    grid = np.r_[-np.logspace(3, -8, 1500), np.logspace(-8, 3, 1500)]
    dens = np.exp(horseshoe_p1_log_prior(grid))
    cdf = integrate.cumulative_trapezoid(dens, grid, initial=0.0)
    # mass beyond |beta| = 1000 (heavy tails, about 2.6e-3) against the simulated fraction
    tail, frac = 1.0 - cdf[-1], np.mean(np.abs(beta) > 1000)
    assert abs(frac - tail) < Z_MAX * math.sqrt(tail / beta.size), (frac, tail)
    inside = np.abs(beta) < 50
    ref = lambda q: (
        (np.interp(q, grid, cdf) - np.interp(-50, grid, cdf))
        / (  # noqa: E731
            np.interp(50, grid, cdf) - np.interp(-50, grid, cdf)
        )
    )
    assert stats.kstest(beta[inside], ref).pvalue > 1e-3


@pytest.mark.parametrize("name", list(GRID_PRIORS))
def test_gibbs_matches_logistic_posterior_grid(name):
    """The whole PG-Gibbs sampler (flat b0, the library's family) on a p = 1 logistic model: posterior
    mean, variance and CDF at the exact quartiles of b0 and beta against a 2-D grid over (b0, beta)
    of prod_i Bernoulli(y_i | expit(b0 + z_i beta)) p(beta); |z| < 4 with ESS-based standard errors."""
    prior, log_prior = GRID_PRIORS[name]
    rng = np.random.default_rng(21)
    n = 40
    x = rng.normal(size=n)
    y = draw_y(rng, x[:, None], 0.4, np.array([1.0]))
    z = x - x.mean()
    spec = rules_for(prior).sampler_spec(prior, n, 1, "bernoulli")
    outs = [
        run_chain(rules_for(prior).name, spec, NOISE, z[:, None], y, 2_500, 300, seed, likelihood=BernoulliFamily())
        for seed in (1, 2)
    ]
    draws = {
        "b0": np.stack([o["intercept_c"] + y.mean() for o in outs]),
        "beta": np.stack([o["beta"][:, 0] for o in outs]),
    }
    # beta grid: uniform, plus points geometrically close to 0 for the horseshoe's log singularity
    g0 = np.linspace(-5.0, 6.0, 551)
    g1 = np.unique(np.r_[np.linspace(-5.0, 7.0, 600), -np.logspace(-8, -1.5, 150), np.logspace(-8, -1.5, 150)])
    B0, B1 = np.meshgrid(g0, g1, indexing="ij")
    logp = np.broadcast_to(log_prior(g1), B0.shape).copy()
    for zi, yi in zip(z, y):
        eta = B0 + zi * B1
        logp += yi * eta - np.logaddexp(0.0, eta)
    assert max(logp[[0, -1], :].max(), logp[:, [0, -1]].max()) < logp.max() - 30  # the grid holds the mass
    w = np.exp(logp - logp.max())
    marginals = {"b0": (g0, np.trapezoid(w, g1, axis=1)), "beta": (g1, np.trapezoid(w, g0, axis=0))}
    zs = {}
    for key, (grid, dens) in marginals.items():
        dens = dens / np.trapezoid(dens, grid)
        mean = np.trapezoid(grid * dens, grid)
        var = np.trapezoid((grid - mean) ** 2 * dens, grid)
        cdf = integrate.cumulative_trapezoid(dens, grid, initial=0.0)
        d = draws[key]
        zs[f"{key} mean"] = (d.mean() - mean) / ess_se(d)
        zs[f"{key} var"] = (((d - mean) ** 2).mean() - var) / ess_se((d - mean) ** 2)
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):
            point = np.interp(q, cdf, grid)
            ind = (d <= point).astype(float)
            zs[f"{key} F(q{q})"] = (ind.mean() - q) / ess_se(ind)
        print(
            f"{name} {key}: grid mean {mean:.4f} sd {math.sqrt(var):.4f}; "
            f"Gibbs {d.mean():.4f} {d.std():.4f} (ESS {float(az.ess(d)):.0f})"
        )
    print({k: round(v, 2) for k, v in zs.items()})
    assert all(abs(v) < Z_MAX for v in zs.values()), zs


# --------------------------------------------------------------------- Geweke
SAMPLER_PRIORS = {
    "laplace-hyper": bs.Laplace(lam_shape=3.0, lam_rate=2.0),
    "gaussian-hyper": bs.Gaussian(scale_shape=3.0, scale_rate=2.0),
    "horseshoe-regularized": bs.Horseshoe(expected_nonzero=1, slab_scale=1.0, slab_df=4.0),
    "elasticnet-fixed": bs.ElasticNet(lam1=2.0, lam2=1.0),
    "elasticnet-hyper": bs.ElasticNet(lam1_shape=3.0, lam1_rate=1.0, lam2_shape=3.0, lam2_rate=2.0),
}
SHAPES = [(10, 3, "n>=p"), (4, 6, "p>n")]


def geweke_z(prior, n, p, m, seed, n_batches=20, burn=500):
    """Marginal-conditional (independent prior draws of (b0, beta, scales, y)) against successive-conditional
    (one library sweep, chain.advance_chain, then fresh y ~ Bernoulli(expit(b0 + Z beta)), repeated)."""
    rng = np.random.default_rng(seed)
    Z = centred_design(rng, n, p)
    family = ProperInterceptBernoulli(B0_SD)
    rules = rules_for(prior)
    spec = rules.sampler_spec(prior, n, p, "bernoulli")
    mc = []
    for _ in range(m):
        th = prior_draw(rng, prior, spec, p)
        mc.append(geweke_functions(th["b0"], th["beta"], draw_y(rng, Z, th["b0"], th["beta"]), latent(prior, th)))
    mc = np.array(mc)
    th = prior_draw(rng, prior, spec, p)
    y = draw_y(rng, Z, th["b0"], th["beta"])
    problem = ChainProblem(rules.name, spec, NOISE, Z, y, family)
    carry = start_chain(problem, rng.integers(2**32), tune=0)
    carry = ChainCarry(rng, sampler_start(carry.state, prior, th), 0, None, th["b0"])
    out = empty_outputs(problem, 1)
    sc = []
    for it in range(m + burn):
        problem = problem._replace(yc=y)
        carry, _ = advance_chain(problem, carry, tune=0, iterations=1, thin=1, out=out)
        b0, state = carry.likelihood, carry.state
        assert out["intercept_c"][0] == pytest.approx(b0 - y.mean(), rel=1e-12, abs=1e-12)
        y = draw_y(rng, Z, b0, state.beta)
        if it >= burn:
            sc.append(geweke_functions(b0, state.beta, y, latent(prior, state)))
    sc = np.array(sc)
    se1 = mc.std(0, ddof=1) / math.sqrt(m)
    se2 = np.array([batch_means_se(sc[:, k], n_batches) for k in range(sc.shape[1])])
    return (mc.mean(0) - sc.mean(0)) / np.sqrt(se1**2 + se2**2)


# The plain horseshoe is left out of Geweke for the reason given in test_gibbs (its Cauchy-tailed
# scales make the successive-conditional chain's batch-means standard error unreliable); it is in SBC.
def _params(shapes):
    for name in SAMPLER_PRIORS:
        for n, p, label in shapes:
            yield pytest.param(name, n, p, id=f"{name}-{label}")


@pytest.mark.parametrize("name, n, p", list(_params(SHAPES)))
def test_geweke_small(name, n, p):
    m = 1500 if not name.startswith("horseshoe") else 1000
    z = geweke_z(SAMPLER_PRIORS[name], n, p, m=m, seed=zlib.crc32(f"pg-geweke-{name}-{n}".encode()), burn=300)
    print(f"Geweke PG {name} n={n} p={p}: max|z| = {np.abs(z).max():.2f} over {z.size} functions")
    assert np.all(np.abs(z) < Z_MAX), np.round(z, 2)


@pytest.mark.slow
@pytest.mark.parametrize("name, n, p", list(_params(SHAPES)))
def test_geweke_long(name, n, p):
    z = geweke_z(
        SAMPLER_PRIORS[name], n, p, m=30_000, seed=zlib.crc32(f"pg-geweke-long-{name}-{n}".encode()), n_batches=40
    )
    print(f"Geweke (long) PG {name} n={n} p={p}: max|z| = {np.abs(z).max():.2f} over {z.size} functions")
    assert np.all(np.abs(z) < Z_MAX), np.round(z, 2)


# --------------------------------------------------------------------- SBC
def sbc_hyper(prior, out):
    """Log hyperparameters compared in SBC: name in the prior draw -> log draws."""
    if isinstance(prior, bs.Laplace):
        return {"lam2": np.log(out["lam2"])} if prior.has_hyperprior else {}
    if isinstance(prior, bs.Gaussian):
        return {"scale2": np.log(out["scale2"])} if prior.has_hyperprior else {}
    if isinstance(prior, bs.ElasticNet):
        return {k: np.log(out[k]) for k in ("lam1", "lam2") if getattr(prior, k) is None}
    return {"tau2": 2 * np.log(out["tau"]), **({"c2": np.log(out["c2"])} if prior.regularized else {})}


def sbc_ranks(prior, n, p, reps, L, seed, thin, tune):
    """Talts et al. (2018) ranks of (beta_j, b0[, log hyperparameters]) among L thinned draws of one chain
    (run_chain with the test-only proper-intercept family), for data simulated from the prior."""
    rng = np.random.default_rng(seed)
    family = ProperInterceptBernoulli(B0_SD)
    rules = rules_for(prior)
    spec = rules.sampler_spec(prior, n, p, "bernoulli")
    ranks = []
    for _ in range(reps):
        Z = centred_design(rng, n, p)
        th = prior_draw(rng, prior, spec, p)
        y = draw_y(rng, Z, th["b0"], th["beta"])
        out = run_chain(
            rules.name, spec, NOISE, Z, y, draws=L * thin, tune=tune, seed=rng.integers(2**32), likelihood=family
        )
        draws = [out["beta"][thin - 1 :: thin, j] for j in range(p)] + [out["intercept_c"][thin - 1 :: thin] + y.mean()]
        truth = list(th["beta"]) + [th["b0"]]
        for key, d in sbc_hyper(prior, out).items():
            draws.append(d[thin - 1 :: thin])
            truth.append(math.log(th[key]))
        ranks.append([int(np.sum(d < t)) for d, t in zip(draws, truth)])
    return np.array(ranks)


def uniformity_pvalues(ranks, L, bins):
    edges = np.linspace(0, L + 1, bins + 1)
    return np.array([stats.chisquare(np.histogram(ranks[:, k], edges)[0]).pvalue for k in range(ranks.shape[1])])


@pytest.mark.parametrize("name", list(SAMPLER_PRIORS))
def test_sbc_small(name):
    """Chi-square uniformity of the ranks (5 bins), Bonferroni at 1% over the scalars."""
    L, bins = 39, 5
    ranks = sbc_ranks(SAMPLER_PRIORS[name], n=8, p=3, reps=40, L=L, seed=zlib.crc32(name.encode()), thin=3, tune=100)
    pv = uniformity_pvalues(ranks, L, bins)
    print(f"SBC PG {name}: chi-square p-values {np.round(pv, 3)}")
    assert np.all(pv > 0.01 / len(pv))


SBC_PRIORS = {**SAMPLER_PRIORS, "horseshoe-plain": bs.Horseshoe(expected_nonzero=1, slab_scale=None)}


@pytest.mark.slow
@pytest.mark.parametrize("n, p", [(10, 3), (5, 8)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("name", list(SBC_PRIORS))
def test_sbc_full(name, n, p):
    """240 replications; chi-square uniformity of ranks (8 bins), Bonferroni at 1% over the scalars."""
    L, bins = 39, 8
    ranks = sbc_ranks(
        SBC_PRIORS[name], n=n, p=p, reps=240, L=L, seed=zlib.crc32(f"pg-sbc-{name}-{n}".encode()), thin=5, tune=200
    )
    pv = uniformity_pvalues(ranks, L, bins)
    print(f"SBC PG {name} n={n} p={p}: min p-value {pv.min():.4f} over {pv.size} scalars; {np.round(pv, 3)}")
    assert np.all(pv > 0.01 / len(pv))


# --------------------------------------------------------------------- Gibbs vs NUTS
def agree(gibbs_res, nuts_res, names):
    """Posterior means within Z_MAX combined ESS-based MCSE, posterior sds within 10% (as in test_gibbs)."""
    for name in names:
        pg, pn = gibbs_res.idata.posterior[name], nuts_res.idata.posterior[name]
        mg, mn = az.mcse(gibbs_res.idata.posterior[[name]])[name], az.mcse(nuts_res.idata.posterior[[name]])[name]
        z = (pg.mean(("chain", "draw")) - pn.mean(("chain", "draw"))).values / np.hypot(mg.values, mn.values)
        sd_g, sd_n = pg.std(("chain", "draw")).values, pn.std(("chain", "draw")).values
        print(
            f"{name}: max |z| Gibbs vs NUTS = {np.abs(z).max():.2f}; "
            f"max |sd ratio - 1| = {np.abs(sd_g / sd_n - 1).max():.3f}"
        )
        assert np.all(np.abs(z) < Z_MAX), (name, np.round(z, 2))
        np.testing.assert_allclose(sd_g, sd_n, rtol=0.10)


@pytest.fixture(scope="module")
def binary_small():
    """n = 60, p = 8, two signals (log odds ratios +-1.5), as a DataFrame."""
    X, y, _ = bs.datasets.make_sparse_classification(60, 8, 2, correlation=0.3, random_state=4, as_frame=True)
    return X, y


NUTS_CASES = {
    "laplace": (bs.Laplace(), dict(), ["beta", "intercept", "lam"]),
    "horseshoe-regularized": (
        bs.Horseshoe(expected_nonzero=2, slab_scale=2.0),
        dict(target_accept=0.99),
        ["beta", "intercept"],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NUTS_CASES))
def test_gibbs_matches_nuts(binary_small, name):
    """Same posterior from PG-Gibbs and from NUTS on the PyMC model (family="bernoulli"), and the same
    InferenceData layout (posterior variables and their dims; both have log_likelihood and observed_data)."""
    X, y = binary_small
    prior, nuts_kw, names = NUTS_CASES[name]
    kw = dict(family="bernoulli", chains=2, random_seed=6, progressbar=False)
    nuts = bs.fit(X, y, prior, sampler="nuts", draws=2500, tune=1500, **nuts_kw, **kw)
    gibbs = bs.fit(X, y, prior, sampler="gibbs", draws=10_000, tune=1000, **kw)
    assert nuts.sampler == "nuts" and gibbs.sampler == "gibbs"
    assert nuts.diagnostics["divergences"].value <= 5
    post_g, post_n = gibbs.idata.posterior, nuts.idata.posterior
    assert set(post_g.data_vars) == set(post_n.data_vars)
    assert "intercept" in post_g and "sigma" not in post_g
    for var in post_g.data_vars:
        assert post_g[var].dims[2:] == post_n[var].dims[2:], var
    for group in ("posterior", "log_likelihood", "observed_data"):  # sample_stats are the sampler's own
        assert group in gibbs.idata.groups() and group in nuts.idata.groups()
    agree(gibbs, nuts, names)


# --------------------------------------------------------------------- chain mechanics
PIECES_PRIORS = {
    **{k: SAMPLER_PRIORS[k] for k in ("laplace-hyper", "horseshoe-regularized", "elasticnet-fixed")},
    # fixed hyperparameters: no non-centred move after the (b0, beta_A) move, whose result then feeds
    # the next augmentation directly (a linear predictor carried over from it differed by rounding)
    "laplace-fixed": bs.Laplace(lam=1.0),
    "ridge-fixed": bs.Gaussian(scale=1.0),
}


@pytest.mark.parametrize("name", list(PIECES_PRIORS))
def test_chain_in_pieces_equals_one_run(name):
    """A Bernoulli chain advanced in pieces (start_chain / advance_chain, the carry holding b0 and the
    warm-up adapter) gives exactly the draws of one run_chain call, intercept included."""
    rng = np.random.default_rng(8)
    n, p = 20, 5
    Z = centred_design(rng, n, p)
    y = draw_y(rng, Z, 0.3, np.r_[1.5, np.zeros(p - 1)])
    prior = PIECES_PRIORS[name]
    rules = rules_for(prior)
    spec = rules.sampler_spec(prior, n, p, "bernoulli")
    tune, draws, thin = 20, 30, 2
    one = run_chain(rules.name, spec, NOISE, Z, y, draws, tune, 7, likelihood=BernoulliFamily(), thin=thin)
    problem = ChainProblem(rules.name, spec, NOISE, Z, y, BernoulliFamily())
    carry = start_chain(problem, 7, tune)
    out = empty_outputs(problem, draws)
    k = 0
    for piece in (13, 20, tune + draws * thin - 33):  # across the end of warm-up and mid-thinning
        carry, recorded = advance_chain(problem, carry, tune=tune, iterations=piece, thin=thin, out=out, offset=k)
        k += recorded
    assert k == draws
    finish_chain(carry, out, n)
    assert set(out) == set(one) and "intercept_c" in out
    for key in one:
        np.testing.assert_array_equal(out[key], one[key], err_msg=key)
    assert carry.likelihood - y.mean() == out["intercept_c"][-1]


def _fit(X, y, prior, **kw):
    kw = dict(family="bernoulli", sampler="gibbs", progressbar=False) | kw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DiagnosticWarning)
        return bs.fit(X, y, prior, **kw)


@pytest.mark.parametrize("prior", [bs.Laplace(), bs.Horseshoe(expected_nonzero=2)], ids=["laplace", "horseshoe"])
def test_thinned_chain_is_a_subsequence(binary_small, prior):
    X, y = binary_small
    kw = dict(tune=30, chains=1, random_seed=9)
    full = _fit(X, y, prior, draws=24, **kw)
    thinned = _fit(X, y, prior, draws=8, thin=3, **kw)
    assert thinned.idata.posterior.sizes["draw"] == 8
    np.testing.assert_array_equal(thinned.draws("beta"), full.draws("beta")[2::3])
    np.testing.assert_array_equal(thinned.draws("intercept"), full.draws("intercept")[2::3])


def test_seeds_reproduce_and_cores_do_not_matter(binary_small):
    X, y = binary_small
    kw = dict(draws=40, tune=10, chains=2)
    a = _fit(X, y, bs.Laplace(), random_seed=5, cores=2, **kw)
    b = _fit(X, y, bs.Laplace(), random_seed=5, cores=1, **kw)
    c = _fit(X, y, bs.Laplace(), random_seed=6, cores=1, **kw)
    for name in ("beta", "intercept", "lam"):
        np.testing.assert_array_equal(a.draws(name), b.draws(name))
    assert not np.array_equal(a.draws("beta"), c.draws("beta"))


def test_gibbs_layout_and_log_likelihood(binary_small):
    """fit(family="bernoulli", sampler="gibbs"): no sigma, an intercept on the original scale (the
    log-likelihood stored for LOO is the Bernoulli log pmf at intercept + X beta), per-feature dims.
    (The variable names are compared with NUTS's in test_gibbs_matches_nuts, under slow.)"""
    X, y = binary_small
    res = _fit(X, y, bs.Horseshoe(expected_nonzero=2), draws=50, tune=20, chains=2, random_seed=1)
    assert res.sampler == "gibbs" and res.spec.family == "bernoulli"
    post = res.idata.posterior
    assert "sigma" not in post and "intercept" in post and "intercept_c" in post
    assert post["beta"].dims == ("chain", "draw", "feature")
    assert list(post["beta"]["feature"].values) == list(X.columns)
    eta = post["intercept"].values[..., None] + post["beta"].values @ X.to_numpy().T
    ll = stats.bernoulli.logpmf(y.to_numpy(), special.expit(eta))
    np.testing.assert_allclose(res.idata.log_likelihood["y"].values, ll, rtol=1e-8, atol=1e-12)
    # intercept_c is the centred model's: eta = mean(y) + intercept_c + (X - mean X) beta
    Xc = X.to_numpy() - X.to_numpy().mean(0)
    eta_c = y.mean() + post["intercept_c"].values[..., None] + post["beta"].values @ Xc.T
    np.testing.assert_allclose(eta_c, eta, rtol=1e-9, atol=1e-9)
