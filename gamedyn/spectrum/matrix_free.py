"""Matrix-free spectra: Krylov eigen-solvers on ``J u`` and ``Jᵀ u`` products from torch.func.

Nothing here knows any update rule. The game Jacobian's products are ``torch.func.jvp`` (``J u``,
forward-over-reverse through the field) and ``torch.func.vjp`` (``Jᵀ u``) of ``game.field``; an
operator's products are the same transforms of the method's one step applied to the flattened
state ``s = (z_t, z_{t−1})`` (or ``s = z_t``), exactly as :func:`gamedyn.spectrum.dense.step_map`
but with :class:`MatrixFreeOps`, whose linear solve is iterative (so CGD works on games far too
large for a dense matrix). The products are wrapped as a
:class:`scipy.sparse.linalg.LinearOperator` and handed to ARPACK (``eigs``/``eigsh``).

* :func:`jacobian_operator`: the ``LinearOperator`` (``matvec`` = jvp, ``rmatvec`` = vjp,
  ``matmat`` batched with ``vmap`` where the model allows it).
* :func:`top_eigenvalues`: ``k`` eigenvalues by ``which`` with residuals ``‖A v − λ v‖/‖v‖`` and
  the number of products; :class:`NoConvergence` (a ``ValueError``) carries the partial result.
* :func:`symmetric_part_eigenvalues`: extreme eigenvalues of ``(A + Aᵀ)/2`` (Lanczos).
* :func:`antisymmetric_part_eigenvalues`: those of the Hermitian ``i (A − Aᵀ)/2`` (Lanczos): the
  antisymmetric part's eigenvalues are ``±i μ`` for each returned ``μ``, which come in ``±``
  pairs.

Products are evaluated in the game's dtype and device and returned to scipy as float64 numpy
arrays; for a float32 game the eigenvalues are accurate to about 1e-4 relative only.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigs, eigsh
from torch.func import jvp, linearize, vjp, vmap

from .. import _validate
from ..backends.dense import TorchOps
from ..games.base import Game
from ..methods.base import Method
from .dense import flatten, sort_eigenvalues, unflatten

Tensor = torch.Tensor
WHICH = ("LM", "LR", "SR", "LI", "SI")
DEFAULT_SOLVE_ITERATIONS = 64


# ---------------------------------------------------------------------------------------------
# A differentiable fixed-length GMRES
# ---------------------------------------------------------------------------------------------


def gmres(linear_map: Callable[[Tensor], Tensor], rhs: Tensor, iterations: int) -> Tensor:
    """``u ≈ A⁻¹ b`` by ``iterations`` steps of GMRES from ``u₀ = 0``; differentiable.

    Arnoldi with classical Gram–Schmidt applied twice builds ``A V_m = V_{m+1} H_m`` on the
    Krylov space of ``b``; then ``u = V_m y`` with ``y = argmin ‖‖b‖ e₁ − H_m y‖`` (reduced QR).
    The number of steps is fixed and there is no branching on tensor values, so torch.func
    (``jvp``, ``vjp``, ``vmap``, ``jacfwd``) differentiates straight through it: when the
    residual after ``m`` steps is small on a neighbourhood of the data (fast convergence, well
    before the Arnoldi process breaks down), the derivative of the result matches the derivative
    of the exact solution to about the same accuracy. ``b`` must be non-zero.
    """
    beta = torch.linalg.vector_norm(rhs)
    basis = [rhs / beta]
    columns = []
    for j in range(iterations):
        w = linear_map(basis[-1])
        v = torch.stack(basis)
        h = v @ w
        w = w - v.T @ h
        correction = v @ w  # second Gram–Schmidt pass: orthogonality to round-off
        w = w - v.T @ correction
        h = h + correction
        norm = torch.linalg.vector_norm(w)
        basis.append(w / norm)
        columns.append(torch.cat([h, norm[None], h.new_zeros(iterations - j - 1)]))
    hessenberg = torch.stack(columns, dim=1)  # (m + 1) × m
    e1 = torch.cat([beta[None], beta.new_zeros(iterations)])
    q, r = torch.linalg.qr(hessenberg)
    y = torch.linalg.solve_triangular(r, (q.T @ e1)[:, None], upper=True)[:, 0]
    return torch.stack(basis[:iterations]).T @ y


class MatrixFreeOps(TorchOps):
    """The :class:`~gamedyn.methods.base.Ops` primitives for large games, with no dense matrix.

    ``field`` is the game's; ``jvp``/``vjp`` are torch.func transforms of it; ``solve`` is
    :func:`gmres` with a fixed number of steps ``maxiter`` (default ``min(n, 64)``), so a step
    using it (CGD) can be differentiated by torch.func. ``tol`` is the relative residual
    ``‖A u − b‖/‖b‖`` a solve must reach when :attr:`check` is on (eager evaluation only;
    :func:`top_eigenvalues` checks the solve at the analysed state once before the Krylov run).

    Args:
      game: the game.
      tol: required relative residual of each linear solve when checked.
      maxiter: GMRES steps per solve (capped at the system size).
    """

    def __init__(self, game: Game, tol: float = 1e-10, maxiter: int | None = None):
        if not isinstance(game, Game):
            raise TypeError(f"game must be a gamedyn Game, got {type(game).__name__}")
        self.game = game
        self.tol = _validate.positive("tol", tol)
        default = min(game.n, DEFAULT_SOLVE_ITERATIONS)
        self.maxiter = (
            default if maxiter is None else _validate.integer_at_least("maxiter", maxiter, 1)
        )
        self.check = False

    def solve(self, linear_map: Callable[[Tensor], Tensor], rhs: Tensor) -> Tensor:
        u = gmres(linear_map, rhs, min(self.maxiter, rhs.shape[0]))
        if self.check:
            residual = float(torch.linalg.vector_norm(linear_map(u) - rhs))
            scale = float(torch.linalg.vector_norm(rhs))
            if not residual <= self.tol * scale:
                raise ValueError(
                    f"the linear solve reached relative residual {residual / scale:.3e} > tol = "
                    f"{self.tol:g} in maxiter = {self.maxiter} GMRES steps; raise maxiter"
                )
        return u


def matrix_free_step_map(method: Method, ops: MatrixFreeOps) -> Callable[[Tensor], Tensor]:
    """``s ↦ flatten(method.step(ops, unflatten(s)))``: the update on the flattened state."""

    def update(s: Tensor) -> Tensor:
        return flatten(method.step(ops, unflatten(s, method.order)))

    return update


# ---------------------------------------------------------------------------------------------
# The LinearOperator
# ---------------------------------------------------------------------------------------------


def _base_point(game: Game, z: Any) -> Tensor:
    if z is None:
        z = getattr(game, "z0", None)
        if z is None:
            raise ValueError(f"z is required: {type(game).__name__} has no default point z0")
    return game.point(z)


class _Products:
    """``A u`` and ``Aᵀ u`` of one map ``f`` at one point, counting the products.

    ``A u`` is ``torch.func.jvp`` each time, or with ``trace=True`` ``torch.func.linearize`` of
    ``f`` (the forward-mode graph traced once, then replayed) where ``f`` can be traced (not CGD,
    whose step itself calls ``jvp``: nested forward mode cannot be traced). Tracing costs about a
    second even for tiny models and pays only for many products of a mid-sized model.
    """

    def __init__(self, fn: Callable[[Tensor], Tensor], s: Tensor, trace: bool = False):
        self.fn, self.s = fn, s
        self.count = 0
        self._pullback = None
        self._linear = None
        self._trace = trace
        self._batched = True

    def _tensor(self, u: np.ndarray) -> Tensor:
        return torch.as_tensor(np.ascontiguousarray(u), dtype=self.s.dtype, device=self.s.device)

    @staticmethod
    def _array(t: Tensor) -> np.ndarray:
        return t.detach().to(device="cpu", dtype=torch.float64).numpy()

    def jvp(self, u: Tensor) -> Tensor:
        if self._trace and self._linear is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._linear = linearize(self.fn, self.s)[1]
            except (RuntimeError, NotImplementedError, TypeError):
                self._trace = False
        if self._linear is not None:
            return self._linear(u)
        return jvp(self.fn, (self.s,), (u,))[1]

    def vjp(self, w: Tensor) -> Tensor:
        if self._pullback is None:  # the linearisation is kept for the next product
            self._pullback = vjp(self.fn, self.s)[1]
        return self._pullback(w)[0]

    def matvec(self, u: np.ndarray) -> np.ndarray:
        self.count += 1
        return self._array(self.jvp(self._tensor(np.asarray(u).ravel())))

    def rmatvec(self, w: np.ndarray) -> np.ndarray:
        self.count += 1
        return self._array(self.vjp(self._tensor(np.asarray(w).ravel())))

    def matmat(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u)
        self.count += u.shape[1]
        columns = self._tensor(u.T)
        if self._batched:
            try:
                return self._array(vmap(self.jvp)(columns)).T
            except (RuntimeError, NotImplementedError):  # a model vmap cannot batch
                self._batched = False
        return self._array(torch.stack([self.jvp(c) for c in columns])).T


def _products(game: Game, z: Any, method: Method | None, ops: MatrixFreeOps | None) -> _Products:
    z = _base_point(game, z)
    if method is None:
        return _Products(game.field, z)
    if not isinstance(method, Method):
        raise TypeError(f"method must be a gamedyn Method or None, got {type(method).__name__}")
    ops = MatrixFreeOps(game) if ops is None else ops
    fn = matrix_free_step_map(method, ops)
    s = flatten(method.init(z))
    ops.check = True  # one eager step: the inner solves must meet tol at this state
    try:
        fn(s)
    finally:
        ops.check = False
    return _Products(fn, s)


def _linear_operator(products: _Products) -> LinearOperator:
    n = products.s.shape[0]
    return LinearOperator(
        (n, n),
        matvec=products.matvec,
        rmatvec=products.rmatvec,
        matmat=products.matmat,
        dtype=np.float64,
    )


def jacobian_operator(
    game: Game, z: Any = None, method: Method | None = None, ops: MatrixFreeOps | None = None
) -> LinearOperator:
    """The Jacobian of the game's field at ``z``, or of ``method``'s step, as a LinearOperator.

    ``matvec(u) = J u`` (``torch.func.jvp``), ``rmatvec(w) = Jᵀ w`` (``torch.func.vjp``; the
    linearisation is built once and reused), ``matmat`` batches the columns with ``vmap`` (or
    loops where the model cannot be batched). For a method the operator acts on the flattened
    state, ``order · n`` entries, in the order ``(z_t, z_{t−1})``. ``z`` defaults to ``game.z0``.
    """
    return _linear_operator(_products(game, z, method, ops))


# ---------------------------------------------------------------------------------------------
# Eigenvalues
# ---------------------------------------------------------------------------------------------


class TopEigenvalues(NamedTuple):
    """Eigenvalues from a Krylov solver and how far they are to be trusted.

    ``values``: sorted in gamedyn's order (decreasing modulus); ``residuals``: ``‖A v − λ v‖/‖v‖``
    for each value's eigenvector, in the same order; ``matvecs``: products used by the solver
    (the residuals' own products not included); ``seconds``: wall time of the whole call.
    """

    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    seconds: float


class NoConvergence(ValueError):
    """The Krylov solver stopped before all ``k`` eigenvalues converged.

    Attributes:
      values: the converged eigenvalues found so far (sorted; possibly empty).
      matvecs: the products used.
    """

    def __init__(self, message: str, values: np.ndarray, matvecs: int):
        super().__init__(message)
        self.values = values
        self.matvecs = matvecs


def _check_k(k: int, size: int, limit: int) -> int:
    k = _validate.integer_at_least("k", k, 1)
    if k > size - limit:
        raise ValueError(
            f"k = {k} is too large for an operator of size {size}: the Krylov solver needs "
            f"k <= {size - limit}; use gamedyn.spectrum.eigenvalues for the full dense spectrum"
        )
    return k


def _sorted_with(values: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` in gamedyn's order, with ``extra`` permuted alongside."""
    ordered = sort_eigenvalues(values)
    free = np.ones(len(values), dtype=bool)
    order = []
    for w in ordered:
        gap = np.where(free, np.abs(values - w), np.inf)
        i = int(np.argmin(gap))
        free[i] = False
        order.append(i)
    return ordered, extra[order]


def _residuals(op: LinearOperator, values: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``‖A v − λ v‖/‖v‖`` per eigenpair (real and imaginary parts multiplied separately)."""
    parts = np.concatenate([vectors.real, vectors.imag], axis=1)
    images = op.matmat(parts)
    k = vectors.shape[1]
    av = images[:, :k] + 1j * images[:, k:]
    return np.linalg.norm(av - vectors * values, axis=0) / np.linalg.norm(vectors, axis=0)


def top_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LM",
    method: Method | None = None,
    z: Any = None,
    tol: float = 1e-10,
    maxiter: int | None = None,
    ncv: int | None = None,
    ops: MatrixFreeOps | None = None,
) -> TopEigenvalues:
    """``k`` eigenvalues of the game Jacobian at ``z`` (or of ``method``'s operator Jacobian).

    Implicitly restarted Arnoldi (ARPACK, ``scipy.sparse.linalg.eigs``) on
    :func:`jacobian_operator`. ``which``: ``"LM"`` largest modulus, ``"LR"``/``"SR"`` largest /
    smallest real part (the least stable directions of the game are ``"SR"``), ``"LI"``/``"SI"``
    largest / smallest imaginary part in absolute value (the operator is real, so eigenvalues
    come in conjugate pairs and ARPACK returns both members). ``tol`` is ARPACK's relative
    accuracy; the returned residuals are recomputed with ``2k`` extra products. ``maxiter``
    and ``ncv`` (default ``max(2k + 1, 20)``, at most the size) go to ARPACK.

    Raises:
      NoConvergence: (a ``ValueError``) with the eigenvalues that did converge.
    """
    which = _validate.choice("which", which, WHICH)
    tol = _validate.positive("tol", tol)
    start = time.perf_counter()
    products = _products(game, z, method, ops)
    op = _linear_operator(products)
    k = _check_k(k, op.shape[0], 2)
    v0 = np.random.default_rng(0).standard_normal(op.shape[0])
    if ncv is None:  # a longer basis than ARPACK's 2k + 1: fewer restarts, fewer products
        ncv = min(op.shape[0], max(2 * k + 1, 20))
    try:
        values, vectors = eigs(op, k=k, which=which, tol=tol, maxiter=maxiter, ncv=ncv, v0=v0)
    except ArpackNoConvergence as err:
        partial = sort_eigenvalues(err.eigenvalues)
        raise NoConvergence(
            f"ARPACK did not converge: {len(partial)} of k = {k} eigenvalues ({which}) after "
            f"{products.count} products (maxiter = {maxiter}); partial values: {partial}",
            partial,
            products.count,
        ) from err
    matvecs = products.count
    residuals = _residuals(op, values, vectors)
    values, residuals = _sorted_with(values, residuals)
    return TopEigenvalues(values, residuals, matvecs, time.perf_counter() - start)


def _hermitian_eigenvalues(
    op: LinearOperator, k: int, which: str, tol: float, maxiter: int | None
) -> np.ndarray:
    k = _check_k(k, op.shape[0], 1)
    v0 = np.random.default_rng(0).standard_normal(op.shape[0]).astype(op.dtype)
    try:
        values = eigsh(
            op, k=k, which=which, tol=tol, maxiter=maxiter, v0=v0, return_eigenvectors=False
        )
    except ArpackNoConvergence as err:
        raise NoConvergence(
            f"Lanczos (ARPACK eigsh) did not converge: {len(err.eigenvalues)} of k = {k}",
            np.sort(np.real(err.eigenvalues))[::-1],
            -1,
        ) from err
    return np.sort(np.real(values))[::-1]


def symmetric_part_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LA",
    method: Method | None = None,
    z: Any = None,
    tol: float = 1e-10,
    maxiter: int | None = None,
) -> np.ndarray:
    """``k`` extreme eigenvalues of ``S = (A + Aᵀ)/2`` (Lanczos), in descending order.

    ``A`` is the game Jacobian (or ``method``'s operator Jacobian). ``which``: ``"LA"``/``"SA"``
    largest/smallest algebraic, ``"LM"``/``"SM"`` by magnitude, ``"BE"`` both ends. The smallest
    eigenvalue of the game's ``S`` bounds the real parts of ``J``'s eigenvalues from below.
    """
    which = _validate.choice("which", which, ("LA", "SA", "LM", "SM", "BE"))
    products = _products(game, z, method, None)
    n = products.s.shape[0]
    op = LinearOperator(
        (n, n),
        matvec=lambda u: 0.5 * (products.matvec(u) + products.rmatvec(u)),
        dtype=np.float64,
    )
    return _hermitian_eigenvalues(op, k, which, tol, maxiter)


def antisymmetric_part_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LA",
    method: Method | None = None,
    z: Any = None,
    tol: float = 1e-10,
    maxiter: int | None = None,
) -> np.ndarray:
    """``k`` extreme eigenvalues ``μ`` of the Hermitian ``i K``, ``K = (A − Aᵀ)/2``, descending.

    ``K`` is real antisymmetric, so its eigenvalues are ``±i μ``: the ``μ`` come in ``±`` pairs
    and ``"LA"`` (default) gives the largest rotation rates ``μ ≥ 0``. Lanczos on the complex
    Hermitian operator ``iK`` (each product: one jvp and one vjp on the real part and on the
    imaginary part). ``which``: ``"LA"``, ``"SA"``, ``"LM"``, ``"SM"``.
    """
    which = _validate.choice("which", which, ("LA", "SA", "LM", "SM"))
    products = _products(game, z, method, None)
    n = products.s.shape[0]

    def skew(u: np.ndarray) -> np.ndarray:
        return 0.5 * (products.matvec(u) - products.rmatvec(u))

    def matvec(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u).ravel()
        return 1j * (skew(u.real) + 1j * skew(u.imag))

    op = LinearOperator((n, n), matvec=matvec, dtype=np.complex128)
    return _hermitian_eigenvalues(op, k, which, tol, maxiter)
