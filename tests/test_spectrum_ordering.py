"""gamedyn's order of eigenvalues (gamedyn.spectrum)."""

from __future__ import annotations

import numpy as np

from gamedyn.spectrum import sort_eigenvalues
from gamedyn.spectrum._ordering import sort_last_axis, sorted_with


def test_sort_order_is_modulus_then_real_then_imaginary():
    w = [0.5, 1j, -1j, -1.0, 1.0, 0.3 + 0.4j, 0.3 - 0.4j, 2.0]
    expected = [2.0, 1.0, 1j, -1j, -1.0, 0.5, 0.3 + 0.4j, 0.3 - 0.4j]
    np.testing.assert_array_equal(sort_eigenvalues(w), np.array(expected, dtype=complex))


def test_sort_keeps_conjugate_pairs_together_despite_roundoff():
    w = [1 + 1j + 1e-15, 1 - 1j, 1.4142135623730951 + 0j]
    out = sort_eigenvalues(w)
    assert out[0] == 1.4142135623730951 and out[1].imag > 0 and out[2].imag < 0


def test_sort_last_axis_sorts_each_row_like_sort_eigenvalues():
    rows = np.array([[0.5, 1j, -1j, 2.0], [0.3 - 0.4j, 0.3 + 0.4j, -1.0, 1.0]])
    out = sort_last_axis(rows)
    for row, sorted_row in zip(rows, out, strict=True):
        np.testing.assert_array_equal(sorted_row, sort_eigenvalues(row))
    pairs = np.array([[1 - 1j, 1 + 1j], [0.5, 2.0], [2.0, 0.5]])  # the vectorised pair path
    for row, sorted_row in zip(pairs, sort_last_axis(pairs), strict=True):
        np.testing.assert_array_equal(sorted_row, sort_eigenvalues(row))


def test_sorted_with_permutes_the_extra_alongside():
    values, extra = np.array([0.5, 2.0, 1 - 1j, 1 + 1j]), np.array([0.0, 1.0, 2.0, 3.0])
    ordered, permuted = sorted_with(values, extra)
    np.testing.assert_array_equal(ordered, sort_eigenvalues(values))
    np.testing.assert_array_equal(permuted, [1.0, 3.0, 2.0, 0.0])
