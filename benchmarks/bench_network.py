"""Gene-network benchmark: wall time of bs.fit_network for 200 genes x 100 samples.

MAP mode (certified lasso per target, LassoCV) and MCMC mode (horseshoe Gibbs
per target, the defaults: 2 chains x 1000 draws after 500 warm-up), with 1 and
2 loky workers; F1 of each against the simulated graph beside
GraphicalLassoCV; single-target timings at larger p for the paper estimate of
a 20,000-gene network. Load averages are recorded because the machine may be
shared.

    python benchmarks/bench_network.py            # full (about 20-30 min on 2 busy cores)
    python benchmarks/bench_network.py --quick    # smaller, for a smoke run

Writes benchmarks/results/network.json (the numbers); network.md is written by hand from them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

from bayes_sparse.diagnostics import DiagnosticWarning
from bayes_sparse.network import _fit_target, fit_network, simulate_ggm
from bayes_sparse.priors import Horseshoe

OUT = Path(__file__).parent / "results" / "network.json"


def load():
    return round(os.getloadavg()[0], 2)


def timed(label, func, rows):
    before = load()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DiagnosticWarning)
        value = func()
    seconds = time.perf_counter() - start
    row = {
        "run": label,
        "seconds": round(seconds, 1),
        "load_before": before,
        "load_after": load(),
        "diagnostic_warnings": [str(w.message)[:200] for w in caught if issubclass(w.category, DiagnosticWarning)],
    }
    rows.append(row)
    print(json.dumps(row), flush=True)
    return value, row


def glasso_f1(X, truth):
    from sklearn.covariance import GraphicalLassoCV

    Z = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
    prec = GraphicalLassoCV().fit(Z).precision_
    iu = np.triu_indices(len(truth), 1)
    s, t = np.abs(prec[iu]) > 1e-8, truth.to_numpy()[iu]
    tp = (s & t).sum()
    p, r = tp / max(s.sum(), 1), tp / t.sum()
    return float(2 * p * r / (p + r)) if tp else 0.0


def or_rule_f1(net, truth):
    """F1 of the OR rule from the same per-target fits (symmetric probability = max of the directed ones,
    the same Bayesian FDR; MAP: either coefficient non-zero), without refitting."""
    from bayes_sparse.selection import bayesian_fdr

    iu = np.triu_indices(len(truth), 1)
    if net.method == "mcmc":
        P = net.inclusion.to_numpy()
        sel, _ = bayesian_fdr(np.maximum(P[iu], P.T[iu]), net.fdr_q)
    else:
        nz = np.nan_to_num(net.coef.to_numpy()) != 0
        sel = (nz | nz.T)[iu]
    t = truth.to_numpy()[iu]
    tp = (sel & t).sum()
    prec, rec = tp / max(sel.sum(), 1), tp / t.sum()
    return float(2 * prec * rec / (prec + rec)) if tp else 0.0


def one_target(p, n, method, seed=0):
    """Seconds for one target's regression on p - 1 predictors (single BLAS thread)."""
    X, _, _ = simulate_ggm(p, n, random_state=seed)
    Z = X.to_numpy()
    Z = (Z - Z.mean(0)) / Z.std(0)
    settings = dict(draws=1000, tune=500, chains=2, max_time=None, eps=0.1, alpha=None)
    prior = Horseshoe() if method == "mcmc" else None
    res = _fit_target(Z, 0, np.arange(1, p), method, prior, seed, settings, 1, False)
    return res["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    genes, samples = (60, 100) if args.quick else (200, 100)
    subset = 10 if args.quick else 30
    X, truth, _ = simulate_ggm(genes, samples, random_state=0)
    rows, summary = [], {"genes": genes, "samples": samples, "cpus": os.cpu_count()}

    for jobs in (1, 2):
        net, row = timed(
            f"map, {genes} targets, n_jobs={jobs}",
            lambda jobs=jobs: fit_network(X, method="map", random_seed=0, n_jobs=jobs, progressbar=False),
            rows,
        )
        row.update(net.metrics(truth), n_jobs=jobs, f1_or_rule_same_fits=or_rule_f1(net, truth))
    first = list(X.columns[:subset])
    for jobs in (1, 2):
        net, row = timed(
            f"mcmc, {subset} of {genes} targets, n_jobs={jobs}",
            lambda jobs=jobs: fit_network(X, targets=first, random_seed=0, n_jobs=jobs, progressbar=False),
            rows,
        )
        row.update(n_jobs=jobs, seconds_per_target=round(row["seconds"] / subset, 2))
    net, row = timed(
        f"mcmc, {genes} targets, n_jobs=2", lambda: fit_network(X, random_seed=0, n_jobs=2, progressbar=False), rows
    )
    row.update(net.metrics(truth), n_jobs=2, **net.diagnostics_summary())
    row["f1_or_rule_same_fits"] = or_rule_f1(net, truth)
    _, row = timed("GraphicalLassoCV", lambda: None, rows)
    row["f1"] = glasso_f1(X, truth)
    print("GraphicalLassoCV F1", row["f1"])
    calib = []
    for p in (200, 500) if args.quick else (200, 1000, 2000):
        for method in ("map", "mcmc"):
            s = one_target(p, samples, method)
            calib.append({"p": p, "method": method, "seconds": round(s, 2), "load": load()})
            print(json.dumps(calib[-1]), flush=True)
    summary.update(rows=rows, single_target=calib)
    if not args.quick:
        OUT.write_text(json.dumps(summary, indent=1, default=float) + "\n")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
