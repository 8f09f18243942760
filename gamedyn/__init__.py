"""gamedyn: numerical analysis of smooth two-player game dynamics.

Conventions: ``z = (x, y)``, first player first; each player minimises its own loss; the
vector field is ``v(z) = (∇_x L_x, ∇_y L_y)`` and updates descend it; the game Jacobian is
``J = ∂v/∂z``; augmented operators act on ``(z_t, z_{t−1})``. Float64 throughout.
"""

from . import games, methods, regions, spectrum
from .spectrum import spectral_radius
from .trajectory import contraction_rate, run

__version__ = "0.1.0"

__all__ = [
    "games",
    "regions",
    "methods",
    "spectrum",
    "run",
    "contraction_rate",
    "spectral_radius",
    "__version__",
]
