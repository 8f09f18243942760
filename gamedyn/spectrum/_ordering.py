"""gamedyn's order of eigenvalues, used by every function that returns them.

**Decreasing modulus**, ties (to 1e-10 relative to the largest modulus) broken by **decreasing
real part**, then **decreasing imaginary part**; a conjugate pair therefore appears as
``a + bi`` before ``a − bi``. Which eigenvalues a solver *selects* is a different question,
answered by ``which`` (:mod:`gamedyn.vocabulary`); what it returns is sorted in this order.

Example:
  >>> sort_eigenvalues([1 - 2j, 3.0, 0.5, 1 + 2j]).tolist()
  [(3+0j), (1+2j), (1-2j), (0.5+0j)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sort_eigenvalues", "sort_last_axis", "sorted_with"]


def _rounded_modulus(values: np.ndarray) -> np.ndarray:
    """``|values|`` relative to the largest along the last axis, rounded to 10 digits."""
    modulus = np.abs(values)
    scale = np.maximum(modulus.max(axis=-1, keepdims=True), np.finfo(float).tiny)
    return np.round(modulus / scale, 10)


def sort_last_axis(mu: np.ndarray) -> np.ndarray:
    """Each row (last axis) of ``mu`` sorted in gamedyn's order, independently of the others.

    Pairs (a last axis of length 2, the eigenvalue maps of augmented operators) are ordered by
    one vectorised comparison instead of a sort.
    """
    mu = np.asarray(mu, dtype=complex)
    if mu.shape[-1] == 0:
        return mu
    modulus = _rounded_modulus(mu)
    if mu.shape[-1] == 2:
        (m0, m1), (a, b) = np.moveaxis(modulus, -1, 0), np.moveaxis(mu, -1, 0)
        swap = (m1 > m0) | (
            (m1 == m0) & ((b.real > a.real) | ((b.real == a.real) & (b.imag > a.imag)))
        )
        return np.stack([np.where(swap, b, a), np.where(swap, a, b)], axis=-1)
    order = np.lexsort((-mu.imag, -mu.real, -modulus), axis=-1)
    return np.take_along_axis(mu, order, axis=-1)


def sort_eigenvalues(values: Any) -> np.ndarray:
    """Eigenvalues as a 1-D complex array in gamedyn's order (see the module docstring)."""
    return sort_last_axis(np.asarray(values, dtype=complex).ravel())


def sorted_with(values: Any, extra: Any) -> tuple[np.ndarray, np.ndarray]:
    """``values`` in gamedyn's order, with ``extra`` (e.g. residuals) permuted alongside."""
    values = np.asarray(values, dtype=complex).ravel()
    extra = np.asarray(extra)
    ordered = sort_eigenvalues(values)
    free = np.ones(len(values), dtype=bool)
    order = []
    for w in ordered:
        gap = np.where(free, np.abs(values - w), np.inf)
        i = int(np.argmin(gap))
        free[i] = False
        order.append(i)
    return ordered, extra[order]
