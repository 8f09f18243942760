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
  the number of products, by gamedyn's Krylov–Schur (default; the basis stays on the device) or
  ARPACK; :class:`NoConvergence` (a ``ValueError``) carries the partial result.
* :func:`symmetric_part_eigenvalues`: extreme eigenvalues of ``(A + Aᵀ)/2`` (Lanczos).
* :func:`antisymmetric_part_eigenvalues`: those of the Hermitian ``i (A − Aᵀ)/2`` (Lanczos): the
  antisymmetric part's eigenvalues are ``±i μ`` for each returned ``μ``, which come in ``±``
  pairs.

Products are evaluated in the game's dtype and device and returned to scipy as float64 numpy
arrays; for a float32 game the eigenvalues are accurate to about 1e-4 relative only.
"""

from __future__ import annotations

import os
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
from .dense import default_point, flatten, sort_eigenvalues, unflatten
from .krylov import MAX_RESTARTS, KrylovNoConvergence, krylov_schur

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
    return game.point(default_point(game, z))


MODES = ("forward", "reverse", "linearize")


def _memory_in_use(device: torch.device) -> int | None:
    """Bytes in use now: allocated CUDA memory, or the process's resident set on Linux."""
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device)
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class _Products:
    """``A u`` and ``Aᵀ u`` of one map ``f`` at one point ``s``, counting the products.

    ``Aᵀ w`` is the pullback of ``torch.func.vjp(f, s)``, built once: the graph of ``f`` at
    ``s`` is retained and each product is one backward pass. ``A u`` by ``mode``:

    * ``"forward"``: ``torch.func.jvp(f, (s,), (u,))``, forward-over-reverse for a game's
      field; nothing retained between products.
    * ``"reverse"`` (the default of the public functions): ``w ↦ Aᵀ w`` is linear, so ``A u``
      is its vjp with cotangent ``u``: the graph of the pullback is built once (retained; its
      size is measured in :attr:`retained_bytes`) and each product is one backward pass
      through it. The fast path for a fixed batch: on the DCGAN benchmark
      (``benchmarks/bench_matrix_free.py``, CPU, float64) one product costs 2.7–3.5 plain
      gradient evaluations against 4.4 for ``"forward"``, retaining 0.4 GiB.
    * ``"linearize"``: ``torch.func.linearize`` traces the forward-mode graph once and replays
      it (not for CGD, whose step itself calls ``jvp``; falls back to ``"forward"``). Tracing
      costs about a second even for tiny models.
    """

    def __init__(self, fn: Callable[[Tensor], Tensor], s: Tensor, mode: str = "forward"):
        self.fn, self.s = fn, s
        self.mode = _validate.choice("mode", mode, MODES)
        self.count = 0
        self.retained_bytes: int | None = None
        self._pullback = None
        self._linear = None
        self._batched = True

    def _tensor(self, u: np.ndarray) -> Tensor:
        return torch.as_tensor(np.ascontiguousarray(u), dtype=self.s.dtype, device=self.s.device)

    @staticmethod
    def _array(t: Tensor) -> np.ndarray:
        return t.detach().to(device="cpu", dtype=torch.float64).numpy()

    def counted_jvp(self, u: Tensor) -> Tensor:
        """``A u`` for a float64 ``u`` (the Krylov basis), evaluated in the map's dtype, counted,
        returned in float64."""
        self.count += 1
        return self.jvp(u.to(self.s.dtype)).to(u.dtype)

    def _retained(self, build: Callable[[], Any]) -> Any:
        """``build()``, adding the memory it leaves in use to :attr:`retained_bytes`."""
        before = _memory_in_use(self.s.device)
        built = build()
        after = _memory_in_use(self.s.device)
        if before is not None and after is not None:
            self.retained_bytes = max(after - before, 0) + (self.retained_bytes or 0)
        return built

    def _build_linear(self) -> None:
        if self.mode == "reverse":
            pullback = self._transpose()
            self._linear = self._retained(
                lambda: vjp(lambda w: pullback(w)[0], torch.zeros_like(self.s))[1]
            )
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._linear = self._retained(lambda: linearize(self.fn, self.s)[1])
        except (RuntimeError, NotImplementedError, TypeError):
            self.mode = "forward"

    def _transpose(self) -> Callable[[Tensor], tuple[Tensor]]:
        if self._pullback is None:  # the linearisation is kept for the next product
            self._pullback = self._retained(lambda: vjp(self.fn, self.s)[1])
        return self._pullback

    def jvp(self, u: Tensor) -> Tensor:
        """``A u``."""
        if self.mode != "forward" and self._linear is None:
            self._build_linear()
        if self.mode == "reverse":
            return self._linear(u)[0]
        if self._linear is not None:
            return self._linear(u)
        return jvp(self.fn, (self.s,), (u,))[1]

    def vjp(self, w: Tensor) -> Tensor:
        """``Aᵀ w`` (the pullback built once and reused)."""
        return self._transpose()(w)[0]

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


def _products(
    game: Game,
    z: Any,
    method: Method | None,
    ops: MatrixFreeOps | None,
    mode: str = "reverse",
) -> _Products:
    z = _base_point(game, z)
    if method is None:
        return _Products(game.field, z, mode)
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
    return _Products(fn, s, mode)


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
    game: Game,
    z: Any = None,
    method: Method | None = None,
    ops: MatrixFreeOps | None = None,
    mode: str = "reverse",
) -> LinearOperator:
    """The Jacobian of the game's field at ``z``, or of ``method``'s step, as a LinearOperator.

    ``matvec(u) = J u`` (by ``mode``: ``"reverse"`` one backward pass through the retained
    graph of the pullback, ``"forward"`` ``torch.func.jvp``, ``"linearize"``; see
    :class:`_Products`), ``rmatvec(w) =
    Jᵀ w`` (``torch.func.vjp``; the linearisation is built once and reused), ``matmat`` batches
    the columns with ``vmap`` (or loops where the model cannot be batched). For a method the
    operator acts on the flattened state, ``order · n`` entries, in the order
    ``(z_t, z_{t−1})``. ``z`` defaults to ``game.z0``.
    """
    return _linear_operator(_products(game, z, method, ops, mode))


# ---------------------------------------------------------------------------------------------
# Eigenvalues
# ---------------------------------------------------------------------------------------------


class TopEigenvalues(NamedTuple):
    """Eigenvalues from a Krylov solver and how far they are to be trusted.

    ``values``: sorted in gamedyn's order (decreasing modulus); ``residuals``: the true
    ``‖A v − λ v‖/‖v‖`` for each value's eigenvector, recomputed with fresh products, in the same
    order; ``matvecs``: products used by the solver (the residuals' own products not included);
    ``seconds``: wall time of the whole call; ``solver``: ``"krylov-schur"`` or ``"arpack"``.
    """

    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    seconds: float
    solver: str = "krylov-schur"


class NoConvergence(ValueError):
    """The Krylov solver stopped before all ``k`` eigenvalues converged.

    Attributes:
      values: the best estimates so far (sorted; Krylov–Schur gives all ``k`` Ritz values,
        ARPACK only the converged ones, possibly none).
      matvecs: the products used.
      residuals: the Ritz residual estimates of ``values`` (Krylov–Schur), else ``None``.
    """

    def __init__(
        self, message: str, values: np.ndarray, matvecs: int, residuals: np.ndarray | None = None
    ):
        super().__init__(message)
        self.values = values
        self.matvecs = matvecs
        self.residuals = residuals


SOLVERS = ("krylov-schur", "arpack")


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


def ritz_residuals(
    apply: Callable[[Tensor], Tensor], values: np.ndarray, vectors: Tensor
) -> np.ndarray:
    """True residuals ``‖A x − θ x‖/‖x‖`` of Ritz pairs, with fresh products ``u ↦ A u``.

    ``vectors`` holds the complex ``x`` as rows. ``A`` is real, so a conjugate pair's vectors
    are conjugate and share one residual: each pair costs two products (``A Re x``, ``A Im x``),
    each real eigenvalue one.
    """
    residuals = np.empty(len(values))
    for i, (theta, x) in enumerate(zip(values, vectors, strict=True)):
        tolerance = 1e-12 * (1 + abs(theta))
        partner = [j for j in range(i) if abs(values[j] - np.conj(theta)) < tolerance]
        partner = partner if theta.imag != 0 else []
        if partner:
            residuals[i] = residuals[partner[0]]
            continue
        ax = apply(x.real).to(x.dtype)
        if theta.imag != 0:
            ax = ax + 1j * apply(x.imag)
        lam = torch.as_tensor(complex(theta), dtype=x.dtype, device=x.device)
        gap = torch.linalg.vector_norm(ax - lam * x) / torch.linalg.vector_norm(x)
        residuals[i] = float(gap)
    return residuals


def _arpack(
    products: _Products, k: int, which: str, tol: float, maxiter: int | None, ncv: int | None
) -> tuple[np.ndarray, np.ndarray, int]:
    op = _linear_operator(products)
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
    return values, _residuals(op, values, vectors), matvecs


def _krylov_schur(
    products: _Products,
    k: int,
    which: str,
    tol: float,
    maxiter: int | None,
    ncv: int | None,
    callback: Callable[[int, int], None] | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    s = products.s
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(s.shape[0]))
    try:
        r = krylov_schur(  # a float64 basis whatever the products' dtype
            products.counted_jvp,
            s.shape[0],
            k,
            which,
            tol=tol,
            ncv=ncv,
            max_restarts=MAX_RESTARTS if maxiter is None else maxiter,
            v0=v0,
            dtype=torch.float64,
            device=s.device,
            callback=callback,
            return_vectors=True,
        )
    except KrylovNoConvergence as err:
        values, residuals = _sorted_with(err.partial.values, err.partial.residuals)
        raise NoConvergence(
            f"Krylov–Schur did not converge: {err}; the Ritz values so far (sorted): {values}",
            values,
            err.partial.matvecs,
            residuals,
        ) from err

    def apply(u: Tensor) -> Tensor:
        return products.jvp(u.to(s.dtype)).to(u.dtype)

    return r.values, ritz_residuals(apply, r.values, r.vectors), r.matvecs


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
    solver: str = "krylov-schur",
    callback: Callable[[int, int], None] | None = None,
    mode: str = "reverse",
) -> TopEigenvalues:
    """``k`` eigenvalues of the game Jacobian at ``z`` (or of ``method``'s operator Jacobian).

    ``solver="krylov-schur"`` (default): :func:`gamedyn.spectrum.krylov.krylov_schur`, the
    basis on the game's device, products ``torch.func.jvp`` with no host round trip (fewer
    products than ARPACK in ``benchmarks/bench_matrix_free.py``, and never slower).
    ``solver="arpack"``: implicitly restarted Arnoldi (``scipy.sparse.linalg.eigs``) on
    :func:`jacobian_operator`. ``which``: ``"LM"`` largest modulus, ``"LR"``/``"SR"`` largest /
    smallest real part (the least stable directions of the game are ``"SR"``), ``"LI"``/``"SI"``
    largest / smallest imaginary part in absolute value (the operator is real, so eigenvalues
    come in conjugate pairs and both members are returned). ``tol`` is the relative accuracy
    ``‖A v − λ v‖ ≤ tol · |λ|`` (ARPACK's meaning for both solvers); the returned residuals are
    recomputed with fresh products (about ``k`` of them). ``maxiter`` bounds the restarts
    (default: 300 for Krylov–Schur, ARPACK's own otherwise); ``ncv`` is the basis size (default
    ``max(2k + 1, 20)``, at most the size). ``callback(converged, k)`` is called after each
    Krylov–Schur cycle (progress bars). ``mode`` is how ``J u`` is computed (see
    :func:`jacobian_operator`). The Krylov basis is float64 for both solvers; the products are
    evaluated in the game's dtype (float32 products are the fast mode, float64 the validation
    mode).

    Raises:
      NoConvergence: (a ``ValueError``) with the best estimates so far.
    """
    start = time.perf_counter()
    _validate.choice("which", which, WHICH)  # checked before any product is built
    _validate.choice("solver", solver, SOLVERS)
    _validate.positive("tol", tol)
    products = _products(game, z, method, ops, mode)
    return solve_top(products, k, which, solver, tol, maxiter, ncv, callback, start)


def solve_top(
    products: _Products,
    k: int,
    which: str = "LM",
    solver: str = "krylov-schur",
    tol: float = 1e-10,
    maxiter: int | None = None,
    ncv: int | None = None,
    callback: Callable[[int, int], None] | None = None,
    start: float | None = None,
) -> TopEigenvalues:
    """:func:`top_eigenvalues` on products already built (one operator for a whole analysis)."""
    which = _validate.choice("which", which, WHICH)
    solver = _validate.choice("solver", solver, SOLVERS)
    tol = _validate.positive("tol", tol)
    if maxiter is not None:
        maxiter = _validate.integer_at_least("maxiter", maxiter, 0)
    start = time.perf_counter() if start is None else start
    k = _check_k(k, products.s.shape[0], 2)
    if solver == "arpack":
        values, residuals, matvecs = _arpack(products, k, which, tol, maxiter, ncv)
    else:
        values, residuals, matvecs = _krylov_schur(products, k, which, tol, maxiter, ncv, callback)
    values, residuals = _sorted_with(values, residuals)
    return TopEigenvalues(values, residuals, matvecs, time.perf_counter() - start, solver)


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
