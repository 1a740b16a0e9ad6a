"""The ``bayes-sparse`` command line."""

from __future__ import annotations

import argparse
import sys

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
    w(f"{'lam':>10} {'alpha':>10} {'nonzero':>8} {'objective':>14} {'duality gap':>12} {'KKT viol.':>10} {'max|MAP-Lasso|':>15}\n")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayes-sparse", description="Bayesian sparse regression with honest uncertainty."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="MAP = penalised optimum on the built-in diabetes data")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return demo()
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
