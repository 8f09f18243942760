"""Reading and writing checkpoint files safely: nothing in a file ever runs.

* ``.pt``/``.pth``/``.ckpt`` (Lightning's ``trainer.save_checkpoint`` writes ``.ckpt``: the same
  ``torch.save`` format) are read **only** with ``torch.load(path, weights_only=True,
  map_location="cpu")``, torch's restricted unpickler (tensors, dicts, lists, tuples, numbers,
  strings): a pickle that would build any other object or call anything (``__reduce__``) is
  refused before any of it runs. This module holds the package's only ``torch.load``.
* ``.safetensors`` are read with ``safetensors.torch.load_file`` (no code at all).
* ``.npy`` (real samples only, :func:`read_samples`) with ``numpy.load(allow_pickle=False)``.

:func:`save` writes gamedyn's own layout: flat keys prefixed ``"generator."`` and
``"discriminator."`` (the layout safetensors can hold, in both formats).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._atomic import write_with

PLAYERS = ("generator", "discriminator")
"""The two players, first player first."""

TORCH_SUFFIXES = (".pt", ".pth", ".ckpt")
"""Suffixes of ``torch.save`` files (``.ckpt``: Lightning's), read with ``weights_only=True``."""

SUFFIXES = (*TORCH_SUFFIXES, ".safetensors")
"""Checkpoint suffixes."""

SAMPLE_SUFFIXES = (*TORCH_SUFFIXES, ".npy")
"""Suffixes of tensor files of real samples (:func:`read_samples`)."""

__all__ = [
    "PLAYERS",
    "TORCH_SUFFIXES",
    "SUFFIXES",
    "SAMPLE_SUFFIXES",
    "load",
    "save",
    "read_samples",
]


def _checked(path: str | Path, suffixes: tuple[str, ...], what: str) -> tuple[Path, str]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise ValueError(f"{what} {str(path)!r} has suffix {suffix!r}; expected one of {suffixes}")
    if not path.is_file():
        raise FileNotFoundError(f"no {what} file at {str(path)!r}")
    return path, suffix


def _torch_load(path: Path) -> Any:
    """``torch.load`` with ``weights_only=True`` on the CPU; a refusal is a ValueError."""
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # UnpicklingError, RuntimeError, ... : all mean "not plain data"
        first = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
        raise ValueError(
            f"refused to load {str(path)!r}: it is not a plain-data file that "
            f"torch.load(weights_only=True) accepts ({type(err).__name__}: {first}); a whole "
            "pickled model (torch.save(model)) cannot be read safely: save model.state_dict()"
        ) from err


def load(path: str | Path) -> dict[str, Any]:
    """The checkpoint stored at ``path`` as it was saved (nested dicts of tensors, optimiser
    states, numbers...), on the CPU.

    Raises:
      ValueError: an unknown suffix, a ``.pt``/``.pth`` that ``weights_only=True`` refuses
        (its pickle is never executed), or a file that does not hold a dict.
      FileNotFoundError: no file at ``path``.
    """
    path, suffix = _checked(path, SUFFIXES, "checkpoint")
    if suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return dict(load_file(str(path), device="cpu"))
        except (SafetensorError, OSError) as err:
            raise ValueError(
                f"refused to load {str(path)!r}: it is not a readable safetensors file "
                f"(empty, truncated or corrupt: {err})"
            ) from err
    data = _torch_load(path)
    if not isinstance(data, Mapping):
        raise ValueError(f"{str(path)!r} holds a {type(data).__name__}, not a dict of entries")
    return dict(data)


def save(path: str | Path, generator: nn.Module, discriminator: nn.Module) -> Path:
    """Save both players with prefixed keys (``.pt``/``.pth`` by ``torch.save``, or
    ``.safetensors``), atomically (a temporary file, then a rename); the path. Parent folders
    are created."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            f"checkpoint {str(path)!r} has suffix {suffix!r}; expected one of {SUFFIXES}"
        )
    flat = {
        f"{player}.{key}": value.detach().cpu().contiguous()
        for player, module in zip(PLAYERS, (generator, discriminator), strict=True)
        for key, value in module.state_dict().items()
    }
    if suffix == ".safetensors":
        from safetensors.torch import save_file

        return write_with(path, lambda tmp: save_file(flat, str(tmp)))
    return write_with(path, lambda tmp: torch.save(flat, tmp))


def read_samples(path: str | Path) -> torch.Tensor:
    """The real samples ``(N, ...)`` stored at ``path``: a ``.npy`` array, or a ``.pt``/``.pth``
    holding a tensor, a ``(samples, labels, ...)`` list or tuple (what a DataLoader yields: the
    first entry is taken) or a dict with one tensor.

    Raises:
      ValueError: an unknown suffix, no tensor, an empty or 0-dimensional one, or integer
        samples (``uint8`` images: save the floats the discriminator was trained on).
      FileNotFoundError: no file at ``path``.
    """
    path, suffix = _checked(path, SAMPLE_SUFFIXES, "sample")
    if suffix == ".npy":
        import numpy as np

        try:
            samples: Any = torch.from_numpy(np.load(path, allow_pickle=False).copy())
        except ValueError as err:
            raise ValueError(f"refused to load {str(path)!r}: {err}") from err
    else:
        data = _torch_load(path)
        if isinstance(data, (list, tuple)) and data:
            data = data[0]
        elif isinstance(data, Mapping):
            tensors = [v for v in data.values() if isinstance(v, torch.Tensor)]
            if len(tensors) != 1:
                raise ValueError(
                    f"{str(path)!r} holds a dict with {len(tensors)} tensors "
                    f"({', '.join(map(repr, list(data)[:6]))}); save the samples alone"
                )
            data = tensors[0]
        samples = data
    if not isinstance(samples, torch.Tensor):
        raise ValueError(f"{str(path)!r} holds a {type(samples).__name__}, not a tensor")
    if samples.ndim < 1 or samples.shape[0] == 0:
        raise ValueError(f"{str(path)!r} holds no samples (shape {tuple(samples.shape)})")
    if not samples.is_floating_point():
        raise ValueError(
            f"{str(path)!r} holds {str(samples.dtype).removeprefix('torch.')} samples: save "
            "them as the floats the discriminator was trained on (e.g. images / 127.5 - 1)"
        )
    return samples
