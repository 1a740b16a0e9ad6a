"""Do the chains agree about which features are in? Multimodality made visible.

Array functions on posterior draws of the coefficients, shaped (chain, draw, p).
A feature is "in" at a draw when ``|beta_j| > eps_j`` (the practical-significance
threshold of :func:`bayes_sparse.selection.default_eps`). When one chain keeps a
feature in and another keeps it out, the chains sit in different modes (or
have not mixed yet): the fit is not a clean answer, whatever the marginal
summaries say.
"""

from __future__ import annotations

import numpy as np

__all__ = ["chain_inclusion", "support_disagreement", "competing_supports", "SPREAD_MAX"]

#: Largest acceptable difference between chains in a feature's inclusion
#: frequency. With a few hundred effective draws per chain the Monte Carlo sd of
#: a frequency is below 0.05, so a spread above 0.5 is not noise.
SPREAD_MAX = 0.5


def chain_inclusion(beta, eps):
    """Fraction of each chain's draws with ``|beta_j| > eps_j``: (chain, p)."""
    beta = np.asarray(beta)
    eps = np.broadcast_to(np.asarray(eps, dtype=float), beta.shape[-1:])
    return np.stack([np.mean(np.abs(b) > eps, axis=0) for b in beta])


def support_disagreement(beta, eps):
    """Per feature, the spread (max - min over chains) of the inclusion frequency: (p,)."""
    inc = chain_inclusion(beta, eps)
    return inc.max(axis=0) - inc.min(axis=0)


def competing_supports(beta, eps, feature_names, top: int = 5, max_features: int = 12):
    """The most frequent supports among the features the chains disagree on.

    Features are those whose spread exceeds :data:`SPREAD_MAX` (at most
    ``max_features``, the most disputed first). Each draw's support is the set of
    these features it includes; returns a list of dicts (``features``: included
    names, ``frequency``: over all draws, ``per_chain``: frequency in each chain),
    most frequent first.
    """
    beta = np.asarray(beta)
    spread = support_disagreement(beta, eps)
    disputed = np.flatnonzero(spread > SPREAD_MAX)
    disputed = disputed[np.argsort(-spread[disputed])][:max_features]
    if disputed.size == 0:
        return []
    eps = np.broadcast_to(np.asarray(eps, dtype=float), beta.shape[-1:])
    chains, draws = beta.shape[:2]
    inc = np.abs(beta[:, :, disputed]) > eps[disputed]  # (chain, draw, k)
    codes = inc.reshape(chains * draws, -1) @ (1 << np.arange(disputed.size))
    values, counts = np.unique(codes, return_counts=True)
    order = np.argsort(-counts)[:top]
    per_chain_codes = codes.reshape(chains, draws)
    out = []
    for i in order:
        members = [feature_names[disputed[b]] for b in range(disputed.size) if values[i] >> b & 1]
        out.append(
            {
                "features": tuple(members),
                "frequency": float(counts[i] / codes.size),
                "per_chain": tuple(float(np.mean(per_chain_codes[c] == values[i])) for c in range(chains)),
            }
        )
    return out
