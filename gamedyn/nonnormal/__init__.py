"""Beyond the eigenvalues: the non-normal dynamics of games and update rules.

The eigenvalues of a non-normal Jacobian say where the dynamics end, not how they get there.
Here, each from products alone (matrix-free) or densely for small games, with the same
``(game, ..., method=, z=)`` conventions as :mod:`gamedyn.spectrum`:

* Pseudospectra ``σ_ε`` (:func:`pseudospectrum`; :func:`krylov_pseudospectrum` on a Krylov
  projection, :func:`dense_pseudospectrum`, :class:`SchurResolvent`, :func:`default_grid`).
* Transient growth ``‖Tᵗ‖`` and ``‖e^{−t·dt·J}‖`` (:func:`transient_growth`), the direction
  that grows most (:func:`worst_direction`, :func:`amplification_run`), the Kreiss constant and
  its bounds (:func:`kreiss_constant`, :func:`kreiss_bounds`).
* The numerical range (:func:`numerical_abscissa`, :func:`numerical_radius`,
  :func:`field_of_values`).
* Eigenvalue condition numbers and Henrici's departure from normality
  (:func:`condition_numbers`, :func:`departure_from_normality`).
* The rotation index ``‖K‖²_F/‖J‖²_F`` with Hutchinson error bars (:func:`rotation_index`,
  :func:`rotation_by_block`, :func:`coupling_rotation`, :func:`rotation_along`,
  :func:`frobenius_norm_squared`, :func:`parameter_blocks`, :func:`dense_rotation_index`).
* What a recorded analysis carries of them (:class:`NonNormal`, :func:`non_normal_extras`).

Example:
  >>> import numpy as np
  >>> from gamedyn.games import Bilinear
  >>> round(numerical_abscissa(Bilinear([[1.0]])), 12)   # J = [[0, 1], [−1, 0]]: normal
  0.0
"""

from ._conditioning import condition_numbers, departure_from_normality
from ._extras import NonNormal, headlines, non_normal_extras  # noqa: F401
from ._numerical_range import field_of_values, numerical_abscissa, numerical_radius
from ._pseudospectra import (
    SchurResolvent,
    default_grid,  # noqa: F401
    dense_pseudospectrum,
    krylov_pseudospectrum,
    pseudospectrum,
)
from ._rotation import (
    coupling_rotation,
    dense_rotation_index,  # noqa: F401
    frobenius_norm_squared,
    parameter_blocks,  # noqa: F401
    rotation_along,
    rotation_by_block,
    rotation_index,
)
from ._transient import (
    amplification_run,
    kreiss_bounds,
    kreiss_constant,
    transient_growth,
    worst_direction,
)

__all__ = [
    "pseudospectrum",
    "krylov_pseudospectrum",
    "dense_pseudospectrum",
    "SchurResolvent",
    "transient_growth",
    "worst_direction",
    "amplification_run",
    "kreiss_constant",
    "kreiss_bounds",
    "numerical_abscissa",
    "numerical_radius",
    "field_of_values",
    "condition_numbers",
    "departure_from_normality",
    "rotation_index",
    "rotation_by_block",
    "coupling_rotation",
    "rotation_along",
    "frobenius_norm_squared",
    "NonNormal",
    "headlines",
]
