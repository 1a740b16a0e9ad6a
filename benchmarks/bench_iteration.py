"""One Gibbs iteration of the regularized horseshoe against the one-Gram floor (issue 13, item 2).

For n = 100 and p in {2,000, 20,000} (``make_sparse_regression``: AR(1) 0.5 design,
6 signals of size 2, noise sd 1; standardized as ``bs.fit`` does), prior
``bs.Horseshoe(expected_nonzero=6)``, Gaussian likelihood with the Jeffreys noise prior:

* ``old``: the sweep before this change (collapsed local sweep with slice steps
  only, tau-only slice update with one n x n factorisation per evaluation, width
  tuned in warm-up): ``build_kernel(spec, noise, "slice", local_tries=0)``;
* ``new``: the default kernel (rejection-from-the-prior local draws, joint
  (tau^2, c^2) scale move and (sigma^2, beta) from one eigendecomposition; at
  p > n also the marginal update of 2n local scales, :mod:`bayes_sparse.samplers._marginal`);
* ``floor``: one weighted Gram ``Z diag(g) Z'`` as ``np.multiply(Z, sqrt(g), out=buf)``
  then ``dsyrk`` (and, for reference, with a fresh ``Z * sqrt(g)`` each time).

Everything runs in one process with single-threaded BLAS (as each chain does when
chains run in parallel). Times are interleaved (a block of floor Grams, a block of
old iterations, a block of new iterations, repeated) so that load from other
processes hits all three alike; the per-iteration time is the median over blocks.
Mixing: ``--chains`` chains of each kernel from the same dispersed starts,
``--warmup`` warm-up and ``--draws`` recorded iterations; bulk ESS (rank-normalized,
split chains) per iteration of log tau, log c^2, sigma, the six true signals and
three null coefficients.

Usage: python benchmarks/bench_iteration.py [--p 2000,20000] [--draws 1500] [--warmup 500] [--chains 2]
Writes benchmarks/results/iteration.md and iteration.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import bayes_sparse as bs
from bayes_sparse._data import prepare_data
from bayes_sparse._mcmc_stats import ess_bulk
from bayes_sparse.datasets import make_sparse_regression
from bayes_sparse.samplers import horseshoe as H
from bayes_sparse.samplers._gaussian_draw import LinearData, _gram_rows, _scaled_gram
from bayes_sparse.spec import NoiseSpec, rules_for

RESULTS = Path(__file__).parent / "results"
N = 100
BLOCK = 10  # iterations (or Grams) per timed block


def _problem(p, seed):
    X, y, coef = make_sparse_regression(N, p, 6, random_state=seed)
    design = prepare_data(X, y)
    data = LinearData.from_arrays(design.Z, design.yc)
    prior = bs.Horseshoe(expected_nonzero=6)
    spec = rules_for(prior).sampler_spec(prior, N, p)
    return data, spec, np.flatnonzero(coef)


def _watch(signals, p):
    nulls = [j for j in range(p) if j not in set(signals)][:3]
    names = (
        ["log tau", "log c2", "sigma"] + [f"beta[{j}] (signal)" for j in signals] + [f"beta[{j}] (null)" for j in nulls]
    )
    idx = np.array(list(signals) + nulls)

    def get(state):
        return np.concatenate([[math.log(state.tau2), math.log(state.c2), math.sqrt(state.sigma2)], state.beta[idx]])

    return names, get


class _Chain:
    def __init__(self, variant, data, spec, noise, seed, warmup):
        self.variant, self.data = variant, data
        self.rng = np.random.default_rng(seed)
        if variant == "old":
            self.kernel = H.build_kernel(spec, noise, "slice", local_tries=0)
            self.adapter = H.make_adapter(spec, warmup, "slice")
        else:
            self.kernel = H.build_kernel(spec, noise)
            self.adapter = H.make_adapter(spec, warmup)
        self.state = H.init(self.rng, spec, data, noise)
        self.it, self.warmup, self.draws, self.evals = 0, warmup, [], []

    def step(self, get):
        self.state, info = self.kernel(self.rng, self.state, self.data)
        if self.adapter is not None and self.it < self.warmup:
            self.state = self.adapter(self.it, self.state, self.data)
        if self.it >= self.warmup:
            self.draws.append(get(self.state))
            self.evals.append(info.tau_evaluations)
        self.it += 1


def run_case(p, chains, warmup, draws, seed=0):
    data, spec, signals = _problem(p, seed)
    noise = NoiseSpec()
    names, get = _watch(signals, p)
    runs = {v: [_Chain(v, data, spec, noise, 1000 + c, warmup) for c in range(chains)] for v in ("old", "new")}
    g = np.exp(np.random.default_rng(1).normal(size=p) - 10.0)
    buf = np.empty_like(data.Z)
    times = {"floor": [], "floor_fresh": [], "old": [], "new": []}
    total = warmup + draws
    wall = {"old": 0.0, "new": 0.0}
    for c in range(chains):
        for start in range(0, total, BLOCK):
            k = min(BLOCK, total - start)
            t0 = time.perf_counter()
            for _ in range(k):
                np.multiply(data.Z, np.sqrt(g), out=buf)
                _gram_rows(buf)
            times["floor"].append((time.perf_counter() - t0) / k)
            t0 = time.perf_counter()
            for _ in range(k):
                _gram_rows(data.Z * np.sqrt(g))
            times["floor_fresh"].append((time.perf_counter() - t0) / k)
            for v in ("old", "new"):
                t0 = time.perf_counter()
                for _ in range(k):
                    runs[v][c].step(get)
                dt = time.perf_counter() - t0
                wall[v] += dt
                if start >= warmup:  # post-warm-up blocks: the tuned old width
                    times[v].append(dt / k)
    assert np.allclose(_scaled_gram(data.Z, g), _gram_rows(data.Z * np.sqrt(g)))
    med = {k: float(np.median(v)) * 1e3 for k, v in times.items()}
    out = {"p": p, "n": N, "ms_per_iteration": med, "wall_s": wall, "variables": names, "ess_per_iteration": {}}
    for v in ("old", "new"):
        x = np.stack([np.array(ch.draws) for ch in runs[v]])  # (chain, draw, m)
        ess = np.asarray(ess_bulk(x), dtype=float)
        out["ess_per_iteration"][v] = (ess / (chains * draws)).tolist()
        out.setdefault("global_evaluations_per_iteration", {})[v] = float(
            np.mean([np.mean(ch.evals) for ch in runs[v]])
        )
        out.setdefault("posterior_mean", {})[v] = x.mean(axis=(0, 1)).tolist()
    return out


def _md(results, args):
    lines = [
        "# One Gibbs iteration vs the one-Gram floor (regularized horseshoe, n = 100)",
        "",
        f"`python benchmarks/bench_iteration.py --p {args.p} --chains {args.chains} --warmup {args.warmup} "
        f"--draws {args.draws}`; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"single-threaded BLAS ({results['blas']}); numbers in one run, timings interleaved "
        "(median per iteration over blocks of 10 after warm-up). The machine was shared: "
        "absolute times vary with its load, the ratios to the floor measured beside them much less.",
        "",
        "`old`: slice-only local steps, tau-only slice with one factorisation per evaluation; "
        "`new`: rejection-from-prior local steps, joint (tau^2, c^2) move and (sigma^2, beta) "
        "from one eigendecomposition, at p > n the marginal update of 2n local scales. Floor: `np.multiply(Z, sqrt(g), out=buf)` + `dsyrk` "
        "(with a fresh `Z * sqrt(g)`: in brackets).",
        "",
        "| p | floor ms | old ms/it | new ms/it | old / floor | new / floor | speed-up | "
        "global-update evaluations/it old, new |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["cases"]:
        m = r["ms_per_iteration"]
        ev = r["global_evaluations_per_iteration"]
        lines.append(
            f"| {r['p']:,} | {m['floor']:.2f} ({m['floor_fresh']:.2f}) | {m['old']:.2f} | {m['new']:.2f} | "
            f"{m['old'] / m['floor']:.2f} | {m['new'] / m['floor']:.2f} | {m['old'] / m['new']:.2f} | "
            f"{ev['old']:.1f} (factorisations), {ev['new']:.1f} (O(n), one eigendecomposition) |"
        )
    lines += [
        "",
        "Bulk ESS per iteration (higher is better; "
        f"{args.chains} chains x {args.draws} draws after {args.warmup} warm-up, same starts):",
        "",
    ]
    for r in results["cases"]:
        lines += [
            f"**p = {r['p']:,}**",
            "",
            "| variable | old | new | new / old | mean old | mean new |",
            "|---|---|---|---|---|---|",
        ]
        eo, en = r["ess_per_iteration"]["old"], r["ess_per_iteration"]["new"]
        mo, mn = r["posterior_mean"]["old"], r["posterior_mean"]["new"]
        for k, name in enumerate(r["variables"]):
            lines.append(f"| {name} | {eo[k]:.3f} | {en[k]:.3f} | {en[k] / eo[k]:.2f} | {mo[k]:.3g} | {mn[k]:.3g} |")
        ratio = np.array(en) / np.array(eo)
        lines += ["", f"min new/old ESS ratio {ratio.min():.2f}, median {np.median(ratio):.2f}.", ""]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", default="2000,20000")
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--draws", type=int, default=1500)
    ap.add_argument("--out", default=str(RESULTS / "iteration"))
    args = ap.parse_args()
    with threadpool_limits(1):
        blas = ", ".join(
            f"{i['internal_api']} {i.get('version')}" for i in threadpool_info() if i["user_api"] == "blas"
        )
        cases = []
        for p in (int(s) for s in args.p.split(",")):
            t0 = time.perf_counter()
            r = run_case(p, args.chains, args.warmup, args.draws)
            m = r["ms_per_iteration"]
            print(
                f"p={p}: floor {m['floor']:.2f} ms, old {m['old']:.2f} ms, new {m['new']:.2f} ms "
                f"({m['new'] / m['floor']:.2f} x floor); ESS/it old {np.round(r['ess_per_iteration']['old'], 3)} "
                f"new {np.round(r['ess_per_iteration']['new'], 3)} [{time.perf_counter() - t0:.0f} s]",
                flush=True,
            )
            cases.append(r)
    results = {"blas": blas, "cases": cases, "args": vars(args)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(results, indent=1))
    Path(args.out + ".md").write_text(_md(results, args))
    print(_md(results, args))


if __name__ == "__main__":
    main()
