"""Update operators: the one-step interface and the primitives a step may use.

An update operator is a pure map ``state ↦ state``. Its state is a tuple of ``order`` iterates:
``(z_t,)`` for one-step methods and ``(z_t, z_{t−1})`` for augmented ones (momentum,
optimistic), started at ``(z_0, z_0)``; the Jacobian of an augmented operator is ``2n × 2n`` in
that order. Hyperparameters carry the literature's names (``lr`` = η, ``beta`` = β, ``k``,
``alpha`` = α, ``gamma`` = γ). ``lr`` is one step size or a pair ``(lr_x, lr_y)``, one per
player.

A step is written **once**, against a small set of primitives supplied by a backend
(:class:`Ops`): the field ``v(z)``, the products ``J(z) u`` and ``J(z)ᵀ u``, splitting ``z`` into
the players' parts and joining them back, and solving one linear system given as a linear map.
With only these and ``+``, ``−`` and scalar ``*``, the same step runs on torch tensors (to run
the method and to differentiate it with torch.func: dense ``jacfwd`` or matrix-free ``jvp``)
and on sympy matrices (exact symbolic Jacobians). Every Jacobian and eigenvalue map in
:mod:`gamedyn.spectrum` is derived from these steps.

Opponent shaping and data-dependent rules need four more primitives, implemented by every
backend in the same way: ``loss_gradients(z)``, each player's loss differentiated with respect
to *all* of ``z`` (LOLA and SOS use ``∇_y L_x`` and ``∇_x L_y``, which the field does not
hold); ``dot(u, w)``, an inner product giving a backend scalar that is differentiated like the
vectors; ``if_nonnegative(s, a, b)``, a branch on the value of a scalar (SGA's sign alignment,
SOS's ``p``); and ``size(z)``, the number of entries. Entrywise products of two vectors are *not*
primitives: a step that needs them (ACGD's per-coordinate step sizes) runs on the torch
backends only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

__all__ = [
    "Vec",
    "Scalar",
    "State",
    "Ops",
    "Method",
    "scale",
    "off_diagonal_jvp",
    "off_diagonal_vjp",
]

Vec = Any
"""A vector of the backend: a 1-D torch tensor or a sympy column matrix."""

Scalar = Any
"""A scalar of the backend: a 0-d torch tensor, a sympy expression, or a Python number."""

State = tuple
"""The operator's state: ``(z_t,)`` or ``(z_t, z_{t−1})`` (ACGD: ``(z_t, v_t, c_t)``), a tuple of
vectors of equal length."""


class Ops(Protocol):
    """The primitives a step may call; a backend provides them for one game."""

    def field(self, z: Vec) -> Vec:
        """``v(z)``."""

    def jvp(self, z: Vec, u: Vec) -> Vec:
        """``J(z) u``."""

    def vjp(self, z: Vec, u: Vec) -> Vec:
        """``J(z)ᵀ u``."""

    def split(self, z: Vec) -> tuple[Vec, Vec]:
        """``z ↦ (x, y)``."""

    def join(self, x: Vec, y: Vec) -> Vec:
        """``(x, y) ↦ z``."""

    def solve(self, linear_map: Callable[[Vec], Vec], rhs: Vec) -> Vec:
        """The ``u`` with ``linear_map(u) = rhs``."""

    def loss_gradients(self, z: Vec) -> tuple[Vec, Vec]:
        """``(∇L_x(z), ∇L_y(z))``: each player's loss differentiated with respect to all of ``z``.

        Laid out like ``z``: ``∇L_x = (∇_x L_x, ∇_y L_x)``. The field is their diagonal parts,
        ``v = (∇_x L_x, ∇_y L_y)``; opponent shaping also needs the others (``∇_y L_x``).
        """

    def dot(self, u: Vec, w: Vec) -> Scalar:
        """``⟨u, w⟩ = Σ_i u_i w_i``, a backend scalar (differentiated like the vectors)."""

    def if_nonnegative(self, s: Scalar, a: Scalar, b: Scalar) -> Scalar:
        """``a`` where the scalar ``s ≥ 0``, else ``b`` (``a``, ``b``: scalars or numbers).

        The derivative is the chosen branch's: exact except where ``s = 0`` switches branches.
        """

    def size(self, z: Vec) -> int:
        """The number of entries of ``z``."""


class Method(ABC):
    """An update operator. Subclasses define :meth:`step`; ``order`` is the state's length."""

    order: int = 1

    def init(self, z: Vec) -> State:
        """The state at the start, ``(z_0,)`` or ``(z_0, z_0)``."""
        return (z,) * self.order

    @abstractmethod
    def step(self, ops: Ops, state: State) -> State:
        """One update, ``state_t ↦ state_{t+1}``."""

    def hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters by name (for display and for rebuilding with other values)."""
        return dict(vars(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


def scale(ops: Ops, lr: Any, z: Vec) -> Vec:
    """``H z`` with ``H = η I``, or ``H = diag(η_x I, η_y I)`` when ``lr = (η_x, η_y)``."""
    if isinstance(lr, tuple):
        x, y = ops.split(z)
        return ops.join(lr[0] * x, lr[1] * y)
    return lr * z


def off_diagonal_jvp(ops: Ops, z: Vec, u: Vec) -> Vec:
    """``J_off(z) u = (∇²_xy L_x u_y, ∇²_yx L_y u_x)``: the coupling blocks of ``J`` only."""
    ux, uy = ops.split(u)
    top, _ = ops.split(ops.jvp(z, ops.join(0 * ux, uy)))
    _, bottom = ops.split(ops.jvp(z, ops.join(ux, 0 * uy)))
    return ops.join(top, bottom)


def off_diagonal_vjp(ops: Ops, z: Vec, u: Vec) -> Vec:
    """``J_off(z)ᵀ u = ((∇²_yx L_y)ᵀ u_y, (∇²_xy L_x)ᵀ u_x)``: the coupling blocks' transpose."""
    ux, uy = ops.split(u)
    top, _ = ops.split(ops.vjp(z, ops.join(0 * ux, uy)))
    _, bottom = ops.split(ops.vjp(z, ops.join(ux, 0 * uy)))
    return ops.join(top, bottom)
