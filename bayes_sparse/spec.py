"""The model specification and the registry of priors and likelihoods.

A :class:`ModelSpec` (prior, family, noise, standardize) is stored on every
result, so nothing downstream infers the model from variable names or array
shapes. Everything the library knows about one prior lives in one
:class:`PriorRules` object (its PyMC builder, Gibbs block, penalty, selection
rule, wording, NUTS defaults), found by :func:`rules_for`; everything it knows
about one likelihood lives in one family object (:mod:`bayes_sparse.families`),
found by :func:`family_for`.

Adding a prior: a specification class in :mod:`bayes_sparse.priors`, one
module in :mod:`bayes_sparse.samplers` defining ``RULES`` (a
:class:`PriorRules`), ``init`` and ``build_kernel``, and its name in
:data:`PRIOR_MODULES`.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from numbers import Real
from typing import NamedTuple

import numpy as np

from .priors import NoiseVariance

__all__ = ["ModelSpec", "NoiseSpec", "PriorRules", "Penalty", "rules_for", "family_for", "PRIOR_MODULES"]

#: The registry: one module of :mod:`bayes_sparse.samplers` per prior.
PRIOR_MODULES = ("laplace", "gaussian", "horseshoe", "elasticnet")


# ----------------------------------------------------------------------------- noise
@dataclass(frozen=True)
class NoiseSpec:
    """Noise model of a Gaussian likelihood.

    ``fixed`` sd; or ``sigma**2 ~ InverseGamma(shape, rate)``; ``shape = rate = 0``
    (with ``fixed=None``) is the Jeffreys prior ``p(sigma**2) ∝ 1/sigma**2``.
    """

    fixed: float | None = None
    shape: float = 0.0
    rate: float = 0.0

    @classmethod
    def from_sigma(cls, sigma) -> NoiseSpec:
        """From the user's ``sigma``: None (Jeffreys), a positive number, or :class:`~bayes_sparse.NoiseVariance`."""
        if sigma is None:
            return cls()
        if isinstance(sigma, NoiseSpec):
            return sigma
        if isinstance(sigma, NoiseVariance):
            return cls(shape=float(sigma.shape), rate=float(sigma.rate))
        if isinstance(sigma, bool) or not isinstance(sigma, (Real, np.floating, np.integer)):
            raise TypeError(
                f"sigma must be None (Jeffreys prior), a positive number or bs.NoiseVariance(...), got {sigma!r}"
            )
        if not math.isfinite(sigma) or sigma <= 0:
            raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
        return cls(fixed=float(sigma))

    @property
    def kind(self) -> str:
        """``"fixed"``, ``"inverse_gamma"`` or ``"jeffreys"``."""
        if self.fixed is not None:
            return "fixed"
        return "inverse_gamma" if self.shape > 0 else "jeffreys"

    @property
    def user_value(self):
        """The ``sigma`` argument this specification came from."""
        return {"fixed": self.fixed, "jeffreys": None}.get(self.kind, NoiseVariance(self.shape, self.rate))

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"sigma fixed at {self.fixed:g}"
        if self.kind == "inverse_gamma":
            return f"sigma^2 ~ InverseGamma(shape={self.shape:g}, rate={self.rate:g}) (proper prior)"
        return "Jeffreys prior p(sigma^2) ∝ 1/sigma^2"


# ----------------------------------------------------------------------------- priors
class Penalty(NamedTuple):
    """The penalised problem a MAP is equivalent to (scikit-learn's scaling).

    ``kind="l1"``: ``Lasso(alpha)``, objective ``||y - Xb||^2 / (2n) + alpha ||b||_1``;
    ``kind="l2"``: ``Ridge(alpha)``, objective ``||y - Xb||^2 + alpha ||b||^2``;
    ``kind="enet"``: ``ElasticNet(alpha, l1_ratio)``, objective
    ``||y - Xb||^2 / (2n) + alpha l1_ratio ||b||_1 + alpha (1 - l1_ratio) ||b||^2 / 2``.
    """

    kind: str
    alpha: float
    l1_ratio: float | None = None


class PriorRules:
    """Everything the library knows about one prior. Subclasses live in
    :mod:`bayes_sparse.samplers` next to the prior's Gibbs block.

    Attributes
    ----------
    name : str
        Short name (command line, result tables).
    label : str
        Human name for reports.
    prior_type : type
        The specification class in :mod:`bayes_sparse.priors`.
    selection_rule : {"fdr", "shrinkage", "interval"}
        Default posterior decision rule of :func:`bayes_sparse.compare_selection`
        (:func:`bayes_sparse.selection.default_rule`).
    shrinkage_factors : bool
        Whether the prior defines shrinkage factors kappa_j (and m_eff), which
        fits then carry in their posterior.
    no_map_reason : str or None
        Why the posterior has no finite mode (None when it has one).
    multimodal : bool
        Whether the posterior can have several modes (supports), so that chains
        start from dispersed supports (:mod:`bayes_sparse.samplers.starts`).
    map_needs_sigma : bool
        Whether the posterior mode depends on a fixed sigma (False: sigma cancels).
    """

    name: str = ""
    label: str = ""
    prior_type: type = object
    selection_rule: str = "fdr"
    shrinkage_factors: bool = False
    no_map_reason: str | None = None
    multimodal: bool = False
    map_needs_sigma: bool = True

    # -- text
    def density_text(self, prior) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- variables
    def hyper_names(self, prior) -> tuple:
        """Scalar hyperparameters recorded in the posterior (and checked for convergence)."""
        return ()

    def local_names(self, prior) -> tuple:
        """Per-feature hyperparameters recorded in the posterior (dims ``feature``)."""
        return ()

    def conditional(self, prior) -> bool:
        """Whether the prior scale of beta is proportional to sigma."""
        return bool(getattr(prior, "conditional", True))

    def validate(self, prior, n: int, p: int, family: str = "gaussian") -> None:
        """Data-dependent checks (raise ValueError)."""

    # -- NUTS
    def target_accept(self, prior) -> float:
        return 0.8

    def pymc_coefficients(
        self, prior, name: str, sigma_t, n: int, p: int, family: str = "gaussian"
    ):  # pragma: no cover
        """Create the coefficient variable ``name`` (dims ``feature``) in the current PyMC model;
        ``sigma_t`` is the noise sd (1 for likelihoods without one)."""
        raise NotImplementedError

    # -- MAP
    def penalty(self, prior, sigma: float, n: int) -> Penalty:
        """The penalty the MAP at fixed sigma is equivalent to; ValueError when there is none."""
        raise ValueError(self.no_map_reason or f"no MAP is defined for the {self.label} prior")

    def with_fixed_hyper(self, prior, draws):
        """``prior`` with hyperparameters fixed at their posterior medians (``draws(name)`` gives draws)."""
        return prior, ""

    # -- Gibbs
    def sampler_spec(self, prior, n: int, p: int, family: str = "gaussian"):
        """The prior as its Gibbs block uses it (data-dependent constants resolved)."""
        return prior

    @property
    def sampler(self):
        """The module with ``init`` / ``build_kernel`` / ``outputs`` (None: NUTS only)."""
        return importlib.import_module(type(self).__module__)


_RULES: dict = {}


def _load():
    if not _RULES:
        for mod in PRIOR_MODULES:
            rules = importlib.import_module(f"bayes_sparse.samplers.{mod}").RULES
            _RULES[rules.prior_type] = rules
    return _RULES


def rules_for(prior) -> PriorRules:
    """The :class:`PriorRules` of a prior specification (TypeError for anything else)."""
    rules = _load().get(type(prior))
    if rules is None:
        names = [f"bs.{t.__name__}(...)" for t in _load()]
        raise TypeError(f"prior must be {', '.join(names[:-1])} or {names[-1]}, got {type(prior).__name__}")
    return rules


def family_for(family: str):
    """The likelihood object of ``family`` (ValueError naming the valid ones)."""
    from .families import FAMILIES

    if not isinstance(family, str) or family not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {family!r}")
    return FAMILIES[family]


# ----------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class ModelSpec:
    """A complete model: prior on the coefficients, likelihood family, noise and standardization.

    Stored on every result (:class:`~bayes_sparse.PosteriorFit`,
    :class:`~bayes_sparse.MapResult`, fitted estimators).
    """

    prior: object
    family: str = "gaussian"
    noise: NoiseSpec = NoiseSpec()
    standardize: bool = True

    @classmethod
    def build(cls, prior, *, family: str = "gaussian", sigma=None, standardize: bool = True) -> ModelSpec:
        """Validate the user's arguments and build the specification.

        Likelihoods without a noise scale (``"bernoulli"``) take no ``sigma``
        (their conditional priors use sigma = 1).
        """
        rules_for(prior)
        likelihood = family_for(family)
        if not isinstance(standardize, (bool, np.bool_)):
            raise TypeError(f"standardize must be True or False, got {standardize!r}")
        if not likelihood.has_noise:
            if sigma is not None:
                raise ValueError(f"sigma does not apply to family={family!r}: the model has no noise scale")
            noise = NoiseSpec(fixed=1.0)
        else:
            noise = NoiseSpec.from_sigma(sigma)
        return cls(prior=prior, family=family, noise=noise, standardize=bool(standardize))

    @property
    def rules(self) -> PriorRules:
        return rules_for(self.prior)

    @property
    def likelihood(self):
        return family_for(self.family)

    @property
    def sigma_fixed(self) -> float | None:
        return self.noise.fixed

    def describe(self) -> dict:
        """Plain-text lines for reports: likelihood, prior, noise, standardization."""
        return {
            "likelihood": self.likelihood.describe(),
            "prior": f"{self.rules.label}: {self.rules.density_text(self.prior)}",
            "noise": self.noise.describe() if self.likelihood.has_noise else "none (no noise scale in this likelihood)",
            "standardization": (
                "columns centred and divided by their sd (ddof=0); prior on standardized coefficients"
                if self.standardize
                else "columns centred only"
            )
            + "; coefficients reported on the original scale",
        }
