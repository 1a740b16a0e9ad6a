"""The teaching explorer: closed forms, numerical integration, and the static path without ipywidgets.

Independent truths: the soft-threshold rule and the ridge rule (closed forms),
scikit-learn's Lasso / Ridge in two dimensions, adaptive quadrature
(scipy.integrate.quad) of the 1-D posterior for its mean and median, and the
horseshoe's scale-mixture integral for its marginal density.
"""

import io
import sys

import matplotlib
import numpy as np
import pytest
from scipy import integrate, optimize, stats
from sklearn.linear_model import Lasso, Ridge

from bayes_sparse import teach

#: The explorer integrates on a grid (trapezoid); quad is adaptive. Agreement
#: to 1e-4 standard errors is far below what a figure can show.
MOMENT_ATOL_SE = 1e-4
#: The horseshoe's closed-form marginal against its mixture integral.
DENSITY_RTOL = 1e-7
#: sklearn's coordinate descent at tol=1e-12 against the certified solver.
SOLVER_ATOL = 1e-8

SETTINGS = [
    # (lam, sigma, z, n)
    (1.0, 1.0, 1.5, 1),
    (3.0, 0.5, -0.4, 1),
    (20.0, 2.0, 0.9, 25),
    (0.2, 1.0, 4.0, 4),
]


def quad_moments(logprior, z, se):
    """Posterior mean and median by adaptive quadrature, breakpoints at 0 and z."""
    lo, hi = min(z, 0) - 12 * se, max(z, 0) + 12 * se

    def dens(b):
        return np.exp(logprior(b) - 0.5 * ((b - z) / se) ** 2)

    def integral(f, a, b):
        # split at 0 (kink / log-singularity) and z: quad handles endpoint singularities best
        edges = [a] + [p for p in sorted({0.0, z}) if a < p < b] + [b]
        return sum(integrate.quad(f, u, v, limit=500, epsabs=0, epsrel=1e-10)[0] for u, v in zip(edges, edges[1:]))

    norm = integral(dens, lo, hi)
    mean = integral(lambda b: b * dens(b), lo, hi) / norm
    median = optimize.brentq(lambda m: integral(dens, lo, m) / norm - 0.5, lo + 1e-9, hi - 1e-9, xtol=1e-12)
    return mean, median


def horseshoe_mixture_pdf(b, sigma, tau):
    """p(b) = int_0^inf N(b; 0, sigma^2 tau^2 l^2) 2 / (pi (1 + l^2)) dl."""
    f = lambda lam: stats.norm.pdf(b, 0, sigma * tau * lam) * 2 / (np.pi * (1 + lam**2))
    return integrate.quad(f, 0, np.inf, limit=500, epsabs=0, epsrel=1e-12)[0]


LOGPRIOR = {
    "laplace": lambda lam, sigma: lambda b: stats.laplace(scale=sigma / lam).logpdf(b),
    "gaussian": lambda lam, sigma: lambda b: stats.norm(scale=sigma / np.sqrt(lam)).logpdf(b),
    "horseshoe": lambda lam, sigma: lambda b: float(teach.prior_logpdf("horseshoe", b, lam=lam, sigma=sigma)),
}


@pytest.mark.parametrize("b", [1e-6, 0.01, 0.3, 1.0, 4.0, 30.0])
@pytest.mark.parametrize("sigma, tau", [(1.0, 1.0), (2.0, 0.1)])
def test_horseshoe_density_equals_its_scale_mixture(b, sigma, tau):
    got = np.exp(teach.prior_logpdf("horseshoe", b, lam=1 / tau, sigma=sigma))
    np.testing.assert_allclose(got, horseshoe_mixture_pdf(b, sigma, tau), rtol=DENSITY_RTOL)


def test_horseshoe_density_is_unbounded_at_zero():
    assert teach.prior_logpdf("horseshoe", 0.0, lam=1.0, sigma=1.0) == np.inf


@pytest.mark.parametrize("lam, sigma, z, n", SETTINGS)
def test_laplace_map_is_the_soft_threshold(lam, sigma, z, n):
    post = teach.posterior_1d("laplace", lam=lam, sigma=sigma, z=z, n=n)
    alpha = lam * sigma / n
    assert post.alpha == pytest.approx(alpha, rel=1e-15)
    assert post.map == pytest.approx(np.sign(z) * max(abs(z) - alpha, 0.0), abs=1e-15)
    # and it is the mode of the posterior the explorer draws (up to the grid spacing)
    k = np.argmax(post.posterior_pdf)
    assert abs(post.grid[k] - post.map) <= np.max(np.diff(post.grid))


@pytest.mark.parametrize("lam, sigma, z, n", SETTINGS)
def test_gaussian_map_mean_median_are_the_ridge_rule(lam, sigma, z, n):
    post = teach.posterior_1d("gaussian", lam=lam, sigma=sigma, z=z, n=n)
    ridge = z * n / (n + lam)  # posterior precision (n + lam) / sigma^2, mean n z / (n + lam)
    se = sigma / np.sqrt(n)
    assert post.map == pytest.approx(ridge, abs=1e-14)
    assert post.mean == pytest.approx(ridge, abs=MOMENT_ATOL_SE * se)
    assert post.median == pytest.approx(ridge, abs=MOMENT_ATOL_SE * se)


@pytest.mark.parametrize("prior", teach.PRIORS)
@pytest.mark.parametrize("lam, sigma, z, n", SETTINGS)
def test_posterior_mean_and_median_match_quadrature(prior, lam, sigma, z, n):
    post = teach.posterior_1d(prior, lam=lam, sigma=sigma, z=z, n=n)
    se = sigma / np.sqrt(n)
    mean, median = quad_moments(LOGPRIOR[prior](lam, sigma), z, se)
    print(
        f"{prior} {lam, sigma, z, n}: mean {post.mean:.6f} (quad {mean:.6f}), "
        f"median {post.median:.6f} (quad {median:.6f})"
    )
    assert post.mean == pytest.approx(mean, abs=MOMENT_ATOL_SE * se)
    assert post.median == pytest.approx(median, abs=MOMENT_ATOL_SE * se)


def test_laplace_posterior_mean_is_not_sparse():
    """Below the threshold the MAP is exactly 0; the posterior mean and median are not."""
    post = teach.posterior_1d("laplace", lam=2.0, sigma=1.0, z=1.5)
    assert post.map == 0.0
    assert post.mean > 0.1 and post.median > 0.05


def test_2d_maps_equal_sklearn():
    lam, sigma = 10.0, 1.5
    lasso = teach.posterior_2d("laplace", lam=lam, sigma=sigma)
    Z, yc = teach._toy_2d()
    n = len(yc)
    ref = Lasso(alpha=lam * sigma / n, fit_intercept=False, tol=1e-12, max_iter=10**6).fit(Z, yc).coef_
    np.testing.assert_allclose(lasso.map, ref, atol=SOLVER_ATOL)
    ridge = teach.posterior_2d("gaussian", lam=lam, sigma=sigma)
    np.testing.assert_allclose(ridge.map, Ridge(alpha=lam, fit_intercept=False).fit(Z, yc).coef_, atol=1e-12)
    assert teach.posterior_2d("horseshoe", lam=lam, sigma=sigma).map is None
    # the Gaussian posterior is Gaussian: its grid mean is the ridge solution
    np.testing.assert_allclose(ridge.mean, ridge.map, atol=1e-3)


def test_2d_lasso_zero_coefficient_sits_on_a_corner():
    post = teach.posterior_2d("laplace", lam=60.0, sigma=1.0)
    assert post.map[1] == 0.0 and post.map[0] > 0


@pytest.fixture
def no_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import raises ImportError


@pytest.mark.parametrize("prior", teach.PRIORS)
@pytest.mark.parametrize("dim", [1, 2])
def test_explore_without_widgets_returns_the_static_figure(no_ipywidgets, prior, dim):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = teach.explore(prior, dim=dim, lam=2.0, sigma=1.0)
    assert plt.get_fignums() == before  # no pyplot state
    assert isinstance(fig, matplotlib.figure.Figure)
    axes = fig.get_axes()
    assert len(axes) == (2 if dim == 1 else 1)
    labels = [line.get_label() for line in axes[0].lines]
    assert any(lab.startswith("posterior mean") for lab in labels)
    has_map = any(lab.startswith("MAP") for lab in labels)
    assert has_map == (prior != "horseshoe")
    if prior == "laplace" and dim == 1:
        assert any("soft-threshold, alpha = 2" in lab for lab in labels)
    fig.savefig(io.BytesIO(), format="png")  # it renders


def test_explore_widgets_true_without_ipywidgets_raises(no_ipywidgets):
    with pytest.raises(ImportError, match=r'pip install "bayes_sparse\[teach\]"'):
        teach.explore("laplace", widgets=True)


def test_explore_with_widgets_updates_the_image():
    w = pytest.importorskip("ipywidgets")
    box = teach.explore("laplace", lam=1.0, sigma=1.0)
    assert isinstance(box, w.VBox)
    sliders = {c.description: c for c in box.children[0].children}
    assert set(sliders) == {"lam", "sigma", "z"}
    image = box.children[1]
    before = image.value
    sliders["lam"].value = 5.0
    assert image.value != before
    fig = teach.explore("gaussian", dim=2, widgets=False)
    assert isinstance(fig, matplotlib.figure.Figure) and fig._repr_png_().startswith(b"\x89PNG")


@pytest.mark.parametrize("dim", [1, 2])
def test_small_multiples_one_panel_per_lam(dim):
    fig = teach.small_multiples("laplace", lams=(0.5, 2.0, 8.0), dim=dim)
    assert [ax.get_title() for ax in fig.get_axes()] == ["lam = 0.5", "lam = 2", "lam = 8"]


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: teach.explore("cauchy"), ValueError, "unknown prior 'cauchy'; choose one of"),
        (lambda: teach.explore(3), TypeError, "prior must be one of"),
        (lambda: teach.explore("laplace", dim=3), ValueError, "dim must be 1 or 2, got 3"),
        (lambda: teach.explore("laplace", lam=0.0), ValueError, "lam must be positive and finite, got 0.0"),
        (lambda: teach.explore("laplace", sigma="1"), TypeError, "sigma must be a positive number"),
        (lambda: teach.explore("laplace", widgets="yes"), TypeError, "widgets must be True, False or None"),
        (lambda: teach.posterior_1d("laplace", z=np.nan), TypeError, "z must be a finite number"),
        (lambda: teach.posterior_1d("laplace", n=0), ValueError, "n must be a positive integer, got 0"),
        (lambda: teach.small_multiples("laplace", lams=()), ValueError, "lams must hold at least one value"),
        (
            lambda: teach.posterior_2d("laplace", data=(np.ones((5, 3)), np.ones(5))),
            ValueError,
            "Z of shape \\(n, 2\\)",
        ),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
