"""Exact spectra with sympy, and eigenvalue maps — all derived from the methods' one step.

* :func:`operator_jacobian_symbolic`: the method's step run on sympy matrices (a
  :class:`~gamedyn.games.symbolic.SymbolicGame`, hyperparameters possibly symbols), then
  differentiated by ``Matrix.jacobian`` with respect to the state ``(z_t[, z_{t−1}])``.
* :func:`eigenvalue_map`: for operators whose Jacobian is a function of the game Jacobian ``J``
  alone, the operator eigenvalues ``μ`` that belong to an eigenvalue ``λ`` of ``J``. The step is
  run on the scalar field ``v(z) = λ z`` (:class:`~gamedyn.backends.symbolic.EigenOps`), once
  per unit state, which gives the ``r × r`` matrix ``M(λ)`` (``r`` = the state's length, 1 or 2)
  whose eigenvalues are the ``μ``. With ``λ`` a sympy symbol the result is exact; with a numpy
  array the same step runs on arrays, vectorised over every ``λ`` at once. Consensus uses
  ``Jᵀ``, which acts as ``conj(λ)``: its map holds for normal ``J``.

Example:
  >>> import sympy as sp
  >>> from gamedyn.methods import ExtraGradient
  >>> eta, lam = sp.symbols("eta lambda")
  >>> eigenvalue_map(ExtraGradient(lr=eta), lam)
  [eta**2*lambda**2 - eta*lambda + 1]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .. import _validate
from ..backends.symbolic import EigenOps, NoEigenvalueMap, SympyOps
from ..games.symbolic import SymbolicGame
from ..methods.base import Method

Matrix = sp.Matrix


def has_symbolic_hyperparameters(method: Method) -> bool:
    """True when any hyperparameter of ``method`` (or of its base) is a sympy expression."""
    for value in method.hyperparameters().values():
        if isinstance(value, Method) and has_symbolic_hyperparameters(value):
            return True
        values = value if isinstance(value, tuple) else (value,)
        if any(_validate.is_symbolic(v) for v in values):
            return True
    return False


def game_jacobian_symbolic(game: SymbolicGame, z: Any = None) -> Matrix:
    """The game Jacobian ``J(z)`` as a sympy matrix (``z=None``: at the symbolic point)."""
    return game.jacobian_sym(z)


def operator_jacobian_symbolic(
    method: Method, game: SymbolicGame, z: Any = None, *, simplify: bool = True
) -> Matrix:
    """The Jacobian of ``method``'s update at the state built from ``z``, as a sympy matrix.

    ``r·n × r·n`` in the order ``(z_t, z_{t−1})`` for augmented methods. ``z=None`` is the
    symbolic point ``(x, y)``; ``z`` may hold numbers or expressions.

    Args:
      method: any update operator; hyperparameters may be sympy symbols (``k`` stays an int).
      game: the symbolic game.
      z: the point.
      simplify: apply ``sympy.simplify`` to each entry.
    """
    if not isinstance(game, SymbolicGame):
        raise TypeError(f"game must be a SymbolicGame for symbolic Jacobians, got {game!r}")
    n, r = game.n, method.order
    state_symbols = sp.symbols(f"s0:{r * n}", cls=sp.Dummy)
    state = tuple(Matrix(state_symbols[i * n : (i + 1) * n]) for i in range(r))
    new_state = Matrix.vstack(*method.step(SympyOps(game), state))
    jacobian = new_state.jacobian(Matrix(state_symbols))
    point = game.variables if z is None else Matrix(z)
    if point.shape != (n, 1):
        raise ValueError(f"z must have {n} entries, got shape {point.shape}")
    start = Matrix.vstack(*method.init(point))
    jacobian = jacobian.xreplace(dict(zip(state_symbols, start, strict=True)))
    return jacobian.applyfunc(sp.simplify) if simplify else jacobian


def _no_map(method: Method, reason: Exception) -> NoEigenvalueMap:
    return NoEigenvalueMap(
        f"{method!r} has no eigenvalue map ({reason}): its Jacobian depends on more than the "
        "eigenvalues of J (alternating updates, per-player step sizes and CGD use the blocks "
        "of J). Use gamedyn.spectrum.operator_jacobian(method, game, z) on a game instead."
    )


def eigenvalue_matrix(method: Method, lam: Any, lam_conjugate: Any = None) -> list[list[Any]]:
    """``M(λ)``: the operator restricted to one eigendirection of ``J``, as nested lists.

    ``M[i][j]`` is entry ``i`` of the step applied to the ``j``-th unit state (the step is
    linear there). ``lam`` is a sympy expression or a numpy array; ``lam_conjugate`` defaults
    to ``conj(lam)``.
    """
    symbolic = isinstance(lam, sp.Basic)
    if lam_conjugate is None:
        lam_conjugate = sp.conjugate(lam) if symbolic else np.conj(lam)
    one, zero = (
        (sp.Integer(1), sp.Integer(0)) if symbolic else (np.ones_like(lam), np.zeros_like(lam))
    )
    ops, r = EigenOps(lam, lam_conjugate), method.order
    try:
        columns = [
            method.step(ops, tuple(one if i == j else zero for i in range(r))) for j in range(r)
        ]
    except NoEigenvalueMap as reason:
        raise _no_map(method, reason) from None
    return [[columns[j][i] for j in range(r)] for i in range(r)]


def characteristic_polynomial(method: Method, lam: Any, mu: Any) -> sp.Expr:
    """``det(μ I − M(λ))``, expanded: its roots in ``μ`` are the eigenvalue map."""
    M = Matrix(eigenvalue_matrix(method, sp.sympify(lam)))
    return sp.expand((mu * sp.eye(M.shape[0]) - M).det())


def eigenvalue_map(method: Method, lam: Any) -> list[sp.Expr] | np.ndarray:
    """The operator eigenvalues ``μ_1(λ), ..., μ_r(λ)`` for an eigenvalue ``λ`` of ``J``.

    Args:
      method: GDA, ExtraGradient, OptimisticGDA, simultaneous Momentum, Consensus (for normal
        ``J``), or Lookahead around any of these, with one step size for both players.
      lam: a sympy expression (usually a symbol), or an array of complex numbers.

    Returns:
      With sympy ``lam``: the list of the ``r`` roots (``r = method.order``), simplified.
      With an array: the roots as a complex array of shape ``lam.shape + (r,)``, sorted along
      the last axis by decreasing modulus. Hyperparameters must then be numbers.

    Raises:
      NoEigenvalueMap (a ``ValueError``): for alternating updates, per-player step sizes and
        CGD, naming :func:`gamedyn.spectrum.operator_jacobian` as the alternative.
    """
    if isinstance(lam, sp.Basic):
        M = Matrix(eigenvalue_matrix(method, lam))
        if M.shape == (1, 1):
            return [sp.simplify(M[0, 0])]
        half_trace, det = M.trace() / 2, M.det()
        root = sp.sqrt(sp.simplify(half_trace**2 - det))
        return [sp.simplify(half_trace + root), sp.simplify(half_trace - root)]
    if has_symbolic_hyperparameters(method):
        raise ValueError(
            f"{method!r} has symbolic hyperparameters: pass a sympy lam, or numbers for them"
        )
    lam = np.asarray(lam, dtype=complex)
    M = eigenvalue_matrix(method, lam)
    if len(M) == 1:
        mu = np.broadcast_to(np.asarray(M[0][0], dtype=complex), lam.shape)[..., None]
        return mu.copy()
    return _sorted(_quadratic_roots(M[0][0] + M[1][1], M[0][0] * M[1][1] - M[0][1] * M[1][0]))


def _quadratic_roots(trace: np.ndarray, det: np.ndarray) -> np.ndarray:
    """Roots of ``μ² − trace·μ + det``, without cancellation: ``q = t/2 ± √(t²/4 − d)``, ``d/q``."""
    half = np.asarray(trace, dtype=complex) / 2
    det = np.asarray(det, dtype=complex)
    disc = np.sqrt(half**2 - det)
    q = np.where(np.abs(half + disc) >= np.abs(half - disc), half + disc, half - disc)
    with np.errstate(divide="ignore", invalid="ignore"):
        other = np.where(q != 0, det / q, 0.0)
    return np.stack([q, other], axis=-1)


def _sorted(mu: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.abs(mu), axis=-1, kind="stable")
    return np.take_along_axis(mu, order, axis=-1)


def bilinear_rates(method: Method, sigma: Any = 1) -> list[sp.Expr]:
    """``|μ_j|`` on a bilinear game's eigenvalue ``λ = iσ``, simplified (default: ``x·y``).

    Declare hyperparameter symbols ``positive=True`` (``sp.symbols("eta", positive=True)``)
    for the simplest forms; e.g. GDA gives ``sqrt(eta**2 + 1)``.
    """
    mus = eigenvalue_map(method, sp.I * sp.sympify(sigma))
    return [sp.simplify(sp.sqrt(sp.expand(mu * sp.conjugate(mu)))) for mu in mus]


def latex(expr: Any) -> str:
    """LaTeX for a sympy expression or matrix (``sympy.latex``)."""
    return sp.latex(expr)
