"""Quadratic and bilinear games: the games whose vector field is affine, ``v(z) = J z + b``.

On these games every update operator of :mod:`gamedyn.methods` is an affine map, so its Jacobian
is constant and its spectral radius is exactly the asymptotic contraction rate.
"""

from __future__ import annotations

from typing import Any

import torch

from .. import _validate
from ._base import Game, Tensor

__all__ = ["Quadratic", "Bilinear"]


class Quadratic(Game):
    """General-sum quadratic game.

    ``L_x = ½ xᵀ Axx x + xᵀ Axy y + bxᵀ x`` and ``L_y = ½ yᵀ Ayy y + yᵀ Ayx x + byᵀ y``, so

    ``v(z) = J z + b`` with ``J = [[Axx, Axy], [Ayx, Ayy]]`` and ``b = (bx, by)``.

    ``Axx`` and ``Ayy`` are the players' own Hessians (symmetric); ``Axy`` (``nx × ny``) and
    ``Ayx`` (``ny × nx``) couple them. (Terms of a player's loss that do not involve its own
    variables do not change the field and are left out; LOLA and SOS, which use ``∇_y L_x``
    and ``∇_x L_y``, see the losses as written here.) With ``Ayx = −Axyᵀ`` this is the field
    of the zero-sum game ``min_x max_y ½ xᵀAxx x + xᵀAxy y − ½ yᵀAyy y``. In general ``J`` is not
    normal: these are the simplest games whose Jacobian has non-orthogonal eigenvectors.

    Args:
      Axx: the first player's Hessian, ``nx × nx`` symmetric.
      Ayy: the second player's Hessian, ``ny × ny`` symmetric.
      Axy: coupling in the first player's loss, ``nx × ny``.
      Ayx: coupling in the second player's loss, ``ny × nx``.
      bx, by: linear terms (default zero).
    """

    def __init__(self, Axx: Any, Ayy: Any, Axy: Any, Ayx: Any, bx: Any = None, by: Any = None):
        self.Axx = _symmetric("Axx", Axx)
        self.Ayy = _symmetric("Ayy", Ayy)
        self.nx, self.ny = self.Axx.shape[0], self.Ayy.shape[0]
        _players_not_empty(type(self).__name__, self.nx, self.ny)
        self.Axy = _validate.matrix("Axy", Axy, (self.nx, self.ny))
        self.Ayx = _validate.matrix("Ayx", Ayx, (self.ny, self.nx))
        self.bx = _linear_term("bx", bx, self.nx)
        self.by = _linear_term("by", by, self.ny)

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        x, y = self.split(z)
        loss_x = 0.5 * x @ self.Axx @ x + x @ self.Axy @ y + self.bx @ x
        loss_y = 0.5 * y @ self.Ayy @ y + y @ self.Ayx @ x + self.by @ y
        return loss_x, loss_y

    @property
    def J(self) -> Tensor:
        """The constant game Jacobian ``[[Axx, Axy], [Ayx, Ayy]]``."""
        return torch.cat(
            [torch.cat([self.Axx, self.Axy], dim=1), torch.cat([self.Ayx, self.Ayy], dim=1)]
        )

    @property
    def b(self) -> Tensor:
        """The constant term ``(bx, by)`` of ``v(z) = J z + b``."""
        return torch.cat([self.bx, self.by])

    def field(self, z: Tensor) -> Tensor:
        return self.J @ z + self.b

    def jacobian(self, z: Tensor) -> Tensor:
        return self.J

    def fixed_point(self) -> Tensor:
        """The unique ``z*`` with ``v(z*) = 0``, i.e. ``J z* = −b``; refuses a singular ``J``."""
        J = self.J
        if torch.linalg.matrix_rank(J) < self.n:
            raise ValueError(
                f"{type(self).__name__} has a singular Jacobian: its fixed points are not unique"
            )
        return torch.linalg.solve(J, -self.b)

    def default_point(self) -> Tensor:
        """The fixed point (:meth:`fixed_point`); for a singular ``J``, the fixed point of
        least norm, ``z* = −J⁺ b`` (the origin when ``b = 0``), if ``J z + b = 0`` is solvable."""
        J, b = self.J, self.b
        if torch.linalg.matrix_rank(J) == self.n:
            return torch.linalg.solve(J, -b)
        z = -torch.linalg.pinv(J) @ b
        if torch.linalg.vector_norm(J @ z + b) > 1e-10 * (1 + torch.linalg.vector_norm(b)):
            raise ValueError(
                f"{type(self).__name__} has no fixed point (J z + b = 0 has no solution); pass z"
            )
        return z


class Bilinear(Quadratic):
    """Zero-sum bilinear game ``L_x = xᵀ A y + bᵀ x + cᵀ y``, ``L_y = −L_x``.

    ``v(z) = (A y + b, −Aᵀ x − c)`` and ``J = [[0, A], [−Aᵀ, 0]]``, whose eigenvalues are
    ``±i σ_j`` for the singular values ``σ_j`` of ``A`` (and zeros when ``A`` is not square):
    pure rotation, the classic case where simultaneous GDA spirals out.

    Example:
      >>> game = Bilinear([[1.0]])          # the scalar game x·y
      >>> game.field(torch.tensor([1.0, 2.0], dtype=torch.float64))
      tensor([ 2., -1.], dtype=torch.float64)
    """

    def __init__(self, A: Any, b: Any = None, c: Any = None):
        A = _validate.matrix("A", A)
        nx, ny = A.shape
        _players_not_empty("Bilinear", nx, ny)
        _validate.allocation(  # J, the zero own blocks and their symmetry check's temporaries
            f"the dense blocks of a Bilinear game with nx = {nx}, ny = {ny}",
            8.0 * ((nx + ny) ** 2 + 3 * (nx**2 + ny**2)),
        )
        b = _linear_term("b", b, nx)
        c = _linear_term("c", c, ny)
        super().__init__(torch.zeros(nx, nx), torch.zeros(ny, ny), A, -A.T, b, -c)
        self.A, self.b_x, self.c_y = A, b, c

    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        x, y = self.split(z)
        loss = x @ self.A @ y + self.b_x @ x + self.c_y @ y
        return loss, -loss


def _players_not_empty(game: str, nx: int, ny: int) -> None:
    if nx == 0 or ny == 0:
        raise ValueError(f"{game}: both players need parameters, got nx = {nx}, ny = {ny}")


def _symmetric(name: str, value: Any) -> Tensor:
    matrix = _validate.matrix(name, value)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be square, got shape {tuple(matrix.shape)}")
    if not torch.allclose(matrix, matrix.T, rtol=1e-12, atol=1e-12):
        raise ValueError(f"{name} is a player's Hessian and must be symmetric")
    return matrix


def _linear_term(name: str, value: Any, length: int) -> Tensor:
    if value is None:
        return torch.zeros(length, dtype=_validate.DTYPE)
    return _validate.vector(name, value, length)
