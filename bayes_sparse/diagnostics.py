"""MCMC convergence diagnostics: the few places that call ArviZ's statistics.

The convergence checks use ArviZ's estimators (rank-normalized split R-hat,
bulk and tail ESS) in a vectorised form (:mod:`bayes_sparse._mcmc_stats`,
tested equal to ArviZ), because wide posteriors (p in the thousands) would
otherwise spend minutes in per-scalar Python loops; the summary table and the
HDIs are vectorised the same way (:func:`summarize`, :func:`hdi`, tested equal
to ``az.summary`` / ``az.hdi``); LOO calls ArviZ directly.

Thresholds follow Vehtari et al. (2021) and the Stan/ArviZ defaults:
R-hat (rank-normalized, split) <= 1.01, bulk and tail ESS >= 400 (100 per
chain for 4 chains), no divergent transitions, E-BFMI >= 0.3 per chain.
Every failing check issues a :class:`DiagnosticWarning` naming the problem and
the usual remedy; nothing is hidden.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DiagnosticWarning",
    "Diagnostics",
    "compute_diagnostics",
    "summarize",
    "summary_arrays",
    "hdi",
    "RHAT_MAX",
    "ESS_MIN",
    "BFMI_MIN",
]

RHAT_MAX = 1.01
ESS_MIN = 400
BFMI_MIN = 0.3


class DiagnosticWarning(UserWarning):
    """An MCMC convergence check failed."""


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    threshold: str
    passed: bool
    worst: str = ""
    advice: str = ""

    def message(self) -> str:
        where = f" (worst: {self.worst})" if self.worst else ""
        return f"{self.name} = {self.value:.4g} fails {self.threshold}{where}. {self.advice}"


@dataclass(frozen=True)
class Diagnostics:
    """Convergence checks of one posterior.

    Attributes
    ----------
    checks : list of Check
        R-hat, bulk ESS, tail ESS, divergences, E-BFMI (the last two only for
        samplers that report them).
    var_names : tuple of str
        Variables the R-hat / ESS checks cover.
    """

    checks: list = field(default_factory=list)
    var_names: tuple = ()

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list:
        return [c for c in self.checks if not c.passed]

    def __getitem__(self, name):
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            [
                dict(
                    check=c.name, value=c.value, threshold=c.threshold, passed=c.passed, worst=c.worst, advice=c.advice
                )
                for c in self.checks
            ]
        ).set_index("check")

    def warn(self, stacklevel: int = 2) -> None:
        for c in self.failures:
            warnings.warn(c.message(), DiagnosticWarning, stacklevel=stacklevel + 1)

    def __repr__(self):
        lines = [f"Diagnostics({'all passed' if self.passed else f'{len(self.failures)} failed'})"]
        for c in self.checks:
            lines.append(f"  {'ok  ' if c.passed else 'FAIL'} {c.name:<12} {c.value:>10.4g}  ({c.threshold})")
        return "\n".join(lines)


def _worst(da, pick):
    """Name of the element (variable[coordinate]) with the worst value."""
    worst_name, worst_val = "", None
    for name, arr in da.data_vars.items():
        values = np.asarray(arr.values, dtype=float)
        if values.size == 0 or np.all(np.isnan(values)):
            continue
        flat = np.nanargmax(values) if pick == "max" else np.nanargmin(values)
        val = values.ravel()[flat]
        if worst_val is None or (val > worst_val if pick == "max" else val < worst_val):
            label = name
            if arr.ndim:
                idx = np.unravel_index(flat, values.shape)
                coords = [str(arr[d].values[i]) for d, i in zip(arr.dims, idx)]
                label = f"{name}[{', '.join(coords)}]"
            worst_name, worst_val = label, val
    return worst_name, (np.nan if worst_val is None else float(worst_val))


def _rank_diagnostics(post):
    """R-hat, bulk ESS and tail ESS of every scalar of ``post`` as three Datasets shaped like it.

    The same estimators as ``az.rhat(method="rank")`` / ``az.ess(method="bulk"|"tail")``,
    vectorised over scalars (:mod:`bayes_sparse._mcmc_stats`): ArviZ loops over
    scalars in Python, which takes minutes for p = 20,000 coefficients.
    """
    import xarray as xr

    from ._mcmc_stats import rank_diagnostics

    out = ({}, {}, {})
    for name, da in post.data_vars.items():
        da = da.transpose("chain", "draw", ...)
        shape = da.shape[2:]
        values = rank_diagnostics(np.asarray(da.values, dtype=float).reshape(da.shape[0], da.shape[1], -1))
        for store, val in zip(out, values):
            store[name] = xr.DataArray(val.reshape(shape), dims=da.dims[2:], coords={d: da[d] for d in da.dims[2:]})
    return tuple(xr.Dataset(d) for d in out)


def compute_diagnostics(idata, var_names) -> Diagnostics:
    """R-hat, ESS, divergences and E-BFMI for ``var_names`` of ``idata``."""
    import arviz as az

    post = idata.posterior[list(var_names)]
    n_chains = post.sizes["chain"]
    rhat, ess_bulk, ess_tail = _rank_diagnostics(post)
    checks = []
    if n_chains > 1:
        name, val = _worst(rhat, "max")
        checks.append(
            Check(
                "r_hat",
                val,
                f"<= {RHAT_MAX}",
                bool(val <= RHAT_MAX),
                name,
                "Chains disagree: run longer (more tune/draws) or reparametrize; do not trust the estimates yet.",
            )
        )
    for method, ess in (("bulk", ess_bulk), ("tail", ess_tail)):
        name, val = _worst(ess, "min")
        checks.append(
            Check(
                f"ess_{method}",
                val,
                f">= {ESS_MIN}",
                bool(val >= ESS_MIN),
                name,
                "Too few effective draws for reliable "
                + ("means" if method == "bulk" else "intervals")
                + ": increase draws (or chains).",
            )
        )
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        n_div = int(stats["diverging"].sum())
        total = int(stats["diverging"].size)
        checks.append(
            Check(
                "divergences",
                float(n_div),
                "== 0",
                n_div == 0,
                f"{n_div} of {total} transitions",
                "The sampler missed regions of high curvature, so the posterior may be biased: "
                "raise target_accept (e.g. 0.99), use a non-centred/regularized prior, or sampler='gibbs'.",
            )
        )
    if stats is not None and "energy" in stats:
        bfmi = np.atleast_1d(az.bfmi(idata))
        low = int(np.argmin(bfmi))
        checks.append(
            Check(
                "e_bfmi",
                float(bfmi[low]),
                f">= {BFMI_MIN}",
                bool(bfmi[low] >= BFMI_MIN),
                f"chain {low}",
                "Energy transitions are poor (heavy tails or a funnel): reparametrize or run longer tuning.",
            )
        )
    return Diagnostics(checks=checks, var_names=tuple(var_names))


def summarize(idata, var_names, hdi_prob: float = 0.95):
    """ArviZ's summary (mean, sd, HDI, MCSE, bulk/tail ESS, R-hat per scalar), vectorised.

    The same numbers, column names and row labels as ``az.summary(idata,
    var_names, hdi_prob=hdi_prob, round_to="none")`` (tested equal to 1e-10),
    computed for all scalars of a variable at once (:func:`summary_arrays`):
    ArviZ evaluates its diagnostics one scalar at a time in Python, which takes
    minutes for p = 20,000 coefficients.

    Parameters
    ----------
    idata : arviz.InferenceData
    var_names : sequence of str
        Posterior variables to summarise (each with dims (chain, draw, ...)).
    hdi_prob : float
        Probability of the highest-density interval.

    Returns
    -------
    pandas.DataFrame
        One row per scalar, labelled ``name`` or ``name[coord, ...]``; columns
        ``mean``, ``sd``, ``hdi_<lo>%``, ``hdi_<hi>%``, ``mcse_mean``,
        ``mcse_sd``, ``ess_bulk``, ``ess_tail``, ``r_hat``.
    """
    import pandas as pd

    if not 0 < hdi_prob <= 1:
        raise ValueError(f"hdi_prob must be in (0, 1], got {hdi_prob}")
    alpha = 1 - hdi_prob
    lo_name, hi_name = f"hdi_{100 * alpha / 2:g}%", f"hdi_{100 * (1 - alpha / 2):g}%"
    frames = []
    for name in var_names:
        da = idata.posterior[name].transpose("chain", "draw", ...)
        extra = da.dims[2:]
        values = np.asarray(da.values, dtype=float).reshape(da.shape[0], da.shape[1], -1)
        stats = summary_arrays(values, hdi_prob)
        if extra:
            grids = np.meshgrid(*[np.asarray(da[d].values) for d in extra], indexing="ij")
            labels = [f"{name}[{', '.join(str(g.ravel()[k]) for g in grids)}]" for k in range(values.shape[2])]
        else:
            labels = [name]
        stats[lo_name], stats[hi_name] = stats.pop("hdi_low"), stats.pop("hdi_high")
        frames.append(pd.DataFrame(stats, index=labels))
    cols = ["mean", "sd", lo_name, hi_name, "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"]
    return pd.concat(frames)[cols]


def summary_arrays(x, hdi_prob: float = 0.95) -> dict:
    """Summary statistics of every variable of a (chain, draw, m) array, vectorised.

    ArviZ's definitions (``az.summary`` with ``stat_focus="mean"``): mean; sd
    (ddof=1); the HDI (narrowest interval holding ``floor(hdi_prob * S)``
    consecutive sorted draws, the first if several tie); ``mcse_mean = sd_0 /
    sqrt(ESS_mean)`` with ``sd_0`` the ddof=1 sd and ``ESS_mean`` the ESS of
    the split raw (not rank-normalized) chains; ``mcse_sd`` from the ESS of
    the squared deviations; rank-normalized bulk/tail ESS and R-hat
    (:func:`bayes_sparse._mcmc_stats.rank_diagnostics`). Undefined values
    (fewer than 4 draws, non-finite draws, R-hat with one chain) are NaN.

    Returns
    -------
    dict of str to ndarray (m,)
        ``mean``, ``sd``, ``hdi_low``, ``hdi_high``, ``mcse_mean``, ``mcse_sd``,
        ``ess_bulk``, ``ess_tail``, ``r_hat``.
    """
    from ._mcmc_stats import _BLOCK_SIZE

    x = np.asarray(x)
    c, d, m = x.shape
    step = max(1, _BLOCK_SIZE // max(1, c * d))
    if m <= step:
        return _summary_block(x, hdi_prob)
    # blocks of variables bound the temporaries (squared deviations, FFTs) at p = 20,000
    parts = [_summary_block(x[:, :, k : k + step], hdi_prob) for k in range(0, m, step)]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _summary_block(x, hdi_prob):
    from ._mcmc_stats import _ess, _split_chains, rank_diagnostics

    x = np.asarray(x, dtype=float)
    c, d, m = x.shape
    flat = x.reshape(c * d, m)
    mean = flat.mean(axis=0)
    dev2 = (flat - mean) ** 2
    size = dev2.shape[0]
    var = dev2.sum(axis=0) / max(size - 1, 1)
    iv = hdi(flat, hdi_prob)
    r_hat, ess_b, ess_t = rank_diagnostics(x)
    mcse_mean = np.full(m, np.nan)
    mcse_sd = np.full(m, np.nan)
    ok = np.all(np.isfinite(x), axis=(0, 1)) & (d >= 4)
    if ok.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ess_mean = _ess(_split_chains(x[:, :, ok]))
            mcse_mean[ok] = np.sqrt(var[ok] / ess_mean)
            sq = dev2[:, ok]
            ess_sq = _ess(_split_chains(sq.reshape(c, d, -1)))
            evar = sq.mean(axis=0)
            varvar = ((sq**2).mean(axis=0) - evar**2) / ess_sq
            mcse_sd[ok] = np.sqrt(varvar / evar / 4)
    return {
        "mean": mean,
        "sd": np.sqrt(var),
        "hdi_low": iv[:, 0],
        "hdi_high": iv[:, 1],
        "mcse_mean": mcse_mean,
        "mcse_sd": mcse_sd,
        "ess_bulk": ess_b,
        "ess_tail": ess_t,
        "r_hat": r_hat,
    }


def loo_compare(idatas: dict, ic: str = "loo"):
    """``az.compare`` over named InferenceData objects with log-likelihoods."""
    import arviz as az

    return az.compare(idatas, ic=ic)


def hdi(samples, prob: float):
    """Highest-density intervals of each column of ``samples`` (S, m) -> (m, 2).

    ArviZ's definition (``az.hdi``, unimodal): the narrowest interval spanning
    ``floor(prob * S)`` steps of the sorted draws, the first one if several
    are equally narrow; computed for all columns with one sort.
    """
    samples = np.asarray(samples, dtype=float)
    if samples.ndim == 1:
        samples = samples[:, None]
    if not 0 < prob <= 1:
        raise ValueError(f"prob must be in (0, 1], got {prob}")
    return hdi_sorted(np.sort(samples, axis=0), prob)


def hdi_sorted(srt, prob: float):
    """:func:`hdi` of draws already sorted along axis 0 (S, m) -> (m, 2)."""
    n = srt.shape[0]
    width = int(np.floor(prob * n))
    if n - width < 1:
        raise ValueError("Too few draws for an HDI")
    start = np.argmin(srt[width:] - srt[: n - width], axis=0)
    cols = np.arange(srt.shape[1])
    return np.stack([srt[start, cols], srt[start + width, cols]], axis=1)
