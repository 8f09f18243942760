"""Operator spectra by the Jacobian route: Krylov–Schur on ``J``, Ritz values mapped by ``μ(θ)``.

Where an update operator's Jacobian is exactly a function of the game Jacobian ``J`` at the
state analysed — the step evaluates the field (and ``J u``) only at the analysed point ``z`` and
calls no ``Jᵀ`` (GDA and heavy ball anywhere; extragradient, optimistic GDA and lookahead of
these at a **stationary point** ``v(z) = 0``, the linearisation around an equilibrium) — the
operator Jacobian on the state is the block matrix ``M(J)`` of the method's eigenvalue matrix
(:func:`gamedyn.spectrum.eigenvalue_matrix`, derived from the step on the scalar field
``v = λz``). An eigenpair ``(θ, v)`` of ``J`` gives ``r`` operator eigenpairs ``(μ_b, c_b ⊗ v)``,
``(μ_b, c_b)`` the eigenpairs of ``M(θ)``. So Krylov–Schur runs on ``J``, ranking Ritz values by
``max_b |μ_b(θ)|`` over all branches, the ``k`` largest ``|μ|`` are taken from the branches of
the ``k`` best ``θ``, and every pair's residual is checked **on the operator**
(``‖A w − μ w‖ ≤ tol·|μ|·‖w‖``, two operator products per complex pair).

Frozen simultaneous Adam, whose preconditioner ``P`` differs per coordinate, is the unit frozen
Adam on ``P J`` (:mod:`._preconditioned_route`): Krylov–Schur runs on ``P J`` instead.

Away from a stationary point the operator's Jacobian has second-derivative terms (extragradient's
``J(z − ηv)``, lookahead's fast steps away from ``z``): :func:`route_problem` says why and
:func:`~gamedyn.spectrum.top_eigenvalues` uses the operator route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..backends._matrix_free import MatrixFreeOps
from ..games._base import Game
from ..linalg import krylov_schur
from ..methods import Method
from ..vocabulary import which_score
from ._operator import JacobianOperator
from ._ordering import sorted_with
from ._preconditioned_route import preconditioned_form

Tensor = torch.Tensor

__all__ = [
    "STATIONARY_TOL",
    "RouteFailed",
    "route_problem",
    "step_products",
    "top_by_jacobian",
    "describe",
]

STATIONARY_TOL = 1e-12
"""Field evaluations within ``STATIONARY_TOL · (1 + ‖z‖)`` of ``z`` count as made at ``z``."""

_ALLOWED = ("field", "jvp")


class RouteFailed(ValueError):
    """The Jacobian route's eigenpairs failed the residual check on the operator."""


class _Recording(MatrixFreeOps):
    """MatrixFreeOps that records the primitives one eager step calls and where."""

    def __init__(self, game: Game):
        super().__init__(game)
        self.calls: list[tuple[str, Tensor | None]] = []

    def field(self, z: Tensor) -> Tensor:
        self.calls.append(("field", z.detach()))
        return super().field(z)

    def jvp(self, z: Tensor, u: Tensor) -> Tensor:
        self.calls.append(("jvp", z.detach()))
        return super().jvp(z, u)

    def vjp(self, z: Tensor, u: Tensor) -> Tensor:
        self.calls.append(("vjp", z.detach()))
        return super().vjp(z, u)

    def solve(self, linear_map: Callable[..., Tensor], rhs: Tensor, *operands: Tensor) -> Tensor:
        self.calls.append(("solve", None))
        return super().solve(linear_map, rhs, *operands)

    def loss_gradients(self, z: Tensor) -> tuple[Tensor, Tensor]:
        self.calls.append(("loss_gradients", z.detach()))
        return super().loss_gradients(z)

    def dot(self, u: Tensor, w: Tensor) -> Tensor:
        self.calls.append(("dot", None))
        return super().dot(u, w)

    def sqrt(self, u: Tensor) -> Tensor:
        self.calls.append(("sqrt", None))
        return super().sqrt(u)


Calls = list[tuple[str, Tensor | None]]


def _record(method: Method, game: Game, z: Tensor) -> Calls:
    ops = _Recording(game)
    with torch.no_grad():
        method.step(ops, method.init(z))
    return ops.calls


def recorded_step(op: JacobianOperator) -> Calls | None:
    """The primitives one eager step of ``op``'s method calls at ``op.z``, and where; recorded
    once per operator and kept (``None`` for the game Jacobian)."""
    if op.method is None:
        return None
    calls = getattr(op, "_recorded_step", None)
    if calls is None:
        calls = _record(op.method, op.game, op.z)
        op._recorded_step = calls
    return calls


def step_products(method: Method | None, game: Game, z: Tensor, calls: Calls | None = None) -> int:
    """Products with ``J`` (or its derivatives) one operator product costs: one per field
    evaluation and per ``J u``/``Jᵀ u`` of one eager step at ``method.init(z)`` (the game
    Jacobian: 1). CGD's inner GMRES iterations count, as its implicit derivative repeats them.
    ``calls``: that step already recorded (:func:`recorded_step`)."""
    if method is None:
        return 1
    calls = _record(method, game, z) if calls is None else calls
    return max(1, sum(name in ("field", "jvp", "vjp", "loss_gradients") for name, _ in calls))


def route_problem(
    method: Method | None,
    game: Game,
    z: Tensor,
    calls: Calls | None = None,
    explicit: bool = True,
) -> str | None:
    """Why the Jacobian route does not hold for ``method`` at ``z`` (``None``: it holds).

    It holds when the method has an eigenvalue map and one eager step at ``method.init(z)``
    calls only the field and ``J u``, each at ``z`` (to :data:`STATIONARY_TOL`); frozen
    simultaneous Adam with per-coordinate (and per-player) preconditioners maps the eigenvalues
    of ``P J`` by its unit method's map (:mod:`._preconditioned_route`). ``calls``: that step
    already recorded (:func:`recorded_step`). ``explicit=False`` (``route="auto"``): frozen
    Adam's ``P J`` route is not taken (it measured no fewer products than the operator route).
    """
    if method is None:
        return "the game Jacobian itself (no operator to map)"
    scale = STATIONARY_TOL * (1.0 + float(torch.linalg.vector_norm(z)))
    calls = _record(method, game, z) if calls is None else calls
    for name, point in calls:  # one eager step, before any sympy
        if name not in _ALLOWED:
            return f"the step calls {name} (its Jacobian is not a function of J alone)"
        gap = float(torch.linalg.vector_norm(point - z))
        if gap > scale:
            return (
                f"the step evaluates the field {gap:.1e} away from z (v(z) ≠ 0: its Jacobian has "
                "second-derivative terms there), so the operator route is used"
            )
    from ._maps import NoEigenvalueMap, eigenvalue_matrix, numeric_eigenvalue_map  # sympy

    form = preconditioned_form(method, game, z)  # frozen simultaneous Adam: the map on P J
    if form is not None and not explicit:
        return (
            "frozen Adam's route on P·J measured no fewer products than the operator's "
            "(benchmarks/bench_operator_spectra.py); route='jacobian' takes it"
        )
    mapped = method if form is None else form[0]
    try:
        numeric_eigenvalue_map(mapped)
        eigenvalue_matrix(mapped, np.array([0.5 + 0.5j]))  # per-player steps: no matrix
    except (NoEigenvalueMap, ValueError, TypeError) as err:
        return f"{method!r} has no numeric eigenvalue map ({str(err)[:80]}...)"
    return None


def top_by_jacobian(
    A: JacobianOperator, k: int, solver: Any, checks: dict[str, int] | None = None
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The ``k`` eigenvalues of largest modulus of the operator ``A`` (a method's
    :class:`~gamedyn.spectrum.JacobianOperator`) by the Jacobian route (module docs): one
    operator of ``J`` at ``A``'s point is built (``solver.mode``), Krylov–Schur runs on it
    (``solver.tol``, ``ncv``, ``max_restarts``), and the residuals are checked on ``A``.

    Returns:
      ``(values, residuals, jacobian_products, operator_products)``: values sorted in gamedyn's
      order, their residuals ``‖A w − μ w‖/‖w‖`` on the operator, the products of ``J`` the
      Krylov–Schur solve made (the ``k`` Ritz vectors come with it), and the operator products
      of the residual check.

    Raises:
      RouteFailed: a pair's operator residual exceeds ``tol · |μ|``.
    """
    from ._maps import numeric_eigenvalue_map

    tol = solver.tol
    J = JacobianOperator(A.game, A.z, mode=solver.mode)
    form = preconditioned_form(A.method, A.game, A.z)
    method, scale = (A.method, None) if form is None else form
    mu = numeric_eigenvalue_map(method)
    start = A.count
    # J's residual tolerance tol first (the operator's residual is about |μ'(θ)| times J's); a
    # pair failing the check on the operator is solved again with J's tolerance 100× tighter
    for attempt, tol_j in enumerate((tol, 1e-2 * tol)):
        try:
            values, residuals = _attempt(method, mu, J, A, k, tol, tol_j, solver, scale, checks)
        except RouteFailed:
            if attempt == 1:
                raise
            continue
        return values, residuals, J.count, A.count - start
    raise AssertionError("unreachable")  # pragma: no cover


def _attempt(
    method: Method,
    mu: Callable[[np.ndarray], np.ndarray],
    J: JacobianOperator,
    A: JacobianOperator,
    k: int,
    tol: float,
    tol_j: float,
    solver: Any,
    scale: Tensor | None = None,
    checks: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One solve on ``J`` (``scale`` given: on ``diag(scale) J``, :mod:`._preconditioned_route`,
    whose memory blocks are ``scale`` times the operator's)."""
    from ._maps import eigenvalue_matrix

    n = J.shape[0]
    matvec = J.apply
    if scale is not None:
        scale = scale.to(device=J.device, dtype=torch.float64)

        def matvec(u: Tensor) -> Tensor:
            return scale * J.apply(u)

    def score(theta: np.ndarray) -> np.ndarray:
        return np.abs(mu(np.asarray(theta, dtype=complex))).max(axis=-1)

    def reference(theta: np.ndarray) -> np.ndarray:
        # the operator's residual of (μ_b, c_b ⊗ v) is about ‖M'(θ) c_b‖ ‖J v − θ v‖ / ‖c_b‖:
        # J's residual is measured against min_b |μ_b| ‖c_b‖ / ‖M'(θ) c_b‖ (central differences)
        theta = np.asarray(theta, dtype=complex)
        h = 1e-6 * (1.0 + np.abs(theta))
        M, up, down = (_matrices(method, theta + s) for s in (0.0, h, -h))
        slope = (up - down) / (2 * h)[:, None, None]
        branch_values, c = np.linalg.eig(M)
        growth = np.linalg.norm(slope @ c, axis=-2) / np.linalg.norm(c, axis=-2)
        with np.errstate(divide="ignore", invalid="ignore"):
            size = np.where(growth > 0, np.abs(branch_values) / growth, np.inf).min(axis=-1)
        return np.where(np.isfinite(size), size, np.abs(theta))

    v0 = torch.as_tensor(np.random.default_rng(0).standard_normal(n))
    r = krylov_schur(
        matvec,
        n,
        min(k, n - 2),
        "LM",
        tol=tol_j,
        ncv=solver.ncv,
        max_restarts=solver.max_restarts,
        v0=v0,
        dtype=torch.float64,
        device=J.device,
        return_vectors=True,
        score=score,
        reference=reference,
        **(checks or {}),
    )
    candidates: list[tuple[complex, np.ndarray, int]] = []
    for i, theta in enumerate(r.values):
        M = np.array(eigenvalue_matrix(method, np.array(complex(theta))), dtype=complex)
        M = M.reshape(len(M), len(M))
        branch_values, branch_vectors = np.linalg.eig(M)
        for b in range(len(branch_values)):
            candidates.append((complex(branch_values[b]), branch_vectors[:, b], i))
    mus = np.array([c[0] for c in candidates])
    order = np.argsort(-which_score(mus, "LM"), kind="stable")[:k]
    values, residuals = [], []
    for j in order:
        value, c, i = candidates[j]
        v = r.vectors[i].to("cpu").numpy()
        memory = v if scale is None else v / scale.to("cpu").numpy()
        w = np.concatenate([c[0] * v] + [c_b * memory for c_b in c[1:]])
        gap = np.linalg.norm(A.matvec(w) - value * w) / np.linalg.norm(w)
        if not gap <= tol * max(abs(value), 1e-300):
            raise RouteFailed(
                f"the Jacobian route's eigenpair μ = {value:.6g} has operator residual "
                f"{gap:.2e} > tol·|μ| = {tol * abs(value):.2e}"
            )
        values.append(value)
        residuals.append(gap)
    return sorted_with(np.array(values), np.array(residuals))


def _matrices(method: Method, theta: np.ndarray) -> np.ndarray:
    """``M(θ)`` for each ``θ``: shape ``(len(θ), r, r)``."""
    from ._maps import eigenvalue_matrix

    M = eigenvalue_matrix(method, theta)
    r = len(M)
    return np.stack(
        [np.stack([np.broadcast_to(M[i][j], theta.shape) for j in range(r)], -1) for i in range(r)],
        -2,
    ).astype(complex)


def describe(route: str, problem: str | None) -> str:
    """One line for records: which route, and why the operator route where it was chosen."""
    if route == "jacobian":
        return "jacobian: Krylov–Schur on J, Ritz values mapped by μ(θ), residuals on the operator"
    return "operator" + ("" if problem is None else f" ({problem})")
