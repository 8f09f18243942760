"""Competitive gradient descent (Schäfer and Anandkumar, NeurIPS 2019)."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, off_diagonal_jvp, scale

__all__ = ["CGD"]


class CGD(Method):
    """Competitive gradient descent: each player anticipates the other's reply.

    ``Δ = −η [[I, η D²_xy L_x], [η D²_yx L_y, I]]⁻¹ v(z)``,  ``z⁺ = z + Δ``.

    With ``J_off`` the coupling blocks of the game Jacobian and ``H = η I`` (or
    ``diag(η_x I, η_y I)`` for a pair of step sizes), this is ``(I + H J_off) Δ = −H v``, the one
    linear solve of the step. On the bilinear game ``xᵀAy`` the operator is ``(I + ηJ)⁻¹``
    (a proximal point step), with spectral radius ``1/√(1 + η²σ_min²)`` for every ``η > 0``.

    References:
      Schäfer and Anandkumar, "Competitive Gradient Descent", NeurIPS 2019. Schäfer, Zheng and
      Anandkumar, "Implicit competitive regularization in GANs", ICML 2020.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state

        def system(u, z):
            return u + scale(ops, self.lr, off_diagonal_jvp(ops, z, u))

        delta = ops.solve(system, scale(ops, self.lr, ops.field(z)), z)
        return (z - delta,)
