"""Two-player games: what a game is, and the games gamedyn knows.

Each game knows its losses, its vector field ``v(z) = (∇_x L_x, ∇_y L_y)``, its Jacobian
``J(z) = ∂v/∂z`` and its default point — nothing about update rules, plots or checkpoints
(conventions: :class:`Game`).

* Affine fields: :class:`Bilinear`, :class:`Quadratic`; :class:`DiracGAN` (Mescheder et al.
  2018); :class:`FunctionGame` (two torch loss functions); :class:`SymbolicGame` (sympy losses;
  loaded on first use, with sympy).
* :class:`TorchGame`: a GAN of two ``nn.Module`` players on a fixed batch (private copies of
  the players, purity checks, exact normalisation layers), with its losses on logits
  :func:`generator_loss`, :func:`discriminator_loss`.
* :class:`AveragedGame`: the field averaged over batches; :class:`DistributedAveragedGame`: the
  same over data shards on the ranks of a ``torch.distributed`` process group (:func:`shard`,
  :func:`init_from_environment`).
* Stochastic games ``v(z; ξ)``, each with its mean game (:class:`StochasticGame`):
  :class:`AdditiveNoise`, :class:`FiniteSum` (:func:`finite_sum_bilinear`,
  :func:`finite_sum_quadratic`, :func:`seed_bilinear`), :class:`MinibatchGame`.

Example:
  >>> from gamedyn.games import Bilinear
  >>> game = Bilinear([[1.0]])
  >>> game.jacobian([0.0, 0.0]).tolist()
  [[0.0, 1.0], [-1.0, 0.0]]
"""

from typing import Any

from ._averaged import AveragedGame
from ._base import Game
from ._dirac import DiracGAN
from ._distributed import DistributedAveragedGame, init_from_environment, shard
from ._function import FunctionGame
from ._gan_losses import discriminator_loss, generator_loss
from ._quadratic import Bilinear, Quadratic
from ._stochastic import (
    AdditiveNoise,
    FiniteSum,
    MinibatchGame,
    StochasticGame,
    finite_sum_bilinear,
    finite_sum_quadratic,
    seed_bilinear,
)
from ._torch_game import TorchGame

__all__ = [
    "Game",
    "Bilinear",
    "Quadratic",
    "DiracGAN",
    "FunctionGame",
    "SymbolicGame",
    "TorchGame",
    "generator_loss",
    "discriminator_loss",
    "AveragedGame",
    "DistributedAveragedGame",
    "shard",
    "init_from_environment",
    "StochasticGame",
    "AdditiveNoise",
    "FiniteSum",
    "finite_sum_bilinear",
    "finite_sum_quadratic",
    "seed_bilinear",
    "MinibatchGame",
]


def __getattr__(name: str) -> Any:
    if name == "SymbolicGame":  # imports sympy: only when asked for
        from ._symbolic import SymbolicGame

        return SymbolicGame
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
