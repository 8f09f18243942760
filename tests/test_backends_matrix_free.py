"""The matrix-free backend (gamedyn.backends._matrix_free): the differentiable GMRES, the
implicitly differentiated solves and MatrixFreeOps' checked solves."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import spectrum_distance, tiny_gan

from gamedyn.backends._matrix_free import MatrixFreeOps, gmres, implicit_solve
from gamedyn.games import FunctionGame
from gamedyn.methods import ACGD, CGD
from gamedyn.spectrum import JacobianOperator, KrylovSchur, operator_jacobian, top_eigenvalues


def test_gmres_is_differentiable_and_accurate():
    torch.manual_seed(0)
    M = torch.eye(12, dtype=torch.float64) + 0.2 * torch.randn(12, 12, dtype=torch.float64)
    b = torch.randn(12, dtype=torch.float64)

    def solve(scale):
        return gmres(lambda u: (scale * M) @ u, b, 12)

    s = torch.tensor(1.3, dtype=torch.float64)
    torch.testing.assert_close(solve(s), torch.linalg.solve(s * M, b), rtol=1e-11, atol=1e-12)
    tangent = torch.func.jvp(solve, (s,), (torch.ones_like(s),))[1]
    torch.testing.assert_close(tangent, -torch.linalg.solve(s * M, b) / s, rtol=1e-9, atol=1e-10)


def test_unconverged_inner_solve_is_reported():
    game = tiny_gan(discriminator_width=3)
    with pytest.raises(ValueError, match="relative residual .* solve_iterations = 1"):
        top_eigenvalues(game, k=2, method=CGD(0.1), solver=KrylovSchur(solve_iterations=1))


# --- implicit differentiation of the solves ---------------------------------------------------


def _system(seed: int = 0, n: int = 7):
    """``A(p) = I + 0.3 diag(p) M``, ``b(p) = sin p``: a solve whose matrix depends on ``p``."""
    gen = torch.Generator().manual_seed(seed)
    M = torch.randn(n, n, generator=gen, dtype=torch.float64)
    p = torch.randn(n, generator=gen, dtype=torch.float64)

    def matrix(p):
        return torch.eye(n, dtype=torch.float64) + 0.3 * p[:, None] * M

    def implicit(p, rhs=None):
        b = torch.sin(p) if rhs is None else rhs
        return implicit_solve(lambda u, p: u + 0.3 * p * (M @ u), b, p)

    def exact(p, rhs=None):
        return torch.linalg.solve(matrix(p), torch.sin(p) if rhs is None else rhs)

    return p, implicit, exact


def test_implicit_solve_derivatives_are_the_exact_solves():
    """Values, jacfwd, jacrev, a vjp of a vjp (reverse-mode J u) and vmap against
    torch.linalg.solve of the assembled matrix, differentiated by autograd."""
    p, implicit, exact = _system()
    torch.testing.assert_close(implicit(p), exact(p), rtol=0, atol=1e-12)
    dense = torch.func.jacfwd(exact)(p)
    torch.testing.assert_close(torch.func.jacfwd(implicit)(p), dense, rtol=0, atol=1e-11)
    torch.testing.assert_close(torch.func.jacrev(implicit)(p), dense, rtol=0, atol=1e-11)
    pullback = torch.func.vjp(implicit, p)[1]
    u = torch.linspace(-1.0, 1.0, p.shape[0], dtype=torch.float64)
    forward = torch.func.vjp(lambda w: pullback(w)[0], torch.zeros_like(p))[1](u)[0]
    torch.testing.assert_close(forward, dense @ u, rtol=0, atol=1e-11)
    # second derivatives too (the rules are themselves implicit solves)
    hessian = torch.func.jacfwd(torch.func.jacrev(lambda p: implicit(p).sum()))(p)
    exact_hessian = torch.func.jacfwd(torch.func.jacrev(lambda p: exact(p).sum()))(p)
    torch.testing.assert_close(hessian, exact_hessian, rtol=0, atol=1e-9)


def test_implicit_solve_at_a_zero_right_hand_side():
    """``b = 0``: ``u = 0`` and ``du = A⁻¹ db`` (a fixed point of CGD), not a division by 0."""
    p, implicit, exact = _system(1)
    zero = torch.zeros_like(p)
    assert torch.equal(implicit(p, zero), zero)
    db = torch.ones_like(p)
    tangent = torch.func.jvp(lambda b: implicit(p, b), (zero,), (db,))[1]
    torch.testing.assert_close(tangent, exact(p, db), rtol=0, atol=1e-12)
    cotangent = torch.func.vjp(lambda b: implicit(p, b), zero)[1](db)[0]
    expected = torch.func.vjp(lambda b: exact(p, b), zero)[1](db)[0]
    torch.testing.assert_close(cotangent, expected, rtol=0, atol=1e-12)


def _fixed_point_game() -> FunctionGame:
    """A nonlinear game with a fixed point at 0 whose third derivatives are not zero there."""

    def loss_x(x, y):
        return (x * y[:3]).sum() + 0.5 * (x**2).sum() + (x**3 * y[1:]).sum() + (x[0] * y) @ y

    def loss_y(x, y):
        return -(x * y[:3]).sum() + 0.25 * (y**2).sum() + (torch.sin(x).repeat(2)[:4] * y**2).sum()

    return FunctionGame(loss_x, loss_y, 3, 4)


@pytest.mark.parametrize("mode", ["reverse", "forward", "linearize"])
def test_cgd_operator_matches_dense_at_a_fixed_point(mode):
    game = _fixed_point_game()
    z = torch.zeros(game.n, dtype=torch.float64)
    assert torch.equal(game.field(z), torch.zeros_like(z))
    method = CGD(0.3)
    dense = operator_jacobian(method, game, z)
    op = JacobianOperator(game, z, method, mode)
    u = np.random.default_rng(0).standard_normal((game.n, 3))
    np.testing.assert_allclose(op.matmat(u), dense @ u, rtol=0, atol=1e-12)
    np.testing.assert_allclose(op.rmatvec(u[:, 0]), dense.T @ u[:, 0], rtol=0, atol=1e-12)
    assert op.solve_residual is not None and op.solve_residual <= 1e-10
    top = top_eigenvalues(game, k=3, method=method, z=z, solver=KrylovSchur(mode=mode))
    exact = np.linalg.eigvals(dense)
    assert spectrum_distance(top.values, exact) < 1e-9
    np.testing.assert_allclose(
        np.sort(np.abs(top.values)), np.sort(np.abs(exact))[-3:], rtol=0, atol=1e-9
    )


@pytest.mark.parametrize("method", [CGD(0.2), CGD((0.2, 0.1)), ACGD((0.1, 0.05), eps=0.1)])
def test_solving_operators_match_dense_away_from_fixed_points(method):
    """Every product mode of CGD and ACGD on a tiny GAN (v ≠ 0, second-derivative terms)."""
    game = tiny_gan(discriminator_width=3, dim=1)
    dense = operator_jacobian(method, game, game.z0)
    u = np.random.default_rng(1).standard_normal((dense.shape[0], 2))
    for mode in ("reverse", "forward"):
        op = JacobianOperator(game, method=method, mode=mode)
        np.testing.assert_allclose(op.matmat(u), dense @ u, rtol=0, atol=1e-11)
        np.testing.assert_allclose(op.rmatvec(u[:, 1]), dense.T @ u[:, 1], rtol=0, atol=1e-11)
        assert op.solve_residual <= 1e-10


def test_closure_solves_at_a_zero_right_hand_side_say_why():
    """A system captured in a closure (no operands) still differentiates through GMRES, which
    needs b ≠ 0: checked solves say so."""
    game = tiny_gan(discriminator_width=3, dim=1)
    ops = MatrixFreeOps(game)
    ops.check = True
    with pytest.raises(ValueError, match="zero right-hand side .* ops.solve"):
        ops.solve(lambda u: 2.0 * u, torch.zeros(4, dtype=torch.float64))
