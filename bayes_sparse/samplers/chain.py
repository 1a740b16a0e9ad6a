"""One Gibbs chain: warm-up with adaptation, then recorded (thinned) draws.

A prior's Gibbs module provides ``init(rng, spec, data, noise) -> state``,
``build_kernel(spec, noise) -> kernel(rng, state, data) -> (state, info)``
(``info`` a NamedTuple of per-iteration statistics), ``outputs(spec)`` naming
what to record, and optionally ``make_adapter(spec, tune)`` (a warm-up
``adapter(it, state, data) -> state``, ``data`` the iteration's pseudo-data). The likelihood
family provides the other half of a sweep (:mod:`bayes_sparse.families`):
``augment`` turns the data into the (pseudo-)data the prior's kernel draws
beta from (Gaussian: the data; Bernoulli: Polya-Gamma weighted pseudo-data),
``update`` draws what the family carries (Bernoulli: the intercept) after beta.
A sweep is: likelihood block -> prior kernel -> family update, then, for a
family that asks for them (Bernoulli), moves with the likelihood itself: a joint
MH move of the intercept and the least-shrunk coefficients for the priors whose
module sets ``COEFFICIENT_BLOCK`` (:mod:`._active_block`), then the non-centred
moves of the prior's global scales (:mod:`._noncentred`). This module runs
the loop, in pieces if asked (:func:`start_chain`, :func:`advance_chain`: a
chain advanced in several pieces gives exactly the draws of one run);
:mod:`bayes_sparse.samplers.parallel` runs chains in processes.
"""

from __future__ import annotations

import importlib
import math
from typing import NamedTuple

import numpy as np

from ._active_block import block_move
from ._gaussian_draw import LinearData
from ._noncentred import apply_moves, noncentred_moves

__all__ = [
    "Outputs",
    "ChainCarry",
    "ChainProblem",
    "run_chain",
    "start_chain",
    "advance_chain",
    "empty_outputs",
    "finish_chain",
    "sampler_module",
    "uses_block_move",
]


class Outputs(NamedTuple):
    """What a chain records besides beta and sigma: name -> function of the state,
    and the fields of the kernel's info (recorded as sampler statistics)."""

    scalars: dict  # one number per draw
    vectors: dict  # one value per feature per draw (dims ``feature``)
    stats: tuple = ()


class ChainProblem(NamedTuple):
    """What a chain samples: the prior's Gibbs module (by registry name), its
    resolved specification, the noise, the centred data and the likelihood."""

    sampler: str
    spec: object
    noise: object
    Z: np.ndarray
    yc: np.ndarray
    likelihood: object


class ChainCarry(NamedTuple):
    """Everything needed to continue a chain: generator, sampler state, iterations
    done, the warm-up adapter (None when the prior's block has nothing to tune) and
    the likelihood block's carry (None for the Gaussian likelihood)."""

    rng: np.random.Generator
    state: object
    iteration: int
    adapter: object = None
    likelihood: object = None


def sampler_module(name: str):
    """The Gibbs module of a prior, by its registry name (``"laplace"``, ...)."""
    return importlib.import_module(f"bayes_sparse.samplers.{name}")


def start_chain(problem: ChainProblem, seed, tune: int, start=None) -> ChainCarry:
    """A chain at its (dispersed) starting point, with ``tune`` warm-up iterations ahead;
    ``start`` is an optional starting support (boolean, p) for multimodal priors."""
    module = sampler_module(problem.sampler)
    rng = np.random.default_rng(seed)
    data = LinearData.from_arrays(problem.Z, problem.yc)
    adapter = module.make_adapter(problem.spec, tune) if hasattr(module, "make_adapter") else None
    family = problem.likelihood
    carry = family.gibbs_start(rng, data)
    pseudo = family.augment(rng, data, carry, np.zeros(data.p))
    state = module.init(rng, problem.spec, pseudo, problem.noise, start=start)
    return ChainCarry(rng, state, 0, adapter, carry)


def advance_chain(
    problem: ChainProblem,
    carry: ChainCarry,
    *,
    tune: int,
    iterations: int,
    thin: int,
    out: dict,
    offset: int = 0,
    progress=None,
    chain: int = 0,
    report_every: int = 1,
):
    """Run ``iterations`` more iterations; record every ``thin``-th post-warm-up
    iteration into ``out`` (name -> array with a leading draw axis) starting at
    draw index ``offset``. Warm-up (the first ``tune`` iterations of the chain)
    adapts the kernel when the prior's module has an adapter.

    Returns ``(carry, recorded)``: the chain's new carry and the number of draws written.
    """
    module = sampler_module(problem.sampler)
    data = LinearData.from_arrays(problem.Z, problem.yc)
    kernel = module.build_kernel(problem.spec, problem.noise)
    family = problem.likelihood
    moves = noncentred_moves(problem.sampler, problem.spec) if family.noncentred_moves else []
    block = uses_block_move(problem)
    record = module.outputs(problem.spec)
    rng, state, start, adapter, lik = carry
    k = offset
    eta = None  # b0 + Z beta after the non-centred moves, which the next augmentation reuses
    for it in range(start, start + iterations):
        pseudo = family.augment(rng, data, lik, state.beta, eta=eta)
        state, info = kernel(rng, state, pseudo)
        lik = family.update(rng, pseudo, lik, state.beta)
        eta = None
        if block:
            moved = block_move(rng, family, data, lik, state.beta, module.coefficient_variances(problem.spec, state))
            state, lik, accepted = state._replace(beta=moved.beta), moved.b0, moved.accepted
        if moves:
            state, _, failed, eta = apply_moves(rng, moves, state, family, data, lik, eta)
            if failed and "slice_shrink_failures" in info._fields:
                info = info._replace(slice_shrink_failures=info.slice_shrink_failures + failed)
        if adapter is not None and it < tune:
            state = adapter(it, state, pseudo)
        if it >= tune and (it - tune + 1) % thin == 0:
            out["beta"][k] = state.beta
            out["sigma"][k] = math.sqrt(state.sigma2)
            if "intercept_c" in out:
                out["intercept_c"][k] = family.intercept_c(lik, data)
            for name, get in (*record.scalars.items(), *record.vectors.items()):
                out[name][k] = get(state)
            for key, val in info._asdict().items():
                out[f"stat:{key}"][k] = val
            if block:
                out["stat:block_accepted"][k] = accepted
            k += 1
        if progress is not None and ((it + 1) % report_every == 0):
            progress.put((chain, it + 1))
    return ChainCarry(rng, state, start + iterations, adapter, lik), k - offset


def empty_outputs(problem: ChainProblem, draws: int, store=None) -> dict:
    """Arrays for ``draws`` recorded draws (per-feature ones taken from ``store`` when given)."""
    record = sampler_module(problem.sampler).outputs(problem.spec)
    p = problem.Z.shape[1]
    store = store or {}
    out = {"beta": store.get("beta", np.empty((draws, p))), "sigma": np.empty(draws)}
    if problem.likelihood.intercept_in_sweep:
        out["intercept_c"] = np.empty(draws)
    out.update({name: np.empty(draws) for name in record.scalars})
    out.update({name: store.get(name, np.empty((draws, p))) for name in record.vectors})
    out.update({f"stat:{name}": np.empty(draws) for name in record.stats})
    if uses_block_move(problem):
        out["stat:block_accepted"] = np.empty(draws)  # 1.0 where the (b0, beta_A) move was accepted
    return out


def uses_block_move(problem: ChainProblem) -> bool:
    """Whether the sweep has the joint MH move of (b0, beta_A) (:mod:`._active_block`): the
    family asks for it and the prior's module turns it on (``COEFFICIENT_BLOCK``)."""
    return bool(problem.likelihood.coefficient_block) and getattr(
        sampler_module(problem.sampler), "COEFFICIENT_BLOCK", False
    )


def finish_chain(carry: ChainCarry, out: dict, n: int):
    """Draw the flat-prior intercept (centred scale) | rest ~ N(mean residual = 0, sigma^2 / n)
    for every recorded draw, unless the family recorded it in the sweep. Drawn after the
    loop, so a thinned chain is a subsequence of the unthinned one and a chain run in
    pieces equals a chain run at once."""
    if "intercept_c" not in out:
        out["intercept_c"] = out["sigma"] / math.sqrt(n) * carry.rng.standard_normal(len(out["sigma"]))
    return out


def run_chain(
    sampler,
    spec,
    noise,
    Z,
    yc,
    draws: int,
    tune: int,
    seed,
    *,
    likelihood=None,
    progress=None,
    chain: int = 0,
    thin: int = 1,
    store=None,
):
    """Run one chain of ``tune + draws * thin`` iterations.

    Parameters
    ----------
    sampler : str
        Registry name of the prior's Gibbs module (``"laplace"``, ``"gaussian"``, ``"horseshoe"``).
    spec
        The prior as the module uses it (``rules.sampler_spec(prior, n, p)``).
    noise : NoiseSpec
    Z, yc : ndarray
        Centred design and response.
    store : dict, optional
        Per-feature outputs (``beta`` and the prior's vectors) to fill in place:
        name -> preallocated (draws, p) array; these are left out of the returned dict.

    Returns
    -------
    dict of arrays with a leading draw axis, every ``thin``-th iteration after
    warm-up: ``beta`` (model scale), ``sigma``, ``intercept_c``, the prior's
    outputs, and ``stat:<name>`` for each field of the kernel's info.
    """
    from ..families import GaussianFamily

    problem = ChainProblem(sampler, spec, noise, Z, yc, likelihood or GaussianFamily())
    total = tune + draws * thin
    out = empty_outputs(problem, draws, store)
    carry = start_chain(problem, seed, tune)
    carry, _ = advance_chain(
        problem,
        carry,
        tune=tune,
        iterations=total,
        thin=thin,
        out=out,
        progress=progress,
        chain=chain,
        report_every=max(1, total // 100),
    )
    if progress is not None and total % max(1, total // 100):
        progress.put((chain, total))
    finish_chain(carry, out, Z.shape[0])
    return {k: v for k, v in out.items() if k not in (store or {})}
