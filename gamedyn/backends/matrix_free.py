"""The matrix-free backend: the step primitives for games far too large for a dense matrix.

:class:`MatrixFreeOps` is :class:`~gamedyn.backends.dense.TorchOps` with an iterative linear
solve: :func:`gmres`, a fixed number of GMRES steps with no branching on tensor values, so a
step that solves a system (CGD) can itself be differentiated by torch.func (``jvp``, ``vjp``,
``vmap``) — the matrix-free Jacobian of CGD's operator on a GAN checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import _validate
from ..games.base import Game
from .dense import TorchOps

Tensor = torch.Tensor

__all__ = ["gmres", "MatrixFreeOps", "DEFAULT_SOLVE_ITERATIONS"]

DEFAULT_SOLVE_ITERATIONS = 64
"""GMRES steps per solve unless ``solve_iterations`` says otherwise (capped at the size)."""


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
    :func:`gmres` with a fixed number of steps ``solve_iterations`` (default ``min(n, 64)``),
    so a step using it (CGD) can be differentiated by torch.func. ``tol`` is the relative residual
    ``‖A u − b‖/‖b‖`` a solve must reach when :attr:`check` is on (eager evaluation only;
    :class:`~gamedyn.spectrum.JacobianOperator` checks the solve at the analysed state once
    before any product).

    Args:
      game: the game.
      tol: required relative residual of each linear solve when checked.
      solve_iterations: GMRES steps per solve (default ``min(n, 64)``, capped at the system
        size).
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

    def solve(self, linear_map: Callable[[Tensor], Tensor], rhs: Tensor) -> Tensor:
        u = gmres(linear_map, rhs, min(self.solve_iterations, rhs.shape[0]))
        if self.check:
            residual = float(torch.linalg.vector_norm(linear_map(u) - rhs))
            scale = float(torch.linalg.vector_norm(rhs))
            if scale == 0.0:
                raise ValueError(
                    "the step's linear system has a zero right-hand side at this state (CGD at "
                    "a fixed point of the game, where v = 0): the differentiable GMRES of the "
                    "matrix-free backend needs b ≠ 0; use the dense operator_jacobian for small "
                    "games, or analyse a point where v ≠ 0"
                )
            if not residual <= self.tol * scale:
                raise ValueError(
                    f"the linear solve reached relative residual {residual / scale:.3e} > tol = "
                    f"{self.tol:g} in solve_iterations = {self.solve_iterations} GMRES steps; "
                    "raise solve_iterations"
                )
        return u
