"""The Krylov exponential ``e^{−sA} u`` and the gradient flow's transient built on it, against
``scipy.linalg.expm`` and dense powers (gamedyn.linalg.expm_apply, nonnormal's flow_powers)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from helpers import grcar, tiny_gan

from gamedyn.linalg import (
    ExpmSpace,
    KrylovExpmNoConvergence,
    expm_apply,
    expm_block,
    expm_times,
    symmetric_part_lowest,
)
from gamedyn.methods import GDA
from gamedyn.nonnormal import _transient as tr
from gamedyn.nonnormal import transient_growth
from gamedyn.spectrum import JacobianOperator, game_jacobian, operator_jacobian


@pytest.mark.parametrize("s", [0.0, 0.05, 0.7, 3.0])
def test_expm_apply_equals_scipy_expm(s):
    a = grcar(40)
    u = np.random.default_rng(1).standard_normal(40)
    r = expm_apply(lambda x: torch.as_tensor(a) @ x, torch.as_tensor(u), s)
    exact = scipy.linalg.expm(-s * a) @ u
    assert np.linalg.norm(r.vector.numpy() - exact) <= 1e-11 * np.linalg.norm(exact)
    assert r.matvecs <= 40


def test_one_krylov_basis_serves_several_times():
    a = grcar(40)
    u = np.random.default_rng(2).standard_normal(40)
    times = [0.0, 0.1, 0.5, 1.0]
    matrix = torch.as_tensor(a)

    def matvec(x):
        return matrix @ x

    vectors, m, error = expm_times(matvec, torch.as_tensor(u), times, 1e-12, 200)
    for s, v in zip(times, vectors, strict=True):
        exact = scipy.linalg.expm(-s * a) @ u
        assert np.linalg.norm(v.numpy() - exact) <= 1e-11 * np.linalg.norm(exact)
    # the largest time sets the size: no fewer products than for it alone
    assert m >= expm_apply(matvec, torch.as_tensor(u), 1.0).matvecs
    assert error <= 1e-12


def test_a_block_of_krylov_vectors_and_their_exponentials_from_one_basis():
    """The first c Arnoldi vectors of A from u and e^{−sA} of each, for several s at once."""
    a = grcar(40)
    u = torch.as_tensor(np.random.default_rng(3).standard_normal(40))
    matrix = torch.as_tensor(a)
    times, columns = [0.0, 0.05, 0.3, 0.5], 6
    rows, images, m, error = expm_block(lambda x: matrix @ x, u, times, 1e-13, 200, columns)
    r = rows.numpy()
    assert r.shape == (columns, 40) and error <= 1e-13
    np.testing.assert_allclose(r @ r.T, np.eye(columns), atol=1e-13)
    np.testing.assert_allclose(r[0], u.numpy() / np.linalg.norm(u.numpy()), atol=1e-15)
    # the rows span the Krylov space K_c(A, u): each is in the span of u, Au, …, A^{c−1}u
    krylov = np.linalg.qr(
        np.column_stack([np.linalg.matrix_power(a, j) @ u.numpy() for j in range(columns)])
    )[0]
    np.testing.assert_allclose(
        np.linalg.norm(r.T - krylov @ (krylov.T @ r.T), axis=0), 0, atol=1e-10
    )
    for s, y in zip(times, images, strict=True):
        exact = (scipy.linalg.expm(-s * a) @ r.T).T
        assert (
            np.linalg.norm(y.numpy() - exact, axis=1).max()
            <= 1e-11 * np.linalg.norm(exact, axis=1).min()
        )
    # a few products more than for u alone, not c times as many
    single = expm_times(lambda x: matrix @ x, u, times, 1e-13, 200)[1]
    assert single < m <= single + 2 * columns
    np.testing.assert_allclose(
        expm_times(lambda x: matrix @ x, u, times, 1e-13, 200)[0][2].numpy(),
        np.linalg.norm(u.numpy()) * images[2][0].numpy(),
        rtol=1e-12,
    )


def test_a_block_stops_at_an_invariant_subspace():
    a = np.diag([1.0, 2.0, 3.0, 4.0, 5.0])
    u = torch.as_tensor([1.0, 1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    rows, images, m, _ = expm_block(lambda x: torch.as_tensor(a) @ x, u, [0.5], 1e-13, 200, 4)
    assert rows.shape[0] == 2 and m == 2  # the Krylov space has two dimensions only
    exact = (scipy.linalg.expm(-0.5 * a) @ rows.numpy().T).T
    np.testing.assert_allclose(images[0].numpy(), exact, atol=1e-15)


def test_lowest_eigenvector_of_the_symmetric_part():
    """The flow's start: Lanczos on −(A + Aᵀ)/2 from products of A and Aᵀ."""
    a = grcar(50) + np.diag(np.linspace(0.0, 3.0, 50))
    matrix = torch.as_tensor(a)
    v0 = torch.as_tensor(np.random.default_rng(4).standard_normal(50))
    v = symmetric_part_lowest(lambda x: matrix @ x, lambda x: matrix.T @ x, v0, 1e-12, 50)
    values, vectors = np.linalg.eigh((a + a.T) / 2)
    assert abs(float(v.numpy() @ vectors[:, 0])) == pytest.approx(1.0, abs=1e-10)
    assert float(torch.linalg.vector_norm(v)) == pytest.approx(1.0, abs=1e-14)
    # not converged within the steps: still a unit vector, an approximation
    rough = symmetric_part_lowest(lambda x: matrix @ x, lambda x: matrix.T @ x, v0, 1e-12, 3)
    assert float(torch.linalg.vector_norm(rough)) == pytest.approx(1.0, abs=1e-14)


def test_expm_apply_on_an_invariant_subspace_is_exact():
    a = np.diag([1.0, 2.0, 3.0, 4.0, 5.0])
    u = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    r = expm_apply(lambda x: torch.as_tensor(a) @ x, torch.as_tensor(u), 0.5)
    np.testing.assert_allclose(r.vector.numpy(), np.exp(-0.5 * np.diag(a)) * u, atol=1e-15)
    assert r.matvecs == 2


def test_expm_apply_refuses_what_it_cannot_do():
    a = torch.as_tensor(grcar(60)) * 50
    with pytest.raises(KrylovExpmNoConvergence, match="max_steps"):
        expm_apply(lambda x: a @ x, torch.ones(60, dtype=torch.float64), 5.0, max_steps=5)
    with pytest.raises(ValueError, match="s"):
        expm_apply(lambda x: a @ x, torch.ones(60, dtype=torch.float64), -1.0)


def test_flow_transient_equals_dense_expm():
    game = tiny_gan()
    dt, steps = 0.1, 6
    j = np.asarray(game_jacobian(game), dtype=float)
    dense = [np.linalg.norm(scipy.linalg.expm(-t * dt * j), 2) for t in range(steps + 1)]
    matrix_free = transient_growth(game, steps, dt=dt, matrix_free=True)
    np.testing.assert_allclose(matrix_free, dense, rtol=1e-8)
    np.testing.assert_allclose(transient_growth(game, steps, dt=dt), dense, rtol=1e-10)
    op = JacobianOperator(game)
    norms, _ = tr.power_norms(
        op.apply, op.apply_transpose, op.shape[0], steps, powers=tr.flow_powers(op, dt)
    )
    np.testing.assert_allclose(norms, dense, rtol=1e-8)


def test_method_transient_still_equals_dense_powers():
    game = tiny_gan()
    t = np.asarray(operator_jacobian(GDA(0.2), game), dtype=float)
    dense = [np.linalg.norm(np.linalg.matrix_power(t, s), 2) for s in range(5)]
    np.testing.assert_allclose(
        transient_growth(game, 4, method=GDA(0.2), matrix_free=True), dense, rtol=1e-8
    )


def test_a_kept_space_equals_scipy_expm_and_shares_its_products():
    """ExpmSpace: e^{−sA}w by Galerkin on one space kept across calls, for vectors whose Krylov
    spaces overlap (like the flow's residuals), equals the dense exponential and costs fewer
    products than a fresh Krylov exponential for each."""
    a = grcar(150)
    matrix = torch.as_tensor(a)
    u = np.random.default_rng(5).standard_normal(150)
    space = ExpmSpace(lambda x: matrix @ x, 150, torch.float64)
    fresh, kept = 0, 0
    for i, s in enumerate([0.05, 0.3, 0.3, 0.5, 1.0]):
        w = u + 1e-2 * i * (a @ u) + 1e-3 * i * (a.T @ u)
        r = space.apply(torch.as_tensor(w), s, 1e-12)
        exact = scipy.linalg.expm(-s * a) @ w
        assert np.linalg.norm(r.vector.numpy() - exact) <= 1e-11 * np.linalg.norm(exact)
        assert r.error <= 1e-12
        fresh += expm_apply(lambda x: matrix @ x, torch.as_tensor(w), s, tol=1e-12).matvecs
        kept += r.matvecs
    assert kept == space.products and kept <= 0.8 * fresh
    # the rows stay orthonormal and G is X A Xᵀ
    x = space.x[: space.k].numpy()
    np.testing.assert_allclose(x @ x.T, np.eye(space.k), atol=1e-12)
    np.testing.assert_allclose(space.g[: space.k, : space.k], x @ a @ x.T, atol=1e-12)


def test_a_kept_space_takes_recorded_products_and_drops_old_rows():
    a = grcar(50) + np.diag(np.linspace(0.0, 2.0, 50))
    matrix = torch.as_tensor(a)
    v0 = torch.as_tensor(np.random.default_rng(6).standard_normal(50))
    space = ExpmSpace(lambda x: matrix @ x, 50, torch.float64, capacity=30)
    # products computed elsewhere (any vectors, not orthonormal) join by linearity, for free
    u = v0
    for _ in range(5):
        space.record(u, matrix @ u)
        space.record(2 * u, 2 * (matrix @ u))  # nothing new: left out
        u = matrix @ u
    assert space.k == 5 and space.products == 0
    x = space.x[:5].numpy()
    np.testing.assert_allclose(space.z[:5].numpy(), x @ a.T, atol=1e-12)
    for s in [0.1, 0.4, 0.9, 0.9, 0.2]:  # past the capacity: the oldest half is dropped
        r = space.apply(v0, s, 1e-12)
        exact = scipy.linalg.expm(-s * a) @ v0.numpy()
        assert np.linalg.norm(r.vector.numpy() - exact) <= 1e-11 * np.linalg.norm(exact)
    assert space.k <= 30
    with pytest.raises(KrylovExpmNoConvergence, match="max_steps"):
        ExpmSpace(lambda x: matrix @ x * 50, 50).apply(v0, 5.0, 1e-12, max_steps=3)
    with pytest.raises(ValueError, match="s"):
        space.apply(v0, -1.0, 1e-12)


@pytest.mark.parametrize("kept", [True, False])
def test_flow_transient_with_and_without_the_kept_space_equals_dense_svd(monkeypatch, kept):
    """The flow's residuals by the kept space of Jᵀ (the default) or, where it does not fit in
    memory, by one Krylov exponential each: the same curve as dense expm and SVD."""
    if not kept:
        monkeypatch.setattr(tr, "_TRANSPOSED_LEAST", 10**9)
    game = tiny_gan()
    dt, steps = 0.2, 8
    j = np.asarray(game_jacobian(game), dtype=float)
    dense = [np.linalg.svd(scipy.linalg.expm(-t * dt * j), compute_uv=False)[0] for t in range(9)]
    op = JacobianOperator(game)
    powers = tr.flow_powers(op, dt)
    assert (powers is not None) and callable(powers.power_t)
    norms, vectors = tr.power_norms(op.apply, op.apply_transpose, op.shape[0], steps, powers=powers)
    np.testing.assert_allclose(norms, dense, rtol=1e-9)
    for t in (1, steps):  # each value is ‖e^{−t·dt·J} v‖ of its unit vector
        v = vectors[t].numpy()
        assert np.linalg.norm(scipy.linalg.expm(-t * dt * j) @ v) == pytest.approx(
            norms[t], rel=1e-12
        )
