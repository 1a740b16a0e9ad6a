"""Selection calibration: which features each rule selects, against the known support.

Correlated simulated data (``bs.datasets.make_sparse_regression``, n = 120,
p = 300, 8 signals, AR(1) correlation 0.6, noise sd 1) at a few signal sizes
and several seeds; the plain horseshoe (``expected_nonzero=8``) sampled by
Gibbs; for each seed the table of :func:`bayes_sparse.compare_selection` and
the realised TPR (true signals found / 8) and FDR (false selections /
selections, 0 when nothing is selected) of each rule:

* ``fdr``: Bayesian FDR at q = 0.1 on ``P(|beta_j| > eps_j | y)``;
* ``shrinkage``: the horseshoe's ``1 - E[kappa_j] > 0.5``;
* ``interval``: the 95% central credible interval excludes 0;
* ``lasso_cv_min`` / ``lasso_cv_1se``: cross-validated lasso (5 folds);
* ``stability`` (frequency >= 0.6), ``dss``.

It also prints the posterior expected false-discovery proportion of the FDR
selection (what the rule bounds by q under the model) beside its realised FDR.

Usage: python benchmarks/bench_selection.py [--quick] [--seeds K]
Writes benchmarks/results/selection.md and selection.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np

import bayes_sparse as bs
from bayes_sparse.diagnostics import DiagnosticWarning

RESULTS = Path(__file__).parent / "results"
N, P, K, CORRELATION = 120, 300, 8, 0.6
RULES = ("fdr", "shrinkage", "interval", "lasso_cv_min", "lasso_cv_1se", "stability", "dss")


PRIORS = {"horseshoe": lambda: bs.Horseshoe(expected_nonzero=K), "laplace": lambda: bs.Laplace()}


def one(signal, seed, draws, tune, prior="horseshoe"):
    X, y, coef = bs.datasets.make_sparse_regression(
        N, P, K, correlation=CORRELATION, noise=1.0, signal=signal, random_state=seed, as_frame=True
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticWarning)
        res = bs.fit(
            X,
            y,
            PRIORS[prior](),
            sampler="gibbs",
            draws=draws,
            tune=tune,
            chains=2,
            random_seed=seed,
            progressbar=False,
        )
    t1 = time.perf_counter()
    table = bs.compare_selection(res, random_state=seed)
    t2 = time.perf_counter()
    metrics = bs.selection_metrics(table, coef != 0)
    row = {
        "prior": prior,
        "signal": signal,
        "seed": seed,
        "fit_s": t1 - t0,
        "compare_s": t2 - t1,
        "expected_fdp": table.attrs["expected_fdp"],
        "r_hat_max": float(np.nanmax(table["r_hat"])),
    }
    for rule in RULES:
        ok = rule in metrics.index
        row[f"{rule}_tpr"] = float(metrics.loc[rule, "tpr"]) if ok else float("nan")
        row[f"{rule}_fdr"] = float(metrics.loc[rule, "fdr"]) if ok else float("nan")
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="2 seeds, one signal size, short chains")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--prior", choices=sorted(PRIORS), action="append", help="prior(s) to sample (default: both)")
    args = ap.parse_args()
    priors = args.prior or ["horseshoe", "laplace"]
    signals = (0.5,) if args.quick else (0.5, 0.75, 1.0)
    seeds = range(2 if args.quick else args.seeds)
    draws, tune = (300, 200) if args.quick else (1000, 500)
    rows = []
    for prior in priors:
        for signal in signals:
            for seed in seeds:
                row = one(signal, seed, draws, tune, prior)
                rows.append(row)
                print(
                    f"{prior} signal {signal:<5} seed {seed}: "
                    + "  ".join(f"{r} {row[f'{r}_tpr']:.2f}/{row[f'{r}_fdr']:.2f}" for r in RULES)
                    + f"  E[FDP] {row['expected_fdp']:.3f}  fit {row['fit_s']:.1f}s compare {row['compare_s']:.1f}s",
                    flush=True,
                )

    lines = [
        "# Selection calibration (`python benchmarks/bench_selection.py`)",
        "",
        f"n = {N}, p = {P}, {K} signals of size ±signal, AR(1) correlation {CORRELATION}, noise sd 1; "
        f"plain horseshoe (expected_nonzero = {K}) and Bayesian lasso (`Laplace()`, lam hyperprior), Gibbs, "
        f"2 chains x {draws} draws after {tune} warm-up; "
        f"{len(seeds)} seeds per signal size. Cells: mean TPR / mean realised FDR over seeds "
        "(FDR of an empty selection counted as 0). `fdr` = Bayesian FDR at q = 0.1 on "
        "P(|beta_j| > eps_j | y); `E[FDP]` = its posterior expected false-discovery proportion "
        "(the quantity the rule bounds by q); `FDR max` = worst seed of the FDR rule.",
        "",
        "| prior | signal | " + " | ".join(RULES) + " | E[FDP] (fdr) | FDR max (fdr) | compare s |",
        "|---|---|" + "---|" * (len(RULES) + 3),
    ]
    summary = {}
    for prior in priors:
        for signal in signals:
            sub = [r for r in rows if r["signal"] == signal and r["prior"] == prior]
            cells = []
            for rule in RULES:
                tpr = float(np.mean([r[f"{rule}_tpr"] for r in sub]))
                fdr = float(np.mean([r[f"{rule}_fdr"] for r in sub]))
                summary[f"{prior}/{signal}/{rule}"] = {"tpr": tpr, "fdr": fdr}
                cells.append("-" if np.isnan(tpr) else f"{tpr:.2f} / {fdr:.2f}")
            efdp = np.mean([r["expected_fdp"] for r in sub])
            worst = max(r["fdr_fdr"] for r in sub)
            comp = np.mean([r["compare_s"] for r in sub])
            lines.append(f"| {prior} | {signal} | " + " | ".join(cells) + f" | {efdp:.3f} | {worst:.2f} | {comp:.1f} |")
    lines += [
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d')}.",
    ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if not args.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "selection.md").write_text(text)
        (RESULTS / "selection.json").write_text(json.dumps({"rows": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
