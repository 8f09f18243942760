"""How far to trust each eigenvalue: left and right eigenvectors, ``κ(λ)``, Henrici's departure.

For a simple eigenvalue ``λ`` of ``A`` with right eigenvector ``x`` (``A x = λ x``) and left
eigenvector ``y`` (``yᴴ A = λ yᴴ``), the condition number

    ``κ(λ) = ‖x‖ ‖y‖ / |yᴴ x|``  (``≥ 1``; ``= 1`` for every eigenvalue of a normal ``A``)

is how far a perturbation moves it: ``|δλ| ≤ κ(λ) ‖E‖ + O(‖E‖²)`` for ``A + E``, so the
ε-pseudospectrum contains the disk of radius about ``κ(λ) ε`` around ``λ``. A defective
eigenvalue (a Jordan block, the Dirac-GAN's ``J`` at the critical R1 weight) has ``yᴴ x = 0``:
``κ = ∞`` (numerically ``~ 1/√ε_machine``), and moves like ``‖E‖^{1/m}`` for a block of size
``m``.

* Dense (:func:`dense_condition_numbers`): the right eigenvectors ``X`` (LAPACK), the left ones
  the rows of ``X⁻¹`` (so ``yᵢᴴ xᵢ = 1``), ``κᵢ = ‖xᵢ‖ ‖(X⁻¹)ᵢ‖``.
* Matrix-free (:func:`condition_numbers` with ``matrix_free=True``): Krylov–Schur on ``A``
  (products ``A u``) for the right eigenvectors and on ``Aᵀ`` (products ``Aᵀ u``, the
  :class:`~gamedyn.spectrum.JacobianOperator`'s ``apply_transpose``) for the left
  ones: ``Aᵀ w = λ w`` gives ``y = w̄``, so ``κ = ‖x‖ ‖w‖ / |wᵀ x|``.
* :func:`departure_from_normality`: Henrici's ``dep(A) = ‖N‖_F`` for the Schur form
  ``A = Q (D + N) Qᴴ`` (``N`` strictly upper triangular), ``= √(‖A‖²_F − Σ|λᵢ|²)``; zero iff ``A``
  is normal. Dense; the matrix-free estimate of ``‖A‖²_F`` is
  :func:`gamedyn.nonnormal.frobenius_norm_squared` (Hutchinson, with its error bar).

References:
  J. H. Wilkinson, *The Algebraic Eigenvalue Problem* (1965), §2.8. P. Henrici, "Bounds for
  iterates, inverses, spectral variation and fields of values of non-normal matrices",
  Numer. Math. 4 (1962).

Example:
  >>> from gamedyn.games import DiracGAN
  >>> c = condition_numbers(DiracGAN("saturating", reg="r1", gamma=0.9))  # near critical
  >>> np.round(c.eigenvalues, 4).tolist(), bool(c.condition_numbers.min() > 2)
  ([(0.45+0.2179j), (0.45-0.2179j)], True)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import scipy.linalg

from .. import _validate
from ..games._base import Game
from ..linalg import check_k, krylov_schur
from ..methods import Method
from ..spectrum._linear import as_matrix, dense_matrix, operator_of, use_dense
from ..spectrum._ordering import sort_eigenvalues
from ..vocabulary import DEFAULT_PRODUCT_MODE, KRYLOV_WHICH

__all__ = [
    "Conditioning",
    "dense_condition_numbers",
    "condition_numbers",
    "operator_condition_numbers",
    "departure_from_normality",
    "dense_departure_from_normality",
]


class Conditioning(NamedTuple):
    """Eigenvalues in gamedyn's order and their condition numbers ``κ(λ)``.

    Attributes:
      eigenvalues: complex, sorted (decreasing modulus, then real part, then imaginary part).
      condition_numbers: ``κ(λ) = ‖x‖‖y‖/|yᴴx| ≥ 1``, same order (``inf`` where ``yᴴx = 0``).
      right: unit right eigenvectors ``x`` as columns (``N × k`` complex).
      left: unit left eigenvectors ``y`` (``yᴴA = λyᴴ``) as columns, same order.
      matvecs: products used (``A u`` and ``Aᵀ u``; 0 for the dense computation).
    """

    eigenvalues: np.ndarray
    condition_numbers: np.ndarray
    right: np.ndarray
    left: np.ndarray
    matvecs: int = 0


def _ordered(values: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """``values`` in gamedyn's order, with the columns of each array permuted alongside."""
    ordered = sort_eigenvalues(values)
    free = np.ones(len(values), dtype=bool)
    order = []
    for w in ordered:
        i = int(np.argmin(np.where(free, np.abs(values - w), np.inf)))
        free[i] = False
        order.append(i)
    return (ordered, *(c[:, order] for c in columns))


def _kappa(right: np.ndarray, left: np.ndarray) -> np.ndarray:
    """``‖x‖‖y‖/|yᴴx|`` column by column."""
    overlap = np.abs(np.einsum("ij,ij->j", left.conj(), right))
    norms = np.linalg.norm(right, axis=0) * np.linalg.norm(left, axis=0)
    with np.errstate(divide="ignore"):
        return np.where(overlap > 0, norms / np.maximum(overlap, 1e-300), np.inf)


def dense_condition_numbers(matrix: Any) -> Conditioning:
    """Every eigenvalue of a dense ``A`` with its ``κ``: right eigenvectors ``X`` by LAPACK,
    left eigenvectors the rows of ``X⁻¹`` (``κ = ∞`` where ``X`` is singular: defective)."""
    a = as_matrix("matrix", matrix)
    values, right = np.linalg.eig(a)
    right = right / np.linalg.norm(right, axis=0)
    try:
        inverse = np.linalg.inv(right)
    except np.linalg.LinAlgError:  # exactly singular: defective to working precision
        kappa = np.full(len(values), np.inf)
        left = np.full_like(right, np.nan)
    else:
        left = inverse.conj().T  # column i: y_i with y_iᴴ x_i = 1
        kappa = np.linalg.norm(left, axis=0)  # ‖x_i‖ = 1, |y_iᴴ x_i| = 1
        left = left / kappa
    values, right, left, kappa = _ordered(values, right, left, kappa[None, :])
    return Conditioning(values, kappa[0], right, left, 0)


def condition_numbers(
    game: Game,
    *,
    method: Method | None = None,
    z: Any = None,
    k: int | None = None,
    which: str = "LM",
    matrix_free: bool | None = None,
    tol: float = 1e-12,
    ncv: int | None = None,
    mode: str = DEFAULT_PRODUCT_MODE,
) -> Conditioning:
    """Eigenvalues of the game Jacobian (or ``method``'s operator Jacobian) and their ``κ``.

    Dense (``matrix_free=None`` up to :data:`~gamedyn.spectrum.DENSE_LIMIT`
    unknowns): every eigenvalue, or with ``k`` the ``k`` first in gamedyn's order.
    Matrix-free: the ``k`` (default 6) eigenvalues selected by ``which`` (ARPACK's meaning) by
    Krylov–Schur on ``A`` and, for the left eigenvectors, on ``Aᵀ`` (``k + 2`` values, so a
    conjugate pair or tie at the edge is not split), matched by value, relative accuracy
    ``tol``.

    Raises:
      ValueError: a right eigenvalue found no left partner (a cluster ``which`` splits).
    """
    if use_dense(game, method, matrix_free):
        result = dense_condition_numbers(dense_matrix(game, method, z))
        if k is None:
            return result
        k = check_k(k, len(result.eigenvalues), 0)
        values, kappa, right, left, _ = result
        return Conditioning(values[:k], kappa[:k], right[:, :k], left[:, :k], 0)
    op = operator_of(game, method, z, mode)
    return operator_condition_numbers(op, 6 if k is None else k, which, tol=tol, ncv=ncv)


def operator_condition_numbers(
    op: Any, k: int = 6, which: str = "LM", *, tol: float = 1e-12, ncv: int | None = None
) -> Conditioning:
    """:func:`condition_numbers` of an operator already built (a
    :class:`~gamedyn.spectrum.JacobianOperator`): Krylov–Schur on its ``apply`` and
    ``apply_transpose``."""
    which = _validate.choice("which", which, KRYLOV_WHICH)
    tol = _validate.positive("tol", tol)
    n = op.shape[0]
    k = check_k(k, n, 4)
    options = {"tol": tol, "ncv": ncv, "device": op.device, "return_vectors": True}
    right = krylov_schur(op.apply, n, k, which, **options)
    left = krylov_schur(op.apply_transpose, n, k + 2, which, **options)
    x = right.vectors.T.cpu().numpy()
    w = left.vectors.T.cpu().numpy()
    scale = max(float(np.abs(right.values).max()), 1e-300)
    partners = []
    for lam in right.values:
        gaps = np.abs(left.values - lam)
        j = int(np.argmin(gaps))
        if gaps[j] > 1e3 * tol * scale:
            raise ValueError(
                f"the eigenvalue {lam:.8g} of A has no left partner among the {k + 2} "
                f"eigenvalues of Aᵀ (nearest {left.values[j]:.8g}): a cluster at the edge of "
                f"which = {which!r}; change k"
            )
        partners.append(j)
    y = w[:, partners].conj()  # Aᵀ w = λ w  ⇔  yᴴ A = λ yᴴ with y = w̄
    y = y / np.linalg.norm(y, axis=0)
    x = x / np.linalg.norm(x, axis=0)
    values, x, y = _ordered(right.values, x, y)
    return Conditioning(values, _kappa(x, y), x, y, right.matvecs + left.matvecs)


def dense_departure_from_normality(matrix: Any) -> float:
    """Henrici's departure from normality ``‖N‖_F``, ``A = Q (D + N) Qᴴ`` the Schur form."""
    a = as_matrix("matrix", matrix)
    t, _ = scipy.linalg.schur(a.astype(complex), output="complex")
    return float(np.linalg.norm(np.triu(t, 1)))


def departure_from_normality(
    game: Game, *, method: Method | None = None, z: Any = None, relative: bool = False
) -> float:
    """Henrici's ``dep(A) = √(‖A‖²_F − Σ|λᵢ|²)`` of the game or operator Jacobian (dense);
    divided by ``‖A‖_F`` with ``relative`` (0: normal, up to 1: nilpotent)."""
    a = dense_matrix(game, method, z)
    dep = dense_departure_from_normality(a)
    if relative:
        norm = float(np.linalg.norm(a))
        return dep / norm if norm > 0 else 0.0
    return dep
