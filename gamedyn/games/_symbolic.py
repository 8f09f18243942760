"""Games written in sympy: exact fields and Jacobians, and the same game numerically.

Example:
  >>> import sympy as sp
  >>> x, y = sp.symbols("x y", real=True)
  >>> game = SymbolicGame([x], [y], x * y, -x * y)
  >>> game.jacobian_sym()
  Matrix([
  [ 0, 1],
  [-1, 0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp
import torch

from ._base import Game, Tensor
from ._quadratic import Quadratic

__all__ = ["SymbolicGame"]


class SymbolicGame(Game):
    """The game ``L_x = loss_x``, ``L_y = loss_y`` with players given as lists of sympy symbols.

    ``field_sym(z)`` is the sympy column ``v(z) = (∇_x L_x, ∇_y L_y)`` and ``jacobian_sym(z)``
    the sympy matrix ``J(z) = ∂v/∂z``, at the symbolic point ``(x, y)`` (``z=None``) or at any
    values or expressions ``z``. The losses may contain other symbols (constants of the game);
    the numeric path (``losses``/``field``/``jacobian`` on torch tensors, used by
    :func:`gamedyn.run` and the dense spectra) needs them to be absent or substituted with
    ``subs``.

    Args:
      x: the first player's symbols.
      y: the second player's symbols.
      loss_x, loss_y: sympy expressions, each player's loss.
    """

    def __init__(self, x: Sequence[sp.Symbol], y: Sequence[sp.Symbol], loss_x: Any, loss_y: Any):
        self.x, self.y = _symbols("x", x), _symbols("y", y)
        if set(self.x) & set(self.y):
            raise ValueError(
                f"x and y share symbols: {sorted(map(str, set(self.x) & set(self.y)))}"
            )
        self.loss_x, self.loss_y = sp.sympify(loss_x), sp.sympify(loss_y)
        self.nx, self.ny = len(self.x), len(self.y)
        self.variables = sp.Matrix(self.x + self.y)
        self._field = sp.Matrix(
            [sp.diff(self.loss_x, s) for s in self.x] + [sp.diff(self.loss_y, s) for s in self.y]
        )
        self._jacobian = self._field.jacobian(self.variables)
        self._loss_gradients: tuple[sp.Matrix, sp.Matrix] | None = None
        self._loss_hessians: tuple[sp.Matrix, sp.Matrix] | None = None
        self._numeric_losses = None

    @classmethod
    def from_quadratic(cls, game: Quadratic) -> SymbolicGame:
        """A :class:`~gamedyn.games.Quadratic` (or ``Bilinear``) game written in sympy.

        ``L_x = ½ xᵀ Axx x + xᵀ Axy y + bxᵀ x`` and ``L_y = ½ yᵀ Ayy y + yᵀ Ayx x + byᵀ y`` with
        the game's entries (integer-valued entries as exact integers, others as ``Float``), in
        the symbols ``x0, x1, ...`` and ``y0, y1, ...``: the same field and Jacobian, exactly.
        """
        if not isinstance(game, Quadratic):
            raise TypeError(f"game must be a Quadratic or Bilinear game, got {game!r}")
        x = list(sp.symbols(f"x0:{game.nx}", real=True))
        y = list(sp.symbols(f"y0:{game.ny}", real=True))
        X, Y = sp.Matrix(x), sp.Matrix(y)
        Axx, Ayy, Axy, Ayx = (_exact(m) for m in (game.Axx, game.Ayy, game.Axy, game.Ayx))
        bx, by = _exact(game.bx[:, None]), _exact(game.by[:, None])
        loss_x = (X.T * Axx * X / 2 + X.T * Axy * Y + bx.T * X)[0, 0]
        loss_y = (Y.T * Ayy * Y / 2 + Y.T * Ayx * X + by.T * Y)[0, 0]
        return cls(x, y, sp.expand(loss_x), sp.expand(loss_y))

    def __repr__(self) -> str:
        losses = f"L_x={self.loss_x}, L_y={self.loss_y}"
        return f"SymbolicGame(x={list(self.x)}, y={list(self.y)}, {losses})"

    @property
    def constants(self) -> set[sp.Symbol]:
        """Free symbols of the losses that are not players' variables."""
        free = self.loss_x.free_symbols | self.loss_y.free_symbols
        return free - set(self.x) - set(self.y)

    def subs(self, values: dict) -> SymbolicGame:
        """The same game with constants substituted."""
        return SymbolicGame(self.x, self.y, self.loss_x.subs(values), self.loss_y.subs(values))

    def at(self, expr: sp.Matrix, z: Any) -> sp.Matrix:
        """``expr`` (written in the players' symbols) at the point ``z``; ``z=None``: unchanged.

        ``z`` is any sequence of ``n`` numbers or expressions; Python floats become sympy
        ``Float``s, integers and sympy numbers stay exact.
        """
        if z is None:
            return expr
        if isinstance(z, torch.Tensor):
            z = z.detach().tolist()
        z = sp.Matrix(z) if not isinstance(z, sp.MatrixBase) else z
        if z.shape != (self.n, 1):
            raise ValueError(f"z must have {self.n} entries, got shape {z.shape}")
        return expr.xreplace(dict(zip(self.variables, z, strict=True)))

    def field_sym(self, z: Any = None) -> sp.Matrix:
        """``v(z)`` as a sympy column (``z=None``: at the symbolic point ``(x, y)``)."""
        return self.at(self._field, z)

    def jacobian_sym(self, z: Any = None) -> sp.Matrix:
        """``J(z) = ∂v/∂z`` as a sympy matrix (``z=None``: at the symbolic point ``(x, y)``)."""
        return self.at(self._jacobian, z)

    def loss_gradients_sym(self, z: Any = None) -> tuple[sp.Matrix, sp.Matrix]:
        """``(∇L_x(z), ∇L_y(z))``: each loss differentiated with respect to all of ``z``.

        Two ``n × 1`` columns (``z=None``: at the symbolic point); the field is their diagonal
        parts, ``v = (∇_x L_x, ∇_y L_y)``.
        """
        if self._loss_gradients is None:
            self._loss_gradients = tuple(
                sp.Matrix([sp.diff(loss, s) for s in self.variables])
                for loss in (self.loss_x, self.loss_y)
            )
        return tuple(self.at(g, z) for g in self._loss_gradients)

    def loss_hessians_sym(self, z: Any = None) -> tuple[sp.Matrix, sp.Matrix]:
        """``(∇²L_x(z), ∇²L_y(z))``, the ``n × n`` Hessians of the two losses in all of ``z``."""
        if self._loss_hessians is None:
            self._loss_hessians = tuple(
                g.jacobian(self.variables) for g in self.loss_gradients_sym()
            )
        return tuple(self.at(h, z) for h in self._loss_hessians)

    # The numeric game (torch), for running and dense spectra -----------------------------------
    def losses(self, z: Tensor) -> tuple[Tensor, Tensor]:
        if self._numeric_losses is None:
            if self.constants:
                raise ValueError(
                    f"the losses have free constants {sorted(map(str, self.constants))}; "
                    "substitute them with SymbolicGame.subs before numeric use"
                )
            args = list(self.variables)
            # Numeric constants such as log(2) become floats: torch functions take tensors only.
            self._numeric_losses = (
                sp.lambdify(args, sp.N(self.loss_x, 17), modules="torch"),
                sp.lambdify(args, sp.N(self.loss_y, 17), modules="torch"),
            )
        entries = list(z.unbind())
        f_x, f_y = self._numeric_losses
        return _tensor(f_x(*entries), z), _tensor(f_y(*entries), z)


def _symbols(name: str, values: Sequence[Any]) -> list[sp.Symbol]:
    values = list(values) if not isinstance(values, sp.Symbol) else [values]
    if not values or not all(isinstance(s, sp.Symbol) for s in values):
        raise TypeError(f"{name} must be a non-empty list of sympy symbols, got {values!r}")
    return values


def _exact(matrix: Tensor) -> sp.Matrix:
    """A float tensor as a sympy matrix: integer values exact, others as ``Float``."""
    return sp.Matrix(
        [
            [sp.Integer(int(v)) if float(v).is_integer() else sp.Float(v) for v in row]
            for row in matrix.tolist()
        ]
    )


def _tensor(value: Any, like: Tensor) -> Tensor:
    """A lambdified loss that is constant in ``z`` returns a number: make it a 0-d tensor."""
    if isinstance(value, torch.Tensor):
        return value
    return torch.as_tensor(float(value), dtype=like.dtype) + 0 * like.sum()
