"""Where the noise enters a step: a backend whose field takes the next sample at every call.

A method's step calls ``ops.field`` once per gradient evaluation it makes. :class:`SampledOps`
wraps a backend so that call ``k`` evaluates the field of sample ``samples[k // group]``: with
``group = 1`` every evaluation sees its own sample (stochastic extragradient, SEM, and each of
lookahead's fast steps); with ``same_sample=True`` the evaluations of one step of the innermost
base method share one sample (:func:`sample_group`: extragradient's extrapolation and update).
Every other primitive (``jvp``, ``vjp``, ``loss_gradients``, ``solve``...) is the wrapped
backend's, the mean game's: exact for additive noise, whose Jacobian does not depend on the
sample; on finite sums and minibatches the methods that use them (consensus, CGD, SGA, LOLA,
SOS) see noisy gradients but the mean game's second-order terms — a limitation, not a sampling
choice.

A method that *stores* a gradient reuses the noisy one it stored, because the stored vector is
the value the sampled field returned: optimistic GDA and Adam (the past update) and past
extrapolation. Nothing here knows any method by its class: a wrapper is seen through
:meth:`~gamedyn.methods.Method.children` only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..methods import Method

__all__ = [
    "SampledOps",
    "CountingOps",
    "evaluations",
    "sample_group",
]


class SampledOps:
    """``ops`` with ``field(z) = field_of_sample(z, samples[k // group])`` at its ``k``-th call.

    Args:
      ops: the backend of the mean game (every other primitive is its).
      field_of_sample: ``(z, sample) ↦ v(z; sample)``.
      samples: the step's samples, indexed along the first dimension.
      group: consecutive evaluations sharing one sample.
    """

    def __init__(self, ops: Any, field_of_sample: Callable, samples: Any, group: int = 1):
        self.ops, self.field_of_sample, self.samples, self.group = (
            ops,
            field_of_sample,
            samples,
            group,
        )
        self.calls = 0

    def field(self, z: torch.Tensor) -> torch.Tensor:
        i = self.calls // self.group
        self.calls += 1
        if i >= len(self.samples):
            raise RuntimeError(
                f"the step made more field evaluations than the {len(self.samples)} samples "
                f"drawn for it (group {self.group})"
            )
        return self.field_of_sample(z, self.samples[i])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ops, name)


class CountingOps:
    """``ops`` counting its field evaluations (``calls``)."""

    def __init__(self, ops: Any):
        self.ops, self.calls = ops, 0

    def field(self, z: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.ops.field(z)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ops, name)


def evaluations(method: Method, ops: Any, state: tuple) -> int:
    """The field evaluations one step of ``method`` makes at ``state`` (counted, not estimated)."""
    counting = CountingOps(ops)
    with torch.no_grad():
        method.step(counting, state)
    return counting.calls


def _innermost(method: Method) -> Method:
    """The method at the bottom of a chain of single-child wrappers (lookahead, averaging, a
    composed method's play, or any wrapper that names one child)."""
    children = method.children()
    while len(children) == 1:
        method = children[0]
        children = method.children()
    return method


def sample_group(method: Method, ops: Any, z: torch.Tensor, same_sample: bool) -> int:
    """How many consecutive evaluations share a sample: 1, or with ``same_sample`` the
    evaluations of one step of the innermost base (unwrapping every single-child wrapper)."""
    if not isinstance(same_sample, bool):
        raise TypeError(f"same_sample must be a bool, got {same_sample!r}")
    if not same_sample:
        return 1
    base = _innermost(method)
    return max(1, evaluations(base, ops, base.init(z)))
