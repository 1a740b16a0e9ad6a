"""Dedicated Gibbs samplers.

One module per prior (:mod:`.laplace`, :mod:`.gaussian`, :mod:`.horseshoe`),
each with the prior's rules (:class:`bayes_sparse.spec.PriorRules`), ``init``
and ``build_kernel`` returning a pure ``kernel(rng, state) -> (state, info)``.
A sweep is: likelihood block (pseudo-data; none for the Gaussian likelihood)
-> prior block (scales, hence prior variances of beta) -> the shared Gaussian
draw of beta (:mod:`._gaussian_draw`: Rue 2001 when n >= p, Bhattacharya et al.
2016 when p > n) with the noise block. :mod:`.chain` runs one chain with
warm-up adaptation; :mod:`.parallel` runs chains in processes.
"""

from .chain import run_chain, sampler_module
from .parallel import sample_gibbs

__all__ = ["run_chain", "sample_gibbs", "sampler_module"]
