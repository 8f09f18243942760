"""The sympy backends: exact steps on sympy column matrices.

* :class:`SympyOps` runs a method's step on a :class:`~gamedyn.games.symbolic.SymbolicGame`.
* :class:`EigenOps` runs it on the scalar linear field ``v(z) = λ z``: a one-dimensional
  stand-in for one eigendirection of the game Jacobian. A step run there gives the ``r × r``
  matrix whose eigenvalues are the operator eigenvalues belonging to ``λ`` — the eigenvalue map.
  It is exact for steps that use the field, ``J u`` and ``Jᵀ u`` only, when ``J`` is normal (so
  ``J`` and ``Jᵀ`` share eigenvectors and ``Jᵀ`` acts as ``conj(λ)``); for steps that use only
  the field and ``J u`` it holds for every diagonalisable ``J``. Steps that split the players
  (alternating updates, per-player step sizes, CGD's coupling blocks) have no such map and are
  refused with :class:`NoEigenvalueMap`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ..games.symbolic import SymbolicGame

Matrix = sp.Matrix


class SympyOps:
    """The step primitives on sympy column matrices for a symbolic game.

    Every product is expanded as it is formed: on polynomial games (bilinear, quadratic) this
    keeps multi-step operators (extragradient, lookahead) polynomials of modest size instead of
    ever deeper nestings of substitutions.
    """

    def __init__(self, game: SymbolicGame):
        self.game = game

    def field(self, z: Matrix) -> Matrix:
        return self.game.field_sym(z).applyfunc(sp.expand)

    def jvp(self, z: Matrix, u: Matrix) -> Matrix:
        return (self.game.jacobian_sym(z) * u).applyfunc(sp.expand)

    def vjp(self, z: Matrix, u: Matrix) -> Matrix:
        return (self.game.jacobian_sym(z).T * u).applyfunc(sp.expand)

    def split(self, z: Matrix) -> tuple[Matrix, Matrix]:
        return z[: self.game.nx, :], z[self.game.nx :, :]

    def join(self, x: Matrix, y: Matrix) -> Matrix:
        return Matrix.vstack(x, y)

    def solve(self, linear_map: Callable[[Matrix], Matrix], rhs: Matrix) -> Matrix:
        n = rhs.shape[0]
        columns = [linear_map(sp.eye(n)[:, i]) for i in range(n)]
        return Matrix.hstack(*columns).LUsolve(rhs)


class NoEigenvalueMap(ValueError):
    """The operator's Jacobian is not a function of the game Jacobian's eigenvalues alone."""


class EigenOps:
    """The primitives of the scalar field ``v(z) = λ z`` (one eigendirection of ``J``).

    The state's entries are scalars: sympy expressions for exact maps, or numpy arrays of the
    shape of ``λ`` for maps evaluated at many ``λ`` at once (the step then runs vectorised).
    """

    def __init__(self, lam: Any, lam_conjugate: Any):
        self.lam, self.lam_conjugate = lam, lam_conjugate

    def field(self, z: Any) -> Any:
        return self.lam * z

    def jvp(self, z: Any, u: Any) -> Any:
        return self.lam * u

    def vjp(self, z: Any, u: Any) -> Any:
        return self.lam_conjugate * u

    def split(self, z: Any) -> tuple[Any, Any]:
        raise NoEigenvalueMap("the step treats the players separately")

    def join(self, x: Any, y: Any) -> Any:
        raise NoEigenvalueMap("the step treats the players separately")

    def solve(self, linear_map: Callable[[Any], Any], rhs: Any) -> Any:
        return rhs / linear_map(1)
