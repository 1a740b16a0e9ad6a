"""Self-contained HTML posterior-uncertainty report.

One file: inline CSS, figures embedded as base64 PNG, no scripts, fonts or
external links, so it opens offline. Every data-derived string (feature
names, file names, prior parameters) is HTML-escaped.
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

__all__ = ["write_report", "render_report"]

SECTIONS = ("data-model", "map-penalty", "posterior", "diagnostics", "selection", "ppc")

_CSS = """
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #446}h2{margin-top:2em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;font-size:0.85em;margin:0.8em 0}td,th{border:1px solid #ccd;padding:2px 6px;text-align:right}
th{background:#eef}.pass{color:#161;font-weight:bold}.fail{color:#a11;font-weight:bold}
code,pre{background:#f4f4f8;padding:1px 4px}img{max-width:100%;display:block;margin:0.6em 0}
.note{background:#fff8e0;border-left:4px solid #e0b000;padding:0.4em 0.8em}
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


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
    import matplotlib.pyplot as plt

    d = result.design
    beta, intercept, sigma = result.draws("beta"), result.draws("intercept"), result.draws("sigma")
    take = rng.choice(len(beta), size=min(200, len(beta)), replace=False)
    mu = intercept[take, None] + beta[take] @ d.X.T
    y_rep = mu + sigma[take, None] * rng.standard_normal(mu.shape)
    lo, hi = np.quantile(y_rep, [0.025, 0.975], axis=0)
    coverage = float(np.mean((d.y >= lo) & (d.y <= hi)))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    bins = np.histogram_bin_edges(np.concatenate([d.y, y_rep[:20].ravel()]), bins=30)
    for k in range(min(30, len(y_rep))):
        ax.hist(y_rep[k], bins=bins, histtype="step", color="C0", alpha=0.15, density=True)
    ax.hist(d.y, bins=bins, histtype="step", color="k", lw=2, density=True, label="observed y")
    ax.set_xlabel("y")
    ax.legend()
    return (f"<p>Replicated data y_rep ~ N(intercept + X beta, sigma^2) from posterior draws (blue) against the "
            f"observed y (black). {coverage:.1%} of observations fall inside their central 95% predictive "
            f"interval (about 95% expected).</p>{_png(fig)}")


def render_report(result, *, compare: bool = True, title: str | None = None, source: str | None = None,
                  random_seed: int = 0) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
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
    parts.append(_section("map-penalty", "MAP = penalised optimum", _map_section(result)))
    summary = result.summary()
    parts.append(_section("posterior", "Posterior summary", _table(summary)))
    parts.append(_section("diagnostics", "Convergence diagnostics", _diagnostics_section(result)))
    if compare:
        table = compare_selection(result, random_state=random_seed)
        agree = table.attrs["agreement"]
        cols = ["mean", "hdi_low", "hdi_high", "inclusion_prob", "selected_bayes", "lasso_min", "lasso_1se",
                "selected_lasso_cv", "entry_rank", "stability_freq"] + (["shrinkage"] if "shrinkage" in table else [])
        body = (f"<p>Decision rule for the posterior: {_e(table.attrs['rule'])}. LassoCV alpha_min = "
                f"{table.attrs['alpha_min']:.4g}, alpha_1se = {table.attrs['alpha_1se']:.4g}.</p>"
                f"<p>Selected by both: {_e(', '.join(agree['both']) or 'none')}; only Bayes: "
                f"{_e(', '.join(agree['only_bayes']) or 'none')}; only lasso: {_e(', '.join(agree['only_lasso']) or 'none')}; "
                f"Jaccard {agree['jaccard']:.2f}; Spearman(entry alpha, inclusion) {agree['spearman_entry_vs_inclusion']:.2f}.</p>"
                + (f"<p>Effective number of non-zero coefficients m_eff = {table.attrs['m_eff']:.2f} "
                   "(posterior mean of sum_j (1 - kappa_j)).</p>" if "m_eff" in table.attrs else "")
                + _table(table[cols]))
        body += _png(plots.plot_coefficients(result, table).figure)
        body += _png(plots.plot_inclusion_vs_stability(table).figure)
        if isinstance(result.prior, Horseshoe):
            body += _png(plots.plot_shrinkage(result).figure)
        parts.append(_section("selection", "Selection: posterior vs lasso", body))
    parts.append(_section("ppc", "Posterior predictive check", _ppc_section(result, rng)))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n" + "".join(parts) + "</body></html>\n")


def write_report(result, path, compare: bool = True, *, overwrite: bool = False, title=None, source=None,
                 random_seed: int = 0) -> Path:
    """Write the self-contained HTML report for a fitted posterior.

    Sections: data and model; the MAP / penalty equivalence (Laplace and
    Gaussian priors); posterior summary with HDIs; diagnostics with pass/fail
    and advice; the selection comparison table and figures (``compare=True``);
    a posterior predictive check. The file is written atomically (a temporary
    file renamed into place) and an existing file is not replaced unless
    ``overwrite=True``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    text = render_report(result, compare=compare, title=title, source=source, random_seed=random_seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
