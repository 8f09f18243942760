"""The float32 product of mixed precision: the float64 point's Jacobian, applied in float32.

A float32 copy of the game (``game.with_dtype(torch.float32)``) runs its *forward* pass in
float32 too, so its Jacobian is taken at a point that differs from the float64 one by rounding:
every activation, batch statistic and branch of the network is float32's. Where the network is
piecewise linear (ReLU, LeakyReLU, hinge losses) its Jacobian is discontinuous at the kinks, and a
pre-activation within float32 rounding of its kink (``|a| ≲ 1e-7 max |a|``) is on the other side
in float32: the slope of that unit jumps (LeakyReLU: ``0.2 ↔ 1``), an ``O(1)`` change of a few
entries of ``J`` that no float32 arithmetic can undo. The chance grows with the number of units:
on the DCGAN of ``gamedyn.examples.dcgan`` (batch 64, untrained), no unit is that close at width
16 or 32, and at width 64 (1.7 M parameters) exactly one is (the discriminator's second
LeakyReLU on one fake sample: ``a = −5.8e-8`` in float64, ``+1.0e-7`` in float32). It makes the
float32 game's ``J u`` 2.6e-4–6.7e-4 away from the float64 one for random ``u``
(``‖A₃₂u − A₆₄u‖/‖A₆₄u‖``), against 7e-7 for the same convolutions, batch norms and
activations in float32 with that unit's branch taken from float64
(``docs/benchmarks_performance.md``, mixed precision).

:func:`lowered_product` removes it at no cost per product. ``torch.func.linearize`` traces the
forward-mode graph of ``u ↦ J u`` once; its primal part (activations, masks, batch statistics,
the loss's weights) is folded into constants, computed in float64 at the float64 point. A copy
of that graph with its floating constants and ``dtype`` arguments in float32 computes
``J(z) u`` — the Jacobian at the float64 point, every branch float64's — with the same
float32 kernels as the float32 game's trace (the same operations on the same shapes), so a
product costs what a float32 product costs, and its error is the float32 rounding of the
tangent arithmetic alone (``≈ 1e-6``, relative).

Example:
  >>> import torch
  >>> from gamedyn.games import Bilinear
  >>> from gamedyn.spectrum import JacobianOperator
  >>> op = JacobianOperator(Bilinear([[2.0, 0.5], [0.0, 1.0]]), mode="linearize")
  >>> low = lowered_product(op)
  >>> u = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
  >>> bool(torch.allclose(low(u), op.apply(u), rtol=1e-6)), low(u).dtype
  (True, torch.float64)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import fx, nn

from ._operator import JacobianOperator

Tensor = torch.Tensor

__all__ = ["lowered_product", "lowered_graph"]


def _traced_graph(linear: Callable[..., Any]) -> fx.GraphModule | None:
    """The folded fx graph ``torch.func.linearize``'s product function calls (its closure's
    ``const_folded_jvp_graph``), or ``None`` where ``linear`` is not such a function."""
    names = getattr(getattr(linear, "__code__", None), "co_freevars", ())
    cells = getattr(linear, "__closure__", None) or ()
    graph = dict(zip(names, cells, strict=False)).get("const_folded_jvp_graph")
    graph = None if graph is None else graph.cell_contents
    return graph if isinstance(graph, fx.GraphModule) else None


def _narrowed(value: Any, wide: set[torch.dtype], dtype: torch.dtype) -> Any:
    """``value`` (a tensor, or a list of them: the folded constants are a ``ParameterList``)
    with its tensors of a ``wide`` dtype rounded to ``dtype``, detached."""
    if isinstance(value, Tensor):
        value = value.detach()
        return value.to(dtype) if value.dtype in wide else value
    if isinstance(value, (nn.ParameterList, list, tuple)):
        return [_narrowed(v, wide, dtype) for v in value]
    if isinstance(value, nn.Module):
        raise TypeError(f"a traced product graph reads a module ({type(value).__name__})")
    return value


def lowered_graph(graph: fx.GraphModule, dtype: torch.dtype = torch.float32) -> fx.GraphModule:
    """A copy of a traced (and constant-folded) graph computing in ``dtype``: each constant it
    reads (``get_attr``) of a wider floating dtype is rounded to ``dtype``, and each
    ``dtype=`` argument naming a wider floating dtype (``zeros_like``, ``_to_copy``, ...) names
    ``dtype`` instead. Everything else (masks, indices, the operations) is unchanged."""
    if getattr(graph, "has_folding_been_run", True) is False:
        graph.run_folding()  # the primal part, in the graph's own (float64) dtype
    wide = {t for t in (torch.float64,) if t.itemsize > dtype.itemsize}

    def narrow(value: Any) -> Any:
        if isinstance(value, torch.dtype) and value in wide:
            return dtype
        return value

    copy = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    attributes: dict[str, Any] = {}
    for node in graph.graph.nodes:
        new = copy.node_copy(node, lambda n: env[n])
        new.args = fx.node.map_aggregate(new.args, narrow)
        new.kwargs = fx.node.map_aggregate(new.kwargs, narrow)
        if node.op == "get_attr":
            value = graph
            for part in str(node.target).split("."):
                value = getattr(value, part)
            attributes[str(node.target)] = _narrowed(value, wide, dtype)
        elif node.op == "call_module":
            raise TypeError(f"a traced product graph calls a module ({node.target}); not lowered")
        env[node] = new
    return fx.GraphModule(attributes, copy)


def lowered_product(
    op: JacobianOperator, dtype: torch.dtype = torch.float32
) -> Callable[[Tensor], Tensor] | None:
    """``u ↦ J u`` of ``op`` (float64 products, ``mode`` ``"linearize"`` or ``"auto"``) computed
    in ``dtype`` from ``op``'s own linearize trace: the Jacobian at ``op``'s float64 point, the
    tangent arithmetic in ``dtype`` (module docstring). Takes and returns tensors of ``u``'s
    dtype; not counted (the caller counts). ``None`` where ``op`` has no linearize trace (its
    ``mode`` is ``"reverse"`` or ``"forward"``, or the trace could not be built): then the
    float32 copy of the game (``game.with_dtype``) is the cheap product."""
    if op.product_dtype != torch.float64 or op.mode not in ("linearize", "auto"):
        return None
    if op._linear is None:
        op._build_linear()
    graph = _traced_graph(op._linear) if op.mode == "linearize" else None
    if graph is None:
        return None
    try:
        low = lowered_graph(graph, dtype)
    except (TypeError, AttributeError, RuntimeError):
        return None

    def product(u: Tensor) -> Tensor:
        (out,) = low(u.to(dtype))
        if not torch.isfinite(out).all():
            raise FloatingPointError("A u is not finite (nan or inf) in the lowered product")
        return out.to(u.dtype)

    return product
