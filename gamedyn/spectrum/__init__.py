"""Spectra of games and update operators: Jacobians, eigenvalues and what is computed from them.

Every Jacobian here is derived from a method's one step (:mod:`gamedyn.methods`) through a
backend (:mod:`gamedyn.backends`):

* Dense (:mod:`.dense`): ``jacfwd`` through the field and through each method's step;
  :func:`eigenvalues`, :func:`spectral_radius`.
* Symbolic (:mod:`.symbolic`): the same steps on sympy matrices, exact; eigenvalue maps
  ``μ(λ)`` (:mod:`.maps`). Loaded with sympy on first use.
* Matrix-free (:mod:`.operator`): :class:`JacobianOperator`, a ``scipy.sparse.linalg``
  ``LinearOperator`` of ``J u`` and ``Jᵀ u`` products by ``torch.func``; Krylov–Schur
  (:mod:`.krylov`) and ARPACK behind :func:`top_eigenvalues` (:mod:`.eigensolvers`).
* Structure: symmetric and antisymmetric parts (:mod:`.parts`), per-player blocks and the Schur
  complement (:mod:`.blocks`).
* Checked, recorded analyses (:mod:`.analysis`, :mod:`.records`).
* Beyond the eigenvalues (non-normal dynamics): pseudospectra (:mod:`.pseudospectra`),
  transient growth and the Kreiss constant (:mod:`.transient`), the numerical range
  (:mod:`.numerical_range`), eigenvalue condition numbers and Henrici's departure from
  normality (:mod:`.conditioning`), the rotation index ``‖K‖²_F/‖J‖²_F`` with Hutchinson error
  bars (:mod:`.rotation`), and what an analysis record carries of them (:mod:`.non_normal`).
* The order of eigenvalues (:mod:`.ordering`); ``which`` is :mod:`gamedyn.vocabulary`'s.

Argument order: a function of an update operator takes ``(method, game, z)``; a function of
the game Jacobian that can also take an operator takes ``(game, ...)`` with ``method=`` and
``z=`` by keyword; ``z=None`` is the game's default point.
"""

from typing import Any

from ._coordinates import previous_iterate_coordinates
from .analysis import analyse, batch_spectra
from .conditioning import condition_numbers, departure_from_normality
from .dense import eigenvalues, game_jacobian, operator_jacobian, spectral_radius
from .eigensolvers import NoConvergence, TopEigenvalues, solve_top, top_eigenvalues
from .krylov import KrylovNoConvergence, KrylovResult, krylov_schur
from .non_normal import NonNormal
from .numerical_range import field_of_values, numerical_abscissa, numerical_radius
from .operator import JacobianOperator
from .ordering import sort_eigenvalues
from .parts import antisymmetric_part_eigenvalues, symmetric_part_eigenvalues
from .pseudospectra import pseudospectrum
from .records import SpectrumRecord
from .rotation import frobenius_norm_squared, rotation_by_block, rotation_index
from .transient import kreiss_constant, transient_growth, worst_direction

_LAZY = {  # name -> module: these import sympy, so only when asked for
    "eigenvalue_map": "maps",
    "numeric_eigenvalue_map": "maps",
    "eigenvalue_matrix": "maps",
    "characteristic_polynomial": "maps",
    "bilinear_rates": "maps",
    "bilinear_spectral_radius": "maps",
    "latex": "maps",
    "NoEigenvalueMap": "maps",
    "operator_jacobian_symbolic": "symbolic",
    "game_jacobian_symbolic": "symbolic",
}

__all__ = [
    "game_jacobian",
    "operator_jacobian",
    "previous_iterate_coordinates",
    "eigenvalues",
    "spectral_radius",
    "sort_eigenvalues",
    "JacobianOperator",
    "top_eigenvalues",
    "solve_top",
    "TopEigenvalues",
    "NoConvergence",
    "krylov_schur",
    "KrylovResult",
    "KrylovNoConvergence",
    "symmetric_part_eigenvalues",
    "antisymmetric_part_eigenvalues",
    "analyse",
    "batch_spectra",
    "SpectrumRecord",
    "pseudospectrum",
    "transient_growth",
    "worst_direction",
    "kreiss_constant",
    "condition_numbers",
    "departure_from_normality",
    "numerical_abscissa",
    "numerical_radius",
    "field_of_values",
    "frobenius_norm_squared",
    "rotation_index",
    "rotation_by_block",
    "NonNormal",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
