"""Dense Jacobians of games and of update operators, and their sorted eigenvalues.

The operator Jacobian is never written by hand: it is forward-mode autograd (``jacfwd``) of the
method's one step (:func:`gamedyn.backends.step_map`), applied to the flattened state
``s = (z_t, z_{t−1})`` (or ``s = z_t``) built from ``z`` by ``method.init(z)`` — at any ``z``,
not only at fixed points. ``z=None`` is the game's default point (a checkpoint's parameters, a
quadratic game's fixed point, the Dirac-GAN's equilibrium).

Eigenvalues are returned in gamedyn's order (:mod:`gamedyn.spectrum`): decreasing
modulus, then decreasing real part, then decreasing imaginary part.

Argument order: functions of an update operator take ``(method, game, z)``
(:func:`operator_jacobian`, :func:`spectral_radius`); functions of the game Jacobian that can
also take an operator take ``(game, ...)`` with ``method=`` and ``z=`` by keyword
(:func:`eigenvalues`).

Example:
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.methods import GDA
  >>> eigenvalues(Bilinear([[1.0]]))
  array([0.+1.j, 0.-1.j])
  >>> round(spectral_radius(GDA(0.1), Bilinear([[1.0]])), 6)      # √(1 + 0.1²)
  1.004988
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import torch
from torch.func import jacfwd

from .. import _validate
from ..backends._dense import TorchOps
from ..backends._state import flatten, step_map
from ..games._base import Game, point_or_default
from ..methods import Method
from ._ordering import sort_eigenvalues

Tensor = torch.Tensor

__all__ = [
    "DEFAULT_MAX_BYTES",
    "check_dense_size",
    "initial_state",
    "game_jacobian",
    "operator_jacobian",
    "eigenvalues",
    "spectral_radius",
]

DEFAULT_MAX_BYTES = 4 * 2**30
"""Largest dense Jacobian (in bytes) built without ``max_bytes`` raised explicitly."""


def check_dense_size(size: int, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "Jacobian") -> None:
    """Refuse a dense float64 ``size × size`` matrix larger than ``max_bytes``, saying its size."""
    need = 8 * size * size
    if need > max_bytes:
        raise MemoryError(
            f"a dense {size} x {size} float64 {what} needs {need / 2**30:.2f} GiB, more than "
            f"max_bytes = {max_bytes / 2**30:.2f} GiB; use the matrix-free spectrum instead"
        )


def _array(t: Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _finite(matrix: np.ndarray, what: str, z: Tensor) -> np.ndarray:
    """``matrix``, or a ``FloatingPointError`` when any entry is nan or inf."""
    if not np.isfinite(matrix).all():
        bad = int((~np.isfinite(matrix)).sum())
        where = f"z = {z.tolist()}" if z.numel() <= 6 else f"the given z (n = {z.numel()})"
        raise FloatingPointError(
            f"the {what} has {bad} non-finite entries (nan or inf) at {where}: the field or its "
            "derivatives are not finite there"
        )
    return matrix


MAX_DENSE_WORK = 2 * 10**8
"""Most state-coordinate × field-evaluation products a dense operator Jacobian may cost
(``jacfwd`` pushes one tangent per state coordinate through every field evaluation)."""

MAX_FIELD_EVALUATIONS = 50_000
"""Most field evaluations per step a dense operator Jacobian may trace (each costs about
0.1 ms of overhead however small the game: 50,000 of them take seconds)."""


def _check_dense_work(method: Method, size: int) -> None:
    """Refuse, up front and with the estimate, an operator Jacobian that cannot finish soon:
    ``jacfwd`` through a step that evaluates the field many times (lookahead's ``k`` steps)."""
    evaluations = method.field_evaluations()
    work = evaluations * size
    if work > MAX_DENSE_WORK or evaluations > MAX_FIELD_EVALUATIONS:
        raise ValueError(
            f"the dense Jacobian of {method!r} pushes {size} tangents through {evaluations:,} "
            f"field evaluations per step (at most {MAX_FIELD_EVALUATIONS:,} evaluations and "
            f"{MAX_DENSE_WORK:.0g} tangent-evaluations are traced): it would not finish in "
            "reasonable time; use the eigenvalue map (gamedyn.regions.rate) at a fixed point, "
            "or fewer steps"
        )


def _exact(game: Game, z: Any, method: Method | None = None) -> bool:
    """Whether the Jacobian must be the exact sympy matrix (a symbolic game, ``z`` or
    hyperparameter). Without sympy imported there can be no sympy object: no import here."""
    if "sympy" not in sys.modules:
        return False
    from ._symbolic import symbolic_request

    return symbolic_request(game, z, method)


def initial_state(method: Method, game: Game, z: Any = None) -> Tensor:
    """The flattened state ``method.init(z)`` at a checked point ``z`` (default: the game's)."""
    return flatten(method.init(point_or_default(game, z)))


def game_jacobian(game: Game, z: Any = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The game Jacobian ``J(z) = ∂v/∂z`` as an ``n × n`` float64 array.

    ``z`` defaults to the game's default point. Refuses (``MemoryError``, with the size it
    would need) a matrix over ``max_bytes``. For a
    :class:`~gamedyn.games.SymbolicGame` or a symbolic ``z``, the exact sympy matrix
    instead (:func:`gamedyn.spectrum.game_jacobian_symbolic`).
    """
    if _exact(game, z):
        from ._symbolic import game_jacobian_symbolic

        return game_jacobian_symbolic(game, z)
    check_dense_size(game.n, max_bytes, "game Jacobian")
    point = point_or_default(game, z)
    return _finite(_array(game.jacobian(point)), "game Jacobian", point)


def operator_jacobian(
    method: Method, game: Game, z: Any = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Any:
    """The Jacobian of ``method``'s update map at the state built from ``z``.

    ``n × n`` for one-step methods, ``2n × 2n`` for augmented ones, in the order
    ``(z_t, z_{t−1})`` — ``order · n`` in general, in the order of the state's vectors (Adam:
    ``(z, m, v)``, its step counts held: :mod:`gamedyn.methods`). The state is
    ``method.init(z)``: a method given an optimiser ``state=`` is linearised at it. Computed by
    ``jacfwd`` through the method's step. For a
    :class:`~gamedyn.games.SymbolicGame`, sympy hyperparameters or a symbolic ``z``,
    the exact sympy matrix instead, from the same step run on sympy matrices
    (:func:`gamedyn.spectrum.operator_jacobian_symbolic`; quadratic and bilinear games
    are converted exactly, other numeric games are refused with a ``TypeError``).
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    if _exact(game, z, method):
        from ._symbolic import operator_jacobian_symbolic

        return operator_jacobian_symbolic(method, game, z)
    check_dense_size(method.order * game.n, max_bytes, "operator Jacobian")
    _check_dense_work(method, method.order * game.n)
    state = method.init(point_or_default(game, z))
    _validate.zero_second_moment(method, state, game.nx)
    s = flatten(state)
    jacobian = _array(jacfwd(step_map(method, TorchOps(game), state))(s))
    return _finite(jacobian, f"operator Jacobian of {method!r}", s[: game.n])


def eigenvalues(game: Game, *, method: Method | None = None, z: Any = None) -> np.ndarray:
    """Sorted eigenvalues of the game Jacobian at ``z``, or of ``method``'s operator Jacobian."""
    if method is None:
        matrix = game_jacobian(game, z)
    else:
        matrix = operator_jacobian(method, game, z)
    if not isinstance(matrix, np.ndarray):  # an exact sympy matrix
        if matrix.free_symbols:
            raise ValueError(f"the Jacobian has free symbols {matrix.free_symbols}: no numbers")
        matrix = np.array(matrix.evalf(), dtype=complex)
    return sort_eigenvalues(np.linalg.eigvals(matrix))


def spectral_radius(method: Method, game: Game, z: Any = None) -> float:
    """``ρ = max |μ|`` over the eigenvalues ``μ`` of the operator Jacobian at ``z``.

    At a fixed point, ``ρ < 1`` means local linear convergence at the asymptotic rate ``ρ`` per
    step; ``ρ > 1`` means divergence from almost every nearby start.
    """
    return float(np.abs(eigenvalues(game, method=method, z=z)).max())
