"""Univariate slice sampling (Neal 2003): stepping out, then shrinkage.

One algorithm for every one-dimensional update of the Gibbs samplers (the
horseshoe's global scale, its slab, the interweaving move). The per-coordinate
local-scale sweep runs the same algorithm compiled with Numba
(:func:`bayes_sparse.samplers._collapsed._slice_eta`); a test checks that both
give the same draw from the same random-number stream.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SliceResult", "slice_sample", "MAX_SHRINK"]

#: Shrinkage steps before giving up and keeping the current point. Each step
#: at least halves the interval on average, so 200 steps never run out in
#: floating point unless the density is zero almost everywhere in the slice.
MAX_SHRINK = 200


class SliceResult(NamedTuple):
    x: float
    evaluations: int  # log-density evaluations, the initial one included
    shrink_failures: int  # 1 when the interval shrank onto x0 with no accepted proposal


def slice_sample(rng, logf, x0: float, width: float = 2.0, max_steps: int = 32) -> SliceResult:
    """One slice-sampling update of ``x0`` for the log density ``logf`` (a function of a float).

    The interval of size ``width`` is placed at random around ``x0`` and
    stepped out at most ``max_steps`` times on each side (``max_steps=0``: a
    fixed, randomly placed interval), then shrunk towards ``x0`` until a
    proposal lands in the slice. Leaves ``exp(logf)`` invariant.
    """
    x0 = float(x0)
    level = logf(x0) - rng.exponential()
    evals = 1
    left = x0 - width * rng.random()
    right = left + width
    for _ in range(max_steps):
        evals += 1
        if logf(left) <= level:
            break
        left -= width
    for _ in range(max_steps):
        evals += 1
        if logf(right) <= level:
            break
        right += width
    for _ in range(MAX_SHRINK):
        prop = left + (right - left) * rng.random()
        evals += 1
        if logf(prop) > level:
            return SliceResult(prop, evals, 0)
        if prop < x0:
            left = prop
        else:
            right = prop
    return SliceResult(x0, evals, 1)
