"""Gibbs samplers vs PyMC's NUTS on the same model, side by side in one run.

Reports wall time (including PyMC compilation / Gibbs set-up and InferenceData
assembly), min bulk ESS over beta (and tau for the horseshoe), ESS per second,
max R-hat over the same variables, divergences, and peak memory: the largest
total proportional set size (PSS) of this process and its chain worker
processes, sampled every second during the fit (PSS splits pages shared
between forked processes, so the total is the memory the job really holds).

Usage: python benchmarks/bench_gibbs.py [--cases diabetes,p500,p2000,p20000,p20000hard] [--quick]
Writes benchmarks/results/gibbs.md and gibbs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
import warnings
from pathlib import Path

import numpy as np

import bayes_sparse as bs
from bayes_sparse._mcmc_stats import rank_diagnostics

RESULTS = Path(__file__).parent / "results"


def _tree_pids(pid):
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    out += _tree_pids(int(child))
    except OSError:
        pass
    return out


def _pss_bytes(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


#: Reading /proc/PID/smaps_rollup walks the process's page tables (~4 ms per GiB)
#: and takes its memory-map lock, so polling every 0.1 s slowed the sampling
#: processes by 10-20%; once a second costs about 1%.
POLL_S = 1.0


class PeakMemory:
    """Peak total PSS of this process tree while the block runs (Linux /proc; 0 elsewhere)."""

    def __enter__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_pss_bytes(p) for p in _tree_pids(os.getpid())))
            self._stop.wait(POLL_S)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(label, sampler, X, y, prior, **kw):
    t0 = time.perf_counter()
    with warnings.catch_warnings(), PeakMemory() as mem:
        warnings.simplefilter("ignore")
        res = bs.fit(X, y, prior, sampler=sampler, progressbar=False, **kw)
    wall = time.perf_counter() - t0
    post = res.idata.posterior
    names = ["beta"] + (["tau"] if "tau" in post else [])
    # ArviZ's bulk ESS and rank R-hat, vectorised (tests/test_mcmc_stats.py checks equality)
    draws = np.concatenate([post[v].values.reshape(post.sizes["chain"], post.sizes["draw"], -1) for v in names], axis=2)
    rhat, ess, _ = rank_diagnostics(draws, tail=False)
    min_ess, max_rhat = float(ess.min()), float(rhat.max())
    div = int(res.idata.sample_stats["diverging"].sum()) if "diverging" in getattr(res.idata, "sample_stats", {}) else 0
    peak = mem.peak / 2**30
    row = dict(
        case=label,
        sampler=sampler,
        draws=f"{kw['chains']}x{kw['draws']}" + (f"/{kw['thin']}" if kw.get("thin", 1) > 1 else ""),
        wall_s=wall,
        min_ess=min_ess,
        ess_per_s=min_ess / wall,
        max_rhat=max_rhat,
        divergences=div,
        peak_mem_gib=peak,
    )
    print(fmt(row), flush=True)
    return row, res


HEADER = f"| {'case':<34} | {'sampler':<7} | {'draws':>10} | {'wall (s)':>8} | {'min ESS':>8} | {'ESS/s':>8} | {'max R-hat':>9} | {'div.':>5} | {'peak mem GiB':>12} |"


def fmt(r):
    return (
        f"| {r['case']:<34} | {r['sampler']:<7} | {r['draws']:>10} | {r['wall_s']:>8.1f} | {r['min_ess']:>8.0f} | "
        f"{r['ess_per_s']:>8.2f} | {r['max_rhat']:>9.4f} | {r['divergences']:>5} | {r.get('peak_mem_gib', r.get('peak_rss_gib', 0.0)):>12.2f} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="diabetes,p500,p2000,p20000,p20000hard")
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
        nuts, _ = measure(
            "diabetes n=442 p=10, Bayesian lasso",
            "nuts",
            X,
            y,
            prior,
            draws=int(1000 * q),
            tune=1000,
            chains=2,
            random_seed=seed,
        )
        gibbs, _ = measure(
            "diabetes n=442 p=10, Bayesian lasso",
            "gibbs",
            X,
            y,
            prior,
            draws=int(20000 * q),
            tune=500,
            chains=2,
            random_seed=seed,
        )
        rows += [nuts, gibbs]
        ratios.append(("diabetes Bayesian lasso", gibbs["ess_per_s"] / nuts["ess_per_s"], 20))
    if "p500" in cases:
        X, y, _ = bs.datasets.make_sparse_regression(100, 500, 10, correlation=0.5, random_state=0)
        prior = bs.Horseshoe(expected_nonzero=10)
        label = "n=100 p=500 horseshoe (10 signals)"
        nuts, _ = measure(label, "nuts", X, y, prior, draws=int(1000 * q), tune=1000, chains=2, random_seed=seed)
        gibbs, _ = measure(label, "gibbs", X, y, prior, draws=int(5000 * q), tune=1000, chains=2, random_seed=seed)
        rows += [nuts, gibbs]
        ratios.append(("n=100 p=500 horseshoe", gibbs["ess_per_s"] / nuts["ess_per_s"], 10))
    if "p2000" in cases:
        X, y, _ = bs.datasets.make_sparse_regression(200, 2000, 10, correlation=0.5, random_state=1)
        row, _ = measure(
            "n=200 p=2000 horseshoe",
            "gibbs",
            X,
            y,
            bs.Horseshoe(expected_nonzero=10),
            draws=int(2900 * q),
            tune=300,
            chains=2,
            random_seed=seed,
        )
        rows.append(row)
    if "p20000" in cases:
        # genomics scale with signals a cold-started sampler can find: at n=100 a signal's
        # marginal z-score is about sqrt(n / k) for k signals, so k must be small for it to
        # stand out of 20,000 noise columns (max |z| ~ 4.5)
        X, y, _ = bs.datasets.make_sparse_regression(100, 20_000, 5, signal=3.0, correlation=0.5, random_state=2)
        row, _ = measure(
            "n=100 p=20000 horseshoe (5 signals)",
            "gibbs",
            X,
            y,
            bs.Horseshoe(expected_nonzero=5),
            draws=int(1000 * q),
            thin=15,
            tune=1000,
            chains=2,
            random_seed=seed,
            standardize=False,
        )
        rows.append(row)
    if "p20000hard" in cases:
        # 10 signals of size 2 at n=100: each signal's marginal z-score (~3) is below the
        # largest of 20,000 noise columns, so finding them is a combinatorial search that
        # local MCMC (Gibbs or NUTS) does not complete: chains settle in different modes
        X, y, _ = bs.datasets.make_sparse_regression(100, 20_000, 10, correlation=0.5, random_state=2)
        row, _ = measure(
            "n=100 p=20000 horseshoe (10 signals)",
            "gibbs",
            X,
            y,
            bs.Horseshoe(expected_nonzero=10),
            draws=int(1000 * q),
            thin=5,
            tune=1000,
            chains=2,
            random_seed=seed,
            standardize=False,
        )
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
        *[
            f"- {name}: Gibbs / NUTS ESS per second = **{ratio:.1f}x** (target >= {target}x)"
            for name, ratio, target in all_ratios
        ],
        *[f"- {r['case']}: {r['note']}" for r in all_rows if r.get("note")],
        "",
    ]
    (RESULTS / "gibbs.md").write_text("\n".join(lines))
    print(f"wrote {RESULTS / 'gibbs.md'}")


if __name__ == "__main__":
    main()
