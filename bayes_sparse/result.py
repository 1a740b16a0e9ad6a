"""The posterior result object shared by every sampler (NUTS and Gibbs)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._data import Design, check_X_new
from .diagnostics import Check, Diagnostics, compute_diagnostics, summarize
from .spec import ModelSpec

__all__ = ["PosteriorFit"]


@dataclass
class PosteriorFit:
    """A fitted posterior.

    Attributes
    ----------
    idata : arviz.InferenceData
        ``posterior`` in the schema of :mod:`bayes_sparse._idata` (``beta`` with
        dims (chain, draw, feature) on the original scale of X, ``intercept``,
        ``sigma`` and the prior's hyperparameters), ``sample_stats``,
        ``observed_data``, ``log_likelihood`` and, on request, ``posterior_predictive``.
    spec : ModelSpec
        The model: prior, likelihood family, noise, standardization.
    sampler : str
        "nuts" or "gibbs".
    run : SamplingRun
        How sampling ended (``run.reason``: "fixed", "converged", "max_time",
        "max_iterations"; ``run.describe()``; ``run.checks`` per block).
    diagnostics : Diagnostics
        R-hat, ESS, divergences, E-BFMI; failing checks were warned about at fit time.
    """

    idata: object
    spec: ModelSpec
    sampler: str
    design: Design = field(repr=False)
    run: object = field(default=None, repr=False)
    diagnostics: Diagnostics | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- views
    @property
    def prior(self):
        return self.spec.prior

    @property
    def sigma_fixed(self) -> float | None:
        return self.spec.noise.fixed

    @property
    def feature_names(self) -> tuple:
        return self.design.feature_names

    @property
    def check_vars(self) -> tuple:
        """Variables covered by the summary and convergence checks: the coefficients,
        the intercept, sigma (unless fixed) and the prior's scalar hyperparameters.
        Per-feature local scales are heavy-tailed nuisance parameters and are left
        out (they are still in the InferenceData)."""
        names = ["beta", "intercept"]
        if self.spec.likelihood.has_noise and self.sigma_fixed is None:
            names.append("sigma")
        return (*names, *self.spec.rules.hyper_names(self.prior))

    def draws(self, name: str) -> np.ndarray:
        """Posterior draws of ``name`` stacked over chains: shape (chains*draws, ...)."""
        arr = np.asarray(self.idata.posterior[name].values)
        return arr.reshape((-1,) + arr.shape[2:])

    @property
    def coef_(self) -> np.ndarray:
        """Posterior mean of the coefficients (original scale)."""
        return self.draws("beta").mean(axis=0)

    @property
    def intercept_(self) -> float:
        return float(self.draws("intercept").mean())

    def summary(self, var_names=None, hdi_prob: float = 0.95):
        """Per-scalar mean, sd, HDI, MCSE, bulk/tail ESS and R-hat (pandas DataFrame)."""
        return summarize(self.idata, var_names or self.check_vars, hdi_prob=hdi_prob)

    def check(self, warn: bool = True) -> Diagnostics:
        """Recompute the diagnostics (and warn about failures).

        Besides R-hat, ESS, divergences and E-BFMI, with several chains: do the
        chains agree about which features are in (:meth:`competing_supports`)?
        """
        diag = compute_diagnostics(self.idata, self.check_vars)
        if self.idata.posterior.sizes["chain"] > 1:
            diag = Diagnostics(checks=[*diag.checks, self._support_check()], var_names=diag.var_names)
        self.diagnostics = diag
        if warn:
            self.diagnostics.warn(stacklevel=2)
        return self.diagnostics

    def _eps(self):
        from .selection import default_eps

        return default_eps(self.design.X, self.design.y, self.spec.family)

    def _support_check(self) -> Check:
        from ._modes import SPREAD_MAX, support_disagreement

        spread = support_disagreement(self.idata.posterior["beta"].values, self._eps())
        worst = int(np.argmax(spread))
        value = float(spread[worst])
        advice = ""
        if value > SPREAD_MAX:
            supports = self.competing_supports()
            shown = "; ".join(
                f"{{{', '.join(map(str, s['features'])) or 'none of them'}}} in {s['frequency']:.0%} of draws "
                f"(per chain {', '.join(f'{f:.0%}' for f in s['per_chain'])})"
                for s in supports[:3]
            )
            advice = (
                "Chains disagree about which features are in, so the posterior is multimodal or the chains have "
                f"not mixed between supports: {shown}. Run longer (draws='auto' with a larger max_time); if the "
                "competing features are strongly correlated they are interchangeable given the data: report their "
                "joint inclusion (any of them in) or their sum rather than each one."
            )
        return Check(
            "support_agreement", value, f"<= {SPREAD_MAX}", value <= SPREAD_MAX, str(self.feature_names[worst]), advice
        )

    def competing_supports(self, top: int = 5):
        """The supports the chains settle in, among the features they disagree on.

        A feature is in at a draw when ``|beta_j| > eps_j`` (the practical-significance
        threshold ``0.1 sd(y) / sd(x_j)``). Returns a list of dicts (``features``,
        ``frequency`` over all draws, ``per_chain`` frequencies), most frequent first;
        empty when the chains agree (inclusion frequencies within 0.5 of each other).
        """
        from ._modes import competing_supports

        return competing_supports(self.idata.posterior["beta"].values, self._eps(), self.feature_names, top=top)

    # ----------------------------------------------------------------- prediction
    def predict(self, X_new, kind: str = "mean", hdi_prob: float | None = None, random_seed=None):
        """Posterior predictions on new data.

        Parameters
        ----------
        X_new : array-like (m, p) or DataFrame
            Same features (and, for DataFrames, same column order) as in fitting.
        kind : {"mean", "samples"}
            "mean": posterior mean of ``mu = E[y | beta]``: ``intercept + X_new beta``
            (Gaussian) or ``expit(intercept + X_new beta)`` (Bernoulli: the
            posterior predictive probability of y = 1).
            "samples": draws of a new observation (``y_new ~ N(mu, sigma**2)`` or
            ``Bernoulli(mu)``), shape (chains*draws, m).
        hdi_prob : float, optional
            With ``kind="mean"``, return a DataFrame with the mean and the HDIs
            of ``mu`` (``mean_lower``, ``mean_upper``) and of ``y_new``
            (``lower``, ``upper``) at this probability.
        random_seed : int or Generator, optional
            For the observation noise of ``y_new`` draws.
        """
        if kind not in ("mean", "samples"):
            raise ValueError(f"kind must be 'mean' or 'samples', got {kind!r}")
        Xn = check_X_new(X_new, self.design)
        family = self.spec.likelihood
        eta = self.design.linear_predictor(self.draws("beta"), self.draws("intercept"), Xn)
        mu = family.predictive_mean(eta)  # the mean of y given the parameters (Bernoulli: probability)
        if kind == "mean" and hdi_prob is None:
            return mu.mean(axis=0)
        rng = np.random.default_rng(random_seed)
        y_new = family.predictive(rng, eta, self.draws("sigma") if family.has_noise else None)
        if kind == "samples":
            return y_new
        if not 0 < hdi_prob < 1:
            raise ValueError(f"hdi_prob must be in (0, 1), got {hdi_prob}")
        import pandas as pd

        from .diagnostics import hdi

        mu_hdi, y_hdi = hdi(mu, hdi_prob), hdi(y_new, hdi_prob)
        index = getattr(X_new, "index", None)
        return pd.DataFrame(
            {
                "mean": mu.mean(axis=0),
                "mean_lower": mu_hdi[:, 0],
                "mean_upper": mu_hdi[:, 1],
                "lower": y_hdi[:, 0],
                "upper": y_hdi[:, 1],
            },
            index=index,
        )

    def __repr__(self):
        post = self.idata.posterior
        return (
            f"PosteriorFit(prior={self.prior!r}, family={self.spec.family!r}, sampler={self.sampler!r}, "
            f"chains={post.sizes['chain']}, draws={post.sizes['draw']}, "
            f"n={self.design.n}, p={self.design.p})"
        )
