"""The torch backend: steps on float64 tensors, differentiable by every torch.func transform."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.func import grad, jvp, vjp, vmap

from .. import _validate
from ..games._base import Game

Tensor = torch.Tensor

__all__ = ["TorchOps"]


class TorchOps:
    """Primitives for running and differentiating steps on one game with torch tensors.

    ``jvp`` and ``vjp`` are torch.func transforms of the game's field, so a step that uses them
    (consensus, CGD) can itself be differentiated by ``jacfwd``/``jacrev``/``jvp``. ``solve``
    assembles the ``n × n`` matrix of the linear map (its columns batched with ``vmap``) and
    solves it directly: suitable for games small enough for a dense Jacobian (a matrix larger
    than the memory available is refused up front, with its size). ``sqrt`` is the
    elementwise square root that tracked preconditioners (Adam, RMSProp) need.
    ``loss_gradients`` is ``torch.func.grad`` of the game's ``losses``; ``dot`` and
    ``if_nonnegative`` are ``torch.dot`` and ``torch.where`` on 0-d tensors, so every torch.func
    transform goes through them too.
    """

    def __init__(self, game: Game):
        self.game = game

    def field(self, z: Tensor) -> Tensor:
        return self.game.field(z)

    def jvp(self, z: Tensor, u: Tensor) -> Tensor:
        return jvp(self.game.field, (z,), (u,))[1]

    def vjp(self, z: Tensor, u: Tensor) -> Tensor:
        return vjp(self.game.field, z)[1](u)[0]

    def split(self, z: Tensor) -> tuple[Tensor, Tensor]:
        return self.game.split(z)

    def join(self, x: Tensor, y: Tensor) -> Tensor:
        return torch.cat([x, y])

    def loss_gradients(self, z: Tensor) -> tuple[Tensor, Tensor]:
        return (
            grad(lambda p: self.game.losses(p)[0])(z),
            grad(lambda p: self.game.losses(p)[1])(z),
        )

    def dot(self, u: Tensor, w: Tensor) -> Tensor:
        return torch.dot(u, w)

    def if_nonnegative(self, s: Tensor, a: Any, b: Any) -> Tensor:
        # numbers become tensors like the scalars (torch.where would make them float32)
        like = _first_tensor(s, a, b)
        a, b, s = (torch.as_tensor(t, dtype=like.dtype, device=like.device) for t in (a, b, s))
        return torch.where(s >= 0, a, b)

    def size(self, z: Tensor) -> int:
        return int(z.shape[0])

    def solve(self, linear_map: Callable[..., Tensor], rhs: Tensor, *operands: Tensor) -> Tensor:
        """``A⁻¹ rhs`` with ``A u = linear_map(u, *operands)``, by the assembled matrix and
        ``torch.linalg.solve``: every torch.func transform differentiates it exactly (the
        derivative of ``torch.linalg.solve`` is the implicit one, ``A⁻¹(db − dA u)``)."""
        if operands:
            return self.solve(lambda u: linear_map(u, *operands), rhs)
        n = rhs.shape[0]
        _validate.allocation(f"the dense {n} x {n} matrix of a linear solve", 8.0 * n * n * 2)
        eye = torch.eye(n, dtype=rhs.dtype, device=rhs.device)
        try:
            matrix = vmap(linear_map, out_dims=1)(eye)
        except RuntimeError:  # a field torch.func cannot batch: build the columns one by one
            matrix = torch.stack([linear_map(e) for e in eye], dim=1)
        return torch.linalg.solve(matrix, rhs)

    def sqrt(self, u: Tensor) -> Tensor:
        """Elementwise ``√u`` (the tracked preconditioners of Adam and RMSProp), with derivative
        0 where ``u = 0``.

        ``u`` is a second moment: it is 0 only in coordinates whose gradient has always been
        exactly 0, where the first moment is 0 too; the step's numerator is then first order
        in any perturbation, so ``√``'s infinite slope enters at second order only and the step's
        derivative is the one with ``d√u = 0``. torch's own derivative would give ``0 · ∞ =
        nan``. (The double ``where`` keeps every derivative finite, forward and reverse.)
        """
        positive = u > 0
        return torch.where(positive, torch.sqrt(torch.where(positive, u, torch.ones_like(u))), 0)


def _first_tensor(*values: Any) -> Tensor:
    """The first tensor among ``values`` (a float64 zero if there is none)."""
    for value in values:
        if isinstance(value, torch.Tensor):
            return value
    return torch.zeros((), dtype=torch.float64)
