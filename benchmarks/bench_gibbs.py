"""Gibbs samplers vs PyMC's NUTS on the same model, side by side in one run.

Reports wall time (including PyMC compilation / Gibbs set-up and InferenceData
assembly), min bulk ESS over beta (and tau for the horseshoe), ESS per second,
max R-hat over the same variables, divergences, and peak memory (max RSS of
this process and its worker processes, for the Gibbs-only large cases).

Usage: python benchmarks/bench_gibbs.py [--cases diabetes,p500,p2000,p20000] [--quick]
Writes benchmarks/results/gibbs.md and gibbs.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
import warnings
from pathlib import Path

import arviz as az

import bayes_sparse as bs

RESULTS = Path(__file__).parent / "results"


def measure(label, sampler, X, y, prior, **kw):
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bs.fit(X, y, prior, sampler=sampler, progressbar=False, **kw)
    wall = time.perf_counter() - t0
    post = res.idata.posterior
    names = ["beta"] + (["tau"] if "tau" in post else [])
    ess = az.ess(post[names])
    rhat = az.rhat(post[names])
    min_ess = min(float(ess[v].min()) for v in names)
    max_rhat = max(float(rhat[v].max()) for v in names)
    div = int(res.idata.sample_stats["diverging"].sum()) if "diverging" in getattr(res.idata, "sample_stats", {}) else 0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 2**20
    row = dict(
        case=label, sampler=sampler, draws=f"{kw['chains']}x{kw['draws']}", wall_s=wall, min_ess=min_ess,
        ess_per_s=min_ess / wall, max_rhat=max_rhat, divergences=div, peak_rss_gib=peak,
    )
    print(fmt(row), flush=True)
    return row, res


HEADER = f"| {'case':<34} | {'sampler':<7} | {'draws':>8} | {'wall (s)':>8} | {'min ESS':>8} | {'ESS/s':>8} | {'max R-hat':>9} | {'div.':>5} | {'peak RSS GiB':>12} |"


def fmt(r):
    return (
        f"| {r['case']:<34} | {r['sampler']:<7} | {r['draws']:>8} | {r['wall_s']:>8.1f} | {r['min_ess']:>8.0f} | "
        f"{r['ess_per_s']:>8.2f} | {r['max_rhat']:>9.4f} | {r['divergences']:>5} | {r['peak_rss_gib']:>12.2f} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="diabetes,p500,p2000,p20000")
    parser.add_argument("--quick", action="store_true", help="fewer draws (smoke run, not for the table)")
    args = parser.parse_args(argv)
    cases = args.cases.split(",")
    q = 0.2 if args.quick else 1.0
    print(HEADER)
    print("|" + "|".join("-" * len(c) for c in HEADER.split("|")[1:-1]) + "|")
    rows, ratios = [], []
    seed = 2026
    if "diabetes" in cases:
        X, y = bs.datasets.load_diabetes()
        prior = bs.Laplace()
        nuts, _ = measure("diabetes n=442 p=10, Bayesian lasso", "nuts", X, y, prior,
                          draws=int(1000 * q), tune=1000, chains=2, random_seed=seed)
        gibbs, _ = measure("diabetes n=442 p=10, Bayesian lasso", "gibbs", X, y, prior,
                           draws=int(20000 * q), tune=500, chains=2, random_seed=seed)
        rows += [nuts, gibbs]
        ratios.append(("diabetes Bayesian lasso", gibbs["ess_per_s"] / nuts["ess_per_s"], 20))
    if "p500" in cases:
        X, y, _ = bs.datasets.make_sparse_regression(100, 500, 10, correlation=0.5, random_state=0)
        prior = bs.Horseshoe(expected_nonzero=10)
        label = "n=100 p=500 horseshoe (10 signals)"
        nuts, _ = measure(label, "nuts", X, y, prior, draws=int(1000 * q), tune=1000, chains=2, random_seed=seed)
        gibbs, _ = measure(label, "gibbs", X, y, prior, draws=int(12000 * q), tune=1000, chains=2, random_seed=seed)
        rows += [nuts, gibbs]
        ratios.append(("n=100 p=500 horseshoe", gibbs["ess_per_s"] / nuts["ess_per_s"], 10))
    if "p2000" in cases:
        X, y, _ = bs.datasets.make_sparse_regression(200, 2000, 10, correlation=0.5, random_state=1)
        row, _ = measure("n=200 p=2000 horseshoe", "gibbs", X, y, bs.Horseshoe(expected_nonzero=10),
                         draws=int(6000 * q), tune=1000, chains=2, random_seed=seed)
        rows.append(row)
    if "p20000" in cases:
        X, y, _ = bs.datasets.make_sparse_regression(100, 20_000, 20, correlation=0.5, random_state=2)
        row, _ = measure("n=100 p=20000 horseshoe", "gibbs", X, y, bs.Horseshoe(expected_nonzero=20),
                         draws=int(1500 * q), tune=500, chains=2, random_seed=seed, standardize=False)
        rows.append(row)
    for name, ratio, target in ratios:
        print(f"{name}: Gibbs / NUTS ESS per second = {ratio:.1f}x (target >= {target}x)")
    if not args.quick:
        write(rows, ratios, cases)


def write(rows, ratios, cases):
    """Merge this run's rows into results/gibbs.json (rows of other cases are kept,
    so cases can be rerun separately) and rewrite results/gibbs.md from it."""
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "gibbs.json"
    old = json.loads(store.read_text()) if store.exists() else {"rows": [], "ratios": []}
    if isinstance(old, list):  # older format: rows only
        old = {"rows": old, "ratios": []}
    new_cases = {r["case"] for r in rows}
    new_ratio_names = {name for name, _, _ in ratios}
    all_rows = [r for r in old["rows"] if r["case"] not in new_cases] + rows
    all_ratios = [x for x in old["ratios"] if x[0] not in new_ratio_names] + [list(x) for x in ratios]
    store.write_text(json.dumps({"rows": all_rows, "ratios": all_ratios}, indent=2))
    meta = f"{platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    lines = [
        "# Gibbs samplers vs PyMC NUTS",
        "",
        f"Same model, same machine, NUTS and Gibbs of a case in one run; wall time includes compilation / set-up. "
        f"Last run: {meta} (`python benchmarks/bench_gibbs.py --cases {','.join(cases)}`).",
        "",
        HEADER,
        "|" + "|".join("-" * len(c) for c in HEADER.split("|")[1:-1]) + "|",
        *[fmt(r) for r in all_rows],
        "",
        *[f"- {name}: Gibbs / NUTS ESS per second = **{ratio:.1f}x** (target >= {target}x)" for name, ratio, target in all_ratios],
        "",
    ]
    (RESULTS / "gibbs.md").write_text("\n".join(lines))
    print(f"wrote {RESULTS / 'gibbs.md'}")


if __name__ == "__main__":
    main()
