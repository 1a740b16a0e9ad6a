"""Binary outcomes: Polya-Gamma Gibbs vs PyMC's NUTS on the same logistic model, and genome-scale runs.

Cases (issue 12's benchmark):

* ``p500``: n = 100, p = 500, regularized horseshoe, 5 signals; NUTS (PyMC's
  defaults: 1000 tune + 1000 draws, 2 chains) and Gibbs (2 chains, 5000 draws)
  side by side in one run; min bulk ESS over beta and tau per second of wall time.
* ``moves``: the Bayesian lasso, ridge and elastic net (default hyperpriors) on the p500 data, the
  default sweep against the centred Polya-Gamma sweep (without the joint (b0, beta_A)
  move and the non-centred global moves), side by side.
* ``p2000``: n = 200, p = 2000, 10 signals, **default settings** (``draws="auto"``):
  wall time, stopping reason, worst R-hat and ESS over beta.
* ``p20000``: n = 100, p = 20,000, 5 signals, ``bayes-sparse fit`` end to end with
  defaults plus ``--expected-nonzero 5``: wall time, peak memory (PSS of the process
  tree), the stopping reason and the report's size.

Usage: python benchmarks/bench_binary.py [--cases p500,moves,p2000,p20000] [--quick]
Writes benchmarks/results/binary.md and binary.json (rows of cases not rerun are kept).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_gibbs import PeakMemory, measure  # noqa: E402

import bayes_sparse as bs  # noqa: E402
from bayes_sparse._mcmc_stats import rank_diagnostics  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SEED = 2026


def p500(q):
    X, y, _ = bs.datasets.make_sparse_classification(100, 500, 5, correlation=0.5, signal=1.5, random_state=0)
    prior = bs.Horseshoe(expected_nonzero=5)
    label = "n=100 p=500 reg. horseshoe, binary"
    kw = dict(family="bernoulli", chains=2, random_seed=SEED)
    nuts, _ = measure(label, "nuts", X, y, prior, draws=int(1000 * q), tune=1000, **kw)
    gibbs, _ = measure(label, "gibbs", X, y, prior, draws=int(5000 * q), tune=1000, **kw)
    ratio = gibbs["ess_per_s"] / nuts["ess_per_s"]
    return [nuts, gibbs], [("n=100 p=500 binary horseshoe", ratio, 10)]


def p2000(q):
    X, y, _ = bs.datasets.make_sparse_classification(200, 2000, 10, correlation=0.5, signal=1.5, random_state=1)
    t0 = time.perf_counter()
    with warnings.catch_warnings(), PeakMemory() as mem:
        warnings.simplefilter("ignore")
        res = bs.fit(
            X,
            y,
            bs.Horseshoe(expected_nonzero=10),
            family="bernoulli",
            random_seed=SEED,
            progressbar=False,
            **({"max_time": 60} if q < 1 else {}),
        )
    wall = time.perf_counter() - t0
    post = res.idata.posterior
    rhat, bulk, tail = rank_diagnostics(post["beta"].values)
    row = dict(
        case="n=200 p=2000 reg. horseshoe, binary (defaults)",
        sampler="gibbs",
        draws=f"auto: {post.sizes['chain']}x{post.sizes['draw']}/{res.run.thin}",
        wall_s=wall,
        min_ess=float(bulk.min()),
        ess_per_s=float(bulk.min()) / wall,
        max_rhat=float(rhat.max()),
        divergences=0,
        peak_mem_gib=mem.peak / 2**30,
        note=res.run.describe(),
    )
    print(row, flush=True)
    return [row], []


def p20000(q):
    X, y, _ = bs.datasets.make_sparse_classification(
        100, 20_000, 5, correlation=0.5, signal=1.5, random_state=2, as_frame=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "p20000_binary.csv"
        X.assign(status=np.where(y.to_numpy() == 1, "disease", "healthy")).to_csv(csv, index=False)
        out = Path(tmp) / "out"
        cmd = [
            sys.executable,
            "-m",
            "bayes_sparse.cli",
            "fit",
            str(csv),
            "--target",
            "status",
            "--prior",
            "horseshoe",
            "--expected-nonzero",
            "5",
            "--out",
            str(out),
            "--seed",
            str(SEED),
        ]
        if q < 1:
            cmd += ["--max-time", "60"]
        t0 = time.perf_counter()
        with PeakMemory() as mem:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise RuntimeError(proc.stderr[-3000:])
        report = out / "report.html"
        lines = [ln for ln in proc.stdout.splitlines() + proc.stderr.splitlines() if "stopped because" in ln]
        row = dict(
            case="n=100 p=20000 reg. horseshoe, binary, CLI (defaults)",
            sampler="gibbs",
            draws="auto",
            wall_s=wall,
            min_ess=float("nan"),
            ess_per_s=float("nan"),
            max_rhat=float("nan"),
            divergences=0,
            peak_mem_gib=mem.peak / 2**30,
            report_mb=report.stat().st_size / 2**20 if report.exists() else float("nan"),
            note=(lines[-1].strip() if lines else proc.stdout.strip().splitlines()[-1]),
        )
    print(row, flush=True)
    return [row], []


@contextmanager
def centred_sweep():
    """The Polya-Gamma sweep without the moves under the likelihood itself (no joint
    (b0, beta_A) move, no non-centred global moves): the sweep before those moves existed."""
    from bayes_sparse.families import BernoulliFamily

    saved = BernoulliFamily.coefficient_block, BernoulliFamily.noncentred_moves
    BernoulliFamily.coefficient_block = BernoulliFamily.noncentred_moves = False
    try:
        yield
    finally:
        BernoulliFamily.coefficient_block, BernoulliFamily.noncentred_moves = saved


def moves(q):
    """Bayesian lasso, ridge and elastic net (hyperpriors on their penalties, the defaults) on the p500 data:
    the default sweep against the centred Polya-Gamma sweep, side by side, same seed."""
    X, y, _ = bs.datasets.make_sparse_classification(100, 500, 5, correlation=0.5, signal=1.5, random_state=0)
    rows = []
    for name, prior in (("laplace", bs.Laplace()), ("ridge", bs.Gaussian()), ("elastic net", bs.ElasticNet())):
        kw = dict(family="bernoulli", chains=2, draws=int(3000 * q), tune=1000, random_seed=SEED)
        with centred_sweep():
            base, _ = measure(f"n=100 p=500 {name}, binary, centred PG sweep", "gibbs", X, y, prior, **kw)
        full, _ = measure(f"n=100 p=500 {name}, binary", "gibbs", X, y, prior, **kw)
        full["note"] = f"min ESS over beta per second {full['ess_per_s'] / base['ess_per_s']:.1f}x the centred sweep's"
        rows += [base, full]
    return rows, []


CASES = {"p500": p500, "moves": moves, "p2000": p2000, "p20000": p20000}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="p500,moves,p2000,p20000")
    parser.add_argument("--quick", action="store_true", help="fewer draws (smoke run, not for the table)")
    args = parser.parse_args(argv)
    q = 0.2 if args.quick else 1.0
    rows, ratios = [], []
    for name in args.cases.split(","):
        r, x = CASES[name](q)
        rows += r
        ratios += x
    for name, ratio, target in ratios:
        print(f"{name}: Gibbs / NUTS ESS per second = {ratio:.1f}x (target >= {target}x)")
    if not args.quick:
        write(rows, ratios, args.cases)


def _fmt(r):
    def num(v, digits):  # blank for a quantity the case does not measure (nan)
        return "" if v != v else round(v, digits) if digits else round(v)

    return (
        f"| {r['case']} | {r['sampler']} | {r['draws']} | {r['wall_s']:.0f} | {num(r['min_ess'], 0)} | "
        f"{num(r['ess_per_s'], 2)} | {num(r['max_rhat'], 3)} | {r['divergences']} | "
        f"{r['peak_mem_gib']:.2f} |"
    )


def write(rows, ratios, cases):
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "binary.json"
    old = json.loads(store.read_text()) if store.exists() else {"rows": [], "ratios": []}
    new_cases = {(r["case"], r["sampler"]) for r in rows}
    all_rows = [r for r in old["rows"] if (r["case"], r["sampler"]) not in new_cases] + rows
    names = {x[0] for x in ratios}
    all_ratios = [x for x in old["ratios"] if x[0] not in names] + [list(x) for x in ratios]
    store.write_text(json.dumps({"rows": all_rows, "ratios": all_ratios}, indent=2))
    meta = f"{platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    lines = [
        "# Binary outcomes: Polya-Gamma Gibbs vs PyMC NUTS",
        "",
        f"Last run: {meta} (`python benchmarks/bench_binary.py --cases {cases}`); 2 cores. Min ESS is the "
        "smallest bulk ESS over beta (and tau where sampled by both); wall time includes set-up and compilation.",
        "",
        "| case | sampler | draws | wall (s) | min ESS | ESS/s | max R-hat | div. | peak mem GiB |",
        "|---|---|---|---|---|---|---|---|---|",
        *[_fmt(r) for r in all_rows],
        "",
        *[f"- {n}: Gibbs / NUTS ESS per second = **{v:.1f}x** (target >= {t}x)" for n, v, t in all_ratios],
        *[
            f"- {r['case']}: {r['note']}" + (f"; report {r['report_mb']:.2f} MB" if "report_mb" in r else "")
            for r in all_rows
            if r.get("note")
        ],
        "",
    ]
    (RESULTS / "binary.md").write_text("\n".join(lines))
    print(f"wrote {RESULTS / 'binary.md'}")


if __name__ == "__main__":
    main()
