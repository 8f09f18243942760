"""Krylov–Schur (torch) against dense eigenvalues and against ARPACK (gamedyn.spectrum.krylov)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance

from gamedyn.spectrum.krylov import KrylovNoConvergence, krylov_schur
from gamedyn.vocabulary import which_score as score


def _matrix(n: int = 200, seed: int = 0) -> np.ndarray:
    """A non-normal real matrix with a spread spectrum: real eigenvalues and conjugate pairs."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, n)) * 0.3 / np.sqrt(n)
    spread = np.linspace(0.2, 3.0, n)
    return q + np.diag(rng.standard_normal(n) * spread) + 0.7 * (q - q.T) * spread


@pytest.mark.parametrize("which", ["LM", "LR", "SR"])
def test_matches_dense_eigenvalues(which):
    a = _matrix()
    dense = np.linalg.eigvals(a)
    want = dense[np.argsort(-score(dense, which), kind="stable")][:8]
    t = torch.as_tensor(a)
    r = krylov_schur(lambda u: t @ u, a.shape[0], 8, which, tol=1e-12)
    assert r.converged and len(r.values) == 8
    np.testing.assert_allclose(
        np.sort(score(r.values, which)), np.sort(score(want, which)), rtol=1e-9
    )
    assert spectrum_distance(r.values, dense) < 1e-9 * np.abs(dense).max()
    assert np.all(r.residuals <= 1e-12 * np.abs(r.values) * 1.0001)


def test_conjugate_pairs_and_residuals_are_true():
    a = _matrix(seed=1)
    t = torch.as_tensor(a)
    r = krylov_schur(lambda u: t @ u, a.shape[0], 6, "LM", tol=1e-12)
    complex_values = r.values[np.abs(r.values.imag) > 1e-8]
    for w in complex_values:  # every complex value's conjugate is there too (pairs kept whole)
        if not np.isclose(np.abs(w), np.abs(r.values[-1])):
            assert np.abs(r.values - np.conj(w)).min() < 1e-8
    # the values are eigenvalues of A, and the residual estimates are small
    dense = np.linalg.eigvals(a)
    assert spectrum_distance(r.values, dense) < 1e-9 * np.abs(dense).max()
    assert np.all(r.residuals <= 1e-12 * np.abs(r.values) * 1.0001)


def test_no_convergence_carries_partial_result():
    a = _matrix()
    t = torch.as_tensor(a)
    with pytest.raises(KrylovNoConvergence, match="converged") as err:
        krylov_schur(lambda u: t @ u, a.shape[0], 8, "LM", tol=1e-14, max_restarts=1)
    partial = err.value.partial
    assert len(partial.values) == 8 and not partial.converged and partial.matvecs > 0


def test_argument_checks():
    with pytest.raises(ValueError, match="which"):
        krylov_schur(lambda u: u, 10, 2, "XX")
    with pytest.raises(ValueError, match="k must satisfy"):
        krylov_schur(lambda u: u, 10, 9)


def test_accepts_a_scipy_linear_operator():
    from scipy.sparse.linalg import aslinearoperator

    a = _matrix(seed=2)
    r = krylov_schur(aslinearoperator(a), a.shape[0], 4, "LR", tol=1e-12)
    dense = np.linalg.eigvals(a)
    want = np.sort(dense.real)[::-1][:4]
    np.testing.assert_allclose(np.sort(r.values.real)[::-1], want, rtol=1e-9)
