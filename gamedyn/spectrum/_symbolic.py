"""Exact Jacobians with sympy, from the methods' one step run on sympy matrices.

* :func:`operator_jacobian_symbolic`: the method's step run on sympy matrices of a
  :class:`~gamedyn.games.SymbolicGame` in forward mode
  (:class:`~gamedyn.backends._symbolic.TangentOps`, an exact ``jacfwd``): the ``r·n × r·n``
  Jacobian of the update at the state ``method.init(z)``, in the order ``(z_t, z_{t−1})``.
  Hyperparameters may be sympy symbols (``k`` stays an integer).
* :func:`game_jacobian_symbolic`: the exact ``J(z)``.
* :func:`symbolic_request`: when :func:`gamedyn.spectrum.game_jacobian` and
  :func:`gamedyn.spectrum.operator_jacobian` answer exactly instead of in float64.

No Jacobian formula is written here: every one comes out of a method's ``step``. Eigenvalue
maps ``μ(λ)`` are in :mod:`gamedyn.spectrum`.

Example:
  >>> import sympy as sp
  >>> from gamedyn.methods import GDA
  >>> x, y, eta = sp.symbols("x y eta")
  >>> operator_jacobian_symbolic(GDA(lr=eta), SymbolicGame([x], [y], x * y, -x * y))
  Matrix([
  [  1, -eta],
  [eta,    1]])
"""

from __future__ import annotations

from typing import Any

import sympy as sp
import torch

from .. import _validate
from ..backends._symbolic import TangentOps
from ..games._base import Game
from ..games._quadratic import Quadratic
from ..games._symbolic import SymbolicGame
from ..methods import Method, is_count

Matrix = sp.MutableDenseMatrix

SIMPLIFY_MAX_OPS = 60
"""Entries with more operations than this are not passed to ``sympy.simplify`` (too slow)."""

TIDY_MAX_NODES = 5000
"""Entries whose expression tree is larger than this are returned as formed."""

__all__ = [
    "has_symbolic_hyperparameters",
    "symbolic_request",
    "as_symbolic_game",
    "game_jacobian_symbolic",
    "operator_jacobian_symbolic",
]


# ---------------------------------------------------------------------------------------------
# When to be exact
# ---------------------------------------------------------------------------------------------


def has_symbolic_hyperparameters(method: Method) -> bool:
    """True when any hyperparameter of ``method`` (or of its base) is a sympy expression."""
    return any(_symbolic(value) for value in method.hyperparameters().values())


def _symbolic(value: Any) -> bool:
    """Whether a hyperparameter is, or holds (a method, a pair), a sympy expression."""
    if isinstance(value, Method):
        return has_symbolic_hyperparameters(value)
    if isinstance(value, (tuple, list)):
        return any(_symbolic(v) for v in value)
    hyper = getattr(value, "hyperparameters", None)  # a per-player optimiser transform
    if callable(hyper) and not isinstance(value, type):
        return any(_symbolic(v) for v in hyper().values())
    return _validate.is_symbolic(value)


def symbolic_request(game: Game, z: Any, method: Method | None = None) -> bool:
    """True when a Jacobian must be exact: a symbolic game, a symbolic ``z`` or hyperparameter.

    This is the dispatch rule of :func:`gamedyn.spectrum.game_jacobian` and
    :func:`gamedyn.spectrum.operator_jacobian`.
    """
    if isinstance(game, SymbolicGame):
        return True
    if method is not None and has_symbolic_hyperparameters(method):
        return True
    if isinstance(z, (sp.Basic, sp.MatrixBase)) or (
        isinstance(z, (list, tuple)) and any(isinstance(v, sp.Basic) for v in z)
    ):
        return any(_validate.is_symbolic(v) for v in sp.Matrix(z))
    return False


def as_symbolic_game(game: Game) -> SymbolicGame:
    """``game`` as a :class:`SymbolicGame`: unchanged, or a quadratic/bilinear game converted.

    Raises:
      TypeError: for other numeric games, whose losses gamedyn cannot write in sympy.
    """
    if isinstance(game, SymbolicGame):
        return game
    if isinstance(game, Quadratic):
        return SymbolicGame.from_quadratic(game)
    raise TypeError(
        f"game must be a SymbolicGame (or a Quadratic/Bilinear game) for an exact Jacobian, got "
        f"{game!r}; write its losses with SymbolicGame, or pass numbers for the hyperparameters "
        "and z"
    )


def _point(game: SymbolicGame, z: Any) -> Matrix:
    """``z`` as an ``n × 1`` sympy column (``None``: the players' symbols)."""
    if z is None:
        return Matrix(game.variables)
    if isinstance(z, torch.Tensor):
        z = z.detach().tolist()
    point = Matrix(z)
    if point.shape != (game.n, 1):
        raise ValueError(f"z must have n = {game.n} entries, got shape {point.shape}")
    return point


# ---------------------------------------------------------------------------------------------
# Exact Jacobians
# ---------------------------------------------------------------------------------------------


def game_jacobian_symbolic(game: Game, z: Any = None) -> Matrix:
    """The game Jacobian ``J(z) = ∂v/∂z`` as a sympy matrix (``z=None``: at the symbolic point).

    Args:
      game: a :class:`SymbolicGame`, or a quadratic/bilinear game (converted exactly).
      z: the point: ``n`` numbers or sympy expressions, or ``None``.
    """
    game = as_symbolic_game(game)
    return game.jacobian_sym(_point(game, z))


def operator_jacobian_symbolic(
    method: Method, game: Game, z: Any = None, *, simplify: bool = True
) -> Matrix:
    """The Jacobian of ``method``'s update at the state ``method.init(z)``, as a sympy matrix.

    ``r·n × r·n`` (``r = method.order``) in the order ``(z_t, z_{t−1})``, with the augmented
    state started at ``(z_0, z_0)``. The step runs once in forward mode
    (:class:`~gamedyn.backends._symbolic.TangentOps`): each state component carries its
    derivative with respect to the flattened state ``s`` (the identity's rows to start with),
    so the output's derivative is the Jacobian — the same step the numeric path differentiates
    with ``jacfwd``.

    Args:
      method: any update operator; hyperparameters may be sympy symbols.
      game: a :class:`SymbolicGame`, or a quadratic/bilinear game (converted exactly).
      z: the point: ``n`` numbers or expressions; ``None`` is the symbolic point ``(x, y)``.
        Python floats become sympy ``Float`` numbers; integers and sympy numbers stay exact.
      simplify: tidy each entry: polynomials expanded, rational functions cancelled, anything
        else through ``sympy.simplify`` (up to :data:`SIMPLIFY_MAX_OPS` operations).

    Returns:
      A sympy ``Matrix``.

    Example:
      >>> import sympy as sp
      >>> from gamedyn.methods import GDA
      >>> x, y, eta = sp.symbols("x y eta")
      >>> operator_jacobian_symbolic(GDA(lr=eta), SymbolicGame([x], [y], x * y, -x * y))
      Matrix([
      [  1, -eta],
      [eta,    1]])
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    game = as_symbolic_game(game)
    n, r = game.n, method.order
    m = r * n
    identity = sp.eye(m)
    start = method.init(_point(game, z))
    ops = TangentOps(game, m)
    state, i = [], 0
    for value in start:  # vectors carry the identity's rows; counts are carried as they are
        if is_count(value):
            state.append(value)
            continue
        state.append(ops.tangent(Matrix(value), identity[i * n : (i + 1) * n, :]))
        i += 1
    new_state = method.step(ops, tuple(state))
    jacobian = Matrix.vstack(*(c.d for c in new_state if not is_count(c)))
    return jacobian.applyfunc(_tidy_entry) if simplify else jacobian


def _tidy_entry(entry: sp.Expr) -> sp.Expr:
    """One entry, short and canonical (``simplify`` of :func:`operator_jacobian_symbolic`).

    Algebraic entries (no ``exp``, ``log``, ...): polynomials expanded, rational functions
    cancelled. Others: ``sympy.simplify`` when small (at most :data:`SIMPLIFY_MAX_OPS`
    operations), else unchanged. Entries larger than :data:`TIDY_MAX_NODES` are left as they
    are: any rewriting of them would take longer than it is worth.
    """
    if isinstance(entry, sp.Number) or not _at_most_nodes(entry, TIDY_MAX_NODES):
        return entry
    symbols = entry.free_symbols
    if symbols and not entry.atoms(sp.Function):
        if entry.is_polynomial(*symbols):
            return sp.expand(entry)
        if entry.is_rational_function(*symbols):
            return sp.factor_terms(sp.cancel(entry))
    if sp.count_ops(entry) <= SIMPLIFY_MAX_OPS:
        return sp.simplify(entry)
    return entry


def _at_most_nodes(expr: sp.Basic, limit: int) -> bool:
    """Whether ``expr``'s tree has at most ``limit`` nodes (stops counting at the limit)."""
    for count, _ in enumerate(sp.preorder_traversal(expr)):
        if count >= limit:
            return False
    return True
