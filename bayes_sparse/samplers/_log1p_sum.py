"""``sum_j log(1 + k x_j)`` in one compiled pass, the O(p) part of the horseshoe's scalar updates.

The interweaving move of tau (:func:`bayes_sparse.samplers.horseshoe.rescale_global`)
and the slab update (:func:`~bayes_sparse.samplers.horseshoe.draw_slab`) evaluate a
log density ``sum_j log(1 + k x_j)`` (plus O(1) terms) about six times per
iteration, at p = 20,000 each time. ``numpy.log1p`` costs about 14 ns per element
there (0.27 ms per evaluation, ~10% of an iteration). The same sum is the log of
the product of the factors ``1 + k x_j``, kept as a mantissa times a power of two
(the exponents summed as integers, exactly) so that it neither overflows nor
underflows: a multiplication per element and one logarithm in all. Each factor
and each product rounds once (relative ``eps``), so the error is about
``p * eps`` plus ``eps * |sum|``, against ``log2(p) * eps * sum |terms|`` for numpy's
pairwise sum; where ``k x_j`` is below ``eps`` its term (below ``eps`` too) is lost
to ``1 + k x_j == 1``, within the same bound.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["sum_log1p_scaled"]

#: The running product is renormalised (its power of two moved to the integer
#: exponent) when it leaves [1e-200, 1e200]; factors above 1e100 enter as mantissas.
_FACTOR_MAX = 1e100
_PRODUCT_MAX = 1e200
_PRODUCT_MIN = 1e-200
_LN2 = math.log(2.0)


@njit(cache=True)
def sum_log1p_scaled(x, k):
    """``sum_j log(1 + k x_j)`` for ``x_j >= 0`` and ``k > 0`` (``inf`` when a term is)."""
    prod = 1.0
    exponent = 0
    for j in range(x.size):
        f = 1.0 + k * x[j]
        if f > _FACTOR_MAX:
            m, e = math.frexp(f)  # f = m 2^e (f = inf: m = inf, and the sum is inf)
            f = m
            exponent += e
        prod *= f
        if prod > _PRODUCT_MAX or prod < _PRODUCT_MIN:
            m, e = math.frexp(prod)
            prod = m
            exponent += e
    return math.log(prod) + exponent * _LN2


def warm_up():
    """Compile (or load from the cache) before chains fork."""
    sum_log1p_scaled(np.ones(2), 1.0)
