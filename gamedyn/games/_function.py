"""Games given by two arbitrary differentiable torch functions."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .. import _validate
from ._base import Game, Tensor

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
        """Each loss returns a scalar and its autograd gradient is its derivative.

        At a fixed random point (seed 0), the derivative of each loss along three random
        directions by central differences must match the autograd gradient: a loss that leaves
        the autograd graph (``float()``, ``.item()``, ``torch.tensor(...)`` of its inputs) would
        give a wrong field and Jacobian without a word.
        """
        gen = torch.Generator().manual_seed(0)
        directions = torch.randn(3, self.n, generator=gen, dtype=_validate.DTYPE)
        points = [torch.randn(self.n, generator=gen, dtype=_validate.DTYPE)]
        points += [torch.rand(self.n, generator=gen, dtype=_validate.DTYPE) + 0.5]
        for index, name in enumerate(("loss_x", "loss_y")):

            def loss(w: Tensor, index: int = index) -> Tensor:
                return self._evaluate(w, checked=True)[index]

            for z in points:  # a loss may be defined on a domain only (log x): find a point
                point = z.clone().requires_grad_(True)
                value = loss(point)
                if torch.isfinite(value):
                    break
            else:
                continue  # not finite at either point: nothing can be checked here
            self._check_gradient(name, loss, z, point, value, directions)

    @staticmethod
    def _check_gradient(name, loss, z, point, value, directions) -> None:
        with torch.no_grad():
            again = loss(z)
        if not torch.equal(value.detach(), again):
            raise ValueError(
                f"{name} gives different values at the same point ({float(value):.6g} and "
                f"{float(again):.6g}): a random loss has no Jacobian; fix its randomness"
            )
        if not value.requires_grad:
            raise ValueError(
                f"{name} does not depend on x or y through torch operations (did it call "
                "float(), .item() or torch.tensor(...) on them?): its gradient would be zero"
            )
        (gradient,) = torch.autograd.grad(value, point)
        h = 1e-5 * (1.0 + float(z.abs().max()))
        for u in directions:
            with torch.no_grad():
                numeric = float((loss(z + h * u) - loss(z - h * u)) / (2 * h))
            exact = float(gradient @ u)
            if not math.isfinite(numeric):
                continue
            scale = 1.0 + abs(exact) + abs(float(value.detach()))
            if not abs(numeric - exact) <= 1e-3 * scale:
                raise ValueError(
                    f"{name}'s autograd gradient disagrees with its finite differences "
                    f"({exact:.6g} vs {numeric:.6g} along a random direction): part of the "
                    "loss leaves the autograd graph (float(), .item(), torch.tensor(...), "
                    "numpy) or is not differentiable there"
                )

    def _evaluate(self, z: Tensor, checked: bool = False) -> tuple[Tensor, Tensor]:
        """The two losses at ``z``; with ``checked``, a failing loss is reported by name."""
        x, y = self.split(z)
        values = []
        for name, fn in (("loss_x", self.loss_x), ("loss_y", self.loss_y)):
            if not checked:
                values.append(fn(x, y).reshape(()))
                continue
            try:
                value = fn(x, y)
            except Exception as err:  # the user's function: say which one failed, and how
                raise ValueError(
                    f"{name}(x, y) raised {type(err).__name__}: {err} (x has nx = {self.nx} "
                    f"entries, y has ny = {self.ny})"
                ) from err
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                raise ValueError(f"{name} must return a scalar tensor, got {value!r}")
            values.append(value.reshape(()))
        return values[0], values[1]

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        return self._evaluate(z)
