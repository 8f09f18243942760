"""Jacobians of games and of update rules, and their eigenvalues.

Every Jacobian here is derived from a method's one step (:mod:`gamedyn.methods`) through a
backend (:mod:`gamedyn.backends`); the game-free Krylov machinery is :mod:`gamedyn.linalg`.

* Dense: ``jacfwd`` through the field and through each method's step: :func:`game_jacobian`,
  :func:`operator_jacobian`, :func:`eigenvalues`, :func:`spectral_radius`.
* Symbolic: the same steps on sympy matrices, exact (:func:`game_jacobian_symbolic`,
  :func:`operator_jacobian_symbolic`); eigenvalue maps ``μ(λ)`` (:func:`eigenvalue_map`,
  :func:`eigenvalue_matrix`, ...). Loaded with sympy on first use.
* Matrix-free: :class:`JacobianOperator`, a ``scipy.sparse.linalg`` ``LinearOperator`` of
  ``J u`` and ``Jᵀ u`` products by ``torch.func``; :func:`top_eigenvalues` (and
  :func:`solve_top` on an operator already built) with the solver as one validated object,
  :class:`KrylovSchur` (default) or :class:`Arpack`; :class:`NoConvergence` carries the partial
  result.
* Structure: symmetric and antisymmetric parts, per-player blocks and the Schur complement.
* The order of eigenvalues (:func:`sort_eigenvalues`); ``which`` is :mod:`gamedyn.vocabulary`'s.

Non-normal analyses are :mod:`gamedyn.nonnormal`; checked, recorded analyses
(``analyse``, ``batch_spectra``, ``SpectrumRecord``) are :mod:`gamedyn.analysis`.

Argument order: a function of an update operator takes ``(method, game, z)``; a function of
the game Jacobian that can also take an operator takes ``(game, ...)`` with ``method=`` and
``z=`` by keyword; ``z=None`` is the game's default point.

Example:
  >>> import numpy as np
  >>> from gamedyn.games import Bilinear
  >>> top = top_eigenvalues(Bilinear(np.diag([3.0, 2.0, 1.0])), k=2, solver=KrylovSchur(tol=1e-12))
  >>> np.round(top.values, 10)
  array([0.+3.j, 0.-3.j])
"""

from typing import Any

from ..linalg import NoConvergence

# Names imported here but not in ``__all__`` are the package's own (its modules, tests).
from ._blocks import (
    blocks_report,  # noqa: F401
    coupling_singular_values,
    player_hessian_eigenvalues,
    schur_complement_eigenvalues,
)
from ._coordinates import previous_iterate_coordinates
from ._dense import eigenvalues, game_jacobian, operator_jacobian, spectral_radius
from ._eigensolvers import TopEigenvalues, solve_top, top_eigenvalues
from ._operator import JacobianOperator
from ._ordering import sort_eigenvalues
from ._parts import antisymmetric_part_eigenvalues, symmetric_part_eigenvalues
from ._solvers import Arpack, KrylovSchur

_LAZY = {  # name -> module: these import sympy, so only when asked for
    "eigenvalue_map": "_maps",
    "numeric_eigenvalue_map": "_maps",
    "eigenvalue_matrix": "_maps",
    "characteristic_polynomial": "_maps",
    "bilinear_rates": "_maps",
    "bilinear_spectral_radius": "_maps",
    "latex": "_maps",
    "NoEigenvalueMap": "_maps",
    "operator_jacobian_symbolic": "_symbolic",
    "game_jacobian_symbolic": "_symbolic",
}

_INTERNAL = {"eigenvalue_matrix", "numeric_eigenvalue_map", "game_jacobian_symbolic"}
"""Lazily loaded, but the package's own (not in ``__all__``)."""

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
    "KrylovSchur",
    "Arpack",
    "NoConvergence",
    "symmetric_part_eigenvalues",
    "antisymmetric_part_eigenvalues",
    "player_hessian_eigenvalues",
    "coupling_singular_values",
    "schur_complement_eigenvalues",
    *(name for name in _LAZY if name not in _INTERNAL),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
