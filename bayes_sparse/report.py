"""Self-contained HTML posterior-uncertainty report.

One file: inline CSS, figures embedded as base64 PNG, no scripts, fonts or
external links, so it opens offline. Every data-derived string (feature
names, file names, prior parameters) is HTML-escaped.

It reads at any p: the verdict (converged or not, and why) comes first;
tables and per-feature figures show the ``top`` features (default 30) by
posterior inclusion probability, and one figure (a rasterized "Manhattan"
plot) shows every feature; full tables belong in CSV files
(:func:`write_tables`). Every figure stays below :data:`MAX_PIXELS` on each
side. Files are created with the permissions the user's umask gives
(0644 under umask 022), not the 0600 of a private temporary file.
"""

from __future__ import annotations

import base64
import html
import io
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["apply_umask", "png_size", "render_report", "write_netcdf", "write_report", "write_tables"]

SECTIONS = ("verdict", "data-model", "map-penalty", "posterior", "diagnostics", "selection", "ppc")

#: Features shown in the report's tables and per-feature figures.
TOP = 30
#: Resolution of the embedded figures.
FIG_DPI = 90
#: Largest width or height of an embedded figure in pixels: some browsers and
#: image viewers refuse (show blank) images above 4,096 px on a side.
MAX_PIXELS = 4000

_CSS = """
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #446}h2{margin-top:2em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;font-size:0.85em;margin:0.8em 0}
td,th{border:1px solid #ccd;padding:2px 6px;text-align:right}
th{background:#eef}.pass{color:#161;font-weight:bold}.fail{color:#a11;font-weight:bold}
code,pre{background:#f4f4f8;padding:1px 4px}img{max-width:100%;height:auto;display:block;margin:0.6em 0}
.verdict{font-size:1.1em;padding:0.5em 0.8em;border-left:6px solid}.verdict.ok{border-color:#161;background:#eef8ee}
.verdict.bad{border-color:#a11;background:#fbeeee}
.note{background:#fff8e0;border-left:4px solid #e0b000;padding:0.4em 0.8em}
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def png_size(data: bytes) -> tuple:
    """(width, height) in pixels of a PNG image, read from its IHDR header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _png_bytes(fig, dpi: float = FIG_DPI, max_pixels: int = MAX_PIXELS) -> bytes:
    """PNG of a matplotlib Figure (tight bounding box), its resolution lowered
    if needed so that neither side exceeds ``max_pixels``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    bbox = fig.get_tightbbox(canvas.get_renderer())
    pad = 2 * 0.1  # savefig's default pad_inches on both sides
    side = max(bbox.width, bbox.height) + pad
    dpi = min(dpi, (max_pixels - 2) / side)  # 2 px for rounding
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    data = buf.getvalue()
    if max(png_size(data)) > max_pixels:  # pragma: no cover - the tight box grew when redrawn
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi * 0.9 * max_pixels / max(png_size(data)), bbox_inches="tight")
        data = buf.getvalue()
    return data


def _png(fig, alt: str = "figure") -> str:
    data = _png_bytes(fig)
    w, h = png_size(data)
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{b64}" width="{w}" height="{h}">'


def _table(df, float_format="{:.4g}") -> str:
    return df.to_html(escape=True, float_format=lambda v: float_format.format(v), border=0)


def _section(sid, title, body) -> str:
    return f'<section id="{sid}"><h2>{_e(title)}</h2>\n{body}\n</section>\n'


def _sklearn_reference(m, Z, y):
    """scikit-learn's fit of the same penalised problem on the model's design (the MAP ``m``'s
    penalty), its name and the objective text."""
    from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge

    if m.spec is not None and m.spec.family == "bernoulli":
        import warnings

        l1 = m.penalty_ == "l1"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # saga's convergence chatter, penalty= deprecation
            ref = LogisticRegression(
                penalty="l1" if l1 else "l2", C=m.C_, solver="saga" if l1 else "lbfgs", tol=1e-10, max_iter=100_000
            ).fit(Z, y)
        text = (
            f"LogisticRegression(penalty='{m.penalty_}', C={m.C_:.6g}) objective: "
            + ("sum log-loss + lam ||b||_1 with lam = 1/C" if l1 else "sum log-loss + ||b||^2 / (2 C)")
            + " (intercept unpenalised)"
        )
        return "scikit-learn LogisticRegression", ref.coef_[0], text
    alpha = m.alpha_
    if m.penalty_ == "l1":
        coef = Lasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(Z, y).coef_
        text = (
            f"Lasso objective (1/2n)||y - Xb||^2 + alpha ||b||_1 with alpha = sigma^2 / (n b) = {alpha:.6g}"
            " (b = Laplace scale)"
        )
        return "scikit-learn Lasso", coef, text
    if m.penalty_ == "enet":
        coef = ElasticNet(alpha=alpha, l1_ratio=m.l1_ratio_, tol=1e-12, max_iter=1_000_000).fit(Z, y).coef_
        text = (
            f"ElasticNet objective (1/2n)||y - Xb||^2 + alpha (l1_ratio ||b||_1 + (1 - l1_ratio) ||b||^2 / 2) "
            f"with alpha = lam1/(2n) + lam2/n = {alpha:.6g}, l1_ratio = lam1/(lam1 + 2 lam2) = {m.l1_ratio_:.6g}"
        )
        return "scikit-learn ElasticNet", coef, text
    coef = Ridge(alpha=alpha).fit(Z, y).coef_
    text = f"Ridge objective ||y - Xb||^2 + alpha ||b||^2 with alpha = sigma^2 / s_prior^2 = {alpha:.6g}"
    return "scikit-learn Ridge", coef, text


#: The MAP section compares with scikit-learn at tight tolerance only up to this many
#: features (above it the certificate alone speaks; scikit-learn's solvers at tol 1e-12
#: take minutes at p = 20,000).
SKLEARN_REFERENCE_MAX_P = 2000
#: The same for binary outcomes: scikit-learn's ``saga`` at tol 1e-10 is far slower than its
#: lasso (measured at n = 100: 3.6 s at p = 500, 84 s at p = 2000).
SKLEARN_REFERENCE_MAX_P_LOGISTIC = 500


def _map_section(result) -> str:
    import pandas as pd

    from .map import map_estimate

    rules, d = result.spec.rules, result.design
    if rules.no_map_reason:
        return (
            f"<p>{_e(rules.label)} prior: {_e(rules.no_map_reason)}. There is no penalised-regression "
            "equivalent; the posterior itself (below) is the answer.</p>"
        )
    prior, plug = rules.with_fixed_hyper(result.prior, result.draws)
    if result.spec.likelihood.has_noise:
        sigma = result.sigma_fixed if result.sigma_fixed is not None else float(np.median(result.draws("sigma")))
        plug += "" if result.sigma_fixed is not None else f"sigma fixed at its posterior median {sigma:.4g}. "
    else:
        sigma = None
    m = map_estimate(d.X, d.y, prior, sigma=sigma, standardize=d.standardize, family=result.spec.family)
    columns = {"MAP": m.coef_}
    compare = ""
    binary = result.spec.family == "bernoulli"
    if d.p <= (SKLEARN_REFERENCE_MAX_P_LOGISTIC if binary else SKLEARN_REFERENCE_MAX_P):
        name, ref_model, mapping = _sklearn_reference(m, d.Z, d.y)
        ref = d.coef_to_original(ref_model)
        columns[name] = ref
        compare = f"; max |MAP - {_e(name)}| = {np.max(np.abs(m.coef_ - ref)):.3g}"
    elif binary:
        mapping = (
            f"LogisticRegression(penalty='{m.penalty_}', C={m.C_:.6g}) (intercept unpenalised); scikit-learn is "
            f"not run above p = {SKLEARN_REFERENCE_MAX_P_LOGISTIC}: the certificate below speaks"
        )
    else:
        mapping = f"penalty {m.penalty_}, alpha = {m.alpha_:.6g} (scikit-learn's scaling)"
    columns["posterior mean"] = result.coef_
    df = pd.DataFrame(columns, index=list(d.feature_names))
    # the features that matter: the MAP's non-zeros first, then by posterior mean
    order = np.lexsort((-np.abs(result.coef_), m.coef_ == 0))[:TOP]
    shown = f"<p>The {len(order)} features with the largest MAP coefficients of {d.p}.</p>" if d.p > TOP else ""
    cert = (
        f"<p>Certificate of the MAP (computed from the solution): duality gap {m.duality_gap_:.3g}, "
        f"largest KKT violation {m.kkt_violation_:.3g} (relative to the penalty), objective "
        f"{m.objective_:.8g}{compare}. {m.n_nonzero_} non-zero coefficients.</p>"
    )
    note = (
        "<p class='note'>The MAP is sparse (exact zeros) but the posterior mean and median are not: "
        "the prior does not put mass at zero.</p>"
        if m.penalty_ in ("l1", "enet")
        else ""
    )
    return f"<p>{_e(plug)}</p><p>{_e(mapping)}</p>{shown}{_table(df.iloc[order])}{cert}{note}"


def _diagnostics_section(result) -> str:
    diag = result.diagnostics or result.check(warn=False)
    rows = []
    for c in diag.checks:
        status = '<span class="pass">pass</span>' if c.passed else '<span class="fail">FAIL</span>'
        advice = "" if c.passed else _e(c.advice)
        rows.append(
            f"<tr><td>{_e(c.name)}</td><td>{c.value:.4g}</td><td>{_e(c.threshold)}</td><td>{status}</td>"
            f"<td>{_e(c.worst)}</td><td style='text-align:left'>{advice}</td></tr>"
        )
    return (
        "<table><tr><th>check</th><th>value</th><th>threshold</th><th>result</th><th>worst</th><th>advice</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _ppc_section(result, rng) -> str:
    from matplotlib.figure import Figure

    d = result.design
    family = result.spec.likelihood
    beta, intercept = result.draws("beta"), result.draws("intercept")
    take = rng.choice(len(beta), size=min(200, len(beta)), replace=False)
    eta = d.linear_predictor(beta[take], intercept[take])
    if not family.has_noise:
        return _calibration_section(d, family.predictive_mean(eta).mean(axis=0))
    y_rep = family.predictive(rng, eta, result.draws("sigma")[take])
    lo, hi = np.quantile(y_rep, [0.025, 0.975], axis=0)
    coverage = float(np.mean((d.y >= lo) & (d.y <= hi)))
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    bins = np.histogram_bin_edges(np.concatenate([d.y, y_rep[:20].ravel()]), bins=30)
    for k in range(min(30, len(y_rep))):
        ax.hist(y_rep[k], bins=bins, histtype="step", color="C0", alpha=0.15, density=True)
    ax.hist(d.y, bins=bins, histtype="step", color="k", lw=2, density=True, label="observed y")
    ax.set_xlabel("y")
    ax.legend()
    return (
        f"<p>Replicated data y_rep ~ N(intercept + X beta, sigma^2) from posterior draws (blue) against the "
        f"observed y (black). {coverage:.1%} of observations fall inside their central 95% predictive "
        f"interval (about 95% expected).</p>{_png(fig)}"
    )


def _calibration_section(design, prob) -> str:
    """Binary outcomes: a reliability diagram of the in-sample posterior predictive
    probabilities (deciles) and the observed frequencies."""
    from matplotlib.figure import Figure

    y = design.y
    edges = np.unique(np.quantile(prob, np.linspace(0, 1, 11)))
    bins = np.clip(np.searchsorted(edges, prob, side="right") - 1, 0, max(len(edges) - 2, 0))
    mean_p = np.array([prob[bins == b].mean() for b in np.unique(bins)])
    freq = np.array([y[bins == b].mean() for b in np.unique(bins)])
    fig = Figure(figsize=(4.5, 4))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8)
    ax.plot(mean_p, freq, "o-", color="C0")
    ax.set_xlabel("posterior predictive P(y = 1)")
    ax.set_ylabel("observed frequency of y = 1")
    brier = float(np.mean((prob - y) ** 2))
    extreme = float(np.mean((prob < 0.01) | (prob > 0.99)))
    separation = _separation_notes(design)
    warn = (
        "<p class='note'>More than half of the observations get probabilities below 0.01 or above 0.99: the "
        "classes are (nearly) separated, so the likelihood alone would push coefficients to infinity and "
        "the prior decides how large they are.</p>"
        if extreme > 0.5 and not separation
        else ""
    )
    return (
        f"<p>Calibration (reliability) of the posterior predictive probabilities on the training data, by "
        f"decile: points on the diagonal are well calibrated. Brier score {brier:.3f}.</p>"
        f"{separation}{warn}{_png(fig)}"
    )


def _separation_notes(design) -> str:
    """Binary outcomes: warnings about (quasi-)complete separation of the classes by a linear
    predictor, p >= n - 1, and single features that separate them (:mod:`bayes_sparse._separation`)."""
    from ._separation import detect_separation

    check = detect_separation(design.X, design.y, design.feature_names)
    return "".join(f"<p class='note separation'><b>Separation</b>: {_e(m)}</p>" for m in check.messages())


def _verdict_section(result, diag, table) -> str:
    """Converged or not (and why), then what the posterior selects."""
    fails = diag.failures
    if not fails:
        head = (
            "<p class='verdict ok'><b>Converged</b>: every convergence check passed ("
            + _e(", ".join(f"{c.name} {c.threshold}" for c in diag.checks))
            + ").</p>"
        )
    else:
        items = "".join(
            f"<li><span class='fail'>{_e(c.name)} = {c.value:.4g}</span> fails {_e(c.threshold)}"
            + (f" (worst: {_e(c.worst)})" if c.worst else "")
            + f". {_e(c.advice)}</li>"
            for c in fails
        )
        head = (
            f"<p class='verdict bad'><b>Not converged</b>: {len(fails)} of {len(diag.checks)} checks failed; "
            "do not trust the estimates below until they pass.</p><ul>" + items + "</ul>"
        )
    run = getattr(result, "run", None)
    if run is not None:
        head += f"<p>Sampling: {_e(run.describe())}.</p>"
    if table is None:
        return head
    sel = table["selected_bayes"].to_numpy(bool)
    names = list(table.index[sel])
    order = np.argsort(-table["inclusion_prob"].to_numpy()[sel], kind="stable")
    shown = [str(names[i]) for i in order[:TOP]]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    efdp = ""
    if table.attrs.get("rule_name") == "fdr":
        efdp = (
            f" Posterior expected false-discovery proportion of this selection: "
            f"{table.attrs['expected_fdp']:.3f} (target q = {table.attrs['fdr_q']:g})."
        )
    return (
        head + f"<p><b>{len(names)} of {len(table)} features selected</b> by the posterior "
        f"({_e(table.attrs['rule'])}): {_e(', '.join(shown) or 'none')}{_e(more)}.{_e(efdp)}</p>"
    )


def _summary_rows(summary, result, idx):
    """Rows of ``summary`` for the scalars other than beta, then beta of the features ``idx``."""
    names = [str(n) for n in result.feature_names]
    beta_rows = {f"beta[{n}]" for n in names}
    other = [lab for lab in summary.index if lab not in beta_rows and not str(lab).startswith("beta[")]
    wanted = [f"beta[{names[j]}]" for j in idx]
    return summary.loc[other + [lab for lab in wanted if lab in summary.index]]


def render_report(
    result,
    *,
    compare: bool = True,
    title: str | None = None,
    source: str | None = None,
    random_seed: int = 0,
    top: int = TOP,
    table=None,
    summary=None,
    data_notes=None,
) -> str:
    """The report as an HTML string (see :func:`write_report`).

    ``table`` (from :func:`~bayes_sparse.selection.compare_selection`) and
    ``summary`` (from ``result.summary()``) are computed unless given, so a
    caller that also writes them to CSV computes them once. ``data_notes``
    (strings) are listed under "Data and model" (the command line says there
    which label is the positive class of a binary outcome).
    """
    from . import plots
    from .selection import compare_selection

    d = result.design
    rng = np.random.default_rng(random_seed)
    post = result.idata.posterior
    title = title or f"bayes_sparse posterior report: {result.spec.rules.label} prior"
    parts = [f"<h1>{_e(title)}</h1>"]
    src = f"<li>data: {_e(source)}</li>" if source else ""
    src += "".join(f"<li>{_e(note)}</li>" for note in data_notes or ())
    parts.append(
        _section(
            "data-model",
            "Data and model",
            (
                f"<ul>{src}<li>n = {d.n} observations, p = {d.p} features</li>"
                + "".join(f"<li>{key}: {_e(text)}</li>" for key, text in result.spec.describe().items())
                + f"<li>sampler: {_e(result.sampler)}; {post.sizes['chain']} chains x "
                f"{post.sizes['draw']} draws</li></ul>"
            ),
        )
    )
    diag = result.diagnostics or result.check(warn=False)
    if compare and table is None:
        table = compare_selection(result, random_state=random_seed)
    pos = 1
    parts.append(_section("map-penalty", "MAP = penalised optimum", _map_section(result)))
    summary = result.summary() if summary is None else summary
    idx = plots.top_features(result, table if compare else None, top)
    shown = (
        f"<p>Coefficients of the {len(idx)} features with the highest posterior inclusion probability "
        f"(of {d.p}); the full table is summary.csv.</p>"
        if len(idx) < d.p
        else ""
    )
    parts.append(_section("posterior", "Posterior summary", shown + _table(_summary_rows(summary, result, idx))))
    parts.append(_section("diagnostics", "Convergence diagnostics", _diagnostics_section(result)))
    if compare:
        agree = table.attrs["agreement"]

        def names(key):
            items = agree[key]
            return ", ".join(map(str, items[:top])) + (f" and {len(items) - top} more" if len(items) > top else "")

        cols = [
            "mean",
            "hdi_low",
            "hdi_high",
            "inclusion_prob",
            "selected_bayes",
            "lasso_min",
            "lasso_1se",
            "selected_lasso_cv",
            "entry_rank",
            "stability_freq",
        ] + (["shrinkage"] if "shrinkage" in table else [])
        rows = table.iloc[idx]
        at = table.attrs
        if "lam_min" in at:  # binary outcome: L1-logistic regression in place of the lasso
            cv_text = (
                f"Cross-validated L1-logistic regression (held-out log-loss, as LogisticRegressionCV): lam_min = "
                f"{at['lam_min']:.4g} (C = {at['C_min']:.4g}), lam_1se = {at['lam_1se']:.4g} "
                f"(C = {at['C_1se']:.4g}); the lasso_* columns hold the L1-logistic fits at these penalties."
            )
        else:
            cv_text = f"LassoCV alpha_min = {at['alpha_min']:.4g}, alpha_1se = {at['alpha_1se']:.4g}."
        body = (
            f"<p>Decision rule for the posterior: {_e(at['rule'])}. {_e(cv_text)}</p>"
            f"<p>Selected by both: {_e(names('both') or 'none')}; only Bayes: "
            f"{_e(names('only_bayes') or 'none')}; only lasso: {_e(names('only_lasso') or 'none')}; "
            f"Jaccard {agree['jaccard']:.2f}; Spearman(entry alpha, inclusion) "
            f"{agree['spearman_entry_vs_inclusion']:.2f}.</p>"
            + (
                f"<p>Effective number of non-zero coefficients m_eff = {table.attrs['m_eff']:.2f} "
                "(posterior mean of sum_j (1 - kappa_j)).</p>"
                if "m_eff" in table.attrs
                else ""
            )
            + (
                f"<p>Top {len(idx)} of {d.p} features by posterior inclusion probability; "
                "the full table is selection.csv.</p>"
                if len(idx) < d.p
                else ""
            )
            + _table(rows[cols])
        )
        body += _png(plots.plot_inclusion_manhattan(table).figure, "posterior inclusion probability of every feature")
        body += _png(plots.plot_coefficients(result, table, top=top).figure, "coefficients of the top features")
        body += _png(plots.plot_inclusion_vs_stability(table, top=top).figure, "inclusion against stability")
        if result.spec.rules.shrinkage_factors:
            body += _png(plots.plot_shrinkage(result, top=top).figure, "horseshoe shrinkage of the top features")
        versus = "L1-logistic regression" if "lam_min" in table.attrs else "lasso"
        parts.append(_section("selection", f"Selection: posterior vs {versus}", body))
    parts.insert(pos, _section("verdict", "Verdict", _verdict_section(result, diag, table if compare else None)))
    parts.append(_section("ppc", "Posterior predictive check", _ppc_section(result, rng)))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n" + "".join(parts) + "</body></html>\n"
    )


def _umask() -> int:
    """The process umask (read from /proc where possible: setting it to read it races with threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(path) -> Path:
    """Give ``path`` the permissions a new file (0666) or folder (0777) gets under the user's umask.

    Temporary files and folders (``tempfile.mkstemp`` / ``mkdtemp``) are
    created private (0600 / 0700) whatever the umask; call this on them before
    renaming them into place, so that e.g. a lab web server can read the
    output when the umask allows it (0644 / 0755 under umask 022).
    """
    path = Path(path)
    base = 0o777 if path.is_dir() else 0o666
    os.chmod(path, base & ~_umask())
    return path


def _write_atomic(path, write, *, overwrite: bool, prefix: str):
    """``write(tmp_path)`` into a temporary sibling, chmod by the umask, rename into place."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        apply_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_report(
    result,
    path,
    compare: bool = True,
    *,
    overwrite: bool = False,
    title=None,
    source=None,
    random_seed: int = 0,
    top: int = TOP,
    table=None,
    summary=None,
    data_notes=None,
) -> Path:
    """Write the self-contained HTML report for a fitted posterior.

    Sections: the verdict (converged or not and why; what is selected); data
    and model; the MAP / penalty equivalence (Laplace and Gaussian priors);
    posterior summary with HDIs; diagnostics with pass/fail and advice; the
    selection comparison table and figures (``compare=True``); a posterior
    predictive check (for a binary outcome: a calibration plot and warnings
    when the classes are separated, :mod:`bayes_sparse._separation`). Tables and per-feature figures show the ``top``
    features by posterior inclusion probability; the inclusion "Manhattan"
    plot shows all. ``table`` / ``summary`` are reused when given (see
    :func:`render_report`). The file is written atomically (a temporary file
    renamed into place) with the permissions of the user's umask, and an
    existing file is not replaced unless ``overwrite=True``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    text = render_report(
        result,
        compare=compare,
        title=title,
        source=source,
        random_seed=random_seed,
        top=top,
        table=table,
        summary=summary,
        data_notes=data_notes,
    )

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)

    return _write_atomic(path, write, overwrite=overwrite, prefix=".report-")


def write_tables(result, folder, *, table=None, summary=None, to_csv=None, overwrite: bool = True) -> list:
    """The full tables (every feature) as ``summary.csv`` and, when ``table`` is given, ``selection.csv``.

    ``to_csv(df, path)`` writes one table (default ``df.to_csv(path)``; the
    command line passes its spreadsheet-safe writer). Files get the umask's
    permissions. Returns the paths written.
    """
    folder = Path(folder)
    to_csv = to_csv or (lambda df, path: df.to_csv(path))
    summary = result.summary() if summary is None else summary
    out = [
        _write_atomic(folder / "summary.csv", lambda tmp: to_csv(summary, tmp), overwrite=overwrite, prefix=".summary-")
    ]
    if table is not None:
        out.append(
            _write_atomic(
                folder / "selection.csv", lambda tmp: to_csv(table, tmp), overwrite=overwrite, prefix=".selection-"
            )
        )
    return out


#: zlib level of :func:`write_netcdf` (4: most of the gain of 9 at a fraction of its time).
NETCDF_COMPLEVEL = 4


def write_netcdf(idata, path, *, overwrite: bool = False, complevel: int = NETCDF_COMPLEVEL) -> Path:
    """Write InferenceData to NetCDF-4 (h5netcdf) with zlib compression and byte shuffling.

    The layout of ``az.to_netcdf`` (one HDF5 group per InferenceData group,
    readable by ``az.from_netcdf``), with every numeric variable compressed
    (``zlib``, level ``complevel``) after the HDF5 shuffle filter, which
    groups the bytes of floating-point draws by significance and is what
    makes them compressible. Written atomically with the umask's permissions.
    """

    def write(tmp):
        mode = "w"
        attrs = getattr(idata, "_attrs", None)
        if attrs:
            import xarray as xr

            xr.Dataset(attrs=attrs).to_netcdf(tmp, mode=mode, engine="h5netcdf", group="/")
            mode = "a"
        for group in idata.groups():
            data = idata[group]
            encoding = {
                name: {"zlib": True, "complevel": int(complevel), "shuffle": True}
                for name, var in data.variables.items()
                if var.dtype.kind in "fiub"
            }
            data.to_netcdf(tmp, mode=mode, group=f"/{group}", engine="h5netcdf", encoding=encoding)
            mode = "a"

    return _write_atomic(path, write, overwrite=overwrite, prefix=".posterior-")
