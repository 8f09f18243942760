"""A player's private copy: prepared once so its forward is a pure, exactly differentiable map.

:func:`prepare` deep-copies a module to the game's dtype and device and, in the copy only:

* swaps every LayerNorm, BatchNorm and InstanceNorm (and weight-norm parametrisation) for its
  exact twin (:func:`gamedyn.games._torch_layers.exact_replacement`; same parameter and buffer
  names), listing the paths replaced;
* puts every ``parametrizations.spectral_norm`` in eval mode, which freezes its power-iteration
  vectors ``u``, ``v`` at their stored values (``σ = uᵀ W v``, differentiable in ``W``), listing
  the paths frozen;
* replaces the forward pre-hook of every hook-based ``torch.nn.utils.spectral_norm`` by
  :class:`FrozenSpectralNorm` (the same ``W / (uᵀ W v)`` with the stored ``weight_u``,
  ``weight_v``; ``z`` holds ``weight_orig``), and of every hook-based
  ``torch.nn.utils.weight_norm`` by :class:`ExactWeightNormHook` (``g · v / ‖v‖`` in elementary
  ops), listing the paths (``"discriminator.0.weight"``: the module and the tensor's name);
* turns off ``requires_grad`` (the copy's parameters are never trained; ``z`` replaces them).

:class:`Player` maps between the copy's trainable parameters and the player's part of the flat
vector ``z`` (``torch.func.functional_call``).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import nn
from torch.func import functional_call
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm
from torch.nn.utils.spectral_norm import SpectralNorm
from torch.nn.utils.weight_norm import WeightNorm

from ._torch_layers import ExactWeightNorm, exact_replacement
from ._torch_purity import check_module

Tensor = torch.Tensor

__all__ = [
    "FrozenSpectralNorm",
    "ExactWeightNormHook",
    "Player",
    "prepare",
    "normalisation_hooks",
    "trainable_names",
]


_NORMALISATIONS = (
    nn.LayerNorm,
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
)


def _replace_normalisation(name: str, module: nn.Module, batchnorm: str) -> list[str]:
    """Swap, in place, every module with an exact twin (:func:`exact_replacement`); their paths.

    A module reachable under several paths (shared) is replaced once, by one twin, everywhere.
    """
    twins: dict[int, nn.Module | None] = {}
    replaced: list[str] = []
    for path, sub in list(module.named_modules(remove_duplicate=False)):
        if not path:
            continue
        where = f"{name}.{path}"
        if id(sub) not in twins:
            if parametrize.is_parametrized(sub) and isinstance(sub, _NORMALISATIONS):
                raise ValueError(f"{where}: a parametrised normalisation layer is not supported")
            try:
                twins[id(sub)] = exact_replacement(sub, batchnorm)
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            if twins[id(sub)] is not None:
                replaced.append(where)
        twin = twins[id(sub)]
        if twin is not None:
            parent_path, _, child = path.rpartition(".")
            setattr(module.get_submodule(parent_path), child, twin)
    return replaced


def _freeze_spectral_norms(name: str, module: nn.Module) -> list[str]:
    """Put every ``parametrizations.spectral_norm`` in eval mode (no power iteration); paths."""
    frozen = []
    for path, sub in module.named_modules():
        if not parametrize.is_parametrized(sub):
            continue
        prefix = f"{name}.{path}" if path else name
        for tensor_name, plist in sub.parametrizations.items():
            for i, p in enumerate(plist):
                if isinstance(p, _SpectralNorm):
                    p.eval()
                    frozen.append(f"{prefix}.parametrizations.{tensor_name}.{i}")
    return frozen


class _HookNorm:
    """A forward pre-hook that sets ``module.<name>`` from other tensors of the module, and
    resets it after the forward (a forward hook with ``always_call``), so that no tensor of a
    torch.func transform outlives the call in the module's attributes."""

    def __init__(self, name: str):
        self.name = name
        self.resting: Tensor | None = None

    def weight(self, module: nn.Module) -> Tensor:
        raise NotImplementedError

    def __call__(self, module: nn.Module, inputs: Any) -> None:
        setattr(module, self.name, self.weight(module))

    def rest(self, module: nn.Module, inputs: Any, output: Any) -> None:
        setattr(module, self.name, self.resting)

    def install(self, module: nn.Module, key: int) -> None:
        """Take the place of the pre-hook ``key`` of ``module`` (same position)."""
        module._forward_pre_hooks[key] = self
        with torch.no_grad():
            self.resting = self.weight(module).detach()
        setattr(module, self.name, self.resting)
        module.register_forward_hook(self.rest, always_call=True)


class FrozenSpectralNorm(_HookNorm):
    """The hook of ``torch.nn.utils.spectral_norm`` without its power iteration.

    ``W_SN = W / σ`` with ``σ = uᵀ W_mat v``, ``W = weight_orig`` (in ``z``), ``u = weight_u``,
    ``v = weight_v`` the stored buffers (frozen), and ``W_mat`` the weight with dimension
    ``dim`` moved first and the others flattened: the function PyTorch's hook computes in eval
    mode, and the same as the frozen ``parametrizations.spectral_norm``; differentiable in
    ``W`` (as in training, where ``u`` and ``v`` are updated without gradient).
    """

    def __init__(self, name: str, dim: int):
        super().__init__(name)
        self.dim = int(dim)

    def weight(self, module: nn.Module) -> Tensor:
        w = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = w.movedim(self.dim, 0).reshape(w.shape[self.dim], -1)
        return w / torch.dot(u, torch.mv(matrix, v))


class ExactWeightNormHook(_HookNorm):
    """The hook of ``torch.nn.utils.weight_norm`` in elementary ops: ``w = g · v / ‖v‖``
    (:class:`~gamedyn.games._torch_layers.ExactWeightNorm`; PyTorch's fused ``_weight_norm``
    has no forward-mode derivative), from the parameters ``weight_g`` and ``weight_v``."""

    def __init__(self, name: str, dim: int):
        super().__init__(name)
        self.exact = ExactWeightNorm(-1 if dim is None else dim)

    def weight(self, module: nn.Module) -> Tensor:
        return self.exact(getattr(module, self.name + "_g"), getattr(module, self.name + "_v"))


def normalisation_hooks(module: nn.Module) -> list[tuple[str, str, int, Any]]:
    """The hook-based spectral and weight norms of ``module``: ``(path, kind, key, hook)`` with
    ``path`` the submodule's path and the tensor's name (``"0.weight"``), ``kind``
    ``"spectral_norm"`` or ``"weight_norm"``, ``key`` the hook's key in
    ``_forward_pre_hooks``."""
    found = []
    for path, sub in module.named_modules():
        for key, hook in sub._forward_pre_hooks.items():
            kind = {SpectralNorm: "spectral_norm", WeightNorm: "weight_norm"}.get(type(hook))
            if kind is not None:
                found.append((f"{path}.{hook.name}" if path else hook.name, kind, key, hook))
    return found


def _replace_hooks(name: str, module: nn.Module) -> tuple[list[str], list[str]]:
    """Swap the hook-based norms' pre-hooks (:func:`normalisation_hooks`) for
    :class:`FrozenSpectralNorm` and :class:`ExactWeightNormHook`; the paths of each."""
    frozen, replaced = [], []
    for path, kind, key, hook in normalisation_hooks(module):
        sub = module.get_submodule(path.rpartition(".")[0])
        if kind == "spectral_norm":
            FrozenSpectralNorm(hook.name, hook.dim).install(sub, key)
            frozen.append(f"{name}.{path}")
        else:
            ExactWeightNormHook(hook.name, hook.dim).install(sub, key)
            replaced.append(f"{name}.{path}")
    return frozen, replaced


def _deepcopy(module: nn.Module) -> nn.Module:
    """``copy.deepcopy(module)``, where the weight a norm hook last wrote (a non-leaf tensor
    after a training step, which deepcopy refuses) is copied detached; ``module`` untouched."""
    memo: dict[int, Any] = {}
    for path, _, _, hook in normalisation_hooks(module):
        sub = module.get_submodule(path.rpartition(".")[0])
        current = getattr(sub, hook.name, None)
        if isinstance(current, Tensor) and not current.is_leaf:
            memo[id(current)] = current.detach().clone()
    return copy.deepcopy(module, memo)


def _out_of_place(module: nn.Module) -> None:
    """Every submodule with an ``inplace`` flag (``nn.ReLU(True)``, ``nn.LeakyReLU(0.2,
    inplace=True)``, ... as in PyTorch's DCGAN example) computes out of place: the same function,
    without overwriting its input. In place, an activation overwrites a tensor that the nested
    derivatives of an optimiser's step (exact Adam's operator) read again, and their products
    came out different from one call to the next (no error raised)."""
    for sub in module.modules():
        if getattr(sub, "inplace", None) is True:
            sub.inplace = False


def prepare(
    name: str, module: nn.Module, dtype: torch.dtype, device: Any, batchnorm: str
) -> tuple[nn.Module, list[str], list[str]]:
    """A deep copy in ``dtype`` on ``device`` whose forward is a pure, exactly differentiable map
    (activations out of place: :func:`_out_of_place`).

    Returns the copy, the paths of the normalisation layers replaced (weight-norm hooks
    included) and of the spectral norms frozen (parametrisations, then hooks).
    """
    check_module(name, module)
    copy_ = _deepcopy(module).to(dtype=dtype, device=device)
    _out_of_place(copy_)
    replaced = _replace_normalisation(name, copy_, batchnorm)
    frozen = _freeze_spectral_norms(name, copy_)
    hook_frozen, hook_replaced = _replace_hooks(name, copy_)
    for p in copy_.parameters():
        p.requires_grad_(False)
    return copy_, replaced + hook_replaced, frozen + hook_frozen


class Player:
    """One player's trainable parameters: names, shapes and their place in the flat vector."""

    def __init__(self, module: nn.Module, trainable: list[str]):
        self.module = module
        params = dict(module.named_parameters())
        self.names = trainable
        self.shapes = [params[n].shape for n in trainable]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.n = sum(self.sizes)
        self.tied = has_tied_tensors(module)
        self.each_module = _Each(module)  # one swap of the parameters for several inputs

    def flat(self) -> Tensor:
        params = dict(self.module.named_parameters())
        return torch.cat([params[n].detach().reshape(-1) for n in self.names])

    def unflatten(self, w: Tensor) -> dict[str, Tensor]:
        pieces = torch.split(w, self.sizes)
        return {n: p.reshape(s) for n, p, s in zip(self.names, pieces, self.shapes, strict=True)}

    def __call__(self, w: Tensor, inputs: Tensor) -> Tensor:
        # untying costs a walk over the module per call (a fifth of the digits field's
        # overhead over a plain gradient): only where one tensor has two names
        return functional_call(self.module, self.unflatten(w), (inputs,), tie_weights=self.tied)

    def each(self, w: Tensor, *inputs: Tensor) -> tuple[Tensor, ...]:
        """``(self(w, u) for u in inputs)``, the parameters swapped in once for all of them."""
        params = {f"module.{n}": p for n, p in self.unflatten(w).items()}  # _Each's names
        return functional_call(self.each_module, params, inputs, tie_weights=self.tied)


class _Each(nn.Module):
    """``(module(u) for u in inputs)``: the module evaluated on each input in one call."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, *inputs: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.module(u) for u in inputs)


def has_tied_tensors(module: nn.Module) -> bool:
    """Whether one parameter or buffer is registered under two names (tied weights), the
    case where ``functional_call``'s ``tie_weights`` changes what a name's value reaches."""
    named = [
        *module.named_parameters(remove_duplicate=False),
        *module.named_buffers(remove_duplicate=False),
    ]
    return len({id(t) for _, t in named}) < len(named)


def trainable_names(module: nn.Module) -> list[str]:
    return [n for n, p in module.named_parameters() if p.requires_grad]
