"""TorchGame's known traps (issue #7): normalisation layers with wrong third derivatives, spectral
norm's power iteration, BatchNorm statistics, and the caller's modules left bit-identical.

Every Jacobian is held against central finite differences of the field (float64). Tests named
``test_pytorch_...`` document PyTorch's own behaviour: if PyTorch fixes it, they fail and tell us
that the workaround may go.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch
from helpers import central_jacobian, mlp, tiny_batch, tiny_gan
from torch import nn
from torch.func import jacfwd, jvp, vjp, vmap
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from gamedyn.games import TorchGame
from gamedyn.games._torch_layers import (
    ExactBatchNorm,
    ExactInstanceNorm,
    ExactLayerNorm,
    ExactWeightNorm,
    exact_replacement,
)
from gamedyn.spectrum import game_jacobian

F64 = torch.float64


def _fd_jacobian(f, z: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Central differences with this file's step ``h = 1e-5`` (helpers.central_jacobian)."""
    return central_jacobian(f, z, h)


def _relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def _perturb(module: nn.Module, scale: float = 0.3, seed: int = 3) -> nn.Module:
    """Move every parameter off its initial value (LayerNorm's γ = 1, β = 0 are too special)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def _generator(width: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return mlp(2, width, 2)


def _discriminator(norm: nn.Module) -> nn.Module:
    torch.manual_seed(1)
    return _perturb(mlp(2, 5, 1, norm=norm))


def _game(D: nn.Module, reg: str | None = "gp", G: nn.Module | None = None, **kw) -> TorchGame:
    G = _generator() if G is None else G
    batch = tiny_batch(seed=2, size=6)
    return tiny_gan("wgan", players=(G, D), batch=batch, reg=reg, reg_weight=0.7, **kw)


def _native_twin(twin: nn.Module) -> nn.Module:
    """PyTorch's own layer computing the same function as an exact twin, sharing its tensors."""
    if isinstance(twin, ExactLayerNorm):
        native = nn.LayerNorm(twin.normalized_shape, twin.eps, twin.elementwise_affine, dtype=F64)
    elif isinstance(twin, ExactBatchNorm):
        native = nn.BatchNorm1d(twin.num_features, twin.eps, track_running_stats=False, dtype=F64)
    else:
        raise TypeError(type(twin))
    native.weight, native.bias = twin.weight, twin.bias
    return native


# ---------------------------------------------------------------------------------------------
# (a) normalisation layers and input-gradient penalties
# ---------------------------------------------------------------------------------------------

PENALISED = [
    ("LayerNorm", lambda: nn.LayerNorm(5), "gp"),
    ("LayerNorm", lambda: nn.LayerNorm(5), "r1"),
    ("LayerNorm-no-affine", lambda: nn.LayerNorm(5, elementwise_affine=False), "r2"),
    ("BatchNorm-train", lambda: nn.BatchNorm1d(5), "gp"),
    ("BatchNorm-train", lambda: nn.BatchNorm1d(5), "r1"),
]


@pytest.mark.parametrize("label,norm,reg", PENALISED, ids=[f"{a}-{c}" for a, _, c in PENALISED])
def test_penalised_jacobian_through_normalisation_matches_finite_differences(label, norm, reg):
    game = _game(_discriminator(norm()), reg)
    assert game.replaced_layers == ["discriminator.1"]
    z = game.z0
    fd = _fd_jacobian(game.field, z)
    assert _relative_error(game.jacobian(z), fd) < 1e-6
    assert _relative_error(jacfwd(game.field)(z), fd) < 1e-6
    # reverse over reverse (Jᵀ through jacrev) is exact too
    assert _relative_error(torch.func.jacrev(game.field)(z), fd) < 1e-6


@pytest.mark.parametrize("label,norm,reg", PENALISED, ids=[f"{a}-{c}" for a, _, c in PENALISED])
def test_pytorch_fused_normalisation_third_derivatives_are_wrong(label, norm, reg):
    """PyTorch 2.13: 3–60 % relative error here. If this fails, PyTorch has fixed its kernels."""
    game = _game(_discriminator(norm()), reg)
    module = game.discriminator.module
    module[1] = _native_twin(module[1])  # the raw PyTorch layer, same parameters
    z = game.z0
    fd = _fd_jacobian(game.field, z)
    assert _relative_error(jacfwd(game.field)(z), fd) > 1e-3


@pytest.mark.slow
def test_instance_norm_with_penalty_matches_finite_differences():
    """InstanceNorm (training mode, instance statistics) is wrong in PyTorch too; replaced."""
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Unflatten(1, (2, 2, 2)))
    D = _perturb(
        nn.Sequential(
            nn.Conv2d(2, 3, 1),
            nn.InstanceNorm2d(3, affine=True),
            nn.Tanh(),
            nn.Flatten(),
            nn.Linear(12, 1),
        )
    )
    g = torch.Generator().manual_seed(1)
    real, latent = torch.randn(5, 2, 2, 2, generator=g), torch.randn(5, 2, generator=g)
    game = TorchGame(G, D, "wgan", real, latent, reg="r1", reg_weight=0.7)
    assert game.replaced_layers == ["discriminator.1"]
    z = game.z0
    assert _relative_error(game.jacobian(z), _fd_jacobian(game.field, z, h=1e-4)) < 1e-6


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: nn.LayerNorm(5), (7, 5)),
        (lambda: nn.LayerNorm([3, 4], eps=1e-3), (2, 6, 3, 4)),
        (lambda: nn.LayerNorm(5, elementwise_affine=False), (7, 5)),
        (lambda: nn.LayerNorm(5, bias=False), (7, 5)),
        (lambda: nn.BatchNorm1d(5), (7, 5)),
        (lambda: nn.BatchNorm1d(5, affine=False), (7, 5, 3)),
        (lambda: nn.BatchNorm2d(3, eps=1e-3), (4, 3, 2, 5)),
        (lambda: nn.BatchNorm3d(3), (2, 3, 2, 2, 2)),
        (lambda: nn.InstanceNorm1d(3), (4, 3, 6)),
        (lambda: nn.InstanceNorm1d(3), (3, 6)),
        (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (4, 3, 2, 5)),
    ],
)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("statistics", ["batch", "running"])
def test_exact_twins_compute_the_same_function(make, shape, training, statistics):
    torch.manual_seed(0)
    module = _perturb(make().double())
    for name, b in module.named_buffers():  # non-trivial running statistics
        if name == "running_mean":
            b.copy_(torch.randn_like(b))
        if name == "running_var":
            b.copy_(torch.rand_like(b) + 0.5)
    module.train(training)
    u = torch.randn(shape, dtype=F64)
    twin = exact_replacement(module, statistics)
    reference = copy.deepcopy(module)  # PyTorch's layer writes running statistics in training
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        reference.train(statistics == "batch")
    expected = reference(u)
    torch.testing.assert_close(twin(u), expected, rtol=1e-12, atol=1e-12)
    # the same tensors, under the same names, and no buffer written
    assert list(twin.state_dict()) == list(module.state_dict())
    for (k, a), b in zip(twin.state_dict().items(), module.state_dict().values(), strict=True):
        assert a is b or (a.data_ptr() == b.data_ptr() and torch.equal(a, b)), k


def test_replacement_keeps_names_and_z0():
    D = nn.Sequential(
        nn.Linear(2, 5), nn.LayerNorm(5), nn.Tanh(), nn.Linear(5, 5), nn.BatchNorm1d(5)
    )
    D = _perturb(nn.Sequential(D, nn.Tanh(), nn.Linear(5, 1)))
    G = _generator()
    game = _game(D, G=G)
    assert game.replaced_layers == ["discriminator.0.1", "discriminator.0.4"]
    assert isinstance(game.discriminator.module[0][1], ExactLayerNorm)
    assert isinstance(game.discriminator.module[0][4], ExactBatchNorm)
    assert list(game.discriminator.module.state_dict()) == list(D.state_dict())
    flat = torch.cat([p.detach().reshape(-1) for p in (*G.parameters(), *D.parameters())])
    assert torch.equal(game.z0, flat.double())
    assert "replaced_layers=2" in repr(game)


@pytest.mark.slow
def test_shared_normalisation_layer_is_replaced_once():
    norm = nn.LayerNorm(5)
    D = _perturb(nn.Sequential(nn.Linear(2, 5), norm, nn.Tanh(), nn.Linear(5, 5), norm))
    D = nn.Sequential(D, nn.Linear(5, 1))
    game = _game(D)
    copy_ = game.discriminator.module[0]
    assert copy_[1] is copy_[4] and isinstance(copy_[1], ExactLayerNorm)
    assert _relative_error(game.jacobian(game.z0), _fd_jacobian(game.field, game.z0)) < 1e-6


class _FunctionalLayerNorm(nn.Module):
    """A hand-made layer that calls the fused kernel: cannot be replaced, must be caught."""

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return nn.functional.layer_norm(u, u.shape[-1:])


class _ScaledLayerNorm(nn.LayerNorm):
    """A LayerNorm subclass with its own forward: not replaced (unknown function), caught."""

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return 2 * super().forward(u)


def test_layer_norm_subclass_with_own_forward_is_not_replaced_but_caught():
    assert exact_replacement(_ScaledLayerNorm(5)) is None
    with pytest.raises(ValueError, match=r"discriminator\.1 \(_ScaledLayerNorm\) calls"):
        _game(_discriminator(_ScaledLayerNorm(5)), "r2")


def test_functional_fused_normalisation_is_refused_with_penalty_and_warned_without():
    D = _discriminator(_FunctionalLayerNorm())
    pattern = r"discriminator\.1 \(_FunctionalLayerNorm\) calls torch\.nn\.functional\.layer_norm"
    with pytest.raises(ValueError, match=pattern):
        _game(D, "gp")
    with pytest.warns(UserWarning, match=pattern):
        _game(D, None)


class _FunctionalBatchNorm(nn.Module):
    def __init__(self, training: bool) -> None:
        super().__init__()
        self.use_batch = training
        self.register_buffer("mean", torch.zeros(5))
        self.register_buffer("var", torch.ones(5))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return nn.functional.batch_norm(u, self.mean, self.var, training=self.use_batch, momentum=0)


def test_functional_batch_norm_is_flagged_only_with_batch_statistics():
    with pytest.raises(ValueError, match=r"calls torch\.nn\.functional\.batch_norm"):
        _game(_discriminator(_FunctionalBatchNorm(True)), "r1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        game = _game(_discriminator(_FunctionalBatchNorm(False)), "r1")
    assert _relative_error(game.jacobian(game.z0), _fd_jacobian(game.field, game.z0)) < 1e-6


class _Noisy(nn.Module):
    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return u + 0.1 * torch.randn_like(u)


class _Counter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return u


def test_random_or_stateful_forward_is_refused():
    with pytest.raises(ValueError, match="discriminator: two forward passes .* differ"):
        _game(_discriminator(_Noisy()), None)
    with pytest.raises(ValueError, match="generator: the forward pass writes the buffer '1.calls'"):
        G = nn.Sequential(nn.Linear(2, 4), _Counter(), nn.Linear(4, 2))
        _game(_discriminator(nn.Identity()), None, G=G)


# ---------------------------------------------------------------------------------------------
# (b) spectral normalisation
# ---------------------------------------------------------------------------------------------


def _sn_discriminator() -> nn.Module:
    """A spectrally normalised D whose stored ``u``, ``v`` are stale (as after an SGD step)."""
    torch.manual_seed(1)
    D = nn.Sequential(
        spectral_norm(nn.Linear(2, 5)), nn.Tanh(), spectral_norm(nn.Linear(5, 1)), nn.Tanh()
    )
    D = nn.Sequential(D, nn.Linear(1, 1))
    with torch.no_grad():
        for p in D.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return D


def test_pytorch_spectral_norm_in_training_mode_drifts_and_breaks_forward_mode():
    D = _sn_discriminator()
    sn = D[0][0].parametrizations.weight[0]
    u = sn._u.clone()
    D(torch.randn(3, 2))  # a forward in training mode runs the power iteration in place
    assert not torch.equal(sn._u, u)
    params = {k: p.detach() for k, p in D.named_parameters()}
    tangents = {k: torch.ones_like(p) for k, p in params.items()}
    with pytest.raises(Exception):  # noqa: B017 (forward AD through the in-place update)
        jvp(
            lambda p: torch.func.functional_call(D, p, (torch.randn(3, 2),)), (params,), (tangents,)
        )


@pytest.mark.parametrize("reg", [None, "gp"])
def test_spectral_norm_game_is_pure_and_matches_finite_differences(reg):
    D = _sn_discriminator()
    G = _generator()
    game = _game(D, reg, G=G)
    assert game.frozen_spectral_norms == [
        "discriminator.0.0.parametrizations.weight.0",
        "discriminator.0.2.parametrizations.weight.0",
    ]
    names = [k for k, _ in D.named_parameters()]
    assert "0.0.parametrizations.weight.original" in names
    flat = torch.cat([p.detach().reshape(-1) for p in (*G.parameters(), *D.parameters())])
    assert torch.equal(game.z0, flat.double())
    z = game.z0
    J = game.jacobian(z)
    assert _relative_error(J, _fd_jacobian(game.field, z)) < 1e-6
    # forward and reverse products, and vmap over them, agree with the dense Jacobian
    u = torch.randn(game.n, dtype=F64)
    _, Ju = jvp(game.field, (z,), (u,))
    _, pull = vjp(game.field, z)
    torch.testing.assert_close(Ju, J @ u, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(pull(u)[0], J.T @ u, rtol=1e-10, atol=1e-12)
    U = torch.randn(3, game.n, dtype=F64)
    JU = vmap(lambda w: jvp(game.field, (z,), (w,))[1])(U)
    torch.testing.assert_close(JU, U @ J.T, rtol=1e-10, atol=1e-12)
    # the discriminator is the eval-mode module: σ = uᵀ W v with the stored u, v
    reference = copy.deepcopy(D).double().eval()
    with torch.no_grad():
        expected = reference(game.real)
    torch.testing.assert_close(game.discriminator(game.split(z)[1], game.real), expected)
    assert "frozen_spectral_norms=2" in repr(game)


def test_weight_norm_parametrisation_is_supported():
    torch.manual_seed(1)
    D = _perturb(nn.Sequential(weight_norm(nn.Linear(2, 5)), nn.Tanh(), nn.Linear(5, 1)))
    game = _game(D, "r1")
    assert game.frozen_spectral_norms == []
    assert game.replaced_layers == ["discriminator.0.parametrizations.weight.0"]
    assert _relative_error(game.jacobian(game.z0), _fd_jacobian(game.field, game.z0)) < 1e-6


@pytest.mark.parametrize("dim", [0, 1, None])
def test_exact_weight_norm_is_pytorchs(dim):
    torch.manual_seed(0)
    module = weight_norm(nn.Linear(3, 4).double(), dim=dim)
    _perturb(module)
    g, v = module.parametrizations.weight.original0, module.parametrizations.weight.original1
    twin = exact_replacement(module.parametrizations.weight[0])
    assert isinstance(twin, ExactWeightNorm)
    torch.testing.assert_close(twin(g, v), module.weight, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# (c) BatchNorm statistics, determinism, and the caller's modules untouched
# ---------------------------------------------------------------------------------------------


def _bn_sn_pair(hook: bool = False) -> tuple[nn.Module, nn.Module]:
    """G with BatchNorm, D with spectral norm (the parametrisation, or with ``hook`` the
    hook-based ``torch.nn.utils.spectral_norm``) and BatchNorm; trained a little (train mode)."""
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
    sn = nn.utils.spectral_norm if hook else spectral_norm
    D = nn.Sequential(sn(nn.Linear(2, 5)), nn.BatchNorm1d(5), nn.Tanh(), nn.Linear(5, 1))
    opt = torch.optim.SGD([*G.parameters(), *D.parameters()], lr=0.1)
    for _ in range(3):  # running statistics, num_batches_tracked and u, v all move
        opt.zero_grad()
        D(G(torch.randn(8, 2))).mean().backward()
        opt.step()
    return G, D


def _snapshot(module: nn.Module) -> dict[str, object]:
    state = {f"param:{k}": p.detach().clone() for k, p in module.named_parameters()}
    state |= {f"buffer:{k}": b.clone() for k, b in module.named_buffers()}
    state |= {f"training:{k}": m.training for k, m in module.named_modules()}
    state |= {f"requires_grad:{k}": p.requires_grad for k, p in module.named_parameters()}
    for path, sub in module.named_modules():  # what a norm hook last wrote (a plain attribute)
        for hook in sub._forward_pre_hooks.values():
            if hasattr(hook, "name") and isinstance(getattr(sub, hook.name, None), torch.Tensor):
                weight = getattr(sub, hook.name)
                state[f"hook:{path}.{hook.name}"] = weight.detach().clone()
                state[f"hook-graph:{path}.{hook.name}"] = weight.grad_fn is not None
                state[f"hooks:{path}"] = [type(h).__name__ for h in sub._forward_pre_hooks.values()]
    return state


def _assert_identical(before: dict[str, object], after: dict[str, object]) -> None:
    assert before.keys() == after.keys()
    for k, value in before.items():
        if isinstance(value, torch.Tensor):
            assert value.dtype == after[k].dtype and torch.equal(value, after[k]), k
        else:
            assert value == after[k], k


@pytest.mark.parametrize("hook", [False, True], ids=["parametrisation", "hook"])
@pytest.mark.parametrize("batchnorm", ["batch", "running"])
def test_callers_modules_are_bit_identical_after_the_analysis(batchnorm, hook):
    G, D = _bn_sn_pair(hook)
    assert int(D[1].num_batches_tracked) == 3 and G.training and D.training
    before_g, before_d = _snapshot(G), _snapshot(D)
    game = _game(D, "gp", G=G, batchnorm=batchnorm)
    z, u = game.z0, torch.randn(game.n, dtype=F64)
    game.field(z)
    jvp(game.field, (z,), (u,))
    _, pull = vjp(game.field, z)
    pull(u)
    J = game_jacobian(game, z)
    _assert_identical(before_g, _snapshot(G))
    _assert_identical(before_d, _snapshot(D))
    # the game's own copy is not written either: a second analysis is bit-identical
    assert np.array_equal(J, game_jacobian(game, z))
    assert np.array_equal(J, game_jacobian(_game(D, "gp", G=G, batchnorm=batchnorm), z))
    assert game.replaced_layers == ["generator.1", "discriminator.1"]
    frozen = "discriminator.0.weight" if hook else "discriminator.0.parametrizations.weight.0"
    assert game.frozen_spectral_norms == [frozen]


@pytest.mark.parametrize("batchnorm", ["batch", "running"])
def test_batchnorm_game_jacobian_matches_finite_differences(batchnorm):
    G, D = _bn_sn_pair()
    game = _game(D, "gp", G=G, batchnorm=batchnorm)
    assert _relative_error(game.jacobian(game.z0), _fd_jacobian(game.field, game.z0)) < 1e-6


@pytest.mark.parametrize("batchnorm", ["batch", "running"])
def test_batchnorm_statistics_are_the_chosen_ones(batchnorm):
    G, D = _bn_sn_pair()
    game = _game(D, None, G=G, batchnorm=batchnorm)
    assert game.batchnorm == batchnorm and f"batchnorm={batchnorm!r}" in repr(game)
    x, y = game.split(game.z0)
    # "running" is the eval-mode module; "batch" a training-mode forward without stat updates
    reference_g = copy.deepcopy(G).double().train(batchnorm == "batch")
    reference_d = copy.deepcopy(D).double().train(batchnorm == "batch")
    reference_d[0].parametrizations.weight[0].eval()  # spectral norm: stored u, v
    with torch.no_grad():
        expected_fake, expected_logits = reference_g(game.latent), reference_d(game.real)
    torch.testing.assert_close(game.fake(x), expected_fake, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(
        game.discriminator(y, game.real), expected_logits, rtol=1e-12, atol=1e-12
    )


def test_batchnorm_argument_is_validated():
    G, D = _bn_sn_pair()
    with pytest.raises(ValueError, match="batchnorm must be 'batch' .* or 'running'.*'eval'"):
        _game(D, None, G=G, batchnorm="eval")
    D_untracked = _discriminator(nn.BatchNorm1d(5, track_running_stats=False))
    with pytest.raises(ValueError, match=r"discriminator\.1: BatchNorm1d has no running"):
        _game(D_untracked, None, batchnorm="running")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _game(D_untracked, None, batchnorm="batch").replaced_layers == ["discriminator.1"]


def test_exact_instance_norm_and_batch_norm_refuse_wrong_inputs():
    with pytest.raises(ValueError, match="4-D input"):
        ExactBatchNorm(nn.BatchNorm2d(3), "batch")(torch.randn(2, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        ExactBatchNorm(nn.BatchNorm1d(3), "batch")(torch.randn(1, 3))
    with pytest.raises(ValueError, match="statistics must be one of"):
        ExactBatchNorm(nn.BatchNorm1d(3), "eval")
    with pytest.raises(ValueError, match="spatial"):
        ExactInstanceNorm(nn.InstanceNorm2d(3))(torch.randn(2, 3, 4))
