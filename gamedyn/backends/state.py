"""A method's step as a pure function of one flat vector: what every Jacobian differentiates.

The state ``(z_t,)`` or ``(z_t, z_{t−1})`` is flattened to ``s = (z_t, z_{t−1})``;
:func:`step_map` turns ``method.step(ops, state)`` into ``s ↦ s⁺`` for any backend ``ops``
(:class:`~gamedyn.backends.dense.TorchOps` for dense Jacobians and runs,
:class:`~gamedyn.backends.matrix_free.MatrixFreeOps` for large games). ``jacfwd`` of it is the
dense operator Jacobian; ``jvp``/``vjp`` of it are the matrix-free products.

Example:
  >>> import torch
  >>> from gamedyn.backends import TorchOps
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.methods import Momentum
  >>> update = step_map(Momentum(0.5, -0.5), TorchOps(Bilinear([[1.0]])))
  >>> update(torch.tensor([1.0, 1.0, 1.0, 1.0], dtype=torch.float64))
  tensor([0.5000, 1.5000, 1.0000, 1.0000], dtype=torch.float64)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..methods.base import Method, State

Tensor = torch.Tensor

__all__ = ["flatten", "unflatten", "step_map"]


def flatten(state: State) -> Tensor:
    """The state ``(z_t, z_{t−1}, ...)`` as one vector."""
    return torch.cat(state)


def unflatten(s: Tensor, order: int) -> State:
    """Inverse of :func:`flatten` for a state of ``order`` iterates."""
    return tuple(torch.chunk(s, order))


def step_map(method: Method, ops: Any) -> Callable[[Tensor], Tensor]:
    """The update as a pure function of the flattened state: ``s ↦ flatten(step(unflatten(s)))``."""
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")

    def update(s: Tensor) -> Tensor:
        return flatten(method.step(ops, unflatten(s, method.order)))

    return update
