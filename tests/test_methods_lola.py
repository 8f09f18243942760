"""LOLA: Letcher et al.'s ξ_LOLA in numpy, and its definition (differentiating through the
opponent's anticipated step) by central differences, on every kind of game."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import (
    central_gradient,
    cubic_game,
    random_bilinear,
    random_quadratic,
    tensor,
    tiny_gan,
)

from gamedyn.backends import TorchOps
from gamedyn.games import AveragedGame, Bilinear, DiracGAN, Quadratic
from gamedyn.methods import GDA, LOLA
from gamedyn.methods._lola import lookahead_field, shaping_term
from gamedyn.spectrum import eigenvalues, operator_jacobian, sort_eigenvalues


@pytest.mark.parametrize("alpha", [(0.3, 0.3), (0.2, 0.5)])
def test_the_lookahead_and_shaping_terms_are_letchers(alpha):
    """``ξ₀ = (I − αH_o)ξ`` and ``αχ = α diag(H_oᵀ∇L)`` (the references: ``letcher_terms``)."""
    game = cubic_game()
    ops = TorchOps(game.torch)
    a = alpha[0] if alpha[0] == alpha[1] else alpha
    for z in np.random.default_rng(1).uniform(-1, 1, (5, 4)):
        xi0, chi = game.letcher_terms(z, alpha)
        t = tensor(z)
        computed = lookahead_field(ops, t, ops.field(t), a)
        np.testing.assert_allclose(computed.numpy(), xi0, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(shaping_term(ops, t, a).numpy(), chi, rtol=1e-12, atol=1e-14)
        (step,) = LOLA(0.1, alpha=a).step(ops, (t,))
        np.testing.assert_allclose(step.numpy(), z - 0.1 * (xi0 - chi), rtol=1e-12, atol=1e-14)


def lola_by_definition(game, z: np.ndarray, alpha: tuple[float, float]) -> np.ndarray:
    """``ξ_LOLA`` from its definition: player ``x`` descends ``L_x(x, y + Δy)`` with the other's
    anticipated step ``Δy = −α_y v_y(z)``, to first order: ``∇_x [L_x − α_y ⟨∇_y L_x, v_y⟩]``,
    and the same for ``y``; gradients of the losses by autograd, the outer one by central
    differences."""
    nx = game.nx

    def anticipated(p: np.ndarray, player: int) -> float:
        t = tensor(p).requires_grad_(True)
        loss = game.losses(t)[player]
        (full,) = torch.autograd.grad(loss, t)
        v = game.field(t.detach())
        other = slice(nx, None) if player == 0 else slice(0, nx)
        rate = alpha[1] if player == 0 else alpha[0]
        return float(loss.detach()) - rate * float(full[other] @ v[other])

    gx = central_gradient(lambda p: anticipated(p, 0), z, h=1e-5)
    gy = central_gradient(lambda p: anticipated(p, 1), z, h=1e-5)
    return np.concatenate([gx[:nx], gy[nx:]])


GAMES = {
    "cubic": lambda: cubic_game().torch,
    "cubic-sympy": lambda: cubic_game().sympy,  # the SymbolicGame's numeric (lambdified) path
    "bilinear": lambda: random_bilinear(0, 2, 3, linear=True),
    "quadratic": lambda: random_quadratic(1, linear=True),
    "dirac-non-saturating-r1": lambda: DiracGAN("non-saturating", reg="r1", gamma=0.4),
    "dirac-consensus": lambda: DiracGAN("saturating", reg="consensus", gamma=0.5),
    "averaged": lambda: AveragedGame([random_quadratic(1), random_quadratic(2)]),
    "tiny-gan": lambda: tiny_gan(discriminator_width=3, dim=1, reg="r1", reg_weight=0.3),
}


@pytest.mark.parametrize("name", GAMES)
def test_lola_is_its_definition_on_every_kind_of_game(name):
    game = GAMES[name]()
    rng = np.random.default_rng(4)
    z = game.z0.numpy() if hasattr(game, "z0") else rng.uniform(-1, 1, game.n)
    alpha = (0.3, 0.2)
    (step,) = LOLA(0.1, alpha=alpha).step(TorchOps(game), (tensor(z),))
    expected = z - 0.1 * lola_by_definition(game, z, alpha)
    scale = np.abs(z - expected).max()
    np.testing.assert_allclose(step.detach().numpy(), expected, rtol=0, atol=1e-7 * (1 + scale))


def test_quadratic_terms_left_out_of_a_loss_are_not_seen():
    # Quadratic writes each loss without the terms in the other player's variables alone; LOLA
    # sees the losses as written: ∇_y L_x = Axyᵀ x.
    game = random_quadratic(3)
    z = np.random.default_rng(0).standard_normal(4)
    gx, gy = TorchOps(game).loss_gradients(tensor(z))
    np.testing.assert_allclose(gx[2:].numpy(), game.Axy.numpy().T @ z[:2], atol=1e-14)
    np.testing.assert_allclose(gy[:2].numpy(), game.Ayx.numpy().T @ z[2:], atol=1e-14)


def test_on_a_bilinear_game_lola_is_gda_on_j_plus_two_alpha_jtj():
    game, lr, alpha = random_bilinear(2, 3, 3), 0.2, 0.4
    J = game.J.numpy()
    expected = np.eye(6) - lr * (J + 2 * alpha * J.T @ J)
    np.testing.assert_allclose(operator_jacobian(LOLA(lr, alpha), game, np.ones(6)), expected)
    sigma = np.linalg.svd(game.A.numpy(), compute_uv=False)
    closed = 1 - lr * (2 * alpha * np.tile(sigma, 2) ** 2 + 1j * np.concatenate([sigma, -sigma]))
    mu = eigenvalues(game, method=LOLA(lr, alpha), z=np.zeros(6))
    np.testing.assert_allclose(mu, sort_eigenvalues(closed), atol=1e-12)
    # x·y: 1 − η(2α ± i)
    np.testing.assert_allclose(
        eigenvalues(Bilinear([[1.0]]), method=LOLA(0.2, alpha=0.5)), [0.8 + 0.2j, 0.8 - 0.2j]
    )


def test_the_jacobian_on_a_general_sum_quadratic_game():
    # ξ_LOLA = v − αJ_off v − αJ_offᵀ u with u = (∇_x L_y, ∇_y L_x), whose Jacobian is J_offᵀ
    game, lr, alpha = random_quadratic(5, linear=True), 0.2, 0.3
    J = game.J.numpy()
    off = J.copy()
    off[:2, :2] = off[2:, 2:] = 0
    expected = np.eye(4) - lr * (J - alpha * off @ J - alpha * off.T @ off.T)
    for z in (game.fixed_point().numpy(), np.ones(4)):
        np.testing.assert_allclose(operator_jacobian(LOLA(lr, alpha), game, z), expected)


def test_defaults_and_bad_arguments():
    assert LOLA(0.3).alpha == 0.3 and LOLA((0.1, 0.2)).alpha == (0.1, 0.2)
    game = Quadratic([[1.0]], [[1.0]], [[0.0]], [[0.0]])  # uncoupled: LOLA is GDA
    np.testing.assert_allclose(
        operator_jacobian(LOLA(0.2, 0.5), game, [1.0, 2.0]),
        operator_jacobian(GDA(0.2), game, [1.0, 2.0]),
    )
    with pytest.raises(ValueError, match="alpha must be > 0"):
        LOLA(0.1, alpha=0.0)
    with pytest.raises(ValueError, match=r"alpha\[1\] must be > 0"):
        LOLA(0.1, alpha=(0.1, -1.0))
