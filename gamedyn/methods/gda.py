"""Gradient descent-ascent, simultaneous and alternating."""

from __future__ import annotations

from typing import Any

from .. import _validate
from .base import Method, Ops, State, Vec, scale

__all__ = ["GDA", "AltGDA", "alternating_update"]


def alternating_update(ops: Ops, z: Vec, lr: Any, shift: Vec | None = None) -> Vec:
    """One alternating sweep: the first player steps, the second sees its new value.

    ``x⁺ = x − η_x v_x(x, y) + s_x``,  ``y⁺ = y − η_y v_y(x⁺, y) + s_y``,

    where ``s = (s_x, s_y)`` is an optional extra term (momentum uses ``β(z_t − z_{t−1})``).
    """
    x, y = ops.split(z)
    sx, sy = ops.split(shift) if shift is not None else (0 * x, 0 * y)
    lr_x, lr_y = lr if isinstance(lr, tuple) else (lr, lr)
    vx, _ = ops.split(ops.field(z))
    x_new = x - lr_x * vx + sx
    _, vy = ops.split(ops.field(ops.join(x_new, y)))
    return ops.join(x_new, y - lr_y * vy + sy)


class GDA(Method):
    """Simultaneous gradient descent-ascent: ``z⁺ = z − η v(z)``.

    Jacobian ``I − η J``: eigenvalues ``1 − ηλ``, so on the bilinear game (``λ = ±iσ``) the
    spectral radius is ``√(1 + η²σ_max²) > 1`` for every ``η``: GDA spirals out.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        return (z - scale(ops, self.lr, ops.field(z)),)


class AltGDA(Method):
    """Alternating gradient descent-ascent.

    ``x⁺ = x − η_x v_x(x, y)``, then ``y⁺ = y − η_y v_y(x⁺, y)``. Its Jacobian depends on the
    blocks of ``J``, not on its eigenvalues alone. On the bilinear game with ``η σ_max < 2`` its
    eigenvalues lie on the unit circle: the iterates stay bounded and cycle.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        return (alternating_update(ops, z, self.lr),)
