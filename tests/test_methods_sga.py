"""Symplectic gradient adjustment: Balduzzi et al.'s Algorithm 1 in numpy, closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import CubicGame, cubic_game, random_bilinear, random_quadratic, tensor

import gamedyn
from gamedyn.backends import TorchOps
from gamedyn.games import Bilinear
from gamedyn.methods import SGA
from gamedyn.methods._sga import ALIGN_EPS
from gamedyn.spectrum import eigenvalues, operator_jacobian, sort_eigenvalues


def sga_reference(game: CubicGame, z: np.ndarray, lr: float, lam: float, align: bool):
    """One step of Algorithm 1 (``d`` = the number of parameters, ``ε = 1/10``); and the sign."""
    v, J = game.field(z), game.jacobian(z)
    grad_h = J.T @ v  # ∇(½‖v‖²)
    adjustment = 0.5 * (J.T - J) @ v  # Aᵀ v, A = (J − Jᵀ)/2
    sign = 1.0
    if align:
        sign = np.sign((v @ grad_h) * (adjustment @ grad_h) / z.size + 0.1)
    return z - lr * (v + sign * lam * adjustment), sign


def test_steps_follow_algorithm_1_with_and_without_alignment():
    game, lr, lam = cubic_game(), 0.1, 0.8
    ops = TorchOps(game.torch)
    signs = set()
    for z in np.random.default_rng(3).uniform(-1.5, 1.5, (40, 4)):
        for align in (False, True):
            expected, sign = sga_reference(game, z, lr, lam, align)
            (step,) = SGA(lr, lam, align).step(ops, (tensor(z),))
            np.testing.assert_allclose(step.numpy(), expected, rtol=1e-12, atol=1e-14)
            signs.add(sign)
    assert signs == {-1.0, 1.0}  # the alignment rule flipped λ at some of the points


def test_alignment_keeps_lam_near_a_fixed_point():
    assert ALIGN_EPS == 0.1
    game, z = cubic_game(), np.full(4, 1e-3)  # the fixed point is 0
    _, sign = sga_reference(game, z, 0.1, 0.8, align=True)
    assert sign == 1.0
    for method in (SGA(0.1, 0.8), SGA(0.1, 0.8, align=True)):
        np.testing.assert_allclose(
            operator_jacobian(method, game.torch, np.zeros(4)),
            operator_jacobian(SGA(0.1, 0.8), game.torch, np.zeros(4)),
            atol=1e-15,
        )


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("lr, lam", [(0.5, 1.0), (0.2, 0.3), (0.9, 2.0)])
def test_on_x_times_y_the_eigenvalues_are_one_minus_lr_times_lam_plus_or_minus_i(lr, lam, align):
    mu = eigenvalues(Bilinear([[1.0]]), method=SGA(lr, lam, align))
    np.testing.assert_allclose(mu, sort_eigenvalues(1 - lr * (lam + np.array([1j, -1j]))))


def test_on_a_bilinear_game_the_eigenvalues_are_one_minus_lr_times_lam_sigma2_plus_i_sigma():
    game, lr, lam = random_bilinear(5, 3, 3), 0.3, 0.7
    sigma = np.linalg.svd(game.A.numpy(), compute_uv=False)
    expected = 1 - lr * (lam * np.tile(sigma, 2) ** 2 + 1j * np.concatenate([sigma, -sigma]))
    mu = eigenvalues(game, method=SGA(lr, lam), z=np.zeros(6))
    np.testing.assert_allclose(mu, sort_eigenvalues(expected), atol=1e-12)


def test_aligned_sga_contracts_at_the_predicted_rate_on_x_times_y():
    game, method = Bilinear([[1.0]]), SGA(0.3, 0.5, align=True)
    rho = abs(1 - 0.3 * (0.5 + 1j))
    trajectory = gamedyn.run(method, game, [1.0, 1.0], 200)
    assert gamedyn.contraction_rate(trajectory, rtol=1e-10) == pytest.approx(rho, abs=1e-6)


def test_the_jacobian_on_a_quadratic_game_is_one_minus_lr_times_j_plus_lam_atj():
    game, lr, lam = random_quadratic(3, linear=True), 0.2, 0.6
    J = game.J.numpy()
    A = 0.5 * (J - J.T)
    expected = np.eye(4) - lr * (J + lam * A.T @ J)
    z = game.fixed_point().numpy()
    for method in (SGA(lr, lam), SGA(lr, lam, align=True)):
        np.testing.assert_allclose(operator_jacobian(method, game, z), expected, atol=1e-14)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SGA(0.1, -1.0), "lam must be >= 0"),
        (lambda: SGA(0.1, 1.0, align=1), "align must be a bool"),
        (lambda: SGA(-0.1, 1.0), "lr must be > 0"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
