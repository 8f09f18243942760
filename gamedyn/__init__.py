"""gamedyn: numerical analysis of smooth two-player game dynamics.

Conventions: ``z = (x, y)``, first player first; each player minimises its own loss; the
vector field is ``v(z) = (∇_x L_x, ∇_y L_y)`` and updates descend it; the game Jacobian is
``J = ∂v/∂z``; augmented operators act on ``(z_t, z_{t−1})``; ``z=None`` is the game's default
point. Float64 throughout.

Layers, one folder each: :mod:`gamedyn.games` (what a game is) → :mod:`gamedyn.methods`
(one step per update operator) → :mod:`gamedyn.backends` (the primitives a step calls) →
:mod:`gamedyn.spectrum` (Jacobians and their eigenvalues) → :mod:`gamedyn.nonnormal` (the
non-normal analyses) → :mod:`gamedyn.analysis` (checked, recorded analyses), with the game-free
linear algebra beneath them all in :mod:`gamedyn.linalg`; then
:mod:`gamedyn.regions` (rates and tuning), :mod:`gamedyn.plot`, :mod:`gamedyn.figures` and
:mod:`gamedyn.cli`, which only call the library. Names every layer shares are in
:mod:`gamedyn.vocabulary`. ``import gamedyn`` loads neither sympy nor matplotlib.

Example:
  >>> import gamedyn
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.methods import ExtraGradient
  >>> game, method = Bilinear([[1.0]]), ExtraGradient(0.3)
  >>> trajectory = gamedyn.run(method, game, [1.0, 1.0], 200)
  >>> measured = gamedyn.contraction_rate(trajectory)   # from the iterates alone
  >>> predicted = gamedyn.spectral_radius(method, game)  # from the operator Jacobian
  >>> round(predicted, 8), abs(measured - predicted) < 1e-9
  (0.95817535, True)
"""

from . import analysis, games, linalg, methods, nonnormal, regions, spectrum
from .spectrum import spectral_radius
from .trajectory import contraction_rate, run

__version__ = "0.1.0"

__all__ = [
    "games",
    "methods",
    "linalg",
    "spectrum",
    "nonnormal",
    "analysis",
    "regions",
    "run",
    "contraction_rate",
    "spectral_radius",
    "__version__",
]
