"""The symmetric and antisymmetric parts of a Jacobian, matrix-free (Lanczos).

With ``A`` the game Jacobian (or a method's operator Jacobian), ``S = (A + Aᵀ)/2`` is the
potential part and ``K = (A − Aᵀ)/2`` the rotational part. Both are built with scipy's operator
algebra on one :class:`~gamedyn.spectrum.JacobianOperator`:

* :func:`symmetric_part_eigenvalues`: extreme eigenvalues of ``S``. By Bendixson's theorem the
  real parts of ``A``'s eigenvalues lie between ``λ_min(S)`` and ``λ_max(S)``.
* :func:`antisymmetric_part_eigenvalues`: extreme eigenvalues ``μ`` of the Hermitian ``iK``;
  ``K``'s eigenvalues are ``±iμ``, and the imaginary parts of ``A``'s eigenvalues lie within
  ``±max μ``.

Example:
  >>> from gamedyn.games import Bilinear
  >>> import numpy as np
  >>> game = Bilinear(np.diag([3.0, 2.0, 1.0]))
  >>> np.round(antisymmetric_part_eigenvalues(game, k=2), 8)
  array([3., 2.])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from .. import _validate
from ..games._base import Game
from ..linalg import hermitian_eigenvalues
from ..methods import Method
from ._operator import JacobianOperator

__all__ = ["symmetric_part_eigenvalues", "antisymmetric_part_eigenvalues"]


def symmetric_part_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LA",
    *,
    method: Method | None = None,
    z: Any = None,
    tol: float = 1e-10,
    max_restarts: int | None = None,
) -> np.ndarray:
    """``k`` extreme eigenvalues of ``S = (A + Aᵀ)/2`` (Lanczos), in descending order.

    ``A`` is the game Jacobian (or ``method``'s operator Jacobian). ``which``: ``"LA"``/``"SA"``
    largest/smallest algebraic, ``"LM"``/``"SM"`` by magnitude, ``"BE"`` both ends. The smallest
    eigenvalue of the game's ``S`` bounds the real parts of ``J``'s eigenvalues from below.
    """
    which = _validate.choice("which", which, ("LA", "SA", "LM", "SM", "BE"))
    A = JacobianOperator(game, z, method)
    return hermitian_eigenvalues(0.5 * (A + A.T), k, which, tol, max_restarts)


def antisymmetric_part_eigenvalues(
    game: Game,
    k: int = 6,
    which: str = "LA",
    *,
    method: Method | None = None,
    z: Any = None,
    tol: float = 1e-10,
    max_restarts: int | None = None,
) -> np.ndarray:
    """``k`` extreme eigenvalues ``μ`` of the Hermitian ``i K``, ``K = (A − Aᵀ)/2``, descending.

    ``K`` is real antisymmetric, so its eigenvalues are ``±i μ``: the ``μ`` come in ``±`` pairs
    and ``"LA"`` (default) gives the largest rotation rates ``μ ≥ 0``. Lanczos on the complex
    Hermitian operator ``iK`` (each product: ``A`` and ``Aᵀ`` on the real and imaginary parts).
    ``which``: ``"LA"``, ``"SA"``, ``"LM"``, ``"SM"``.
    """
    which = _validate.choice("which", which, ("LA", "SA", "LM", "SM"))
    A = JacobianOperator(game, z, method)
    K = 0.5 * (A - A.T)
    n = A.shape[0]
    iK = LinearOperator((n, n), matvec=lambda u: 1j * K.matvec(u), dtype=np.complex128)
    return hermitian_eigenvalues(iK, k, which, tol, max_restarts)
