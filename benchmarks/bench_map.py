"""Time to a certified lasso MAP: bayes_sparse vs scikit-learn's Lasso.

Both must reach a duality gap <= 1e-9 * ||y_c||^2 / n, checked with our own
certificate. scikit-learn is run at tol = 1e-9, 1e-10, ... 1e-12 until its
solution meets the target; the time of that run is reported. Timings are
best-of-R, measured side by side (interleaved) in one process, so the ratio
is what to read: absolute times depend on the (shared) machine.

Usage: python benchmarks/bench_map.py [--quick]
Writes benchmarks/results/map.md and map.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

import bayes_sparse as bs
from bayes_sparse.map import alpha_max, lasso_certificate

GAP_TARGET = 1e-9
RESULTS = Path(__file__).parent / "results"


def problems(quick):
    X, y = bs.datasets.load_diabetes()
    Xs = (X - X.mean()) / X.std(ddof=0)
    yield "diabetes n=442 p=10", Xs.to_numpy(), y.to_numpy(), 20
    n, p = (100, 5000) if quick else (100, 20_000)
    X, y, _ = bs.datasets.make_sparse_regression(n, p, 20, correlation=0.5, random_state=0)
    yield f"synthetic n={n} p={p} (20 signals)", X, y, 3


def time_ours(X, y, alpha, sigma=1.0):
    prior = bs.laplace_from_alpha(alpha, sigma=sigma, n=len(y))
    t0 = time.perf_counter()
    m = bs.map_estimate(X, y, prior, sigma=sigma, standardize=False, gap_tol=GAP_TARGET)
    return time.perf_counter() - t0, m.coef_model_


def time_sklearn(X, y, alpha, Z, yc, target):
    for tol in (1e-9, 1e-10, 1e-11, 1e-12, 1e-13):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            coef = Lasso(alpha=alpha, tol=tol, max_iter=1_000_000).fit(X, y).coef_
        elapsed = time.perf_counter() - t0
        if lasso_certificate(Z, yc, coef, alpha).duality_gap <= target:
            return elapsed, coef, tol
    return elapsed, coef, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="p=5000 instead of 20,000")
    args = parser.parse_args(argv)
    rows = []
    for name, X, y, repeats in problems(args.quick):
        Z, yc = X - X.mean(0), y - y.mean()
        target = GAP_TARGET * (yc @ yc) / len(y)
        amax = alpha_max(Z, yc)
        for frac in (0.5, 0.1, 0.01):
            alpha = frac * amax
            ours, theirs, tol = [], [], None
            for _ in range(repeats):
                t, coef_ours = time_ours(X, y, alpha)
                ours.append(t)
                t, coef_sk, tol = time_sklearn(X, y, alpha, Z, yc, target)
                theirs.append(t)
            c_ours = lasso_certificate(Z, yc, coef_ours, alpha)
            c_sk = lasso_certificate(Z, yc, coef_sk, alpha)
            rows.append(
                dict(
                    problem=name,
                    alpha_frac=frac,
                    nonzero=int(np.count_nonzero(coef_ours)),
                    ours_s=min(ours),
                    sklearn_s=min(theirs),
                    sklearn_tol=tol,
                    speedup=min(theirs) / min(ours),
                    ours_gap_rel=c_ours.duality_gap / (target / GAP_TARGET),
                    sklearn_gap_rel=c_sk.duality_gap / (target / GAP_TARGET),
                    ours_kkt=c_ours.kkt_violation,
                )
            )
            print_row(rows[-1])
    write(rows, args.quick)


HEADER = (
    f"| {'problem':<34} | {'a/a_max':>7} | {'nnz':>4} | {'ours (s)':>9} | {'sklearn (s)':>11} | "
    f"{'sk tol':>6} | {'speed-up':>8} | {'our gap':>8} | {'sk gap':>8} | {'our KKT':>8} |"
)


def fmt(r):
    tol = f"{r['sklearn_tol']:.0e}" if r["sklearn_tol"] else "miss"
    return (
        f"| {r['problem']:<34} | {r['alpha_frac']:>7} | {r['nonzero']:>4} | {r['ours_s']:>9.4f} | "
        f"{r['sklearn_s']:>11.4f} | {tol:>6} | {r['speedup']:>7.1f}x | {r['ours_gap_rel']:>8.1e} | "
        f"{r['sklearn_gap_rel']:>8.1e} | {r['ours_kkt']:>8.1e} |"
    )


_printed = False


def print_row(r):
    global _printed
    if not _printed:
        print(HEADER)
        print("|" + "|".join("-" * (len(c)) for c in HEADER.split("|")[1:-1]) + "|")
        _printed = True
    print(fmt(r), flush=True)


def write(rows, quick):
    RESULTS.mkdir(exist_ok=True)
    meta = (
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    lines = [
        "# Certified lasso MAP vs scikit-learn Lasso",
        "",
        f"Gap target {GAP_TARGET:g} x ||y_c||^2/n (relative gaps shown). Best-of-R wall times, side by side; {meta}.",
        "Produced by `python benchmarks/bench_map.py`" + (" --quick" if quick else "") + ".",
        "",
        HEADER,
        "|" + "|".join("-" * (len(c)) for c in HEADER.split("|")[1:-1]) + "|",
        *[fmt(r) for r in rows],
        "",
    ]
    (RESULTS / "map.md").write_text("\n".join(lines))
    (RESULTS / "map.json").write_text(json.dumps(rows, indent=2))
    print(f"\nwrote {RESULTS / 'map.md'}")


if __name__ == "__main__":
    main()
