"""Reverse-mode products by plain ``torch.autograd`` (no ``torch.func``), for the fast paths.

``torch.func.vjp``'s pullback imports ``torch._dynamo`` on its first call (about a second of CPU
time), and ``torch.autograd.grad`` with tensor ``grad_outputs`` imports ``sympy`` through
``torch.fx.experimental.symbolic_shapes`` on its first call (about half a second). Outside
torch.func transforms the same products are taken here as the gradient of the scalar
``Σ_i ⟨outputs_i, cotangents_i⟩``: its gradient with respect to ``outputs_i`` is
``1 · cotangents_i``, exactly ``cotangents_i``, so the products equal the ``grad_outputs`` ones
bit for bit, and the scalar's gradient needs no ``grad_outputs``. That holds for constant
cotangents only (the scalar's gradient would also flow through a cotangent that depends on the
inputs); cotangents that require grad (a product differentiated again, e.g. ``A u`` as the
derivative of ``w ↦ Aᵀ w``) are passed as ``grad_outputs``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

Tensor = torch.Tensor

__all__ = ["pullback_products"]


def pullback_products(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    cotangents: Sequence[Tensor],
    *,
    create_graph: bool = False,
    independent: bool = False,
) -> tuple[Tensor, ...]:
    """``(∂outputs/∂inputs_j)ᵀ cotangents`` for each input (zeros where an input is unused).

    The graph is retained (a pullback is applied more than once); ``create_graph`` keeps the
    products differentiable (an outer derivative of them). ``independent``: the caller
    guarantees that the cotangents do not depend on the inputs (a leaf ``w`` differentiated
    in, as in ``A u = ∂/∂w ⟨Aᵀ w, u⟩``), so the scalar form is exact even where they require
    grad.

    Example:
      >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
      >>> pullback_products([x**2], [x], [torch.tensor([1.0, 10.0])])
      (tensor([ 2., 40.]),)
    """
    inputs = tuple(inputs)
    with torch.enable_grad():
        if not independent and any(c.requires_grad for c in cotangents):
            return torch.autograd.grad(
                tuple(outputs),
                inputs,
                tuple(cotangents),
                retain_graph=True,
                create_graph=create_graph,
                materialize_grads=True,
            )
        total = sum((o * c).sum() for o, c in zip(outputs, cotangents, strict=True))
        return torch.autograd.grad(
            total, inputs, retain_graph=True, create_graph=create_graph, materialize_grads=True
        )
