"""Games given by two arbitrary differentiable torch functions."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import _validate
from .base import Game, Tensor

__all__ = ["FunctionGame"]

Loss = Callable[[Tensor, Tensor], Tensor]


class FunctionGame(Game):
    """The game ``L_x = loss_x(x, y)``, ``L_y = loss_y(x, y)`` on ``x ∈ R^nx``, ``y ∈ R^ny``.

    ``loss_x`` and ``loss_y`` take the two players' flat float64 vectors and return a scalar
    tensor; they must be written with torch operations that torch.func can transform (no
    in-place updates of their inputs, no ``.item()``). The field and the Jacobian come from
    autograd: ``v = (∇_x loss_x, ∇_y loss_y)`` and ``J = ∂v/∂z`` by forward mode.

    Example:
      >>> game = FunctionGame(lambda x, y: (x * y).sum(), lambda x, y: -(x * y).sum(), 1, 1)
    """

    def __init__(self, loss_x: Loss, loss_y: Loss, nx: int, ny: int):
        for name, fn in (("loss_x", loss_x), ("loss_y", loss_y)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {fn!r}")
        self.loss_x, self.loss_y = loss_x, loss_y
        self.nx = _validate.integer_at_least("nx", nx, 1)
        self.ny = _validate.integer_at_least("ny", ny, 1)
        self._check_scalar_losses()

    def _check_scalar_losses(self) -> None:
        x = torch.zeros(self.nx, dtype=_validate.DTYPE)
        y = torch.zeros(self.ny, dtype=_validate.DTYPE)
        for name, fn in (("loss_x", self.loss_x), ("loss_y", self.loss_y)):
            value = fn(x, y)
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                raise ValueError(f"{name} must return a scalar tensor, got {value!r}")

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        x, y = self.split(z)
        return self.loss_x(x, y).reshape(()), self.loss_y(x, y).reshape(())
