"""Top eigenvalues of a matrix-free Jacobian: Krylov–Schur or ARPACK, with true residuals.

* :func:`top_eigenvalues`: ``k`` eigenvalues of the game Jacobian (or of a method's operator
  Jacobian) by ``which``, from a :class:`~gamedyn.spectrum.operator.JacobianOperator` built for
  the call; :func:`solve_top` does the same on an operator already built (one operator for a
  whole analysis).
* :func:`ritz_residuals`: the true residuals ``‖A x − θ x‖/‖x‖``, recomputed with fresh
  products (a conjugate pair costs two products, a real eigenvalue one).
* :func:`hermitian_eigenvalues`: Lanczos (ARPACK ``eigsh``) on a symmetric/Hermitian
  ``LinearOperator`` (the parts of :mod:`gamedyn.spectrum.parts`).

Results are sorted in gamedyn's order (:mod:`gamedyn.spectrum.ordering`); ``which`` has ARPACK's
meaning (:mod:`gamedyn.vocabulary`). :class:`NoConvergence` (a ``ValueError``) carries the
partial result of every solver.

Example:
  >>> from gamedyn.games import Bilinear
  >>> import numpy as np
  >>> game = Bilinear(np.diag([3.0, 2.0, 1.0, 0.5]))
  >>> r = top_eigenvalues(game, k=2)
  >>> np.round(r.values, 8)
  array([0.+3.j, 0.-3.j])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigs, eigsh

from .. import _validate
from ..backends.matrix_free import MatrixFreeOps
from ..games.base import Game, point_or_default
from ..methods.base import Method
from ..vocabulary import (
    ACCELERATIONS,
    DEFAULT_PRODUCT_MODE,
    HERMITIAN_WHICH,
    KRYLOV_WHICH,
    ROUTES,
    SOLVERS,
    which_score,
)
from .krylov import MAX_RESTARTS, KrylovNoConvergence, krylov_schur
from .operator import JacobianOperator
from .ordering import sorted_with

Tensor = torch.Tensor

__all__ = [
    "TopEigenvalues",
    "NoConvergence",
    "top_eigenvalues",
    "solve_top",
    "ritz_residuals",
    "hermitian_eigenvalues",
    "check_k",
    "check_acceleration",
]


class TopEigenvalues(NamedTuple):
    """Eigenvalues from a Krylov solver and how far they are to be trusted.

    ``values``: sorted in gamedyn's order (decreasing modulus); ``residuals``: the true
    ``‖A v − λ v‖/‖v‖`` for each value's eigenvector, recomputed with fresh products, in the same
    order; ``matvecs``: products used by the solver (the residuals' own products not included);
    ``seconds``: wall time of the whole call; ``solver``: ``"krylov-schur"`` or ``"arpack"``;
    ``jacobian_products``: the products with ``J`` (and ``Jᵀ``) the solve cost, whatever the
    route (the operator route: ``matvecs`` times the field evaluations and ``J u``/``Jᵀ u`` of
    one step, :func:`~gamedyn.spectrum.jacobian_route.step_products`); ``route``: how the
    eigenvalues were found (:func:`~gamedyn.spectrum.jacobian_route.describe`: ``"operator"``
    or ``"jacobian: ..."``, with the reason where the Jacobian route did not hold);
    ``acceleration``: ``None`` for plain Krylov–Schur, else what ``accelerate=`` did (the
    filter's degree and ellipse, or why it fell back to plain Krylov–Schur).
    """

    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    seconds: float
    solver: str = "krylov-schur"
    jacobian_products: int | None = None
    route: str = "operator"
    acceleration: str | None = None


class NoConvergence(ValueError):
    """A solver stopped before all ``k`` eigenvalues converged.

    Attributes:
      values: the best estimates so far (sorted; Krylov–Schur gives all ``k`` Ritz values,
        ARPACK and Lanczos only the converged ones, possibly none).
      matvecs: the products used.
      residuals: the Ritz residual estimates of ``values`` where the solver has them, else
        ``None``.
      record: the partial :class:`~gamedyn.spectrum.records.SpectrumRecord`, when the solver
        ran inside :func:`~gamedyn.spectrum.analysis.analyse`.
    """

    def __init__(
        self, message: str, values: np.ndarray, matvecs: int, residuals: np.ndarray | None = None
    ):
        super().__init__(message)
        self.values = values
        self.matvecs = matvecs
        self.residuals = residuals
        self.record: Any = None


def check_k(k: int, size: int, limit: int) -> int:
    """``k`` as an integer with ``1 ≤ k ≤ size − limit`` (what a Krylov solver can find)."""
    k = _validate.integer_at_least("k", k, 1)
    if k > size - limit:
        raise ValueError(
            f"k = {k} is too large for an operator of size {size}: the Krylov solver needs "
            f"k <= {size - limit}; use gamedyn.spectrum.eigenvalues for the full dense spectrum"
        )
    return k


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
    op: JacobianOperator,
    k: int,
    which: str,
    tol: float,
    max_restarts: int | None,
    ncv: int | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    v0 = np.random.default_rng(0).standard_normal(op.shape[0])
    n = op.shape[0]
    if ncv is None:  # a longer basis than ARPACK's 2k + 1: fewer restarts, fewer products
        ncv = min(n, max(2 * k + 1, 20))
    start = op.count
    try:
        values, vectors = eigs(op, k=k, which=which, tol=tol, maxiter=max_restarts, ncv=ncv, v0=v0)
    except ArpackNoConvergence as err:
        matvecs = op.count - start
        values, residuals = np.asarray(err.eigenvalues), np.zeros(0)
        if len(values):
            residuals = _residuals(op, values, np.asarray(err.eigenvectors))
            values, residuals = sorted_with(values, residuals)
        raise NoConvergence(
            f"ARPACK did not converge: {len(values)} of k = {k} eigenvalues ({which}) after "
            f"{matvecs} products (max_restarts = {max_restarts}); partial values: {values}",
            values,
            matvecs,
            residuals,
        ) from err
    matvecs = op.count - start
    return values, _residuals(op, values, vectors), matvecs


def _krylov_schur(
    op: JacobianOperator,
    k: int,
    which: str,
    tol: float,
    max_restarts: int | None,
    ncv: int | None,
    callback: Callable[[int, int], None] | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(op.shape[0]))
    try:
        r = krylov_schur(  # a float64 basis whatever the products' dtype
            op.apply,
            op.shape[0],
            k,
            which,
            tol=tol,
            ncv=ncv,
            max_restarts=MAX_RESTARTS if max_restarts is None else max_restarts,
            v0=v0,
            dtype=torch.float64,
            device=op.device,
            callback=callback,
            return_vectors=True,
        )
    except KrylovNoConvergence as err:
        values, residuals = sorted_with(err.partial.values, err.partial.residuals)
        raise NoConvergence(
            f"Krylov–Schur did not converge: {err}; the Ritz values so far (sorted): {values}",
            values,
            err.partial.matvecs,
            residuals,
        ) from err
    return r.values, ritz_residuals(op.apply, r.values, r.vectors), r.matvecs


def top_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LM",
    *,
    method: Method | None = None,
    z: Any = None,
    tol: float = 1e-10,
    max_restarts: int | None = None,
    ncv: int | None = None,
    ops: MatrixFreeOps | None = None,
    solver: str = "krylov-schur",
    callback: Callable[[int, int], None] | None = None,
    mode: str = DEFAULT_PRODUCT_MODE,
    route: str = "auto",
    accelerate: str | None = None,
) -> TopEigenvalues:
    """``k`` eigenvalues of the game Jacobian at ``z`` (or of ``method``'s operator Jacobian).

    ``solver="krylov-schur"`` (default): :func:`gamedyn.spectrum.krylov.krylov_schur`, the
    basis on the game's device, products with no host round trip (fewer products than ARPACK in
    ``benchmarks/bench_matrix_free.py``, and never slower). ``solver="arpack"``: implicitly
    restarted Arnoldi (``scipy.sparse.linalg.eigs``) on the
    :class:`~gamedyn.spectrum.operator.JacobianOperator`. ``which``: ``"LM"`` largest modulus,
    ``"LR"``/``"SR"`` largest / smallest real part (the least stable directions of the game are
    ``"SR"``), ``"LI"``/``"SI"`` largest / smallest imaginary part in absolute value (the
    operator is real, so eigenvalues come in conjugate pairs and both members are returned).
    ``tol`` is the relative accuracy ``‖A v − λ v‖ ≤ tol · |λ|`` (ARPACK's meaning for both
    solvers); the returned residuals are recomputed with fresh products (about ``k`` of them).
    ``max_restarts`` bounds the restarts (default: 300 for Krylov–Schur, ARPACK's own
    otherwise); ``ncv`` is the basis size (default ``max(2k + 1, 20)``, at most the size).
    ``callback(converged, k)`` is called after each Krylov–Schur cycle (progress bars).
    ``mode`` is how ``J u`` is computed (:class:`~gamedyn.spectrum.operator.JacobianOperator`).
    The Krylov basis is float64 for both solvers; the products are evaluated in the game's
    dtype (float32 products are the fast mode, float64 the validation mode).

    ``route`` (operator spectra, :mod:`gamedyn.spectrum.jacobian_route`): ``"jacobian"`` runs
    Krylov–Schur on ``J`` and maps the Ritz values by the method's eigenvalue map, selecting by
    ``|μ(θ)|`` over all branches and checking every residual on the operator — exact where the
    operator's Jacobian is a function of ``J`` (GDA, heavy ball anywhere; extragradient,
    optimistic, lookahead of these at a stationary point of the field); ``"operator"`` runs it
    on the operator's own products; ``"auto"`` (default) takes the Jacobian route where it holds
    (``which="LM"``, Krylov–Schur, no ``ops`` given) and the operator route otherwise — away
    from a stationary point the operator's Jacobian has second-derivative terms. The record's
    ``route`` says which was used and why; ``jacobian_products`` counts ``J`` products either way.

    ``accelerate="chebyshev"`` (Krylov–Schur only; default ``None``, plain): Saad's Chebyshev
    acceleration for targets away from the largest moduli (``"SR"``, ``"LR"``, crowded
    spectra), :mod:`gamedyn.spectrum.filters`: an ellipse fitted to the Ritz values of ``ncv``
    Arnoldi steps, Krylov–Schur on ``T_d((A − cI)/e)``, Rayleigh–Ritz on ``A`` with true
    residuals ``≤ tol·|λ|``; where that fails, plain Krylov–Schur from the best vectors. The
    record's ``acceleration`` says what was done; ``matvecs`` counts every product of ``A``
    (the filter's ``d`` per filtered product, and the Rayleigh–Ritz products). It takes the
    operator route.

    Raises:
      NoConvergence: (a ``ValueError``) with the best estimates so far.
    """
    start = time.perf_counter()
    _validate.choice("which", which, KRYLOV_WHICH)  # checked before any product is built
    _validate.choice("solver", solver, SOLVERS)
    _validate.choice("route", route, ROUTES)
    _validate.positive("tol", tol)
    check_acceleration(accelerate, solver)
    if accelerate is not None and route == "jacobian" and method is not None:
        raise ValueError("accelerate= takes the operator route, got route='jacobian'")
    if accelerate is not None:
        op = JacobianOperator(game, z, method, mode, ops=ops)
        top = solve_top(
            op, k, which, solver, tol, max_restarts, ncv, callback, start, accelerate=accelerate
        )
        if method is None:
            return top
        from . import jacobian_route

        return top._replace(route=jacobian_route.describe("operator", "accelerate= was given"))
    if route != "operator" and method is not None:
        from . import jacobian_route

        point = point_or_default(game, z)
        if which != "LM" or solver != "krylov-schur" or ops is not None:
            problem = "the Jacobian route takes which='LM', Krylov–Schur and the default ops"
        else:
            problem = jacobian_route.route_problem(method, game, point)
        if problem is not None and route == "jacobian":
            raise ValueError(f"route='jacobian' does not hold here: {problem}")
        if problem is None:
            try:
                values, residuals, j_products, _ = jacobian_route.top_by_jacobian(
                    game,
                    method,
                    point,
                    check_k(k, method.order * game.n, 2),
                    tol=tol,
                    ncv=ncv,
                    max_restarts=max_restarts,
                    mode=mode,
                )
            except (jacobian_route.RouteFailed, KrylovNoConvergence) as err:
                if route == "jacobian":
                    raise ValueError(f"the Jacobian route failed: {err}") from err
                problem = f"the Jacobian route failed: {str(err)[:100]}"
            else:
                return TopEigenvalues(
                    values,
                    residuals,
                    j_products,
                    time.perf_counter() - start,
                    solver,
                    j_products,
                    jacobian_route.describe("jacobian", None),
                )
        op = JacobianOperator(game, z, method, mode, ops=ops)
        top = solve_top(op, k, which, solver, tol, max_restarts, ncv, callback, start)
        return top._replace(route=jacobian_route.describe("operator", problem))
    op = JacobianOperator(game, z, method, mode, ops=ops)
    return solve_top(op, k, which, solver, tol, max_restarts, ncv, callback, start)


def solve_top(
    op: JacobianOperator,
    k: int,
    which: str = "LM",
    solver: str = "krylov-schur",
    tol: float = 1e-10,
    max_restarts: int | None = None,
    ncv: int | None = None,
    callback: Callable[[int, int], None] | None = None,
    start: float | None = None,
    *,
    accelerate: str | None = None,
) -> TopEigenvalues:
    """:func:`top_eigenvalues` of an operator already built (one operator for a whole analysis)."""
    if not isinstance(op, JacobianOperator):
        raise TypeError(f"op must be a JacobianOperator, got {type(op).__name__}")
    which = _validate.choice("which", which, KRYLOV_WHICH)
    solver = _validate.choice("solver", solver, SOLVERS)
    tol = _validate.positive("tol", tol)
    if max_restarts is not None:
        max_restarts = _validate.integer_at_least("max_restarts", max_restarts, 0)
    start = time.perf_counter() if start is None else start
    k = check_k(k, op.shape[0], 2)
    if ncv is not None:
        ncv = _validate.integer_at_least("ncv", ncv, 1)
        if not k + 2 <= ncv <= op.shape[0]:
            raise ValueError(
                f"ncv must satisfy k + 2 = {k + 2} <= ncv <= n = {op.shape[0]}, got {ncv}"
            )
    check_acceleration(accelerate, solver)
    acceleration = None
    if op.shape[0] <= DENSE_SOLVE:
        values, residuals, matvecs = _dense_top(op, k, which)
    elif accelerate is not None:
        values, residuals, matvecs, acceleration = _chebyshev(
            op, k, which, tol, max_restarts, ncv, callback
        )
    elif solver == "arpack":
        values, residuals, matvecs = _arpack(op, k, which, tol, max_restarts, ncv)
    else:
        values, residuals, matvecs = _krylov_schur(op, k, which, tol, max_restarts, ncv, callback)
    values, residuals = sorted_with(values, residuals)
    from .jacobian_route import step_products

    per_product = step_products(op.method, op.game, op.point[: op.game.n])
    return TopEigenvalues(
        values,
        residuals,
        matvecs,
        time.perf_counter() - start,
        solver,
        matvecs * per_product,
        acceleration=acceleration,
    )


DENSE_SOLVE = 12
"""Operators of at most this size are solved densely by :func:`solve_top` (``n`` products build
the matrix, LAPACK's ``geev`` its eigenvalues, fresh products the true residuals): a Krylov
basis (at least ``k + 2`` vectors, by default ``max(2k + 1, 20)`` capped at ``n``) would be most
or all of the space, and an iterative solve there converges or not depending on round-off (the
BLAS kernel), which a dense solve does not. Above it, the iterative solvers run."""


def _dense_top(op: JacobianOperator, k: int, which: str) -> tuple[np.ndarray, np.ndarray, int]:
    """The top ``k`` of a small operator from its dense matrix, with true residuals."""
    n = op.shape[0]
    before = op.count
    matrix = np.asarray(op.matmat(np.eye(n)), dtype=float)
    w, v = np.linalg.eig(matrix)
    order = np.argsort(-which_score(w, which), kind="stable")[:k]
    values, vectors = w[order], v[:, order]
    residuals = _residuals(op, values, vectors)
    return values, residuals, op.count - before


def check_acceleration(accelerate: str | None, solver: str) -> str | None:
    """``accelerate`` checked: ``None`` or one of :data:`~gamedyn.vocabulary.ACCELERATIONS`,
    with Krylov–Schur."""
    if accelerate is None:
        return None
    _validate.choice("accelerate", accelerate, ACCELERATIONS)
    if solver != "krylov-schur":
        raise ValueError(f"accelerate={accelerate!r} needs solver='krylov-schur', got {solver!r}")
    return accelerate


def _chebyshev(
    op: JacobianOperator,
    k: int,
    which: str,
    tol: float,
    max_restarts: int | None,
    ncv: int | None,
    callback: Callable[[int, int], None] | None,
) -> tuple[np.ndarray, np.ndarray, int, str]:
    """Chebyshev-filtered Krylov–Schur (:mod:`gamedyn.spectrum.filters`); where its check on
    ``A`` fails, plain Krylov–Schur started from its best vectors (all products counted)."""
    from .filters import chebyshev_eigenpairs

    n = op.shape[0]
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(n))
    restarts = MAX_RESTARTS if max_restarts is None else max_restarts
    r = chebyshev_eigenpairs(
        op.apply, n, k, which, tol=tol, ncv=ncv, max_restarts=restarts, v0=v0,
        dtype=torch.float64, device=op.device, callback=callback,
    )  # fmt: skip
    if r.converged:
        return r.values, r.residuals, r.matvecs, r.description
    start = v0 if r.vectors is None else torch.sum(r.vectors.real, dim=0).cpu()
    try:
        plain = krylov_schur(
            op.apply, n, k, which, tol=tol, ncv=ncv, max_restarts=restarts, v0=start,
            dtype=torch.float64, device=op.device, callback=callback, return_vectors=True,
        )  # fmt: skip
    except KrylovNoConvergence as err:
        values, residuals = sorted_with(err.partial.values, err.partial.residuals)
        raise NoConvergence(
            f"Chebyshev-accelerated Krylov–Schur did not converge ({r.description}), nor did "
            f"plain Krylov–Schur after it: {err}",
            values,
            r.matvecs + err.partial.matvecs,
            residuals,
        ) from err
    residuals = ritz_residuals(op.apply, plain.values, plain.vectors)
    note = f"{r.description}; fell back to plain Krylov–Schur from its vectors"
    return plain.values, residuals, r.matvecs + plain.matvecs, note


def hermitian_eigenvalues(
    op: LinearOperator, k: int, which: str, tol: float = 1e-10, max_restarts: int | None = None
) -> np.ndarray:
    """``k`` eigenvalues of a symmetric/Hermitian ``op`` by Lanczos (``eigsh``), descending.

    ``which`` is :data:`gamedyn.vocabulary.HERMITIAN_WHICH`'s.
    """
    which = _validate.choice("which", which, HERMITIAN_WHICH)
    k = check_k(k, op.shape[0], 1)
    if which == "BE" and k < 2:
        raise ValueError("which='BE' (both ends) needs k >= 2, got k = 1")
    v0 = np.random.default_rng(0).standard_normal(op.shape[0]).astype(op.dtype)
    counter = _Counted(op)
    try:
        values = eigsh(
            counter,
            k=k,
            which=which,
            tol=tol,
            maxiter=max_restarts,
            v0=v0,
            return_eigenvectors=False,
        )
    except ArpackNoConvergence as err:
        values = np.real(np.asarray(err.eigenvalues))
        vectors = np.asarray(err.eigenvectors)
        residuals = np.array(
            [
                np.linalg.norm(op.matvec(vectors[:, i]) - values[i] * vectors[:, i])
                / np.linalg.norm(vectors[:, i])
                for i in range(len(values))
            ]
        )
        order = np.argsort(values)[::-1]
        raise NoConvergence(
            f"Lanczos (ARPACK eigsh) did not converge: {len(values)} of k = {k} eigenvalues "
            f"({which}) after {counter.count} products",
            values[order],
            counter.count,
            residuals[order],
        ) from err
    return np.sort(np.real(values))[::-1]


class _Counted(LinearOperator):
    """``op`` with its products counted (any LinearOperator)."""

    def __init__(self, op: LinearOperator):
        self.op, self.count = op, 0
        super().__init__(dtype=op.dtype, shape=op.shape)

    def _matvec(self, u: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.op.matvec(u)
