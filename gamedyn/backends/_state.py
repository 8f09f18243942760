"""A method's step as a pure function of one flat vector: what every Jacobian differentiates.

A state (:mod:`gamedyn.methods`) holds vectors — ``(z_t,)``, ``(z_t, z_{t−1})``, Adam's
``(z, m, v)`` — and discrete :class:`~gamedyn.methods.Count` entries (step counts).
:func:`flatten` concatenates the vectors, in order, into ``s``; :func:`unflatten` puts them back
into a template state whose counts it keeps; :func:`step_map` turns ``method.step(ops, state)``
into ``s ↦ s⁺`` at the template's counts, for any backend ``ops``
(:class:`~gamedyn.backends.TorchOps` for dense Jacobians and runs,
:class:`~gamedyn.backends.MatrixFreeOps` for large games). ``jacfwd`` of it is the
dense operator Jacobian; ``jvp``/``vjp`` of it are the matrix-free products. The counts are
never coordinates: the Jacobian at a state with step count ``t`` is the derivative of the step
taken at ``t``.

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

from ..methods import Method, State, is_count

Tensor = torch.Tensor

__all__ = ["flatten", "unflatten", "step_map"]


def flatten(state: State) -> Tensor:
    """The vectors of the state ``(z_t, z_{t−1}, ...)`` as one vector (counts left out)."""
    return torch.cat([entry for entry in state if not is_count(entry)])


def unflatten(s: Tensor, like: int | State) -> State:
    """Inverse of :func:`flatten`.

    Args:
      s: the flat vector.
      like: the number of vectors of a state with no counts, or a template state: its vector
        entries are replaced, in order, by the pieces of ``s`` and its counts are kept.
    """
    if isinstance(like, int):
        return tuple(torch.chunk(s, like))
    slots = [i for i, entry in enumerate(like) if not is_count(entry)]
    pieces = torch.chunk(s, len(slots))
    if len(pieces) != len(slots):
        raise ValueError(f"a flat state of {s.shape[0]} entries does not hold {len(slots)} vectors")
    out = list(like)
    for i, piece in zip(slots, pieces, strict=True):
        out[i] = piece
    return tuple(out)


def step_map(method: Method, ops: Any, like: State | None = None) -> Callable[[Tensor], Tensor]:
    """The update as a pure function of the flattened state: ``s ↦ flatten(step(unflatten(s)))``.

    Args:
      method: the update operator.
      ops: the backend's primitives.
      like: a state of ``method`` whose counts the map holds (e.g. ``method.init(z)``); needed
        for methods whose state has counts (Adam's step count). ``None``: a state of
        ``method.order`` vectors and no counts.
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    template: int | State = method.order if like is None else tuple(like)

    def update(s: Tensor) -> Tensor:
        return flatten(method.step(ops, unflatten(s, template)))

    return update
