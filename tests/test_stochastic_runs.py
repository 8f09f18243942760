"""Stochastic runs: seeded, vectorised = looped, noise-free = gamedyn.run, one sample per
gradient evaluation really made."""

import numpy as np
import pytest
import torch

import gamedyn
from gamedyn.games import AdditiveNoise, MinibatchGame, finite_sum_bilinear
from gamedyn.methods import GDA, ExtraGradient, IterateAverage, Lookahead, Momentum, OptimisticGDA
from gamedyn.stochastic import distances, stochastic_run
from tests.helpers import random_quadratic, tiny_batch, tiny_gan

QUADRATIC = random_quadratic(1, nx=2, ny=1, linear=True)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _finite_sum():
    rng = np.random.default_rng(0)
    return finite_sum_bilinear(
        rng.standard_normal((4, 2, 2)) + np.eye(2),
        rng.standard_normal((4, 2)),
        rng.standard_normal((4, 2)),
    )


@pytest.mark.parametrize(
    "method",
    [
        ExtraGradient(0.2),
        OptimisticGDA(0.2),
        Lookahead(ExtraGradient(0.2), 3, 0.5),
        IterateAverage(Momentum(0.2, -0.3)),
    ],
    ids=repr,
)
@pytest.mark.parametrize("same", [False, True])
def test_vectorised_and_looped_runs_draw_the_same_samples(method, same):
    game = _finite_sum()
    z0 = [1.0, -1.0, 0.5, 0.0]
    a = stochastic_run(method, game, z0, 12, runs=5, seed=4, same_sample=same)
    b = stochastic_run(method, game, z0, 12, runs=5, seed=4, same_sample=same, vectorise=False)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    c = stochastic_run(method, game, z0, 12, runs=5, seed=5, same_sample=same)
    assert np.abs(a - c).max() > 1e-3  # another seed, other samples
    assert np.isfinite(a).all() and a.shape == (5, 13, 4)


@pytest.mark.parametrize(
    "method",
    [GDA(0.2), ExtraGradient(0.2), Lookahead(GDA(0.2), 4, 0.5), IterateAverage(GDA(0.2))],
    ids=repr,
)
def test_without_noise_a_stochastic_run_is_the_deterministic_run(method):
    z0 = QUADRATIC.default_point() + 1.0
    out = stochastic_run(method, AdditiveNoise(QUADRATIC, 0.0), z0, 20, runs=3)
    expected = gamedyn.run(method, QUADRATIC, z0, 20)
    for r in range(3):
        np.testing.assert_allclose(out[r], expected, rtol=1e-12, atol=1e-12)


def test_extragradient_samples_each_evaluation_unless_told_to_share():
    """With one sample ξ shared, EG's update is z − η(v(z − η(v(z) + ξ)) + ξ); with two it is
    not: read the samples back from the generator and recompute one step by hand."""
    game = AdditiveNoise(QUADRATIC, 0.3)
    z0 = QUADRATIC.default_point()
    lr = 0.2
    J, b = QUADRATIC.J, QUADRATIC.b

    def v(z):
        return J @ z + b

    for same, g in ((False, 2), (True, 1)):
        out = stochastic_run(ExtraGradient(lr), game, z0, 1, runs=2, seed=9, same_sample=same)
        xi = game.sample(torch.Generator().manual_seed(9), 2 * g).reshape(2, g, -1)
        for r in range(2):
            first, second = xi[r, 0], xi[r, -1]
            half = z0 - lr * (v(z0) + first)
            expected = z0 - lr * (v(half) + second)
            np.testing.assert_allclose(out[r, 1], expected, atol=1e-12)


def test_optimistic_gda_reuses_its_stored_noisy_gradient():
    game = AdditiveNoise(QUADRATIC, 0.3)
    z0 = QUADRATIC.default_point() + 0.5
    lr = 0.1
    out = stochastic_run(OptimisticGDA(lr), game, z0, 3, runs=1, seed=2)
    xi = game.sample(torch.Generator().manual_seed(2), 3)  # one sample per step, not two
    J, b = QUADRATIC.J, QUADRATIC.b
    z, past = z0, torch.zeros(3, dtype=torch.float64)
    for t in range(3):
        g = J @ z + b + xi[t]
        z, past = z - 2 * lr * g + past, lr * g
        np.testing.assert_allclose(out[0, t + 1], z, atol=1e-12)


def test_minibatch_runs_of_a_torch_game_loop_and_are_reproducible():
    real, latent = tiny_batch(3, 12)
    game = MinibatchGame(tiny_gan(), real, latent, batch_size=4)
    z0 = game.mean.default_point()
    a = stochastic_run(GDA(0.05), game, z0, 3, runs=2, seed=1)
    b = stochastic_run(GDA(0.05), game, z0, 3, runs=2, seed=1)
    np.testing.assert_array_equal(a, b)
    idx = game.sample(torch.Generator().manual_seed(1), 2)  # step 1 of both runs
    one = z0 - 0.05 * game.field(z0, idx[0])
    np.testing.assert_allclose(a[0, 1], one.detach().numpy(), atol=1e-12)
    assert np.abs(a[0] - a[1]).max() > 0


def test_distances_and_bad_inputs():
    out = np.zeros((2, 3, 2))
    np.testing.assert_allclose(distances(out, [3.0, 4.0]), 5.0)
    with pytest.raises(TypeError, match="StochasticGame"):
        stochastic_run(GDA(0.1), QUADRATIC, [0.0, 0.0, 0.0], 3)
    with pytest.raises(ValueError, match="runs"):
        stochastic_run(GDA(0.1), AdditiveNoise(QUADRATIC, 1.0), [0.0, 0.0, 0.0], 3, runs=0)


@pytest.mark.slow
def test_the_stationary_mean_of_one_sample_extragradient_is_biased_as_computed():
    from gamedyn.games import seed_bilinear
    from gamedyn.stochastic import stationary_mean

    game, lr = seed_bilinear(4), 0.3
    m = stationary_mean(ExtraGradient(lr), game, same_sample=True)
    Js = [g.J.numpy() for g in game.games]
    cs = [g.b.numpy() for g in game.games]
    EJ2 = np.mean([J @ J for J in Js], 0)
    EJc = np.mean([J @ c for J, c in zip(Js, cs, strict=True)], 0)
    hand = np.linalg.solve(np.mean(Js, 0) - lr * EJ2, -np.mean(cs, 0) + lr * EJc)
    np.testing.assert_allclose(m, hand, atol=1e-10)
    z_star = game.mean.default_point().numpy()
    assert np.linalg.norm(m - z_star) > 0.5  # not the equilibrium
    # Monte Carlo: the iterates' long-run mean is m*, not z*
    out = stochastic_run(ExtraGradient(lr), game, m, 400, runs=400, seed=0, same_sample=True)
    per_run = out[:, 100:].mean(1)
    se = per_run.std(0, ddof=1) / np.sqrt(per_run.shape[0])
    assert np.all(np.abs(per_run.mean(0) - m) < 4.5 * se)
    with pytest.raises(ValueError, match="spectral radius"):
        stationary_mean(GDA(lr), game)
