"""The shared Gaussian draw of beta and the noise block of every Gibbs sweep.

For the conditionally Gaussian model ``y_c = Z beta + e``, ``e ~ N(0, sigma**2 I)``,
``beta ~ N(0, sigma**2 diag(g))`` (g is the prior variance in units of sigma**2):

* the posterior of beta given sigma**2 is ``N(m, sigma**2 S)`` with
  ``S = (Z'Z + diag(1/g))**-1`` and ``m = S Z' y_c``;
* with beta integrated out, ``y_c ~ N(0, sigma**2 M)``, ``M = I_n + Z diag(g) Z'``.

Both use one factorisation: of the p x p matrix ``B = I_p + G Z'Z G`` with
``G = diag(sqrt(g))`` when n >= p (Rue 2001; never worse conditioned than I),
or of the n x n matrix ``M`` when p > n (Bhattacharya, Chakraborty & Mallick
2016), so no p x p matrix is ever formed when p > n. ``|M| = |B|`` (Sylvester).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import linalg
from scipy.linalg import blas

from ._collapsed import _REASSOC

__all__ = [
    "LinearData",
    "WeightedData",
    "weighted_centred",
    "GaussianFactor",
    "factorize",
    "SpectralScale",
    "inv_gamma",
    "draw_sigma2_marginal",
    "draw_sigma2_given_beta",
    "draw_noise_and_beta",
    "draw_given_variances",
]


@dataclass(frozen=True)
class LinearData:
    """Centred design and response with the products every sweep reuses."""

    Z: np.ndarray
    ZT: np.ndarray  # p x n transpose, rows contiguous (single-site updates read columns of Z)
    yc: np.ndarray
    Zty: np.ndarray
    yty: float
    ZtZ: np.ndarray | None  # only when n >= p
    col_norm2: np.ndarray  # ||z_j||^2 (>= tiny)

    @classmethod
    def from_arrays(cls, Z, yc):
        Z = np.ascontiguousarray(Z, dtype=float)
        yc = np.ascontiguousarray(yc, dtype=float)
        n, p = Z.shape
        col_norm2 = np.maximum(np.einsum("ij,ij->j", Z, Z), 1e-300)
        return cls(
            Z=Z,
            ZT=np.ascontiguousarray(Z.T),
            yc=yc,
            Zty=Z.T @ yc,
            yty=float(yc @ yc),
            ZtZ=Z.T @ Z if n >= p else None,
            col_norm2=col_norm2,
        )

    @property
    def n(self) -> int:
        return self.Z.shape[0]

    @property
    def p(self) -> int:
        return self.Z.shape[1]

    @property
    def wide(self) -> bool:
        return self.ZtZ is None


@dataclass(frozen=True)
class WeightedData(LinearData):
    """Pseudo-data of a weighted Gaussian likelihood with the flat-prior intercept
    integrated out (:func:`weighted_centred`), plus what the intercept's own
    conditional needs."""

    sum_w: float  # sum_i w_i
    sum_wz: float  # sum_i w_i z_i
    wmean_Z: np.ndarray  # sum_i w_i Z_i / sum_i w_i (p)

    def draw_intercept(self, rng, beta) -> float:
        """``b0 | beta, w ~ N(sum_i w_i (z_i - Z_i beta) / sum w, 1 / sum w)``."""
        mean = self.sum_wz / self.sum_w - float(self.wmean_Z @ beta)
        return mean + rng.standard_normal() / np.sqrt(self.sum_w)


def weighted_centred(Z, ZT, wz, w, *, reuse=False) -> WeightedData:
    """Integrate a flat-prior intercept out of ``prod_i N(z_i | b0 + Z_i beta, 1 / w_i)``.

    With ``u = sqrt(w)`` the likelihood in ``(b0, beta)`` is ``exp(-||u z - u b0 - diag(u) Z beta||^2 / 2)``;
    integrating b0 over the line projects out ``u``:
    ``exp(-||a - Phi beta||^2 / 2)`` up to a factor free of beta, with
    ``Phi = diag(u) (Z - 1 zbar_w')`` and ``a = u (z - zbar)`` (weighted means
    ``zbar_w = Z'w / sum w``, ``zbar = w'z / sum w``). This is the unit-weight
    centring of y and Z generalised to weights, so every Gaussian block applies
    to ``(Phi, a)`` with sigma = 1. ``wz`` is ``w * z`` (the Polya-Gamma
    pseudo-response times its precision, ``kappa``, which stays finite as w -> 0).

    ``ZT`` is ``Z.T`` (C-ordered); both are read, neither is modified.
    ``reuse=True`` (the Gibbs chains) writes ``Phi`` and ``Phi'`` into arrays
    that the next ``reuse=True`` call in the same thread overwrites
    (:func:`bayes_sparse.samplers._weighted.centre_weighted`): the result is
    valid until then.
    """
    from ._weighted import centre_weighted

    w = np.ascontiguousarray(w, dtype=float)
    sum_w = float(w.sum())
    sum_wz = float(np.sum(wz))
    u = np.sqrt(w)
    wmean_Z = (w @ Z) / sum_w
    a = wz / np.maximum(u, 1e-300) - u * (sum_wz / sum_w)
    Phi, PhiT, col_norm2, Zty = centre_weighted(Z, ZT, u, wmean_Z, a, reuse=reuse)
    n, p = Z.shape
    return WeightedData(
        Z=Phi,
        ZT=PhiT,
        yc=a,
        Zty=Zty,
        yty=float(a @ a),
        ZtZ=Phi.T @ Phi if n >= p else None,
        col_norm2=col_norm2,
        sum_w=sum_w,
        sum_wz=sum_wz,
        wmean_Z=wmean_Z,
    )


def _gram_rows(A):
    """A A' by BLAS's symmetric rank-k update; only the lower triangle is filled,
    which is all that Cholesky (lower) and eigh (lower) read."""
    # A' is Fortran-ordered p x n when A is C-ordered: syrk with trans=1 reads it without a copy
    return blas.dsyrk(1.0, A.T, lower=1, trans=1)


_scratch = threading.local()


def scratch_arrays(key, *shapes):
    """Arrays of the given shapes kept per thread under ``key`` and handed out again
    by the next call with the same key and shapes (their contents are then
    overwritten): a fresh 16 MB array every iteration costs page faults."""
    bufs = getattr(_scratch, key, None)
    if bufs is None or [b.shape for b in bufs] != list(shapes):
        bufs = tuple(np.empty(shape) for shape in shapes)
        setattr(_scratch, key, bufs)
    return bufs


@njit(cache=True, fastmath=_REASSOC)
def _scale_and_times(Z, s, xi, buf, out):
    """``buf = Z diag(s)`` and ``out = buf @ xi`` in one pass (the product is free
    while the scaled entry is in a register; the pass is memory-bound)."""
    n, p = Z.shape
    for i in range(n):
        acc = 0.0
        for j in range(p):
            v = Z[i, j] * s[j]
            buf[i, j] = v
            acc += v * xi[j]
        out[i] = acc


def _scaled_gram(Z, g, xi=None):
    """``Z diag(g) Z'`` (lower triangle) through ``Z * sqrt(g)`` written into a
    reused scratch array: a fresh n x p temporary each call costs about a quarter
    of the Gram at n = 100, p = 20,000 (page faults on 16 MB).

    With ``xi`` (length p) also returns ``Z diag(sqrt(g)) xi``, formed in the
    scaling pass: ``(gram, product)``.
    """
    (buf,) = scratch_arrays("scaled_design", Z.shape)
    if xi is None:
        np.multiply(Z, np.sqrt(g), out=buf)
        return _gram_rows(buf)
    out = np.empty(Z.shape[0])
    _scale_and_times(Z, np.sqrt(g), np.ascontiguousarray(xi, dtype=float), buf, out)
    return _gram_rows(buf), out


def warm_up():
    """Compile (or load from Numba's cache) the fused scaling pass."""
    _scaled_gram(np.ones((2, 3)), np.ones(3), np.ones(3))


@dataclass(frozen=True)
class GaussianFactor:
    """Factorisation of the model for one value of the scaled prior variances g."""

    data: LinearData
    g: np.ndarray
    chol: np.ndarray  # lower Cholesky factor of B (n >= p) or of M (p > n)
    logdet: float  # log |M| = log |B|
    quad: float  # y_c' M^-1 y_c
    _aux: np.ndarray  # B^-1 G Z'y (n >= p) or M^-1 y_c (p > n)

    def draw_beta(self, rng, sigma2: float) -> np.ndarray:
        """One draw of beta ~ N(m, sigma**2 S)."""
        d = self.data
        sigma = np.sqrt(sigma2)
        if not d.wide:
            # beta = G (B^-1 G Z'y + sigma L^-T z)   (Rue 2001, scaled by G)
            z = rng.standard_normal(d.p)
            u = linalg.solve_triangular(self.chol, z, lower=True, trans="T")
            return np.sqrt(self.g) * (self._aux + sigma * u)
        # Bhattacharya et al. 2016 with Phi = Z / sigma, D = sigma^2 g:
        # u ~ N(0, D); v = Phi u + delta; w = M^-1 (y/sigma - v); beta = u + D Phi' w
        u = sigma * np.sqrt(self.g) * rng.standard_normal(d.p)
        v = d.Z @ u / sigma + rng.standard_normal(d.n)
        w = linalg.cho_solve((self.chol, True), d.yc / sigma - v)
        return u + sigma * self.g * (d.Z.T @ w)

    def mean_beta(self) -> np.ndarray:
        """Posterior mean m = S Z' y_c (does not depend on sigma)."""
        d = self.data
        if not d.wide:
            return np.sqrt(self.g) * self._aux
        return self.g * (d.Z.T @ self._aux)


#: Prior variances (in units of sigma^2) are kept within [G_FLOOR, G_CAP] times
#: 1 / ||z_j||^2. Above the cap a coefficient is unpenalised to 1e-10 relative
#: precision, while M = I + Z g Z' would lose its identity part to rounding;
#: below the floor it is zero to 1e-150, while smaller values make subnormal
#: products that slow BLAS down by orders of magnitude.
G_CAP = 1e10
G_FLOOR = 1e-150

#: :meth:`SpectralScale.draw_beta_and_fitted` forms ``Z beta`` from the decomposition
#: only while ``t max(e) <= FITTED_MAX_SCALE``: beta = u + g Z'x carries rounding
#: errors of about eps t max(e) relative, which ``Z @ beta`` sees and the O(n^2)
#: form does not; below this scale the two agree to ~1e-10 relative.
FITTED_MAX_SCALE = 1e6


def _cap(data: LinearData, g):
    g = np.asarray(g, dtype=float)
    return np.clip(g, G_FLOOR / data.col_norm2, G_CAP / data.col_norm2)


def factorize(data: LinearData, g) -> GaussianFactor:
    """Factorise for scaled prior variances ``g`` (length p, positive)."""
    g = _cap(data, g)
    if not data.wide:
        sg = np.sqrt(g)
        B = data.ZtZ * np.outer(sg, sg)
        B.flat[:: B.shape[0] + 1] += 1.0  # the diagonal, without building index arrays
        L = linalg.cholesky(B, lower=True, check_finite=False)
        b = sg * data.Zty
        t = linalg.solve_triangular(L, b, lower=True, check_finite=False)
        aux = linalg.solve_triangular(L, t, lower=True, trans="T", check_finite=False)
        quad = data.yty - t @ t
    else:
        M = _scaled_gram(data.Z, g)
        M.flat[:: M.shape[0] + 1] += 1.0
        L = linalg.cholesky(M, lower=True, check_finite=False)
        aux = linalg.cho_solve((L, True), data.yc, check_finite=False)
        quad = float(data.yc @ aux)
    logdet = 2.0 * float(np.sum(np.log(np.diag(L))))
    return GaussianFactor(data=data, g=g, chol=L, logdet=logdet, quad=max(float(quad), 1e-300), _aux=aux)


class SpectralScale:
    """The model at prior variances ``g = t h`` for any scalar t, from one eigendecomposition.

    ``log|M(t)|`` and ``y_c' M(t)^-1 y_c`` (``M(t) = I + t Z diag(h) Z'``) cost
    O(min(n, p)) per evaluation: one eigendecomposition of ``Z diag(h) Z'``
    (p > n) or of ``H Z'Z H`` with ``H = diag(sqrt(h))`` (n >= p) serves every t.
    This is what updates the horseshoe's global scale from its exact marginal
    cheaply; :meth:`draw_beta` then draws beta at the chosen t without another
    factorisation.

    ``xi`` (p > n): a standard normal p-vector drawn ahead for the next beta
    draw; ``Z diag(sqrt(h)) xi`` is then formed in the Gram's scaling pass
    (:attr:`z_sqrt_h_xi`), which saves that draw a pass over Z.
    """

    def __init__(self, data: LinearData, h, xi=None):
        h = _cap(data, h)
        self.data, self.h = data, h
        self.wide = data.wide
        #: ``Z diag(sqrt(h)) xi`` when ``xi`` was given (p > n), formed with the Gram
        self.z_sqrt_h_xi = None
        if data.wide:
            if xi is None:
                K = _scaled_gram(data.Z, h)
            else:
                K, self.z_sqrt_h_xi = _scaled_gram(data.Z, h, xi)
            r = data.yc
        else:
            sh = np.sqrt(h)
            K = data.ZtZ * np.outer(sh, sh)
            r = sh * data.Zty
        e, self.U = linalg.eigh(K, lower=True, check_finite=False, driver="evd")  # divide & conquer: faster than evr
        self.e = np.maximum(e, 0.0)
        self.r = self.U.T @ r
        self.r2 = self.r**2

    def logdet(self, t: float) -> float:
        return float(np.sum(np.log1p(t * self.e)))

    def quad(self, t: float) -> float:
        if self.wide:
            return float(np.sum(self.r2 / (1.0 + t * self.e)))
        # Woodbury: y'y - t r' (I + t K)^-1 r
        return max(self.data.yty - t * float(np.sum(self.r2 / (1.0 + t * self.e))), 1e-300)

    def at(self, t: float) -> _SpectralFactor:
        """The factorisation at ``g = t h``, with the interface of :class:`GaussianFactor`."""
        return _SpectralFactor(self, float(t))

    def draw_beta(self, rng, sigma2: float, t: float) -> np.ndarray:
        """beta ~ N(m, sigma**2 S) at g = t h (same law as :meth:`GaussianFactor.draw_beta`)."""
        return self.draw_beta_and_fitted(rng, sigma2, t)[0]

    def draw_beta_and_fitted(self, rng, sigma2: float, t: float):
        """:meth:`draw_beta` and ``Z beta`` (p > n: from the decomposition in O(n^2),
        not another pass over Z; the draw is the same, same random stream)."""
        d, sigma = self.data, np.sqrt(sigma2)
        w = 1.0 + t * self.e
        th = t * self.h
        g = _cap(d, th)
        if not d.wide:
            # B = I + t K = U diag(w) U'; U diag(w^-1/2) z has covariance B^-1
            sg = np.sqrt(g)
            mean = self.U @ (np.sqrt(t) * self.r / w)  # B^-1 sqrt(g) Z'y, with sqrt(g) = sqrt(t) sqrt(h)
            noise = self.U @ (rng.standard_normal(d.p) / np.sqrt(w))
            beta = sg * (mean + sigma * noise)
            return beta, d.Z @ beta
        u = sigma * np.sqrt(g) * rng.standard_normal(d.p)
        Zu = d.Z @ u
        v = Zu / sigma + rng.standard_normal(d.n)
        c = (self.U.T @ (d.yc / sigma - v)) / w
        x = self.U @ c  # M^-1 (y/sigma - v)
        beta = u + sigma * g * (d.Z.T @ x)
        if t * self.e[-1] > FITTED_MAX_SCALE or not np.array_equal(g, th):  # (a capped g: Z diag(g) Z' is not t K)
            return beta, d.Z @ beta
        # Z diag(g) Z' x = t K x = U diag(t e / w) U' (y/sigma - v)
        return beta, Zu + sigma * (self.U @ (t * self.e * c))


@dataclass(frozen=True)
class _SpectralFactor:
    spectral: SpectralScale
    t: float

    @property
    def quad(self) -> float:
        return self.spectral.quad(self.t)

    def draw_beta(self, rng, sigma2: float) -> np.ndarray:
        return self.spectral.draw_beta(rng, sigma2, self.t)


# ----------------------------------------------------------------------------- noise block
def inv_gamma(rng, shape, rate):
    """Draw from IG(shape, rate) (density ∝ x^(-shape-1) exp(-rate/x)), one per rate entry."""
    shape_out = np.broadcast_shapes(np.shape(shape), np.shape(rate))
    draw = rate / rng.gamma(shape, size=shape_out)
    return float(draw) if draw.ndim == 0 else draw


def draw_sigma2_marginal(rng, quad: float, n: int, noise) -> float:
    """sigma**2 | prior variances, y with beta integrated out (priors conditional on sigma):
    ``IG(a0 + n'/2, b0 + y' M^-1 y / 2)``, ``n' = n - 1`` (the centred intercept)."""
    if noise.fixed is not None:
        return noise.fixed**2
    return inv_gamma(rng, noise.shape + 0.5 * (n - 1), noise.rate + 0.5 * quad)


def draw_sigma2_given_beta(rng, beta, data: LinearData, noise) -> float:
    """sigma**2 | beta, y: ``IG(a0 + n'/2, b0 + RSS/2)`` (priors not scaled by sigma)."""
    if noise.fixed is not None:
        return noise.fixed**2
    r = data.yc - data.Z @ beta
    return inv_gamma(rng, noise.shape + 0.5 * (data.n - 1), noise.rate + 0.5 * (r @ r))


def draw_noise_and_beta(rng, factor, n: int, noise):
    """The shared last step of a sweep for priors conditional on sigma: sigma**2 from
    its conditional with beta integrated out, then ``beta | sigma**2`` from ``factor``
    (a :class:`GaussianFactor` or :meth:`SpectralScale.at`). A joint draw of
    (sigma**2, beta) given the prior variances."""
    sigma2 = draw_sigma2_marginal(rng, factor.quad, n, noise)
    return float(sigma2), factor.draw_beta(rng, sigma2)


def draw_given_variances(rng, data: LinearData, v, conditional: bool, beta, noise):
    """The shared Gaussian draw of a sweep given the prior variances ``v`` of beta:
    in units of sigma**2 when the prior is ``conditional`` on sigma (then (sigma**2, beta)
    jointly, :func:`draw_noise_and_beta`), absolute otherwise (then the noise block
    sigma**2 | current ``beta`` first, and beta | sigma**2). Returns ``(sigma2, beta)``."""
    if conditional:
        return draw_noise_and_beta(rng, factorize(data, v), data.n, noise)
    sigma2 = draw_sigma2_given_beta(rng, beta, data, noise)
    return float(sigma2), factorize(data, v / sigma2).draw_beta(rng, sigma2)
