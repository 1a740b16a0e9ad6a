"""Gene networks by neighbourhood selection, with posterior edge probabilities.

Each gene is regressed on all the others (or on a list of candidate
regulators) and the non-zero coefficients are read as candidate links
(Meinshausen & Bühlmann 2006). :func:`fit_network` runs one sparse regression
per target gene through :class:`joblib.Parallel`, so the same call runs on
one machine (loky, all cores) or on a cluster::

    with joblib.parallel_config(backend="dask"):   # a dask.distributed Client is active
        net = bs.fit_network(X)

Definitions
-----------
Genes are z-scored first (centred, divided by the population sd), so every
coefficient is a standardized regression coefficient and weights are
comparable across targets. In the regression of target ``t`` the coefficient
of source ``s`` is the *directed* value ``s -> t``.

* MCMC (``method="mcmc"``, default): each target is fitted with
  :func:`bayes_sparse.fit` (Gibbs sampler, ``cores=1``: the chains run inside
  the worker). The directed inclusion probability is
  ``pi(s -> t) = P(|beta_st| > eps | data)`` with ``eps = 0.1`` on the
  standardized scale (the practical-significance threshold of
  :mod:`bayes_sparse.selection`: a one-sd change of the source moving the
  target by less than 0.1 sd is negligible). The directed weight is the
  posterior mean of ``beta_st``.
* MAP (``method="map"``): classical neighbourhood selection. Each target gets
  the certified lasso (:func:`bayes_sparse.map.solve_lasso`) at the ``alpha``
  chosen by ``LassoCV`` (5 shuffled folds seeded per target) or a given
  ``alpha``; a directed value is selected when its coefficient is non-zero.

Combining the two directions (``rule``): with ``"and"`` an edge needs both
directions, with ``"or"`` either. The symmetric inclusion probability is
``min(pi(s -> t), pi(t -> s))`` for AND and ``max`` for OR, so "both
directions above a threshold" is "the symmetric probability above it". The
symmetric weight is the mean of the two directed posterior means. Where only
one direction was fitted (``regulators=`` with a target that is not a
regulator) that direction alone decides.

Selecting edges (MCMC): by default the network-wide Bayesian FDR rule
(:func:`bayes_sparse.selection.bayesian_fdr`) on the symmetric probabilities:
the largest set of most probable edges whose posterior expected
false-discovery proportion is at most ``fdr_q = 0.1``. A number
``threshold=c`` selects the edges with symmetric probability above ``c``
(0.5: the median-probability rule in each direction).

Reproducibility: the sampler seed of target ``j`` (its column index) is
drawn from ``numpy.random.SeedSequence([random_seed, j])``, and each worker
limits BLAS to ``blas_threads`` threads (1 by default, also when
``n_jobs=1``), so the result does not depend on the backend or the number
of workers.

Memory: a worker returns only what the network needs (the directed means and
inclusion probabilities, and the worst R-hat/ESS of the fit), not the
posterior draws, unless ``keep_fits=True``.
"""

from __future__ import annotations

import base64
import html
import io
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["fit_network", "NetworkFit", "simulate_ggm", "plot_network", "write_network_report"]

METHODS = ("mcmc", "map")
RULES = ("and", "or")
#: Fewest genes: with two, each regression has one predictor and the network one possible edge.
MIN_GENES = 3
#: Practical-significance threshold on standardized coefficients (see :mod:`bayes_sparse.selection`).
DEFAULT_EPS = 0.1
#: Target of the network-wide Bayesian FDR rule.
DEFAULT_FDR_Q = 0.1
#: Per-target sampling defaults (``method="mcmc"``). Inclusion probabilities
#: need modest Monte Carlo accuracy: with ESS >= 100 the standard error of a
#: probability is at most 0.5 / sqrt(100) = 0.05. Two chains of 1000 draws
#: after 500 warm-up iterations gave bulk ESS of about 350 or more and
#: R-hat <= 1.01 on the simulated 40-gene networks of the tests (about 2 s per
#: target at n = 150 on one core). ``draws="auto"`` (with ``max_time``) samples
#: each target until :func:`bayes_sparse.fit`'s own checks pass instead.
DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 500
DEFAULT_CHAINS = 2
#: Network-level convergence screen: a DiagnosticWarning names the targets
#: with R-hat above this or bulk ESS below :data:`NETWORK_ESS_MIN`. Looser than
#: the per-fit checks (R-hat <= 1.01, ESS >= 400) because the per-target
#: warnings are not raised: with p targets of p - 1 coefficients each, the
#: largest of thousands of R-hats of healthy chains exceeds 1.01 by chance.
NETWORK_RHAT_MAX = 1.05
NETWORK_ESS_MIN = 100
#: Edges listed in the report.
REPORT_TOP_EDGES = 50
#: Node-link drawing only for networks with at most this many genes.
MAX_NODE_LINK = 50
#: Heat map shows at most this many genes (those with the most selected edges).
MAX_HEATMAP = 300
#: Largest side of a saved figure, in pixels.
MAX_PIXELS = 4000


# ----------------------------------------------------------------------------- simulation
def simulate_ggm(
    n_genes: int, n_samples: int, *, degree: float = 2.0, strength=(0.4, 0.8), margin: float = 0.2, random_state=None
):
    """Samples of a Gaussian graphical model with a known sparse precision matrix.

    ``n_genes * degree / 2`` edges are drawn uniformly among all pairs; each
    gets a precision entry ``Omega_ij = +-U(strength)`` (random sign) and the
    diagonal is ``Omega_ii = sum_j |Omega_ij| + margin`` (strictly diagonally
    dominant, hence positive definite). Rows are ``N(0, Omega^-1)``; the
    graph is the support of Omega's off-diagonal (for a Gaussian, ``X_i`` and
    ``X_j`` are conditionally independent given the rest iff ``Omega_ij = 0``).

    Returns
    -------
    X : pandas.DataFrame (n_samples, n_genes)
        Columns ``g0, g1, ...``.
    truth : pandas.DataFrame of bool (n_genes, n_genes)
        The true (symmetric) adjacency, False on the diagonal.
    precision : ndarray (n_genes, n_genes)
    """
    import pandas as pd

    if n_genes < 2:
        raise ValueError(f"n_genes must be >= 2, got {n_genes}")
    rng = np.random.default_rng(random_state)
    iu = np.triu_indices(n_genes, 1)
    m = min(int(round(n_genes * degree / 2)), iu[0].size)
    pick = rng.choice(iu[0].size, size=m, replace=False)
    omega = np.zeros((n_genes, n_genes))
    lo, hi = strength
    w = rng.uniform(lo, hi, size=m) * rng.choice([-1.0, 1.0], size=m)
    omega[iu[0][pick], iu[1][pick]] = w
    omega = omega + omega.T
    np.fill_diagonal(omega, np.abs(omega).sum(axis=1) + margin)
    cov = np.linalg.inv(omega)
    X = rng.multivariate_normal(np.zeros(n_genes), (cov + cov.T) / 2, size=n_samples, method="cholesky")
    names = [f"g{j}" for j in range(n_genes)]
    truth = omega != 0
    np.fill_diagonal(truth, False)
    return pd.DataFrame(X, columns=names), pd.DataFrame(truth, index=names, columns=names), omega


# ----------------------------------------------------------------------------- input
def _check_genes(X):
    """Validated float array (n, p) and gene names; clear errors for the network's own conditions."""
    from ._data import MIN_SAMPLES, _duplicate_groups, check_X

    arr, names = check_X(X, name="X")
    n, p = arr.shape
    if p < MIN_GENES:
        raise ValueError(f"a network needs at least {MIN_GENES} genes (columns of X), got {p}")
    if n < MIN_SAMPLES:
        raise ValueError(f"need at least {MIN_SAMPLES} samples (rows of X), got {n}")
    mean = arr.mean(axis=0)
    sd = arr.std(axis=0)
    const = (sd == 0) | (sd <= 1e-12 * np.maximum(np.abs(mean), np.finfo(float).tiny))
    if const.any():
        bad = [names[j] for j in np.flatnonzero(const)]
        raise ValueError(
            f"gene '{bad[0]}' is constant across samples"
            + (f" (also constant: {bad[1:6]})" if len(bad) > 1 else "")
            + "; it has no neighbourhood to estimate: drop it"
        )
    groups = _duplicate_groups(arr)
    if groups:
        shown = ", ".join("(" + ", ".join(repr(names[j]) for j in g) + ")" for g in groups[:3])
        warnings.warn(
            f"X has identical genes {shown}; their edges are not separately identified", UserWarning, stacklevel=3
        )
    return arr, names, mean, sd


def _check_regulators(regulators, names, what="regulators"):
    """Sorted column indices of the candidate regulators (or targets): names, or integer indices for arrays."""
    if regulators is None:
        return np.arange(len(names))
    if isinstance(regulators, (str, bytes)):
        raise TypeError(f"{what} must be a list of gene names (or column indices), not a single string")
    regs = list(regulators)
    if not regs:
        raise ValueError(f"{what} is empty; give at least one gene (or None for all genes)")
    index = {n: j for j, n in enumerate(names)}
    out = []
    for r in regs:
        if isinstance(r, (int, np.integer)) and not isinstance(r, bool):
            if not 0 <= r < len(names):
                raise ValueError(f"{what[:-1]} index {r} is out of range for {len(names)} genes")
            out.append(int(r))
        elif str(r) in index:
            out.append(index[str(r)])
        else:
            raise ValueError(f"{what[:-1]} {r!r} is not a gene of X (first genes: {list(names[:5])})")
    if len(set(out)) != len(out):
        dup = sorted({names[j] for j in out if out.count(j) > 1})
        raise ValueError(f"{what} repeats {dup}")
    return np.array(sorted(out))


def _check_prob(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    return float(value)


# ----------------------------------------------------------------------------- per target
def _target_seed(random_seed, j) -> int:
    return int(np.random.SeedSequence([random_seed, j]).generate_state(1)[0])


def _fit_target(Z, j, sources, method, prior, seed, settings, blas_threads, keep_fit, names=None):
    """One target's regression; returns a small dict (the worker's whole answer).

    ``names`` (gene names, only with ``keep_fit``) label the kept fit's features.
    """
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(limits=blas_threads), warnings.catch_warnings():
        # per-target DiagnosticWarnings are summarized by fit_network; identical
        # genes were warned about once, before dispatch
        warnings.simplefilter("ignore")
        Xs, y = Z[:, sources], Z[:, j]
        if names is not None:
            import pandas as pd

            Xs = pd.DataFrame(Xs, columns=[names[k] for k in sources])
        if method == "mcmc":
            out = _mcmc_target(Xs, y, prior, seed, settings, keep_fit)
        else:
            out = _map_target(Xs, y, seed, settings, keep_fit)
    out.update(target=int(j), seconds=time.perf_counter() - start)
    return out


def _mcmc_target(Xs, y, prior, seed, settings, keep_fit):
    from .sampling import fit
    from .selection import inclusion_prob

    kw = {k: settings[k] for k in ("draws", "tune", "chains", "max_time")}
    if kw["max_time"] is None:
        del kw["max_time"]
    res = fit(Xs, y, prior, sampler="gibbs", cores=1, progressbar=False, random_seed=seed, **kw)
    beta = res.draws("beta")
    diag = res.diagnostics
    out = {
        "mean": beta.mean(axis=0),
        "prob": inclusion_prob(beta, settings["eps"]),
        "r_hat": diag["r_hat"].value,
        "ess_bulk": diag["ess_bulk"].value,
        "ess_tail": diag["ess_tail"].value,
        "passed": diag.passed,
        "worst": "; ".join(f"{c.name}: {c.worst}" for c in diag.failures if c.worst),
        "draws": int(beta.shape[0]),
    }
    if keep_fit:
        out["fit"] = res
    return out


def _map_target(Xs, y, seed, settings, keep_fit):
    from ._data import prepare_data
    from ._map_defaults import cv_lasso_alpha
    from .map import solve_lasso

    design = prepare_data(Xs, y)
    alpha = settings["alpha"]
    if alpha is None:
        alpha = cv_lasso_alpha(design.Z, design.yc, random_state=seed)
    sol = solve_lasso(design.Z, design.yc, alpha)
    coef = design.coef_to_original(sol.beta)
    out = {
        "mean": coef,
        "prob": np.full(coef.size, np.nan),
        "alpha": float(alpha),
        "duality_gap": sol.certificate.duality_gap,
        "kkt_violation": sol.certificate.kkt_violation,
        "passed": bool(sol.converged),
    }
    if keep_fit:
        out["fit"] = sol
    return out


# ----------------------------------------------------------------------------- result
@dataclass
class NetworkFit:
    """A fitted network (from :func:`fit_network`).

    Attributes
    ----------
    edges : pandas.DataFrame
        One row per gene pair fitted in at least one direction, most probable
        (MCMC) or largest ``|weight|`` (MAP) first: ``source``, ``target``,
        ``inclusion_prob`` (symmetric: min of the directed ones for AND, max for
        OR; NaN in MAP mode), ``weight`` (mean of the directed posterior means,
        standardized), ``selected``, and the directed values
        ``inclusion_prob_st`` / ``weight_st`` (source as a predictor of target)
        and ``inclusion_prob_ts`` / ``weight_ts`` (NaN where not fitted).
    adjacency : pandas.DataFrame of bool (p, p)
        Symmetric, False on the diagonal.
    coef : pandas.DataFrame (sources, targets)
        Directed standardized coefficients (posterior means or lasso), NaN where not fitted.
    inclusion : pandas.DataFrame (sources, targets)
        Directed inclusion probabilities (all NaN in MAP mode).
    diagnostics : pandas.DataFrame
        Per target: ``n_sources``, ``n_selected`` (directed), ``seconds``, and
        for MCMC the worst ``r_hat``, smallest ``ess_bulk`` / ``ess_tail``,
        ``passed`` (the fit's own checks), ``draws``, ``worst``; for MAP
        ``alpha``, ``duality_gap``, ``kkt_violation``, ``passed`` (gap reached).
    method, rule : str
    threshold : "fdr" or float
    fdr_q, expected_fdp : float
        The FDR target and the posterior expected false-discovery proportion of
        the selected edges (MCMC; NaN in MAP mode).
    prior : prior specification or None (MAP)
    settings : dict
        Sampling / lasso settings, ``random_seed`` (drawn when None was given),
        ``n_jobs``, ``backend``, ``blas_threads``.
    seconds : float
        Wall time of the per-target fits.
    fits : dict
        Target name -> PosteriorFit (MCMC) or lasso solution (MAP), only with ``keep_fits=True``.
    """

    edges: object
    adjacency: object
    coef: object
    inclusion: object
    diagnostics: object
    method: str
    rule: str
    threshold: object
    fdr_q: float
    expected_fdp: float
    prior: object
    settings: dict
    seconds: float
    n_samples: int
    fits: dict = field(default_factory=dict, repr=False)

    @property
    def genes(self) -> list:
        return list(self.adjacency.index)

    @property
    def n_edges(self) -> int:
        return int(self.edges["selected"].sum())

    def diagnostics_summary(self) -> dict:
        """Worst values over targets (the one-line health of the whole network)."""
        d = self.diagnostics
        out = {
            "targets": len(d),
            "targets_failing_fit_checks": int((~d["passed"].astype(bool)).sum()),
            "seconds_per_target": float(d["seconds"].mean()),
        }
        if self.method == "mcmc":
            out.update(
                r_hat_max=float(d["r_hat"].max()),
                ess_bulk_min=float(d["ess_bulk"].min()),
                ess_tail_min=float(d["ess_tail"].min()),
            )
        else:
            out.update(duality_gap_max=float(d["duality_gap"].max()))
        return out

    def metrics(self, truth) -> dict:
        """Precision, recall and F1 of the selected edges against a known adjacency
        (boolean (p, p) array or DataFrame over the same genes; symmetrized by OR)."""
        t = np.asarray(getattr(truth, "values", truth), dtype=bool)
        if t.shape != self.adjacency.shape:
            raise ValueError(f"truth has shape {t.shape}, the network {self.adjacency.shape}")
        t = t | t.T
        iu = np.triu_indices(t.shape[0], 1)
        sel, tt = self.adjacency.to_numpy(bool)[iu], t[iu]
        tp, k, m = int((sel & tt).sum()), int(sel.sum()), int(tt.sum())
        prec = tp / k if k else 0.0
        rec = tp / m if m else float("nan")
        f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        return {"n_selected": k, "true_positives": tp, "n_true": m, "precision": prec, "recall": rec, "f1": f1}

    def plot(self, **kwargs):
        """:func:`plot_network` of this fit (a matplotlib Figure)."""
        return plot_network(self, **kwargs)

    def write_report(self, path, **kwargs):
        """:func:`write_network_report` of this fit."""
        return write_network_report(self, path, **kwargs)

    def __repr__(self):
        return (
            f"NetworkFit(method={self.method!r}, rule={self.rule!r}, genes={len(self.adjacency)}, "
            f"n_samples={self.n_samples}, edges={self.n_edges}, seconds={self.seconds:.1f})"
        )


# ----------------------------------------------------------------------------- the fit
def fit_network(
    X,
    prior=None,
    *,
    method: str = "mcmc",
    rule: str = "and",
    regulators=None,
    targets=None,
    threshold="fdr",
    fdr_q: float = DEFAULT_FDR_Q,
    eps: float = DEFAULT_EPS,
    alpha: float | None = None,
    draws: int | str = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    max_time: float | None = None,
    random_seed=None,
    n_jobs: int | None = None,
    blas_threads: int = 1,
    keep_fits: bool = False,
    progressbar: bool = True,
) -> NetworkFit:
    """Neighbourhood selection: one sparse regression per gene, edges with posterior probabilities.

    Parameters
    ----------
    X : DataFrame (samples, genes) or array
        Expression matrix; genes are z-scored before fitting.
    prior : prior specification, optional
        Prior of each regression (``method="mcmc"``); default ``bs.Horseshoe()``.
    method : {"mcmc", "map"}
        Full posterior per target (Gibbs) or the certified lasso per target.
    rule : {"and", "or"}
        Combine the two directions of a pair: both selected, or either.
    regulators : list of gene names (or column indices), optional
        Candidate regulators (e.g. transcription factors): each gene is
        regressed on these only (minus itself). Default: all other genes.
    targets : list of gene names (or column indices), optional
        Fit only these targets (default: every gene): to split a genome-wide
        network over several jobs, or to time a subset. Pairs are then decided
        by the directions that were fitted.
    threshold : "fdr" or float in (0, 1)
        MCMC edge selection: the network-wide Bayesian FDR rule at ``fdr_q`` on
        the symmetric probabilities, or "symmetric probability > threshold".
    fdr_q : float
        Posterior expected false-discovery proportion allowed by the FDR rule.
    eps : float
        Practical-significance threshold of the inclusion probability, on the
        standardized scale.
    alpha : float, optional
        MAP mode: the lasso penalty (scikit-learn scaling, standardized data)
        for every target; default: ``LassoCV`` per target.
    draws, tune, chains, max_time :
        Per-target sampling (:func:`bayes_sparse.fit`); ``draws="auto"`` samples
        until converged or ``max_time`` seconds per target.
    random_seed : int, optional
        Target ``j`` uses ``SeedSequence([random_seed, j])``; None draws one
        (recorded in ``settings["random_seed"]``).
    n_jobs : int, optional
        Workers for :class:`joblib.Parallel`. Default: the ``n_jobs`` of an
        active ``joblib.parallel_config``, else -1 (all cores, or all workers
        of a Dask cluster).
    blas_threads : int
        BLAS threads in each worker (1: workers do not oversubscribe cores).
    keep_fits : bool
        Return every per-target fit in ``.fits`` (memory: all posterior draws).
    progressbar : bool
        A bar counting finished targets.

    Returns
    -------
    NetworkFit

    Raises
    ------
    ValueError
        Fewer than 3 genes or samples, a constant gene, NaN/inf, unknown
        regulators, bad options.
    TypeError
        Non-numeric or sparse X.

    Warns
    -----
    DiagnosticWarning
        Targets whose chains fail the network screen (R-hat > 1.05 or bulk
        ESS < 100): raise ``draws``.
    """
    import joblib
    import pandas as pd

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if not (isinstance(threshold, str) and threshold == "fdr"):
        if isinstance(threshold, str):
            raise ValueError(f"threshold must be 'fdr' or a number in (0, 1), got {threshold!r}")
        threshold = _check_prob("threshold", threshold)
    fdr_q = _check_prob("fdr_q", fdr_q)
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) or not eps >= 0:
        raise ValueError(f"eps must be a number >= 0, got {eps!r}")
    if isinstance(blas_threads, bool) or not isinstance(blas_threads, (int, np.integer)) or blas_threads < 1:
        raise ValueError(f"blas_threads must be an integer >= 1, got {blas_threads!r}")
    if method == "map":
        if prior is not None:
            raise ValueError("method='map' fits the lasso per target (no prior); pass prior=None")
        if alpha is not None:
            from .map import _check_alpha

            alpha = _check_alpha(alpha)
    elif alpha is not None:
        raise ValueError("alpha applies to method='map' only")
    if method == "mcmc":
        from .priors import Horseshoe

        prior = Horseshoe() if prior is None else prior
        from .spec import ModelSpec

        ModelSpec.build(prior, sigma=None, standardize=True)  # a bad prior fails here, not in every worker
    arr, names, mean, sd = _check_genes(X)
    n, p = arr.shape
    regs = _check_regulators(regulators, names)
    wanted = _check_regulators(targets, names, what="targets")
    Z = np.ascontiguousarray((arr - mean) / sd)
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    settings = {"draws": draws, "tune": tune, "chains": chains, "max_time": max_time, "eps": float(eps), "alpha": alpha}
    jobs = []
    for j in wanted:
        sources = regs[regs != j]
        if sources.size:
            jobs.append((j, sources))
    if not jobs:
        raise ValueError("no target has a candidate regulator other than itself; give at least two regulators")
    if method == "mcmc":  # check the sampling options once, in the caller
        _check_sampling_options(draws, tune, chains, max_time)

    if n_jobs is None:
        n_jobs = joblib.parallel.get_active_backend()[1] or -1
    start = time.perf_counter()
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
    backend = type(parallel._backend).__name__ if hasattr(parallel, "_backend") else "?"
    tasks = (
        joblib.delayed(_fit_target)(
            Z,
            j,
            sources,
            method,
            prior,
            _target_seed(random_seed, j),
            settings,
            int(blas_threads),
            keep_fits,
            names if keep_fits else None,
        )
        for j, sources in jobs
    )
    results = _collect(parallel(tasks), len(jobs), progressbar)
    seconds = time.perf_counter() - start
    settings.update(random_seed=random_seed, n_jobs=n_jobs, backend=backend, blas_threads=int(blas_threads))
    return _assemble(
        results, jobs, names, regs, n, method, rule, threshold, fdr_q, prior, settings, seconds, keep_fits, pd
    )


def _check_sampling_options(draws, tune, chains, max_time):
    from .sampling import _check_count

    if not (isinstance(draws, str) and draws == "auto"):
        _check_count("draws", draws, 1)
        if max_time is not None:
            raise ValueError("max_time applies to draws='auto' only")
    elif max_time is not None and (
        isinstance(max_time, bool) or not isinstance(max_time, (int, float)) or not max_time > 0
    ):
        raise ValueError(f"max_time must be a positive number, got {max_time!r}")
    _check_count("tune", tune, 0)
    _check_count("chains", chains, 1)


def _collect(generator, total, progressbar):
    if not progressbar:
        return list(generator)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    out = []
    with Progress(
        TextColumn("network targets"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn()
    ) as bar:
        task = bar.add_task("", total=total)
        for res in generator:
            out.append(res)
            bar.update(task, advance=1)
    return out


def _assemble(results, jobs, names, regs, n, method, rule, threshold, fdr_q, prior, settings, seconds, keep_fits, pd):
    from .diagnostics import DiagnosticWarning

    p = len(names)
    coef = np.full((p, p), np.nan)  # [source, target]
    prob = np.full((p, p), np.nan)
    rows, fits = [], {}
    for res, (j, sources) in zip(results, jobs):
        if res["target"] != j:  # pragma: no cover - joblib keeps the order of "generator" results
            raise RuntimeError("per-target results came back out of order")
        coef[sources, j] = res["mean"]
        prob[sources, j] = res["prob"]
        row = {"target": names[j], "n_sources": int(sources.size), "seconds": res["seconds"]}
        keys = (
            ("r_hat", "ess_bulk", "ess_tail", "draws", "passed", "worst")
            if method == "mcmc"
            else ("alpha", "duality_gap", "kkt_violation", "passed")
        )
        row.update({k: res[k] for k in keys})
        rows.append(row)
        if keep_fits:
            fits[names[j]] = res["fit"]
    diagnostics = pd.DataFrame(rows).set_index("target")

    fitted = ~np.isnan(coef)
    if method == "mcmc":
        directed_score = prob
    else:
        directed_score = np.where(fitted, (coef != 0).astype(float), np.nan)
    # symmetric values over pairs i < j fitted in at least one direction
    iu = np.triu_indices(p, 1)
    a_ij, a_ji = directed_score[iu], directed_score.T[iu]  # i as predictor of j, j as predictor of i
    any_fit = fitted[iu] | fitted.T[iu]
    both = np.stack([a_ij, a_ji])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pairs are dropped below
        sym = np.nanmin(both, axis=0) if rule == "and" else np.nanmax(both, axis=0)
        weight = np.nanmean(np.stack([coef[iu], coef.T[iu]]), axis=0)
    expected_fdp = float("nan")
    if method == "map":
        selected = sym[any_fit] > 0.5
        sym_prob = np.full(selected.size, np.nan)
    else:
        sym_prob = sym[any_fit]
        if isinstance(threshold, str):
            from .selection import bayesian_fdr

            selected, expected_fdp = bayesian_fdr(sym_prob, fdr_q)
        else:
            selected = sym_prob > threshold
            expected_fdp = float(np.mean(1 - sym_prob[selected])) if selected.any() else 0.0
    src, tgt = iu[0][any_fit], iu[1][any_fit]
    gene = np.asarray(names, dtype=object)
    edges = pd.DataFrame(
        {
            "source": gene[src],
            "target": gene[tgt],
            "inclusion_prob": sym_prob,
            "weight": weight[any_fit],
            "selected": selected,
            "inclusion_prob_st": prob[src, tgt],
            "inclusion_prob_ts": prob[tgt, src],
            "weight_st": coef[src, tgt],
            "weight_ts": coef[tgt, src],
        }
    )
    order = (
        np.lexsort((-np.abs(edges["weight"].to_numpy()), -edges["inclusion_prob"].to_numpy()))
        if method == "mcmc"
        else np.argsort(-np.abs(edges["weight"].to_numpy()), kind="stable")
    )
    edges = edges.iloc[order].reset_index(drop=True)
    adj = np.zeros((p, p), dtype=bool)
    adj[src[selected], tgt[selected]] = True
    adj |= adj.T
    directed_sel = (prob > 0.5) if method == "mcmc" else (fitted & (np.nan_to_num(coef) != 0))
    diagnostics["n_selected"] = [int(directed_sel[sources, j].sum()) for j, sources in jobs]
    net = NetworkFit(
        edges=edges,
        adjacency=pd.DataFrame(adj, index=list(names), columns=list(names)),
        coef=pd.DataFrame(coef[regs], index=[names[r] for r in regs], columns=list(names)),
        inclusion=pd.DataFrame(prob[regs], index=[names[r] for r in regs], columns=list(names)),
        diagnostics=diagnostics,
        method=method,
        rule=rule,
        threshold=threshold,
        fdr_q=fdr_q,
        expected_fdp=expected_fdp,
        prior=prior,
        settings=settings,
        seconds=seconds,
        n_samples=n,
        fits=fits,
    )
    if method == "mcmc":
        bad = diagnostics[(diagnostics["r_hat"] > NETWORK_RHAT_MAX) | (diagnostics["ess_bulk"] < NETWORK_ESS_MIN)]
        if len(bad):
            warnings.warn(
                f"{len(bad)} of {len(diagnostics)} targets fail the network convergence screen "
                f"(R-hat <= {NETWORK_RHAT_MAX}, bulk ESS >= {NETWORK_ESS_MIN}): {list(bad.index[:5])}; "
                "see NetworkFit.diagnostics and raise draws (or use draws='auto')",
                DiagnosticWarning,
                stacklevel=3,
            )
    return net


# ----------------------------------------------------------------------------- figures
def _heat_genes(net):
    genes = net.genes
    if len(genes) <= MAX_HEATMAP:
        return genes
    deg = net.adjacency.sum(axis=0).to_numpy()
    keep = np.sort(np.argsort(-deg, kind="stable")[:MAX_HEATMAP])
    return [genes[k] for k in keep]


def _edge_matrix(net, genes):
    """Symmetric matrix of edge strength: inclusion probability (MCMC) or |weight| (MAP)."""
    col = "inclusion_prob" if net.method == "mcmc" else "weight"
    pos = {g: k for k, g in enumerate(genes)}
    M = np.zeros((len(genes), len(genes)))
    e = net.edges
    keep = e["source"].isin(pos) & e["target"].isin(pos)
    i = e.loc[keep, "source"].map(pos).to_numpy(int)
    j = e.loc[keep, "target"].map(pos).to_numpy(int)
    v = np.abs(e.loc[keep, col].to_numpy(float))
    M[i, j] = M[j, i] = np.nan_to_num(v)
    return M


def plot_network(net, *, node_link: bool | None = None, figsize=None):
    """Adjacency heat map and, for small graphs, a circular node-link drawing.

    The heat map shows the symmetric edge probability (MCMC) or ``|weight|``
    (MAP) with the selected edges outlined; above :data:`MAX_HEATMAP` genes
    only the genes with the most selected edges. The node-link drawing (at most
    :data:`MAX_NODE_LINK` genes; ``node_link=False`` to omit) places genes on a
    circle and draws the selected edges, width by probability (or ``|weight|``),
    red for positive and blue for negative weights.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; shown as PNG when it is a notebook cell's value.
    """
    from .teach import _figure

    genes = _heat_genes(net)
    draw_links = len(net.genes) <= MAX_NODE_LINK if node_link is None else bool(node_link)
    if draw_links and len(net.genes) > MAX_NODE_LINK:
        raise ValueError(f"the node-link drawing is for at most {MAX_NODE_LINK} genes, got {len(net.genes)}")
    ncols = 2 if draw_links else 1
    fig = _figure(figsize=figsize or (6.2 * ncols, 5.6), layout="constrained")  # shows itself in notebooks
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    ax = axes[0]
    M = _edge_matrix(net, genes)
    label = "edge inclusion probability" if net.method == "mcmc" else "|lasso weight| (standardized)"
    im = ax.imshow(
        M, cmap="Greys", vmin=0, vmax=1 if net.method == "mcmc" else max(M.max(), 1e-12), interpolation="nearest"
    )
    fig.colorbar(im, ax=ax, shrink=0.8, label=label)
    A = net.adjacency.loc[genes, genes].to_numpy(bool)
    ii, jj = np.nonzero(A)
    if ii.size and len(genes) <= 120:
        ax.scatter(
            jj,
            ii,
            s=max(2.0, 400.0 / len(genes)),
            facecolors="none",
            edgecolors="tab:red",
            linewidths=0.8,
            label="selected",
        )
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    if len(genes) <= 60:
        ax.set_xticks(range(len(genes)), genes, rotation=90, fontsize=6)
        ax.set_yticks(range(len(genes)), genes, fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    shown = "" if len(genes) == len(net.genes) else f" ({len(genes)} of {len(net.genes)} genes, most connected)"
    ax.set_title(f"{net.method.upper()} neighbourhood selection, {net.rule.upper()} rule{shown}", fontsize=9)
    if draw_links:
        _node_link(axes[1], net)
    return fig


def _node_link(ax, net):
    genes = net.genes
    p = len(genes)
    angle = np.pi / 2 - 2 * np.pi * np.arange(p) / p
    xy = np.column_stack([np.cos(angle), np.sin(angle)])
    pos = {g: k for k, g in enumerate(genes)}
    sel = net.edges[net.edges["selected"]]
    strength = sel["inclusion_prob"].to_numpy(float) if net.method == "mcmc" else np.abs(sel["weight"].to_numpy(float))
    top = np.nanmax(strength) if strength.size else 1.0
    for (s, t, w), st in zip(sel[["source", "target", "weight"]].itertuples(index=False), strength):
        a, b = xy[pos[s]], xy[pos[t]]
        ax.plot(
            [a[0], b[0]],
            [a[1], b[1]],
            color="tab:red" if w > 0 else "tab:blue",
            lw=0.5 + 2.5 * (st / top if top > 0 else 1),
            alpha=0.8,
            zorder=1,
        )
    deg = net.adjacency.sum(axis=0).to_numpy()
    ax.scatter(xy[:, 0], xy[:, 1], s=40 + 25 * deg, color="white", edgecolors="black", zorder=2)
    for k, g in enumerate(genes):
        ax.annotate(g, 1.12 * xy[k], ha="center", va="center", fontsize=6 if p > 25 else 8)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        f"{len(sel)} selected edges (red +, blue -; width: {'probability' if net.method == 'mcmc' else '|weight|'})",
        fontsize=9,
    )


def _png_bytes(fig, dpi: float = 110, max_pixels: int = MAX_PIXELS) -> bytes:
    """PNG of a Figure, at a resolution that keeps both sides within ``max_pixels``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    w, h = fig.get_size_inches()
    dpi = min(dpi, (max_pixels - 2) / max(w, h))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ----------------------------------------------------------------------------- report
def render_network_report(
    net, *, title: str | None = None, source: str | None = None, top: int = REPORT_TOP_EDGES
) -> str:
    """Self-contained HTML: settings, convergence summary, the top edges and the figure."""
    from .report import _CSS

    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    title = title or "bayes_sparse gene network"
    s = net.diagnostics_summary()
    genes = len(net.genes)
    if net.method == "mcmc":
        how = (
            f"posterior of each regression ({e(repr(net.prior))}; Gibbs, {net.settings['chains']} chains x "
            f"{net.settings['draws']} draws after {net.settings['tune']} warm-up); directed inclusion probability "
            f"P(|beta| &gt; {net.settings['eps']:g} | data) on standardized genes"
        )
        pick = (
            f"network-wide Bayesian FDR at q = {net.fdr_q:g} (posterior expected false-discovery proportion "
            f"of the selected edges: {net.expected_fdp:.3f})"
            if net.threshold == "fdr"
            else f"symmetric probability &gt; {net.threshold:g}"
        )
        health = (
            f"worst R-hat {s['r_hat_max']:.3f}, smallest bulk ESS {s['ess_bulk_min']:.0f}, tail ESS "
            f"{s['ess_tail_min']:.0f}; {s['targets_failing_fit_checks']} of {s['targets']} targets fail "
            "the per-fit checks (R-hat &le; 1.01, ESS &ge; 400)"
        )
    else:
        alpha = net.settings["alpha"]
        how = "certified lasso per target (classical neighbourhood selection), " + (
            "alpha by LassoCV per target" if alpha is None else f"alpha = {alpha:g}"
        )
        pick = "non-zero lasso coefficient"
        health = f"largest duality gap {s['duality_gap_max']:.2e}"
    comb = (
        "AND: both directions (symmetric probability = min of the two)"
        if net.rule == "and"
        else "OR: either direction (symmetric probability = max of the two)"
    )
    cols = [
        "source",
        "target",
        "inclusion_prob",
        "weight",
        "selected",
        "inclusion_prob_st",
        "inclusion_prob_ts",
        "weight_st",
        "weight_ts",
    ]
    table = net.edges[cols].head(top).to_html(escape=True, index=False, border=0, float_format=lambda v: f"{v:.3g}")
    png = base64.b64encode(_png_bytes(plot_network(net))).decode("ascii")
    src = f" &middot; data: {e(source)}" if source else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title><style>{_CSS}</style></head><body>
<h1>{e(title)}</h1>
<p>{genes} genes, {net.n_samples} samples{src} &middot; {net.n_edges} selected edges &middot;
{len(net.diagnostics)} regressions in {net.seconds:.1f} s ({e(net.settings["backend"])},
n_jobs = {net.settings["n_jobs"]}, random_seed = {net.settings["random_seed"]})</p>
<section id="method"><h2>Method</h2><ul>
<li>Per target: {how}.</li><li>Combining directions: {comb}.</li><li>Selected: {pick}.</li>
<li>Convergence: {health}.</li></ul></section>
<section id="figure"><h2>Network</h2><img alt="adjacency heat map and node-link drawing"
src="data:image/png;base64,{png}"></section>
<section id="edges"><h2>Top {min(top, len(net.edges))} edges</h2>
<p>_st: the source as a predictor of the target; _ts: the reverse. Weights are standardized coefficients.</p>
{table}</section>
</body></html>
"""


def write_network_report(net, path, *, title=None, source=None, top: int = REPORT_TOP_EDGES):
    """Write :func:`render_network_report` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(render_network_report(net, title=title, source=source, top=top), encoding="utf-8")
    return path
