"""Process management for Gibbs chains: forked workers, shared memory, progress,
and sampling until converged.

Kernels know nothing of this module. Each chain advances in its own process
with single-threaded BLAS (so chains don't oversubscribe cores, and the draws
do not depend on how many cores run them); every recorded draw is written
straight into anonymous shared memory, so large posteriors are never pickled
back. A chain can be advanced in pieces (blocks), which is how ``draws="auto"``
extends sampling until the convergence checks pass.
"""

from __future__ import annotations

import itertools
import mmap
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .chain import ChainProblem, advance_chain, empty_outputs, finish_chain, sampler_module, start_chain

__all__ = ["sample_gibbs", "AutoSettings", "SamplingRun"]

#: Recorded draws of running samplers, by token: name -> (chains, capacity, ...)
#: arrays in shared memory. Forked workers inherit this registry and write
#: their chain's draws straight into it.
_SHARED_OUTPUTS = {}
_TOKENS = itertools.count()


def _advance_job(job):
    """Process-pool entry point: advance one chain, writing into the shared outputs.

    Always on one BLAS thread, a lone chain too: its products are n x n or
    n x p with n ~ 100, where threading costs more than it gains (a lone chain
    at n = 100, p = 20,000 ran 2.1x slower on two threads than on one, same
    draws), and other chains or processes use the other cores.
    """
    token, chain = job.pop("token"), job["chain"]
    out = {k: v[chain] for k, v in _SHARED_OUTPUTS[token].items()}
    with threadpool_limits(1):
        return advance_chain(out=out, **job)


def _shared_empty(shape):
    """A float array in anonymous shared memory (MAP_SHARED: visible to forked children)."""
    count = int(np.prod(shape))
    return np.frombuffer(mmap.mmap(-1, max(8 * count, 8)), dtype=float, count=count).reshape(shape)


@dataclass(frozen=True)
class AutoSettings:
    """Sampling until converged (``draws="auto"``).

    After warm-up, chains run in blocks; after each block the rank-normalized
    R-hat and bulk/tail ESS of every monitored quantity are computed, and
    sampling stops when all pass (R-hat <= ``rhat_max``, ESS >= ``ess_min``), or
    when ``max_time`` seconds (warm-up included) or ``max_iterations`` post-warm-up
    iterations per chain would be exceeded. Stored draws are kept within ``memory_gib``:
    when the next block would not fit, every other stored draw is dropped and
    the thinning doubles (the kept draws are exactly those of a run with the
    doubled thinning). Checks are spaced so that they cost at most about a
    quarter of the sampling time.
    """

    max_time: float = 600.0
    max_iterations: int = 200_000
    first_draws: int = 500
    memory_gib: float = 2.0
    rhat_max: float = 1.01
    ess_min: float = 400.0


@dataclass
class SamplingRun:
    """How a run ended: ``reason`` is ``"fixed"`` (an explicit number of draws),
    ``"converged"``, ``"max_time"`` or ``"max_iterations"``; ``checks`` lists, per
    block, the draws per chain, the worst R-hat, the smallest bulk and tail ESS and
    the quantity that was worst, and how many of the ``monitored`` quantities were
    ``checked`` (a failing check stops at its first failing stage: :func:`_check`)."""

    reason: str
    draws: int
    thin: int
    iterations: int
    seconds: float
    checks: list = field(default_factory=list)

    def describe(self) -> str:
        if self.reason == "fixed":
            return f"fixed length: {self.draws} draws per chain (thin {self.thin}) as requested"
        last = self.checks[-1] if self.checks else None
        state = (
            ""
            if last is None
            else f"; last check: R-hat {last['r_hat']:.3f}, bulk ESS {last['ess_bulk']:.0f}, "
            f"tail ESS {last['ess_tail']:.0f}{_partial(last)}"
        )
        why = {
            "converged": "every convergence check passed",
            "max_time": "the time budget ran out before every check passed",
            "max_iterations": "the iteration budget ran out before every check passed",
        }[self.reason]
        return (
            f"sampled until converged: stopped because {why} after {self.iterations} iterations per chain "
            f"({self.draws} stored draws, thin {self.thin}, {self.seconds:.0f} s){state}"
        )


def sample_gibbs(
    design,
    spec,
    *,
    draws,
    tune,
    chains,
    random_seed,
    progressbar=True,
    cores=None,
    thin=1,
    auto: AutoSettings | None = None,
):
    """Run the Gibbs chains of ``spec`` (a :class:`~bayes_sparse.spec.ModelSpec`) on a validated design.

    ``draws`` per chain (every ``thin``-th iteration after ``tune`` warm-up
    iterations), or, with ``auto`` settings, until the convergence checks pass.

    Returns ``(outputs, run)``: a dict of (chains, draws, ...) arrays (``beta`` on
    the model scale, ``sigma``, ``intercept_c``, the prior's outputs, ``stat:<name>``)
    and a :class:`SamplingRun`.
    """
    rules = spec.rules
    problem = ChainProblem(
        rules.name,
        rules.sampler_spec(spec.prior, design.n, design.p, spec.family),
        spec.noise,
        design.Z,
        spec.likelihood.chain_response(design),
        spec.likelihood,
    )
    module = sampler_module(rules.name)
    if hasattr(module, "warm_up"):
        module.warm_up()  # compile / load compiled code once, before chains fork
    if spec.likelihood.name == "bernoulli":
        from . import _active_block, _weighted

        _weighted.warm_up()
        _active_block.warm_up()
    seeds = np.random.SeedSequence(random_seed).spawn(chains)
    cores = max(1, min(cores or os.cpu_count() or 1, chains))
    fork = "fork" in mp.get_all_start_methods()
    if auto is None:
        capacity = draws
    else:
        # per-feature arrays of the finished posterior: beta, the prior's per-feature
        # outputs and, when standardized, beta on the original scale (a copy made by
        # gibbs_to_idata): a budget on the stored draws alone let the run peak at 1.5x it
        vectors = 1 + len(module.outputs(problem.spec).vectors) + int(design.standardize)
        per_draw = 8 * chains * design.p * vectors
        capacity = int(max(2 * auto.first_draws, min(auto.max_iterations, auto.memory_gib * 2**30 // per_draw)))
    template = empty_outputs(problem, 1)
    token = next(_TOKENS)  # pickles to an equal value (an object() would not)
    alloc = _shared_empty if fork else np.empty
    _SHARED_OUTPUTS[token] = {k: alloc((chains, capacity, *v.shape[1:])) for k, v in template.items()}
    starts = [None] * chains
    if rules.multimodal and chains > 1:
        from .starts import dispersed_supports

        starts = dispersed_supports(design.Z, design.yc, seeds)
    carries = [start_chain(problem, seeds[c], tune, starts[c]) for c in range(chains)]
    start = time.perf_counter()
    try:
        with _Workers(cores, fork) as workers:
            if auto is None:
                carries, stored = workers.advance(
                    problem,
                    carries,
                    token,
                    tune=tune,
                    iterations=tune + draws * thin,
                    thin=thin,
                    offset=0,
                    progressbar=progressbar,
                )
                run = SamplingRun("fixed", stored, thin, tune + draws * thin, time.perf_counter() - start)
            else:
                carries, stored, thin, run = _sample_until_converged(
                    workers,
                    problem,
                    carries,
                    token,
                    tune,
                    auto,
                    capacity,
                    spec,
                    design.feature_names,
                    progressbar,
                    start,
                )
        arrays = {k: np.asarray(v[:, :stored]) for k, v in _SHARED_OUTPUTS[token].items()}
    finally:
        del _SHARED_OUTPUTS[token]
    if "intercept_c" not in arrays:  # not drawn in the sweep: drawn now, given the rest
        intercepts = []
        for c, carry in enumerate(carries):
            intercepts.append(finish_chain(carry, {"sigma": arrays["sigma"][c]}, design.n)["intercept_c"])
        arrays["intercept_c"] = np.stack(intercepts)
    return arrays, run


class _Workers:
    """Advances all chains by the same number of iterations, in processes when cores > 1."""

    def __init__(self, cores, fork):
        self.cores, self.fork, self.pool = cores, fork, None

    def __enter__(self):
        if self.cores > 1:
            # fork (Linux) needs no `if __name__ == "__main__"` guard in user scripts, as PyMC
            ctx = mp.get_context("fork" if self.fork else "spawn")
            self.pool = ProcessPoolExecutor(max_workers=self.cores, mp_context=ctx)
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown()
        return False

    def advance(self, problem, carries, token, *, tune, iterations, thin, offset, progressbar):
        from .._progress import ChainProgress

        chains = len(carries)
        total = carries[0].iteration + iterations
        with ChainProgress(chains, total, enabled=progressbar, parallel=self.pool is not None) as progress:
            jobs = [
                dict(
                    problem=problem,
                    carry=carry,
                    tune=tune,
                    iterations=iterations,
                    thin=thin,
                    offset=offset,
                    progress=progress.queue,
                    chain=c,
                    report_every=max(1, total // 100),
                    token=token,
                )
                for c, carry in enumerate(carries)
            ]
            if self.pool is None:
                results = []
                for job in jobs:
                    results.append(_advance_job(job))
                    progress.drain()
            else:
                futures = [self.pool.submit(_advance_job, job) for job in jobs]
                progress.wait(futures)
                results = [f.result() for f in futures]
            if progress.queue is not None:
                for c in range(chains):
                    progress.queue.put((c, total))
        new = [r[0] for r in results]
        return new, offset + results[0][1]


def _monitored(token, stored, spec, hyper):
    """The quantities whose convergence decides when to stop: beta (model scale;
    rank diagnostics are invariant to the per-feature rescaling), sigma unless
    fixed, the prior's scalar hyperparameters, and the intercept when the family
    draws it in the sweep (Bernoulli). A Gaussian model's intercept is x_mean' beta
    plus an independent draw, so it is covered by beta."""
    arrays = _SHARED_OUTPUTS[token]
    names = list(hyper)
    if spec.noise.fixed is None:
        names.append("sigma")
    if "intercept_c" in arrays:
        names.append("intercept_c")
    scalars = [arrays[name][:, :stored] for name in names]
    return arrays["beta"][:, :stored], (np.stack(scalars, axis=-1) if scalars else None), names


#: A convergence check goes through the coefficients in stages of this many features,
#: the most suspect first (:func:`_suspicion`), and stops at the first stage that holds
#: a failing quantity: the verdict is that of the full check, and a failing check (all
#: but the last of a run) costs a fraction of one; a full check at p = 20,000 and
#: 4 x 1,000 draws takes about 12 s on 2 cores.
CHECK_STAGE = 2_000


def _suspicion(beta, auto):
    """How far each coefficient looks from passing, from statistics without ranks or
    FFTs (one pass over its draws): the basic split R-hat and a lag-1 estimate of the
    ESS, ``N (1 - rho1) / (1 + rho1)``. Only orders the staged check; never decides it."""
    from .._mcmc_stats import _BLOCK_SIZE, _rhat, _split_chains

    chains, draws, p = beta.shape
    score = np.empty(p)
    step = max(1, _BLOCK_SIZE // max(1, chains * draws))
    for k in range(0, p, step):
        x = np.asarray(beta[:, :, k : k + step], dtype=float)
        centred = x - x.mean(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho1 = np.sum(centred[:, 1:] * centred[:, :-1], axis=(0, 1)) / np.sum(centred * centred, axis=(0, 1))
            ess1 = chains * draws * (1.0 - rho1) / (1.0 + rho1)
            rhat = _rhat(_split_chains(x)) if draws > 3 else np.ones(x.shape[2])
            score[k : k + step] = np.maximum((rhat - 1.0) / (auto.rhat_max - 1.0), auto.ess_min / ess1)
    return np.nan_to_num(score, nan=np.inf)  # constant or non-finite draws: check them first


def _stages(beta, labels, scalars, names, auto):
    """The check's stages, lazily (each a list of (draws, labels)): everything at once
    when small; else the scalars, then the coefficients by decreasing :func:`_suspicion`."""
    scalar_part = [(scalars, names)] if scalars is not None else []
    if beta.shape[2] + len(names) <= CHECK_STAGE:
        # rank_diagnostics works through blocks of features: no copy of the stored draws
        yield [(beta, labels), *scalar_part]
        return
    yield scalar_part
    order = np.argsort(-_suspicion(beta, auto), kind="stable")
    for k in range(0, order.size, CHECK_STAGE):
        idx = np.sort(order[k : k + CHECK_STAGE])  # sorted: the copy reads memory in order
        yield [(beta[:, :, idx], labels[idx])]


def _check(token, stored, spec, feature_names, auto):
    """Worst R-hat and smallest bulk / tail ESS over the monitored quantities, with the
    quantity that gave each. Staged: the scalars, then the coefficients in stages of
    :data:`CHECK_STAGE`, most suspect first; it stops after the first stage with a
    failing quantity (``checked`` < ``monitored``: the worst values are those of the
    quantities checked). A check that passes has seen every quantity."""
    from .._mcmc_stats import rank_diagnostics

    hyper = spec.rules.hyper_names(spec.prior)
    beta, scalars, names = _monitored(token, stored, spec, hyper)
    chains, _, p = beta.shape
    labels = np.array([f"beta[{f}]" for f in feature_names], dtype=object)
    worst = {"r_hat": (-np.inf, ""), "ess_bulk": (np.inf, ""), "ess_tail": (np.inf, "")}
    checked = 0
    for stage in _stages(beta, labels, scalars, names, auto):
        for draws, labs in stage:
            rhat, bulk, tail = rank_diagnostics(draws, rhat=chains > 1)
            checked += len(labs)
            for key, values, pick in (
                ("r_hat", rhat, np.nanargmax),
                ("ess_bulk", bulk, np.nanargmin),
                ("ess_tail", tail, np.nanargmin),
            ):
                if values is None or np.all(np.isnan(values)):
                    continue
                i = int(pick(values))
                better = values[i] > worst[key][0] if key == "r_hat" else values[i] < worst[key][0]
                if better:
                    worst[key] = (float(values[i]), str(labs[i]))
        check = {"draws": stored, **{k: v[0] for k, v in worst.items()}, "worst": {k: v[1] for k, v in worst.items()}}
        if not _passes(check, auto, chains):
            break
    check.update(checked=checked, monitored=p + len(names))
    return check


def _partial(check) -> str:
    """Says when a check stopped at its first failing stage (worst of what it saw)."""
    checked, monitored = check.get("checked"), check.get("monitored")
    if checked is None or checked >= monitored:
        return ""
    return f" (over the {checked} of {monitored} quantities checked before the first failing stage)"


def _passes(check, auto, chains):
    ok = check["ess_bulk"] >= auto.ess_min and check["ess_tail"] >= auto.ess_min
    return ok and (chains < 2 or check["r_hat"] <= auto.rhat_max)


def _compact(token, stored):
    """Keep every other stored draw (indices 1, 3, 5, ...): the draws of the doubled thinning."""
    half = stored // 2
    for arr in _SHARED_OUTPUTS[token].values():
        arr[:, :half] = arr[:, 1 : 2 * half : 2].copy()
    return half


def _doublings_to_fit(stored: int, block: int, capacity: int) -> int:
    """How many times the thinning must double (each halving the stored draws and the
    next block's draws, which keeps the block's iterations) before ``stored + block``
    draws fit in ``capacity``. A block planned for more draws than the whole capacity
    (the check-cost rule asks for many draws when checks are slow and iterations fast,
    as at p = 20,000) must shrink with the stored draws; when only the stored draws were
    halved, they went down to one and the thinning to 1,024 (a p = 20,000 run ended
    with 14 stored draws per chain)."""
    k = 0
    while stored + block > capacity and stored > 1:
        stored //= 2  # as _compact
        block = max(block // 2, 1)
        k += 1
    return k


def _sample_until_converged(
    workers, problem, carries, token, tune, auto, capacity, spec, feature_names, progressbar, start
):
    from rich.console import Console

    console = Console(stderr=True) if progressbar else None
    chains = len(carries)
    # warm-up first, on its own: its pace sizes the first block to the time left
    t0 = time.perf_counter()
    carries, stored = workers.advance(
        problem, carries, token, tune=tune, iterations=tune, thin=1, offset=0, progressbar=progressbar
    )
    per_iter = (time.perf_counter() - t0) / max(tune, 1)  # seconds per iteration (all chains)
    thin, checks, t_check = 1, [], 0.0
    block = auto.first_draws
    reason = "max_time"
    while True:
        # fit the next block into the memory budget by doubling the thinning
        for _ in range(_doublings_to_fit(stored, block, capacity)):
            stored = _compact(token, stored)
            thin *= 2
            block = max(block // 2, 1)  # the same number of iterations at twice the thinning
        # and into the time left, keeping room for its convergence check
        remaining = auto.max_time - (time.perf_counter() - start) - t_check
        fits = int(remaining / max(per_iter * thin, 1e-9))
        block = min(block, capacity - stored, auto.max_iterations // thin - stored, fits)
        if block < 1:
            reason = "max_time" if fits < 1 else "max_iterations"
            break
        t0 = time.perf_counter()
        # end the block on a recorded iteration, so the chain never runs past its last
        # stored draw (after a thinning change it may have run up to thin - 1 iterations
        # beyond it); then the draws equal those of a fixed-length run
        done = carries[0].iteration - tune
        iters = (stored + block) * thin - done
        carries, stored = workers.advance(
            problem, carries, token, tune=tune, iterations=iters, thin=thin, offset=stored, progressbar=False
        )
        per_iter = (time.perf_counter() - t0) / max(iters, 1)
        t1 = time.perf_counter()
        check = _check(token, stored, spec, feature_names, auto)
        t_check = time.perf_counter() - t1
        check.update(thin=thin, seconds=time.perf_counter() - start)
        checks.append(check)
        if console is not None:
            from rich.markup import escape  # feature names like beta[x12] are not markup

            console.print(
                f"[bold]block {len(checks)}[/bold]: {stored} draws/chain (thin {thin}), "
                f"worst R-hat {check['r_hat']:.3f} ({escape(check['worst']['r_hat'])}), "
                f"min ESS bulk {check['ess_bulk']:.0f} / tail {check['ess_tail']:.0f}"
                f"{_partial(check)}, {check['seconds']:.0f} s"
            )
        if _passes(check, auto, chains):
            reason = "converged"
            break
        if stored * thin >= auto.max_iterations:
            reason = "max_iterations"
            break
        # grow geometrically (half the draws so far), and enough that the next check
        # costs at most a quarter of the block's sampling time
        block = max(stored // 2, int(4 * t_check / max(per_iter * thin, 1e-9)), 50)
    if stored == 0:  # the warm-up used up the time: keep one draw so the result exists
        carries, stored = workers.advance(
            problem, carries, token, tune=tune, iterations=1, thin=1, offset=0, progressbar=False
        )
    total_iter = carries[0].iteration - tune
    run = SamplingRun(reason, stored, thin, total_iter, time.perf_counter() - start, checks)
    return carries, stored, thin, run
