"""Top eigenvalues of a matrix-free Jacobian: Krylov–Schur or ARPACK, with true residuals.

* :func:`top_eigenvalues`: ``k`` eigenvalues of the game Jacobian (or of a method's operator
  Jacobian) by ``which``, from one :class:`~gamedyn.spectrum.JacobianOperator` built for the
  call (:func:`operator_for`); :func:`solve_top` does the same on an operator already built
  (one operator for a whole analysis: :func:`gamedyn.analysis.analyse`).
* How to solve is one object, ``solver=``: :class:`~gamedyn.spectrum.KrylovSchur` (default) or
  :class:`~gamedyn.spectrum.Arpack`, every option a validated field.

The path of one call is straight: ``top_eigenvalues`` checks its arguments, builds the operator
once, and hands it to ``solve_top``, which chooses the route (:mod:`._jacobian_route`: the
route's residuals are checked on that same operator), runs the solver and computes the true
residuals with that operator's products.

Results are sorted in gamedyn's order (:func:`~gamedyn.spectrum.sort_eigenvalues`); ``which``
has ARPACK's meaning (:mod:`gamedyn.vocabulary`). :class:`~gamedyn.linalg.NoConvergence` (a
``ValueError``) carries the partial result of every solver.

Example:
  >>> from gamedyn.games import Bilinear
  >>> import numpy as np
  >>> game = Bilinear(np.diag([3.0, 2.0, 1.0, 0.5]))
  >>> r = top_eigenvalues(game, k=2)
  >>> np.round(r.values, 8)
  array([0.+3.j, 0.-3.j])
  >>> r = top_eigenvalues(game, k=2, solver=Arpack(tol=1e-12))
  >>> np.round(r.values, 8), r.solver
  (array([0.+3.j, 0.-3.j]), 'arpack')
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigs

from ..backends._matrix_free import MatrixFreeOps
from ..games._base import Game
from ..linalg import (
    LOW_RESTARTS,
    KrylovNoConvergence,
    NoConvergence,
    check_k,
    default_ncv,
    krylov_schur,
    mixed_precision_eigs,
    ritz_residuals,
)
from ..methods import Method
from ..vocabulary import KRYLOV_WHICH, which_score
from . import _jacobian_route as jacobian_route
from ._lowered import lowered_product
from ._operator import JacobianOperator
from ._ordering import sorted_with
from ._solvers import Arpack, KrylovSchur, check_solver

Tensor = torch.Tensor

DEFAULT_SOLVER = KrylovSchur()
"""The solver of :func:`top_eigenvalues` unless ``solver=`` says otherwise."""

__all__ = [
    "TopEigenvalues",
    "top_eigenvalues",
    "solve_top",
    "operator_for",
    "check_which",
    "MIXED_MIN_SIZE",
    "OPERATOR_NCV",
    "OPERATOR_LONG_NCV",
    "OPERATOR_BASIS_BYTES",
    "CHECK_EVERY",
    "JACOBIAN_CHECK_EVERY",
    "long_basis",
    "default_precision",
    "twin_operator",
]

OPERATOR_NCV = 40
"""An update operator's default Krylov basis, ``ncv = max(2k + 1, OPERATOR_NCV)`` (at most the
size): its least-damped eigenvalues sit in a cluster near 1, and a longer basis than ARPACK's
``max(2k + 1, 20)`` reaches them in fewer products
(``benchmarks/bench_operator_spectra.py``, digits DCGAN, k = 6, tol 1e-6: GDA 582 → 325
products, extragradient 1,080 → 720, frozen Adam 355 → 288)."""

OPERATOR_LONG_NCV = 200
"""The longest default basis of an update operator, ``ncv = max(2k + 1, OPERATOR_NCV,
min(OPERATOR_LONG_NCV, OPERATOR_BASIS_BYTES / (8 n)))``, its convergence tested every
:data:`CHECK_EVERY` vectors from ``max(2k + 1, OPERATOR_NCV)`` on
(:func:`gamedyn.linalg.krylov_schur`'s ``check_every``): Arnoldi without restarts until the
cluster near 1 has converged, which no restarted basis beats in products
(``benchmarks/bench_operator_spectra.py``)."""

OPERATOR_BASIS_BYTES = 2**29
"""The memory (512 MiB of float64 basis vectors) up to which an operator's default basis grows
beyond ``OPERATOR_NCV`` vectors: at 1.7 M parameters it stays at 40."""

CHECK_EVERY = 10
"""An operator's default solve tests convergence every this many new basis vectors."""


JACOBIAN_CHECK_EVERY = 1
"""The game Jacobian's default solve (``ncv = None``, Krylov–Schur) runs on a basis of
``max(2k + 1, 40)`` vectors (:func:`gamedyn.linalg.default_ncv`, as mixed precision's phases)
and tests convergence after every new vector from ``2k + 1`` on, so that it stops at the
product where the ``k`` converge (digits DCGAN, top-6: 48 → 44 products to 1e-6, 69 → 55 to
1e-10; the 1.7 M DCGAN in float32 138 → 94 to 1e-6; ``benchmarks/bench_jacobian_basis.py``)."""


def long_basis(n: int) -> int:
    """The default long basis of an operator of size ``n`` (:data:`OPERATOR_LONG_NCV`)."""
    return int(min(OPERATOR_LONG_NCV, OPERATOR_BASIS_BYTES // (8 * max(n, 1))))


MIXED_MIN_SIZE = 100_000
"""``precision=None`` runs ``"mixed"`` on float64 TorchGames of at least this many entries
(the game Jacobian, ``which="LM"``, Krylov–Schur): where a float64 product costs several float32
ones (``benchmarks/bench_mixed_precision.py``: float64 ``J u`` 6.0× float32 in CPU time on the
1.7 M DCGAN; mixed 0.38× the float64 solve's CPU time on the 538 k DCGAN; on the 19,362-parameter
digits DCGAN it saved 18–30 % of the solve, which a second operator's build eats in part)."""


class TopEigenvalues(NamedTuple):
    """Eigenvalues from a Krylov solver and how far they are to be trusted.

    ``values``: sorted in gamedyn's order (decreasing modulus); ``residuals``: the true
    ``‖A v − λ v‖/‖v‖`` for each value's eigenvector, recomputed with fresh products, in the same
    order; ``matvecs``: products used by the solver (the residuals' own products not included,
    but for ``precision="mixed"``, whose float64 residual check is part of its solve);
    ``seconds``: wall time of the whole call; ``solver``: ``"krylov-schur"`` or ``"arpack"``;
    ``jacobian_products``: the products with ``J`` (and ``Jᵀ``) the solve cost, whatever the
    route (the operator route: ``matvecs`` times the field evaluations and ``J u``/``Jᵀ u`` of
    one step); ``route``: how the eigenvalues were found (``"operator"``
    or ``"jacobian: ..."``, with the reason where the Jacobian route did not hold);
    ``precision``: what the products ran in (``"float64"``, ``"float32"``, or ``"mixed: ..."``
    with each phase's products).
    """

    values: np.ndarray
    residuals: np.ndarray
    matvecs: int
    seconds: float
    solver: str = "krylov-schur"
    jacobian_products: int | None = None
    route: str = "operator"
    precision: str | None = None


def _residuals(op: LinearOperator, values: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``‖A v − λ v‖/‖v‖`` per eigenpair (real and imaginary parts multiplied separately)."""
    parts = np.concatenate([vectors.real, vectors.imag], axis=1)
    images = op.matmat(parts)
    k = vectors.shape[1]
    av = images[:, :k] + 1j * images[:, k:]
    return np.linalg.norm(av - vectors * values, axis=0) / np.linalg.norm(vectors, axis=0)


def _arpack(
    op: JacobianOperator, k: int, which: str, solver: Arpack, ncv: int | None
) -> tuple[np.ndarray, np.ndarray, int]:
    tol, max_restarts = solver.tol, solver.max_restarts
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
    solver: KrylovSchur,
    ncv: int | None,
    callback: Callable[[int, int], None] | None,
    checks: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(op.shape[0]))
    try:
        r = krylov_schur(  # a float64 basis whatever the products' dtype
            op.apply,
            op.shape[0],
            k,
            which,
            tol=solver.tol,
            ncv=ncv,
            max_restarts=solver.max_restarts,
            v0=v0,
            dtype=torch.float64,
            device=op.device,
            callback=callback,
            return_vectors=True,
            **(checks or {}),
        )
    except KrylovNoConvergence as err:
        values, residuals = sorted_with(err.partial.values, err.partial.residuals)
        raise NoConvergence(
            f"Krylov–Schur did not converge: {err}; the Ritz values so far (sorted): {values}",
            values,
            err.partial.matvecs,
            residuals,
        ) from err
    residuals = ritz_residuals(op.apply, r.values, r.vectors)
    restarted = min(ncv or 0, max(2 * k + 1, OPERATOR_NCV))
    if (
        checks is not None
        and restarted < (ncv or 0)
        and _unverified(r.values, residuals, solver.tol)
    ):
        # A stop inside a long cycle rests on the Arnoldi relation's residual estimates; where the
        # true residuals miss tol by far (an operator of norm ≫ its wanted values: exact Adam at a
        # state with zero second moments), the restarted basis solves again and the answer with
        # the smaller true residuals is kept (its products added).
        again, again_res, again_matvecs = _krylov_schur(
            op, k, which, solver.replace(ncv=restarted), restarted, callback
        )
        matvecs = r.matvecs + again_matvecs + k
        if _worst(again, again_res) <= _worst(r.values, residuals):
            return again, again_res, matvecs
        return r.values, residuals, matvecs
    return r.values, residuals, r.matvecs


UNVERIFIED = 100.0
"""How far (a factor) the true residuals of a long basis' early stop may exceed ``tol`` before the
restarted basis solves again (:func:`_krylov_schur`)."""


def _worst(values: np.ndarray, residuals: np.ndarray) -> float:
    """The largest residual relative to its eigenvalue's modulus."""
    tiny = np.finfo(float).tiny
    return float(np.max(np.asarray(residuals) / np.maximum(np.abs(values), tiny)))


def _unverified(values: np.ndarray, residuals: np.ndarray, tol: float) -> bool:
    """Whether the true residuals miss ``tol`` by more than :data:`UNVERIFIED`."""
    return _worst(values, residuals) > UNVERIFIED * tol


def check_which(which: Any) -> str:
    """``which`` checked against the Krylov solvers' criteria, before any product is built."""
    if not isinstance(which, str) or which not in KRYLOV_WHICH:
        raise ValueError(f"unknown which {which!r}; expected one of {list(KRYLOV_WHICH)!r}")
    return which


def operator_for(
    game: Game, z: Any = None, method: Method | None = None, solver: Any = None
) -> JacobianOperator:
    """The one :class:`~gamedyn.spectrum.JacobianOperator` a solve with ``solver`` runs on:
    its product ``mode``, its ``precision`` checked against the products' dtype, and the
    step's inner solves to ``solve_tol`` in ``solve_iterations`` GMRES steps."""
    solver = KrylovSchur() if solver is None else check_solver(solver)
    ops = None
    if method is not None and isinstance(game, Game):
        ops = MatrixFreeOps(game, tol=solver.solve_tol, solve_iterations=solver.solve_iterations)
    op = JacobianOperator(game, z, method, solver.mode, ops=ops)
    check_precision(op, solver)
    return op


def check_precision(op: JacobianOperator, solver: Any) -> None:
    """Raises unless ``op``'s products run in the dtype ``solver.precision`` asks for."""
    precision = solver.precision
    if precision is None:
        return
    if precision == "mixed":
        if not isinstance(solver, KrylovSchur):
            raise ValueError("precision='mixed' needs solver=KrylovSchur(...), got Arpack")
        if getattr(op.game, "with_dtype", None) is None:
            raise ValueError(
                "precision='mixed' needs a game that can be copied in float32 and float64 "
                f"(a TorchGame, with_dtype), got {type(op.game).__name__}"
            )
        if op.method is not None and solver.route == "jacobian":
            raise ValueError("precision='mixed' takes the operator route, got route='jacobian'")
        return
    have = str(op.product_dtype).removeprefix("torch.")
    if have != precision:
        raise ValueError(
            f"precision={precision!r} asks for {precision} products, but the game computes in "
            f"{have}: build the game in {precision} (e.g. TorchGame(..., dtype=torch."
            f"{precision})) or leave precision=None (the game's dtype)"
        )


def top_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LM",
    *,
    method: Method | None = None,
    z: Any = None,
    solver: KrylovSchur | Arpack = DEFAULT_SOLVER,
    callback: Callable[[int, int], None] | None = None,
) -> TopEigenvalues:
    """``k`` eigenvalues of the game Jacobian at ``z`` (or of ``method``'s operator Jacobian).

    ``which``: ``"LM"`` largest modulus, ``"LR"``/``"SR"`` largest / smallest real part (the
    least stable directions of the game are ``"SR"``), ``"LI"``/``"SI"`` largest / smallest
    imaginary part in absolute value (the operator is real, so eigenvalues come in conjugate
    pairs and both members are returned). ``solver``: how to solve
    (:class:`~gamedyn.spectrum.KrylovSchur`, the default, or :class:`~gamedyn.spectrum.Arpack`;
    tolerance, basis, restarts, product mode, route, precision: their fields). The returned
    residuals are the true ``‖A v − λ v‖/‖v‖``, recomputed with fresh products (about ``k``).
    ``callback(converged, k)`` is called after each Krylov–Schur cycle (progress bars). The
    Krylov basis is float64; the products run in the game's dtype (float32 products are the
    fast mode, float64 the validation mode).

    Operator spectra (``method`` given), :mod:`gamedyn.spectrum._jacobian_route`:
    ``KrylovSchur(route="jacobian")`` runs Krylov–Schur on ``J`` and maps the Ritz values by the
    method's eigenvalue map, selecting by ``|μ(θ)|`` over all branches and checking every
    residual on the operator — exact where the operator's Jacobian is a function of ``J`` (GDA,
    heavy ball anywhere; extragradient, optimistic, lookahead of these at a stationary point of
    the field); ``route="operator"`` runs it on the operator's own products; ``"auto"``
    (default) takes the Jacobian route where it holds (``which="LM"``, Krylov–Schur) and the
    operator route otherwise. The result's ``route`` says which was used and why;
    ``jacobian_products`` counts ``J`` products either way.

    Raises:
      NoConvergence: (a ``ValueError``) with the best estimates so far.
    """
    start = time.perf_counter()
    solver = check_solver(solver)
    which = check_which(which)  # checked before any product is built
    op = operator_for(game, z, method, solver)
    return solve_top(op, k, which, solver, callback=callback, start=start)


def solve_top(
    op: JacobianOperator,
    k: int = 6,
    which: str = "LM",
    solver: KrylovSchur | Arpack = DEFAULT_SOLVER,
    *,
    callback: Callable[[int, int], None] | None = None,
    start: float | None = None,
) -> TopEigenvalues:
    """:func:`top_eigenvalues` of an operator already built (one operator for a whole analysis).

    The operator's own fields (product mode, dtype, inner solves) were fixed when it was built
    (:func:`operator_for`); ``solver``'s ``precision`` is checked against its products."""
    if not isinstance(op, JacobianOperator):
        raise TypeError(f"op must be a JacobianOperator, got {type(op).__name__}")
    start = time.perf_counter() if start is None else start
    solver = check_solver(solver)
    which = check_which(which)
    check_precision(op, solver)
    k = check_k(k, op.shape[0], 2)
    ncv = solver.ncv
    if ncv is not None and not k + 2 <= ncv <= op.shape[0]:
        raise ValueError(f"ncv must satisfy k + 2 = {k + 2} <= ncv <= n = {op.shape[0]}, got {ncv}")
    checks = None
    if ncv is None and op.method is not None:  # operator spectra: a long basis, tested early
        size = op.shape[0] if op.z is None else min(op.shape[0], op.z.numel())
        ncv = min(size, max(2 * k + 1, OPERATOR_NCV, long_basis(op.shape[0])))
        if ncv >= k + 2:
            solver = solver.replace(ncv=ncv)
            checks = {"check_every": CHECK_EVERY, "check_from": max(2 * k + 1, OPERATOR_NCV)}
        else:
            ncv = None
    precision = solver.precision or default_precision(op, which, solver)
    if precision == "mixed":
        return _mixed(op, k, which, solver, ncv, callback, start)
    if ncv is None and op.method is None and isinstance(solver, KrylovSchur):
        # the game Jacobian: mixed precision's basis, tested after every vector (no product)
        ncv = default_ncv(op.shape[0], k)
        if ncv >= k + 2:
            checks = {"check_every": JACOBIAN_CHECK_EVERY, "check_from": 2 * k + 1}
        else:
            ncv = None
    problem = None
    if op.method is not None:
        problem = _route_problem(op, which, solver)
        if problem is None:
            top = _by_jacobian(op, k, solver, start, checks)
            if isinstance(top, TopEigenvalues):
                return top
            problem = top
    if op.shape[0] <= DENSE_SOLVE:
        values, residuals, matvecs = _dense_top(op, k, which)
    elif isinstance(solver, Arpack):
        values, residuals, matvecs = _arpack(op, k, which, solver, ncv)
    else:
        values, residuals, matvecs = _krylov_schur(op, k, which, solver, ncv, callback, checks)
    values, residuals = sorted_with(values, residuals)
    calls = jacobian_route.recorded_step(op)
    per_product = jacobian_route.step_products(op.method, op.game, op.z, calls)
    route = jacobian_route.describe("operator", problem or None)
    seconds = time.perf_counter() - start
    return TopEigenvalues(
        values, residuals, matvecs, seconds, solver.name, matvecs * per_product, route,
        str(op.product_dtype).removeprefix("torch."),
    )  # fmt: skip


def default_precision(op: JacobianOperator, which: str, solver: Any) -> str | None:
    """What ``precision=None`` runs: ``"mixed"`` for the game Jacobian of a float64
    :class:`~gamedyn.games.TorchGame` of at least :data:`MIXED_MIN_SIZE` entries with
    ``which="LM"`` and Krylov–Schur (float32 products resolve the largest moduli to 1e-6
    reliably), ``None`` (the game's dtype) otherwise."""
    from ..games import TorchGame

    large = op.shape[0] >= MIXED_MIN_SIZE and op.product_dtype == torch.float64
    plain = which == "LM" and isinstance(solver, KrylovSchur) and op.method is None
    return "mixed" if large and plain and isinstance(op.game, TorchGame) else None


def twin_operator(op: JacobianOperator, dtype: torch.dtype) -> JacobianOperator:
    """The same Jacobian as ``op`` with products in ``dtype``: a copy of the game in that dtype
    (``game.with_dtype``), the same method, point and product mode (``op`` itself where its
    products already run in ``dtype``)."""
    if op.product_dtype == dtype:
        return op
    z = op.z.to(dtype) if op.z is not None else None
    twin = JacobianOperator(op.game.with_dtype(dtype), z, op.method, op.mode, ops=None)
    return twin


def _mixed(
    op: JacobianOperator,
    k: int,
    which: str,
    solver: KrylovSchur,
    ncv: int | None,
    callback: Callable[[int, int], None] | None,
    start: float,
) -> TopEigenvalues:
    """Float32 products to about 1e-6, then a deflated refinement with float32 products and a
    few float64 ones (:func:`gamedyn.linalg.mixed_precision_eigs`), whose residuals are true
    residuals with float64 products (no second check). The float32 products are the float64
    operator's linearize trace run in float32 (:func:`._lowered.lowered_product`: the Jacobian
    at the float64 point, its branches float64's), or where it has none (``mode`` reverse or
    forward) those of the game's float32 copy."""
    high = twin_operator(op, torch.float64)
    lowered = lowered_product(high)  # the float64 point's Jacobian in float32 (linearize)
    low = twin_operator(op, torch.float32) if lowered is None else None
    low_apply = low.apply if low is not None else lowered
    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(op.shape[0]))
    restarts = solver.max_restarts
    try:
        r = mixed_precision_eigs(
            low_apply, high.apply, op.shape[0], k, which, tol=solver.tol, ncv=ncv,
            max_restarts=restarts, low_restarts=min(restarts, LOW_RESTARTS), v0=v0,
            device=op.device, callback=callback, return_vectors=True,
        )  # fmt: skip
    except KrylovNoConvergence as err:
        values, residuals = sorted_with(err.partial.values, err.partial.residuals)
        raise NoConvergence(
            f"mixed-precision Krylov–Schur did not converge: {err}; the Ritz values so far "
            f"(sorted): {values}",
            values,
            err.partial.matvecs,
            residuals,
        ) from err
    for twin in (low, high):
        if twin is not None and twin is not op:
            op.count += twin.count
    if low is None:
        op.count += r.low_matvecs
    values, residuals = sorted_with(r.values, r.residuals)  # true float64 residuals
    calls = jacobian_route.recorded_step(op)
    per_product = jacobian_route.step_products(op.method, op.game, op.z, calls)
    problem = "precision='mixed' takes the operator route" if op.method is not None else None
    return TopEigenvalues(
        values, residuals, r.matvecs, time.perf_counter() - start, solver.name,
        r.matvecs * per_product, jacobian_route.describe("operator", problem),
        f"mixed: {r.low_matvecs} float32 products, {r.high_matvecs} float64"
        + (" (float64 Krylov–Schur fallback)" if r.fallback else ""),
    )  # fmt: skip


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
    images = op.matmat(np.concatenate([vectors.real, vectors.imag], axis=1))
    av = images[:, :k] + 1j * images[:, k:]
    residuals = np.linalg.norm(av - vectors * values, axis=0) / np.linalg.norm(vectors, axis=0)
    return values, residuals, op.count - before


def _route_problem(op: JacobianOperator, which: str, solver: Any) -> str | None:
    """Why ``op``'s eigenvalues are not taken by the Jacobian route (``None``: they are)."""
    route = getattr(solver, "route", "operator")
    if route == "operator":
        return ""  # chosen: no reason to give
    if which != "LM" or not isinstance(solver, KrylovSchur):
        problem = "the Jacobian route takes which='LM' and Krylov–Schur"
    else:
        calls = jacobian_route.recorded_step(op)
        explicit = route == "jacobian"
        problem = jacobian_route.route_problem(op.method, op.game, op.z, calls, explicit)
    if problem is not None and route == "jacobian":
        raise ValueError(f"route='jacobian' does not hold here: {problem}")
    return problem


def _by_jacobian(
    op: JacobianOperator,
    k: int,
    solver: KrylovSchur,
    start: float,
    checks: dict[str, int] | None = None,
) -> TopEigenvalues | str:
    """The Jacobian route's result, or (``route="auto"``) why it failed."""
    try:
        values, residuals, j_products, _ = jacobian_route.top_by_jacobian(op, k, solver, checks)
    except (jacobian_route.RouteFailed, KrylovNoConvergence) as err:
        if solver.route == "jacobian":
            raise ValueError(f"the Jacobian route failed: {err}") from err
        return f"the Jacobian route failed: {str(err)[:100]}"
    return TopEigenvalues(
        values,
        residuals,
        j_products,
        time.perf_counter() - start,
        solver.name,
        j_products,
        jacobian_route.describe("jacobian", None),
    )
