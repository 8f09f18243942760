"""Dense Jacobians of games and of update operators, and their sorted eigenvalues.

The operator Jacobian is never written by hand: it is forward-mode autograd (``jacfwd``) of the
method's one step, applied to the flattened state ``s = (z_t, z_{t−1})`` (or ``s = z_t``) built
from ``z`` by ``method.init(z)`` — at any ``z``, not only at fixed points.

Eigenvalues are returned sorted by **decreasing modulus**, ties (to 1e-10 relative) broken by
decreasing real part, then decreasing imaginary part; a conjugate pair therefore appears as
``a + bi`` before ``a − bi``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
import torch
from torch.func import jacfwd

from ..backends.dense import TorchOps
from ..games.base import Game
from ..methods.base import Method, State

Tensor = torch.Tensor

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


def flatten(state: State) -> Tensor:
    """The state ``(z_t, z_{t−1}, ...)`` as one vector."""
    return torch.cat(state)


def unflatten(s: Tensor, order: int) -> State:
    """Inverse of :func:`flatten` for a state of ``order`` iterates."""
    return tuple(torch.chunk(s, order))


def step_map(method: Method, game: Game) -> Callable[[Tensor], Tensor]:
    """The update as a pure function of the flattened state: ``s ↦ flatten(step(unflatten(s)))``."""
    ops = TorchOps(game)

    def update(s: Tensor) -> Tensor:
        return flatten(method.step(ops, unflatten(s, method.order)))

    return update


def default_point(game: Game, z: Any) -> Any:
    """``z``, or the game's own point ``game.z0`` (a TorchGame's parameters) when ``z is None``."""
    if z is not None:
        return z
    z0 = getattr(game, "z0", None)
    if z0 is None:
        raise ValueError(f"z is required: {type(game).__name__} has no default point z0")
    return z0


def _array(t: Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def initial_state(method: Method, game: Game, z: Any) -> Tensor:
    """The flattened state ``method.init(z)`` at a checked point ``z``."""
    return flatten(method.init(game.point(default_point(game, z))))


def game_jacobian(game: Game, z: Any = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """The game Jacobian ``J(z) = ∂v/∂z`` as an ``n × n`` float64 array (``z`` defaults to the
    game's ``z0``, e.g. a TorchGame's parameters).

    Refuses (``MemoryError``, with the size it would need) a matrix over ``max_bytes``.
    For a :class:`~gamedyn.games.symbolic.SymbolicGame` or a symbolic ``z``, the exact sympy
    matrix instead (:func:`gamedyn.spectrum.symbolic.game_jacobian_symbolic`).
    """
    from .symbolic import game_jacobian_symbolic, symbolic_request

    if symbolic_request(game, z):
        return game_jacobian_symbolic(game, z)
    check_dense_size(game.n, max_bytes, "game Jacobian")
    return _array(game.jacobian(game.point(default_point(game, z))))


def operator_jacobian(
    method: Method, game: Game, z: Any = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> np.ndarray:
    """The Jacobian of ``method``'s update map at the state built from ``z``.

    ``n × n`` for one-step methods, ``2n × 2n`` for augmented ones, in the order
    ``(z_t, z_{t−1})``. Computed by ``jacfwd`` through the method's step. For a
    :class:`~gamedyn.games.symbolic.SymbolicGame`, sympy hyperparameters or a symbolic ``z``,
    the exact sympy matrix instead, from the same step run on sympy matrices
    (:func:`gamedyn.spectrum.symbolic.operator_jacobian_symbolic`; quadratic and bilinear games
    are converted exactly, other numeric games are refused with a ``TypeError``).
    """
    from .symbolic import operator_jacobian_symbolic, symbolic_request

    if symbolic_request(game, z, method):
        return operator_jacobian_symbolic(method, game, z)
    check_dense_size(method.order * game.n, max_bytes, "operator Jacobian")
    s = initial_state(method, game, z)
    return _array(jacfwd(step_map(method, game))(s))


def sort_eigenvalues(values: Any) -> np.ndarray:
    """Eigenvalues as complex numbers in gamedyn's order (see the module docstring)."""
    w = np.asarray(values, dtype=complex).ravel()
    if w.size == 0:
        return w
    scale = max(np.abs(w).max(), np.finfo(float).tiny)
    modulus = np.round(np.abs(w) / scale, 10)
    order = np.lexsort((-w.imag, -w.real, -modulus))
    return w[order]


def eigenvalues(game: Game, z: Any = None, method: Method | None = None) -> np.ndarray:
    """Sorted eigenvalues of the game Jacobian at ``z``, or of ``method``'s operator Jacobian."""
    matrix = game_jacobian(game, z) if method is None else operator_jacobian(method, game, z)
    if isinstance(matrix, sp.MatrixBase):
        if matrix.free_symbols:
            raise ValueError(f"the Jacobian has free symbols {matrix.free_symbols}: no numbers")
        matrix = np.array(matrix.evalf(), dtype=complex)
    return sort_eigenvalues(np.linalg.eigvals(matrix))


def spectral_radius(method: Method, game: Game, z: Any = None) -> float:
    """``ρ = max |μ|`` over the eigenvalues ``μ`` of the operator Jacobian at ``z``.

    At a fixed point, ``ρ < 1`` means local linear convergence at the asymptotic rate ``ρ`` per
    step; ``ρ > 1`` means divergence from almost every nearby start.
    """
    return float(np.abs(eigenvalues(game, z, method)).max())
