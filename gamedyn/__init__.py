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
:mod:`gamedyn.cli`, which only call the library. The values every layer accepts are in
:mod:`gamedyn.vocabulary`. Here: :func:`run` iterates a method, :func:`contraction_rate`
measures its rate from the iterates, :func:`spectral_radius` predicts it, and
:func:`path_angle` (Berard et al.) follows the field along a straight path.
``import gamedyn`` loads neither sympy nor matplotlib.

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

import importlib
from typing import TYPE_CHECKING, Any

from ._collector import paused as _paused

if TYPE_CHECKING:  # what the lazy attributes below are, for readers and type checkers
    from . import analysis, games, linalg, methods, nonnormal, regions, spectrum  # noqa: F401
    from ._landscape import PathAngle, path_angle
    from ._trajectory import contraction_rate, run
    from .spectrum import spectral_radius

# ``import gamedyn`` is light (the command line answers an interrupt from its first moment); the
# subpackages and the names below load on first use, as ``gamedyn.games`` or ``from gamedyn
# import run``, with torch's and scipy's imports run without the cyclic collector.
_SUBPACKAGES = ("analysis", "games", "linalg", "methods", "nonnormal", "regions", "spectrum")
_NAMES = {  # name: the module that holds it
    "PathAngle": "_landscape",
    "path_angle": "_landscape",
    "contraction_rate": "_trajectory",
    "run": "_trajectory",
    "spectral_radius": "spectrum",
}


def __getattr__(name: str) -> Any:
    if name not in _SUBPACKAGES and name not in _NAMES:
        raise AttributeError(f"module 'gamedyn' has no attribute {name!r}")
    with _paused():
        module = importlib.import_module(f".{_NAMES.get(name, name)}", __name__)
    value = module if name in _SUBPACKAGES else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*_SUBPACKAGES, *_NAMES, "__version__"})


__version__ = "0.1.0"

__all__ = [
    "run",
    "contraction_rate",
    "spectral_radius",
    "path_angle",
    "PathAngle",
]
