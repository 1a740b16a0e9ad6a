"""The Bayesian elastic net (Li & Lin 2010): its density and normaliser, each Gibbs
conditional against a brute-force grid, Geweke and SBC, Gibbs against NUTS, the MAP
against scikit-learn's ElasticNet with its certificate, the estimator and the CLI.

References here are written from the model definition with numpy/scipy only:
the normaliser by quadrature, the prior by direct simulation (a truncated normal
for |beta_j|, not the scale mixture the sampler uses), conditionals from
scipy.stats densities of the joint model.
"""

import math
import zlib

import numpy as np
import pytest
from scipy import integrate, special, stats
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso, Ridge
from sklearn.preprocessing import StandardScaler

import bayes_sparse as bs
from bayes_sparse._data import prepare_data
from bayes_sparse.map import elastic_net_certificate, solve_elastic_net
from bayes_sparse.samplers import elasticnet as E
from bayes_sparse.samplers import run_chain
from bayes_sparse.samplers._gaussian_draw import LinearData
from bayes_sparse.spec import NoiseSpec

from .gibbs_reference import Z_MAX, batch_means_se, centred_y, check_against_grid, iid_se

NOISE = (3.0, 2.0)  # proper sigma^2 ~ IG(3, 2) for prior simulation (Geweke, SBC)


# --------------------------------------------------------------------- helpers


def _log_c_quad(sigma, lam1, lam2):
    """log of the normaliser of one coordinate by quadrature (independent of the closed form)."""
    f = lambda b: math.exp(-(lam1 * b + lam2 * b * b) / (2 * sigma**2))  # noqa: E731
    val, _ = integrate.quad(f, 0, np.inf, epsabs=0, epsrel=1e-13, limit=200)
    return math.log(2 * val)


def _log_c_ndtr(sigma, lam1, lam2):
    """The normaliser by completing the square:
    2 sqrt(2 pi / lam2) sigma e^psi P(N(0, 1) > lam1 / (2 sigma sqrt(lam2)))."""
    psi = lam1**2 / (8 * lam2 * sigma**2)
    return (
        math.log(2 * sigma)
        + 0.5 * math.log(2 * math.pi / lam2)
        + psi
        + special.log_ndtr(-lam1 / (2 * sigma * math.sqrt(lam2)))
    )


def _log_c_gamma(sigma, lam1, lam2):
    """The normaliser in Li & Lin's incomplete-gamma form: sigma sqrt(2/lam2) e^psi Gamma_U(1/2, psi)."""
    psi = lam1**2 / (8 * lam2 * sigma**2)
    return math.log(sigma) + 0.5 * math.log(2 / lam2) + psi + math.log(special.gamma(0.5) * special.gammaincc(0.5, psi))


def draw_enet(rng, lam1, lam2, sigma2, size):
    """Direct draws from p(b) ∝ exp{-(lam1 |b| + lam2 b^2) / (2 sigma^2)}: |b| is N(-lam1/(2 lam2),
    sigma^2/lam2) truncated to (0, inf), with a random sign."""
    mu, sd = -lam1 / (2 * lam2), math.sqrt(sigma2 / lam2)
    a = (0 - mu) / sd
    mag = stats.truncnorm.rvs(a, np.inf, loc=mu, scale=sd, size=size, random_state=rng)
    return mag * rng.choice([-1.0, 1.0], size=size)


def prior_draw(rng, prior, n, p):
    sigma2 = stats.invgamma(NOISE[0], scale=NOISE[1]).rvs(random_state=rng)
    lam1 = prior.lam1 if prior.lam1 is not None else rng.gamma(prior.lam1_shape, 1 / prior.lam1_rate)
    lam2 = prior.lam2 if prior.lam2 is not None else rng.gamma(prior.lam2_shape, 1 / prior.lam2_rate)
    return {"sigma2": sigma2, "lam1": lam1, "lam2": lam2, "beta": draw_enet(rng, lam1, lam2, sigma2, p)}


# --------------------------------------------------------------------- the prior
@pytest.mark.parametrize("sigma, lam1, lam2", [(1.0, 2.0, 1.0), (0.3, 5.0, 0.2), (2.0, 0.01, 3.0), (0.05, 40.0, 1.0)])
def test_normaliser_matches_quadrature_and_incomplete_gamma(sigma, lam1, lam2):
    ours = float(bs.ElasticNet.log_normaliser(sigma, lam1, lam2))
    assert ours == pytest.approx(_log_c_quad(sigma, lam1, lam2), rel=1e-10, abs=1e-10)
    assert ours == pytest.approx(_log_c_ndtr(sigma, lam1, lam2), rel=1e-10, abs=1e-10)
    psi = lam1**2 / (8 * lam2 * sigma**2)
    if psi < 500:  # e^psi Gamma_U(1/2, psi) overflows/underflows beyond; erfcx does not
        assert ours == pytest.approx(_log_c_gamma(sigma, lam1, lam2), rel=1e-10, abs=1e-10)
    prior = bs.ElasticNet(lam1=lam1, lam2=lam2)
    width = min(sigma / math.sqrt(lam2), 2 * sigma**2 / lam1)  # Gaussian sd or Laplace scale, the smaller
    grid = np.linspace(-40, 40, 200_001) * width
    dens = np.exp(prior.logpdf(grid, sigma=sigma))
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, rel=1e-6)


def test_scale_mixture_marginal_is_the_elastic_net():
    """tau ~ Gamma(1/2, rate psi) on (1, inf), beta | tau ~ N(0, sigma^2 (tau - 1) / (lam2 tau)) has the
    elastic net marginal (KS against the CDF of the density by quadrature)."""
    rng = np.random.default_rng(1)
    lam1, lam2, sigma2 = 3.0, 0.7, 1.4
    psi = lam1**2 / (8 * lam2 * sigma2)
    g = stats.gamma(0.5, scale=1 / psi)
    tau = g.ppf(g.cdf(1.0) + rng.uniform(size=40_000) * g.sf(1.0))
    beta = rng.normal(0, np.sqrt(sigma2 * (tau - 1) / (lam2 * tau)))
    prior = bs.ElasticNet(lam1=lam1, lam2=lam2)
    grid = np.linspace(-15, 15, 300_001)
    cdf = integrate.cumulative_trapezoid(np.exp(prior.logpdf(grid, sigma=math.sqrt(sigma2))), grid, initial=0)
    assert stats.kstest(beta, lambda x: np.interp(x, grid, cdf)).pvalue > 1e-3
    # and the direct simulator used by Geweke and SBC below draws the same law
    direct = draw_enet(rng, lam1, lam2, sigma2, 40_000)
    assert stats.kstest(direct, lambda x: np.interp(x, grid, cdf)).pvalue > 1e-3


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: bs.ElasticNet(lam1=0.0, lam2=1.0), "ElasticNet lam1 must be a positive finite number"),
        (lambda: bs.ElasticNet(lam1=1.0, lam2=-1.0), "ElasticNet lam2 must be a positive finite number"),
        (lambda: bs.ElasticNet(lam1_rate=0.0), "ElasticNet lam1_rate must be a positive"),
    ],
)
def test_invalid_elastic_net_raises(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_registry_rules_and_wording():
    rules = bs.spec.rules_for(bs.ElasticNet(lam1=2.0, lam2=1.0))
    assert rules.name == "elasticnet" and rules.selection_rule == "fdr"
    assert rules.hyper_names(bs.ElasticNet(lam2=1.0)) == ("lam1",)
    assert rules.hyper_names(bs.ElasticNet()) == ("lam1", "lam2")
    text = bs.ModelSpec.build(bs.ElasticNet(lam1=2.0, lam2=1.0)).describe()["prior"]
    assert "lam1 ||beta||_1 + lam2 ||beta||^2) / (2 sigma^2)" in text and "lam1 = 2, lam2 = 1" in text
    assert "lam1 ~ Gamma(shape=1, rate=0.1)" in rules.density_text(bs.ElasticNet())


# --------------------------------------------------------------------- conditionals
@pytest.mark.parametrize(
    "beta, sigma2, lam1, lam2", [(0.3, 1.0, 2.0, 1.0), (-2.0, 0.5, 1.0, 3.0), (1e-3, 2.0, 6.0, 0.5)]
)
def test_mixing_conditional(beta, sigma2, lam1, lam2):
    """u = tau - 1 | beta: target N(beta | 0, sigma^2 u / (lam2 (1 + u))) TruncGamma(1 + u | 1/2, psi), in log u."""
    rng = np.random.default_rng(0)
    u = E.draw_mixing(rng, np.full(20_000, beta), sigma2, lam1, lam2)
    psi = lam1**2 / (8 * lam2 * sigma2)

    def logf(eta):
        uu = np.exp(eta)
        return (
            stats.norm.logpdf(beta, 0, np.sqrt(sigma2 * uu / (lam2 * (1 + uu))))
            + stats.gamma.logpdf(1 + uu, 0.5, scale=1 / psi)
            + eta
        )

    check_against_grid(np.log(u), logf, np.linspace(-30, 12, 80_001), iid_se)


def _sigma2_logf(data, u, lam1, lam2, noise):
    """Dense reference for eta = log sigma^2 | u, y (beta integrated): the centred y in an orthonormal
    basis Q of the centred subspace is N(0, sigma^2 (I + Q'Z G Z'Q)); u_j + 1 ~ TruncGamma(1/2, psi)."""
    n, p = data.Z.shape
    Q = np.linalg.svd(np.eye(n) - 1.0 / n, full_matrices=False)[0][:, : n - 1]
    g = u / (lam2 * (1 + u))
    K = np.eye(n - 1) + Q.T @ (data.Z * g) @ data.Z.T @ Q
    yq = Q.T @ data.yc

    def logf(etas):
        out = []
        for eta in etas:
            s2 = math.exp(eta)
            psi = lam1**2 / (8 * lam2 * s2)
            ll = stats.multivariate_normal(np.zeros(n - 1), s2 * K).logpdf(yq)
            # P(Gamma(1/2, psi) > 1) = Gamma_U(1/2, psi) / Gamma(1/2) = 2 P(N(0, 1) > sqrt(2 psi)), stable in log
            log_sf = math.log(2.0) + special.log_ndtr(-math.sqrt(2 * psi))
            lp = np.sum(stats.gamma.logpdf(1 + u, 0.5, scale=1 / psi) - log_sf)
            # IG(a, b) log density up to a constant: -(a + 1) log s2 - b / s2 (Jeffreys: a = b = 0)
            prior = -(noise.shape + 1.0) * eta - noise.rate / s2
            out.append(ll + lp + prior + eta)
        return np.array(out)

    return logf


@pytest.mark.parametrize("n, p", [(10, 3), (5, 8)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("noise", [NoiseSpec(shape=3.0, rate=2.0), NoiseSpec()], ids=["inverse-gamma", "jeffreys"])
def test_sigma2_conditional_slice(n, p, noise):
    """The slice update of sigma^2 | u, y leaves its exact conditional invariant: chains started from
    exact draws (inverse CDF on the dense grid) are still so distributed after a few updates."""
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    y = 1.5 * Z[:, 0] + rng.normal(size=n)
    data = LinearData.from_arrays(Z, y - y.mean())
    lam1, lam2 = 4.0, 0.8
    u = np.exp(rng.normal(size=p))
    logf = _sigma2_logf(data, u, lam1, lam2, noise)
    grid = np.linspace(-5.3, 7, 3001)  # psi <= 600 on the grid
    lf = logf(grid)
    assert lf[0] < lf.max() - 20 and lf[-1] < lf.max() - 20  # the grid holds the mass (to e^-20)
    cdf = np.cumsum(np.exp(lf - lf.max()))
    starts = np.interp(rng.uniform(0, cdf[-1], size=3000), cdf, grid)
    from bayes_sparse.samplers._gaussian_draw import factorize

    quad = factorize(data, E.prior_variance(u, lam2)).quad
    x = []
    for eta in starts:
        s2 = math.exp(eta)
        for _ in range(3):
            s2, failed = E.draw_sigma2(rng, quad, n, p, float(u.sum()), lam1, lam2, noise, s2)
            assert failed == 0
        x.append(math.log(s2))
    check_against_grid(np.array(x), logf, grid, iid_se)


@pytest.mark.parametrize("which", ["lam1", "lam2"])
def test_penalty_conditionals_slice(which):
    """lam1 (lam2) | beta, sigma^2 with u integrated out: the prior density with its normaliser
    (completed-square form) times the Gamma hyperprior, on log lam."""
    rng = np.random.default_rng(3)
    prior = bs.ElasticNet(lam1_shape=2.0, lam1_rate=0.5, lam2_shape=1.5, lam2_rate=1.0)
    beta, sigma2 = np.array([0.8, -0.1, 0.02, 1.5, -0.4]), 0.6
    lam1, lam2 = 3.0, 0.9

    def logf(zetas):
        out = []
        for z in zetas:
            l1, l2 = (math.exp(z), lam2) if which == "lam1" else (lam1, math.exp(z))
            logc = _log_c_ndtr(math.sqrt(sigma2), l1, l2)
            lp = -(l1 * np.abs(beta).sum() + l2 * beta @ beta) / (2 * sigma2) - beta.size * logc
            hyp = (
                stats.gamma.logpdf(l1, prior.lam1_shape, scale=1 / prior.lam1_rate)
                if which == "lam1"
                else stats.gamma.logpdf(l2, prior.lam2_shape, scale=1 / prior.lam2_rate)
            )
            out.append(lp + hyp + z)
        return np.array(out)

    grid = np.linspace(-10, 5, 3001)
    lf = logf(grid)
    cdf = np.cumsum(np.exp(lf - lf.max()))
    starts = np.interp(rng.uniform(0, cdf[-1], size=3000), cdf, grid)
    one = (
        bs.ElasticNet(lam1=None, lam2=lam2, **{k: getattr(prior, k) for k in ("lam1_shape", "lam1_rate")})
        if which == "lam1"
        else bs.ElasticNet(lam1=lam1, lam2=None, lam2_shape=1.5, lam2_rate=1.0)
    )
    x = []
    for z in starts:
        l1, l2 = (math.exp(z), lam2) if which == "lam1" else (lam1, math.exp(z))
        for _ in range(3):
            l1, l2, failed = E.draw_penalties(rng, one, beta, sigma2, l1, l2)
            assert failed == 0
        x.append(math.log(l1 if which == "lam1" else l2))
    check_against_grid(np.array(x), logf, grid, iid_se)


def test_beta_conditional_is_the_gaussian_given_mixing():
    """beta | u, sigma^2, y is N(S Z'y, sigma^2 S), S = (Z'Z + diag(1/g))^-1, g = u / (lam2 (1 + u))."""
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(12, 3))
    Z -= Z.mean(0)
    y = Z @ np.array([1.0, 0.0, -0.5]) + rng.normal(size=12)
    data = LinearData.from_arrays(Z, y - y.mean())
    u, lam2, sigma2 = np.array([0.3, 2.0, 0.05]), 1.7, 0.8
    state = E.ElasticNetState(np.zeros(3), sigma2, u, 2.0, lam2)
    prior = bs.ElasticNet(lam1=2.0, lam2=lam2)
    g = u / (lam2 * (1 + u))
    S = np.linalg.inv(Z.T @ Z + np.diag(1 / g))
    mean = S @ Z.T @ data.yc
    from bayes_sparse.samplers._gaussian_draw import factorize

    draws = np.array([factorize(data, E.prior_variance(state.u, lam2)).draw_beta(rng, sigma2) for _ in range(20_000)])
    se = np.sqrt(np.diag(sigma2 * S) / len(draws))
    assert np.all(np.abs(draws.mean(0) - mean) < Z_MAX * se)
    np.testing.assert_allclose(np.cov(draws.T), sigma2 * S, rtol=0.05, atol=0.05 * sigma2 * np.max(np.diag(S)))
    assert prior.lam2 == lam2


# --------------------------------------------------------------------- Geweke
def _test_functions(beta, sigma2, lam1, lam2, prior):
    a = np.arctan(beta)
    vals = [*a, *(a**2), math.log(sigma2), math.atan(beta[0] * beta[1])]
    vals += [math.log(lam1)] if prior.lam1 is None else []
    vals += [math.log(lam2)] if prior.lam2 is None else []
    return np.array(vals)


def geweke_z(prior, n, p, m, seed, n_batches=20, burn=500):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    mc = []
    for _ in range(m):
        th = prior_draw(rng, prior, n, p)
        mc.append(_test_functions(th["beta"], th["sigma2"], th["lam1"], th["lam2"], prior))
    mc = np.array(mc)
    th = prior_draw(rng, prior, n, p)
    y = centred_y(rng, Z, th["beta"], th["sigma2"])
    state = E.init(rng, prior, LinearData.from_arrays(Z, y), noise)
    kernel = E.build_kernel(prior, noise)
    state = state._replace(beta=th["beta"], sigma2=th["sigma2"], lam1=th["lam1"], lam2=th["lam2"])
    sc = []
    for it in range(m + burn):
        state, info = kernel(rng, state, LinearData.from_arrays(Z, y))
        assert info.slice_failures == 0
        y = centred_y(rng, Z, state.beta, state.sigma2)
        if it >= burn:
            sc.append(_test_functions(state.beta, state.sigma2, state.lam1, state.lam2, prior))
    sc = np.array(sc)
    se1 = mc.std(0, ddof=1) / np.sqrt(m)
    se2 = np.array([batch_means_se(sc[:, k], n_batches) for k in range(sc.shape[1])])
    return (mc.mean(0) - sc.mean(0)) / np.sqrt(se1**2 + se2**2)


GEWEKE_PRIORS = {
    "fixed": bs.ElasticNet(lam1=2.0, lam2=1.0),
    "hyper": bs.ElasticNet(lam1_shape=3.0, lam1_rate=1.0, lam2_shape=3.0, lam2_rate=2.0),
}


@pytest.mark.parametrize("n, p", [(10, 3), (4, 6)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("name", list(GEWEKE_PRIORS))
def test_geweke_small(name, n, p):
    """Joint-distribution test (sigma^2 ~ IG(3, 2), so sigma unknown with the normaliser), 2,500 sweeps."""
    z = geweke_z(GEWEKE_PRIORS[name], n, p, m=2500, seed=zlib.crc32(f"{name}{n}".encode()))
    print(f"Geweke elastic net {name} n={n} p={p}: max|z| = {np.abs(z).max():.2f} over {z.size}")
    assert np.all(np.abs(z) < Z_MAX), np.round(z, 2)


@pytest.mark.slow
@pytest.mark.parametrize("n, p", [(10, 3), (4, 6)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("name", list(GEWEKE_PRIORS))
def test_geweke_long(name, n, p):
    z = geweke_z(GEWEKE_PRIORS[name], n, p, m=20_000, seed=zlib.crc32(f"long{name}{n}".encode()), n_batches=40)
    print(f"Geweke (long) elastic net {name} n={n} p={p}: max|z| = {np.abs(z).max():.2f} over {z.size}")
    assert np.all(np.abs(z) < Z_MAX), np.round(z, 2)


# --------------------------------------------------------------------- SBC
def sbc_ranks(prior, n, p, reps, L, seed, thin=4, tune=150):
    """Talts et al. (2018) ranks of (beta_j, log sigma^2[, log lam]) among L thinned draws."""
    rng = np.random.default_rng(seed)
    noise = NoiseSpec(shape=NOISE[0], rate=NOISE[1])
    ranks = []
    for _ in range(reps):
        Z = rng.normal(size=(n, p))
        Z -= Z.mean(0)
        th = prior_draw(rng, prior, n, p)
        y = centred_y(rng, Z, th["beta"], th["sigma2"])
        out = run_chain("elasticnet", prior, noise, Z, y, draws=L * thin, tune=tune, seed=rng.integers(2**32))
        draws = [out["beta"][::thin, j] for j in range(p)] + [2 * np.log(out["sigma"][::thin])]
        truth = list(th["beta"]) + [math.log(th["sigma2"])]
        for name in ("lam1", "lam2"):
            if name in out:
                draws.append(np.log(out[name][::thin]))
                truth.append(math.log(th[name]))
        ranks.append([int(np.sum(d < t)) for d, t in zip(draws, truth)])
    return np.array(ranks)


def _uniformity_pvalues(ranks, L, bins):
    edges = np.linspace(0, L + 1, bins + 1)
    return np.array([stats.chisquare(np.histogram(ranks[:, k], edges)[0]).pvalue for k in range(ranks.shape[1])])


def test_sbc_small():
    L, bins = 39, 5
    ranks = sbc_ranks(bs.ElasticNet(lam1=2.0, lam2=1.0), n=8, p=3, reps=60, L=L, seed=11)
    pv = _uniformity_pvalues(ranks, L, bins)
    print(f"SBC elastic net: chi-square p-values {np.round(pv, 3)}")
    assert np.all(pv > 0.01 / len(pv))


@pytest.mark.slow
@pytest.mark.parametrize("n, p", [(10, 3), (5, 8)], ids=["n>=p", "p>n"])
@pytest.mark.parametrize("name", list(GEWEKE_PRIORS))
def test_sbc_full(name, n, p):
    """>= 200 replications (240); chi-square uniformity of ranks, Bonferroni over scalars."""
    L, bins = 39, 8
    ranks = sbc_ranks(
        GEWEKE_PRIORS[name], n=n, p=p, reps=240, L=L, seed=zlib.crc32(f"sbc{name}{n}".encode()), thin=5, tune=200
    )
    pv = _uniformity_pvalues(ranks, L, bins)
    print(f"SBC elastic net {name} n={n} p={p}: min p-value {pv.min():.4f} over {pv.size} scalars")
    assert np.all(pv > 0.01 / len(pv))


# --------------------------------------------------------------------- MAP = scikit-learn's ElasticNet
# Tolerances named in the issue (deterministic: solver against solver, no Monte Carlo).
OBJ_RTOL = 1e-9  # relative objective difference vs ElasticNet(tol=1e-12)
COEF_RTOL = 1e-6  # coefficient difference relative to max|beta|
GAP_RTOL = 1e-9  # our duality gap relative to ||y_c||^2 / n
KKT_RTOL = 1e-8  # our KKT violation relative to alpha
#: (fraction of the l1 part's alpha_max, l1_ratio): sparse, middle, dense
ENET_GRID = ((0.5, 0.9), (0.1, 0.5), (0.02, 0.2))


def _enet_objective(Z, yc, beta, alpha, l1_ratio):
    r = yc - Z @ beta
    return r @ r / (2 * len(yc)) + alpha * l1_ratio * np.abs(beta).sum() + 0.5 * alpha * (1 - l1_ratio) * beta @ beta


@pytest.fixture(scope="module")
def twins_wide():
    """Correlated p > n problem with near-duplicate columns: n=50, p=200 (correlation 0.7, 8 signals)
    plus a near-copy (noise sd 0.01) of each of the 8 signal columns."""
    X, y, coef = bs.datasets.make_sparse_regression(50, 200, 8, correlation=0.7, random_state=11)
    rng = np.random.default_rng(5)
    signal = np.flatnonzero(coef)
    twins = X[:, signal] + 0.01 * rng.normal(size=(50, signal.size))
    return np.hstack([X, twins]), y


@pytest.fixture(params=["diabetes", "twins-wide"])
def enet_problem(request, diabetes, twins_wide):
    if request.param == "diabetes":
        X, y = diabetes
        return X.to_numpy(), y.to_numpy()
    return twins_wide


@pytest.mark.parametrize("frac, l1_ratio", ENET_GRID)
def test_map_equals_sklearn_elastic_net(enet_problem, frac, l1_ratio):
    X, y = enet_problem
    d = prepare_data(X, y)
    n = d.n
    alpha = frac * np.max(np.abs(d.Z.T @ d.yc)) / n / l1_ratio
    prior = bs.elastic_net_from_alpha(alpha, l1_ratio, n)
    assert bs.elastic_net_alpha(prior, n) == pytest.approx((alpha, l1_ratio), rel=1e-14)
    m = bs.map_estimate(X, y, prior)  # no sigma: it cancels
    assert m.penalty_ == "enet" and m.alpha_ == pytest.approx(alpha, rel=1e-14)
    assert m.l1_ratio_ == pytest.approx(l1_ratio, rel=1e-14)
    Xs = StandardScaler().fit_transform(X)
    ref = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000).fit(Xs, y).coef_
    ours = m.coef_model_
    obj_ours, obj_ref = (_enet_objective(d.Z, d.yc, b, alpha, l1_ratio) for b in (ours, ref))
    assert abs(obj_ours - obj_ref) <= OBJ_RTOL * abs(obj_ref)
    assert obj_ours <= obj_ref * (1 + 1e-12)
    np.testing.assert_array_equal(ours != 0, ref != 0)
    assert np.max(np.abs(ours - ref)) <= COEF_RTOL * np.max(np.abs(ref))
    assert m.duality_gap_ <= GAP_RTOL * (d.yc @ d.yc) / n
    assert m.kkt_violation_ <= KKT_RTOL
    assert m.objective_ == pytest.approx(obj_ours, rel=1e-12)
    # the same MAP at any fixed sigma
    np.testing.assert_array_equal(bs.map_estimate(X, y, prior, sigma=3.7).coef_model_, ours)


def test_certificate_detects_a_perturbed_solution(diabetes):
    X, y = diabetes
    d = prepare_data(X, y)
    alpha, l1_ratio = 0.3, 0.5
    sol = solve_elastic_net(d.Z, d.yc, alpha, l1_ratio)
    good = elastic_net_certificate(d.Z, d.yc, sol.beta, alpha, l1_ratio)
    bad = elastic_net_certificate(d.Z, d.yc, sol.beta * 1.01, alpha, l1_ratio)
    assert good.duality_gap < 1e-10 * (d.yc @ d.yc) / d.n and good.kkt_violation < 1e-9
    assert bad.duality_gap > 1e3 * max(good.duality_gap, 1e-14) and bad.kkt_violation > 1e-3
    assert bad.objective - good.objective <= bad.duality_gap  # the gap bounds the sub-optimality


def test_limits_reproduce_lasso_and_ridge(diabetes):
    """lam2 -> 0: the lasso MAP of the conditional Laplace prior lam = lam1 / (2 sigma);
    lam1 -> 0: ridge with alpha = lam2."""
    X, y = diabetes
    sigma, lam1, lam2 = 50.0, 400.0, 30.0
    lasso = bs.map_estimate(X, y, bs.Laplace(lam=lam1 / (2 * sigma)), sigma=sigma).coef_model_
    enet = bs.map_estimate(X, y, bs.ElasticNet(lam1=lam1, lam2=1e-9)).coef_model_
    np.testing.assert_array_equal(enet != 0, lasso != 0)
    np.testing.assert_allclose(enet, lasso, rtol=0, atol=1e-8 * np.max(np.abs(lasso)))
    d = prepare_data(X, y)
    ridge = Ridge(alpha=lam2, fit_intercept=False).fit(d.Z, d.yc).coef_
    enet = bs.map_estimate(X, y, bs.ElasticNet(lam1=1e-9, lam2=lam2)).coef_model_
    np.testing.assert_allclose(enet, ridge, rtol=0, atol=1e-8 * np.max(np.abs(ridge)))
    ref = Lasso(alpha=lam1 / (2 * len(y)), tol=1e-12, max_iter=10**6).fit(StandardScaler().fit_transform(X), y).coef_
    np.testing.assert_allclose(lasso, ref, atol=1e-6 * np.max(np.abs(ref)))


def test_map_maximizes_pymc_log_density(diabetes):
    """The MAP is a maximum of the PyMC model's own log density (fixed sigma; the Potential holds the
    elastic net density): every perturbation lowers it, including moving a zero coefficient."""
    X, y = diabetes
    sigma = 54.0
    prior = bs.ElasticNet(lam1=3000.0, lam2=200.0)
    m = bs.map_estimate(X, y, prior)
    assert np.any(m.coef_model_ == 0), "choose lam1 so that the MAP has exact zeros"
    model = bs.build_model(X, y, prior, sigma=sigma)
    logp = model.compile_logp(jacobian=False)
    assert {v.name for v in model.value_vars} == {"beta_std", "intercept_c"}
    beta0 = m.coef_model_
    best = logp({"beta_std": beta0, "intercept_c": np.array(0.0)})
    h = 1e-3 * np.max(np.abs(beta0))
    rng = np.random.default_rng(0)
    for j in range(len(beta0)):
        for sign in (-1.0, 1.0):
            b = beta0.copy()
            b[j] += sign * h
            assert logp({"beta_std": b, "intercept_c": np.array(0.0)}) < best
    for _ in range(20):
        b = beta0 + h * rng.normal(size=beta0.shape)
        assert logp({"beta_std": b, "intercept_c": np.array(h * rng.normal())}) < best


def test_map_fast_at_p_20000():
    """Working sets keep p = 20,000 cheap: only Gram matrices of working sets are formed."""
    import time

    X, y, _ = bs.datasets.make_sparse_regression(100, 20_000, 10, correlation=0.5, random_state=0)
    d = prepare_data(X, y)
    alpha = 0.1 * np.max(np.abs(d.Z.T @ d.yc)) / d.n / 0.5
    t0 = time.perf_counter()
    sol = solve_elastic_net(d.Z, d.yc, alpha, 0.5)
    elapsed = time.perf_counter() - t0
    print(
        f"elastic net MAP at n=100, p=20,000: {elapsed:.2f} s, {np.count_nonzero(sol.beta)} non-zeros, "
        f"gap {sol.certificate.duality_gap:.2e}, {sol.n_outer} outer iterations"
    )
    assert sol.converged and sol.certificate.duality_gap <= GAP_RTOL * (d.yc @ d.yc) / d.n
    assert elapsed < 10.0  # about 1 s unloaded; the bound leaves room for a loaded machine


# --------------------------------------------------------------------- Gibbs vs NUTS
def _agree(gibbs_res, nuts_res, names):
    """Posterior means within Z_MAX combined MCSE, posterior sd within 10% (as in test_gibbs)."""
    import arviz as az

    for name in names:
        pg, pn = gibbs_res.idata.posterior[name], nuts_res.idata.posterior[name]
        mg, mn = az.mcse(gibbs_res.idata.posterior[[name]])[name], az.mcse(nuts_res.idata.posterior[[name]])[name]
        z = (pg.mean(("chain", "draw")) - pn.mean(("chain", "draw"))).values / np.hypot(mg.values, mn.values)
        print(f"{name}: max |z| Gibbs vs NUTS = {np.abs(z).max():.2f}")
        assert np.all(np.abs(z) < Z_MAX), (name, np.round(z, 2))
        np.testing.assert_allclose(pg.std(("chain", "draw")).values, pn.std(("chain", "draw")).values, rtol=0.10)


@pytest.mark.parametrize("sigma", [1.0, None], ids=["sigma-fixed", "sigma-jeffreys"])
def test_gibbs_matches_nuts(sigma):
    """Same posterior from the scale-mixture Gibbs sampler and from NUTS on the PyMC model (flat base +
    exact elastic net log density with its sigma-dependent normaliser), sigma fixed or unknown."""
    X, y, _ = bs.datasets.make_sparse_regression(40, 5, 2, correlation=0.5, noise=1.0, random_state=6)
    prior = bs.ElasticNet(lam1=3.0, lam2=2.0)
    kw = dict(chains=2, random_seed=4, progressbar=False, sigma=sigma)
    nuts = bs.fit(X, y, prior, sampler="nuts", draws=1500, tune=700, **kw)
    gibbs = bs.fit(X, y, prior, sampler="gibbs", draws=4000, tune=300, **kw)
    assert nuts.sampler == "nuts" and gibbs.sampler == "gibbs"
    _agree(gibbs, nuts, ["beta", "intercept"] + (["sigma"] if sigma is None else []))


@pytest.mark.slow
def test_gibbs_matches_nuts_hyperprior():
    X, y, _ = bs.datasets.make_sparse_regression(40, 5, 2, correlation=0.5, noise=1.0, random_state=6)
    prior = bs.ElasticNet(lam1_shape=2.0, lam1_rate=0.5, lam2_shape=2.0, lam2_rate=1.0)
    kw = dict(chains=2, random_seed=5, progressbar=False)
    nuts = bs.fit(X, y, prior, sampler="nuts", draws=3000, tune=1500, **kw)
    gibbs = bs.fit(X, y, prior, sampler="gibbs", draws=15000, tune=500, **kw)
    _agree(gibbs, nuts, ["beta", "sigma", "lam1", "lam2"])
