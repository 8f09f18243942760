"""The matrix-free backend: the step primitives for games far too large for a dense matrix.

:class:`MatrixFreeOps` is :class:`~gamedyn.backends.TorchOps` with an iterative linear
solve. A step passes the vectors its system depends on explicitly
(``ops.solve(system, b, z)`` with ``system(u, z) = A(z) u``), and the solve is differentiated
**implicitly** (:func:`implicit_solve`): the solution ``u = A⁻¹b`` is computed by GMRES to a
tolerance, and every derivative of it by one more GMRES solve with the same operator,

    ``d(A⁻¹b) = A⁻¹(db − dA u)``  (forward: ``jvp``),
    ``b̄ = A⁻ᵀ ū``, ``z̄ = −(∂(A(z) u)/∂z)ᵀ b̄``  (reverse: ``vjp``),

never through the GMRES iterations, so it holds at fixed points (``b = 0``: ``u = 0``, and the
derivative is ``A⁻¹ db``) and costs first-order products only. Each of these solves is eager
(torch.func hands it plain tensors) and checked: a relative residual above the tolerance raises,
naming it. A system given as a closure with no operands is solved by
:func:`gamedyn.linalg.gmres`, a fixed number of GMRES steps that torch.func differentiates
through (needs ``b ≠ 0``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .. import _validate
from ..games._base import Game
from ..linalg import gmres, gmres_to_tolerance
from ._dense import TorchOps

Tensor = torch.Tensor

__all__ = [
    "implicit_solve",
    "MatrixFreeOps",
    "DEFAULT_SOLVE_ITERATIONS",
]

DEFAULT_SOLVE_ITERATIONS = 64
"""The most GMRES steps per solve unless ``solve_iterations`` says otherwise (capped at the
size)."""


class _Solve(torch.autograd.Function):
    """``u = A(p)⁻¹ b`` with ``A(p) u = linear_map(u, p)``; derivatives by further solves."""

    @staticmethod
    def forward(settings: Any, linear_map: Callable[..., Tensor], operand: Tensor, rhs: Tensor):
        u, residual = gmres_to_tolerance(
            lambda x: linear_map(x, operand),
            rhs,
            settings.target(rhs),
            settings.limit(rhs),
        )
        settings.report(residual, rhs)
        return u

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
        settings, linear_map, operand, _ = inputs
        ctx.settings, ctx.linear_map = settings, linear_map
        ctx.save_for_backward(output, operand)
        ctx.save_for_forward(output, operand)

    @staticmethod
    def jvp(ctx: Any, _settings: Any, _map: Any, d_operand: Tensor | None, d_rhs: Tensor | None):
        # d(A⁻¹b) = A⁻¹(db − dA u): dA u is the derivative of p ↦ A(p) u at the solution u
        u, operand = ctx.saved_tensors
        linear_map = ctx.linear_map
        rhs = torch.zeros_like(u) if d_rhs is None else d_rhs
        if d_operand is not None:
            rhs = rhs - torch.func.jvp(lambda p: linear_map(u, p), (operand,), (d_operand,))[1]
        return _Solve.apply(ctx.settings, linear_map, operand, rhs)

    @staticmethod
    def backward(ctx: Any, cotangent: Tensor):
        # b̄ = A⁻ᵀ ū; p̄ = −(∂(A(p) u)/∂p)ᵀ b̄. Aᵀ is the pullback of the linear map in u, and
        # the transposed solve is itself a _Solve, so the pullback differentiates again.
        u, operand = ctx.saved_tensors
        linear_map = ctx.linear_map

        def transposed(w: Tensor, p: Tensor) -> Tensor:
            return torch.func.vjp(lambda x: linear_map(x, p), torch.zeros_like(w))[1](w)[0]

        rhs_bar = _Solve.apply(ctx.settings, transposed, operand, cotangent)
        operand_bar = torch.func.vjp(lambda p: linear_map(u, p), operand)[1](rhs_bar)[0]
        return None, None, -operand_bar, rhs_bar

    @staticmethod
    def vmap(info: Any, in_dims: tuple, settings: Any, linear_map: Any, operand: Tensor, rhs):
        # a batch of systems (matmat): solved one by one, each with its own Krylov space
        def pick(t: Tensor, dim: int | None, i: int) -> Tensor:
            return t if dim is None else t.select(dim, i)

        solutions = [
            _Solve.apply(
                settings, linear_map, pick(operand, in_dims[2], i), pick(rhs, in_dims[3], i)
            )
            for i in range(info.batch_size)
        ]
        return torch.stack(solutions), 0


def implicit_solve(
    linear_map: Callable[..., Tensor],
    rhs: Tensor,
    *operands: Tensor,
    tol: float = 1e-10,
    max_iterations: int | None = None,
) -> Tensor:
    """``u = A⁻¹ b`` with ``A u = linear_map(u, *operands)``, differentiated implicitly.

    The value is :func:`gmres_to_tolerance`; ``jvp`` is one more solve,
    ``du = A⁻¹(db − dA u)``, ``vjp`` one transposed solve, ``b̄ = A⁻ᵀ ū`` and
    ``p̄ = −(∂(A(p) u)/∂p)ᵀ b̄``; every torch.func transform (``jvp``, ``vjp``, their
    compositions, ``vmap``, ``jacfwd``, ``jacrev``) goes through these rules. ``linear_map`` must
    be linear in ``u`` and depend on traced tensors only through ``operands`` (a captured
    traced tensor would be treated as a constant). A solve whose relative residual exceeds
    ``tol`` raises ``ValueError``.

    Example:
      >>> import torch
      >>> M = torch.tensor([[2.0, 1.0], [0.0, 3.0]], dtype=torch.float64)
      >>> b = torch.tensor([1.0, 3.0], dtype=torch.float64)
      >>> def solution(s):  # (s M)⁻¹ b = M⁻¹ b / s, M⁻¹ b = (0, 1)
      ...     return implicit_solve(lambda u, s: s * (M @ u), b, s)
      >>> s = torch.tensor(2.0, dtype=torch.float64)
      >>> solution(s).round(decimals=12).abs().tolist()
      [0.0, 0.5]
      >>> [x + 0.0 for x in torch.func.jacfwd(solution)(s).round(decimals=12).tolist()]  # −M⁻¹b/s²
      [0.0, -0.25]
      >>> round(float(torch.func.grad(lambda s: solution(s).sum())(s)), 12)
      -0.25
    """
    settings = _Settings(tol, max_iterations)
    return _Solve.apply(settings, *_packed(linear_map, operands), rhs)


def _packed(
    linear_map: Callable[..., Tensor], operands: tuple[Tensor, ...]
) -> tuple[Callable[[Tensor, Tensor], Tensor], Tensor]:
    """The system as ``(u, p) ↦ A(p) u`` of one flat vector ``p`` holding every operand.

    (One saved operand: torch.func's reverse-over-reverse of a custom Function fails on
    internal level checks when several are saved, torch 2.x.)
    """
    for i, p in enumerate(operands):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"operand {i} of the linear system must be a tensor, got {p!r}")
    shapes = [p.shape for p in operands]
    sizes = [p.numel() for p in operands]
    flat = torch.cat([p.reshape(-1) for p in operands]) if len(operands) > 1 else operands[0]
    if len(operands) == 1:
        return linear_map, flat

    def packed(u: Tensor, p: Tensor) -> Tensor:
        pieces = torch.split(p, sizes)
        return linear_map(u, *(x.reshape(s) for x, s in zip(pieces, shapes, strict=True)))

    return packed, flat


class _Settings:
    """Tolerance and iteration limit of the implicit solves, and the worst residual seen."""

    def __init__(self, tol: float, max_iterations: int | None, owner: Any = None):
        self.tol, self.max_iterations, self.owner = tol, max_iterations, owner

    def effective_tol(self, rhs: Tensor) -> float:
        # float32 products cannot reach 1e-10: the tolerance is at least 100 ε of the dtype
        return max(self.tol, 100.0 * torch.finfo(rhs.dtype).eps)

    def target(self, rhs: Tensor) -> float:
        # GMRES aims 1000× below the tolerance (derivatives are then accurate to the tolerance)
        return max(1e-3 * self.tol, 50.0 * torch.finfo(rhs.dtype).eps)

    def limit(self, rhs: Tensor) -> int:
        n = int(rhs.shape[0])
        return n if self.max_iterations is None else min(self.max_iterations, n)

    def report(self, residual: float, rhs: Tensor) -> None:
        if self.owner is not None:
            self.owner.solves += 1
            self.owner.worst_residual = max(self.owner.worst_residual, residual)
        tol = self.effective_tol(rhs)
        if not residual <= tol:
            raise ValueError(
                f"the linear solve reached relative residual {residual:.3e} > tol = {tol:g} in "
                f"solve_iterations = {self.limit(rhs)} GMRES steps; raise solve_iterations"
            )


class MatrixFreeOps(TorchOps):
    """The :class:`~gamedyn.methods.Ops` primitives for large games, with no dense matrix.

    ``field`` is the game's; ``jvp``/``vjp`` are torch.func transforms of it; ``solve`` of a
    system with explicit operands (``ops.solve(system, b, z)``, as CGD and ACGD write it) is
    :func:`implicit_solve`: GMRES to the relative residual ``tol`` in at most
    ``solve_iterations`` steps, its derivatives by one more solve each (module docstring), at
    fixed points too. Every solve's residual is checked and the worst one kept
    (:attr:`worst_residual`, over :attr:`solves` solves; :meth:`reset` clears them). A closure
    with no operands is solved by :func:`gmres` (a fixed ``solve_iterations`` steps, torch.func
    differentiating through them; checked when :attr:`check` is on, eager evaluation only).

    GMRES stops at ``max(10⁻³ tol, 50 ε)`` where it can; a solve fails when its recomputed
    residual exceeds ``max(tol, 100 ε)`` of the product dtype (float32: ``1.2e-5``).

    Args:
      game: the game.
      tol: required relative residual ``‖A u − b‖/‖b‖`` of each linear solve.
      solve_iterations: the most GMRES steps per solve (default ``min(n, 64)``, capped at the
        system size).
    """

    def __init__(self, game: Game, tol: float = 1e-10, solve_iterations: int | None = None):
        if not isinstance(game, Game):
            raise TypeError(f"game must be a gamedyn Game, got {type(game).__name__}")
        self.game = game
        self.tol = _validate.positive("tol", tol)
        default = min(game.n, DEFAULT_SOLVE_ITERATIONS)
        self.solve_iterations = (
            default
            if solve_iterations is None
            else _validate.integer_at_least("solve_iterations", solve_iterations, 1)
        )
        self.check = False
        self.reset()

    def reset(self) -> None:
        """Forget the solves counted so far (:attr:`solves`, :attr:`worst_residual`)."""
        self.solves = 0
        self.worst_residual = 0.0

    def solve(self, linear_map: Callable[..., Tensor], rhs: Tensor, *operands: Tensor) -> Tensor:
        if operands:
            settings = _Settings(self.tol, self.solve_iterations, owner=self)
            packed, flat = _packed(linear_map, operands)
            return _Solve.apply(settings, packed, flat, rhs)
        u = gmres(linear_map, rhs, min(self.solve_iterations, rhs.shape[0]))
        if self.check:
            residual = float(torch.linalg.vector_norm(linear_map(u) - rhs))
            scale = float(torch.linalg.vector_norm(rhs))
            if scale == 0.0:
                raise ValueError(
                    "the step's linear system has a zero right-hand side at this state (at a fixed "
                    "point of the game, where v = 0): differentiating through GMRES needs "
                    "b ≠ 0; pass the system's operands, ops.solve(system, b, z), for the implicit "
                    "derivative, which holds there"
                )
            if not residual <= self.tol * scale:
                raise ValueError(
                    f"the linear solve reached relative residual {residual / scale:.3e} > tol = "
                    f"{self.tol:g} in solve_iterations = {self.solve_iterations} GMRES steps; "
                    "raise solve_iterations"
                )
        return u
