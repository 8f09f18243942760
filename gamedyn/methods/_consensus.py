"""Consensus optimisation (Mescheder, Nowozin and Geiger, "The Numerics of GANs", 2017)."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, scale

__all__ = ["Consensus"]


class Consensus(Method):
    """Gradient descent on ``v + γ ∇(½‖v‖²)``: ``z⁺ = z − η (v(z) + γ J(z)ᵀ v(z))``.

    Both players add ``(γ/2)‖v‖²`` to their losses, which damps the rotation of the field. The
    Jacobian at a fixed point is ``I − η (J + γ JᵀJ)``; for a normal ``J`` the eigenvalue map is
    ``μ = 1 − η (λ + γ |λ|²)``.

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      gamma: the consensus weight ``γ ≥ 0``.
    """

    def __init__(self, lr: Any, gamma: Any):
        self.lr = _validate.step_size("lr", lr)
        self.gamma = _validate.nonnegative("gamma", gamma)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        v = ops.field(z)
        return (z - scale(ops, self.lr, v + self.gamma * ops.vjp(z, v)),)
