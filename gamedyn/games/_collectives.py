"""The sum over ranks of a replicated field, as an operation every torch.func transform sees.

A field averaged over data shards is ``v(z) = Σ_r p_r(z)``: rank ``r`` computes its part
``p_r`` on its shard, and ``z`` is *replicated* (every rank holds the same point). Written as

    ``v = S(p_r(R(z)))``,   ``S``: the sum over ranks (an all-reduce),  ``R``: the identity on a
    replicated tensor,

the two are each other's adjoint: the tangent of ``S`` is ``S`` of the tangent and its
cotangent is ``R`` of the cotangent; the tangent of ``R`` is ``R`` and its cotangent ``S``. So
``J u = S(J_r u)`` and ``Jᵀ w = S(J_rᵀ w)`` — each product is *one* all-reduce of ``n`` floats
— and because every derivative of ``S`` and ``R`` is again ``S`` or ``R``, any composition of
transforms (``jvp``, ``vjp``, ``jacfwd``, ``jacrev``, ``vmap``; the pullback of a
pullback that reverse-mode ``J u`` is, the ``vjp`` inside consensus' step under an outer
``jvp``) gives the sum over ranks of each rank's derivative, the same on every rank. Under
``vmap`` a batch of ``m`` vectors is reduced in one all-reduce of ``m n`` floats.

Both are ``torch.autograd.Function``s with ``setup_context``, ``jvp`` and ``vmap`` rules (the
form torch.func requires); the all-reduce is ``torch.distributed.all_reduce`` on a fresh copy,
at the bottom of every transform. What PyTorch offers does not do this (measured in 2.13;
the tests keep checking): ``DistributedDataParallel`` reduces in
hooks that ``autograd.grad`` and torch.func never fire (pytorch/pytorch#47562, #63831);
``torch.distributed.nn.functional.all_reduce`` has no ``setup_context`` and is refused by every
torch.func transform; the functional collective
``torch.distributed._functional_collectives.all_reduce`` returns a *zero* tangent under
``jvp``, not the sum under ``vmap`` (the input, unreduced or partly reduced: the batching
fallback does not wait for it), and is refused by ``vjp``; its plain-autograd
rule all-reduces the cotangent, which gives rank ``r`` its own part pulled back ``W`` times,
``W J_rᵀ w``, not ``Jᵀ w``. Tracing (``torch.func.linearize``, ``make_fx``) is refused: a
traced graph with an all-reduce in it replays wrong products (measured), so
:class:`~gamedyn.spectrum.JacobianOperator`'s ``mode="linearize"`` falls back to
``"forward"`` for a distributed game (and its :attr:`mode` says so).

Example (one process is a process group of size 1; the sum is then the identity):
  >>> import torch.distributed as dist
  >>> dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
  >>> comm = Collectives()
  >>> def field(z):
  ...     return comm.sum(torch.sin(comm.replicate(z)))
  >>> torch.func.jacfwd(field)(torch.zeros(2, dtype=torch.float64))
  tensor([[1., 0.],
          [0., 1.]], dtype=torch.float64)
  >>> comm.calls, comm.world_size, comm.backend  # the value, then both tangents in one
  (2, 1, 'gloo')
  >>> dist.destroy_process_group()
"""

from __future__ import annotations

import time
from typing import Any

import torch
import torch.distributed as dist
from torch.autograd import Function

try:
    from torch.fx.experimental.proxy_tensor import get_proxy_mode
except ImportError:  # older torch
    from torch.fx.experimental.proxy_tensor import get_innermost_proxy_mode as get_proxy_mode

Tensor = torch.Tensor

__all__ = ["Collectives", "require_process_group"]


def require_process_group(what: str) -> None:
    """Raises ``RuntimeError`` unless a ``torch.distributed`` process group is initialised."""
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError(
            f"{what} needs an initialised torch.distributed process group: launch with "
            "`torchrun --nproc-per-node N ...` and call torch.distributed.init_process_group("
            "'gloo' on CPU, 'nccl' on GPUs) first (gamedyn.games.init_from_environment"
            " does it from torchrun's variables); for one process use gamedyn.games.AveragedGame"
        )


def _refuse_tracing() -> None:
    """Raises under ``make_fx`` tracing (``torch.func.linearize``): a traced graph with the
    all-reduce in it replays wrong products (measured in PyTorch 2.13, gloo: every product of a
    2000-float field wrong, whether the all-reduce is ``torch.distributed.all_reduce`` or the
    functional collective with its ``wait_tensor``)."""
    if get_proxy_mode() is not None:
        raise RuntimeError(
            "the sum over ranks cannot be traced (torch.func.linearize, make_fx): the traced "
            "graph does not replay the all-reduce faithfully; use mode='reverse' or 'forward' "
            "(JacobianOperator falls back to 'forward' by itself)"
        )


class _Sum(Function):
    """``S``: the sum over ranks (all-reduce). Tangent: ``S``; cotangent: ``R``."""

    @staticmethod
    def forward(x: Tensor, comm: Collectives) -> Tensor:
        return comm._all_reduce(x)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
        ctx.comm = inputs[1]

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        return _Replicate.apply(grad, ctx.comm), None

    @staticmethod
    def jvp(ctx: Any, tangent: Tensor, _: Any) -> Tensor:
        return _Sum.apply(tangent, ctx.comm)

    @staticmethod
    def vmap(info: Any, in_dims: tuple, x: Tensor, comm: Collectives) -> tuple[Tensor, Any]:
        return _Sum.apply(x, comm), in_dims[0]  # the whole batch in one all-reduce


class _Replicate(Function):
    """``R``: the identity on a tensor every rank holds the same. Tangent: ``R``; cotangent:
    ``S``."""

    @staticmethod
    def forward(x: Tensor, comm: Collectives) -> Tensor:
        _refuse_tracing()  # at once, before the rank's part of the field is traced
        return x.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Tensor) -> None:
        ctx.comm = inputs[1]

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        return _Sum.apply(grad, ctx.comm), None

    @staticmethod
    def jvp(ctx: Any, tangent: Tensor, _: Any) -> Tensor:
        return _Replicate.apply(tangent, ctx.comm)

    @staticmethod
    def vmap(info: Any, in_dims: tuple, x: Tensor, comm: Collectives) -> tuple[Tensor, Any]:
        return _Replicate.apply(x, comm), in_dims[0]


class Collectives:
    """The differentiable sum over the ranks of a process group, and the checks around it.

    Args:
      group: a ``torch.distributed`` process group (default: the world).

    Attributes:
      group, rank, world_size, backend: the process group, this rank, its size, its backend
        (``"gloo"``, ``"nccl"``).
      device: where the checks' small tensors go (this rank's GPU for NCCL, else the CPU).
      calls, floats, seconds: all-reduces made by :meth:`sum` (and its derivatives) so far, the
        floats they reduced and the host seconds spent in them (exact for gloo, which blocks;
        for NCCL the host only enqueues: synchronise to time it). :meth:`reset` zeroes them.

    Raises:
      RuntimeError: no process group is initialised.
    """

    def __init__(self, group: Any = None):
        require_process_group("Collectives")
        self.group = dist.group.WORLD if group is None else group
        self.rank = dist.get_rank(self.group)
        self.world_size = dist.get_world_size(self.group)
        self.backend = str(dist.get_backend(self.group))
        nccl = self.backend == "nccl"
        self.device = torch.device("cuda", torch.cuda.current_device()) if nccl else None
        self.reset()

    def reset(self) -> None:
        """Zero the counters."""
        self.calls, self.floats, self.seconds = 0, 0, 0.0

    def _all_reduce(self, x: Tensor) -> Tensor:
        _refuse_tracing()
        out = x.clone(memory_format=torch.contiguous_format)
        start = time.perf_counter()
        dist.all_reduce(out, op=dist.ReduceOp.SUM, group=self.group)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        self.floats += out.numel()
        return out

    def sum(self, x: Tensor) -> Tensor:
        """``Σ_r x_r``, on every rank: one all-reduce; differentiable by every torch.func
        transform (tangents summed, cotangents replicated)."""
        return _Sum.apply(x, self)

    def replicate(self, z: Tensor) -> Tensor:
        """``z`` itself (every rank must hold the same ``z``); its cotangents are summed over
        ranks, so ``vjp`` through it gives the full-data ``Jᵀ w`` on every rank."""
        return _Replicate.apply(z, self)

    # --- checks and gathers (not differentiable) ---------------------------------------------

    def same_everywhere(self, x: Tensor) -> bool:
        """Whether every rank holds a bit-identical ``x`` (same shape, same values): two
        all-reduces (max and min) of ``x``, counted apart from :attr:`calls`."""
        x = torch.as_tensor(x).detach()
        if len(set(self.gather(tuple(x.shape)))) > 1:
            return False
        x = (torch.view_as_real(x) if x.is_complex() else x).to(torch.float64).reshape(-1)
        x = x.to(self.device) if self.device is not None else x
        high, low = x.clone(), x.clone()
        dist.all_reduce(high, op=dist.ReduceOp.MAX, group=self.group)
        dist.all_reduce(low, op=dist.ReduceOp.MIN, group=self.group)
        return bool(torch.equal(high, low) and torch.equal(high, x))

    def maximum(self, value: float | int | None) -> Any:
        """The largest ``value`` over the ranks (``None`` where a rank has none)."""
        values = self.gather(value)
        return None if any(v is None for v in values) else max(values)

    def gather(self, obj: Any) -> list[Any]:
        """``obj`` from every rank, in rank order, on every rank (``all_gather_object``)."""
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj, group=self.group)
        return out

    def __repr__(self) -> str:
        return (
            f"Collectives(rank {self.rank} of {self.world_size}, {self.backend}, "
            f"{self.calls} all-reduces)"
        )
