"""The ``bayes-sparse`` command line."""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["main"]


def _ols_sigma(X, y):
    """Residual sd of ordinary least squares with intercept (n - p - 1 dof)."""
    n, p = X.shape
    A = np.column_stack([np.ones(n), X])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    return float(np.sqrt(resid @ resid / (n - p - 1)))


def _num(value: float) -> str:
    return f"{'0':>16}" if value == 0 else f"{value:16.4f}"


def demo(out=None) -> int:
    """MAP under Laplace / Gaussian priors beside scikit-learn's Lasso / Ridge on diabetes."""
    from sklearn.linear_model import Lasso, Ridge
    from sklearn.preprocessing import StandardScaler

    from . import datasets
    from .map import alpha_max, gaussian_from_alpha, laplace_from_alpha, map_estimate

    out = sys.stdout if out is None else out
    X, y = datasets.load_diabetes()
    n, p = X.shape
    sigma = _ols_sigma(X.to_numpy(), y.to_numpy())
    Xs = StandardScaler().fit_transform(X)
    amax = alpha_max(Xs, y.to_numpy() - y.mean())
    w = out.write
    w("bayes_sparse demo: the lasso is the MAP under a Laplace prior; ridge under a Gaussian\n")
    w(f"diabetes data, n={n}, p={p}; standardized columns; sigma fixed at the OLS estimate {sigma:.3f}\n")
    w("prior  p(beta_j | sigma) = lam/(2 sigma) exp(-lam |beta_j| / sigma)  <->  Lasso alpha = lam sigma / n\n\n")

    fracs = (0.5, 0.1, 0.01)
    cols, certs = [], []
    for frac in fracs:
        alpha = frac * amax
        prior = laplace_from_alpha(alpha, sigma=sigma, n=n, conditional=True)
        m = map_estimate(X, y, prior, sigma=sigma, standardize=True)
        sk = Lasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(Xs, y)
        sk_coef = sk.coef_ / X.std(ddof=0).to_numpy()
        cols.append((prior.lam, alpha, m.coef_, sk_coef))
        certs.append((prior.lam, alpha, m, np.max(np.abs(m.coef_ - sk_coef))))

    head = f"{'feature':>8} " + " ".join(
        f"{'MAP lam=' + format(lam, '.4g'):>16} {'Lasso a=' + format(a, '.3g'):>16}" for lam, a, _, _ in cols
    )
    w(head + "\n" + "-" * len(head) + "\n")
    for j, name in enumerate(X.columns):
        w(f"{name:>8} " + " ".join(f"{_num(c[2][j])} {_num(c[3][j])}" for c in cols) + "\n")
    w("(0 marks an exact zero)\n")
    w("\ncertificate of each MAP (computed from the solution; gap bounds the sub-optimality):\n")
    w(
        f"{'lam':>10} {'alpha':>10} {'nonzero':>8} {'objective':>14} {'duality gap':>12} {'KKT viol.':>10} "
        f"{'max|MAP-Lasso|':>15}\n"
    )
    for lam, alpha, m, diff in certs:
        w(
            f"{lam:10.4g} {alpha:10.4g} {m.n_nonzero_:8d} {m.objective_:14.6f} "
            f"{m.duality_gap_:12.2e} {m.kkt_violation_:10.1e} {diff:15.2e}\n"
        )

    w("\nGaussian prior beta_j | sigma ~ N(0, sigma^2 s^2)  <->  Ridge alpha = 1 / s^2\n")
    ridge_alphas = (1.0, 10.0, 100.0)
    ridge_cols = []
    for ra in ridge_alphas:
        prior = gaussian_from_alpha(ra, sigma=sigma, conditional=True)
        m = map_estimate(X, y, prior, sigma=sigma, standardize=True)
        rk = Ridge(alpha=ra).fit(Xs, y).coef_ / X.std(ddof=0).to_numpy()
        ridge_cols.append((prior.scale, ra, m.coef_, rk))
    head = f"{'feature':>8} " + " ".join(
        f"{'MAP s=' + format(s, '.3g'):>16} {'Ridge a=' + format(a, '.3g'):>16}" for s, a, _, _ in ridge_cols
    )
    w(head + "\n" + "-" * len(head) + "\n")
    for j, name in enumerate(X.columns):
        w(f"{name:>8} " + " ".join(f"{c[2][j]:16.4f} {c[3][j]:16.4f}" for c in ridge_cols) + "\n")
    worst = max(np.max(np.abs(c[2] - c[3])) for c in ridge_cols)
    w(f"\nlargest |MAP - Ridge| difference: {worst:.2e}\n")
    return 0


PRIORS = {"laplace": "Laplace", "gaussian": "Gaussian", "horseshoe": "Horseshoe", "elasticnet": "ElasticNet"}


class CliError(Exception):
    """A user error: reported as one line on stderr with exit code 2."""


def _neutralize(value):
    """Text cells starting with = + - @ are prefixed with ' so spreadsheets don't run them as formulas."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def safe_csv(df, path):
    """Write a DataFrame to CSV with text cells (and the index) neutralised."""
    out = df.copy()
    out.index = [_neutralize(str(v)) for v in out.index]
    out.columns = [_neutralize(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(_neutralize)
    out.to_csv(path)


#: Bytes read to sniff the delimiter and the header row.
SNIFF_BYTES = 64 * 1024
#: Delimiters the sniffer may choose among.
SNIFF_DELIMITERS = ",;\t|"


def _parse_sep(value):
    """``--sep``: one character; ``tab`` or ``\\t`` for a tab."""
    if value in ("tab", "\\t", "\t"):
        return "\t"
    if len(value) != 1 or value in '\r\n"':
        raise argparse.ArgumentTypeError(f"must be one character (or 'tab'), got {value!r}")
    return value


def sniff_delimiter(sample: str) -> str:
    """The field delimiter of a CSV sample (``,`` ``;`` tab or ``|``); ``,`` when it cannot tell."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFF_DELIMITERS).delimiter
    except csv.Error:  # one column, or no consistent delimiter: the CSV default
        return ","


def _header(path, sep):
    """First row of the file (the delimiter sniffed unless given) and the delimiter."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        # whole lines: a wide file's header (20,000 genes) is longer than any fixed
        # sample, and a line cut short would invent a truncated column name
        lines = [fh.readline()]
        while sum(map(len, lines)) < SNIFF_BYTES and lines[-1]:
            lines.append(fh.readline())
    sample = "".join(lines)
    if not sample.strip():
        raise CliError(f"{path.name} is empty")
    if sep is None:
        sep = sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(lines[0]), delimiter=sep), [])
    return header, sep


def _refuse_duplicates(header, path):
    """pandas would rename a repeated ``a`` to ``a.1`` and go on; refuse instead."""
    seen, repeated = {}, {}
    for i, name in enumerate(header, start=1):
        if name in seen:
            repeated.setdefault(name, [seen[name]]).append(i)
        else:
            seen[name] = i
    if repeated:
        shown = "; ".join(f"{name!r} (columns {', '.join(map(str, cols))})" for name, cols in repeated.items())
        raise CliError(f"duplicate column names in the header of {path.name}: {shown}; rename them")


def _label(value) -> str:
    """A class label as the user wrote it: ``'disease'``, ``1``, ``2.5``, ``True``."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    value = float(value)
    return f"{value:g}"


FAMILIES = ("auto", "gaussian", "bernoulli")


def resolve_target(y, family="auto"):
    """The response and the family for ``--family``: ``(y, family, labels)``.

    ``auto`` fits a Bernoulli model when the target has exactly two distinct
    values (0/1, bool, two numbers or any two labels such as
    ``"disease"``/``"healthy"``) and a Gaussian one otherwise. For a Bernoulli
    model the two values are coded 0 and 1 in sorted order (``False < True``,
    numbers by size, text alphabetically): ``labels`` is ``(label of 0, label
    of 1)``, the larger one the positive class; None for a Gaussian model.
    Missing values, a single value, more than two values with ``--family
    bernoulli`` and text with ``--family gaussian`` are errors naming the problem.
    """
    import pandas as pd

    if family not in FAMILIES:
        raise CliError(f"--family must be one of {', '.join(FAMILIES)}, got {family!r}")
    name = y.name
    missing = y.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        raise CliError(
            f"target column {name!r} has {rows.size} missing value{'s' if rows.size > 1 else ''} "
            f"(first at data row {rows[0]}); drop or fill those rows"
        )
    values = pd.unique(y)
    try:
        values = sorted(values)
    except TypeError:  # mixed types: compare as text
        values = sorted(values, key=str)
    numeric = pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y)
    if len(values) == 1:
        raise CliError(
            f"target column {name!r} has one value ({_label(values[0])}) in every row: "
            + ("a binary outcome needs two classes" if family != "gaussian" else "there is nothing to model")
        )
    if family == "auto":
        family = "bernoulli" if len(values) == 2 else "gaussian"
    if family == "bernoulli":
        if len(values) > 2:
            shown = ", ".join(_label(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
            raise CliError(
                f"target column {name!r} has {len(values)} distinct values ({shown}); --family bernoulli needs "
                "exactly two classes"
            )
        coded = pd.Series((y == values[1]).to_numpy().astype(int), index=y.index, name=name)
        return coded, family, (values[0], values[1])
    if not numeric:
        raise CliError(
            f"target column {name!r} is not numeric ({len(values)} distinct values); a Gaussian model needs numbers"
            + (" (a two-class target is fitted with --family bernoulli)" if len(values) == 2 else "")
        )
    return y.astype(float), family, None


def read_csv_data(path, target, sep=None, family="auto"):
    """Load a CSV and split it into (X, y) with the library's checks, as one-line errors.

    The delimiter is sniffed from the first :data:`SNIFF_BYTES` (``,`` ``;`` tab
    ``|``; ``,`` when unclear) unless ``sep`` is given; a header that repeats
    a column name is refused. ``family`` (``"auto"``, ``"gaussian"`` or
    ``"bernoulli"``) decides the response's checks and coding
    (:func:`resolve_target`). Returns ``(X, y, family, labels)``.
    """
    import pandas as pd

    from ._data import check_X, check_y

    path = Path(path)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    header, sep = _header(path, sep)
    _refuse_duplicates(header, path)
    try:
        df = pd.read_csv(path, sep=sep)
    except Exception as err:  # noqa: BLE001 - any parse error becomes one clear line
        msg = " ".join(str(err).split())
        raise CliError(f"cannot read {path} as CSV (delimiter {sep!r}): {msg}") from None
    if target not in df.columns:
        raise CliError(
            f"target column {target!r} not found in {path.name} (delimiter {sep!r}; use --sep to change it); "
            f"columns are: {', '.join(map(str, df.columns[:20]))}"
        )
    y, X = df[target], df.drop(columns=[target])
    bad = [str(c) for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if bad:
        raise CliError(f"non-numeric columns (encode or drop them): {', '.join(bad)}")
    try:
        check_X(X)
    except (TypeError, ValueError) as err:
        raise CliError(str(err).replace(" (first at row", " (first at data row")) from None
    y, family, labels = resolve_target(y, family)
    try:
        check_y(y, len(X))
    except (TypeError, ValueError) as err:
        raise CliError(str(err).replace(" (first at row", " (first at data row")) from None
    return X, y, family, labels


#: Prior hyper-parameters on the command line: option -> (attribute, help).
HYPER_OPTIONS = {
    "lam": (
        "--lam",
        "Laplace rate lam > 0: p(b_j|sigma) = lam/(2 sigma) exp(-lam |b_j|/sigma) "
        "(default: a Gamma hyperprior on lam^2)",
    ),
    "scale": (
        "--scale",
        "prior scale > 0: Laplace scale 1/lam, or the Gaussian sd in units of sigma, "
        "b_j|sigma ~ N(0, sigma^2 scale^2) (default: a hyperprior)",
    ),
    "expected_nonzero": (
        "--expected-nonzero",
        "horseshoe: prior guess p0 of the number of non-zero "
        "coefficients; sets tau0 = p0/(p-p0)/sqrt(n) (default: tau0 = 1)",
    ),
    "slab_scale": (
        "--slab-scale",
        "regularized horseshoe slab scale > 0, or 'none' for the plain horseshoe (default 2)",
    ),
    "lam1": (
        "--lam1",
        "elastic net l1 weight > 0: p(b|sigma^2) ∝ exp{-(lam1 ||b||_1 + lam2 ||b||^2)/(2 sigma^2)} "
        "(default: lam1 ~ Gamma(1, rate 0.1))",
    ),
    "lam2": ("--lam2", "elastic net l2 weight > 0 (default: lam2 ~ Gamma(1, rate 1))"),
}
#: Which hyper-parameters each prior takes.
PRIOR_HYPERS = {
    "laplace": ("lam", "scale"),
    "gaussian": ("scale",),
    "horseshoe": ("expected_nonzero", "slab_scale"),
    "elasticnet": ("lam1", "lam2"),
}


def _slab_scale(value):
    """``--slab-scale``: a number, or ``none`` for the plain horseshoe."""
    if value.strip().lower() == "none":
        return "none"
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number or 'none', got {value!r}") from None


def _prior_from_name(name, **hyper):
    """The prior specification named ``name`` with the hyper-parameters given
    (None = not given); a hyper-parameter the prior does not have is an error."""
    from . import priors

    given = {k: v for k, v in hyper.items() if v is not None}
    wrong = [k for k in given if k not in PRIOR_HYPERS[name]]
    if wrong:
        takes = ", ".join(HYPER_OPTIONS[k][0] for k in PRIOR_HYPERS[name])
        raise CliError(
            f"{', '.join(HYPER_OPTIONS[k][0] for k in wrong)} does not apply to --prior {name} (it takes: {takes})"
        )
    if given.get("slab_scale") == "none":
        given["slab_scale"] = None
    try:
        return getattr(priors, PRIORS[name])(**given)
    except (TypeError, ValueError) as err:
        raise CliError(str(err)) from None


def _build_atomically(out_dir, build):
    """Run ``build(tmp_dir)`` in a temporary sibling folder and move it into place
    only when it finished: an error or Ctrl-C leaves no partial output."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        build(tmp)
        from .report import apply_umask

        apply_umask(tmp)  # mkdtemp makes the folder 0700: give it the permissions the user's umask asks for
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def write_outputs(result, out_dir, *, force=False, source=None, compare=True, data_notes=None):
    """Report, posterior NetCDF and CSV tables, written into a temporary folder
    and moved into place only when complete (no half-written output).

    ``posterior.nc`` (zlib-compressed) leaves out what is derived from the rest:
    ``beta_std`` (= beta times the column sd) and the horseshoe's ``kappa``
    (from tau, local_scale and c2); ``summary.csv`` and ``selection.csv`` hold
    every feature.
    """
    from .report import write_netcdf, write_report, write_tables
    from .selection import compare_selection

    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise CliError(f"output folder {out_dir} exists; use --force to replace it")

    def build(tmp):
        table = compare_selection(result) if compare else None
        summary = result.summary()
        write_report(
            result,
            tmp / "report.html",
            compare=compare,
            source=source,
            table=table,
            summary=summary,
            data_notes=data_notes,
        )
        import arviz as az

        # a new container over the same arrays (idata.copy() is a deep copy: it would
        # double a p = 20,000 posterior in memory)
        groups = {g: result.idata[g] for g in result.idata.groups()}
        groups["posterior"] = groups["posterior"].drop_vars(
            [v for v in ("beta_std", "kappa") if v in groups["posterior"]]
        )
        idata = az.InferenceData(**groups)
        write_netcdf(idata, tmp / "posterior.nc")
        write_tables(result, tmp, table=table, summary=summary, to_csv=safe_csv)

    _build_atomically(out_dir, build)
    return out_dir


def _parse_draws(text):
    """'auto' or a positive integer."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a positive integer, got {text!r}")
    return value


def fit_command(args) -> int:
    from .sampling import fit

    prior = _prior_from_name(args.prior, **{k: getattr(args, k) for k in HYPER_OPTIONS})
    X, y, family, labels = read_csv_data(args.data, args.target, sep=args.sep, family=args.family)
    notes = []
    if family == "bernoulli":
        negative, positive = labels
        coding = f"{_label(positive)} = 1 (the positive class), {_label(negative)} = 0"
        how = "two distinct values" if args.family == "auto" else "--family bernoulli"
        model = (
            f"Bernoulli (logistic) model of P({args.target} = {_label(positive)}); coding {coding} "
            "(labels in sorted order)"
        )
        notes.append(f"binary outcome {args.target!r} ({how}): {model}")
        print(f"target {args.target!r} has {how}: {model}")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"output folder {out} exists; use --force to replace it")
    try:
        auto = args.draws == "auto"
        result = fit(
            X,
            y,
            prior,
            family=family,
            sampler=args.sampler,
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            thin=args.thin,
            random_seed=args.seed,
            progressbar=not args.quiet,
            max_time=args.max_time if auto else None,
            memory_gib=args.memory if auto else None,
        )
    except (TypeError, ValueError) as err:
        raise CliError(str(err)) from None
    print(f"sampling: {result.run.describe()}")
    try:
        write_outputs(result, out, force=args.force, source=Path(args.data).name, data_notes=notes)
    except (TypeError, ValueError) as err:  # e.g. too few observations of a class to cross-validate
        raise CliError(str(err)) from None
    print(f"wrote {out}/report.html, posterior.nc, summary.csv, selection.csv")
    return 0


def demo_command(args) -> int:
    """The MAP table, then all three priors on diabetes with a report each."""
    import time

    from . import datasets
    from .sampling import compare_priors, fit

    demo()
    out = Path(args.out) if args.out else Path(f"bayes-sparse-demo-{time.strftime('%Y%m%d-%H%M%S')}")
    if out.exists() and not args.force:
        raise CliError(f"output folder {out} exists; use --force to replace it")
    X, y = datasets.load_diabetes()
    results = {}
    print("\nSampling the posterior under each prior (Gibbs samplers):")
    for name in ("laplace", "gaussian", "horseshoe"):
        results[name] = fit(
            X,
            y,
            _prior_from_name(name),
            sampler="gibbs",
            draws=args.draws,
            tune=500,
            chains=2,
            random_seed=args.seed,
            progressbar=not args.quiet,
        )
    table = compare_priors(results)
    print("\nPSIS-LOO comparison of the three priors:")
    print(table[["rank", "elpd_loo", "p_loo", "elpd_diff", "weight"]].to_string())

    def build(tmp):
        for name, res in results.items():
            write_outputs(res, tmp / name, source="diabetes (scikit-learn)")
        safe_csv(table[["rank", "elpd_loo", "p_loo", "elpd_diff", "weight"]], tmp / "loo_comparison.csv")

    _build_atomically(out, build)
    print(f"\nReports written to {out.resolve()}/<prior>/report.html")
    return 0


def read_regulators(path, genes):
    """Candidate regulators from a text file: one gene name per line (blank lines and ``#`` comments skipped)."""
    path = Path(path)
    if not path.is_file():
        raise CliError(f"no such regulators file: {path}")
    names = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        name = line.split("#", 1)[0].strip()
        if name and name not in names:
            names.append(name)
    if not names:
        raise CliError(f"{path.name} lists no regulators")
    missing = [n for n in names if n not in set(genes)]
    if missing:
        raise CliError(
            f"{len(missing)} regulators in {path.name} are not columns of the data: {', '.join(missing[:10])}"
        )
    return names


def network_command(args) -> int:
    """One regression per gene; edges.csv, adjacency.csv, diagnostics.csv, report.html, network.png."""
    import pandas as pd

    from .network import _png_bytes, fit_network, write_network_report

    data = Path(args.data)
    if not data.is_file():
        raise CliError(f"no such file: {data}")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"output folder {out} exists; use --force to replace it")
    header, sep = _header(data, args.sep)
    _refuse_duplicates(header, data)
    try:
        df = pd.read_csv(data, sep=sep, index_col=args.index_col)
    except Exception as err:  # noqa: BLE001 - any parse error becomes one clear line
        raise CliError(f"cannot read {data} as CSV (delimiter {sep!r}): {' '.join(str(err).split())}") from None
    bad = [str(c) for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise CliError(
            f"non-numeric columns (genes must be numeric; a sample-id column goes to --index-col): "
            f"{', '.join(bad[:10])}"
        )
    regulators = read_regulators(args.regulators, [str(c) for c in df.columns]) if args.regulators else None
    prior = _prior_from_name(args.prior) if args.method == "mcmc" else None
    try:
        net = fit_network(
            df,
            prior,
            method=args.method,
            rule=args.rule,
            regulators=regulators,
            draws=args.draws,
            random_seed=args.seed,
            n_jobs=args.n_jobs,
            progressbar=not args.quiet,
        )
    except (TypeError, ValueError) as err:
        raise CliError(str(err).replace(" (first at row", " (first at data row")) from None

    def build(tmp):
        edges = net.edges.copy()
        edges[["source", "target"]] = edges[["source", "target"]].map(_neutralize)
        edges.to_csv(tmp / "edges.csv", index=False)
        safe_csv(net.adjacency.astype(int), tmp / "adjacency.csv")
        safe_csv(net.diagnostics, tmp / "diagnostics.csv")
        write_network_report(net, tmp / "report.html", source=data.name)
        (tmp / "network.png").write_bytes(_png_bytes(net.plot()))

    _build_atomically(out, build)
    print(
        f"{net.n_edges} edges among {len(net.genes)} genes; wrote {out}/edges.csv, adjacency.csv, "
        "diagnostics.csv, report.html, network.png"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="bayes-sparse", description="Bayesian sparse regression with honest uncertainty."
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="print the version and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="MAP = penalised optimum, then all three priors on the built-in diabetes data")
    d.add_argument("--out", help="output folder (default: a new bayes-sparse-demo-<time> folder)")
    d.add_argument("--draws", type=int, default=2000, help="posterior draws per chain (default 2000)")
    d.add_argument("--seed", type=int, default=0, help="random seed of the samplers (default 0)")
    d.add_argument("--force", action="store_true", help="replace an existing output folder")
    d.add_argument("--quiet", action="store_true", help="no progress bars")
    f = sub.add_parser("fit", help="fit a CSV file and write a report, the posterior and tables")
    f.add_argument("data", help="CSV file with a header row (delimiter sniffed: , ; tab or |)")
    f.add_argument("--target", required=True, help="name of the response column")
    f.add_argument(
        "--sep",
        type=_parse_sep,
        default=None,
        help="field delimiter, one character or 'tab' (default: sniffed from the file)",
    )
    f.add_argument(
        "--family",
        choices=FAMILIES,
        default="auto",
        help="likelihood: gaussian (linear), bernoulli (logistic; two classes coded 0/1 in sorted order, the "
        "larger label is the positive class) or auto (default): bernoulli when the target has two distinct values",
    )
    f.add_argument(
        "--prior",
        choices=sorted(PRIORS),
        default="horseshoe",
        help="prior on the standardized coefficients (default horseshoe)",
    )
    hyper = f.add_argument_group("prior hyper-parameters (each only for the priors that have it)")
    for attr, (flag, text) in HYPER_OPTIONS.items():
        hyper.add_argument(
            flag, dest=attr, type=_slab_scale if attr == "slab_scale" else float, default=None, help=text
        )
    f.add_argument(
        "--sampler",
        choices=["auto", "nuts", "gibbs"],
        default="auto",
        help="Gibbs (fast, exact conditionals), NUTS (PyMC) or auto: Gibbs when available",
    )
    f.add_argument(
        "--draws",
        type=_parse_draws,
        default="auto",
        help="posterior draws per chain after warm-up, or 'auto' (default): sample until R-hat <= 1.01 "
        "and bulk/tail ESS >= 400, or until --max-time",
    )
    f.add_argument(
        "--max-time",
        type=float,
        default=600.0,
        dest="max_time",
        help="with --draws auto: stop sampling after this many seconds even if a check fails (default 600)",
    )
    f.add_argument(
        "--memory",
        type=float,
        default=2.0,
        help="with --draws auto: GiB for the per-feature posterior draws; beyond it they are thinned (default 2)",
    )
    f.add_argument("--tune", type=int, default=1000, help="warm-up iterations per chain, discarded (default 1000)")
    f.add_argument("--chains", type=int, default=4, help="independent chains, for R-hat (default 4)")
    f.add_argument("--thin", type=int, default=1, help="keep every k-th draw (large p: saves memory)")
    f.add_argument("--seed", type=int, default=None, help="random seed (default: fresh entropy)")
    f.add_argument("--out", required=True, help="output folder (must not exist unless --force)")
    f.add_argument("--force", action="store_true", help="replace an existing output folder")
    f.add_argument("--quiet", action="store_true", help="no progress bars")
    nw = sub.add_parser("network", help="gene network: one sparse regression per gene, edges with probabilities")
    nw.add_argument("data", help="CSV, one row per sample and one column per gene (delimiter sniffed)")
    nw.add_argument("--out", required=True, help="output folder (must not exist unless --force)")
    nw.add_argument("--regulators", help="text file of candidate regulators, one gene name per line")
    nw.add_argument(
        "--method",
        choices=["mcmc", "map"],
        default="mcmc",
        help="posterior per gene (Gibbs; default) or the certified lasso per gene (LassoCV)",
    )
    nw.add_argument(
        "--rule",
        choices=["and", "or"],
        default="and",
        help="an edge needs both directions (and; default) or either (or)",
    )
    nw.add_argument("--prior", choices=sorted(PRIORS), default="horseshoe", help="mcmc prior (default horseshoe)")
    nw.add_argument("--draws", type=int, default=1000, help="mcmc draws per chain and gene (default 1000)")
    nw.add_argument("--n-jobs", type=int, default=-1, dest="n_jobs", help="parallel workers (default -1: all cores)")
    nw.add_argument("--index-col", default=None, dest="index_col", help="name of a sample-id column (not a gene)")
    nw.add_argument("--sep", type=_parse_sep, default=None, help="field delimiter (default: sniffed)")
    nw.add_argument("--seed", type=int, default=None, help="random seed (default: fresh entropy)")
    nw.add_argument("--force", action="store_true", help="replace an existing output folder")
    nw.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            return demo_command(args)
        if args.command == "network":
            return network_command(args)
        return fit_command(args)
    except CliError as err:
        print(f"bayes-sparse: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bayes-sparse: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
