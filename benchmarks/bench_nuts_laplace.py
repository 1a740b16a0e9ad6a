"""NUTS on the Bayesian lasso: direct Laplace density vs normal scale mixture.

Same posterior (diabetes, Park & Casella hyperprior on lam^2), two ways of
writing the prior in PyMC. Reports wall time, min bulk ESS over beta, ESS/s,
max R-hat and divergences, side by side in one run.

Usage: python benchmarks/bench_nuts_laplace.py   (writes results/nuts_laplace.md)
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import arviz as az
import pymc as pm

import bayes_sparse as bs
from bayes_sparse._data import prepare_data
from bayes_sparse.model import _build

RESULTS = Path(__file__).parent / "results"


def main():
    X, y = bs.datasets.load_diabetes()
    design = prepare_data(X, y)
    rows = []
    for form in ("direct", "mixture"):
        for seed in (1, 2):
            t0 = time.perf_counter()
            model = _build(design, bs.Laplace(), None, laplace_form=form)
            with model, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = pm.sample(1000, tune=1000, chains=2, cores=2, random_seed=seed, target_accept=0.9,
                                  progressbar=False, compute_convergence_checks=False)
            wall = time.perf_counter() - t0
            ess = float(az.ess(idata.posterior[["beta"]])["beta"].min())
            rhat = float(az.rhat(idata.posterior[["beta"]])["beta"].max())
            div = int(idata.sample_stats["diverging"].sum())
            rows.append(f"| {form:<8} | {seed} | {wall:8.1f} | {ess:8.0f} | {ess / wall:7.1f} | {rhat:7.4f} | {div:5d} |")
            print(rows[-1], flush=True)
    head = "| form     | seed | wall (s) | min ESS | ESS/s | max R-hat | div. |\n|---|---|---|---|---|---|---|"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nuts_laplace.md").write_text(
        "# NUTS: direct Laplace vs scale mixture (diabetes, Bayesian lasso)\n\n"
        "Produced by `python benchmarks/bench_nuts_laplace.py`.\n\n" + head + "\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    main()
