"""The average of several games over the same players: the full-data field and Jacobian.

Example:
  >>> from gamedyn.games import Bilinear
  >>> game = AveragedGame([Bilinear([[1.0]]), Bilinear([[3.0]])])
  >>> game.jacobian(game.default_point())
  tensor([[ 0.,  2.],
          [-2.,  0.]], dtype=torch.float64)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ._base import Game

Tensor = torch.Tensor

__all__ = ["AveragedGame"]


class AveragedGame(Game):
    """The average of several games' fields: ``v̄(z) = (1/B) Σ_b v_b(z)``.

    With the same players on ``B`` batches (e.g. :meth:`TorchGame.with_batch`), ``v̄`` is the
    field of the loss averaged over the batches, and its Jacobian ``J̄ = (1/B) Σ_b J_b`` (the
    Jacobian is linear in the field); over batches that cover the data set, the full-data
    Jacobian. Every game must have the same ``nx`` and ``ny``; points, dtype and device are the
    first game's.
    """

    def __init__(self, games: Sequence[Game]):
        games = list(games)
        if not games:
            raise ValueError("games must hold at least one game, got none")
        for i, g in enumerate(games):
            if not isinstance(g, Game):
                raise TypeError(f"games[{i}] must be a gamedyn Game, got {type(g).__name__}")
            if (g.nx, g.ny) != (games[0].nx, games[0].ny):
                raise ValueError(
                    f"games[{i}] has (nx, ny) = ({g.nx}, {g.ny}), games[0] has "
                    f"({games[0].nx}, {games[0].ny}): averaged games must share their players"
                )
        self.games = games
        self.nx, self.ny = games[0].nx, games[0].ny
        if hasattr(games[0], "z0"):
            self.z0 = games[0].z0

    def default_point(self) -> Tensor:
        """The first game's default point (the players are shared)."""
        return self.games[0].default_point()

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The average of the games' losses."""
        pairs = [g.losses(z) for g in self.games]
        return tuple(torch.stack(p).mean() for p in zip(*pairs, strict=True))

    def field(self, z: Tensor) -> Tensor:
        """``(1/B) Σ_b v_b(z)``."""
        return torch.stack([g.field(z) for g in self.games]).mean(dim=0)

    def point(self, z: Any, name: str = "z") -> Tensor:
        return self.games[0].point(z, name)

    def __repr__(self) -> str:
        return f"AveragedGame({len(self.games)} × {self.games[0]!r})"
