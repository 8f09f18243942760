"""Spectra of games and update operators.

Dense (:mod:`.dense`): ``jacfwd`` through the field and through each method's step.
"""

from .dense import (
    eigenvalues,
    game_jacobian,
    operator_jacobian,
    sort_eigenvalues,
    spectral_radius,
    step_map,
)

__all__ = [
    "game_jacobian",
    "operator_jacobian",
    "eigenvalues",
    "spectral_radius",
    "sort_eigenvalues",
    "step_map",
]
