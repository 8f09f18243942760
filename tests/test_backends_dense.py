"""The torch backend (gamedyn.backends._dense): the primitives for opponent shaping and
data-dependent steps, ``loss_gradients``, ``dot``, ``if_nonnegative`` and ``size``, on every
kind of game; ``MatrixFreeOps`` inherits them."""

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
from torch.func import jacfwd, jacrev

from gamedyn.backends import MatrixFreeOps, TorchOps
from gamedyn.games import AveragedGame, DiracGAN

GAMES = {
    "bilinear": lambda: random_bilinear(0, 2, 3, linear=True),
    "quadratic": lambda: random_quadratic(1, linear=True),
    "dirac-saturating": lambda: DiracGAN("saturating"),
    "dirac-non-saturating-noise": lambda: DiracGAN(
        "non-saturating", reg="r1", gamma=0.3, noise_std=0.2
    ),
    "dirac-wgan-gp": lambda: DiracGAN("wgan", reg="gp", gamma=0.5),
    "dirac-consensus": lambda: DiracGAN("saturating", reg="consensus", gamma=0.5),
    "function": lambda: cubic_game().torch,
    "symbolic": lambda: cubic_game().sympy,
    "averaged": lambda: AveragedGame([random_quadratic(1), random_quadratic(2)]),
    "torch-gan": lambda: tiny_gan(discriminator_width=3, dim=1, reg="r1", reg_weight=0.3),
}


@pytest.mark.parametrize("ops_class", [TorchOps, MatrixFreeOps])
@pytest.mark.parametrize("name", GAMES)
def test_loss_gradients_are_the_losses_central_differences(name, ops_class):
    game = GAMES[name]()
    z = game.z0.numpy() if hasattr(game, "z0") else np.random.default_rng(3).uniform(-1, 1, game.n)
    gx, gy = ops_class(game).loss_gradients(tensor(z))
    for i, g in enumerate((gx, gy)):
        fd = central_gradient(lambda p, i=i: float(game.losses(tensor(p))[i]), z, h=1e-6)
        np.testing.assert_allclose(g.detach().numpy(), fd, rtol=1e-6, atol=1e-8)
    # their diagonal parts are the field
    field = torch.cat([gx[: game.nx], gy[game.nx :]])
    np.testing.assert_allclose(
        field.detach().numpy(), game.field(tensor(z)).detach().numpy(), atol=1e-12
    )


def test_dot_and_if_nonnegative_are_differentiated_like_the_vectors():
    ops = TorchOps(random_quadratic(0))

    def f(z):  # a step-like map with an inner product and a branch on it
        s = ops.dot(z, z) - 1.0
        return ops.if_nonnegative(s, 2.0, s) * z

    for z in (tensor([0.3, 0.2, -0.1, 0.4]), tensor([1.0, 0.2, -0.8, 0.4])):
        s = float(z @ z) - 1
        expected = (2.0 * np.eye(4)) if s >= 0 else (s * np.eye(4) + 2 * np.outer(z, z))
        np.testing.assert_allclose(jacfwd(f)(z).numpy(), expected, atol=1e-14)
        np.testing.assert_allclose(jacrev(f)(z).numpy(), expected, atol=1e-14)
    assert ops.size(tensor([1.0, 2.0, 3.0])) == 3
    # numbers become scalars of the vectors' dtype (not float32)
    chosen = ops.if_nonnegative(ops.dot(tensor([1.0]), tensor([1.0])), 0.1, 0.2)
    assert chosen.dtype == torch.float64 and float(chosen) == 0.1
