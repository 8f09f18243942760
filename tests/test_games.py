"""Games: analytic fields and Jacobians vs autograd and finite differences; Dirac-GAN spectra."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from helpers import central_gradient, central_jacobian, random_bilinear, random_quadratic, tensor
from torch.func import jacfwd

from gamedyn.games import Bilinear, DiracGAN, FunctionGame, Game, Quadratic

DIRAC_VARIANTS = [
    dict(loss=loss, reg=reg, gamma=0.7)
    for loss, reg in itertools.product(
        ["standard", "non-saturating", "wgan"], [None, "r1", "r2", "gp", "consensus"]
    )
] + [
    dict(loss="standard", noise_std=0.6),
    dict(loss="non-saturating", reg="r1", gamma=0.4, noise_std=0.3),
    dict(loss="wgan", noise_std=0.8),
]

BUILT_IN = (
    [random_bilinear(s, 2, 3, linear=True) for s in range(2)]
    + [random_quadratic(s, 2, 3, linear=True) for s in range(2)]
    + [DiracGAN(**kw) for kw in DIRAC_VARIANTS]
)


def random_point(game: Game, seed: int) -> np.ndarray:
    z = np.random.default_rng(seed).uniform(-1.2, 1.2, game.n)
    if isinstance(game, DiracGAN):
        z[1] = np.sign(z[1]) * max(abs(z[1]), 0.2)  # keep clear of the kink of the GP at ψ = 0
    return z


@pytest.mark.parametrize("game", BUILT_IN, ids=repr)
def test_field_is_the_gradient_of_the_losses(game):
    for seed in range(3):
        z = random_point(game, seed)
        analytic = game.field(tensor(z)).numpy()
        autograd = Game.field(game, tensor(z)).numpy()  # the base class: grad of the losses
        x, y = z[: game.nx], z[game.nx :]

        def loss_x(xx, y=y):
            return game.losses(tensor(np.concatenate([xx, y])))[0].item()

        def loss_y(yy, x=x):
            return game.losses(tensor(np.concatenate([x, yy])))[1].item()

        fd = np.concatenate([central_gradient(loss_x, x), central_gradient(loss_y, y)])
        np.testing.assert_allclose(analytic, autograd, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(analytic, fd, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("game", BUILT_IN, ids=repr)
def test_jacobian_against_autograd_and_finite_differences(game):
    for seed in range(3):
        z = random_point(game, seed)
        analytic = game.jacobian(tensor(z)).numpy()
        autograd = jacfwd(game.field)(tensor(z)).numpy()
        fd = central_jacobian(lambda p: game.field(tensor(p)).numpy(), z)
        assert analytic.shape == (game.n, game.n)
        np.testing.assert_allclose(analytic, autograd, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(analytic, fd, rtol=1e-7, atol=1e-8)


def test_bilinear_field_and_spectrum():
    A = np.array([[2.0, 1.0], [0.0, 1.0]])
    b, c = np.array([1.0, -1.0]), np.array([0.5, 2.0])
    game = Bilinear(A, b, c)
    x, y = np.array([0.3, -0.7]), np.array([1.1, 0.2])
    v = game.field(tensor(np.concatenate([x, y]))).numpy()
    np.testing.assert_allclose(v, np.concatenate([A @ y + b, -A.T @ x - c]), atol=1e-15)
    lam = np.linalg.eigvals(game.J.numpy())
    sigma = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(np.sort(lam.imag), np.sort(np.concatenate([sigma, -sigma])))
    np.testing.assert_allclose(lam.real, 0, atol=1e-14)
    z_star = game.fixed_point().numpy()
    np.testing.assert_allclose(game.field(tensor(z_star)).numpy(), 0, atol=1e-14)


def test_bilinear_is_zero_sum():
    game = random_bilinear(3, 2, 3, linear=True)
    z = tensor(np.random.default_rng(1).standard_normal(5))
    lx, ly = game.losses(z)
    assert lx.item() == pytest.approx(-ly.item(), abs=1e-15)


def test_function_game_matches_bilinear():
    game = random_bilinear(4, 2, 2, linear=True)
    A, b, c = game.A, game.b_x, game.c_y

    def loss(x, y):
        return x @ A @ y + b @ x + c @ y

    fgame = FunctionGame(loss, lambda x, y: -loss(x, y), 2, 2)
    z = tensor([0.1, -0.4, 0.9, 0.3])
    np.testing.assert_allclose(fgame.field(z).numpy(), game.field(z).numpy(), atol=1e-14)
    np.testing.assert_allclose(fgame.jacobian(z).numpy(), game.J.numpy(), atol=1e-14)


F_PRIME_0 = {"standard": 0.5, "non-saturating": 0.5, "wgan": 1.0}


@pytest.mark.parametrize("loss", ["standard", "non-saturating", "wgan"])
def test_dirac_equilibrium_is_a_pure_rotation(loss):
    J = DiracGAN(loss).jacobian(torch.zeros(2, dtype=torch.float64)).numpy()
    fp = F_PRIME_0[loss]
    np.testing.assert_allclose(J, [[0, fp], [-fp, 0]], atol=1e-15)
    lam = np.sort_complex(np.linalg.eigvals(J))
    np.testing.assert_allclose(lam, [-1j * fp, 1j * fp], atol=1e-15)


@pytest.mark.parametrize("loss", ["standard", "wgan"])
@pytest.mark.parametrize("reg", ["r1", "r2"])
@pytest.mark.parametrize("gamma", [0.3, 1.0, 2.5])
def test_dirac_r1_eigenvalues(loss, reg, gamma):
    game = DiracGAN(loss, reg=reg, gamma=gamma)
    lam = np.linalg.eigvals(game.jacobian(game.equilibrium).numpy())
    fp = F_PRIME_0[loss]
    root = np.sqrt(complex(gamma**2 / 4 - fp**2))
    expected = [gamma / 2 + root, gamma / 2 - root]
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(expected), atol=1e-7)
    assert np.all(lam.real > 0)


def test_dirac_instance_noise_damps_the_discriminator():
    sigma = 0.5
    J = DiracGAN("standard", noise_std=sigma).jacobian(torch.zeros(2, dtype=torch.float64))
    # −2σ² f''(0) with f''(0) = −1/4 for the standard GAN.
    np.testing.assert_allclose(J.numpy(), [[0, 0.5], [-0.5, 2 * sigma**2 / 4]], atol=1e-14)


def test_dirac_consensus_regulariser_is_the_consensus_field():
    plain, gamma = DiracGAN("non-saturating"), 0.8
    reg = DiracGAN("non-saturating", reg="consensus", gamma=gamma)
    z = tensor([0.7, -0.4])
    v0 = plain.field(z)
    expected = v0 + gamma * jacfwd(plain.field)(z).T @ v0
    np.testing.assert_allclose(reg.field(z).numpy(), expected.numpy(), atol=1e-15)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Bilinear([[1.0, np.nan]]), "A has non-finite"),
        (lambda: Bilinear([1.0, 2.0]), "A must be a 2-D"),
        (lambda: Bilinear([[1.0]], b=[1.0, 2.0]), "b must have length 1"),
        (lambda: Bilinear([[1.0]], c=[np.inf]), "c has non-finite"),
        (lambda: Bilinear([["a"]]), "A must be a real numeric"),
        (lambda: Quadratic([[1.0, 2.0], [0.0, 1.0]], [[1.0]], [[1], [1]], [[1, 1]]), "symmetric"),
        (
            lambda: Quadratic([[1.0]], [[1.0]], [[1.0, 2.0]], [[1.0]]),
            r"Axy must have shape \(1, 1\)",
        ),
        (lambda: DiracGAN("gan"), "unknown loss 'gan'"),
        (lambda: DiracGAN(reg="r3"), "unknown reg 'r3'"),
        (lambda: DiracGAN(gamma=-1.0), "gamma must be >= 0"),
        (lambda: DiracGAN(noise_std=float("nan")), "noise_std must be finite"),
        (lambda: DiracGAN(reg="consensus", gamma=1.0, noise_std=0.1), "consensus"),
        (lambda: FunctionGame(lambda x, y: x, lambda x, y: y.sum(), 2, 1), "loss_x must return"),
        (lambda: FunctionGame(lambda x, y: x.sum(), lambda x, y: y.sum(), 0, 1), "nx must be"),
    ],
)
def test_bad_game_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_point_checks_length_and_values():
    game = random_bilinear(0)
    with pytest.raises(ValueError, match=r"z has length 3 but Bilinear has n = nx \+ ny = 2 \+ 2"):
        game.point([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="non-finite"):
        game.point([1.0, np.nan, 0.0, 0.0])
    with pytest.raises(ValueError, match="1-D"):
        game.point(np.zeros((2, 2)))
