"""Update operators: the one-step interface, the state it acts on, and the primitives it may use.

An update operator is a pure map ``state ↦ state``.

**The state** (one notion, shared by ``gamedyn.run`` and every Jacobian) is a tuple whose entries
are of two kinds:

* **vectors**, each of the game's length ``n``: the iterate ``z_t`` first, then whatever else the
  method remembers — the previous iterate ``z_{t−1}`` (momentum, optimistic GDA), an optimiser's
  moments (Adam's ``m`` and ``v``), a past gradient or update, an averaged iterate. They are the
  coordinates of the operator's Jacobian, ``order · n`` of them, in the tuple's order;
* **counts** (:class:`Count`, an ``int``): discrete quantities such as each player's number of
  optimiser updates (Adam's bias correction needs it). They are carried through every
  differentiation unchanged and are never a coordinate of a Jacobian: the Jacobian at a state is
  the derivative of the step with respect to its vectors, the counts held at their values.

``order`` is the number of vector entries: ``(z_t,)`` for one-step methods, ``(z_t, z_{t−1})``
for augmented ones (momentum, optimistic), started at ``(z_0, z_0)``, ``(z, m, v, t_x, t_y)``
for Adam (order 3). :meth:`Method.output` is the vector ``gamedyn.run`` reports (``z_t``, or the
averaged iterate of an averaging wrapper). Hyperparameters carry the literature's names
(``lr`` = η, ``beta`` = β, ``betas``, ``k``, ``alpha`` = α, ``gamma`` = γ). ``lr`` is one step
size or a pair ``(lr_x, lr_y)``, one per player.

A step is written **once**, against a small set of primitives supplied by a backend
(:class:`Ops`): the field ``v(z)``, the products ``J(z) u`` and ``J(z)ᵀ u``, splitting ``z`` into
the players' parts and joining them back, and solving one linear system given as a linear map.
With only these and ``+``, ``−`` and scalar ``*``, the same step runs on torch tensors (to run
the method and to differentiate it with torch.func: dense ``jacfwd`` or matrix-free ``jvp``)
and on sympy matrices (exact symbolic Jacobians). Optimisers with a tracked preconditioner
(Adam's and RMSProp's second moment) also use elementwise ``*`` and ``/`` of vectors and the
backend's elementwise ``sqrt``, which the torch backends supply and the symbolic ones refuse;
with the preconditioner frozen at a number they need only the primitives above. Every Jacobian
and eigenvalue map in :mod:`gamedyn.spectrum` is derived from these steps.

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

import copy
import dataclasses
import inspect
from abc import ABC, ABCMeta, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

__all__ = [
    "Vec",
    "Scalar",
    "State",
    "Count",
    "is_count",
    "vectors",
    "Ops",
    "Method",
    "map_methods",
    "scale",
    "repeat",
    "off_diagonal_jvp",
    "off_diagonal_vjp",
]

Vec = Any
"""A vector of the backend: a 1-D torch tensor or a sympy column matrix."""

Scalar = Any
"""A scalar of the backend: a 0-d torch tensor, a sympy expression, or a Python number."""

State = tuple
"""The operator's state: vectors (``z_t`` first) and :class:`Count` entries (module docstring)."""


class Count(int):
    """A discrete entry of a state (a step count): carried, never differentiated.

    An ``int``, so ``beta ** t`` works; arithmetic returns plain ``int`` (a step writes
    ``Count(t + 1)``).

    Example:
      >>> Count(3) + 1, repr(Count(3))
      (4, 'Count(3)')
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Count({int(self)})"


def is_count(entry: Any) -> bool:
    """Whether a state entry is a :class:`Count` (not a vector)."""
    return isinstance(entry, Count)


def vectors(state: State) -> tuple:
    """The vector entries of a state, in order (its Jacobian's coordinates)."""
    return tuple(e for e in state if not isinstance(e, Count))


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

    def solve(self, linear_map: Callable[..., Vec], rhs: Vec, *operands: Vec) -> Vec:
        """The ``u`` with ``linear_map(u, *operands) = rhs``.

        ``operands`` are the vectors the system's matrix depends on (CGD's ``z``), passed
        explicitly rather than captured by ``linear_map``: a backend may then differentiate the
        solution implicitly, ``d(A⁻¹b) = A⁻¹(db − dA A⁻¹b)``, one more solve with the same
        operator (:class:`~gamedyn.backends.MatrixFreeOps`).
        """

    def sqrt(self, u: Vec) -> Vec:
        """Elementwise ``√u`` (optional: only tracked preconditioners, Adam's and RMSProp's)."""

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


def parameters_of(factory: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """The parameters of a factory: a method class's constructor's (without ``self``) or a
    function's."""
    return dict(inspect.signature(factory).parameters)


class _Frozen(ABCMeta):
    """Methods are frozen once built: the constructor may set attributes, nobody after it."""

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        init = inspect.signature(cls.__init__)  # what inspect.signature(cls) shows
        cls.__signature__ = init.replace(parameters=list(init.parameters.values())[1:])

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        method = super().__call__(*args, **kwargs)
        object.__setattr__(method, "_frozen", True)
        return method


class Method(ABC, metaclass=_Frozen):
    """An update operator. Subclasses define :meth:`step`; ``order`` is the number of vectors in
    its state (see the module docstring).

    Methods are frozen values (assigning an attribute after construction raises
    :class:`dataclasses.FrozenInstanceError`). Their **fields** are their hyperparameters
    (:meth:`hyperparameters`, the constructor's keywords) and the methods they wrap, the
    attributes named in ``wraps`` (a :class:`~gamedyn.methods.Lookahead` wraps ``base``).
    :meth:`children` lists the wrapped methods, :meth:`replace` copies a method with some fields
    changed (as :func:`dataclasses.replace`; the original is never modified), and
    :func:`map_methods` walks and rebuilds a tree of methods with these two alone: code that
    walks methods (stochastic runs, starting from an optimiser's saved state, freezing a
    preconditioner) never switches on concrete wrapper classes, and a new wrapper only has to
    name its children in ``wraps``.
    """

    order: int = 1

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_frozen"):
            raise dataclasses.FrozenInstanceError(
                f"cannot assign to field {name!r}: {type(self).__name__} is frozen; "
                f"use .replace({name}=...)"
            )
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self.__dict__.get("_frozen"):
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    wraps: tuple[str, ...] = ()
    """The names of the fields that hold wrapped methods (``("base",)`` for lookahead)."""

    def children(self) -> tuple[Method, ...]:
        """The methods this one wraps, in the order of :attr:`wraps` (empty for a leaf).

        Example:
          >>> from gamedyn.methods import GDA, Lookahead
          >>> Lookahead(GDA(0.1), k=5, alpha=0.5).children()
          (GDA(lr=0.1),)
        """
        return tuple(getattr(self, name) for name in self.wraps)

    def fields(self) -> dict[str, Any]:
        """Every field :meth:`replace` can change: the hyperparameters (a constructor keyword
        that :meth:`hyperparameters` leaves out is at its default) and the wrapped methods."""
        out = dict(self.hyperparameters())
        for name, p in parameters_of(type(self)).items():
            if name not in out and p.default is not inspect.Parameter.empty:
                out[name] = p.default
        out.update((name, getattr(self, name)) for name in self.wraps)
        return out

    def replace(self, **changes: Any) -> Method:
        """A copy with the fields in ``changes`` replaced (the original is unchanged).

        Hyperparameters that are constructor keywords rebuild the method through its constructor,
        so they are validated as on construction; a wrapped method that the constructor derives
        rather than takes (a composed method's ``play``) is put in place of the old one.

        Raises:
          TypeError: a name in ``changes`` that is not one of :meth:`fields` (named).

        Example:
          >>> from gamedyn.methods import GDA, Lookahead
          >>> Lookahead(GDA(0.1), k=5, alpha=0.5).replace(k=2, base=GDA(0.2))
          Lookahead(base=GDA(lr=0.2), k=2, alpha=0.5)
          >>> GDA(0.1).replace(betta=0.5)
          Traceback (most recent call last):
          ...
          TypeError: GDA.replace() got unknown field(s) ['betta']; its fields are ['lr', 'play']
        """
        fields = self.fields()
        unknown = [name for name in changes if name not in fields]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.replace() got unknown field(s) {unknown}; its fields are "
                f"{list(fields)}"
            )
        if not changes:
            return self
        parameters = parameters_of(type(self))
        rebuilt = {name: value for name, value in changes.items() if name in parameters}
        if rebuilt:
            kept = {name: value for name, value in fields.items() if name in parameters}
            new = type(self)(**{**kept, **rebuilt})
        else:
            new = copy.copy(self)
        for name, value in changes.items():
            if name not in parameters:  # a wrapped method the constructor derives
                if not isinstance(value, Method):
                    raise TypeError(f"{name} must be an update operator (a Method), got {value!r}")
                object.__setattr__(new, name, value)
        return new

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

    def output(self, state: State) -> Vec:
        """The vector :func:`gamedyn.run` reports: the iterate ``z_t = state[0]``; averaging
        wrappers report their averaged iterate."""
        return state[0]

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        """``state`` with its iterate moved to ``z`` and the method's own memory kept.

        What lookahead's ``inner_state="keep"`` does at a synchronisation: only the iterate is
        pulled back, the optimiser's state is left as the fast steps made it. By default every
        other entry is kept as it is (moments, past gradients, the previous point of optimistic
        GDA); heavy-ball momentum keeps its velocity ``z_t − z_{t−1}`` instead.
        """
        return (z,) + tuple(state[1:])

    def frozen(self) -> Method:
        """The operator with its preconditioner held at its starting value (Adam, RMSProp).

        Methods without an adaptive preconditioner are their own frozen operator; a wrapper is
        the same wrapper around its children's frozen operators.
        """
        changes = {name: getattr(self, name).frozen() for name in self.wraps}
        changes = {k: v for k, v in changes.items() if v is not getattr(self, k)}
        return self.replace(**changes) if changes else self

    def hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters by name (for display and for rebuilding with other values)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


def map_methods(fn: Callable[[Method], Method], method: Method) -> Method:
    """``fn`` applied to every method of the tree rooted at ``method``, bottom-up.

    Each method's children (:meth:`Method.children`) are mapped first; where any of them
    changed, the method is rebuilt around the new ones (:meth:`Method.replace`), then ``fn`` is
    applied to it. A tree that ``fn`` leaves unchanged is returned as it is (the same object).

    Args:
      fn: ``Method ↦ Method``; return its argument to keep a method.
      method: the root.

    Example:
      >>> from gamedyn.methods import GDA, Lookahead
      >>> map_methods(lambda m: m.replace(lr=0.2) if isinstance(m, GDA) else m,
      ...             Lookahead(GDA(0.1), k=5, alpha=0.5))
      Lookahead(base=GDA(lr=0.2), k=5, alpha=0.5)
    """
    if not isinstance(method, Method):
        raise TypeError(f"method must be an update operator (a Method), got {method!r}")
    changes = {}
    for name in method.wraps:
        child = getattr(method, name)
        mapped = map_methods(fn, child)
        if mapped is not child:
            changes[name] = mapped
    node = method.replace(**changes) if changes else method
    out = fn(node)
    if not isinstance(out, Method):
        raise TypeError(f"fn must return a Method, got {out!r} for {node!r}")
    return out


def scale(ops: Ops, lr: Any, z: Vec) -> Vec:
    """``H z`` with ``H = η I``, or ``H = diag(η_x I, η_y I)`` when ``lr = (η_x, η_y)``."""
    if isinstance(lr, tuple):
        x, y = ops.split(z)
        return ops.join(lr[0] * x, lr[1] * y)
    return lr * z


def repeat(ops: Ops, step: Callable[[State], State], k: int, state: State) -> State:
    """``step`` applied ``k`` times to ``state``.

    A backend may compose the steps faster where they are linear — one eigendirection of a
    linear field (:class:`~gamedyn.backends._symbolic.EigenOps` on numbers) composes by matrix
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


def off_diagonal_vjp(ops: Ops, z: Vec, u: Vec) -> Vec:
    """``J_off(z)ᵀ u = ((∇²_yx L_y)ᵀ u_y, (∇²_xy L_x)ᵀ u_x)``: the coupling blocks' transpose."""
    ux, uy = ops.split(u)
    top, _ = ops.split(ops.vjp(z, ops.join(0 * ux, uy)))
    _, bottom = ops.split(ops.vjp(z, ops.join(ux, 0 * uy)))
    return ops.join(top, bottom)
