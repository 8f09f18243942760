"""Hamiltonian gradient descent: its rule in numpy, descent on ½‖v‖², closed forms on ``x·y``."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import central_gradient, cubic_game, random_quadratic

import gamedyn
from gamedyn.games import Bilinear
from gamedyn.methods import HamiltonianGD
from gamedyn.spectrum import eigenvalues, operator_jacobian, spectral_radius


def test_runs_follow_the_rule_written_in_numpy():
    game, lr = cubic_game(), 0.1
    z = np.array([0.4, -0.3, 0.2, 0.5])
    trajectory = gamedyn.run(HamiltonianGD(lr), game.torch, z, 6)
    for t in range(6):  # z⁺ = z − η J(z)ᵀ v(z), J and v from sympy's derivatives of the losses
        z = z - lr * game.jacobian(z).T @ game.field(z)
        np.testing.assert_allclose(trajectory[t + 1], z, rtol=1e-13, atol=1e-15)


def test_each_step_descends_half_the_squared_norm_of_the_field():
    game, lr = cubic_game(), (0.1, 0.05)
    z = np.array([0.4, -0.3, 0.2, 0.5])
    gradient = central_gradient(lambda p: 0.5 * game.field(p) @ game.field(p), z, h=1e-6)
    expected = z - np.repeat(lr, 2) * gradient  # per-player step sizes
    step = gamedyn.run(HamiltonianGD(lr), game.torch, z, 1)[1]
    np.testing.assert_allclose(step, expected, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("lr", [0.3, 1.0, 1.6])
def test_on_x_times_y_it_contracts_at_one_minus_lr(lr):
    game = Bilinear([[1.0]])
    np.testing.assert_allclose(eigenvalues(game, method=HamiltonianGD(lr)), [1 - lr] * 2)
    rho = spectral_radius(HamiltonianGD(lr), game)
    assert rho == pytest.approx(abs(1 - lr), abs=1e-14)
    if lr != 1.0:  # lr = 1 lands on the equilibrium in one step: nothing left to measure
        trajectory = gamedyn.run(HamiltonianGD(lr), game, [1.0, -0.5], 60)
        assert gamedyn.contraction_rate(trajectory, rtol=1e-10) == pytest.approx(rho, abs=1e-6)


def test_the_jacobian_on_a_quadratic_game_is_one_minus_lr_jtj():
    game, lr = random_quadratic(3, linear=True), 0.2
    J = game.J.numpy()
    for z in (game.fixed_point().numpy(), np.ones(4)):  # affine field: the same everywhere
        expected = np.eye(4) - lr * J.T @ J
        np.testing.assert_allclose(operator_jacobian(HamiltonianGD(lr), game, z), expected)


def test_bad_arguments():
    with pytest.raises(ValueError, match="lr must be > 0"):
        HamiltonianGD(0.0)
