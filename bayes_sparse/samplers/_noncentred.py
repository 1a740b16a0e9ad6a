"""Non-centred moves of global scales under a non-Gaussian likelihood.

Under Polya-Gamma augmentation, a global scale (the horseshoe's tau, its slab
c**2) is updated given the weights omega, and omega was drawn given beta: the
two are strongly coupled when the data nearly separate the classes (always the
case when p >= n), so the overall size of the linear predictor moves slowly
(measured: tau's ESS was 73 from 6,000 draws at n = 100, p = 500). The cure is
the non-centred update (Papaspiliopoulos, Roberts & Skold 2007; Yu & Meng
2011 interweave it with the centred one): with ``beta_j = z_j * scale_j(x)``
and ``z`` fixed, draw ``x`` from

    p(x | z, rest, y)  propto  p(x) * prod_i p(y_i | b0 + Z_i beta(x))

with the likelihood itself (omega integrated out), by one exact slice step.
``p(z)`` does not depend on ``x``, so there is no Jacobian. The step costs one
``Z @ beta`` per evaluation of the density (O(np), no factorisation).

A :class:`ScaleMove` says how beta depends on one global quantity of a prior's
state; a prior's module lists its own (``noncentred_moves(spec)``), :func:`apply_moves` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._slice import slice_sample

__all__ = ["ScaleMove", "noncentred_moves", "apply_moves"]


class ScaleMove(NamedTuple):
    """One global quantity ``x`` (on the log scale) of a prior's state.

    ``get(state) -> x``; ``log_prior(x, state)`` is the log density of x
    (Jacobian of the log transform included); ``factor(state, x)`` the
    per-coefficient scale ``scale_j(x)``, so that ``beta(x) = z * factor(x)``
    with ``z = beta / factor(state, get(state))``; ``put(state, x, beta)`` the
    new state.
    """

    name: str
    get: Callable
    log_prior: Callable
    factor: Callable
    put: Callable


def noncentred_moves(sampler: str, spec) -> list:
    """The non-centred moves of a prior's Gibbs state: its module's ``noncentred_moves(spec)``
    (empty when it has none)."""
    import importlib

    module = importlib.import_module(f"bayes_sparse.samplers.{sampler}")
    return module.noncentred_moves(spec) if hasattr(module, "noncentred_moves") else []


def apply_moves(rng, moves, state, family, data, b0, eta=None):
    """One exact slice update of each move's quantity given z, the intercept ``b0`` and
    the data (``data.Z`` centred design, ``data.yc`` the response). ``eta`` is
    ``b0 + Z beta`` at the state's beta when the caller has it. Returns
    ``(state, evaluations, shrink_failures, eta)`` with ``eta = b0 + Z beta`` at the
    new beta: each move starts from the last one's linear predictor, and the
    caller's next Polya-Gamma draw reuses it (one ``Z @ beta`` fewer each)."""
    evaluations = failures = 0
    for move in moves:
        x0 = float(move.get(state))
        f0 = move.factor(state, x0)
        z = state.beta / f0
        cache = {}

        def logf(x, move=move, z=z, cache=cache, state=state, x0=x0, eta0=eta):
            if x == x0 and eta0 is not None:
                beta, lin = state.beta, eta0  # the current state: no product needed
            else:
                beta = z * move.factor(state, x)
                lin = b0 + data.Z @ beta
            cache[x] = beta, lin
            return float(np.sum(family.log_likelihood(data.yc, lin))) + move.log_prior(x, state)

        res = slice_sample(rng, logf, x0)
        evaluations += res.evaluations
        failures += res.shrink_failures
        beta, eta = cache[res.x]  # x0 is evaluated first, so the result is always cached
        state = move.put(state, res.x, beta)
    return state, evaluations, failures, eta
