"""ACGD: the authors' algorithm (max-min form, bias correction, ε outside it) in numpy; its state,
Jacobian three ways at interior states, and its fixed-point Jacobian."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch
from helpers import central_jacobian, cubic_game, random_bilinear, random_quadratic, tensor
from torch.func import jacfwd, jacrev

import gamedyn
from gamedyn.backends import TorchOps, flatten, step_map
from gamedyn.methods import ACGD, CGD
from gamedyn.spectrum import NoEigenvalueMap, eigenvalue_map, operator_jacobian, spectral_radius


def authors_acgd(game, x, y, lr_min, lr_max, beta, eps, steps):
    """The released ACGD for ``max_y min_x f`` (``f = L_x`` of the zero-sum game), in numpy.

    The squared-gradient averages, ``A = √(1 − βᵗ) lr / (√avg + ε)`` per coordinate, then the
    maximiser's system ``(I + A_y^½ D_yx A_x D_xy A_y^½) w = A_y^½ (∇_y f − D_yx A_x ∇_x f)``,
    ``Δy = A_y^½ w`` and ``Δx = −A_x (∇_x f + D_xy Δy)`` (exact solves instead of CG).
    """
    avg_x, avg_y, out = np.zeros(2), np.zeros(2), []
    for t in range(1, steps + 1):
        (grad, _), (hess, _) = (
            game.gradients(np.concatenate([x, y])),
            game.hessians(np.concatenate([x, y])),
        )
        gx, gy, d_xy, d_yx = grad[:2], grad[2:], hess[:2, 2:], hess[2:, :2]
        avg_x = beta * avg_x + (1 - beta) * gx * gx
        avg_y = beta * avg_y + (1 - beta) * gy * gy
        a_x = np.sqrt(1 - beta**t) * lr_min / (np.sqrt(avg_x) + eps)
        a_y = np.sqrt(1 - beta**t) * lr_max / (np.sqrt(avg_y) + eps)
        root = np.sqrt(a_y)
        p = gy - d_yx @ (a_x * gx)
        system = np.eye(2) + root[:, None] * (d_yx @ (a_x[:, None] * d_xy)) * root[None, :]
        dy = root * np.linalg.solve(system, root * p)
        dx = -a_x * (gx + d_xy @ dy)
        x, y = x + dx, y + dy
        out.append((np.concatenate([x, y]), np.concatenate([avg_x, avg_y]), 1 - beta**t))
    return out


@pytest.mark.parametrize("beta, eps", [(0.99, 1e-5), (0.5, 0.1)])
def test_runs_follow_the_authors_algorithm(beta, eps):
    game, lr = cubic_game(zero_sum=True), (0.05, 0.08)  # (η_x: the minimiser, η_y)
    z0 = np.array([0.4, -0.3, 0.2, 0.5])
    reference = authors_acgd(game, z0[:2], z0[2:], *lr, beta, eps, steps=8)
    method, ops = ACGD(lr, beta2=beta, eps=eps), TorchOps(game.torch)
    state = method.init(tensor(z0))
    assert [s.tolist() for s in state] == [z0.tolist(), [0.0] * 4, [0.0] * 4]
    for z, average, weight in reference:
        state = method.step(ops, state)
        np.testing.assert_allclose(state[0].numpy(), z, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(state[1].numpy(), average, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(state[2].numpy(), weight, rtol=1e-14)
    trajectory = gamedyn.run(method, game.torch, z0, 8)
    np.testing.assert_allclose(trajectory[1:], [r[0] for r in reference], rtol=1e-10, atol=1e-13)


def test_general_sum_steps_are_the_cgd_system_with_per_coordinate_step_sizes():
    game, lr, beta, eps = cubic_game(), 0.1, 0.9, 0.01
    ops = TorchOps(game.torch)
    rng = np.random.default_rng(1)
    for _ in range(4):
        z, average, weight = rng.uniform(-1, 1, 4), rng.uniform(0, 1, 4), rng.uniform(0.2, 1, 4)
        v, J = game.field(z), game.jacobian(z)
        average_new = beta * average + (1 - beta) * v**2
        weight_new = beta * weight + (1 - beta)
        h = lr * np.sqrt(weight_new) / (np.sqrt(average_new) + eps)
        # eliminate Δ_y from (I + H J_off) Δ = H v
        H_x, H_y, J_xy, J_yx = np.diag(h[:2]), np.diag(h[2:]), J[:2, 2:], J[2:, :2]
        dx = np.linalg.solve(
            np.eye(2) - H_x @ J_xy @ H_y @ J_yx, H_x @ (v[:2] - J_xy @ H_y @ v[2:])
        )
        dy = H_y @ (v[2:] - J_yx @ dx)
        new = ACGD(lr, beta, eps).step(ops, tuple(tensor(s) for s in (z, average, weight)))
        np.testing.assert_allclose(new[0].numpy(), z - np.concatenate([dx, dy]), rtol=1e-10)
        np.testing.assert_allclose(new[1].numpy(), average_new, rtol=1e-14)
        np.testing.assert_allclose(new[2].numpy(), weight_new, rtol=1e-14)


def test_the_jacobian_three_ways_at_interior_states():
    game = cubic_game().torch
    update = step_map(ACGD((0.1, 0.05), beta2=0.9, eps=0.05), TorchOps(game))
    rng = np.random.default_rng(2)
    for _ in range(3):
        s = np.concatenate([rng.uniform(-1, 1, 4), rng.uniform(0.1, 1, 4), rng.uniform(0.3, 1, 4)])
        forward = jacfwd(update)(tensor(s)).numpy()
        np.testing.assert_allclose(forward, jacrev(update)(tensor(s)).numpy(), atol=1e-13)
        fd = central_jacobian(lambda p: update(tensor(p)).numpy(), s, h=1e-6)
        np.testing.assert_allclose(forward, fd, rtol=1e-7, atol=1e-8)


def test_at_a_fixed_point_the_jacobian_is_cgd_with_step_lr_over_eps_and_beta2():
    # z* = 0 exactly (v(z*) = 0 to the last bit: near a = 0 the step's sensitivity to a is
    # 1/(ROOT_FLOOR·ε), which would multiply the round-off of a computed fixed point)
    game, lr, beta, eps = random_quadratic(3), (0.2, 0.1), 0.3, 0.5
    z_star = np.zeros(4)
    J = game.J.numpy()
    off = J.copy()
    off[:2, :2] = off[2:, 2:] = 0
    H = np.diag(np.repeat(lr, 2)) / (eps * (1 + 1e-12))  # √(0 + (10⁻¹² ε)²) + ε
    cgd = np.eye(4) - np.linalg.solve(np.eye(4) + H @ off, H @ J)
    expected = np.zeros((12, 12))
    expected[:4, :4], expected[4:, 4:] = cgd, beta * np.eye(8)
    method = ACGD(lr, beta2=beta, eps=eps, bias_correction=False)
    np.testing.assert_allclose(operator_jacobian(method, game, z_star), expected, atol=1e-13)
    # CGD's operator with the per-player steps lr/ε, in its own Jacobian
    cgd_method = CGD(tuple(np.asarray(lr) / (eps * (1 + 1e-12))))
    np.testing.assert_allclose(operator_jacobian(cgd_method, game, z_star), cgd, atol=1e-13)


def test_closed_form_on_a_bilinear_game():
    # CGD's 1/√(1 + h²σ_min²) with h = η/ε, or β₂ when larger
    game, lr, eps = random_bilinear(0), 0.15, 0.1
    h = lr / (eps * (1 + 1e-12))
    for beta in (0.1, 0.9):
        rho = spectral_radius(ACGD(lr, beta, eps, bias_correction=False), game, np.zeros(4))
        assert rho == pytest.approx(max(1 / np.sqrt(1 + h**2 * 0.5**2), beta), abs=1e-12)


def test_no_symbolic_jacobian_and_no_eigenvalue_map():
    with pytest.raises(TypeError, match="entrywise products.*torch backends"):
        operator_jacobian(ACGD(sp.Symbol("eta")), random_bilinear(0), np.zeros(4))
    with pytest.raises(NoEigenvalueMap):
        eigenvalue_map(ACGD(0.1), np.array([1j]))


def test_bias_correction_starts_the_weight_at_zero_or_one():
    z = torch.ones(3, dtype=torch.float64)
    assert flatten(ACGD(0.1).init(z))[6:].tolist() == [0.0] * 3
    assert flatten(ACGD(0.1, bias_correction=False).init(z))[6:].tolist() == [1.0] * 3


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ACGD(0.1, beta2=1.0), r"beta2 must lie in \[0, 1\)"),
        (lambda: ACGD(0.1, beta2=-0.1), r"beta2 must lie in \[0, 1\)"),
        (lambda: ACGD(0.1, eps=0.0), "eps must be > 0"),
        (lambda: ACGD(0.1, bias_correction=1), "bias_correction must be a bool"),
        (lambda: ACGD(-0.1), "lr must be > 0"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
