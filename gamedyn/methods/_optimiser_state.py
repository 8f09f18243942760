"""An optimiser's state in gamedyn's coordinates: what an optimiser method can start from.

:class:`OptimiserState` holds, for both players at once, each vector slot of the players'
transforms (:mod:`gamedyn.methods`: ``"exp_avg"``, ``"exp_avg_sq"``,
``"square_avg"``, ...) as one vector of the game's length ``n`` — the first player's part, then
the second's, in the order of ``z`` — and each player's number of updates. A method given
``state=`` starts from it (:meth:`~gamedyn.methods.Play.init`); without one it
starts fresh (zero moments, step 0), as a new ``torch.optim`` optimiser does.
:mod:`gamedyn.methods` builds one from ``torch.optim`` state dicts.

Example:
  >>> import torch
  >>> s = OptimiserState({"exp_avg": torch.zeros(3), "exp_avg_sq": torch.ones(3)}, (5, 5), 1)
  >>> s
  OptimiserState(slots=['exp_avg', 'exp_avg_sq'], steps=(5, 5), nx=1, n=3)
  >>> [p.tolist() for p in s.split("exp_avg_sq")]
  [[1.0], [1.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .. import _validate

Tensor = torch.Tensor

__all__ = ["OptimiserState"]


class OptimiserState:
    """Both players' optimiser state as vectors over ``z``, and their step counts.

    Args:
      slots: slot name → a 1-D tensor of length ``n`` (first player's entries first).
      steps: ``(t_x, t_y)``, the number of updates each player's optimiser has made.
      nx: the first player's number of parameters (where the vectors split).
    """

    __slots__ = ("slots", "steps", "nx", "n")

    def __init__(self, slots: Mapping[str, Any], steps: tuple[int, int], nx: int):
        if not isinstance(slots, Mapping):
            raise TypeError(f"slots must map names to vectors, got {type(slots).__name__}")
        if not isinstance(steps, (tuple, list)) or len(steps) != 2:
            raise ValueError(f"steps must be a pair (t_x, t_y), got {steps!r}")
        self.steps = (
            _validate.integer_at_least("steps[0]", steps[0], 0),
            _validate.integer_at_least("steps[1]", steps[1], 0),
        )
        self.nx = _validate.integer_at_least("nx", nx, 1)
        vectors: dict[str, Tensor] = {}
        n = None
        for name, value in slots.items():
            if not isinstance(value, Tensor):
                raise TypeError(f"slot {name!r} must be a torch tensor, got {type(value).__name__}")
            if value.ndim != 1:
                raise ValueError(
                    f"slot {name!r} must be a 1-D vector, got shape {tuple(value.shape)}"
                )
            if n is not None and value.shape[0] != n:
                raise ValueError(
                    f"slot {name!r} has {value.shape[0]} entries, the others {n}: one per "
                    "coordinate of z"
                )
            if not torch.isfinite(value).all():
                raise ValueError(f"slot {name!r} has non-finite entries")
            n = int(value.shape[0])
            vectors[str(name)] = value.detach()
        self.slots = vectors
        self.n = n
        if n is not None and not self.nx < n:
            raise ValueError(f"nx = {nx} leaves no entries for the second player (n = {n})")

    def split(self, name: str) -> tuple[Tensor, Tensor]:
        """The slot ``name`` as the players' parts ``(x, y)``."""
        value = self.slots[name]
        return value[: self.nx], value[self.nx :]

    def __repr__(self) -> str:
        return (
            f"OptimiserState(slots={list(self.slots)}, steps={self.steps}, nx={self.nx}, "
            f"n={self.n})"
        )
