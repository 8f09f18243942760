"""A player's private copy: prepared once so its forward is a pure, exactly differentiable map.

:func:`prepare` deep-copies a module to the game's dtype and device and, in the copy only:

* swaps every LayerNorm, BatchNorm and InstanceNorm (and weight-norm parametrisation) for its
  exact twin (:func:`gamedyn.games.torch_layers.exact_replacement`; same parameter and buffer
  names), listing the paths replaced;
* puts every ``parametrizations.spectral_norm`` in eval mode, which freezes its power-iteration
  vectors ``u``, ``v`` at their stored values (``σ = uᵀ W v``, differentiable in ``W``), listing
  the paths frozen;
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

from .torch_layers import exact_replacement
from .torch_purity import check_module

Tensor = torch.Tensor

__all__ = ["Player", "prepare", "trainable_names"]


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


def prepare(
    name: str, module: nn.Module, dtype: torch.dtype, device: Any, batchnorm: str
) -> tuple[nn.Module, list[str], list[str]]:
    """A deep copy in ``dtype`` on ``device`` whose forward is a pure, exactly differentiable map.

    Returns the copy, the paths of the normalisation layers replaced and of the spectral
    norms frozen.
    """
    check_module(name, module)
    copy_ = copy.deepcopy(module).to(dtype=dtype, device=device)
    replaced = _replace_normalisation(name, copy_, batchnorm)
    frozen = _freeze_spectral_norms(name, copy_)
    for p in copy_.parameters():
        p.requires_grad_(False)
    return copy_, replaced, frozen


class Player:
    """One player's trainable parameters: names, shapes and their place in the flat vector."""

    def __init__(self, module: nn.Module, trainable: list[str]):
        self.module = module
        params = dict(module.named_parameters())
        self.names = trainable
        self.shapes = [params[n].shape for n in trainable]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.n = sum(self.sizes)

    def flat(self) -> Tensor:
        params = dict(self.module.named_parameters())
        return torch.cat([params[n].detach().reshape(-1) for n in self.names])

    def unflatten(self, w: Tensor) -> dict[str, Tensor]:
        pieces = torch.split(w, self.sizes)
        return {n: p.reshape(s) for n, p, s in zip(self.names, pieces, self.shapes, strict=True)}

    def __call__(self, w: Tensor, inputs: Tensor) -> Tensor:
        return functional_call(self.module, self.unflatten(w), (inputs,))


def trainable_names(module: nn.Module) -> list[str]:
    return [n for n, p in module.named_parameters() if p.requires_grad]
