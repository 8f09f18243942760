"""Dense spectra (gamedyn.spectrum): Jacobians away from fixed points, default points,
the size guard."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import central_jacobian, random_quadratic, tensor, tiny_gan

from gamedyn.games import DiracGAN, FunctionGame, TorchGame
from gamedyn.methods import GDA, Consensus, Momentum
from gamedyn.spectrum import (
    eigenvalues,
    game_jacobian,
    operator_jacobian,
    sort_eigenvalues,
    spectral_radius,
)
from gamedyn.spectrum._dense import check_dense_size


def test_game_eigenvalues_of_the_dirac_gan_away_from_equilibrium():
    game, z = DiracGAN("standard", reg="r1", gamma=0.5), np.array([1.0, 1.0])
    J = game_jacobian(game, z)
    fd = central_jacobian(lambda p: game.field(tensor(p)).numpy(), z)
    np.testing.assert_allclose(J, fd, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(
        eigenvalues(game, z=z), sort_eigenvalues(np.linalg.eigvals(fd)), atol=1e-7
    )


def test_operator_jacobian_of_gda_is_identity_minus_lr_j_at_any_point():
    game, z, lr = DiracGAN("non-saturating"), np.array([0.8, -1.3]), 0.3
    expected = np.eye(2) - lr * game_jacobian(game, z)
    np.testing.assert_allclose(operator_jacobian(GDA(lr), game, z), expected, atol=1e-15)


def test_momentum_jacobian_has_the_augmented_block_form():
    game, lr, beta = random_quadratic(0), 0.1, -0.3
    J, n = game.J.numpy(), 4
    expected = np.block([[(1 + beta) * np.eye(n) - lr * J, -beta * np.eye(n)], [np.eye(n), 0 * J]])
    np.testing.assert_allclose(operator_jacobian(Momentum(lr, beta), game, np.ones(n)), expected)


def test_consensus_jacobian_at_a_fixed_point():
    game, lr, gamma = random_quadratic(1), 0.1, 0.4
    J = game.J.numpy()
    expected = np.eye(4) - lr * (J + gamma * J.T @ J)
    np.testing.assert_allclose(operator_jacobian(Consensus(lr, gamma), game, np.zeros(4)), expected)


def test_spectral_radius_is_the_largest_modulus():
    game, method = random_quadratic(2), Momentum(0.2, 0.5)
    mu = np.linalg.eigvals(operator_jacobian(method, game, np.zeros(4)))
    assert spectral_radius(method, game, np.zeros(4)) == pytest.approx(np.abs(mu).max(), abs=1e-14)


def test_dense_jacobian_too_large_is_refused_with_its_size():
    with pytest.raises(MemoryError, match=r"100000 x 100000 float64 .* needs 74.51 GiB"):
        check_dense_size(100_000)
    with pytest.raises(MemoryError, match="operator Jacobian needs"):
        operator_jacobian(Momentum(0.1, 0.5), random_quadratic(0), np.zeros(4), max_bytes=100)


def test_spectrum_checks_the_point():
    with pytest.raises(ValueError, match="z has length 3"):
        spectral_radius(GDA(0.1), random_quadratic(0), np.zeros(3))


def test_dense_functions_default_to_the_games_point():
    game = tiny_gan()
    np.testing.assert_array_equal(game_jacobian(game), game_jacobian(game, game.z0))
    np.testing.assert_array_equal(eigenvalues(game), eigenvalues(game, z=game.z0))


def test_z_none_is_the_default_point_or_refused():
    game = random_quadratic(3, linear=True)
    z_star = game.fixed_point().numpy()
    np.testing.assert_array_equal(game_jacobian(game), game_jacobian(game, z_star))
    np.testing.assert_array_equal(eigenvalues(game), eigenvalues(game, z=z_star))
    dirac = DiracGAN("non-saturating", reg="r1", gamma=0.3)
    assert spectral_radius(GDA(0.1), dirac) == spectral_radius(GDA(0.1), dirac, np.zeros(2))
    no_default = FunctionGame(lambda x, y: (x * y).sum(), lambda x, y: -(x * y).sum(), 1, 1)
    with pytest.raises(ValueError, match="z is required"):
        eigenvalues(no_default)
    with pytest.raises(ValueError, match="z is required"):
        spectral_radius(GDA(0.1), no_default)


def test_dense_jacobian_refuses_a_dcgan_with_the_size_it_needs():
    from gamedyn.examples import dcgan

    big = TorchGame(
        dcgan.generator(), dcgan.discriminator(), "non-saturating", dcgan.sample(2), dcgan.latent(2)
    )
    with pytest.raises(MemoryError, match=r"1731905 x 1731905 float64 game Jacobian needs 2.+ GiB"):
        game_jacobian(big)
