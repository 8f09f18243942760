"""Normalisation layers written with elementary tensor ops, so that every derivative is exact.

PyTorch's fused normalisation kernels (``native_layer_norm``, ``native_batch_norm`` and the
``instance_norm`` built on it) have hand-written derivative formulas. Their third derivatives —
needed for ``J u`` when the discriminator's loss carries an input-gradient penalty (R1, R2,
WGAN-GP), and for the operator Jacobians of consensus optimisation and CGD, which differentiate
``Jᵀ v`` — come back *silently wrong* in PyTorch 2.13 (float64, 3–190 % relative error against
central finite differences, for double backward and forward-over-reverse alike). The same
functions composed of ``mean``, ``sub``, ``mul`` and ``rsqrt`` differentiate correctly to any
order. The modules below compute exactly those functions and keep the original modules'
parameter and buffer names, so state dicts and flattened parameter vectors do not change.

Conventions (as in PyTorch): the variance is the *biased* one, ``σ² = E (u − μ)²``, and
``ε`` is added inside the square root, ``(u − μ) / √(σ² + ε)``.

:func:`exact_replacement` maps a PyTorch module to its exact twin, sharing the parameter and
buffer tensors (no copies), or returns ``None`` for a module that needs no replacement.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import _WeightNorm

Tensor = torch.Tensor

BATCHNORM_MODES = ("batch", "running")


def _normalise(u: Tensor, mean: Tensor, var: Tensor, eps: float) -> Tensor:
    """``(u − μ) / √(σ² + ε)`` with elementary, arbitrarily differentiable ops."""
    return (u - mean) * torch.rsqrt(var + eps)


def _moments(u: Tensor, dims: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean and biased variance of ``u`` over ``dims`` (kept as size-1 dimensions)."""
    mean = u.mean(dim=dims, keepdim=True)
    var = (u - mean).square().mean(dim=dims, keepdim=True)
    return mean, var


class ExactLayerNorm(nn.Module):
    """``y = (u − μ) / √(σ² + ε) ⊙ γ + β``, moments over the last ``len(normalized_shape)`` dims.

    The function of :class:`torch.nn.LayerNorm` (Ba et al. 2016), written with elementary ops so
    that its derivatives of every order are exact. ``weight`` (``γ``) and ``bias`` (``β``) have
    the same names, shapes and presence as in the module it replaces.

    Args:
      module: the :class:`torch.nn.LayerNorm` to replace; its parameters are shared, not copied.
    """

    def __init__(self, module: nn.LayerNorm):
        super().__init__()
        self.normalized_shape = tuple(module.normalized_shape)
        self.eps = float(module.eps)
        self.elementwise_affine = bool(module.elementwise_affine)
        self.weight = module.weight
        self.bias = module.bias
        self.train(module.training)

    def forward(self, u: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if tuple(u.shape[u.ndim - k :]) != self.normalized_shape:
            raise ValueError(
                f"ExactLayerNorm expects trailing dimensions {self.normalized_shape}, "
                f"got input of shape {tuple(u.shape)}"
            )
        mean, var = _moments(u, tuple(range(-k, 0)))
        y = _normalise(u, mean, var, self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


def _batchnorm_input_dims(module: nn.Module) -> tuple[int, ...]:
    """The input ranks PyTorch's ``BatchNorm{1,2,3}d`` accept (``SyncBatchNorm``: any ≥ 2)."""
    if isinstance(module, nn.BatchNorm1d):
        return (2, 3)
    if isinstance(module, nn.BatchNorm2d):
        return (4,)
    if isinstance(module, nn.BatchNorm3d):
        return (5,)
    return tuple(range(2, 9))


class ExactBatchNorm(nn.Module):
    """Batch normalisation (Ioffe & Szegedy 2015) over channel dimension 1, exactly differentiable.

    ``y = (u − μ) / √(σ² + ε) ⊙ γ + β`` per channel ``c``, with

    * ``statistics="batch"``: ``μ, σ²`` the mean and biased variance of the evaluation batch
      over the batch and spatial dimensions ``(N, L)``, ``(N, H, W)`` or ``(N, D, H, W)`` — the
      function a training-mode ``BatchNorm`` computes. The running statistics are never
      updated (the field stays a pure function of the parameters).
    * ``statistics="running"``: ``μ, σ²`` the stored ``running_mean`` and ``running_var`` —
      the function an eval-mode ``BatchNorm`` computes, an affine map.

    ``weight``, ``bias``, ``running_mean``, ``running_var`` and ``num_batches_tracked`` are the
    replaced module's own tensors under the same names.

    Args:
      module: the ``BatchNorm1d/2d/3d`` (or ``SyncBatchNorm``) to replace.
      statistics: ``"batch"`` or ``"running"``.
    """

    def __init__(self, module: nn.modules.batchnorm._BatchNorm, statistics: str):
        super().__init__()
        if statistics not in BATCHNORM_MODES:
            raise ValueError(f"statistics must be one of {BATCHNORM_MODES}, got {statistics!r}")
        if statistics == "running" and module.running_mean is None:
            raise ValueError(
                f"{type(module).__name__} has no running statistics "
                "(track_running_stats=False): use batch statistics"
            )
        self.statistics = statistics
        self.num_features = int(module.num_features)
        self.eps = float(module.eps)
        self.affine = bool(module.affine)
        self.weight = module.weight
        self.bias = module.bias
        self.register_buffer("running_mean", module.running_mean)
        self.register_buffer("running_var", module.running_var)
        self.register_buffer("num_batches_tracked", module.num_batches_tracked)
        self.input_dims = _batchnorm_input_dims(module)
        self.train(module.training)

    def forward(self, u: Tensor) -> Tensor:
        if u.ndim not in self.input_dims or u.shape[1] != self.num_features:
            raise ValueError(
                f"ExactBatchNorm expects a {' or '.join(map(str, self.input_dims))}-D input "
                f"(N, {self.num_features}, ...), got shape {tuple(u.shape)}"
            )
        shape = (1, -1) + (1,) * (u.ndim - 2)
        if self.statistics == "batch":
            if u.numel() // u.shape[1] <= 1:
                raise ValueError(
                    f"batch statistics need more than 1 value per channel, got input of shape "
                    f"{tuple(u.shape)}"
                )
            mean, var = _moments(u, (0, *range(2, u.ndim)))
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        y = _normalise(u, mean, var, self.eps)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, affine={self.affine}, "
            f"statistics={self.statistics!r}"
        )


class ExactInstanceNorm(nn.Module):
    """Instance normalisation (Ulyanov et al. 2016), exactly differentiable.

    ``y = (u − μ) / √(σ² + ε) ⊙ γ + β`` with ``μ, σ²`` the mean and biased variance of each
    sample and channel over the spatial dimensions — or, for a module in eval mode with
    ``track_running_stats=True``, the stored running statistics (as PyTorch does). Inputs
    without a batch dimension (``(C, L)``, ``(C, H, W)``, ...) are accepted like PyTorch's.
    """

    def __init__(self, module: nn.modules.instancenorm._InstanceNorm):
        super().__init__()
        self.num_features = int(module.num_features)
        self.eps = float(module.eps)
        self.affine = bool(module.affine)
        self.use_running = bool(module.track_running_stats and not module.training)
        self.weight = module.weight
        self.bias = module.bias
        self.register_buffer("running_mean", module.running_mean)
        self.register_buffer("running_var", module.running_var)
        self.register_buffer("num_batches_tracked", module.num_batches_tracked)
        self._spatial = int(module._get_no_batch_dim()) - 1
        self.train(module.training)

    def forward(self, u: Tensor) -> Tensor:
        unbatched = u.ndim == self._spatial + 1
        if unbatched:
            u = u.unsqueeze(0)
        if u.ndim != self._spatial + 2 or u.shape[1] != self.num_features:
            raise ValueError(
                f"ExactInstanceNorm expects (N, {self.num_features}, ...) with "
                f"{self._spatial} spatial dimensions, got {tuple(u.shape)}"
            )
        shape = (1, -1) + (1,) * (u.ndim - 2)
        if self.use_running:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        else:
            mean, var = _moments(u, tuple(range(2, u.ndim)))
        y = _normalise(u, mean, var, self.eps)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, affine={self.affine}, "
            f"running_statistics={self.use_running}"
        )


class ExactWeightNorm(nn.Module):
    """Weight normalisation (Salimans & Kingma 2016) ``w = g · v / ‖v‖``, exactly differentiable.

    The parametrisation of :func:`torch.nn.utils.parametrizations.weight_norm`: the norm is
    over every dimension of ``v`` except ``dim`` (over all of them for ``dim = -1``, i.e.
    ``dim=None``). PyTorch's fused ``_weight_norm`` has no forward-mode derivative, so ``jvp``
    and ``jacfwd`` would fail through it.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.dim = int(dim)

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        if self.dim == -1:
            norm = weight_v.square().sum().sqrt()
        else:
            keep = self.dim % weight_v.ndim
            dims = tuple(d for d in range(weight_v.ndim) if d != keep)
            norm = weight_v.square().sum(dim=dims, keepdim=True).sqrt()
        return weight_v * (weight_g / norm)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def exact_replacement(module: nn.Module, batchnorm: str = "batch") -> nn.Module | None:
    """The exactly differentiable twin of a PyTorch normalisation layer, or ``None``.

    * :class:`torch.nn.LayerNorm` → :class:`ExactLayerNorm`;
    * ``BatchNorm1d/2d/3d``, ``SyncBatchNorm`` → :class:`ExactBatchNorm` with the statistics
      ``batchnorm`` (``"batch"`` or ``"running"``), whatever the module's ``training`` flag;
    * ``InstanceNorm1d/2d/3d`` → :class:`ExactInstanceNorm`;
    * the parametrisation of ``parametrizations.weight_norm`` → :class:`ExactWeightNorm`;
    * anything else (``GroupNorm``, ``RMSNorm``, ``LocalResponseNorm`` and all non-normalisation
      layers, whose derivatives are exact as they are) → ``None``. So is a subclass of the
      layers above that overrides ``forward``: its function is not known here.

    Parameters and buffers are shared with ``module``. Lazy modules must be initialised first
    (one forward pass).
    """
    if isinstance(module, nn.modules.lazy.LazyModuleMixin) and module.has_uninitialized_params():
        raise ValueError(
            f"{type(module).__name__} is uninitialised: run one forward pass before analysis"
        )
    if _computes(module, nn.LayerNorm):
        return ExactLayerNorm(module)
    if _computes(module, nn.modules.batchnorm._BatchNorm, nn.SyncBatchNorm):
        return ExactBatchNorm(module, batchnorm)
    if _computes(module, nn.modules.instancenorm._InstanceNorm):
        return ExactInstanceNorm(module)
    if _computes(module, _WeightNorm):
        return ExactWeightNorm(module.dim)
    return None


def _computes(module: nn.Module, base: type, *others: type) -> bool:
    """``module`` is a ``base`` whose ``forward`` is one of PyTorch's own (not overridden)."""
    if not isinstance(module, base):
        return False
    return any(type(module).forward is cls.forward for cls in (base, *others))


__all__ = [
    "BATCHNORM_MODES",
    "ExactBatchNorm",
    "ExactInstanceNorm",
    "ExactLayerNorm",
    "ExactWeightNorm",
    "exact_replacement",
]
