"""Krylov–Schur (torch) against dense eigenvalues and against ARPACK (gamedyn.linalg)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance

from gamedyn.linalg import KrylovNoConvergence, krylov_schur
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


def test_arnoldi_factorisation_holds_and_is_orthonormal():
    from gamedyn.linalg import arnoldi

    a = _matrix(60, seed=3)
    t = torch.as_tensor(a)
    f = arnoldi(lambda u: t @ u, 60, 25)
    v = f.basis.numpy()
    assert f.basis.shape == (26, 60) and f.hessenberg.shape == (26, 25) and f.matvecs == 25
    np.testing.assert_allclose(v @ v.T, np.eye(26), atol=1e-13)
    np.testing.assert_allclose(a @ v[:25].T, v.T @ f.hessenberg, atol=1e-12 * np.abs(a).max())
    assert np.allclose(np.tril(f.hessenberg, -2), 0)
    # the whole space: the Ritz values are the eigenvalues
    full = arnoldi(lambda u: t @ u, 60, 60)
    assert full.invariant[-1] == 59
    assert spectrum_distance(np.linalg.eigvals(full.hessenberg[:60]), np.linalg.eigvals(a)) < 1e-9


def test_arnoldi_continues_past_an_invariant_subspace_and_checks_m():
    from gamedyn.linalg import arnoldi

    a = torch.diag(torch.arange(1.0, 9.0, dtype=torch.float64))
    v0 = torch.zeros(8, dtype=torch.float64)
    v0[:2] = 1.0  # spans an invariant subspace of dimension 2
    f = arnoldi(lambda u: a @ u, 8, 5, v0=v0)
    assert 1 in f.invariant
    v = f.basis.numpy()
    np.testing.assert_allclose(v @ v.T, np.eye(6), atol=1e-13)
    np.testing.assert_allclose(a.numpy() @ v[:5].T, v.T @ f.hessenberg, atol=1e-12)
    with pytest.raises(ValueError, match="m must be an integer with 1 <= m <= n = 8"):
        arnoldi(lambda u: a @ u, 8, 9)
    with pytest.raises(ValueError, match="v0 must be a finite, non-zero vector"):
        arnoldi(lambda u: a @ u, 8, 3, v0=torch.zeros(8, dtype=torch.float64))


@pytest.mark.parametrize("which", ["LM", "SR"])
def test_convergence_tested_inside_a_cycle_stops_there(which):
    """``check_every``: the same eigenvalues (dense, to 1e-9) from the first vectors of a long
    basis, stopped at a multiple of ``check_every`` with no restart."""
    a = _matrix(300)
    t = torch.as_tensor(a)
    dense = np.linalg.eigvals(a)
    want = dense[np.argsort(-score(dense, which), kind="stable")][:6]
    full = krylov_schur(lambda u: t @ u, 300, 6, which, tol=1e-12, ncv=150)
    early = krylov_schur(
        lambda u: t @ u, 300, 6, which, tol=1e-12, ncv=150, check_every=10, check_from=20,
        return_vectors=True,
    )  # fmt: skip
    assert early.converged and early.restarts == 0 and full.matvecs == 150
    assert early.matvecs < 150 and early.matvecs % 10 == 0 and early.matvecs >= 20
    np.testing.assert_allclose(
        np.sort(score(early.values, which)), np.sort(score(want, which)), rtol=1e-9
    )
    assert spectrum_distance(early.values, dense) < 1e-9 * np.abs(dense).max()
    for value, x in zip(early.values, early.vectors, strict=True):  # the vectors of that basis
        gap = np.linalg.norm(a @ x.numpy() - value * x.numpy()) / np.linalg.norm(x.numpy())
        assert gap <= 1e-12 * abs(value) * 1.01


def test_check_every_is_validated():
    t = torch.as_tensor(_matrix(50))
    for name, value in (("check_every", 0), ("check_from", -1), ("check_every", 2.5)):
        with pytest.raises((ValueError, TypeError), match=name):
            krylov_schur(lambda u: t @ u, 50, 2, **{name: value})
