"""GAN checkpoints: safe loading, the two players' state dicts, models from import paths.

* ``.pt``/``.pth`` are read **only** with ``torch.load(path, weights_only=True,
  map_location="cpu")``, torch's restricted unpickler (tensors, dicts, lists, numbers,
  strings): a pickle that would build any other object or call anything (``__reduce__``) is
  refused before any of it runs.
* ``.safetensors`` are read with ``safetensors.torch.load_file`` (no code at all).

Layout of a GAN checkpoint (:func:`save`, :func:`player_state_dicts`): flat keys prefixed
``"generator."`` and ``"discriminator."`` (the only layout safetensors can hold, and what
:func:`save` writes in both formats), or, in a ``.pt``, a dict ``{"generator": state_dict,
"discriminator": state_dict}``. Both are accepted.

Models come from import paths ``"package.module:factory"`` (:func:`import_factory`,
:func:`build`); :func:`load_into` names every missing, unexpected and mis-shaped key.
:func:`load_torch_game` is the one way from a checkpoint to a
:class:`~gamedyn.games.TorchGame`, used by the command line, the figures and the notebooks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from .games.torch_game import TorchGame

PLAYERS = ("generator", "discriminator")
SUFFIXES = (".pt", ".pth", ".safetensors")

__all__ = [
    "PLAYERS",
    "SUFFIXES",
    "load",
    "save",
    "player_state_dicts",
    "load_into",
    "import_factory",
    "build",
    "load_gan",
    "load_torch_game",
]


def _checked_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            f"checkpoint {str(path)!r} has suffix {suffix!r}; expected one of {SUFFIXES}"
        )
    return suffix


def load(path: str | Path) -> dict[str, Any]:
    """The state dict stored at ``path`` (flat, or nested by player), on the CPU.

    Raises:
      ValueError: an unknown suffix, or a ``.pt``/``.pth`` that ``weights_only=True`` refuses
        (its pickle is never executed).
      FileNotFoundError: no file at ``path``.
    """
    path = Path(path)
    suffix = _checked_suffix(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {str(path)!r}")
    if suffix == ".safetensors":
        from safetensors.torch import load_file

        return dict(load_file(str(path), device="cpu"))
    try:
        data = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # UnpicklingError, RuntimeError, ... : all mean "not plain data"
        first = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
        raise ValueError(
            f"refused to load {str(path)!r}: it is not a plain-data checkpoint that "
            f"torch.load(weights_only=True) accepts ({type(err).__name__}: {first})"
        ) from err
    if not isinstance(data, Mapping):
        raise ValueError(f"{str(path)!r} holds a {type(data).__name__}, not a state dict")
    return dict(data)


def save(path: str | Path, generator: nn.Module, discriminator: nn.Module) -> Path:
    """Save both players with prefixed keys (``.pt``/``.pth`` by ``torch.save``, or
    ``.safetensors``); the path. Parent folders are created."""
    path = Path(path)
    suffix = _checked_suffix(path)
    flat = {
        f"{player}.{key}": value.detach().cpu().contiguous()
        for player, module in zip(PLAYERS, (generator, discriminator), strict=True)
        for key, value in module.state_dict().items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file(flat, str(path))
    else:
        torch.save(flat, path)
    return path


def player_state_dicts(state: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(generator_state, discriminator_state)`` from either layout; stray keys are named."""
    if all(isinstance(state.get(p), Mapping) for p in PLAYERS) and len(state) == 2:
        return dict(state["generator"]), dict(state["discriminator"])
    parts: dict[str, dict[str, Any]] = {p: {} for p in PLAYERS}
    stray = []
    for key, value in state.items():
        head, _, rest = str(key).partition(".")
        if head in parts and rest:
            parts[head][rest] = value
        else:
            stray.append(key)
    if stray:
        raise ValueError(
            f"keys {', '.join(repr(k) for k in sorted(stray))} belong to neither player: a GAN "
            "checkpoint has keys prefixed 'generator.' and 'discriminator.' (or the two nested "
            "dicts 'generator' and 'discriminator')"
        )
    empty = [p for p in PLAYERS if not parts[p]]
    if empty:
        raise ValueError(f"the checkpoint has no keys for {', '.join(map(repr, empty))}")
    return parts["generator"], parts["discriminator"]


def _quoted(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def load_into(module: nn.Module, state: Mapping[str, Any], name: str = "model") -> nn.Module:
    """Load ``state`` into ``module`` strictly; every mismatch is named in one ValueError."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(module).__name__}")
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [
        f"{key} (checkpoint {tuple(state[key].shape)}, {name} {tuple(expected[key].shape)})"
        for key in sorted(set(expected) & set(state))
        if tuple(getattr(state[key], "shape", ())) != tuple(expected[key].shape)
    ]
    problems = []
    if missing:
        problems.append(f"missing keys: {_quoted(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {_quoted(unexpected)}")
    if shapes:
        problems.append(f"shape mismatches: {'; '.join(shapes)}")
    if problems:
        raise ValueError(f"the checkpoint does not match {name}: " + "; ".join(problems))
    module.load_state_dict(dict(state), strict=True)
    return module


def import_factory(spec: str) -> Callable[..., Any]:
    """The object named by the import path ``"package.module:factory"``."""
    if not isinstance(spec, str) or spec.count(":") != 1 or spec.startswith(":"):
        raise ValueError(f"an import path looks like 'package.module:factory', got {spec!r}")
    module_name, attribute = spec.split(":")
    if not attribute:
        raise ValueError(f"an import path looks like 'package.module:factory', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"cannot import module {module_name!r} (from {spec!r}): {err}") from err
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ValueError(f"module {module_name!r} has no attribute {attribute!r}")
        target = getattr(target, part)
    return target


def build(spec: str, *args: Any, **kwargs: Any) -> nn.Module:
    """``factory(*args, **kwargs)`` for the factory at ``spec``, checked to be an ``nn.Module``."""
    model = import_factory(spec)(*args, **kwargs)
    if not isinstance(model, nn.Module):
        raise TypeError(f"{spec!r} returned a {type(model).__name__}, not an nn.Module")
    return model


def load_gan(path: str | Path, generator: nn.Module, discriminator: nn.Module) -> None:
    """Load both players from the GAN checkpoint at ``path`` (either layout), strictly."""
    g_state, d_state = player_state_dicts(load(path))
    load_into(generator, g_state, "generator")
    load_into(discriminator, d_state, "discriminator")


def _module(name: str, model: Any) -> nn.Module:
    """``model`` itself, or the module built by a factory (a callable or an import path)."""
    if isinstance(model, str):
        return build(model)
    if isinstance(model, nn.Module):
        return model
    if callable(model):
        built = model()
        if not isinstance(built, nn.Module):
            raise TypeError(f"the {name} factory returned a {type(built).__name__}, not a Module")
        return built
    raise TypeError(
        f"{name} must be an nn.Module, a factory or an import path, got {type(model).__name__}"
    )


def load_torch_game(
    checkpoint: str | Path,
    generator: Any,
    discriminator: Any,
    real: Any,
    latent: Any,
    *,
    loss: str = "non-saturating",
    **options: Any,
) -> TorchGame:
    """The :class:`~gamedyn.games.TorchGame` of a GAN checkpoint on the fixed batch
    ``(real, latent)``.

    Args:
      checkpoint: a ``.pt``/``.pth`` (weights only) or ``.safetensors`` GAN checkpoint
        (:func:`load_gan`'s layouts).
      generator, discriminator: the players' architectures: ``nn.Module``s (the checkpoint is
        loaded into them, strictly), zero-argument factories, or import paths
        ``"package.module:factory"``.
      real, latent: the fixed evaluation batch.
      loss: the GAN loss (:data:`gamedyn.vocabulary.GAN_LOSSES`).
      **options: the other arguments of :class:`~gamedyn.games.TorchGame` (``reg``,
        ``reg_weight``, ``dtype``, ``device``, ``batchnorm``, ``gp_seed``).
    """
    from .games.torch_game import TorchGame

    g, d = _module("generator", generator), _module("discriminator", discriminator)
    load_gan(checkpoint, g, d)
    return TorchGame(g, d, loss, real, latent, **options)
