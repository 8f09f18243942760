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
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Vec", "State", "Ops", "Method", "scale", "repeat", "off_diagonal_jvp"]

Vec = Any
"""A vector of the backend: a 1-D torch tensor or a sympy column matrix."""

State = tuple
"""The operator's state: ``(z_t,)`` or ``(z_t, z_{t−1})``."""


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


class Method(ABC):
    """An update operator. Subclasses define :meth:`step`; ``order`` is the state's length."""

    order: int = 1

    def init(self, z: Vec) -> State:
        """The state at the start, ``(z_0,)`` or ``(z_0, z_0)``."""
        return (z,) * self.order

    @abstractmethod
    def step(self, ops: Ops, state: State) -> State:
        """One update, ``state_t ↦ state_{t+1}``."""

    def field_evaluations(self) -> int:
        """About how many field evaluations one step makes (cost estimates only; wrappers that
        repeat a base step, such as lookahead, multiply it)."""
        return 1

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


def repeat(ops: Ops, step: Callable[[State], State], k: int, state: State) -> State:
    """``step`` applied ``k`` times to ``state``.

    A backend may compose the steps faster where they are linear — one eigendirection of a
    linear field (:class:`~gamedyn.backends.symbolic.EigenOps` on numbers) composes by matrix
    powers in ``O(log k)`` — by defining ``ops.repeat(step, k, state)``; every other backend
    runs the loop, so the result and its derivatives are those of ``k`` plain steps.
    """
    compose = getattr(ops, "repeat", None)
    if compose is not None:
        return compose(step, k, state)
    for _ in range(k):
        state = step(state)
    return state


def off_diagonal_jvp(ops: Ops, z: Vec, u: Vec) -> Vec:
    """``J_off(z) u = (∇²_xy L_x u_y, ∇²_yx L_y u_x)``: the coupling blocks of ``J`` only."""
    ux, uy = ops.split(u)
    top, _ = ops.split(ops.jvp(z, ops.join(0 * ux, uy)))
    _, bottom = ops.split(ops.jvp(z, ops.join(ux, 0 * uy)))
    return ops.join(top, bottom)
