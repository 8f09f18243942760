"""Stochastic games: samples, means and noise covariances."""

import numpy as np
import pytest
import torch

from gamedyn.games import (
    AdditiveNoise,
    Bilinear,
    DiracGAN,
    MinibatchGame,
    Quadratic,
    finite_sum_bilinear,
    finite_sum_quadratic,
    seed_bilinear,
)
from tests.helpers import random_quadratic, tiny_batch, tiny_gan


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_additive_noise_has_the_covariance_it_is_given():
    cov = np.array([[1.0, 0.3], [0.3, 0.5]])
    game = AdditiveNoise(Bilinear([[1.0]], [0.5], [0.0]), cov)
    xi = game.sample(_gen(), 200000).numpy()
    np.testing.assert_allclose(np.cov(xi.T), cov, atol=0.01)
    z = torch.tensor([0.3, -0.2], dtype=torch.float64)
    s = torch.tensor([0.1, 0.2], dtype=torch.float64)
    np.testing.assert_allclose(game.field(z, s), game.mean.field(z) + s)
    np.testing.assert_allclose(game.noise_covariance(), cov)
    np.testing.assert_allclose(AdditiveNoise(game.mean, 0.5).noise_covariance(), 0.5 * np.eye(2))


def test_additive_noise_refuses_a_bad_covariance():
    game = Bilinear([[1.0]])
    with pytest.raises(ValueError, match="positive semi-definite"):
        AdditiveNoise(game, [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        AdditiveNoise(game, [[1.0, 0.2], [0.0, 1.0]])
    with pytest.raises(ValueError, match="variance"):
        AdditiveNoise(game, -0.1)
    with pytest.raises(ValueError, match="shape|2 x 2|2, 2"):
        AdditiveNoise(game, np.eye(3))


def _finite_sum(batch_size=1):
    rng = np.random.default_rng(0)
    M, a, b = (
        rng.standard_normal((5, 2, 3)),
        rng.standard_normal((5, 2)),
        rng.standard_normal((5, 3)),
    )
    return finite_sum_bilinear(M, a, b, batch_size), (M, a, b)


def test_the_finite_sum_bilinear_game_has_a_bilinear_mean():
    game, (M, a, b) = _finite_sum()
    assert type(game.mean) is Bilinear
    np.testing.assert_allclose(game.mean.A, M.mean(0))
    np.testing.assert_allclose(game.mean.b_x, a.mean(0))
    np.testing.assert_allclose(game.mean.c_y, b.mean(0))
    z = torch.tensor([0.3, -0.2, 1.0, 0.5, -1.0], dtype=torch.float64)
    one_hot = torch.eye(5, dtype=torch.float64)
    fields = torch.stack([game.field(z, w) for w in one_hot])
    for i in range(5):  # one index: that sample's bilinear game
        np.testing.assert_allclose(fields[i], Bilinear(M[i], a[i], b[i]).field(z), atol=1e-12)
    np.testing.assert_allclose(fields.mean(0), game.mean.field(z), atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_finite_sum_noise_covariance_matches_the_sampled_fields(batch_size):
    game, _ = _finite_sum(batch_size)
    z = torch.tensor([0.3, -0.2, 1.0, 0.5, -1.0], dtype=torch.float64)
    w = game.sample(_gen(1), 100000)
    assert torch.allclose(w.sum(1), torch.ones(w.shape[0], dtype=torch.float64))
    fields = (w @ game.fields(z)).numpy()
    np.testing.assert_allclose(fields.mean(0), game.mean.field(z).numpy(), atol=0.03)
    exact = game.noise_covariance(z).numpy()
    np.testing.assert_allclose(np.cov(fields.T), exact, atol=0.03 * np.abs(exact).max())
    if batch_size > 1:
        one, _ = _finite_sum(1)
        np.testing.assert_allclose(exact * batch_size, one.noise_covariance(z).numpy())


def test_finite_sum_quadratic_and_the_seed_game():
    games = [random_quadratic(s, linear=True) for s in range(3)]
    fs = finite_sum_quadratic(games)
    assert type(fs.mean) is Quadratic
    np.testing.assert_allclose(fs.mean.J, torch.stack([g.J for g in games]).mean(0))
    np.testing.assert_allclose(fs.mean.b, torch.stack([g.b for g in games]).mean(0))
    with pytest.raises(TypeError, match="Quadratic"):
        finite_sum_quadratic([games[0], DiracGAN()])
    with pytest.raises(ValueError, match="shares its players"):
        finite_sum_quadratic([games[0], Bilinear([[1.0]])])
    seed = seed_bilinear(4)
    np.testing.assert_allclose(seed.mean.A, np.eye(4) / 4)
    assert len(seed.games) == 4 and seed.n == 8


def test_minibatches_of_a_torch_game_average_to_the_full_data_game():
    real, latent = tiny_batch(3, 6)
    game = MinibatchGame(tiny_gan(), real, latent, batch_size=2)
    z = game.mean.default_point()
    rows = torch.stack([game.field(z, torch.tensor([i])) for i in range(6)])
    np.testing.assert_allclose(rows.mean(0), game.mean.field(z), atol=1e-12)
    idx = game.sample(_gen(), 3)
    assert idx.shape == (3, 2) and int(idx.max()) < 6
    np.testing.assert_allclose(
        game.field(z, idx[0]), game.game.with_batch(real[idx[0]], latent[idx[0]]).field(z)
    )
    cov = game.noise_covariance(z)
    centred = rows - rows.mean(0)
    np.testing.assert_allclose(cov, centred.T @ centred / 12, atol=1e-12)
    with pytest.raises(ValueError, match="same number of rows"):
        MinibatchGame(tiny_gan(), real, latent[:3], 2)
