"""Genome scale end to end: ``bayes-sparse fit`` on n = 100 samples, p = 20,000 features.

What a new user runs: a CSV, the command line, default settings plus
``--expected-nonzero``. Measured per case: wall time of the whole command,
sampling time and how sampling ended (``run.describe()``, printed by the CLI),
peak memory (total PSS of the process tree, polled once a second), the size of
``report.html`` and ``posterior.nc``.

Cases (issue 13's benchmark):

* ``easy``: 6 signals of size 1 (noise sd 1), AR(1) 0.5 design, ``--expected-nonzero 6``;
  targets: converged, <= 300 s wall, <= 3 GiB, report < 3 MB, sampling <= 120 s.
* ``hard``: 10 weak signals (size 0.5): time to a verdict and what it says.

Usage: python benchmarks/bench_genome.py [--cases easy,hard] [--max-time S] [--keep DIR]
Writes benchmarks/results/genome.md and genome.json (rows of cases not rerun are kept).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_gibbs import PeakMemory  # noqa: E402

import bayes_sparse as bs  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SEED = 2026
CASES = {
    "easy": dict(n_nonzero=6, signal=1.0, random_state=7, label="6 signals of size 1"),
    "hard": dict(n_nonzero=10, signal=0.5, random_state=8, label="10 weak signals (size 0.5)"),
}


def run_case(name, max_time=None, keep=None):
    c = CASES[name]
    X, y, coef = bs.datasets.make_sparse_regression(
        100,
        20_000,
        c["n_nonzero"],
        correlation=0.5,
        signal=c["signal"],
        noise=1.0,
        random_state=c["random_state"],
        as_frame=True,
    )
    truth = set(X.columns[coef != 0])
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        X.assign(y=y).to_csv(csv, index=False)
        out = Path(tmp) / "out"
        cmd = [
            sys.executable,
            "-m",
            "bayes_sparse.cli",
            "fit",
            str(csv),
            "--target",
            "y",
            "--prior",
            "horseshoe",
            "--expected-nonzero",
            str(c["n_nonzero"]),
            "--out",
            str(out),
            "--seed",
            str(SEED),
            "--quiet",
        ]
        if max_time:
            cmd += ["--max-time", str(max_time)]
        t0 = time.perf_counter()
        with PeakMemory() as mem:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise RuntimeError(proc.stderr[-3000:])
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("sampling: ")), "")
        seconds = re.search(r"thin \d+, (\d+) s\)", line)
        import pandas as pd

        sel = pd.read_csv(out / "selection.csv", index_col=0)
        chosen = set(sel.index[sel["selected_bayes"].astype(bool)])
        row = dict(
            case=f"{name}: {c['label']}",
            wall_s=wall,
            sampling_s=float(seconds.group(1)) if seconds else float("nan"),
            converged="stopped because every convergence check passed" in line,
            peak_mem_gib=mem.peak / 2**30,
            report_mb=(out / "report.html").stat().st_size / 2**20,
            netcdf_mb=(out / "posterior.nc").stat().st_size / 2**20,
            selected=len(chosen),
            true_selected=len(chosen & truth),
            n_true=len(truth),
            how=line.removeprefix("sampling: "),
            verdict=_verdict_text((out / "report.html").read_text()),
        )
        if keep:  # the outputs, to open the report as a user would
            shutil.copytree(out, Path(keep) / name)
    print(row, flush=True)
    return row


def _verdict_text(html):
    """The report's verdict section as plain text (what a reader sees first)."""
    import html as html_lib

    m = re.search(r'<section id="verdict">(.*?)</section>', html, re.S)
    if not m:
        return ""
    body = re.sub(r"<h2>.*?</h2>", "", m.group(1), flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="easy,hard")
    parser.add_argument("--max-time", type=float, default=None, help="passed to the CLI (default: its default)")
    parser.add_argument("--keep", default=None, help="copy each case's CLI outputs into KEEP/<case> (must not exist)")
    args = parser.parse_args(argv)
    rows = [run_case(name, args.max_time, args.keep) for name in args.cases.split(",")]
    write(rows, args)


def write(rows, args):
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "genome.json"
    old = json.loads(store.read_text()) if store.exists() else []
    new = {r["case"] for r in rows}
    rows = [r for r in old if r["case"] not in new] + rows
    store.write_text(json.dumps(rows, indent=2))
    meta = f"{platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    lines = [
        "# Genome scale: `bayes-sparse fit` at n = 100, p = 20,000",
        "",
        f"Last run: {meta}, 2 cores (`python benchmarks/bench_genome.py --cases {args.cases}`). Default settings "
        "(4 chains, `--draws auto`, `--max-time 600`, `--memory 2`) plus `--expected-nonzero`; regularized horseshoe; "
        "AR(1) 0.5 design, noise sd 1. Targets (issue 13): converged, <= 300 s wall, <= 3 GiB, report < 3 MB, "
        "sampling <= 120 s.",
        "",
        "| case | wall (s) | sampling (s) | converged | peak mem GiB | report MB | posterior.nc MB | selected (true / all) |",
        "|---|---|---|---|---|---|---|---|",
        *[
            f"| {r['case']} | {r['wall_s']:.0f} | {r['sampling_s']:.0f} | {'yes' if r['converged'] else 'no'} | "
            f"{r['peak_mem_gib']:.2f} | {r['report_mb']:.2f} | {r['netcdf_mb']:.0f} | "
            f"{r['true_selected']} of {r['n_true']} / {r['selected']} |"
            for r in rows
        ],
        "",
        *[f"- {r['case']}: {r['how']}" for r in rows],
        "",
        "What the report's verdict says (first section of report.html):",
        "",
        *[f"- {r['case']}: {r['verdict']}" for r in rows if r.get("verdict")],
        "",
    ]
    (RESULTS / "genome.md").write_text("\n".join(lines))
    print(f"wrote {RESULTS / 'genome.md'}")


if __name__ == "__main__":
    main()
