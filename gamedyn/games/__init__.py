"""Two-player games: conventions in :mod:`gamedyn.games.base`.

Each game knows its losses, its vector field ``v(z) = (∇_x L_x, ∇_y L_y)``, its Jacobian
``J(z) = ∂v/∂z`` and its default point — nothing about update rules, plots or checkpoints.

* :mod:`.quadratic`: ``Bilinear``, ``Quadratic`` (affine fields).
* :mod:`.dirac`: ``DiracGAN`` (Mescheder et al. 2018).
* :mod:`.function`: ``FunctionGame`` (two torch loss functions).
* :mod:`.symbolic`: ``SymbolicGame`` (sympy losses; loaded on first use, with sympy).
* :mod:`.torch_game`: ``TorchGame`` (a GAN of two ``nn.Module`` players on a fixed batch), with
  :mod:`.gan_losses`, :mod:`.torch_players` (private copies), :mod:`.torch_purity` (checks)
  and :mod:`.torch_layers` (exact normalisation layers).
* :mod:`.averaged`: ``AveragedGame`` (the field averaged over batches).
* :mod:`.stochastic`: stochastic games ``v(z; ξ)`` (``AdditiveNoise``, ``FiniteSum``,
  ``finite_sum_bilinear``, ``MinibatchGame``), each with its mean game.
* :mod:`.distributed`: ``DistributedAveragedGame`` (the same over data shards on the ranks of a
  ``torch.distributed`` process group), with :mod:`.collectives` (the differentiable sum over
  ranks).
"""

from typing import Any

from .averaged import AveragedGame
from .base import Game, point_or_default
from .dirac import DiracGAN
from .distributed import DistributedAveragedGame
from .function import FunctionGame
from .quadratic import Bilinear, Quadratic
from .torch_game import TorchGame

__all__ = [
    "Game",
    "point_or_default",
    "Bilinear",
    "Quadratic",
    "DiracGAN",
    "FunctionGame",
    "SymbolicGame",
    "TorchGame",
    "AveragedGame",
    "DistributedAveragedGame",
]


def __getattr__(name: str) -> Any:
    if name == "SymbolicGame":  # imports sympy: only when asked for
        from .symbolic import SymbolicGame

        return SymbolicGame
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
