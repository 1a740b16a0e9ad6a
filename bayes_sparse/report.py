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

from .priors import Gaussian, Horseshoe, Laplace

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
table{border-collapse:collapse;font-size:0.85em;margin:0.8em 0}td,th{border:1px solid #ccd;padding:2px 6px;text-align:right}
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


def _prior_text(prior) -> str:
    if isinstance(prior, Laplace):
        if prior.conditional:
            dens = "p(beta_j | sigma) = lam / (2 sigma) exp(-lam |beta_j| / sigma)"
        else:
            dens = "p(beta_j) = lam / 2 exp(-lam |beta_j|)"
        hyper = f"lam = {prior.rate:.6g}" if not prior.has_hyperprior else (
            f"lam^2 ~ Gamma(shape={prior.lam_shape:g}, rate={prior.lam_rate:g})")
        return f"Laplace (Bayesian lasso): {dens}; {hyper}"
    if isinstance(prior, Gaussian):
        dens = "beta_j | sigma ~ N(0, sigma^2 s^2)" if prior.conditional else "beta_j ~ N(0, s^2)"
        hyper = f"s = {prior.scale:.6g}" if not prior.has_hyperprior else (
            f"s^2 ~ InverseGamma({prior.scale_shape:g}, {prior.scale_rate:g})")
        return f"Gaussian (Bayesian ridge): {dens}; {hyper}"
    slab = ("plain (no slab)" if not prior.regularized else
            f"regularized: lamt_j^2 = c^2 lam_j^2 / (c^2 + tau^2 lam_j^2), c^2 ~ InvGamma({prior.slab_df / 2:g}, "
            f"{prior.slab_df * prior.slab_scale ** 2 / 2:g})")
    return (f"Horseshoe: beta_j ~ N(0, sigma^2 tau^2 lamt_j^2), lam_j ~ C+(0,1), tau ~ C+(0, tau0), "
            f"expected_nonzero = {prior.expected_nonzero}; {slab}")


def _noise_text(result) -> str:
    if result.sigma_fixed is not None:
        return f"sigma fixed at {result.sigma_fixed:g}"
    if "sigma2" in result.idata.posterior:
        return "sigma^2 ~ InverseGamma (proper prior)"
    return "Jeffreys prior p(sigma^2) ∝ 1/sigma^2"


def _section(sid, title, body) -> str:
    return f'<section id="{sid}"><h2>{_e(title)}</h2>\n{body}\n</section>\n'


def _map_section(result) -> str:
    from sklearn.linear_model import Lasso, Ridge

    from .map import lasso_alpha, map_estimate, ridge_alpha

    prior, d = result.prior, result.design
    if isinstance(prior, Horseshoe):
        return ("<p>The horseshoe density is unbounded at beta_j = 0, so the posterior has no finite mode: "
                "there is no penalised-regression equivalent. The posterior itself (below) is the answer.</p>")
    sigma = result.sigma_fixed if result.sigma_fixed is not None else float(np.median(result.draws("sigma")))
    plug = ""
    if prior.has_hyperprior:
        if isinstance(prior, Laplace):
            lam = float(np.median(result.draws("lam")))
            prior = Laplace(lam=lam, conditional=prior.conditional)
            plug = f"lam fixed at its posterior median {lam:.4g}; "
        else:
            s = float(np.median(result.draws("scale")))
            prior = Gaussian(scale=s, conditional=prior.conditional)
            plug = f"s fixed at its posterior median {s:.4g}; "
    plug += "" if result.sigma_fixed is not None else f"sigma fixed at its posterior median {sigma:.4g}. "
    m = map_estimate(d.X, d.y, prior, sigma=sigma, standardize=d.standardize)
    Zs = d.Z
    if isinstance(prior, Laplace):
        alpha = lasso_alpha(prior, sigma, d.n)
        ref = Lasso(alpha=alpha, tol=1e-12, max_iter=1_000_000).fit(Zs, d.y).coef_ / d.x_scale
        mapping = (f"Lasso objective (1/2n)||y - Xb||^2 + alpha ||b||_1 with alpha = sigma^2 / (n b) = {alpha:.6g}"
                   f" (b = Laplace scale)")
        name = "scikit-learn Lasso"
    else:
        alpha = ridge_alpha(prior, sigma)
        ref = Ridge(alpha=alpha).fit(Zs, d.y).coef_ / d.x_scale
        mapping = f"Ridge objective ||y - Xb||^2 + alpha ||b||^2 with alpha = sigma^2 / s_prior^2 = {alpha:.6g}"
        name = "scikit-learn Ridge"
    import pandas as pd

    df = pd.DataFrame({"MAP": m.coef_, name: ref, "posterior mean": result.coef_}, index=list(d.feature_names))
    cert = (f"<p>Certificate of the MAP (computed from the solution): duality gap {m.duality_gap_:.3g}, "
            f"largest KKT violation {m.kkt_violation_:.3g} (relative to alpha), objective {m.objective_:.8g}; "
            f"max |MAP - {_e(name)}| = {np.max(np.abs(m.coef_ - ref)):.3g}.</p>")
    note = ("<p class='note'>The MAP is sparse (exact zeros) but the posterior mean and median are not: "
            "a Laplace prior does not put mass at zero.</p>" if isinstance(prior, Laplace) else "")
    return f"<p>{_e(plug)}</p><p>{_e(mapping)}</p>{_table(df)}{cert}{note}"


def _diagnostics_section(result) -> str:
    diag = result.diagnostics or result.check(warn=False)
    rows = []
    for c in diag.checks:
        status = '<span class="pass">pass</span>' if c.passed else '<span class="fail">FAIL</span>'
        advice = "" if c.passed else _e(c.advice)
        rows.append(f"<tr><td>{_e(c.name)}</td><td>{c.value:.4g}</td><td>{_e(c.threshold)}</td><td>{status}</td>"
                    f"<td>{_e(c.worst)}</td><td style='text-align:left'>{advice}</td></tr>")
    return ("<table><tr><th>check</th><th>value</th><th>threshold</th><th>result</th><th>worst</th><th>advice</th></tr>"
            + "".join(rows) + "</table>")


def _ppc_section(result, rng) -> str:
    from matplotlib.figure import Figure

    d = result.design
    beta, intercept, sigma = result.draws("beta"), result.draws("intercept"), result.draws("sigma")
    take = rng.choice(len(beta), size=min(200, len(beta)), replace=False)
    mu = intercept[take, None] + beta[take] @ d.X.T
    y_rep = mu + sigma[take, None] * rng.standard_normal(mu.shape)
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
    return (f"<p>Replicated data y_rep ~ N(intercept + X beta, sigma^2) from posterior draws (blue) against the "
            f"observed y (black). {coverage:.1%} of observations fall inside their central 95% predictive "
            f"interval (about 95% expected).</p>{_png(fig)}")


def _verdict_section(result, diag, table) -> str:
    """Converged or not (and why), then what the posterior selects."""
    fails = diag.failures
    if not fails:
        head = ("<p class='verdict ok'><b>Converged</b>: every convergence check passed ("
                + _e(", ".join(f"{c.name} {c.threshold}" for c in diag.checks)) + ").</p>")
    else:
        items = "".join(f"<li><span class='fail'>{_e(c.name)} = {c.value:.4g}</span> fails {_e(c.threshold)}"
                        + (f" (worst: {_e(c.worst)})" if c.worst else "") + f". {_e(c.advice)}</li>" for c in fails)
        head = (f"<p class='verdict bad'><b>Not converged</b>: {len(fails)} of {len(diag.checks)} checks failed; "
                "do not trust the estimates below until they pass.</p><ul>" + items + "</ul>")
    if table is None:
        return head
    sel = table["selected_bayes"].to_numpy(bool)
    names = list(table.index[sel])
    order = np.argsort(-table["inclusion_prob"].to_numpy()[sel], kind="stable")
    shown = [str(names[i]) for i in order[:TOP]]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    efdp = ""
    if table.attrs.get("rule_name") == "fdr":
        efdp = (f" Posterior expected false-discovery proportion of this selection: "
                f"{table.attrs['expected_fdp']:.3f} (target q = {table.attrs['fdr_q']:g}).")
    return (head + f"<p><b>{len(names)} of {len(table)} features selected</b> by the posterior "
            f"({_e(table.attrs['rule'])}): {_e(', '.join(shown) or 'none')}{_e(more)}.{_e(efdp)}</p>")


def _summary_rows(summary, result, idx):
    """Rows of ``summary`` for the scalars other than beta, then beta of the features ``idx``."""
    names = [str(n) for n in result.feature_names]
    beta_rows = {f"beta[{n}]" for n in names}
    other = [lab for lab in summary.index if lab not in beta_rows and not str(lab).startswith("beta[")]
    wanted = [f"beta[{names[j]}]" for j in idx]
    return summary.loc[other + [lab for lab in wanted if lab in summary.index]]


def render_report(result, *, compare: bool = True, title: str | None = None, source: str | None = None,
                  random_seed: int = 0, top: int = TOP, table=None, summary=None) -> str:
    """The report as an HTML string (see :func:`write_report`).

    ``table`` (from :func:`~bayes_sparse.selection.compare_selection`) and
    ``summary`` (from ``result.summary()``) are computed unless given, so a
    caller that also writes them to CSV computes them once.
    """
    from . import plots
    from .selection import compare_selection

    d = result.design
    rng = np.random.default_rng(random_seed)
    post = result.idata.posterior
    title = title or f"bayes_sparse posterior report: {type(result.prior).__name__} prior"
    parts = [f"<h1>{_e(title)}</h1>"]
    src = f"<li>data: {_e(source)}</li>" if source else ""
    parts.append(_section("data-model", "Data and model", (
        f"<ul>{src}<li>n = {d.n} observations, p = {d.p} features</li>"
        f"<li>likelihood: y ~ N(intercept + X beta, sigma^2), flat prior on the intercept</li>"
        f"<li>prior: {_e(_prior_text(result.prior))}</li><li>noise: {_e(_noise_text(result))}</li>"
        f"<li>standardization: {'columns centred and divided by their sd (ddof=0); prior on standardized coefficients' if d.standardize else 'columns centred only'}; coefficients reported on the original scale</li>"
        f"<li>sampler: {_e(result.sampler)}; {post.sizes['chain']} chains x {post.sizes['draw']} draws</li></ul>")))
    diag = result.diagnostics or result.check(warn=False)
    if compare and table is None:
        table = compare_selection(result, random_state=random_seed)
    pos = 1
    parts.append(_section("map-penalty", "MAP = penalised optimum", _map_section(result)))
    summary = result.summary() if summary is None else summary
    idx = plots.top_features(result, table if compare else None, top)
    shown = (f"<p>Coefficients of the {len(idx)} features with the highest posterior inclusion probability "
             f"(of {d.p}); the full table is summary.csv.</p>" if len(idx) < d.p else "")
    parts.append(_section("posterior", "Posterior summary", shown + _table(_summary_rows(summary, result, idx))))
    parts.append(_section("diagnostics", "Convergence diagnostics", _diagnostics_section(result)))
    if compare:
        agree = table.attrs["agreement"]

        def names(key):
            items = agree[key]
            return ", ".join(map(str, items[:top])) + (f" and {len(items) - top} more" if len(items) > top else "")

        cols = ["mean", "hdi_low", "hdi_high", "inclusion_prob", "selected_bayes", "lasso_min", "lasso_1se",
                "selected_lasso_cv", "entry_rank", "stability_freq"] + (["shrinkage"] if "shrinkage" in table else [])
        rows = table.iloc[idx]
        body = (f"<p>Decision rule for the posterior: {_e(table.attrs['rule'])}. LassoCV alpha_min = "
                f"{table.attrs['alpha_min']:.4g}, alpha_1se = {table.attrs['alpha_1se']:.4g}.</p>"
                f"<p>Selected by both: {_e(names('both') or 'none')}; only Bayes: "
                f"{_e(names('only_bayes') or 'none')}; only lasso: {_e(names('only_lasso') or 'none')}; "
                f"Jaccard {agree['jaccard']:.2f}; Spearman(entry alpha, inclusion) {agree['spearman_entry_vs_inclusion']:.2f}.</p>"
                + (f"<p>Effective number of non-zero coefficients m_eff = {table.attrs['m_eff']:.2f} "
                   "(posterior mean of sum_j (1 - kappa_j)).</p>" if "m_eff" in table.attrs else "")
                + (f"<p>Top {len(idx)} of {d.p} features by posterior inclusion probability; "
                   "the full table is selection.csv.</p>" if len(idx) < d.p else "")
                + _table(rows[cols]))
        body += _png(plots.plot_inclusion_manhattan(table).figure, "posterior inclusion probability of every feature")
        body += _png(plots.plot_coefficients(result, table, top=top).figure, "coefficients of the top features")
        body += _png(plots.plot_inclusion_vs_stability(table, top=top).figure, "inclusion against stability")
        if isinstance(result.prior, Horseshoe):
            body += _png(plots.plot_shrinkage(result, top=top).figure, "horseshoe shrinkage of the top features")
        parts.append(_section("selection", "Selection: posterior vs lasso", body))
    parts.insert(pos, _section("verdict", "Verdict", _verdict_section(result, diag, table if compare else None)))
    parts.append(_section("ppc", "Posterior predictive check", _ppc_section(result, rng)))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n" + "".join(parts) + "</body></html>\n")


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


def write_report(result, path, compare: bool = True, *, overwrite: bool = False, title=None, source=None,
                 random_seed: int = 0, top: int = TOP, table=None, summary=None) -> Path:
    """Write the self-contained HTML report for a fitted posterior.

    Sections: the verdict (converged or not and why; what is selected); data
    and model; the MAP / penalty equivalence (Laplace and Gaussian priors);
    posterior summary with HDIs; diagnostics with pass/fail and advice; the
    selection comparison table and figures (``compare=True``); a posterior
    predictive check. Tables and per-feature figures show the ``top``
    features by posterior inclusion probability; the inclusion "Manhattan"
    plot shows all. ``table`` / ``summary`` are reused when given (see
    :func:`render_report`). The file is written atomically (a temporary file
    renamed into place) with the permissions of the user's umask, and an
    existing file is not replaced unless ``overwrite=True``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    text = render_report(result, compare=compare, title=title, source=source, random_seed=random_seed, top=top,
                         table=table, summary=summary)

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
    out = [_write_atomic(folder / "summary.csv", lambda tmp: to_csv(summary, tmp), overwrite=overwrite,
                         prefix=".summary-")]
    if table is not None:
        out.append(_write_atomic(folder / "selection.csv", lambda tmp: to_csv(table, tmp), overwrite=overwrite,
                                 prefix=".selection-"))
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
            encoding = {name: {"zlib": True, "complevel": int(complevel), "shuffle": True}
                        for name, var in data.variables.items() if var.dtype.kind in "fiub"}
            data.to_netcdf(tmp, mode=mode, group=f"/{group}", engine="h5netcdf", encoding=encoding)
            mode = "a"

    return _write_atomic(path, write, overwrite=overwrite, prefix=".posterior-")
