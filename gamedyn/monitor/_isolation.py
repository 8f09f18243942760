"""What training state a monitored step must leave exactly as it was, and the check that it did.

Before an analysis the monitor records (:func:`snapshot`):

* the global random number generators' states — torch's CPU generator, every initialised CUDA
  device's, numpy's legacy global ``RandomState`` and Python's ``random`` — which it *restores*
  afterwards, whatever the analysis drew;
* every module's ``training`` flag and every parameter's ``requires_grad`` flag, restored too;
  torch's grad mode is restored by the context manager;
* the in-place version counter (``Tensor._version``) and identity of every parameter, its
  ``.grad``, every buffer (BatchNorm running statistics, spectral-norm vectors) and every
  optimiser state tensor (Adam's moments and step counts): an in-place write to any of them
  bumps the counter, so :func:`check` proves that none was written, without copying them.

A change that cannot be undone raises :class:`TrainingStateChanged` (a bug: the analysis works
on private copies, :class:`~gamedyn.games.TorchGame`).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

__all__ = ["TrainingStateChanged", "Snapshot", "snapshot", "restore", "check", "isolated"]


class TrainingStateChanged(RuntimeError):
    """A monitored step changed the training state it must leave alone (named)."""


class Snapshot(NamedTuple):
    rng: dict[str, Any]
    modes: list[tuple[nn.Module, bool]]
    flags: list[tuple[torch.Tensor, bool]]
    versions: dict[str, tuple[int, int]]
    grads: dict[str, int | None]
    grad_enabled: bool


def _rng_state() -> dict[str, Any]:
    state = {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),  # noqa: NPY002 (the global state is the point)
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _tensors(
    modules: Sequence[nn.Module], optimizers: Sequence[Any]
) -> Iterator[tuple[str, torch.Tensor]]:
    for i, module in enumerate(modules):
        for name, p in module.named_parameters(remove_duplicate=False):
            yield f"module {i} parameter {name}", p
        for name, b in module.named_buffers(remove_duplicate=False):
            if b is not None:
                yield f"module {i} buffer {name}", b
    for i, opt in enumerate(optimizers):
        for j, state in enumerate(opt.state.values()):
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    yield f"optimizer {i} state {j} {key}", value


def snapshot(modules: Sequence[nn.Module], optimizers: Sequence[Any] = ()) -> Snapshot:
    """The training state of ``modules`` and ``optimizers`` and the global RNGs (module
    docstring)."""
    modes = [(m, m.training) for module in modules for m in module.modules()]
    params = [p for module in modules for p in module.parameters()]
    flags = [(p, p.requires_grad) for p in params]
    versions = {name: (id(t), t._version) for name, t in _tensors(modules, optimizers)}
    grads = {
        f"module {i} parameter {name}.grad": None if p.grad is None else p.grad._version
        for i, module in enumerate(modules)
        for name, p in module.named_parameters()
    }
    return Snapshot(_rng_state(), modes, flags, versions, grads, torch.is_grad_enabled())


def restore(before: Snapshot) -> None:
    """Put back the RNG states, module modes, ``requires_grad`` flags and grad mode."""
    torch.set_rng_state(before.rng["torch"])
    np.random.set_state(before.rng["numpy"])  # noqa: NPY002 (the global state is the point)
    random.setstate(before.rng["python"])
    if "cuda" in before.rng:
        torch.cuda.set_rng_state_all(before.rng["cuda"])
    for module, training in before.modes:
        if module.training != training:
            module.training = training  # the flag only: train() would recurse
    for p, flag in before.flags:
        if p.requires_grad != flag:
            p.requires_grad_(flag)
    torch.set_grad_enabled(before.grad_enabled)


def check(before: Snapshot, modules: Sequence[nn.Module], optimizers: Sequence[Any] = ()) -> None:
    """Raise :class:`TrainingStateChanged` naming every tensor written, replaced, added or
    dropped since ``before`` (parameters, their gradients, buffers, optimiser states)."""
    after = {name: (id(t), t._version) for name, t in _tensors(modules, optimizers)}
    changed = sorted(
        name
        for name in set(before.versions) | set(after)
        if before.versions.get(name) != after.get(name)
    )
    grads = {
        f"module {i} parameter {name}.grad": None if p.grad is None else p.grad._version
        for i, module in enumerate(modules)
        for name, p in module.named_parameters()
    }
    changed += sorted(k for k in grads if grads[k] != before.grads.get(k))
    if changed:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise TrainingStateChanged(f"the monitor changed the training state: {shown}")


@contextlib.contextmanager
def isolated(modules: Sequence[nn.Module], optimizers: Sequence[Any] = ()) -> Iterator[None]:
    """Run the block with grad mode on; afterwards restore the RNGs, modes and flags, and check
    that no tensor of the training state was written (:class:`TrainingStateChanged`)."""
    before = snapshot(modules, optimizers)
    try:
        with torch.enable_grad():
            yield
    finally:
        restore(before)
    check(before, modules, optimizers)
