"""The numerical range (field of values) ``W(A) = {xᴴ A x : ‖x‖ = 1}`` and its extents.

``W(A)`` is convex, contains the eigenvalues, and is the smallest convex set whose behaviour
bounds the *initial* transient: for the flow ``ẋ = A x``, ``d‖x‖/dt |_{t=0} ≤ ω(A)‖x‖`` with the

* **numerical abscissa** ``ω(A) = max Re W(A) = λ_max((A + Aᵀ)/2)`` (so
  ``‖e^{tA}‖ ≤ e^{ω(A) t}``, with equality of slopes at ``t = 0``); for gamedyn's gradient
  flow ``ż = −J z`` the initial growth rate is ``ω(−J) = −λ_min(S)``, ``S = (J + Jᵀ)/2``;
* **numerical radius** ``r(A) = max |W(A)| = max_φ λ_max(H(e^{iφ} A))``,
  ``H(B) = (B + Bᴴ)/2``, which bounds every power: ``ρ(A) ≤ r(A)``, ``‖A‖/2 ≤ r(A) ≤ ‖A‖``
  and ``‖Aᵗ‖ ≤ 2 r(A)ᵗ`` (Berger's power inequality ``r(Aᵗ) ≤ r(A)ᵗ``). ``r(T) ≤ 1`` means
  no operator iterate ever grows by more than a factor 2.

:func:`field_of_values` traces the boundary of ``W(A)`` for small matrices (Johnson 1978):
for each angle ``φ`` the top eigenvector ``x_φ`` of ``H(e^{iφ} A)`` gives the boundary point
``x_φᴴ A x_φ`` where the supporting line of direction ``φ`` touches.

References:
  C. R. Johnson, "Numerical determination of the field of values of a general complex
  matrix", SIAM J. Numer. Anal. 15 (1978). Trefethen and Embree (2005), chapter 17.

Example:
  >>> from gamedyn.games import Bilinear
  >>> round(numerical_abscissa(Bilinear([[2.0]])), 12)    # J antisymmetric: S = 0
  0.0
  >>> round(numerical_radius(Bilinear([[2.0]])), 8)       # normal: r = ρ = 2
  2.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from .. import _validate
from ..games._base import Game
from ..linalg import hermitian_eigenvalues
from ..methods import Method
from ..spectrum._linear import as_matrix, dense_matrix, operator_of, use_dense

__all__ = [
    "numerical_abscissa",
    "numerical_radius",
    "dense_numerical_radius",
    "field_of_values",
]


def numerical_abscissa(
    game: Game,
    *,
    method: Method | None = None,
    z: Any = None,
    matrix_free: bool | None = None,
    tol: float = 1e-10,
) -> float:
    """``ω(A) = λ_max((A + Aᵀ)/2)``, the largest real part of the numerical range of ``A``.

    ``A`` is the game Jacobian at ``z`` or ``method``'s operator Jacobian. Dense: LAPACK
    ``eigvalsh``; matrix-free: Lanczos on ``0.5 * (A + A.T)`` of a
    :class:`~gamedyn.spectrum.JacobianOperator` (one ``A u`` and one ``Aᵀ u`` per step),
    as :func:`~gamedyn.spectrum.symmetric_part_eigenvalues`. For the gradient flow
    ``ż = −Jz`` the initial growth rate is ``−λ_min(S)``: pass ``symmetric_part_eigenvalues
    (game, 1, "SA")`` or ``numerical_abscissa`` of the flow's ``−J``.
    """
    if use_dense(game, method, matrix_free):
        a = dense_matrix(game, method, z)
        return float(np.linalg.eigvalsh(0.5 * (a + a.T))[-1])
    A = operator_of(game, method, z)
    return float(hermitian_eigenvalues(0.5 * (A + A.T), 1, "LA", tol)[0])


def _hermitian_part(a: np.ndarray, phi: float) -> np.ndarray:
    rotated = np.exp(1j * phi) * a
    return 0.5 * (rotated + rotated.conj().T)


def dense_numerical_radius(matrix: Any, angles: int = 360) -> tuple[float, float]:
    """``r(A) = max_φ λ_max(H(e^{iφ}A))`` of a dense matrix and the maximising angle ``φ``.

    The angle is sampled at ``angles`` points of ``[0, 2π)`` (``[0, π]`` for a real ``A``,
    whose numerical range is symmetric about the real axis), then refined by bounded scalar
    maximisation around the best sample.
    """
    a = as_matrix("matrix", matrix)
    angles = _validate.integer_at_least("angles", angles, 3)
    top = np.pi if np.isrealobj(a) else 2 * np.pi

    def f(phi: float) -> float:
        return float(np.linalg.eigvalsh(_hermitian_part(a, phi))[-1])

    grid = np.linspace(0.0, top, angles, endpoint=not np.iscomplexobj(a))
    values = np.array([f(p) for p in grid])
    best = int(np.argmax(values))
    step = grid[1] - grid[0]
    from scipy.optimize import minimize_scalar  # not at import: gamedyn stays light

    result = minimize_scalar(
        lambda p: -f(p),
        bounds=(grid[best] - step, grid[best] + step),
        method="bounded",
        options={"xatol": 1e-12},
    )
    if -result.fun > values[best]:
        return float(-result.fun), float(result.x)
    return float(values[best]), float(grid[best])


def numerical_radius(
    game: Game,
    *,
    method: Method | None = None,
    z: Any = None,
    matrix_free: bool | None = None,
    angles: int | None = None,
    tol: float = 1e-10,
) -> float:
    """``r(A) = max{|w| : w ∈ W(A)}``: ``ρ(A) ≤ r(A) ≤ ‖A‖`` and ``‖Aᵗ‖ ≤ 2 r(A)ᵗ``.

    Dense (default up to :data:`~gamedyn.spectrum.DENSE_LIMIT`):
    :func:`dense_numerical_radius` with ``angles`` samples (default 360). Matrix-free: for each
    of ``angles`` (default 24) angles in ``[0, π]``, Lanczos on the complex Hermitian
    ``H(e^{iφ}A) = (e^{iφ}A + e^{−iφ}Aᵀ)/2`` (four real products per step), then a bounded
    refinement of the best angle: expensive, a few thousand products on a checkpoint.
    """
    if use_dense(game, method, matrix_free):
        return dense_numerical_radius(dense_matrix(game, method, z), angles or 360)[0]
    angles = _validate.integer_at_least("angles", 24 if angles is None else angles, 3)
    A = operator_of(game, method, z)
    n = A.shape[0]

    def f(phi: float) -> float:
        c = np.exp(1j * phi)
        h = LinearOperator(
            (n, n),
            matvec=lambda u: 0.5 * (c * A.matvec(u) + np.conj(c) * A.rmatvec(u)),
            dtype=complex,
        )
        return float(hermitian_eigenvalues(h, 1, "LA", tol)[0])

    grid = np.linspace(0.0, np.pi, angles)
    values = np.array([f(p) for p in grid])
    best = int(np.argmax(values))
    step = grid[1] - grid[0]
    from scipy.optimize import minimize_scalar

    result = minimize_scalar(
        lambda p: -f(p),
        bounds=(grid[best] - step, grid[best] + step),
        method="bounded",
        options={"xatol": 1e-8},
    )
    return float(max(values[best], -result.fun))


def field_of_values(matrix: Any, points: int = 181) -> np.ndarray:
    """The boundary of the numerical range of a dense matrix: ``points`` complex points
    ``x_φᴴ A x_φ``, ``φ`` from 0 to 2π (a closed curve: the last point repeats the first).

    ``x_φ`` is the unit top eigenvector of ``H(e^{iφ}A)``, so ``Re(e^{iφ} x_φᴴ A x_φ) =
    λ_max(H(e^{iφ}A))``: each point lies on the supporting line of direction ``φ``.
    """
    a = as_matrix("matrix", matrix)
    points = _validate.integer_at_least("points", points, 3)
    out = np.empty(points, dtype=complex)
    for k, phi in enumerate(np.linspace(0.0, 2 * np.pi, points)):
        _, vectors = np.linalg.eigh(_hermitian_part(a, phi))
        x = vectors[:, -1]
        out[k] = np.vdot(x, a @ x)
    return out
