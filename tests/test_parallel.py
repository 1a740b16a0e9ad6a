"""Sampling until converged (draws="auto"): stopping, extension, time budget,
automatic thinning, and equality with fixed-length runs."""

import time
import warnings

import numpy as np
import pytest

import bayes_sparse as bs
from bayes_sparse._data import prepare_data
from bayes_sparse.samplers.parallel import AutoSettings, SamplingRun, sample_gibbs
from bayes_sparse.spec import ModelSpec


@pytest.fixture(scope="module")
def problem():
    X, y, _ = bs.datasets.make_sparse_regression(50, 8, 2, correlation=0.3, random_state=5)
    return X, y


def _run(problem, prior, auto, seed=3, chains=2, **kw):
    X, y = problem
    design = prepare_data(X, y)
    return sample_gibbs(
        design,
        ModelSpec.build(prior),
        draws=None,
        tune=100,
        chains=chains,
        random_seed=seed,
        progressbar=False,
        cores=1,
        auto=auto,
        **kw,
    )


def _fixed(problem, prior, draws, thin=1, seed=3, chains=2):
    X, y = problem
    design = prepare_data(X, y)
    return sample_gibbs(
        design,
        ModelSpec.build(prior),
        draws=draws,
        tune=100,
        chains=chains,
        random_seed=seed,
        progressbar=False,
        cores=1,
        thin=thin,
    )


def test_easy_problem_stops_at_the_first_check(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error", bs.DiagnosticWarning)  # a converged auto fit warns about nothing
        post = bs.fit(*problem, bs.Gaussian(scale=1.0), random_seed=1, progressbar=False)
    run = post.run
    assert run.reason == "converged"
    # stopped at the first check that passed (R-hat of a few hundred draws is noisy at the
    # 1.01 level, so an easy problem may need one extension block, not more)
    assert len(run.checks) <= 2 and run.checks[0]["draws"] == AutoSettings().first_draws
    passed = [c["r_hat"] <= 1.01 and min(c["ess_bulk"], c["ess_tail"]) >= 400 for c in run.checks]
    assert passed[-1] and not any(passed[:-1])
    assert post.diagnostics.passed
    assert "every convergence check passed" in post.run.describe()


def test_extends_until_the_checks_pass_and_equals_a_fixed_run(problem):
    # an ESS target that 250 draws cannot reach forces extension blocks
    auto = AutoSettings(ess_min=1500, max_time=120)
    arrays, run = _run(problem, bs.Laplace(), auto)
    assert run.reason == "converged" and len(run.checks) >= 2
    assert [c["draws"] for c in run.checks] == sorted(c["draws"] for c in run.checks)
    assert run.checks[-1]["ess_bulk"] >= 1500 and all(c["ess_bulk"] < 1500 for c in run.checks[:-1])
    fixed, _ = _fixed(problem, bs.Laplace(), run.draws)
    for name in ("beta", "sigma", "lam", "intercept_c"):
        np.testing.assert_array_equal(arrays[name], fixed[name])


def test_honours_max_time(problem):
    auto = AutoSettings(ess_min=1e9, max_time=3.0)  # never converges
    start = time.perf_counter()
    arrays, run = _run(problem, bs.Horseshoe(expected_nonzero=2), auto)
    elapsed = time.perf_counter() - start
    assert run.reason == "max_time"
    # the last block is sized to the remaining time; one check and assembly come on top
    assert elapsed < 3.0 + 5.0, elapsed
    assert arrays["beta"].shape[1] == run.draws
    assert "time budget ran out" in run.describe()


def test_memory_budget_thins_to_a_fixed_run_with_the_doubled_thinning(problem):
    X, _ = problem
    per_draw_gib = 8 * 2 * X.shape[1] / 2**30  # beta, two chains
    auto = AutoSettings(ess_min=1e9, max_iterations=2000, first_draws=100, memory_gib=300 * per_draw_gib)
    arrays, run = _run(problem, bs.Laplace(lam=1.0), auto)
    assert run.reason == "max_iterations" and run.thin >= 2
    assert arrays["beta"].shape[1] == run.draws <= 300
    fixed, _ = _fixed(problem, bs.Laplace(lam=1.0), run.draws, thin=run.thin)
    for name in ("beta", "sigma", "intercept_c"):
        np.testing.assert_array_equal(arrays[name], fixed[name])


def test_auto_arguments_are_validated(problem):
    X, y = problem
    with pytest.raises(ValueError, match="max_time must be a positive number"):
        bs.fit(X, y, bs.Laplace(), max_time=0, progressbar=False)
    with pytest.raises(ValueError, match="max_time and memory_gib apply to draws='auto' only"):
        bs.fit(X, y, bs.Laplace(), draws=10, max_time=5, progressbar=False)
    with pytest.raises(ValueError, match="thin is chosen automatically"):
        bs.fit(X, y, bs.Laplace(), thin=2, progressbar=False)
    with pytest.raises(ValueError, match="draws must be an integer"):
        bs.fit(X, y, bs.Laplace(), draws="many", progressbar=False)


def test_a_warm_up_longer_than_the_budget_still_returns(problem):
    arrays, run = _run(problem, bs.Laplace(), AutoSettings(max_time=1e-3))
    assert run.reason == "max_time" and run.draws == 1 and not run.checks
    assert arrays["beta"].shape[:2] == (2, 1)


def test_a_block_larger_than_the_budget_halves_with_the_stored_draws():
    from bayes_sparse.samplers.parallel import _doublings_to_fit

    assert _doublings_to_fit(100, 50, 300) == 0
    assert _doublings_to_fit(300, 100, 300) == 1  # 150 + 50 fit
    # a block planned for more draws than the whole budget (slow checks, fast iterations):
    # 1,600 stored + 2,300 planned -> 800 + 1,150 -> 400 + 575 fit: thin x4, not x1,024
    assert _doublings_to_fit(1600, 2300, 1600) == 2
    # whatever is asked, doubling stops once at most one draw is stored
    assert _doublings_to_fit(1600, 10**9, 1600) == 10


def _staged_check(beta, sigma, auto):
    """The auto mode's check on given draws (chain, draw, p) and sigma (chain, draw)."""
    from bayes_sparse.samplers import parallel

    token = object()
    parallel._SHARED_OUTPUTS[token] = {"beta": beta, "sigma": sigma}
    try:
        names = [f"x{j}" for j in range(beta.shape[2])]
        return parallel._check(token, beta.shape[1], ModelSpec.build(bs.Gaussian(scale=1.0)), names, auto)
    finally:
        del parallel._SHARED_OUTPUTS[token]


def _ar1(rng, shape, phi):
    x = np.empty(shape)
    x[:, 0] = rng.standard_normal(shape[0])
    for t in range(1, shape[1]):
        x[:, t] = phi * x[:, t - 1] + np.sqrt(1 - phi**2) * rng.standard_normal(shape[0])
    return x


@pytest.fixture(scope="module")
def wide_draws():
    from bayes_sparse.samplers.parallel import CHECK_STAGE

    rng = np.random.default_rng(11)
    p = 3 * CHECK_STAGE + 10  # four stages of coefficients after the scalars
    return rng.standard_normal((4, 200, p)), rng.standard_normal((4, 200))


def test_staged_check_that_passes_saw_everything_and_equals_the_full_check(wide_draws):
    from bayes_sparse._mcmc_stats import rank_diagnostics

    beta, sigma = wide_draws
    auto = AutoSettings(rhat_max=1.5, ess_min=50)
    check = _staged_check(beta, sigma, auto)
    full = [np.concatenate(v) for v in zip(rank_diagnostics(beta), rank_diagnostics(sigma[..., None]))]
    assert check["checked"] == check["monitored"] == beta.shape[2] + 1
    assert check["r_hat"] == full[0].max()
    assert check["ess_bulk"] == full[1].min() and check["ess_tail"] == full[2].min()


def test_staged_check_stops_at_the_stage_with_a_slowly_mixing_coefficient(wide_draws):
    from bayes_sparse.samplers.parallel import CHECK_STAGE

    beta, sigma = wide_draws[0].copy(), wide_draws[1].copy()
    auto = AutoSettings(rhat_max=1.5, ess_min=50)
    beta[:, :, 4321] = _ar1(np.random.default_rng(1), beta.shape[:2], 0.995)  # ESS ~ 4
    check = _staged_check(beta, sigma, auto)
    # the cheap lag-1 screen puts it in the first stage of coefficients
    assert check["checked"] == 1 + CHECK_STAGE
    assert check["worst"]["ess_bulk"] == "beta[x4321]" and check["ess_bulk"] < 50
    assert (
        "quantities checked before the first failing stage"
        in SamplingRun("max_time", 200, 1, 200, 1.0, [check]).describe()
    )
    sigma[:] = _ar1(np.random.default_rng(2), sigma.shape, 0.995)
    check = _staged_check(beta, sigma, auto)
    assert check["checked"] == 1 and check["worst"]["ess_bulk"] == "sigma"  # the scalars' stage decides


@pytest.mark.parametrize("seed", range(3))
def test_staged_check_has_the_verdict_of_the_full_check(wide_draws, seed):
    # thresholds where exactly one coefficient of the full check fails, wherever the
    # screen ranks it: the staged check must still find it (its order only saves time)
    from bayes_sparse._mcmc_stats import rank_diagnostics

    rng = np.random.default_rng(seed)
    beta = wide_draws[0][:, :, rng.permutation(wide_draws[0].shape[2])]
    sigma = wide_draws[1]
    _, bulk, tail = rank_diagnostics(beta)
    worst = np.sort(np.minimum(bulk, tail))
    auto = AutoSettings(rhat_max=10.0, ess_min=0.5 * (worst[0] + worst[1]))
    check = _staged_check(beta, sigma, auto)
    assert min(check["ess_bulk"], check["ess_tail"]) == worst[0] < auto.ess_min
    auto = AutoSettings(rhat_max=10.0, ess_min=0.999 * worst[0])
    assert min(_staged_check(beta, sigma, auto)[k] for k in ("ess_bulk", "ess_tail")) == worst[0]


@pytest.mark.parametrize("chains", [1, 2])
def test_every_chain_runs_on_one_blas_thread(problem, monkeypatch, chains):
    """A lone chain too: at n ~ 100 BLAS threading slows an iteration down."""
    from threadpoolctl import threadpool_info

    from bayes_sparse.samplers import parallel

    seen = []
    advance = parallel.advance_chain

    def recording(**kw):
        seen.append(max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"), default=1))
        return advance(**kw)

    monkeypatch.setattr(parallel, "advance_chain", recording)
    _fixed(problem, bs.Horseshoe(), draws=20, chains=chains)
    assert seen and set(seen) == {1}
