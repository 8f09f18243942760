"""Two-player games: conventions in :mod:`gamedyn.games.base`.

Each game knows its losses, its vector field ``v(z) = (∇_x L_x, ∇_y L_y)`` and its Jacobian
``J(z) = ∂v/∂z`` — nothing about update rules, plots or checkpoints.
"""

from .base import Game
from .dirac import DiracGAN
from .function import FunctionGame
from .quadratic import Bilinear, Quadratic
from .symbolic import SymbolicGame
from .torch_game import TorchGame

__all__ = ["Game", "Bilinear", "Quadratic", "DiracGAN", "FunctionGame", "SymbolicGame", "TorchGame"]
