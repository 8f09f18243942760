"""The Krylov exponential ``e^{−sA} u`` and the gradient flow's transient built on it, against
``scipy.linalg.expm`` and dense powers (gamedyn.linalg.expm_apply, nonnormal's flow_powers)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from helpers import grcar, tiny_gan

from gamedyn.linalg import KrylovExpmNoConvergence, expm_apply
from gamedyn.linalg._krylov_expm import _expm_times
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

    vectors, m, error = _expm_times(matvec, torch.as_tensor(u), times, 1e-12, 200)
    for s, v in zip(times, vectors, strict=True):
        exact = scipy.linalg.expm(-s * a) @ u
        assert np.linalg.norm(v.numpy() - exact) <= 1e-11 * np.linalg.norm(exact)
    # the largest time sets the size: no fewer products than for it alone
    assert m >= expm_apply(matvec, torch.as_tensor(u), 1.0).matvecs
    assert error <= 1e-12


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
