"""Models and samplers named on the command line: import paths, the user's own files, tensor files.

* An import path is ``"package.module:name"`` or ``"path/to/models.py:name"`` (the file is
  imported by its path, once, as ``python path/to/models.py`` would see it: its folder goes on
  ``sys.path`` so that its own imports work, and its top level runs, so keep a training loop
  under ``if __name__ == "__main__":``). ``name`` may be dotted (``"models.py:Nets.generator"``).
* :func:`build` calls a factory with keyword arguments (``--generator-kwargs '{"ngf": 64}'``)
  and checks it returned an ``nn.Module``.
* :func:`sampler` gives a sampler ``fn(batch, seed)``: an import path (keyword arguments bound),
  or a tensor file of real samples (:class:`TensorFile`: ``.pt``/``.pth``/``.npy``).
  :func:`standard_normal` is a ready latent sampler (``"gamedyn.checkpoints:standard_normal"``
  with ``shape``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import nn

from .. import _validate
from ._files import SAMPLE_SUFFIXES, read_samples

__all__ = ["import_factory", "build", "sampler", "standard_normal", "TensorFile"]

_FORM = "an import path looks like 'package.module:factory' or 'path/to/file.py:factory'"


def _is_file_path(module_part: str) -> bool:
    return module_part.lower().endswith(".py") or "/" in module_part or "\\" in module_part


def _import_file(path_text: str, spec: str) -> ModuleType:
    """The module of the Python file at ``path_text``, imported once per resolved path."""
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no Python file at {path_text!r} (from {spec!r})")
    path = path.resolve()
    stem = re.sub(r"\W", "_", path.stem)
    name = f"_gamedyn_user_{stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:12]}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ValueError(f"cannot import {path_text!r} (from {spec!r}) as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except ImportError as err:
        del sys.modules[name]
        raise ValueError(f"importing {path_text!r} (from {spec!r}) failed: {err}") from err
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_factory(spec: str) -> Callable[..., Any]:
    """The object named by ``"package.module:name"`` or ``"path/to/file.py:name"``.

    Raises:
      ValueError: a malformed path, a module that cannot be imported, a missing attribute.
      FileNotFoundError: no file at a file path.

    Example:
      >>> import_factory("gamedyn.checkpoints:standard_normal")(2, 0, shape=[3]).shape
      torch.Size([2, 3])
    """
    if not isinstance(spec, str) or ":" not in spec:
        raise ValueError(f"{_FORM}, got {spec!r}")
    module_part, _, attribute = spec.rpartition(":")
    if not module_part or not attribute or not all(attribute.split(".")):
        raise ValueError(f"{_FORM}, got {spec!r}")
    if _is_file_path(module_part):
        module = _import_file(module_part, spec)
        where = repr(module_part)
    else:
        if ":" in module_part:
            raise ValueError(f"{_FORM}, got {spec!r}")
        try:
            module = importlib.import_module(module_part)
        except ImportError as err:
            raise ValueError(
                f"cannot import module {module_part!r} (from {spec!r}): {err}"
            ) from err
        where = f"module {module_part!r}"
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ValueError(f"{where} has no attribute {attribute!r} (from {spec!r})")
        target = getattr(target, part)
    return target


def build(spec: str, *args: Any, **kwargs: Any) -> nn.Module:
    """``factory(*args, **kwargs)`` for the factory (a class or a function) at ``spec``,
    checked to be an ``nn.Module``.

    Raises:
      TypeError: the keyword arguments do not fit the factory, or it returned no Module.
    """
    factory = import_factory(spec)
    if not callable(factory):
        raise TypeError(f"{spec!r} is a {type(factory).__name__}, not a factory")
    try:
        model = factory(*args, **kwargs)
    except TypeError as err:
        called = f"with {kwargs or args}" if kwargs or args else "with no arguments"
        raise TypeError(
            f"the factory {spec!r} cannot be called {called}: {err} (a model factory builds "
            "an nn.Module; give its keyword arguments with --generator-kwargs/...)"
        ) from err
    if not isinstance(model, nn.Module):
        raise TypeError(f"{spec!r} returned a {type(model).__name__}, not an nn.Module")
    return model


def standard_normal(batch: int, seed: int = 0, *, shape: int | Sequence[int]) -> torch.Tensor:
    """``batch`` standard normal latents of shape ``shape`` each: ``(batch, *shape)``, drawn
    from ``torch.Generator().manual_seed(seed)`` (a DCGAN's ``shape=[100, 1, 1]``).

    Example:
      >>> standard_normal(4, 0, shape=[2, 1, 1]).shape
      torch.Size([4, 2, 1, 1])
    """
    dims = [shape] if isinstance(shape, int) else list(shape)
    if not dims or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
        raise ValueError(f"shape must be a positive integer or a list of them, got {shape!r}")
    gen = torch.Generator().manual_seed(_validate.seed("seed", seed))
    return torch.randn(int(batch), *dims, generator=gen)


class TensorFile:
    """A sampler over the real samples of a tensor file (:func:`~gamedyn.checkpoints._files.
    read_samples`): ``fn(batch, seed)`` is the block of rows ``seed·batch … (seed+1)·batch − 1``
    (seed 0: the first ``batch`` samples; seeds ``0 … B − 1``: ``B`` disjoint batches)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.samples = read_samples(path)

    def __call__(self, batch: int, seed: int = 0) -> torch.Tensor:
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch must be an integer >= 1, got {batch!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0 for a tensor file, got {seed!r}")
        n = self.samples.shape[0]
        start, stop = seed * batch, (seed + 1) * batch
        if stop > n:
            raise ValueError(
                f"{self.path!r} holds {n} samples: batch {batch} with seed {seed} needs rows "
                f"{start}..{stop - 1}; use a smaller --batch, fewer --batches or a lower --seed"
            )
        return self.samples[start:stop]

    def __repr__(self) -> str:
        return f"TensorFile({self.path!r}, samples={tuple(self.samples.shape)})"


def _is_sample_file(spec: str) -> bool:
    suffix = Path(spec).suffix.lower()
    return suffix in SAMPLE_SUFFIXES and (":" not in spec or Path(spec).is_file())


def sampler(spec: str, **kwargs: Any) -> Callable[[int, int], torch.Tensor]:
    """A sampler ``fn(batch, seed)``: a tensor file's :class:`TensorFile`, or the function at
    the import path ``spec`` with ``kwargs`` bound.

    Raises:
      ValueError: keyword arguments for a tensor file; what :func:`import_factory` raises.
      TypeError: the object at ``spec`` is not callable.
    """
    if not isinstance(spec, str):
        raise TypeError(f"a sampler is an import path or a tensor file, got {spec!r}")
    if _is_sample_file(spec):
        if kwargs:
            raise ValueError(f"the tensor file {spec!r} takes no keyword arguments, got {kwargs}")
        return TensorFile(spec)
    fn = import_factory(spec)
    if not callable(fn):
        raise TypeError(f"{spec!r} is a {type(fn).__name__}, not a sampler fn(batch, seed)")
    return functools.partial(fn, **kwargs) if kwargs else fn
