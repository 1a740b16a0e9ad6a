"""Write the teaching notebooks (outputs stripped). Run: python notebooks/make_notebooks.py"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent


def nb(cells):
    book = nbf.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.cells = [nbf.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbf.v4.new_code_cell(c.strip()) for c in cells]
    return book


MAP = [
    """md:# MAP = penalised optimum

The lasso minimises `(1/2n)||y - Xb||^2 + alpha ||b||_1`. Under a Laplace prior the negative log posterior at a
fixed noise sd is `RSS / (2 sigma^2) + sum_j |b_j| / b_scale + const`: multiply by `sigma^2 / n` and it *is* the
lasso objective with `alpha = sigma^2 / (n b_scale)`. The same algebra turns a Gaussian prior into ridge.
This notebook shows the penalties, the geometry, the one-dimensional shrinkage rules, a numerical proof with a
certificate, and the caveat: the Bayesian-lasso posterior mean is **not** sparse.""",
    """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from scipy import integrate, stats
import bayes_sparse as bs
""",
    """md:## -log prior = penalty

The horseshoe has no closed-form marginal density; we integrate its local scale out numerically. Its
`-log p(beta)` goes to minus infinity at 0 (a log-like spike), which is why it has no finite MAP.""",
    """
b = np.linspace(-3, 3, 401)
lap = -stats.laplace(scale=1).logpdf(b)
gau = -stats.norm(scale=1).logpdf(b)

def horseshoe_marginal(beta, tau=1.0):
    f = lambda lam: stats.norm.pdf(beta, 0, tau * lam) * 2 / (np.pi * (1 + lam**2))
    return integrate.quad(f, 0, np.inf, limit=200)[0]

hs = -np.log([horseshoe_marginal(v) for v in b[b != 0]])
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(b, lap - lap.min(), label="Laplace: |beta| (lasso)")
ax.plot(b, gau - gau.min(), label="Gaussian: beta^2 / 2 (ridge)")
ax.plot(b[b != 0], hs - hs.min(), label="horseshoe: log-like spike at 0")
ax.set_ylim(0, 5); ax.legend(); ax.set_xlabel("beta"); ax.set_ylabel("-log prior (shifted)")
""",
    """md:## The L1 diamond and the L2 circle

Contours of the residual sum of squares for two correlated features meet the L1 ball at a corner (a zero
coefficient) and the L2 ball on its smooth boundary (no zeros).""",
    """
rng = np.random.default_rng(0)
X2 = rng.normal(size=(50, 2)) @ np.array([[1, 0.6], [0, 0.8]])
y2 = X2 @ np.array([1.5, 0.3]) + 0.5 * rng.normal(size=50)
g = np.linspace(-0.5, 2.5, 200)
B1, B2 = np.meshgrid(g, g)
rss = ((y2[:, None, None] - X2[:, :1, None] * B1 - X2[:, 1:, None] * B2) ** 2).sum(0)
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, (name, t) in zip(axes, [("L1: |b1| + |b2| <= 1", "l1"), ("L2: b1^2 + b2^2 <= 1", "l2")]):
    ax.contour(B1, B2, rss, levels=15, cmap="Greys")
    th = np.linspace(0, 2 * np.pi, 400)
    if t == "l1":
        ax.fill([1, 0, -1, 0], [0, 1, 0, -1], alpha=0.3)
    else:
        ax.fill(np.cos(th), np.sin(th), alpha=0.3)
    ax.set_title(name); ax.set_aspect("equal"); ax.axhline(0, color="0.8"); ax.axvline(0, color="0.8")
""",
    """md:## One dimension: soft thresholding vs proportional shrinkage

With one standardized feature the lasso MAP is `sign(z) max(|z| - alpha, 0)` (soft thresholding, exact zeros)
and the ridge MAP is `z / (1 + alpha)` (never zero).""",
    """
z = np.linspace(-3, 3, 301)
fig, ax = plt.subplots(figsize=(5, 4))
ax.plot(z, np.sign(z) * np.maximum(np.abs(z) - 1, 0), label="lasso (alpha=1)")
ax.plot(z, z / 2, label="ridge (alpha=1)")
ax.plot(z, z, ":", color="0.6", label="no shrinkage")
ax.legend(); ax.set_xlabel("least-squares estimate"); ax.set_ylabel("MAP")
""",
    """md:## The numerical proof, with a certificate

`bs.map_estimate` solves the lasso to a certified duality gap and reports its KKT violation; we compare it with
scikit-learn's `Lasso` at the equivalent `alpha`.""",
    """
from sklearn.linear_model import Lasso
from sklearn.preprocessing import StandardScaler
X, y = bs.datasets.load_diabetes()
n, sigma = len(y), 54.0
prior = bs.Laplace(lam=20.0)
m = bs.map_estimate(X, y, prior, sigma=sigma)
alpha = bs.lasso_alpha(prior, sigma=sigma, n=n)
ref = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(StandardScaler().fit_transform(X), y)
print(f"alpha = lam sigma / n = {alpha:.4f}; duality gap {m.duality_gap_:.2e}; KKT {m.kkt_violation_:.2e}")
print("max |MAP - Lasso| on the standardized scale:", np.abs(m.coef_model_ - ref.coef_).max())
assert np.array_equal(m.coef_model_ != 0, ref.coef_ != 0)
print("exact zeros:", [c for c, v in zip(X.columns, m.coef_) if v == 0])
""",
    """md:## The honest caveat: the posterior is not sparse

Under the same Laplace prior the posterior puts zero probability on `beta_j = 0`: the posterior mean and median
are shrunk but not zero. Sparsity is a property of the mode, not of the posterior.""",
    """
post = bs.fit(X, y, prior, sigma=sigma, sampler="gibbs", draws=2000, tune=300, chains=2, random_seed=1, progressbar=False)
beta = post.draws("beta")
for j, name in enumerate(X.columns):
    print(f"{name:>4}: MAP {m.coef_[j]:8.3f}  posterior median {np.median(beta[:, j]):8.3f}  P(beta = 0) = {np.mean(beta[:, j] == 0):.0f}")
""",
]

DIABETES = [
    """md:# Bayesian lasso, ridge and horseshoe on the diabetes data

Three priors, one data set: posteriors, the Park & Casella path figure, and the selection comparison.""",
    """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import bayes_sparse as bs
X, y = bs.datasets.load_diabetes()
fits = {name: bs.fit(X, y, prior, sampler="gibbs", draws=2000, tune=500, chains=2, random_seed=0, progressbar=False)
        for name, prior in {"laplace": bs.Laplace(), "ridge": bs.Gaussian(), "horseshoe": bs.Horseshoe()}.items()}
for name, f in fits.items():
    print(name, f.diagnostics.passed)
""",
    """
fits["laplace"].summary()[["mean", "sd", "hdi_2.5%", "hdi_97.5%", "ess_bulk", "r_hat"]]
""",
    """md:Posterior means differ most for the weak features: the horseshoe shrinks them hardest.""",
    """
import pandas as pd
pd.DataFrame({name: f.coef_ for name, f in fits.items()}, index=X.columns).round(3)
""",
    """md:## Park & Casella (2008), Figure 1 style: lasso path vs Bayesian-lasso posterior medians""",
    """
axes = bs.plots.plot_paths(X, y, lams=np.geomspace(0.05, 200, 12))
""",
    """md:## Selection: posterior inclusion next to LassoCV and stability selection""",
    """
table = bs.compare_selection(fits["horseshoe"])
print(table.attrs["rule"]); print(table.attrs["agreement"])
table[["mean", "inclusion_prob", "shrinkage", "selected_bayes", "lasso_min", "selected_lasso_cv", "stability_freq"]].round(3)
""",
    """
ax = bs.plots.plot_coefficients(fits["horseshoe"], table)
""",
    """
bs.compare_priors(fits)
""",
]

WIDE = [
    """md:# p >> n: a genomics-like problem

n = 100 samples, p = 3000 correlated features, 8 true signals. The lasso (with cross-validation) against the
horseshoe posterior, and how fast the Gibbs sampler is at this size.""",
    """
import time
import numpy as np
import bayes_sparse as bs
X, y, coef = bs.datasets.make_sparse_regression(100, 3000, 8, correlation=0.5, noise=1.0, random_state=7)
t0 = time.perf_counter()
post = bs.fit(X, y, bs.Horseshoe(expected_nonzero=8), sampler="gibbs", draws=800, tune=300, chains=2,
              random_seed=0, progressbar=False, standardize=False)
print(f"Gibbs, 2 chains x 1100 iterations at p=3000: {time.perf_counter() - t0:.1f} s")
print(post.diagnostics)
""",
    """
table = bs.compare_selection(post, n_subsamples=30)
bs.selection_metrics(table, coef != 0).round(3)
""",
    """md:Uncertainty: the 95% HDIs of the true signals and of the largest null coefficients.""",
    """
truth = np.flatnonzero(coef)
table.iloc[truth][["mean", "hdi_low", "hdi_high", "shrinkage", "lasso_min"]].round(3)
""",
]

CORRELATED = [
    """md:# Correlated predictors

Two near-duplicate features (correlation 0.99) and one signal spread over them. The lasso tends to pick one, ridge
splits the effect, and the horseshoe posterior shows the trade-off honestly: the two coefficients are strongly
negatively correlated a posteriori, while their sum is well determined.""",
    """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import bayes_sparse as bs
rng = np.random.default_rng(3)
n = 80
x1 = rng.normal(size=n)
x2 = x1 + 0.1 * rng.normal(size=n)
others = rng.normal(size=(n, 4))
X = np.column_stack([x1, x2, others])
y = 2.0 * x1 + rng.normal(size=n)
lasso = bs.map_estimate(X, y, bs.Laplace(lam=10.0), sigma=1.0)
ridge = bs.map_estimate(X, y, bs.Gaussian(scale=0.5), sigma=1.0)
print("lasso MAP:", np.round(lasso.coef_[:2], 3), " ridge MAP:", np.round(ridge.coef_[:2], 3))
""",
    """
post = bs.fit(X, y, bs.Horseshoe(expected_nonzero=1), sampler="gibbs", draws=2000, tune=500, chains=2,
              random_seed=0, progressbar=False)
b = post.draws("beta")
print("posterior correlation of beta_1, beta_2:", np.corrcoef(b[:, 0], b[:, 1])[0, 1].round(3))
print("sum beta_1 + beta_2: mean %.3f, sd %.3f" % ((b[:, 0] + b[:, 1]).mean(), (b[:, 0] + b[:, 1]).std()))
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot(b[::4, 0], b[::4, 1], ".", alpha=0.3)
ax.set_xlabel("beta_1"); ax.set_ylabel("beta_2")
""",
]


def main():
    for name, cells in [("01_map_equals_penalty", MAP), ("02_diabetes_priors", DIABETES),
                        ("03_p_much_greater_than_n", WIDE), ("04_correlated_predictors", CORRELATED)]:
        nbf.write(nb(cells), HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
