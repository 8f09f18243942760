"""The two-player game: conventions and the abstract base class.

Conventions (used throughout gamedyn):

* ``z = (x, y)`` concatenates the players' parameters, first player first; ``x`` has ``nx``
  entries and ``y`` has ``ny``, ``n = nx + ny``.
* Each player *minimises* its own loss: the first player ``L_x(x, y)``, the second ``L_y(x, y)``.
* The game's vector field is ``v(z) = (∇_x L_x(z), ∇_y L_y(z))``; update operators descend it,
  ``z ← z − η v(z)``.
* The game Jacobian is ``J(z) = ∂v/∂z``, the ``n × n`` matrix
  ``[[∇²_xx L_x, ∇²_xy L_x], [∇²_yx L_y, ∇²_yy L_y]]``. A fixed point ``v(z*) = 0`` is locally
  stable for small enough steps of gradient descent when every eigenvalue of ``J(z*)`` has positive
  real part.
* ``z=None`` anywhere means the game's :meth:`Game.default_point`.
* Numerics are float64. A game's ``field`` is a pure torch function of a 1-D tensor, so torch.func
  transforms (``jvp``, ``vjp``, ``jacfwd``, ``vmap``) apply to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
from torch.func import grad, jacfwd

from .. import _validate

__all__ = ["Game", "point_or_default", "Tensor"]

Tensor = torch.Tensor


class Game(ABC):
    """A smooth two-player game with players of sizes ``nx`` and ``ny``.

    Subclasses define :meth:`losses`; the vector field and Jacobian then come from autograd.
    Built-in games override :meth:`field` and :meth:`jacobian` with analytic formulas, which the
    tests hold against the autograd defaults and finite differences.
    """

    nx: int
    ny: int

    @property
    def n(self) -> int:
        """Total number of parameters, ``nx + ny``."""
        return self.nx + self.ny

    @abstractmethod
    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The players' losses ``(L_x(z), L_y(z))`` as 0-d tensors."""

    def split(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """``z -> (x, y)``."""
        return z[: self.nx], z[self.nx :]

    def field(self, z: Tensor) -> Tensor:
        """The vector field ``v(z) = (∇_x L_x, ∇_y L_y)`` (autograd of :meth:`losses`)."""

        def loss_x(x: Tensor, y: Tensor) -> Tensor:
            return self.losses(torch.cat([x, y]))[0]

        def loss_y(x: Tensor, y: Tensor) -> Tensor:
            return self.losses(torch.cat([x, y]))[1]

        x, y = self.split(z)
        return torch.cat([grad(loss_x, argnums=0)(x, y), grad(loss_y, argnums=1)(x, y)])

    def jacobian(self, z: Tensor) -> Tensor:
        """The game Jacobian ``J(z) = ∂v/∂z``, ``n × n`` (forward-mode autograd of the field)."""
        return jacfwd(self.field)(z)

    def point(self, z: Any, name: str = "z") -> Tensor:
        """``z`` checked (finite, 1-D, length ``n``) and converted to a float64 tensor."""
        tensor = _validate.vector(name, z)
        if tensor.shape[0] != self.n:
            raise ValueError(
                f"{name} has length {tensor.shape[0]} but {type(self).__name__} has "
                f"n = nx + ny = {self.nx} + {self.ny} = {self.n} parameters"
            )
        return tensor

    def default_point(self) -> Tensor:
        """The point every analysis linearises at when none is given (``z=None``).

        A :class:`~gamedyn.games.TorchGame`'s parameters ``z0``, a quadratic game's fixed point,
        the Dirac-GAN's equilibrium. Games without one raise ``ValueError`` (pass ``z``).
        """
        raise ValueError(
            f"z is required: {type(self).__name__} has no default point (a checkpoint's "
            "parameters, a fixed point or an equilibrium); pass z, the point to linearise at"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(nx={self.nx}, ny={self.ny})"


def point_or_default(game: Game, z: Any, name: str = "z") -> Tensor:
    """``game.point(z)``, or the game's :meth:`Game.default_point` when ``z is None``."""
    return game.point(game.default_point() if z is None else z, name)
