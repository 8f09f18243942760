"""The matrix a non-normal analysis looks at: dense (small) or a JacobianOperator (large).

Every function of :mod:`.pseudospectra`, :mod:`.transient`, :mod:`.numerical_range`,
:mod:`.conditioning` and :mod:`.rotation` takes ``(game, ..., *, method=None, z=None)`` and
analyses ``A``: the game Jacobian ``J(z)`` (``method=None``) or ``method``'s operator Jacobian
``T`` at the state built from ``z``. Both come from the same step and products as the rest of
:mod:`gamedyn.spectrum`: dense from :func:`~gamedyn.spectrum.game_jacobian` /
:func:`~gamedyn.spectrum.operator_jacobian` (``jacfwd``), matrix-free from a
:class:`~gamedyn.spectrum.JacobianOperator` (``torch.func`` products, counted).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ..games._base import Game
from ..methods import Method
from ..vocabulary import DEFAULT_PRODUCT_MODE
from ._dense import game_jacobian, operator_jacobian
from ._operator import JacobianOperator

__all__ = ["DENSE_LIMIT", "size_of", "use_dense", "dense_matrix", "operator_of", "as_matrix"]

DENSE_LIMIT = 2000
"""Largest size analysed densely when ``matrix_free=None`` (above it: matrix-free)."""


def size_of(game: Game, method: Method | None) -> int:
    """The size of ``A``: ``n`` for ``J``, ``order · n`` for an operator Jacobian."""
    if not isinstance(game, Game):
        raise TypeError(f"game must be a gamedyn Game, got {type(game).__name__}")
    if method is not None and not isinstance(method, Method):
        raise TypeError(f"method must be a gamedyn Method or None, got {type(method).__name__}")
    return game.n * (1 if method is None else method.order)


def use_dense(game: Game, method: Method | None, matrix_free: bool | None) -> bool:
    """Whether to form ``A`` densely: ``matrix_free`` if given, else by :data:`DENSE_LIMIT`."""
    if matrix_free is not None and not isinstance(matrix_free, bool):
        raise TypeError(f"matrix_free must be True, False or None, got {matrix_free!r}")
    size = size_of(game, method)
    return size <= DENSE_LIMIT if matrix_free is None else not matrix_free


def dense_matrix(game: Game, method: Method | None = None, z: Any = None) -> np.ndarray:
    """``A`` as a dense float64 array (refused above the dense memory limit, with its size)."""
    size_of(game, method)
    matrix = game_jacobian(game, z) if method is None else operator_jacobian(method, game, z)
    if not isinstance(matrix, np.ndarray):  # an exact sympy matrix
        if matrix.free_symbols:
            raise ValueError(f"the Jacobian has free symbols {matrix.free_symbols}: no numbers")
        matrix = np.array(matrix.evalf(), dtype=float)
    return np.asarray(matrix, dtype=float)


def operator_of(
    game: Game, method: Method | None = None, z: Any = None, mode: str = DEFAULT_PRODUCT_MODE
) -> JacobianOperator:
    """``A`` as a :class:`~gamedyn.spectrum.JacobianOperator` (products counted)."""
    size_of(game, method)
    return JacobianOperator(game, z, method, mode)


def as_matrix(name: str, matrix: Any) -> np.ndarray:
    """A finite, real or complex, square 2-D array (checked, with ``name`` in the error)."""
    if isinstance(matrix, LinearOperator):
        raise TypeError(f"{name} must be a dense array here, got a LinearOperator")
    array = np.asarray(matrix)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be a numeric matrix, got {matrix!r}")
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return array.astype(complex) if np.iscomplexobj(array) else array.astype(float)
