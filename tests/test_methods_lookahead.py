"""Lookahead's inner state (gamedyn.methods): interpolating the whole base state (the
default) or keeping the inner optimiser's state (LAGAN's class) — different operators, both
checked against runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import random_bilinear, random_quadratic, tensor

import gamedyn
from gamedyn.backends import TorchOps
from gamedyn.methods import GDA, Adam, ExtraGradient, Lookahead, Momentum
from gamedyn.spectrum import eigenvalues, operator_jacobian, spectral_radius


def test_keep_and_interpolate_agree_for_one_step_bases():
    game = random_quadratic(2)
    for base in (GDA(0.2), ExtraGradient((0.2, 0.1))):
        keep = operator_jacobian(Lookahead(base, 4, 0.5, "keep"), game, np.ones(4))
        interpolate = operator_jacobian(Lookahead(base, 4, 0.5), game, np.ones(4))
        np.testing.assert_allclose(keep, interpolate, atol=1e-14)


def test_keep_holds_the_velocity_and_the_moments():
    game, ops = random_quadratic(2), TorchOps(random_quadratic(2))
    z = tensor([1.0, -1.0, 0.5, 0.2])
    heavy = Momentum(0.1, 0.6)
    fast = heavy.init(z)
    for _ in range(3):
        fast = heavy.step(ops, fast)
    synced = Lookahead(heavy, 3, 0.5, "keep").step(ops, heavy.init(z))
    torch.testing.assert_close(synced[0], z + 0.5 * (fast[0] - z))
    torch.testing.assert_close(synced[0] - synced[1], fast[0] - fast[1])  # velocity kept
    interpolated = Lookahead(heavy, 3, 0.5).step(ops, heavy.init(z))
    torch.testing.assert_close(interpolated[1], z + 0.5 * (fast[1] - z))
    adam = Adam(0.1, (0.5, 0.9))
    fast = adam.init(z)
    for _ in range(3):
        fast = adam.step(ops, fast)
    synced = Lookahead(adam, 3, 0.5, "keep").step(ops, adam.init(z))
    torch.testing.assert_close(synced[1], fast[1])  # m
    torch.testing.assert_close(synced[2], fast[2])  # v
    assert synced[3:] == (3, 3)  # step counts: the fast steps'
    interpolated = Lookahead(adam, 3, 0.5).step(ops, adam.init(z))
    torch.testing.assert_close(interpolated[2], 0.5 * fast[2])  # v interpolated from 0
    assert interpolated[3:] == (3, 3)  # counts are never interpolated
    del game


def _steps(method, game):
    """Long enough for the dominant eigenvalues to take over, short enough not to overflow."""
    mu = np.sort(np.abs(eigenvalues(game, method=method, z=np.zeros(game.n))))[::-1]
    rho, below = mu[0], mu[mu < mu[0] * (1 - 1e-9)]
    steps = np.log(1e-12) / np.log(below[0] / rho) if below.size and below[0] > 0 else 200
    if rho > 1:
        steps = min(steps, 500 / np.log(rho))
    return int(np.clip(steps, 100, 6000))


@pytest.mark.parametrize("beta, gap", [(0.3, 0.005), (0.5, 0.02), (0.7, 0.25)])
def test_the_two_conventions_give_different_rates_for_heavy_ball(beta, gap):
    """On the bilinear game, lookahead (k = 10, α = 0.5) around heavy ball: both predicted radii
    are the rates measured by running them, and they differ (by 0.3 at β = 0.7)."""
    game, z0 = random_bilinear(0), np.array([1.0, -0.5, 0.3, 0.8])
    rates = {}
    for inner_state in ("interpolate", "keep"):
        method = Lookahead(Momentum(0.1, beta), k=10, alpha=0.5, inner_state=inner_state)
        rho = spectral_radius(method, game, np.zeros(4))
        trajectory = gamedyn.run(method, game, z0, _steps(method, game))
        assert gamedyn.contraction_rate(trajectory, rtol=1e-9) == pytest.approx(rho, abs=1e-6)
        rates[inner_state] = rho
    assert abs(rates["keep"] - rates["interpolate"]) > gap, rates


@pytest.mark.slow
@pytest.mark.parametrize("base", [GDA(0.001), ExtraGradient(0.001)], ids=repr)
def test_a_thousand_fast_steps_compose_the_base_numerically(base):
    """k = 1000: the dense Jacobian (jacfwd through the 1000 steps) is ``(1 − α) I + α B¹⁰⁰⁰``
    with ``B`` the base's Jacobian (matrix power); the eigenvalue map (``M(λ)ᵏ`` by repeated
    squaring, no symbolic expansion), the rate and the Jacobian route give its eigenvalues."""
    from gamedyn import regions
    from gamedyn.spectrum import eigenvalue_map, top_eigenvalues

    game = random_quadratic(0, 2, 2)
    z = game.default_point()
    J = game.jacobian(z).numpy()
    eye = np.eye(game.n)
    B = eye - base.lr * J if isinstance(base, GDA) else eye - base.lr * J @ (eye - base.lr * J)
    method = Lookahead(base, k=1000, alpha=0.5)
    expected = 0.5 * eye + 0.5 * np.linalg.matrix_power(B, 1000)
    dense = operator_jacobian(method, game, z)
    np.testing.assert_allclose(dense, expected, rtol=0, atol=1e-12)
    exact = np.linalg.eigvals(expected)
    lam = np.linalg.eigvals(J)
    mu = eigenvalue_map(method, lam)[..., 0]
    assert max(np.abs(exact - m).min() for m in mu) < 1e-12
    np.testing.assert_allclose(regions.rate(method, lam), np.abs(mu), rtol=1e-12)
    top = top_eigenvalues(game, k=2, method=method)
    assert top.route.startswith("jacobian")
    np.testing.assert_allclose(np.abs(top.values), np.sort(np.abs(exact))[-2:][::-1], atol=1e-12)
