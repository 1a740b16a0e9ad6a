"""Write the teaching notebooks and execute them, so they are committed with their figures.

Run from the repository root::

    python notebooks/make_notebooks.py            # write and execute all five
    python notebooks/make_notebooks.py 02 05      # only these

Each notebook is executed in a fresh kernel (nbclient, the inline backend: no
backend switching in the notebooks) and saved with its outputs, so GitHub and
the docs show the figures. Cells are short; markdown between them carries one
idea per section. A cell tagged ``hide-input`` (and marked ``source_hidden``
for Jupyter) is an exercise's solution, collapsed when rendered.
"""

import sys
from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent


def nb(cells, title):
    book = nbf.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.metadata["language_info"] = {"name": "python"}
    out = []
    for c in cells:
        if c.startswith("md:"):
            out.append(nbf.v4.new_markdown_cell(c[3:].strip()))
        elif c.startswith("solution:"):
            cell = nbf.v4.new_code_cell(c[len("solution:") :].strip())
            cell.metadata["tags"] = ["hide-input"]
            cell.metadata["jupyter"] = {"source_hidden": True}
            out.append(cell)
        else:
            out.append(nbf.v4.new_code_cell(c.strip()))
    book.cells = out
    return book


MAP = [
    """md:# MAP = penalised optimum

The lasso minimises $\\frac{1}{2n}\\|y - X\\beta\\|^2 + \\alpha\\|\\beta\\|_1$. Under a Laplace prior, at a fixed noise
sd $\\sigma$, the negative log posterior is $\\mathrm{RSS}/(2\\sigma^2) + \\sum_j|\\beta_j|/b + \\text{const}$: multiply by
$\\sigma^2/n$ and it *is* the lasso objective with $\\alpha = \\sigma^2/(n b)$. The same algebra turns a Gaussian
prior into ridge. This notebook shows the penalties, the shrinkage in one and two dimensions, a numerical proof
with a certificate, and the caveat: the posterior mean is **not** sparse.""",
    """
import numpy as np
import matplotlib.pyplot as plt
import bayes_sparse as bs
""",
    """md:## −log prior = penalty

Each prior's negative log density, shifted to 0 at its minimum. The Laplace gives $|\\beta|$ (lasso), the
Gaussian $\\beta^2/2$ (ridge). The horseshoe's goes to $-\\infty$ at 0 (a log-spike), so it has no finite MAP.""",
    """
b = np.linspace(-3, 3, 600)  # an even number of points: 0 is not on the grid
fig, ax = plt.subplots(figsize=(6, 3.8))
for name, label in [("laplace", "Laplace: |beta| (lasso)"), ("gaussian", "Gaussian: beta^2 / 2 (ridge)"),
                    ("horseshoe", "horseshoe: log-spike at 0")]:
    nlp = -bs.teach.prior_logpdf(name, b, lam=1.0, sigma=1.0)
    ax.plot(b, nlp - nlp.min() if name != "horseshoe" else nlp - nlp[np.abs(b).argmax()] + 4, label=label)
ax.set_ylim(-2, 5); ax.set_xlabel("beta"); ax.set_ylabel("-log prior (shifted)"); ax.legend();
""",
    """md:## One coefficient: prior × likelihood = posterior

One standardized feature with least-squares estimate $z$ (here $n=1$, so $z \\sim N(\\beta, \\sigma^2)$). Under the
Laplace prior the MAP is the **soft-thresholded** $z$ at $\\alpha = \\lambda\\sigma/n$; the posterior mean and median
shrink too, but never to exactly 0. Right: the three rules as functions of $z$.

In Jupyter, `bs.teach.explore("laplace")` puts this figure under sliders for $\\lambda$, $\\sigma$ and $z$
(`pip install "bayes_sparse[teach]"`); `widgets=False` gives the static figure shown here.""",
    """
bs.teach.explore("laplace", lam=1.0, sigma=1.0, z=1.5, widgets=False)
""",
    """md:As $\\lambda$ grows the MAP hits 0 and stays there, while the posterior keeps mass on both sides.""",
    """
bs.teach.small_multiples("laplace", lams=(0.25, 1.0, 2.0, 4.0), z=1.5)
""",
    """md:## Two coefficients: the L1 diamond and the L2 circle

Grey: contours of the residual sum of squares for two correlated features. The MAP is where the smallest ball
of the penalty touches an RSS contour (red). The L1 ball touches at a **corner** once $\\lambda$ is large enough
(a coefficient is exactly 0); the L2 ball has no corners. Blue: the posterior's 50% and 95% regions.""",
    """
bs.teach.small_multiples("laplace", dim=2, lams=(2.0, 20.0, 60.0))
""",
    """
bs.teach.small_multiples("gaussian", dim=2, lams=(2.0, 20.0, 60.0))
""",
    """md:## The numerical proof, with a certificate

`bs.map_estimate` solves the lasso to a certified duality gap and reports its KKT violation; we compare it with
scikit-learn's `Lasso` at the equivalent $\\alpha$ on the diabetes data.""",
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

Under the same Laplace prior the posterior puts zero probability on $\\beta_j = 0$: the posterior median is shrunk
but not zero. Sparsity is a property of the mode, not of the posterior.""",
    """
post = bs.fit(X, y, prior, sigma=sigma, sampler="gibbs", draws=1000, tune=300, chains=2, random_seed=1, progressbar=False)
beta = post.draws("beta")
for j, name in enumerate(X.columns):
    print(f"{name:>4}: MAP {m.coef_[j]:8.3f}  posterior median {np.median(beta[:, j]):8.3f}  P(beta = 0) = {np.mean(beta[:, j] == 0):.0f}")
""",
]

DIABETES = [
    """md:# Bayesian lasso, ridge and horseshoe on the diabetes data

Three priors, one data set: the posteriors, the Park & Casella path figure, and two rankings of the features:
the **lasso path** (which feature leaves last as the penalty grows) beside the **posterior inclusion**
probability.""",
    """
import numpy as np
import pandas as pd
import bayes_sparse as bs
X, y = bs.datasets.load_diabetes()
priors = {"laplace": bs.Laplace(), "ridge": bs.Gaussian(), "horseshoe": bs.Horseshoe()}
fits = {name: bs.fit(X, y, prior, sampler="gibbs", draws=1000, tune=500, chains=2, random_seed=0, progressbar=False)
        for name, prior in priors.items()}
for name, f in fits.items():
    print(name, "diagnostics passed:", f.diagnostics.passed)
""",
    """md:## The Bayesian lasso's posterior

Means, 95% HDIs, effective sample sizes and R-hat per coefficient.""",
    """
fits["laplace"].summary()[["mean", "sd", "hdi_2.5%", "hdi_97.5%", "ess_bulk", "r_hat"]]
""",
    """md:## Three priors side by side

Posterior means differ most for the weak features: the horseshoe shrinks them hardest.""",
    """
pd.DataFrame({name: f.coef_ for name, f in fits.items()}, index=X.columns).round(3)
""",
    """md:## Park & Casella (2008), Figure 1 style

The lasso path beside the Bayesian-lasso posterior medians, both against the relative L1 norm.""",
    """
axes = bs.plots.plot_paths(X, y, lams=np.geomspace(0.05, 200, 12))
axes[0].figure
""",
    """md:## The lasso path as a ranking

As the penalty grows, coefficients drop out one by one. `bs.lasso_ranking` follows the path exactly (LARS-lasso
knots, each checked by the certified MAP just above and below) and ranks the features by the $\\alpha$ at which
they leave for good. `lam_enter` is the same point as a Laplace rate at the posterior median $\\sigma$. `s3`
famously leaves the path and comes back (Efron et al. 2004).""",
    """
sigma = float(np.median(fits["laplace"].draws("sigma")))
ranking = bs.lasso_ranking(X, y, sigma=sigma)
ranking[["rank", "alpha_enter", "lam_enter", "n_drops", "alpha_last_enter"]].round(3)
""",
    """
bs.ranking.plot_lasso_ranking(ranking).figure
""",
    """md:## Selection: posterior inclusion next to LassoCV and stability selection""",
    """
table = bs.compare_selection(fits["horseshoe"])
print(table.attrs["rule"]); print(table.attrs["agreement"])
table[["mean", "inclusion_prob", "shrinkage", "selected_bayes", "lasso_min", "selected_lasso_cv", "stability_freq"]].round(3)
""",
    """md:## Two rankings, side by side

The lasso's order of entry against the horseshoe's posterior inclusion order. They agree on the strong
features; where they differ, the posterior also says how sure it is.""",
    """
side = pd.DataFrame({
    "lasso rank": ranking["rank"],
    "alpha_enter": ranking["alpha_enter"].round(3),
    "inclusion rank": table["inclusion_prob"].rank(ascending=False, method="min").astype(int),
    "inclusion_prob": table["inclusion_prob"].round(3),
}).sort_values("lasso rank")
side
""",
    """
ax = bs.plots.plot_coefficients(fits["horseshoe"], table)
ax.figure
""",
    """md:## Which prior predicts best? PSIS-LOO""",
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
import matplotlib.pyplot as plt
import bayes_sparse as bs
X, y, coef = bs.datasets.make_sparse_regression(100, 3000, 8, correlation=0.5, noise=1.0, random_state=7)
t0 = time.perf_counter()
post = bs.fit(X, y, bs.Horseshoe(expected_nonzero=8), sampler="gibbs", draws=800, tune=300, chains=2,
              random_seed=0, progressbar=False, standardize=False)
print(f"Gibbs, 2 chains x 1100 iterations at p=3000: {time.perf_counter() - t0:.1f} s")
print(post.diagnostics)
""",
    """md:The run is kept short so that the notebook executes in about a minute, and the diagnostics say what that
costs: the checks fail, the worst variable being the global scale $\tau$, which mixes slowly at p = 3000. For
results you report, sample longer (`draws=4000` or more) until every check passes; read what follows as an
illustration.""",
    """md:## Selection against the truth""",
    """
table = bs.compare_selection(post, n_subsamples=30)
bs.selection_metrics(table, coef != 0).round(3)
""",
    """md:## Inclusion against stability

Each marker is a feature: posterior inclusion probability against stability-selection frequency. The true
signals sit in the upper right; the 2992 nulls pile up at the origin.""",
    """
ax = bs.plots.plot_inclusion_vs_stability(table)
ax.figure
""",
    """md:## Uncertainty of the strongest candidates

95% HDIs of the 20 features with the highest inclusion probability; true signals in red, their true value as a
cross. The intervals of the nulls straddle 0.""",
    """
top = table.sort_values("inclusion_prob", ascending=False).head(20)
idx = [table.index.get_loc(i) for i in top.index]
is_true = coef[idx] != 0
ypos = np.arange(len(top))[::-1]
fig, ax = plt.subplots(figsize=(6, 5.5))
ax.hlines(ypos, top["hdi_low"], top["hdi_high"], color=np.where(is_true, "C3", "C0"), lw=2)
ax.plot(top["mean"], ypos, "o", color="k", ms=3, label="posterior mean")
ax.plot(coef[idx][is_true], ypos[is_true], "x", color="C3", ms=8, label="true value")
ax.axvline(0, color="0.6", lw=0.8)
ax.set_yticks(ypos); ax.set_yticklabels(top.index, fontsize="small"); ax.set_xlabel("coefficient"); ax.legend();
""",
    """md:The numbers behind the figure, for the true signals.""",
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
    """md:## The lasso path picks one of the twins

On the exact path one twin enters first and carries the signal; the other enters only at a much smaller
penalty.""",
    """
ranking = bs.lasso_ranking(X, y)
print(ranking[["rank", "alpha_enter", "n_drops"]].round(4))
bs.ranking.plot_lasso_ranking(ranking).figure
""",
    """md:## The posterior keeps both

The horseshoe posterior of the twins: a ridge of draws along $\\beta_1 + \\beta_2 \\approx 2$.""",
    """
post = bs.fit(X, y, bs.Horseshoe(expected_nonzero=1), sampler="gibbs", draws=3000, tune=500, chains=2,
              random_seed=0, progressbar=False)
b = post.draws("beta")
print("posterior correlation of beta_1, beta_2:", np.corrcoef(b[:, 0], b[:, 1])[0, 1].round(3))
print("sum beta_1 + beta_2: mean %.3f, sd %.3f" % ((b[:, 0] + b[:, 1]).mean(), (b[:, 0] + b[:, 1]).std()))
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot(b[::2, 0], b[::2, 1], ".", alpha=0.3)
ax.set_xlabel("beta_1"); ax.set_ylabel("beta_2");
""",
    """md:## The elastic net: the grouping effect

The elastic net adds an $\\ell_2$ term to the lasso: $p(\\beta \\mid \\sigma^2) \\propto
\\exp\\{-(\\lambda_1\\|\\beta\\|_1 + \\lambda_2\\|\\beta\\|^2)/(2\\sigma^2)\\}$ (`bs.ElasticNet`, Li & Lin 2010).
For two coefficients of the same sign with sum $s$ and difference $d$, the $\\ell_1$ term is $\\lambda_1|s|$
whatever $d$, while $\\|\\beta\\|^2 = (s^2 + d^2)/2$: only the $\\ell_2$ term says anything about the
difference, and it pulls it to zero. Hence the *grouping effect* (Zou & Hastie 2005): near-duplicate columns
get near-equal coefficients. The weights below are the lasso's ($\\lambda_1 = 2 \\cdot 10\\,\\sigma$) plus
the ridge's ($\\lambda_2 = 1/0.5^2$); the MAP is scikit-learn's `ElasticNet` at any $\\sigma$.""",
    """
enet_prior = bs.ElasticNet(lam1=20.0, lam2=4.0)
enet = bs.map_estimate(X, y, enet_prior)          # no sigma needed: it cancels
alpha, l1_ratio = bs.elastic_net_alpha(enet_prior, n)
print(f"ElasticNet(alpha={alpha:.4f}, l1_ratio={l1_ratio:.3f}); duality gap {enet.duality_gap_:.1e}")
import pandas as pd
pd.DataFrame({"lasso": lasso.coef_[:2], "ridge": ridge.coef_[:2], "elastic net": enet.coef_[:2]},
             index=["beta_A (x1)", "beta_B (x2)"]).round(3)
""",
    """md:## Which of the two? The posterior of the difference and of the sum

The same data under four priors (Gibbs samplers, sigma unknown). The sum $\\beta_A + \\beta_B$ is what the data
determine; the difference $\\beta_A - \\beta_B$ is what they cannot, since $x_1$ and $x_2$ differ only by a
little noise. Each prior's answer to "which of the two?" is its posterior of the difference.""",
    """
priors = {"lasso (Laplace)": bs.Laplace(lam=10.0), "ridge (Gaussian)": bs.Gaussian(scale=0.5),
          "elastic net": enet_prior, "horseshoe": bs.Horseshoe(expected_nonzero=1)}
fits = {name: (post if name == "horseshoe" else
               bs.fit(X, y, prior, sampler="gibbs", draws=3000, tune=500, chains=2, random_seed=0, progressbar=False))
        for name, prior in priors.items()}
rows = {}
for name, f in fits.items():
    b = f.draws("beta")
    d, s = b[:, 0] - b[:, 1], b[:, 0] + b[:, 1]
    rows[name] = {"diff mean": d.mean(), "diff sd": d.std(), "diff 2.5%": np.quantile(d, 0.025),
                  "diff 97.5%": np.quantile(d, 0.975), "P(beta_A > beta_B)": (d > 0).mean(),
                  "sum mean": s.mean(), "sum sd": s.std(), "corr(beta_A, beta_B)": np.corrcoef(b[:, 0], b[:, 1])[0, 1]}
summary = pd.DataFrame(rows).T
summary.round(3)
""",
    """
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for name, f in fits.items():
    b = f.draws("beta")
    axes[0].hist(b[:, 0] - b[:, 1], bins=80, histtype="step", density=True, label=name)
    axes[1].hist(b[:, 0] + b[:, 1], bins=80, histtype="step", density=True, label=name)
axes[0].set_xlabel("beta_A - beta_B  (which of the two)"); axes[1].set_xlabel("beta_A + beta_B  (the shared signal)")
axes[0].axvline(0, color="0.6", lw=0.8); axes[1].axvline(2.0, color="0.6", lw=0.8)
axes[0].legend(fontsize="small");
""",
    """md:What each prior says about "which of the two" (numbers in the table above):

* **Lasso** (Laplace): the MAP puts the whole signal on $x_1$ and none on $x_2$. The posterior does not
  commit: the difference leans to $x_1$ but is wide, and its 95% interval reaches well below zero. For
  coefficients of one sign the $\\ell_1$ term is flat along $\beta_A - \beta_B$, so only the likelihood's weak
  information about the difference is left (here a slight preference for $x_1$, which generated $y$).
* **Ridge** (Gaussian) and the **elastic net**: the $\\ell_2$ term penalises the difference directly. Both MAPs
  split the signal, and the posterior difference is pulled towards zero with $P(\beta_A > \beta_B)$ closest
  to 1/2: "both, about equally". Unlike ridge, the elastic net's MAP sets noise features exactly to zero (three of
  the four here) while it groups the twins.
* **Horseshoe**: it expects one signal and puts it on one twin: the difference is close to the sum and
  $P(\beta_A > \beta_B)$ is near 1. Its answer is "one of the two", and with data this weak about the
  difference that answer is mostly the prior's.

Under every prior the sum is well determined (close to the true 2, sd about 0.1) and the two coefficients are
strongly negatively correlated a posteriori. Report the sum (or the group), not either coefficient alone.""",
]

INSTRUCTORS = [
    """md:# From prior to penalty in one page

For instructors: the derivation of "the lasso is the MAP under a Laplace prior", with every step checked live on
the diabetes data, then the honest caveats, then exercises (solutions collapsed).""",
    """
import numpy as np
import matplotlib.pyplot as plt
from scipy import stats
from sklearn.linear_model import Lasso, LassoCV
from sklearn.preprocessing import StandardScaler
import bayes_sparse as bs
X, y = bs.datasets.load_diabetes()
Z = StandardScaler().fit_transform(X)          # the prior acts on standardized coefficients
yc = (y - y.mean()).to_numpy()
n, p = Z.shape
sigma, lam = 54.0, 20.0
rng = np.random.default_rng(0)
b1, b2 = rng.normal(scale=10, size=p), rng.normal(scale=10, size=p)   # two arbitrary coefficient vectors
""",
    """md:## Step 1: the prior's negative log density is a penalty

Conditional Laplace: $p(\\beta_j\\mid\\sigma) = \\frac{\\lambda}{2\\sigma}e^{-\\lambda|\\beta_j|/\\sigma}$, so
$-\\log p(\\beta\\mid\\sigma) = \\frac{\\lambda}{\\sigma}\\|\\beta\\|_1 + \\text{const}$. Checked against scipy's Laplace.""",
    """
prior = bs.Laplace(lam=lam)
lhs = -stats.laplace(scale=sigma / lam).logpdf(b1).sum() + stats.laplace(scale=sigma / lam).logpdf(b2).sum()
rhs = lam / sigma * (np.abs(b1).sum() - np.abs(b2).sum())
print(f"difference of -log prior: {lhs:.10f}; lam/sigma * difference of L1 norms: {rhs:.10f}")
assert np.isclose(lhs, rhs, rtol=1e-12)
""",
    """md:## Step 2: the negative log posterior is RSS plus the penalty

With $y \\sim N(\\alpha 1 + Z\\beta, \\sigma^2 I)$ and a flat prior on the intercept (at its optimum, the mean of
$y$ for centred $Z$): $-\\log p(\\beta\\mid y,\\sigma) = \\frac{\\mathrm{RSS}(\\beta)}{2\\sigma^2} + \\frac{\\lambda}{\\sigma}\\|\\beta\\|_1 + \\text{const}$.""",
    """
def neg_log_post(beta):
    return -(stats.norm(Z @ beta, sigma).logpdf(yc).sum() + stats.laplace(scale=sigma / lam).logpdf(beta).sum())

def rss_plus_penalty(beta):
    return ((yc - Z @ beta) ** 2).sum() / (2 * sigma**2) + lam / sigma * np.abs(beta).sum()

print(neg_log_post(b1) - neg_log_post(b2), rss_plus_penalty(b1) - rss_plus_penalty(b2))
assert np.isclose(neg_log_post(b1) - neg_log_post(b2), rss_plus_penalty(b1) - rss_plus_penalty(b2), rtol=1e-10)
""",
    """md:## Step 3: rescale to scikit-learn's objective

Multiplying by $\\sigma^2/n$ (which does not move the minimiser) gives
$\\frac{1}{2n}\\mathrm{RSS} + \\frac{\\lambda\\sigma}{n}\\|\\beta\\|_1$: the `Lasso` objective with
$\\alpha = \\lambda\\sigma/n$.""",
    """
alpha = bs.lasso_alpha(prior, sigma=sigma, n=n)
sk_objective = lambda beta: ((yc - Z @ beta) ** 2).sum() / (2 * n) + alpha * np.abs(beta).sum()
print(f"alpha = {alpha:.6f} = lam * sigma / n = {lam * sigma / n:.6f}")
assert np.isclose(sk_objective(b1) - sk_objective(b2), sigma**2 / n * (rss_plus_penalty(b1) - rss_plus_penalty(b2)))
""",
    """md:## Step 4: the certificate proves the optimum

`bs.map_estimate` returns the minimiser with its duality gap (an upper bound on how far its objective is from
the optimum) and its KKT violation; scikit-learn's `Lasso` at the same $\\alpha$ lands on the same point.""",
    """
m = bs.map_estimate(X, y, prior, sigma=sigma)
ref = Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(Z, yc).coef_
print(f"duality gap {m.duality_gap_:.1e}, KKT violation {m.kkt_violation_:.1e}, max |MAP - Lasso| {np.abs(m.coef_model_ - ref).max():.1e}")
assert m.duality_gap_ < 1e-6 and np.allclose(m.coef_model_, ref, atol=1e-6)
""",
    """md:## Step 5: in one dimension the MAP is the soft threshold

The figure puts the prior, likelihood and posterior of one coefficient on one axis; its MAP is
$\\mathrm{sign}(z)\\max(|z| - \\alpha, 0)$.""",
    """
post1 = bs.teach.posterior_1d("laplace", lam=1.0, sigma=1.0, z=1.5)
assert post1.map == np.sign(1.5) * max(1.5 - post1.alpha, 0)
bs.teach.explore_figure("laplace", lam=1.0, sigma=1.0, z=1.5)
""",
    """md:## Caveat 1: the posterior mean is not sparse

The mode sits at exactly 0 below the threshold; the posterior mean and median do not. A Bayesian lasso that
reports posterior means selects nothing by itself.""",
    """
post0 = bs.teach.posterior_1d("laplace", lam=2.0, sigma=1.0, z=1.5)
print(f"MAP {post0.map}, posterior mean {post0.mean:.3f}, posterior median {post0.median:.3f}")
""",
    """md:## Caveat 2: the horseshoe has no MAP

Its density is unbounded at 0 (the −log prior is a log-spike), so the posterior density is unbounded at
$\\beta_j = 0$ for every $j$; there is nothing to maximise. The library refuses rather than returning something.""",
    """
print("horseshoe log density at 0:", bs.teach.prior_logpdf("horseshoe", 0.0, lam=1.0, sigma=1.0))
try:
    bs.map_estimate(X, y, bs.Horseshoe(), sigma=sigma)
except ValueError as err:
    print("ValueError:", err)
""",
    """md:## Caveat 3: lambda by cross-validation or by the marginal likelihood

Cross-validation picks $\\alpha$ to predict well; translated to a prior it is a rate
$\\lambda = \\alpha n / \\sigma$. A full Bayesian treatment puts a hyperprior on $\\lambda$ and lets the data weigh
it through the marginal likelihood: the two need not agree, and the posterior of $\\lambda$ says how sure it is.""",
    """
cv = LassoCV(cv=5, random_state=0).fit(Z, yc)
lam_cv = bs.laplace_from_alpha(cv.alpha_, sigma=sigma, n=n, conditional=True).lam
fit = bs.fit(X, y, bs.Laplace(), sampler="gibbs", draws=1000, tune=300, chains=2, random_seed=0, progressbar=False)
lam_draws = fit.draws("lam")
print(f"CV: alpha = {cv.alpha_:.3f} -> lam = {lam_cv:.2f} at sigma = {sigma}")
print(f"hyperprior: posterior median lam = {np.median(lam_draws):.2f}, 90% interval {np.quantile(lam_draws, [0.05, 0.95]).round(2)}")
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.hist(lam_draws, bins=40, density=True, color="C0", alpha=0.6, label="posterior of lam (hyperprior)")
ax.axvline(lam_cv, color="C3", label="lam from LassoCV")
ax.set_xlabel("lam"); ax.legend();
""",
    """md:## Exercises

1. Show that a Gaussian prior $N(0, \\sigma^2 s^2)$ gives `Ridge(alpha = 1 / s**2)` (objective
   $\\|y - Z\\beta\\|^2 + \\alpha\\|\\beta\\|^2$), and check it with `bs.map_estimate` and scikit-learn.
2. For one standardized feature, at which $z$ does the Laplace MAP become non-zero? Check with
   `bs.teach.posterior_1d`.
3. Using `bs.lasso_ranking`, find the Laplace rate $\\lambda$ (at $\\sigma = 54$) above which only `bmi` is
   in the model.

Solutions below (expand the cells).""",
    """md:**Solution 1.** $-\\log p = \\frac{\\|y-Z\\beta\\|^2}{2\\sigma^2} + \\frac{\\|\\beta\\|^2}{2\\sigma^2 s^2}$; times
$2\\sigma^2$ this is ridge with $\\alpha = 1/s^2$.""",
    """solution:
from sklearn.linear_model import Ridge
s = 0.5
g = bs.map_estimate(X, y, bs.Gaussian(scale=s), sigma=sigma)
ridge = Ridge(alpha=1 / s**2).fit(Z, yc).coef_
print("max |MAP - Ridge|:", np.abs(g.coef_model_ - ridge).max())
""",
    """md:**Solution 2.** At $|z| > \\alpha = \\lambda\\sigma/n$.""",
    """solution:
for z in (0.99, 1.01):
    print(z, bs.teach.posterior_1d("laplace", lam=1.0, sigma=1.0, z=z).map)
""",
    """md:**Solution 3.** Above the rate at which the second feature enters.""",
    """solution:
r = bs.lasso_ranking(X, y, sigma=sigma)
print(f"only bmi for lam between {r['lam_enter'].iloc[1]:.1f} and {r['lam_enter'].iloc[0]:.1f}")
""",
]

NETWORK = [
    """md:# A gene network: Bayesian vs lasso neighbourhood selection

Regress each gene on all the others and read the non-zero coefficients as links (Meinshausen & Bühlmann 2006).
`bs.fit_network` does this with one sparse regression per gene, run through joblib (all cores by default; a Dask
cluster with `joblib.parallel_config(backend="dask")`), and gives every edge a **posterior inclusion probability**.
Here the truth is known: samples from a Gaussian graphical model whose sparse precision matrix *is* the graph.""",
    """
import numpy as np
import matplotlib.pyplot as plt
from sklearn.covariance import GraphicalLassoCV
import bayes_sparse as bs
from bayes_sparse.network import simulate_ggm

X, truth, precision = simulate_ggm(15, 150, degree=2.0, random_state=0)
print(X.shape, "true edges:", int(truth.values.sum() // 2))
""",
    """md:## Horseshoe neighbourhood selection

Each gene gets a horseshoe regression on the other 14 (Gibbs sampler, 2 chains). The directed probability
$P(|\\beta_{s\\to t}| > 0.1 \\mid \\text{data})$ (standardized genes) is combined over the two directions by the **AND**
rule (symmetric probability = the smaller one) and edges are selected by the network-wide Bayesian FDR rule: the
largest set of most probable edges whose posterior expected false-discovery proportion is at most 0.1.""",
    """
net = bs.fit_network(X, method="mcmc", rule="and", draws=300, tune=200, random_seed=0, n_jobs=2, progressbar=False)
print(net, "| expected FDP of the selection:", round(net.expected_fdp, 3))
net.edges.head(8)
""",
    """
net.plot()
""",
    """md:## Side by side: OR rule, lasso neighbourhood selection, graphical lasso

The OR rule (either direction; symmetric probability = the larger one) uses the same seeds, hence the same per-gene
posteriors. `method="map"` is classical neighbourhood selection: the certified lasso per gene at the `LassoCV`
penalty. `GraphicalLassoCV` estimates the precision matrix directly.""",
    """
net_or = bs.fit_network(X, rule="or", draws=300, tune=200, random_seed=0, n_jobs=2, progressbar=False)
lasso_and = bs.fit_network(X, method="map", rule="and", random_seed=0, n_jobs=2, progressbar=False)
lasso_or = bs.fit_network(X, method="map", rule="or", random_seed=0, n_jobs=2, progressbar=False)
Z = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
glasso = GraphicalLassoCV().fit(Z)

iu = np.triu_indices(15, 1)
t = truth.values[iu]

def scores(selected):
    s = np.asarray(selected)[iu]
    tp = (s & t).sum()
    prec, rec = tp / max(s.sum(), 1), tp / t.sum()
    return {"edges": int(s.sum()), "precision": round(prec, 3), "recall": round(rec, 3),
            "F1": round(2 * prec * rec / (prec + rec), 3) if tp else 0.0}

import pandas as pd
pd.DataFrame({
    "horseshoe, AND": scores(net.adjacency.values),
    "horseshoe, OR": scores(net_or.adjacency.values),
    "lasso (LassoCV), AND": scores(lasso_and.adjacency.values),
    "lasso (LassoCV), OR": scores(lasso_or.adjacency.values),
    "GraphicalLassoCV": scores(np.abs(glasso.precision_) > 1e-8),
}).T
""",
    """md:## Precision and recall along each ranking

Every method also ranks the pairs: by symmetric posterior probability, by |lasso weight|, by |precision entry|.
Sweeping down each ranking gives a precision-recall curve; the dots are the selections above.""",
    """
def curve(score):
    order = np.argsort(-score[iu], kind="stable")
    hits = t[order]
    tp = np.cumsum(hits)
    return tp / t.sum(), tp / np.arange(1, hits.size + 1)

def matrix(fit, column):
    m = np.zeros((15, 15))
    i = fit.edges["source"].map(X.columns.get_loc); j = fit.edges["target"].map(X.columns.get_loc)
    m[i, j] = m[j, i] = np.abs(fit.edges[column].fillna(0).to_numpy())
    return m

fig, ax = plt.subplots(figsize=(6, 4.2))
for label, score, sel, color in [
    ("horseshoe (probability, AND)", matrix(net, "inclusion_prob"), net.adjacency.values, "C0"),
    ("lasso (|weight|, AND)", matrix(lasso_and, "weight"), lasso_and.adjacency.values, "C1"),
    ("graphical lasso (|precision|)", np.abs(glasso.precision_), np.abs(glasso.precision_) > 1e-8, "C2"),
]:
    r, p = curve(score)
    ax.plot(r, p, color=color, label=label)
    s = scores(sel)
    ax.plot(s["recall"], s["precision"], "o", color=color)
ax.set_xlabel("recall"); ax.set_ylabel("precision"); ax.set_ylim(0, 1.05); ax.legend(loc="lower left");
""",
    """md:## On a cluster

Nothing changes but the joblib backend; seeds come from `random_seed` and the gene's index, so the edges are the
same whatever runs them (the tests check one worker, loky and a Dask `LocalCluster`):

```python
import joblib
from dask.distributed import Client        # pip install "bayes_sparse[distributed]"

client = Client("tcp://scheduler:8786")
with joblib.parallel_config(backend="dask"):
    net = bs.fit_network(X, regulators=tf_list, random_seed=0)
```

Each worker keeps one BLAS thread and returns only the per-gene summaries (means, inclusion probabilities, the
worst R-hat and ESS), not the draws. From the shell: `bayes-sparse network data.csv --out net/ --regulators tfs.txt`.""",
]

DISEASE = [
    """md:# Disease vs healthy from thousands of genes

The field's reference problem: about a hundred patients, some with a disease and some without, and thousands of
genes measured on each. Which genes matter, and **how sure are we about each one**? The L1-penalised logistic
regression (lasso) answers the first question with one set; its Bayesian reading (MAP under a Laplace prior) does
too. A full posterior answers the second. Here the truth is known: simulated expression data with a handful of
causal genes inside correlated blocks.""",
    """
import numpy as np
import matplotlib.pyplot as plt
import bayes_sparse as bs

n, p = 100, 2000
X, y, coef = bs.datasets.make_sparse_classification(n, p, 5, correlation=0.6, signal=1.5, random_state=4, as_frame=True)
X.columns = [f"gene{j}" for j in range(p)]
causal = list(X.columns[coef != 0])
print(X.shape, "| cases:", int(y.sum()), "controls:", int((1 - y).sum()), "| causal genes:", causal)
""",
    """md:## The lasso's answer: L1-logistic path and cross-validation

`bs.map_estimate(..., family="bernoulli")` solves the L1-logistic problem
$\\sum_i [\\log(1 + e^{\\eta_i}) - y_i\\eta_i] + \\lambda\\|\\beta\\|_1$ with a certificate (duality gap and KKT
violation computed from the returned solution); it is the MAP under a Laplace prior of rate $\\lambda$ and equals
scikit-learn's `LogisticRegression(penalty="l1", C=1/lam)`.""",
    """
lam = 8.0
m = bs.map_estimate(X, y, bs.Laplace(lam=lam), family="bernoulli")
chosen = [g for g, b in zip(m.feature_names_, m.coef_) if b != 0]
print(f"lam = {lam}: {len(chosen)} genes selected (exact zeros elsewhere); duality gap {m.duality_gap_:.1e}, "
      f"KKT violation {m.kkt_violation_:.1e}; scikit-learn: LogisticRegression(penalty='l1', C={m.C_:g})")
print("selected:", chosen)
""",
    """md:## The posterior: a regularized horseshoe, sampled by Pólya-Gamma Gibbs

`bs.fit(..., family="bernoulli")` samples the posterior with the dedicated Gibbs sampler (Pólya-Gamma augmentation:
given latent weights the logistic likelihood is Gaussian, so every prior's fast $p \\gg n$ block applies). The
default `draws="auto"` samples until R-hat and ESS pass (or the time budget runs out) and says which.""",
    """
fit = bs.fit(X, y, bs.Horseshoe(expected_nonzero=5), family="bernoulli", random_seed=0, progressbar=False, max_time=240)
print(fit.run.describe())
""",
    """md:## Side by side: posterior inclusion, lasso CV, path entry, stability

`bs.compare_selection` puts the posterior's decision (here $1 - E[\\kappa_j] > 0.5$, the horseshoe's shrinkage rule)
beside the L1-logistic selections at $\\lambda_{min}$ and $\\lambda_{1se}$ of a cross-validated log-loss, the order
in which genes enter the L1-logistic path, and stability selection.""",
    """
table = bs.compare_selection(fit, X, y, n_subsamples=50)
cols = ["mean", "hdi_low", "hdi_high", "inclusion_prob", "selected_bayes", "selected_lasso_cv", "selected_lasso_1se",
        "entry_rank", "stability_freq"]
top = table.sort_values("inclusion_prob", ascending=False).head(12)[cols]
top.assign(causal=top.index.isin(causal))
""",
    """
for col in ["selected_bayes", "selected_lasso_cv", "selected_lasso_1se", "selected_stability"]:
    sel = set(table.index[table[col]])
    print(f"{col:>20}: {len(sel):3d} genes, {len(sel & set(causal))} of {len(causal)} causal, {len(sel - set(causal))} others")
""",
    """md:Read the counts with the intervals above: the lasso at its CV-optimal penalty finds most causal genes but
buries them among many others, the 1-SE penalty and stability selection keep fewer. The posterior selects only
the genes whose shrinkage factor says they are more signal than noise, and puts a probability on every other
gene: causal genes that share evidence with a correlated neighbour get split, moderate probabilities rather than a
confident yes or no. If the verdict printed after sampling says the time budget ran out, raise `max_time`
before reading the decimals.""",
    """md:## What the posterior says that the lasso cannot

The lasso gives each selected gene one number. The posterior gives each gene an interval and a probability: a
gene whose correlated neighbour can stand in for it has a wide interval and a split inclusion probability, which is
the honest answer when the data cannot tell the two apart.""",
    """
bs.plots.plot_coefficients(fit, table, top=15).figure
""",
    """
bs.plots.plot_inclusion_manhattan(table).figure
""",
    """md:## Calibration: do the predicted probabilities mean what they say?

The posterior predictive probability of disease for each patient, binned, against the observed frequency of
disease in the bin (a reliability diagram). Points near the diagonal mean calibrated probabilities; in-sample,
some optimism is expected.""",
    """
prob = fit.idata.posterior_predictive["y"].mean(("chain", "draw")).values if "posterior_predictive" in fit.idata else None
if prob is None:
    from scipy.special import expit
    post = fit.idata.posterior
    eta = fit.design.linear_predictor(post["beta"].values, post["intercept"].values)
    prob = expit(eta).mean(axis=(0, 1))
bins = np.quantile(prob, np.linspace(0, 1, 6))
which = np.clip(np.searchsorted(bins, prob, side="right") - 1, 0, 4)
fig, ax = plt.subplots(figsize=(4.2, 4))
ax.plot([0, 1], [0, 1], color="grey", lw=1)
ax.plot([prob[which == b].mean() for b in range(5)], [y.values[which == b].mean() for b in range(5)], "o-")
ax.set_xlabel("predicted probability of disease"); ax.set_ylabel("observed frequency");
""",
    """md:## Exercises

1. Refit with `bs.Laplace(lam=lam)` (the Bayesian lasso at the same $\\lambda$ as the MAP above). Is the posterior
   mean sparse? Compare the posterior median of each selected gene with its MAP value.
2. Make the problem harder (`signal=1.0`) and rerun: which method loses the causal genes first, and what does the
   posterior's verdict (`fit.run.describe()`, `fit.competing_supports()`) say?""",
]

NOTEBOOKS = {
    "01_map_equals_penalty": MAP,
    "02_diabetes_priors": DIABETES,
    "03_p_much_greater_than_n": WIDE,
    "04_correlated_predictors": CORRELATED,
    "05_prior_to_penalty_one_page": INSTRUCTORS,
    "06_gene_network": NETWORK,
    "07_disease_vs_healthy": DISEASE,
}


def execute(book, path):
    from nbclient import NotebookClient

    NotebookClient(
        book,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return book


def main(argv=()):
    wanted = [k for k in NOTEBOOKS if not argv or any(k.startswith(a) for a in argv)]
    for name in wanted:
        path = HERE / f"{name}.ipynb"
        book = execute(nb(NOTEBOOKS[name], name), path)
        for cell in book.cells:
            cell.metadata.pop("execution", None)
        nbf.write(book, path)
        n_img = sum("image/png" in o.get("data", {}) for c in book.cells if c.cell_type == "code" for o in c.outputs)
        print(f"{path.name}: {n_img} figures")


if __name__ == "__main__":
    main(sys.argv[1:])
