"""Heavy-ball momentum (Polyak 1964) for games, positive or negative, simultaneous or alternating.

A composition (:mod:`gamedyn.methods`): the heavy-ball transform
(:class:`~gamedyn.methods.HeavyBallTransform`, whose slot is the previous iterate)
under the simultaneous or the alternating play.

References:
  Gidel, Askari Hemmat, Pezeshki, Le Priol, Huang, Lacoste-Julien and Mitliagkas, "Negative
  Momentum for Improved Game Dynamics", AISTATS 2019.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._composed import Composed, per_player
from ._play import one_step_play
from ._transforms import HeavyBallTransform

__all__ = ["Momentum"]


class Momentum(Composed):
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
      alternating: alternate the players' updates (the first player first).
    """

    def __init__(self, lr: Any, beta: Any, alternating: bool = False):
        self.lr = _validate.step_size("lr", lr)
        self.beta = _validate.real_scalar("beta", beta)
        lr_x, lr_y, shared = per_player(self.lr)
        players: Any = HeavyBallTransform(lr_x, self.beta)
        if not shared:
            players = (players, HeavyBallTransform(lr_y, self.beta))
        play = one_step_play(players, alternating, first="x")  # checks alternating
        self.alternating = alternating
        super().__init__(play)

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta": self.beta, "alternating": self.alternating}
