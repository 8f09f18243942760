"""Heavy-ball momentum (Polyak 1964) for games, positive or negative, simultaneous or alternating.

References:
  Gidel, Askari Hemmat, Pezeshki, Le Priol, Huang, Lacoste-Julien and Mitliagkas, "Negative
  Momentum for Improved Game Dynamics", AISTATS 2019.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from .base import Method, Ops, State, scale
from .gda import alternating_update

__all__ = ["Momentum"]


class Momentum(Method):
    """Heavy-ball momentum on the augmented state ``(z_t, z_{t−1})``.

    Simultaneous: ``z_{t+1} = z_t − η v(z_t) + β (z_t − z_{t−1})``.

    Alternating: ``x_{t+1} = x_t − η_x v_x(x_t, y_t) + β (x_t − x_{t−1})``, then
    ``y_{t+1} = y_t − η_y v_y(x_{t+1}, y_t) + β (y_t − y_{t−1})``.

    The Jacobian (simultaneous) is ``[[(1 + β) I − η J, −β I], [I, 0]]``; each eigenvalue ``λ`` of
    ``J`` gives the two roots ``μ`` of ``μ² − (1 + β − ηλ) μ + β = 0``. On bilinear games
    simultaneous momentum never converges; alternating momentum diverges for ``β > 0`` and
    converges for suitable ``β < 0`` (Gidel et al. 2019).

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      beta: momentum β, any sign (``β = 0`` is GDA on the augmented state).
      alternating: alternate the players' updates.
    """

    order = 2

    def __init__(self, lr: Any, beta: Any, alternating: bool = False):
        self.lr = _validate.step_size("lr", lr)
        self.beta = _validate.real_scalar("beta", beta)
        if not isinstance(alternating, bool):
            raise TypeError(f"alternating must be a bool, got {alternating!r}")
        self.alternating = alternating

    def step(self, ops: Ops, state: State) -> State:
        z, z_prev = state
        push = self.beta * (z - z_prev)
        if self.alternating:
            return (alternating_update(ops, z, self.lr, push), z)
        return (z - scale(ops, self.lr, ops.field(z)) + push, z)
