"""TorchGame (gamedyn.games._torch_game): the field against autograd and finite differences,
every loss and regulariser, BatchNorm without running-stat updates, and what is refused (dropout
in training mode). Spectral and weight norms, both kinds: tests/test_games_torch_players.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import central_gradient, central_jacobian, tiny_gan, tiny_players
from torch import nn

from gamedyn.games import Game, TorchGame
from gamedyn.vocabulary import GAN_LOSSES

REGS = (None, "r1", "r2", "gp")


def _pair(bn: bool = False) -> tuple[nn.Module, nn.Module]:
    return tiny_players(discriminator_width=5, discriminator_norm=nn.BatchNorm1d(5) if bn else None)


def _game(loss="non-saturating", reg=None, bn=False, **kwargs) -> TorchGame:
    return tiny_gan(loss, players=_pair(bn), batch_size=6, reg=reg, reg_weight=0.7, **kwargs)


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize("loss", GAN_LOSSES)
def test_field_is_the_gradient_of_the_losses(loss, reg):
    game = _game(loss, reg)
    z = game.z0 + 0.1 * torch.randn(game.n, dtype=torch.float64)
    v = game.field(z)
    # autograd of the losses (the base class's generic field)
    torch.testing.assert_close(v, Game.field(game, z), rtol=1e-12, atol=1e-13)
    # central finite differences of each player's loss in its own parameters
    gx = central_gradient(lambda w: game.losses(w)[0], z)[: game.nx]
    gy = central_gradient(lambda w: game.losses(w)[1], z)[game.nx :]
    np.testing.assert_allclose(v.numpy(), torch.cat([gx, gy]).numpy(), atol=1e-7)


@pytest.mark.parametrize("loss,reg", [("non-saturating", "r1"), ("wgan", "gp"), ("hinge", None)])
def test_jacobian_matches_finite_differences_of_the_field(loss, reg):
    game = _game(loss, reg)
    z = game.z0
    J = game.jacobian(z)
    fd = central_jacobian(game.field, z, h=1e-5)
    np.testing.assert_allclose(J.numpy(), fd.numpy(), atol=1e-7)


def test_z0_and_losses_follow_the_modules():
    G, D = _pair()
    game = TorchGame(G, D, "non-saturating", torch.randn(4, 2), torch.randn(4, 2))
    flat = torch.cat([p.detach().reshape(-1) for p in (*G.parameters(), *D.parameters())])
    torch.testing.assert_close(game.z0, flat.double())
    assert game.nx == sum(p.numel() for p in G.parameters())
    # the non-saturating losses by hand
    with torch.no_grad():
        fake = G.double()(game.latent)
        D = D.double()
        ld = nn.functional.softplus(-D(game.real)).mean() + nn.functional.softplus(D(fake)).mean()
        lg = nn.functional.softplus(-D(fake)).mean()
    l_g, l_d = game.losses(game.z0)
    torch.testing.assert_close((l_g, l_d), (lg, ld))


def test_float32_game():
    game = _game(dtype=torch.float32)
    assert game.z0.dtype == torch.float32 and game.field(game.z0).dtype == torch.float32
    v64 = _game().field(_game().z0)
    np.testing.assert_allclose(game.field(game.z0).numpy(), v64.numpy(), atol=1e-5)


def test_batchnorm_uses_batch_statistics_and_leaves_running_stats():
    G, D = _pair(bn=True)
    bn = D[1]
    before = {k: v.clone() for k, v in D.state_dict().items()}
    game = TorchGame(G, D, "non-saturating", torch.randn(6, 2), torch.randn(6, 2))
    v = game.field(game.z0)
    game.jacobian(game.z0)
    for k, value in D.state_dict().items():
        torch.testing.assert_close(value, before[k], rtol=0, atol=0)
    copy_bn = game.discriminator.module[1]
    torch.testing.assert_close(copy_bn.running_mean, bn.running_mean.double(), rtol=0, atol=0)
    assert int(copy_bn.num_batches_tracked) == 0
    # with batch statistics the logits are those of a training-mode forward pass
    torch.testing.assert_close(v, Game.field(game, game.z0))
    with torch.no_grad():
        D2 = D.double()
        logits = D2(game.real)
    z_real = game.discriminator(game.split(game.z0)[1], game.real)
    torch.testing.assert_close(z_real, logits)


def test_dropout_in_training_mode_is_refused_and_eval_accepted():
    G, _ = _pair()
    D = nn.Sequential(nn.Linear(2, 5), nn.Dropout(0.3), nn.Linear(5, 1))
    with pytest.raises(ValueError, match=r"discriminator\.1 is Dropout.*eval"):
        TorchGame(G, D, "wgan", torch.randn(4, 2), torch.randn(4, 2))
    game = TorchGame(G, D.eval(), "wgan", torch.randn(4, 2), torch.randn(4, 2))
    torch.testing.assert_close(game.field(game.z0), game.field(game.z0))


def test_bad_arguments_are_named():
    G, D = _pair()
    real, latent = torch.randn(4, 2), torch.randn(4, 2)
    with pytest.raises(ValueError, match="'least-squares'"):
        TorchGame(G, D, "least-squares", real, latent)
    with pytest.raises(ValueError, match="'r3'"):
        TorchGame(G, D, "wgan", real, latent, reg="r3")
    with pytest.raises(ValueError, match="reg_weight"):
        TorchGame(G, D, "wgan", real, latent, reg="r1", reg_weight=-1.0)
    with pytest.raises(TypeError, match="generator must be a torch.nn.Module"):
        TorchGame(lambda z: z, D, "wgan", real, latent)
    game = TorchGame(G, D, "wgan", real, latent)
    with pytest.raises(ValueError, match="length n"):
        game.field(game.point(torch.zeros(3, dtype=torch.float64)))


def test_with_batch_shares_the_players_and_equals_a_fresh_game():
    G, D = _pair()
    g = torch.Generator().manual_seed(5)
    real, latent = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g)
    game = TorchGame(G, D, "wgan", torch.randn(4, 2), torch.randn(4, 2), reg="gp", reg_weight=1.0)
    other = game.with_batch(real, latent, gp_seed=3)
    fresh = TorchGame(G, D, "wgan", real, latent, reg="gp", reg_weight=1.0, gp_seed=3)
    assert other.generator is game.generator and other.real.shape[0] == 6
    assert torch.equal(other.field(game.z0), fresh.field(game.z0))
    assert not torch.equal(other.field(game.z0), game.field(game.z0))
    assert game.real.shape[0] == 4  # the original is unchanged


@pytest.mark.parametrize(
    "options",
    [
        {"loss": "non-saturating"},
        {"loss": "saturating"},
        {"loss": "wgan"},
        {"loss": "hinge"},
        {"discriminator_norm": nn.BatchNorm1d(6)},
        {"dtype": torch.float32},
        {"reg": "r1", "reg_weight": 0.0},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
@pytest.mark.filterwarnings("ignore:reg='r1' with reg_weight = 0 adds nothing:UserWarning")
def test_lean_field_is_bit_identical(options):
    """The lean field (no backward pass of zeros) against the field with both losses pulled
    back through one shared discriminator graph: torch.equal, and the same products."""
    game = tiny_gan(**options)
    z = game.z0 + 0.01 * torch.arange(game.n, dtype=game.z0.dtype) / game.n
    assert torch.equal(game.field(z), game._field_both_losses(z))
    u = torch.linspace(-1, 1, game.n, dtype=z.dtype)
    value, lean = torch.func.jvp(game.field, (z,), (u,))  # the lean pullbacks, by torch.func
    assert torch.equal(value, game.field(z))  # the same as a training step's two backward passes
    both = torch.func.jvp(game._field_both_losses, (z,), (u,))[1]
    tol = 1e-5 if z.dtype == torch.float32 else 1e-13
    torch.testing.assert_close(lean, both, rtol=tol, atol=tol)
