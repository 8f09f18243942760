"""Pseudospectra: ``σ_min(zI − A)`` on a grid of the complex plane, dense and matrix-free.

The ε-pseudospectrum of ``A`` (the game Jacobian ``J`` or an operator Jacobian ``T``) is

    ``Λ_ε(A) = {z : σ_min(zI − A) < ε} = {z : ‖(zI − A)⁻¹‖₂ > 1/ε}``,

the set of points that are eigenvalues of some ``A + E`` with ``‖E‖₂ < ε``. For a normal ``A``
it is the union of the disks of radius ε around the eigenvalues; for a non-normal one it can be
far larger, and then the eigenvalues alone say little about how ``A`` acts (transient growth,
:mod:`.transient`; sensitivity of the eigenvalues, :mod:`.conditioning`).

* **Dense** (:func:`dense_pseudospectrum`, :class:`SchurResolvent`): the complex Schur form
  ``A = Q R Qᴴ`` once (``O(n³)``); ``σ_min(zI − A) = σ_min(zI − R)`` (unitary invariance), found
  at each grid point by inverse Lanczos on ``((zI − R)ᴴ(zI − R))⁻¹``, two triangular solves
  (``O(n²)``) per step, until the largest Ritz value ``θ`` has residual ``≤ tol · θ``; then
  ``σ_min = θ^{-1/2}`` (Trefethen 1999, the algorithm of EigTool). A point where Lanczos does
  not converge in ``lanczos_steps`` steps, or where ``zI − R`` is numerically singular, falls
  back to the SVD of ``zI − R``. ``method="svd"`` is the reference: one SVD of ``zI − A`` per point.
* **Krylov-projected** (:func:`krylov_pseudospectrum`, matrix-free): ``m`` Arnoldi steps
  ``A V_m = V_{m+1} H̄_m`` (:func:`gamedyn.linalg.arnoldi`, ``m`` products), then
  ``σ_min(zĨ − H̄_m)`` with ``Ĩ`` the ``(m + 1) × m`` identity (Toh and Trefethen 1996). Since
  ``(zI − A) V_m = V_{m+1}(zĨ − H̄_m)`` and ``V_{m+1}`` is orthonormal, ``σ_min(zĨ − H̄_m) =
  min_{x ∈ range V_m} ‖(zI − A)x‖ ≥ σ_min(zI − A)``: the projected σ_min is never below the
  dense one (the projected resolvent norm never above it), so the projected ε-pseudospectra
  are **inside** the true ones — lower-bound pictures — and the nested Krylov spaces make the
  projected σ_min non-increasing in ``m``, equal to the dense value once the Krylov space is
  invariant (``m = n``).
* **Refinement** (:func:`refine_sigma_min`, matrix-free): inverse Lanczos at chosen points,
  each step two GMRES solves with ``zI − A`` and its adjoint (products of ``A`` and ``Aᵀ``).

Grids follow :func:`gamedyn.regions.rate_grid`: ``re`` and ``im`` are 1-D, the result has shape
``(len(im), len(re))`` (row ``i``, column ``j`` is ``z = re[j] + i·im[i]``), ready for
``contour(re, im, log10(σ))``.

References:
  L. N. Trefethen, "Computation of pseudospectra", Acta Numerica 8 (1999). K.-C. Toh and
  L. N. Trefethen, "Calculation of pseudospectra by the Arnoldi iteration", SIAM J. Sci.
  Comput. 17 (1996). L. N. Trefethen and M. Embree, *Spectra and Pseudospectra* (2005).

Example:
  >>> import numpy as np
  >>> jordan = np.diag(np.ones(3), 1)                  # a 4 × 4 Jordan block at 0
  >>> sigma = dense_pseudospectrum(jordan, [0.1], [0.0])
  >>> float(sigma[0, 0]) < 1e-4                       # ε-pseudospectra of radius ~ ε^{1/4}
  True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
import torch
from scipy.sparse.linalg import LinearOperator, aslinearoperator, gmres

from .. import _validate
from ..games._base import Game
from ..linalg import ArnoldiFactorisation, arnoldi, inverse_lanczos
from ..methods import Method
from ..spectrum._linear import DENSE_LIMIT, as_matrix, dense_matrix, operator_of, size_of
from ..spectrum._ordering import sort_eigenvalues
from ..vocabulary import DEFAULT_PRODUCT_MODE

__all__ = [
    "SchurResolvent",
    "dense_pseudospectrum",
    "svd_pseudospectrum",
    "projected_sigma_min",
    "KrylovPseudospectrum",
    "krylov_pseudospectrum",
    "refine_sigma_min",
    "pseudospectrum",
    "grid_points",
    "default_grid",
]

_GMRES_RTOL = "rtol" if "rtol" in inspect.signature(gmres).parameters else "tol"  # scipy < 1.12

LANCZOS_TOL = 1e-14
"""Relative residual at which inverse Lanczos accepts ``θ = 1/σ_min²``."""


def _axis(name: str, values: Any) -> np.ndarray:
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return array


def _grid_size(x: np.ndarray, y: np.ndarray) -> None:
    """Refuse, before any work, a grid of more than ``MAX_GRID_POINTS`` points."""
    _validate.at_most(
        f"the grid's points ({x.size:,} re × {y.size:,} im)",
        x.size * y.size,
        _validate.MAX_GRID_POINTS,
        "each point is a shifted solve; give a coarser grid",
    )


def grid_points(re: Any, im: Any) -> np.ndarray:
    """The complex grid ``re[j] + i·im[i]``, shape ``(len(im), len(re))`` (at most
    ``MAX_GRID_POINTS`` points)."""
    x, y = _axis("re", re), _axis("im", im)
    _grid_size(x, y)
    return x[None, :] + 1j * y[:, None]


def default_grid(
    eigenvalues: Any, points: int = 80, margin: float = 0.25, square: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``(re, im)`` axes covering ``eigenvalues`` with a relative ``margin`` on each side.

    With ``square`` both axes get the same spacing (equal-aspect plots), ``points`` along the
    longer side; the imaginary axis is symmetric (real matrices: conjugate-symmetric spectra).
    """
    lam = np.asarray(eigenvalues, dtype=complex).ravel()
    lam = lam[np.isfinite(lam)]
    if lam.size == 0:
        raise ValueError("eigenvalues is empty")
    points = _validate.integer_at_least("points", points, 2)
    lo, hi = float(lam.real.min()), float(lam.real.max())
    top = float(np.abs(lam.imag).max())
    span = max(hi - lo, 2 * top, 1e-3 * max(1.0, float(np.abs(lam).max())), 1e-12)
    pad = margin * span
    re_lo, re_hi, im_hi = lo - pad, hi + pad, top + pad
    if not square:
        return np.linspace(re_lo, re_hi, points), np.linspace(-im_hi, im_hi, points)
    step = max(re_hi - re_lo, 2 * im_hi) / (points - 1)
    nre = int(np.ceil((re_hi - re_lo) / step)) + 1
    nim = int(np.ceil(2 * im_hi / step)) + 1
    return np.linspace(re_lo, re_hi, nre), np.linspace(-im_hi, im_hi, nim)


class SchurResolvent:
    """``σ_min(zI − A)`` at any point ``z`` of a dense square ``A``, from its Schur form.

    The complex Schur form ``A = Q R Qᴴ`` is computed once (``scipy.linalg.schur``); each
    :meth:`sigma_min` runs inverse Lanczos on ``((zI − R)ᴴ(zI − R))⁻¹`` (two triangular
    solves per step) to relative residual ``tol``, and falls back to the SVD of ``zI − R``
    when Lanczos does not converge in ``lanczos_steps`` steps or ``zI − R`` is singular.

    Below ``svd_below`` unknowns each point is the SVD of the triangular ``zI − R`` (faster
    there than Lanczos' Python loop; ``svd_below=0`` forces Lanczos everywhere).

    Attributes:
      schur: the upper triangular ``R``; eigenvalues: its diagonal, sorted; n: the size.
      fallbacks: the points so far that needed the SVD.
    """

    def __init__(
        self,
        matrix: Any,
        tol: float = LANCZOS_TOL,
        lanczos_steps: int = 60,
        seed: int = 0,
        svd_below: int = 48,
    ) -> None:
        a = as_matrix("matrix", matrix)
        self.schur, _ = scipy.linalg.schur(a.astype(complex), output="complex")
        self.n = a.shape[0]
        self.tol = _validate.positive("tol", tol)
        self.lanczos_steps = _validate.integer_at_least("lanczos_steps", lanczos_steps, 1)
        rng = np.random.default_rng(seed)
        self._v0 = rng.standard_normal(self.n) + 1j * rng.standard_normal(self.n)
        self.eigenvalues = sort_eigenvalues(np.diag(self.schur))
        self.fallbacks = 0
        self.svd_below = _validate.integer_at_least("svd_below", svd_below, 0)
        (self._trtrs,) = scipy.linalg.get_lapack_funcs(("trtrs",), (self.schur,))

    def sigma_min(self, z: complex) -> float:
        """``σ_min(zI − A)``."""
        r = -self.schur.copy()
        r[np.diag_indices(self.n)] += z
        if self.n < self.svd_below:
            return float(np.linalg.svd(r, compute_uv=False)[-1])
        diagonal = np.abs(np.diag(r))
        if diagonal.min() <= 1e-14 * max(diagonal.max(), 1.0):  # (numerically) singular
            self.fallbacks += 1
            return float(np.linalg.svd(r, compute_uv=False)[-1])
        r = np.asfortranarray(r)

        def apply_inverse(q: np.ndarray) -> np.ndarray:
            w, info = self._trtrs(r, q, lower=0, trans=2)  # (zI − R)ᴴ w = q
            u, info2 = self._trtrs(r, w, lower=0, trans=0)  # (zI − R) u = w
            return u if info == info2 == 0 else np.full(self.n, np.nan)

        theta, converged = inverse_lanczos(
            apply_inverse, self.n, self._v0, self.tol, self.lanczos_steps
        )
        if not converged or not np.isfinite(theta) or theta <= 0:
            self.fallbacks += 1
            return float(np.linalg.svd(r, compute_uv=False)[-1])
        return float(1.0 / np.sqrt(theta))

    def grid(self, re: Any, im: Any) -> np.ndarray:
        """:meth:`sigma_min` on the grid ``(re, im)``, shape ``(len(im), len(re))``."""
        points = grid_points(re, im)
        return np.vectorize(self.sigma_min, otypes=[float])(points)


def dense_pseudospectrum(
    matrix: Any, re: Any, im: Any, *, method: str = "schur", tol: float = LANCZOS_TOL
) -> np.ndarray:
    """``σ_min(zI − A)`` on the grid ``(re, im)`` of a dense ``A``, shape ``(len(im), len(re))``.

    ``method="schur"`` (default): :class:`SchurResolvent`, ``O(n³)`` once and ``O(n²)`` per
    point; ``method="svd"``: :func:`svd_pseudospectrum`, an SVD per point (the reference).
    """
    method = _validate.choice("method", method, ("schur", "svd"))
    if method == "svd":
        return svd_pseudospectrum(matrix, re, im)
    return SchurResolvent(matrix, tol).grid(re, im)


def svd_pseudospectrum(matrix: Any, re: Any, im: Any) -> np.ndarray:
    """The reference: the smallest singular value of ``zI − A`` by LAPACK at every point."""
    a = as_matrix("matrix", matrix)
    points = grid_points(re, im)
    eye = np.eye(a.shape[0])
    out = np.empty(points.shape)
    for index, z in np.ndenumerate(points):
        out[index] = np.linalg.svd(z * eye - a, compute_uv=False)[-1]
    return out


def projected_sigma_min(hessenberg: Any, re: Any, im: Any, chunk: int = 2**22) -> np.ndarray:
    """``σ_min(zĨ − H̄)`` on the grid for an ``(m + 1) × m`` Hessenberg ``H̄`` (batched SVDs).

    ``Ĩ`` is the ``m × m`` identity with a zero row appended. With ``H̄`` from ``m`` Arnoldi
    steps on ``A`` this is ``≥ σ_min(zI − A)`` at every ``z`` (see the module docstring).
    """
    hbar = np.asarray(hessenberg, dtype=float)
    if hbar.ndim != 2 or hbar.shape[0] != hbar.shape[1] + 1 or hbar.shape[1] == 0:
        raise ValueError(f"hessenberg must be (m + 1) × m, got shape {hbar.shape}")
    if not np.all(np.isfinite(hbar)):
        raise ValueError("hessenberg has non-finite entries")
    m = hbar.shape[1]
    points = grid_points(re, im).ravel()
    eye = np.eye(m + 1, m)
    out = np.empty(points.size)
    per = max(1, chunk // ((m + 1) * m))
    for start in range(0, points.size, per):
        z = points[start : start + per]
        stack = z[:, None, None] * eye[None] - hbar[None]
        out[start : start + per] = np.linalg.svd(stack, compute_uv=False)[:, -1]
    return out.reshape(len(np.atleast_1d(im)), len(np.atleast_1d(re)))


class KrylovPseudospectrum(NamedTuple):
    """A Krylov-projected pseudospectrum: the grid of projected ``σ_min`` (never below the
    true ``σ_min``), the Ritz values (eigenvalues of ``H_m``, sorted), the factorisation and
    the products used (``m``)."""

    sigma_min: np.ndarray
    ritz_values: np.ndarray
    factorisation: ArnoldiFactorisation
    matvecs: int


def krylov_pseudospectrum(
    operator: Any,
    re: Any,
    im: Any,
    ncv: int,
    *,
    v0: Any = None,
    seed: int = 0,
    device: Any = None,
) -> KrylovPseudospectrum:
    """The Krylov-projected pseudospectrum of a matrix-free ``A`` from ``ncv`` Arnoldi steps.

    Args:
      operator: a :class:`~gamedyn.spectrum.JacobianOperator` (its torch products and
        device are used), a ``scipy.sparse.linalg.LinearOperator`` or a dense array.
      re, im: the grid axes.
      ncv: the basis size ``m`` (``1 ≤ m ≤ n``): ``m`` products.
      v0: the starting vector (default: standard normal from ``seed``).

    Returns:
      A :class:`KrylovPseudospectrum`; its ``sigma_min`` has shape ``(len(im), len(re))``.
    """
    matvec, n, device = _torch_matvec(operator, device)
    ncv = _validate.integer_at_least("ncv", ncv, 1)
    if ncv > n:
        raise ValueError(f"ncv = {ncv} is larger than the operator's size n = {n}")
    start = None if v0 is None else torch.as_tensor(np.asarray(v0, dtype=float))
    factorisation = arnoldi(matvec, n, ncv, v0=start, seed=seed, device=device)
    hbar = factorisation.hessenberg
    sigma = projected_sigma_min(hbar, re, im)
    ritz = sort_eigenvalues(np.linalg.eigvals(hbar[:ncv]))
    return KrylovPseudospectrum(sigma, ritz, factorisation, factorisation.matvecs)


def _torch_matvec(operator: Any, device: Any = None) -> tuple[Callable, int, Any]:
    """``(u ↦ A u on float64 tensors, n, device)`` for an operator, LinearOperator or array."""
    if hasattr(operator, "apply") and hasattr(operator, "shape"):  # a JacobianOperator
        return operator.apply, int(operator.shape[0]), operator.device
    if isinstance(operator, LinearOperator):
        n = int(operator.shape[0])
        if operator.shape != (n, n):
            raise ValueError(f"the operator must be square, got shape {operator.shape}")
        return operator, n, device
    a = torch.as_tensor(as_matrix("operator", operator).real, device=device)
    return (lambda u: a @ u), int(a.shape[0]), device


def refine_sigma_min(
    operator: Any,
    points: Any,
    *,
    tol: float = 1e-10,
    lanczos_steps: int = 30,
    solve_tol: float = 1e-12,
    restart: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """``σ_min(zI − A)`` at chosen points, matrix-free: inverse Lanczos with GMRES solves.

    Each Lanczos step applies ``((zI − A)ᴴ(zI − A))⁻¹`` by two GMRES solves (scipy, complex),
    one with ``z̄I − Aᵀ`` (products ``Aᵀ u``) and one with ``zI − A`` (products ``A u``); a
    complex product costs two real ones. Lanczos stops at relative residual ``tol``; GMRES
    solves to relative residual ``solve_tol`` with ``restart`` (default ``min(n, 100)``).
    Expensive near eigenvalues (ill-conditioned solves): use it to sharpen a few points of a
    Krylov-projected picture.

    Args:
      operator: a ``LinearOperator`` (e.g. a :class:`~gamedyn.spectrum.JacobianOperator`)
        or a dense array.
      points: complex points (any shape).

    Returns:
      ``σ_min`` at each point, the shape of ``points``.
    """
    if not isinstance(operator, LinearOperator):
        operator = aslinearoperator(as_matrix("operator", operator))
    n = int(operator.shape[0])
    tol = _validate.positive("tol", tol)
    solve_tol = _validate.positive("solve_tol", solve_tol)
    lanczos_steps = _validate.integer_at_least("lanczos_steps", lanczos_steps, 1)
    restart = min(n, 100) if restart is None else _validate.integer_at_least("restart", restart, 1)
    points = np.asarray(points, dtype=complex)
    rng = np.random.default_rng(seed)
    v0 = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    out = np.empty(points.shape)
    for index, z in np.ndenumerate(points):
        out[index] = _refine_at(operator, complex(z), v0, tol, lanczos_steps, solve_tol, restart)
    return out


def _refine_at(
    operator: LinearOperator,
    z: complex,
    v0: np.ndarray,
    tol: float,
    lanczos_steps: int,
    solve_tol: float,
    restart: int,
) -> float:
    """:func:`refine_sigma_min` at one point."""
    n = int(operator.shape[0])
    shifted = LinearOperator(
        (n, n),
        matvec=lambda u: z * u - operator.matvec(u),
        rmatvec=lambda u: np.conj(z) * u - operator.rmatvec(u),
        dtype=complex,
    )

    def solve(op: LinearOperator, rhs: np.ndarray) -> np.ndarray:
        x, info = gmres(op, rhs, **{_GMRES_RTOL: solve_tol}, atol=0.0, restart=restart, maxiter=n)
        if info != 0:
            raise ValueError(
                f"GMRES did not reach solve_tol = {solve_tol:g} at z = {z:.6g} (info = {info}); "
                "raise restart or loosen solve_tol"
            )
        return x

    theta, converged = inverse_lanczos(
        lambda q: solve(shifted, solve(shifted.H, q)), n, v0, tol, lanczos_steps
    )
    if not converged:
        raise ValueError(
            f"inverse Lanczos did not reach tol = {tol:g} at z = {z:.6g} in lanczos_steps = "
            f"{lanczos_steps} steps"
        )
    return float(1.0 / np.sqrt(theta))


def pseudospectrum(
    game: Game,
    re: Any,
    im: Any,
    *,
    method: Method | None = None,
    z: Any = None,
    ncv: int | None = None,
    mode: str = DEFAULT_PRODUCT_MODE,
    seed: int = 0,
) -> np.ndarray:
    """``σ_min(wI − A)`` on the grid ``w = re[j] + i·im[i]``: the pseudospectra of ``A``.

    ``A`` is the game Jacobian ``J`` at ``z`` or, with ``method``, that update operator's
    Jacobian (``z=None``: the game's default point). ``ncv=None``: dense (Schur form and inverse
    Lanczos, equal to the SVDs to round-off; up to :data:`~gamedyn.spectrum.DENSE_LIMIT`
    unknowns); ``ncv=m``: Krylov-projected from ``m`` matrix-free Arnoldi steps on a
    :class:`~gamedyn.spectrum.JacobianOperator` (``mode`` its product mode): never
    below the dense values, converging to them as ``m`` grows. The ε-pseudospectrum is
    ``{w : σ_min < ε}``; draw it with :func:`gamedyn.plot.pseudospectrum`.

    Returns:
      The grid of ``σ_min``, shape ``(len(im), len(re))``.

    Example:
      >>> from gamedyn.games import DiracGAN
      >>> game = DiracGAN("saturating", reg="r1", gamma=1.0)   # critical: λ = ½ is defective
      >>> sigma = pseudospectrum(game, [0.5, 0.6], [0.0])
      >>> np.round(sigma, 4).tolist()        # σ_min ≈ |w − λ|²: ε-contours of radius ~ √ε
      [[0.0, 0.0099]]
    """
    re, im = _axis("re", re), _axis("im", im)
    _grid_size(re, im)
    seed = _validate.seed("seed", seed)
    size = size_of(game, method)
    if ncv is None:
        if size > DENSE_LIMIT:
            raise ValueError(
                f"A is {size} × {size}, more than the dense limit {DENSE_LIMIT}: pass ncv=m for "
                "the Krylov-projected (matrix-free) pseudospectrum"
            )
        return dense_pseudospectrum(dense_matrix(game, method, z), re, im)
    op = operator_of(game, method, z, mode)
    return krylov_pseudospectrum(op, re, im, ncv, seed=seed).sigma_min
