"""``JacobianOperator``: products equal the dense Jacobian, and scipy's operator algebra works."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as sla
import torch
from helpers import tiny_gan

from gamedyn.backends import MatrixFreeOps
from gamedyn.games import Bilinear, TorchGame
from gamedyn.methods import (
    ACGD,
    CGD,
    LEAD,
    LOLA,
    SGA,
    SOS,
    Consensus,
    ExtraGradient,
    HamiltonianGD,
    Lookahead,
    Momentum,
    OptimisticGDA,
)
from gamedyn.spectrum import JacobianOperator, game_jacobian, operator_jacobian
from gamedyn.vocabulary import PRODUCT_MODES


@pytest.fixture(scope="module")
def gan() -> TorchGame:
    """A small float64 GAN (53 parameters) with an R1 penalty, off equilibrium."""
    return tiny_gan(discriminator_width=5, batch_size=12, reg="r1", reg_weight=0.5)


@pytest.fixture(scope="module")
def tanh_gan() -> TorchGame:
    return tiny_gan()


METHODS = [None, ExtraGradient(0.1), Momentum(0.1, -0.3), Lookahead(OptimisticGDA(0.1), 3, 0.5)]
# the methods of issue 19 (linearize mode is the same torch.func path: not repeated for them);
# LOLA and SOS take the losses' gradients inside the step: third derivatives, seconds a matrix
NEW_METHODS = [
    HamiltonianGD(0.1),
    SGA(0.1, 0.5, align=True),
    LEAD(0.1, 0.3, 0.4),
    pytest.param(LOLA(0.1), marks=pytest.mark.slow),
    pytest.param(SOS(0.1, b=10.0), marks=pytest.mark.slow),
]


def _dense(game, method):
    if method is None:
        return game_jacobian(game)
    return operator_jacobian(method, game)


MODES = [pytest.param(m, marks=pytest.mark.slow) if m == "linearize" else m for m in PRODUCT_MODES]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: "game" if m is None else repr(m))
def test_products_equal_the_dense_jacobian_and_its_transpose(gan, method, mode):
    J = _dense(gan, method)
    A = JacobianOperator(gan, method=method, mode=mode)
    assert A.shape == J.shape and A.dtype == np.float64
    eye = np.eye(A.shape[0])
    scale = np.abs(J).max()
    np.testing.assert_allclose(A @ eye, J, atol=1e-10 * scale, rtol=0)
    np.testing.assert_allclose(A.T @ eye, J.T, atol=1e-10 * scale, rtol=0)
    u = np.random.default_rng(1).standard_normal(A.shape[0])
    np.testing.assert_allclose(A.matvec(u), J @ u, atol=1e-10 * scale * np.abs(u).sum())
    np.testing.assert_allclose(A.rmatvec(u), J.T @ u, atol=1e-10 * scale * np.abs(u).sum())
    torch_u = torch.as_tensor(u)
    np.testing.assert_allclose(A.apply(torch_u).numpy(), J @ u, atol=1e-10 * scale * 10)
    np.testing.assert_allclose(A.apply_transpose(torch_u).numpy(), J.T @ u, atol=1e-9 * scale)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("method", NEW_METHODS, ids=repr)
def test_products_of_the_new_methods_equal_the_dense_jacobian(gan, method, mode):
    test_products_equal_the_dense_jacobian_and_its_transpose(gan, method, mode)


def test_scipy_algebra_gives_the_parts_and_the_consensus_matrix(gan):
    J = game_jacobian(gan)
    A = JacobianOperator(gan)
    eye, gamma = np.eye(gan.n), 3.0
    scale = np.abs(J).max() ** 2 * gamma
    np.testing.assert_allclose((0.5 * (A + A.T)) @ eye, 0.5 * (J + J.T), atol=1e-10 * scale)
    np.testing.assert_allclose((0.5 * (A - A.H)) @ eye, 0.5 * (J - J.T), atol=1e-10 * scale)
    consensus = (A + gamma * (A.T @ A)) @ eye
    np.testing.assert_allclose(consensus, J + gamma * J.T @ J, atol=1e-10 * scale)
    assert (A.T).T is A and A.H.H is A


def test_scipy_solvers_take_the_operator(gan):
    J = game_jacobian(gan)
    A = JacobianOperator(gan)
    values = sla.eigs(A, k=4, which="LM", tol=1e-12, return_eigenvectors=False)
    dense = np.linalg.eigvals(J)
    assert max(np.abs(dense - w).min() for w in values) < 1e-9 * np.abs(dense).max()
    b = np.random.default_rng(2).standard_normal(gan.n)
    shifted = A + 5.0 * sla.aslinearoperator(np.eye(gan.n))
    x, info = sla.gmres(shifted, b, rtol=1e-12, atol=0.0, restart=gan.n, maxiter=10)
    assert info == 0
    np.testing.assert_allclose((J + 5.0 * np.eye(gan.n)) @ x, b, atol=1e-9)


def test_complex_vectors_are_multiplied_by_parts():
    game = Bilinear([[2.0, 0.0], [0.0, 1.0]])
    A, J = JacobianOperator(game), game_jacobian(game)
    u = np.array([1 + 1j, 2 - 1j, 0.5j, -1.0])
    np.testing.assert_allclose(A.matvec(u), J @ u, atol=1e-14)
    np.testing.assert_allclose(A.rmatvec(u), J.T @ u, atol=1e-14)
    np.testing.assert_allclose(A @ np.stack([u, u.conj()], 1), J @ np.stack([u, u.conj()], 1))


def test_products_are_counted_and_described(gan):
    A = JacobianOperator(gan, method=ExtraGradient(0.1))
    assert A.count == 0 and A.operator == "ExtraGradient(lr=0.1)"
    A.matvec(np.ones(gan.n))
    A.T.matvec(np.ones(gan.n))
    A @ np.ones((gan.n, 3))
    assert A.count == 5
    assert "ExtraGradient" in repr(A) and "5 products" in repr(A)
    assert A.product_dtype == torch.float64 and A.device.type == "cpu"
    assert A.retained_bytes is None or A.retained_bytes >= 0


def test_the_point_defaults_to_the_games_and_operators_act_on_the_state(gan):
    A = JacobianOperator(gan, method=Momentum(0.1, 0.5))
    assert A.shape == (2 * gan.n, 2 * gan.n)
    torch.testing.assert_close(A.point, torch.cat([gan.z0, gan.z0]))
    B = JacobianOperator(Bilinear([[1.0]]))  # the fixed point (0, 0)
    torch.testing.assert_close(B.point, torch.zeros(2, dtype=torch.float64))


def test_cgd_operator_checks_its_solves_and_matches_dense():
    game = Bilinear(np.diag([1.0, 0.5]))
    method = CGD(0.2)
    z = np.array([0.3, -0.2, 0.1, 0.4])
    A = JacobianOperator(game, z, method)
    np.testing.assert_allclose(A @ np.eye(4), operator_jacobian(method, game, z), atol=1e-12)


def test_bad_arguments_are_refused(gan):
    with pytest.raises(ValueError, match="unknown mode 'sideways'"):
        JacobianOperator(gan, mode="sideways")
    with pytest.raises(TypeError, match="method must be a gamedyn Method"):
        JacobianOperator(gan, method="gda")
    with pytest.raises(TypeError, match="game must be a gamedyn Game"):
        JacobianOperator(np.eye(3))
    with pytest.raises(ValueError, match="length"):
        JacobianOperator(gan, z=np.zeros(3))


@pytest.mark.parametrize(
    "mode", ["forward", "reverse", pytest.param("linearize", marks=pytest.mark.slow)]
)
@pytest.mark.parametrize(
    "method",
    [None, Momentum(0.5, -0.3), Consensus(0.5, 0.3)],
    ids=["game", "momentum", "consensus"],
)
def test_products_are_adjoint_and_match_dense(tanh_gan, method, mode):
    game = tanh_gan
    op = JacobianOperator(game, method=method, mode=mode)
    dense = (
        game_jacobian(game, game.z0) if method is None else operator_jacobian(method, game, game.z0)
    )
    rng = np.random.default_rng(1)
    for _ in range(3):
        u, v = rng.standard_normal((2, op.shape[0]))
        left, right = u @ op.matvec(v), op.rmatvec(u) @ v
        assert abs(left - right) <= 1e-12 * max(abs(left), 1e-300) + 1e-15
    w = rng.standard_normal((op.shape[0], 3))
    np.testing.assert_allclose(op.matmat(w), dense @ w, atol=1e-12)
    np.testing.assert_allclose(op.rmatvec(w[:, 0]), dense.T @ w[:, 0], atol=1e-12)


def test_cgd_operator_products_match_dense_jacobian():
    game = tiny_gan(discriminator_width=3, dim=1)
    A = operator_jacobian(CGD(0.1), game, game.z0)
    op = JacobianOperator(game, method=CGD(0.1), ops=MatrixFreeOps(game, solve_iterations=8))
    u = np.random.default_rng(0).standard_normal((game.n, 2))
    np.testing.assert_allclose(op.matmat(u), A @ u, atol=1e-11)
    np.testing.assert_allclose(op.rmatvec(u[:, 0]), A.T @ u[:, 0], atol=1e-11)


@pytest.mark.slow
def test_acgd_operator_products_match_dense_jacobian():
    # GMRES inside the step, differentiated; the state (z, a, c) at an interior point
    game = tiny_gan(discriminator_width=3, dim=1)
    method = ACGD((0.1, 0.05), beta2=0.5, eps=0.1)
    A = operator_jacobian(method, game, game.z0)
    op = JacobianOperator(game, method=method, ops=MatrixFreeOps(game, solve_iterations=game.n))
    assert op.shape == (3 * game.n,) * 2
    u = np.random.default_rng(0).standard_normal((3 * game.n, 2))
    np.testing.assert_allclose(op.matmat(u), A @ u, atol=1e-11)
    np.testing.assert_allclose(op.rmatvec(u[:, 0]), A.T @ u[:, 0], atol=1e-11)


def test_auto_mode_linearizes_large_operators_and_falls_back_to_reverse(monkeypatch):
    """``mode="auto"`` (the default): reverse below ``LINEARIZE_MIN_SIZE`` entries, linearize at
    or above it, reverse where the step cannot be traced (CGD's solves); the products agree."""
    import gamedyn.spectrum._operator as operator_module

    game = tiny_gan(discriminator_width=3, dim=1)
    u = np.random.default_rng(2).standard_normal(game.n)
    reverse = JacobianOperator(game, mode="reverse").matvec(u)
    small = JacobianOperator(game)
    assert small.mode == "reverse"
    np.testing.assert_array_equal(small.matvec(u), reverse)
    monkeypatch.setattr(operator_module, "LINEARIZE_MIN_SIZE", 10)
    large = JacobianOperator(game)
    assert large.mode == "auto"
    np.testing.assert_allclose(large.matvec(u), reverse, rtol=0, atol=1e-12)
    assert large.mode == "linearize"
    cgd = JacobianOperator(game, method=CGD(0.1))
    dense = operator_jacobian(CGD(0.1), game, game.z0)
    np.testing.assert_allclose(cgd.matvec(u), dense @ u, rtol=0, atol=1e-11)
    assert cgd.mode == "reverse"
