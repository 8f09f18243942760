"""LEAD: Hemmat et al.'s Algorithm 1 in numpy, its general-sum reading, closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import cubic_game, random_bilinear, random_quadratic, tensor

import gamedyn
from gamedyn.backends import TorchOps
from gamedyn.games import Bilinear
from gamedyn.methods import LEAD, Momentum
from gamedyn.spectrum import eigenvalues, operator_jacobian, sort_eigenvalues

STATES = np.random.default_rng(6).uniform(-1, 1, (6, 2, 4))  # (z_t, z_{t−1}) pairs


def test_zero_sum_steps_follow_algorithm_1():
    # min_x max_y f with f = L_x: x descends ∇_x f, y ascends ∇_y f, each coupled to the other's
    # last move through the mixed second derivatives of f
    game, lr, beta, alpha = cubic_game(zero_sum=True), 0.1, 0.3, 0.4
    ops = TorchOps(game.torch)
    for z, z_prev in STATES:
        (grad_f, _), (hess_f, _) = game.gradients(z), game.hessians(z)
        (x, y), (dx, dy) = np.split(z, 2), np.split(z - z_prev, 2)
        f_xy, f_yx = hess_f[:2, 2:], hess_f[2:, :2]
        x_new = x + beta * dx - lr * grad_f[:2] - alpha * f_xy @ dy
        y_new = y + beta * dy + lr * grad_f[2:] + alpha * f_yx @ dx
        new, old = LEAD(lr, beta, alpha).step(ops, (tensor(z), tensor(z_prev)))
        np.testing.assert_allclose(new.numpy(), np.concatenate([x_new, y_new]), rtol=1e-12)
        np.testing.assert_array_equal(old.numpy(), z)


def test_general_sum_steps_couple_each_field_to_the_other_players_move():
    game, lr, beta, alpha = cubic_game(), (0.1, 0.05), -0.2, (0.4, 0.2)
    ops = TorchOps(game.torch)
    for z, z_prev in STATES:
        v, J, d = game.field(z), game.jacobian(z), z - z_prev
        coupling = np.concatenate([alpha[0] * J[:2, 2:] @ d[2:], alpha[1] * J[2:, :2] @ d[:2]])
        expected = z + beta * d - np.repeat(lr, 2) * v - coupling
        new, _ = LEAD(lr, beta, alpha).step(ops, (tensor(z), tensor(z_prev)))
        np.testing.assert_allclose(new.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_runs_on_x_times_y_follow_the_scalar_recursion():
    lr, beta, alpha = 0.3, 0.2, 0.5
    trajectory = gamedyn.run(LEAD(lr, beta, alpha), Bilinear([[1.0]]), [1.0, 1.0], 50)
    x, y = [1.0, 1.0], [1.0, 1.0]  # (previous, current)
    for t in range(50):  # x⁺ = x + βΔx − ηy − αΔy,  y⁺ = y + βΔy + ηx + αΔx
        dx, dy = x[1] - x[0], y[1] - y[0]
        x_new = x[1] + beta * dx - lr * y[1] - alpha * dy
        y_new = y[1] + beta * dy + lr * x[1] + alpha * dx
        x, y = [x[1], x_new], [y[1], y_new]
        np.testing.assert_allclose(trajectory[t + 1], [x[1], y[1]], rtol=1e-12)


@pytest.mark.parametrize(
    "lr, beta, alpha",
    [(0.3, 0.2, 0.5), (0.1, 0.5, 0.51), (0.5, -0.3, 0.2), (0.2, 0.3, -0.4), (0.1, -0.2, -0.05)],
)
def test_on_a_bilinear_game_the_eigenvalues_solve_the_quadratic(lr, beta, alpha):
    game = random_bilinear(4, 3, 3)
    sigma = np.linalg.svd(game.A.numpy(), compute_uv=False)
    roots = [
        np.roots([1, -(1 + beta - (lr + alpha) * lam), beta - alpha * lam])
        for lam in np.concatenate([1j * sigma, -1j * sigma])
    ]
    mu = eigenvalues(game, method=LEAD(lr, beta, alpha), z=np.zeros(6))
    np.testing.assert_allclose(mu, sort_eigenvalues(np.concatenate(roots)), atol=1e-12)


def test_the_jacobian_on_a_quadratic_game_is_the_block_matrix():
    game, lr, beta, alpha = random_quadratic(3, linear=True), 0.2, 0.4, 0.3
    J = game.J.numpy()
    off = J.copy()
    off[:2, :2] = off[2:, 2:] = 0
    I, O = np.eye(4), np.zeros((4, 4))
    expected = np.block([[(1 + beta) * I - lr * J - alpha * off, -beta * I + alpha * off], [I, O]])
    actual = operator_jacobian(LEAD(lr, beta, alpha), game, game.fixed_point().numpy())
    np.testing.assert_allclose(actual, expected, atol=1e-14)


def test_without_coupling_lead_is_momentum():
    game, z = random_quadratic(2), np.array([0.3, -0.2, 0.5, 1.0])
    np.testing.assert_allclose(
        operator_jacobian(LEAD(0.2, 0.4, 0.0), game, z),
        operator_jacobian(Momentum(0.2, 0.4), game, z),
        atol=1e-15,
    )


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: LEAD(0.1, 0.5, float("inf")), "alpha must be finite"),
        (lambda: LEAD(0.1, 0.5, (0.1, float("nan"))), r"alpha\[1\] must be finite"),
        (lambda: LEAD(0.1, 0.5, (0.1, 0.1, 0.1)), "alpha must be a number or a pair"),
        (lambda: LEAD(0.1, float("nan"), 0.1), "beta must be finite"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_negative_alpha_is_the_papers_rule_with_that_sign():
    """The authors' experiments sweep negative α: accepted, and the step is Algorithm 1's
    (written out here for the bilinear game) with that sign."""
    lr, beta, alpha = 0.2, 0.1, -0.3
    trajectory = gamedyn.run(LEAD(lr, beta, alpha), Bilinear([[1.0]]), [1.0, 1.0], 30)
    x, y = [1.0, 1.0], [1.0, 1.0]
    for t in range(30):
        dx, dy = x[1] - x[0], y[1] - y[0]
        x_new = x[1] + beta * dx - lr * y[1] - alpha * dy
        y_new = y[1] + beta * dy + lr * x[1] + alpha * dx
        x, y = [x[1], x_new], [y[1], y_new]
        np.testing.assert_allclose(trajectory[t + 1], [x_new, y_new], rtol=0, atol=1e-13)
    assert LEAD(0.1, 0.5, (0.1, -0.1)).alpha == (0.1, -0.1)
