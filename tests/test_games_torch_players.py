"""The players' private copies (gamedyn.games._torch_players): the hook-based spectral norm and
weight norm (``torch.nn.utils.spectral_norm``, ``torch.nn.utils.weight_norm``) give the same game
as the parametrisations with the same weights — field, ``J u`` and ``Jᵀ u`` to 1e-12 — and
match central finite differences; the power iteration never runs; the paths are listed and
recorded."""

from __future__ import annotations

import warnings

import pytest
import torch
from helpers import central_jacobian, tiny_batch, user_dcgan
from torch import nn
from torch.func import jvp, vjp
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from gamedyn.analysis import analyse
from gamedyn.games import TorchGame
from gamedyn.games._torch_players import ExactWeightNormHook, FrozenSpectralNorm
from gamedyn.spectrum import KrylovSchur

F64 = torch.float64


def _hook_weight_norm(module: nn.Module) -> nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return nn.utils.weight_norm(module)


def _stale(module: nn.Module, seed: int = 3) -> nn.Module:
    """Move every parameter after the norms were set up, so the stored ``u``, ``v`` are stale
    (as after an optimiser step)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=gen))
    return module


def _players(hook: bool, conv: bool) -> tuple[nn.Module, nn.Module]:
    """Spectral norm in both players (``ConvTranspose2d``: ``dim = 1``), weight norm in G."""
    sn = nn.utils.spectral_norm if hook else spectral_norm
    wn = _hook_weight_norm if hook else weight_norm
    torch.manual_seed(0)
    if conv:
        G = nn.Sequential(
            nn.Linear(2, 8),
            nn.Unflatten(1, (2, 2, 2)),
            sn(nn.ConvTranspose2d(2, 1, 3)),
            nn.Tanh(),
        )
        D = nn.Sequential(
            sn(nn.Conv2d(1, 2, 3)), nn.LeakyReLU(0.2), nn.Flatten(), wn(nn.Linear(8, 1))
        )
    else:
        G = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), wn(nn.Linear(4, 2)))
        D = nn.Sequential(sn(nn.Linear(2, 5)), nn.Tanh(), sn(nn.Linear(5, 1)))
    return _stale(G, 3), _stale(D, 4)


_SPECTRAL = {
    "weight_orig": "parametrizations.weight.original",
    "weight_u": "parametrizations.weight.0._u",
    "weight_v": "parametrizations.weight.0._v",
}
_WEIGHT = {
    "weight_g": "parametrizations.weight.original0",
    "weight_v": "parametrizations.weight.original1",
}


def _as_parametrisations(hooked: nn.Module, target: nn.Module) -> nn.Module:
    """``target`` (the parametrised twin) loaded with the hook module's weights, ``u``, ``v``."""
    state = {}
    for key, value in hooked.state_dict().items():
        path, _, name = key.rpartition(".")
        names = _WEIGHT if hasattr(hooked.get_submodule(path), "weight_g") else _SPECTRAL
        state[f"{path}.{names.get(name, name)}"] = value
    target.load_state_dict(state, strict=True)
    return target


def _games(conv: bool, reg: str | None) -> tuple[TorchGame, TorchGame]:
    hooked = _players(hook=True, conv=conv)
    twins = [_as_parametrisations(h, t) for h, t in zip(hooked, _players(False, conv), strict=True)]
    if conv:
        gen = torch.Generator().manual_seed(2)
        batch = (torch.randn(6, 1, 4, 4, generator=gen), torch.randn(6, 2, generator=gen))
    else:
        batch = tiny_batch(seed=2, size=6)
    options = {"reg": reg, "reg_weight": 0.7}
    return (
        TorchGame(*hooked, "non-saturating", *batch, **options),
        TorchGame(*twins, "non-saturating", *batch, **options),
    )


@pytest.mark.parametrize(
    "conv,reg",
    [(False, None), (False, "r1"), (True, None), pytest.param(True, "r1", marks=pytest.mark.slow)],
    ids=["linear", "linear-r1", "conv", "conv-r1"],
)
def test_hook_norms_give_the_parametrisations_game(conv, reg):
    hook, param = _games(conv, reg)
    assert torch.equal(hook.z0, param.z0)  # z holds weight_orig / weight_g, weight_v
    z = hook.z0 + 0.05 * torch.randn(hook.n, generator=torch.Generator().manual_seed(0), dtype=F64)
    torch.testing.assert_close(hook.field(z), param.field(z), rtol=1e-12, atol=1e-12)
    u = torch.randn(hook.n, generator=torch.Generator().manual_seed(1), dtype=F64)
    Ju_hook = jvp(hook.field, (z,), (u,))[1]
    torch.testing.assert_close(Ju_hook, jvp(param.field, (z,), (u,))[1], rtol=1e-12, atol=1e-12)
    JTu_hook = vjp(hook.field, z)[1](u)[0]
    torch.testing.assert_close(JTu_hook, vjp(param.field, z)[1](u)[0], rtol=1e-12, atol=1e-12)
    # the lists: hooks by module path and tensor name, parametrisations by their own path
    if conv:
        assert hook.frozen_spectral_norms == ["generator.2.weight", "discriminator.0.weight"]
        assert hook.replaced_layers == ["discriminator.3.weight"]
    else:
        assert hook.frozen_spectral_norms == ["discriminator.0.weight", "discriminator.2.weight"]
        assert hook.replaced_layers == ["generator.2.weight"]
    assert len(param.frozen_spectral_norms) == len(hook.frozen_spectral_norms)
    assert all(p.endswith("parametrizations.weight.0") for p in param.frozen_spectral_norms)


@pytest.mark.parametrize("conv,reg", [(False, "r1"), (True, None)], ids=["linear-r1", "conv"])
def test_hook_norm_jacobian_matches_finite_differences(conv, reg):
    """``J u`` against the central difference of the field along ``u``; on the MLP the whole
    ``J`` against central differences too."""
    hook, _ = _games(conv, reg)
    z, h = hook.z0, 1e-5
    u = torch.randn(hook.n, generator=torch.Generator().manual_seed(5), dtype=F64)
    directional = (hook.field(z + h * u) - hook.field(z - h * u)) / (2 * h)
    Ju = jvp(hook.field, (z,), (u,))[1]
    assert float((Ju - directional).norm() / directional.norm()) < 1e-6
    if not conv:
        J = hook.jacobian(z)
        fd = central_jacobian(hook.field, z, h=h)
        assert float((J - fd).norm() / fd.norm()) < 1e-6
        torch.testing.assert_close(Ju, J @ u, rtol=1e-10, atol=1e-12)


def test_hook_spectral_norm_is_frozen_and_eval_mode_pytorch():
    """``W / (uᵀ W v)`` with the stored ``u``, ``v``: PyTorch's own hook in eval mode; the
    copy's buffers never move, in training mode too."""
    (G, D) = _players(hook=True, conv=False)
    assert D.training
    u_before = D[0].weight_u.clone()
    game = TorchGame(G, D, "hinge", *tiny_batch(seed=2, size=6))
    copy_d = game.discriminator.module
    assert isinstance(
        copy_d[0]._forward_pre_hooks[next(iter(copy_d[0]._forward_pre_hooks))], FrozenSpectralNorm
    )
    u = torch.randn(game.n, dtype=F64)
    jvp(game.field, (game.z0,), (u,))
    vjp(game.field, game.z0)[1](u)
    torch.testing.assert_close(copy_d[0].weight_u, u_before.double(), rtol=0, atol=0)
    assert torch.equal(D[0].weight_u, u_before)
    reference = _players(hook=True, conv=False)[1].double().eval()
    with torch.no_grad():
        expected = reference(game.real)
    got = game.discriminator(game.split(game.z0)[1], game.real)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    # after a call, no transformed tensor is left in the module's attribute
    assert copy_d[0].weight.grad_fn is None and copy_d[0].weight.dtype == F64


def test_pytorch_weight_norm_hook_has_no_forward_mode_derivative():
    """Why the hook is replaced: PyTorch's fused ``_weight_norm`` fails under ``jvp``."""
    module = _hook_weight_norm(nn.Linear(2, 3)).double()
    params = {k: p.detach() for k, p in module.named_parameters()}
    tangents = {k: torch.ones_like(p) for k, p in params.items()}
    x = torch.randn(4, 2, dtype=F64)
    with pytest.raises(Exception):  # noqa: B017 (NotImplementedError / RuntimeError by version)
        jvp(lambda p: torch.func.functional_call(module, p, (x,)), (params,), (tangents,))
    hook = next(iter(module._forward_pre_hooks.values()))
    exact = ExactWeightNormHook(hook.name, hook.dim)
    torch.testing.assert_close(
        exact.weight(module), hook.compute_weight(module), rtol=1e-14, atol=0
    )


def test_analysis_records_the_frozen_hooks():
    hook, _ = _games(False, None)
    record = analyse(hook, k=2, solver=KrylovSchur(tol=1e-10))
    assert record.settings["frozen_spectral_norms"] == hook.frozen_spectral_norms
    assert record.settings["replaced_layers"] == ["generator.2.weight"]
    assert "loaded" not in record.settings  # built from modules, not from a checkpoint


@pytest.mark.slow
def test_in_place_activations_give_exact_adams_operator_repeatable_products():
    """PyTorch's DCGAN style (``ReLU(True)``, ``LeakyReLU(0.2, inplace=True)``): the game's copy
    computes them out of place, so exact Adam's operator (nested derivatives of its step) gives
    the same product on every call, equal to the out-of-place players' (in place, the second
    product was 0.3 % off and the third 3 %, at this size); the user's modules keep their flag."""
    import numpy as np

    from gamedyn.methods import Adam, OptimiserState
    from gamedyn.spectrum import JacobianOperator

    g = torch.Generator().manual_seed(1)
    real, latent = torch.randn(64, 1, 8, 8, generator=g), torch.randn(64, 16, 1, 1, generator=g)
    products = {}
    for inplace in (True, False):
        G, D = user_dcgan(inplace=inplace)
        game = TorchGame(G, D, "non-saturating", real, latent)
        r = torch.Generator().manual_seed(2)
        moments = {
            "exp_avg": 0.01 * torch.randn(game.n, generator=r, dtype=torch.float64),
            "exp_avg_sq": 1e-3 * torch.rand(game.n, generator=r, dtype=torch.float64) + 1e-4,
        }
        start = OptimiserState(moments, (5, 5), game.nx)
        op = JacobianOperator(
            game, None, Adam(2e-4, betas=(0.5, 0.999), start=start, alternating=True)
        )
        u = np.random.default_rng(0).standard_normal(op.shape[0])
        products[inplace] = [op.matvec(u) for _ in range(3)]
        assert D[1].inplace is inplace and G[2].inplace is inplace  # the user's modules untouched
    for inplace, (first, *later) in products.items():
        assert all(np.array_equal(first, p) for p in later), inplace
    assert np.array_equal(products[True][0], products[False][0])


class _TiedGenerator(nn.Module):
    """An autoencoder-style generator whose output layer reuses the input layer's weight."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.out = nn.Linear(4, 3)
        self.out.weight = nn.Parameter(torch.randn(3, 4))
        self.back = nn.Linear(3, 4)
        self.back.weight = self.inp.weight  # tied: one tensor, two names

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.inp(u))) + torch.tanh(self.back(u)).sum(1, keepdim=True)


def test_tied_weights_reach_every_name_and_untied_players_skip_the_untying():
    """A weight tied under two names is one coordinate of ``z`` that both uses see (the field
    equals autograd on the user's module, where the two uses' gradients add), and players
    without ties call ``functional_call`` with ``tie_weights=False`` (no walk over the module
    per call): the same field as with untying, bit for bit."""
    torch.manual_seed(0)
    G, D = _TiedGenerator().double(), nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    D = D.double()
    real, latent = torch.randn(8, 3, dtype=F64), torch.randn(8, 3, dtype=F64)
    game = TorchGame(G, D, "non-saturating", real, latent)
    assert game.generator.tied and not game.discriminator.tied
    assert game.nx == sum(p.numel() for p in G.parameters())  # the tied weight counted once

    fake = G(latent)
    real_logits, fake_logits = D(real), D(fake)
    softplus = nn.functional.softplus
    loss_g = softplus(-fake_logits).mean()
    loss_d = softplus(-real_logits).mean() + softplus(fake_logits).mean()
    grad_g = torch.autograd.grad(loss_g, list(G.parameters()), retain_graph=True)
    grad_d = torch.autograd.grad(loss_d, list(D.parameters()))
    expected = torch.cat([g.reshape(-1) for g in (*grad_g, *grad_d)])
    torch.testing.assert_close(game.field(game.z0), expected, rtol=1e-12, atol=1e-14)

    y = game.split(game.z0)[1]
    each = game.discriminator.each(y, real, fake.detach())
    untied = torch.func.functional_call(
        game.discriminator.module, game.discriminator.unflatten(y), (real,), tie_weights=True
    )
    assert torch.equal(each[0], untied)
    assert torch.equal(each[1], game.discriminator(y, fake.detach()))
