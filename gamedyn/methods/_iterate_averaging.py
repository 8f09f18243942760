"""Iterate averaging around any update operator: uniform averaging and an exponential average.

Both wrap a base method and add the averaged iterate ``z̄`` to its state; :meth:`output` (what
:func:`gamedyn.run` reports) is ``z̄_t``, the base's iterate stays ``state[0]``.

* :class:`EMA` — ``z̄_{t+1} = β z̄_t + (1 − β) z_{t+1}``, ``z̄_0 = z_0``. Time-invariant: on the
  state ``(s, z̄)`` the Jacobian is block lower-triangular, ``[[D, 0], [(1 − β) E D, β I]]``
  with ``D`` the base's Jacobian and ``E`` the row block that picks ``z`` from ``s``, so its
  eigenvalues are the base's together with ``β`` (``n`` times) — exactly: the average converges
  at ``max(ρ_base, β)``.
* :class:`IterateAverage` — ``z̄_t = (z_0 + ... + z_t)/(t + 1)``: the step adds
  ``(z_{t+1} − z̄_t)/(c + 1)`` with ``c = t + 1`` the number of iterates averaged (a count in
  the state). Not time-invariant;
  what can be said exactly is :func:`gamedyn.analysis.uniform_average`: for a base
  that is linear near ``z*`` with Jacobian ``M``, ``z̄_t − z* = (I − M)⁻¹ (I − M^{t+1}) (s_0 −
  s*)/(t + 1)`` (its ``z`` rows), an ``O(1/t)`` error even where the iterates only cycle (the
  bilinear game under alternating GDA).

These are the averages of the Variational-Inequality-GAN training loops (``gen_param_avg``,
``gen_param_ema``; there for the generator only — averaging here covers both players).

References:
  Gidel, Berard, Vignoud, Vincent and Lacoste-Julien, ICLR 2019 (uniform averaging and EMA
  for GANs). Yazıcı, Foo, Winkler, Yap, Piliouras and Chandrasekhar, "The Unusual Effectiveness
  of Averaging in GAN Training", ICLR 2019.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Count, Method, Ops, State, Vec

__all__ = ["EMA", "IterateAverage"]


def _base(base: Any) -> Method:
    if not isinstance(base, Method):
        raise TypeError(f"base must be an update operator (a Method), got {base!r}")
    return base


class EMA(Method):
    """An exponential moving average of ``base``'s iterates: state ``(*base_state, z̄)``.

    Args:
      base: any :class:`Method`.
      beta: the decay ``β ∈ [0, 1)`` (``β = 0`` reports the base's iterates).
    """

    wraps = ("base",)

    def __init__(self, base: Method, beta: Any):
        self.base = _base(base)
        self.beta = _validate.real_scalar("beta", beta)
        if not _validate.is_symbolic(self.beta) and not 0 <= self.beta < 1:
            raise ValueError(f"beta must lie in [0, 1), got {self.beta!r}")
        self.order = base.order + 1

    def hyperparameters(self) -> dict[str, Any]:
        return {"base": self.base, "beta": self.beta}

    def init(self, z: Vec) -> State:
        return (*self.base.init(z), z)

    def output(self, state: State) -> Vec:
        return state[-1]

    def step(self, ops: Ops, state: State) -> State:
        new = self.base.step(ops, tuple(state[:-1]))
        average = self.beta * state[-1] + (1 - self.beta) * self.base.output(new)
        return (*new, average)

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        return (*self.base.with_iterate(ops, tuple(state[:-1]), z), state[-1])


class IterateAverage(Method):
    """The uniform average of ``base``'s iterates: state ``(*base_state, z̄, c)``.

    ``c`` (a :class:`~gamedyn.methods.Count`) is the number of iterates averaged, 1 at the
    start (``z̄_0 = z_0``); each step makes it ``c + 1`` and ``z̄ ← z̄ + (z_new − z̄)/(c + 1)``.

    Args:
      base: any :class:`Method`.
    """

    wraps = ("base",)

    def __init__(self, base: Method):
        self.base = _base(base)
        self.order = base.order + 1

    def hyperparameters(self) -> dict[str, Any]:
        return {"base": self.base}

    def init(self, z: Vec) -> State:
        return (*self.base.init(z), z, Count(1))

    def output(self, state: State) -> Vec:
        return state[-2]

    def step(self, ops: Ops, state: State) -> State:
        new = self.base.step(ops, tuple(state[:-2]))
        average, c = state[-2], int(state[-1])
        average = average + (1 / (c + 1)) * (self.base.output(new) - average)
        return (*new, average, Count(c + 1))

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        return (*self.base.with_iterate(ops, tuple(state[:-2]), z), *state[-2:])
