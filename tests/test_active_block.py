"""The joint MH move of (b0, beta_A) under the logistic likelihood leaves its conditional invariant.

Independent truths: the mode against scikit-learn's L2-logistic fit at tight
tolerance (coefficients rescaled so that every prior variance is 1, the
intercept unpenalised as the flat prior), and the move's draws against the
conditional density summed on a fine 3-d grid (means, sds and a correlation,
within Z_MAX Monte Carlo standard errors from batch means).
"""

import math
import warnings
import zlib

import numpy as np
import pytest

from bayes_sparse.families import BernoulliFamily
from bayes_sparse.samplers import _active_block as AB
from bayes_sparse.samplers._gaussian_draw import LinearData

#: |estimate - grid| / MCSE bound: a false alarm per comparison has probability < 1e-4 (normal tails)
Z_MAX = 4.0
BATCHES = 50


def _problem(rng, n, p, signal):
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    beta = np.zeros(p)
    beta[: len(signal)] = signal
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(0.3 + Z @ beta)))).astype(float)
    return LinearData.from_arrays(Z, y), beta


def _batch_se(x, batches=BATCHES):
    m = x.size // batches
    means = x[: m * batches].reshape(batches, m).mean(1)
    return means.std(ddof=1) / math.sqrt(batches)


def test_log_target_is_the_family_log_likelihood_plus_the_prior():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(15, 3))
    y = (rng.random(15) < 0.5).astype(float)
    offset, precision, theta = rng.normal(size=15), np.array([0.0, 2.0, 0.5]), 30 * rng.normal(size=3)
    expected = np.sum(BernoulliFamily().log_likelihood(y, offset + X @ theta)) - 0.5 * np.sum(precision * theta**2)
    assert AB.log_target(X, y, offset, precision, theta) == pytest.approx(expected, rel=1e-12)


def test_score_and_weight_are_the_derivatives_of_the_log_likelihood():
    fam, y = BernoulliFamily(), np.array([0.0, 1.0, 1.0, 0.0])
    eta, h = np.array([-40.0, -1.0, 0.5, 30.0]), 1e-5
    score, weight = fam.score_and_weight(y, eta)
    ll = lambda e: fam.log_likelihood(y, e)  # noqa: E731
    np.testing.assert_allclose(score, (ll(eta + h) - ll(eta - h)) / (2 * h), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(weight, -(ll(eta + h) - 2 * ll(eta) + ll(eta - h)) / h**2, rtol=1e-3, atol=1e-12)


def test_newton_mode_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    data, _ = _problem(rng, 60, 4, [1.5, -1.0])
    g = np.array([4.0, 0.5, 2.0, 0.1])
    X = np.column_stack([np.ones(60), data.Z])
    theta = np.zeros(5)
    L, steps, ok = AB.newton_mode(X, data.yc, np.zeros(60), np.concatenate(([0.0], 1 / g)), theta, 1e-14, 50)
    assert ok and steps < 50
    # beta_j = sqrt(g_j) gamma_j with gamma ~ N(0, 1): sklearn's l2 penalty ||gamma||^2 / 2 at C = 1
    lr = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(data.Z * np.sqrt(g), data.yc)
    np.testing.assert_allclose(theta[0], lr.intercept_[0], rtol=1e-6)
    np.testing.assert_allclose(theta[1:], np.sqrt(g) * lr.coef_[0], rtol=1e-6)
    # L L' is minus the Hessian at the mode (finite differences of the compiled target)
    H = L @ L.T
    f = lambda t: AB.log_target(X, data.yc, np.zeros(60), np.concatenate(([0.0], 1 / g)), t)  # noqa: E731
    e, h = np.eye(5), 1e-4
    fd = np.array([[(f(theta + h * e[a] + h * e[b]) - f(theta + h * e[a]) - f(theta + h * e[b]) + f(theta)) / h**2
                    for b in range(5)] for a in range(5)])  # fmt: skip
    np.testing.assert_allclose(-fd, H, rtol=1e-3, atol=1e-3)


def test_active_set_holds_the_largest_prior_variances():
    g = np.array([0.1, 5.0, 0.3, 9.0, 2.0])
    np.testing.assert_array_equal(AB.active_set(g, 2), [1, 3])
    np.testing.assert_array_equal(AB.active_set(g, 5), np.arange(5))
    assert AB.active_set_size(100, 500) == AB.ACTIVE_SET_MAX
    assert AB.active_set_size(8, 3) == 2 and AB.active_set_size(4, 6) == 1


def test_move_keeps_the_other_coefficients():
    rng = np.random.default_rng(2)
    data, beta = _problem(rng, 40, 8, [2.0, -1.5, 1.0])
    g = np.full(8, 0.05)
    g[[0, 2, 5]] = [3.0, 2.0, 1.0]
    beta = beta + 0.1 * rng.normal(size=8)
    moved = 0
    for _ in range(20):
        res = AB.block_move(rng, BernoulliFamily(), data, 0.2, beta, g, k=3)
        np.testing.assert_array_equal(np.delete(res.beta, [0, 2, 5]), np.delete(beta, [0, 2, 5]))
        moved += res.accepted
    assert moved >= 10  # a good proposal on this well-conditioned problem


def _grid_moments(data, b_fixed, g, offset_beta, precision0, k_free, half_width=7.0, m=81):
    """Means, sds and corr(b0, beta_0) of (b0, beta_0, beta_1) under the conditional, by a 3-d grid
    around the Laplace approximation (computed independently with scipy)."""
    from scipy.optimize import minimize
    from scipy.special import log_expit

    Z, y = data.Z, data.yc
    fixed = Z[:, k_free:] @ offset_beta
    prec = np.concatenate(([precision0], 1 / g[:k_free]))

    def neg(t):
        e = t[0] + Z[:, :k_free] @ t[1:] + fixed
        return -(np.sum(y * log_expit(e) + (1 - y) * log_expit(-e)) - 0.5 * np.sum(prec * t * t))

    opt = minimize(neg, np.zeros(k_free + 1), method="BFGS", options={"gtol": 1e-10})
    sd = np.sqrt(np.diag(opt.hess_inv))
    axes = [np.linspace(mu - half_width * s, mu + half_width * s, m) for mu, s in zip(opt.x, sd)]
    T = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, k_free + 1)
    E = T[:, :1] + T[:, 1:] @ Z[:, :k_free].T + fixed
    logp = np.sum(y * log_expit(E) + (1 - y) * log_expit(-E), 1) - 0.5 * np.sum(prec * T * T, 1)
    w = np.exp(logp - logp.max())
    w /= w.sum()
    mean = w @ T
    sdev = np.sqrt(w @ (T - mean) ** 2)
    corr = (w @ ((T[:, 0] - mean[0]) * (T[:, 1] - mean[1]))) / (sdev[0] * sdev[1])
    return mean, sdev, corr


class _ProperIntercept(BernoulliFamily):
    intercept_prior_precision = 0.5


@pytest.mark.parametrize(
    "case, signal, g_free, family",
    [
        ("well-conditioned", [1.0, -0.5], [2.0, 1.0], BernoulliFamily()),
        # strong signals and wide priors at n = 25: a skewed conditional the Laplace proposal misfits
        ("nearly-separated", [4.0, -3.0], [25.0, 25.0], BernoulliFamily()),
        ("proper intercept prior", [1.0, -0.5], [2.0, 1.0], _ProperIntercept()),
    ],
)
def test_move_samples_its_conditional(case, signal, g_free, family):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    n = 25
    data, _ = _problem(rng, n, 3, signal)
    beta = np.array([0.0, 0.0, 0.4])  # beta_2 stays fixed (outside the active set)
    g = np.array([*g_free, 1e-3])
    draws, b0, accepted = [], 0.0, 0
    for _ in range(20_000):
        res = AB.block_move(rng, family, data, b0, beta, g, k=2)
        b0, beta, accepted = res.b0, res.beta, accepted + res.accepted
        draws.append((b0, beta[0], beta[1]))
    draws = np.array(draws)
    assert beta[2] == 0.4
    mean, sd, corr = _grid_moments(data, None, g, beta[2:], family.intercept_prior_precision, 2)
    rate = accepted / len(draws)
    for k, name in enumerate(("b0", "beta_0", "beta_1")):
        x = draws[:, k]
        z_mean = (x.mean() - mean[k]) / _batch_se(x)
        sq = (x - mean[k]) ** 2  # its mean is the variance
        z_var = (sq.mean() - sd[k] ** 2) / _batch_se(sq)
        print(f"{case}: {name} mean {x.mean():.4f} vs {mean[k]:.4f} (z {z_mean:.2f}), var z {z_var:.2f}")
        assert abs(z_mean) < Z_MAX
        assert abs(z_var) < Z_MAX
    c = np.corrcoef(draws[:, 0], draws[:, 1])[0, 1]
    assert abs(c - corr) < 0.05  # 20,000 nearly independent draws: the sd of r is below 0.01
    print(f"{case}: acceptance rate {rate:.2f}")
    assert 0.05 < rate <= 1.0


def test_acceptance_is_recorded_where_the_move_runs():
    """sample_stats.block_accepted (0/1 per draw) for the binary lasso; absent where the move does not
    run (the horseshoe, and every Gaussian-likelihood model)."""
    import bayes_sparse as bs

    X, y, _ = bs.datasets.make_sparse_classification(60, 8, 2, correlation=0.3, random_state=4)
    kw = dict(sampler="gibbs", chains=2, draws=300, tune=100, random_seed=1, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short chains: convergence warnings are beside the point
        lasso = bs.fit(X, y, bs.Laplace(), family="bernoulli", **kw)
    acc = lasso.idata.sample_stats["block_accepted"].values
    assert acc.shape == (2, 300) and set(np.unique(acc)) <= {0.0, 1.0}
    assert 0.05 < acc.mean() <= 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        horseshoe = bs.fit(X, y, bs.Horseshoe(expected_nonzero=2), family="bernoulli", **kw)
        gaussian = bs.fit(X, X[:, 0] + y, bs.Laplace(), **kw)
    assert "block_accepted" not in horseshoe.idata.sample_stats
    assert "block_accepted" not in getattr(gaussian.idata, "sample_stats", {})  # (no stats at all there)
