"""Compiled passes that form the weighted, intercept-free pseudo-design of
:func:`bayes_sparse.samplers._gaussian_draw.weighted_centred`.

Every Polya-Gamma iteration re-weights the whole design, ``Phi = diag(u) (Z - 1 m')``
with ``u = sqrt(w)``, in both memory layouts (``Phi`` for products with Z, ``Phi'``
for the single-site sweeps that read columns). At n = 100, p = 20,000 numpy's
version (two products, two outer products, two fresh n x p arrays, then an einsum
and a matrix-vector product over the result) cost about twice the weighted Gram;
these passes read Z once per layout, write into reused arrays and accumulate
``||phi_j||^2`` and ``phi_j' a`` while the row is in cache.

Both layouts hold the same numbers: each entry is ``u_i * (z_ij - m_j)``, one
subtraction and one product in the same order, so ``Phi' == Phi.T`` exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._collapsed import _REASSOC
from ._gaussian_draw import scratch_arrays

__all__ = ["centre_weighted", "warm_up"]


@njit(cache=True)
def _centre_columns(Z, u, m, Phi):
    n, p = Z.shape
    for i in range(n):
        ui = u[i]
        for j in range(p):
            Phi[i, j] = ui * (Z[i, j] - m[j])


@njit(cache=True, fastmath=_REASSOC)
def _centre_rows(ZT, u, m, a, PhiT, norm2, phi_a):
    p, n = ZT.shape
    for j in range(p):
        mj = m[j]
        s2 = 0.0
        sa = 0.0
        for i in range(n):
            v = u[i] * (ZT[j, i] - mj)
            PhiT[j, i] = v
            s2 += v * v
            sa += v * a[i]
        norm2[j] = max(s2, 1e-300)
        phi_a[j] = sa


def centre_weighted(Z, ZT, u, m, a, reuse=False):
    """``(Phi, Phi', ||phi_j||^2 (>= 1e-300), Phi' a)`` with ``Phi = diag(u) (Z - 1 m')``.

    ``reuse=True`` writes ``Phi`` and ``Phi'`` into arrays kept per thread and
    overwritten by the next call with ``reuse=True`` in that thread (a fresh
    16 MB array at n = 100, p = 20,000 costs page faults every iteration).
    """
    n, p = Z.shape
    Phi, PhiT = scratch_arrays("weighted_design", (n, p), (p, n)) if reuse else (np.empty((n, p)), np.empty((p, n)))
    norm2, phi_a = np.empty(p), np.empty(p)
    _centre_columns(Z, u, m, Phi)
    _centre_rows(ZT, u, m, a, PhiT, norm2, phi_a)
    return Phi, PhiT, norm2, phi_a


def warm_up():
    """Compile (or load from the cache) before chains fork."""
    Z = np.ones((2, 3))
    centre_weighted(Z, np.ascontiguousarray(Z.T), np.ones(2), np.zeros(3), np.ones(2))
