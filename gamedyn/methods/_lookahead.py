"""Lookahead-minmax around any base update operator."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Count, Method, Ops, State, Vec, is_count, repeat

__all__ = ["Lookahead", "INNER_STATES", "SLOW_STARTS"]

INNER_STATES = ("interpolate", "keep")
"""What a synchronisation does to the base's state besides the iterate (see :class:`Lookahead`)."""

SLOW_STARTS = ("start", "first-sync")
"""When the slow weights are created: at the start (Zhang et al.'s Lookahead) or at the first
synchronisation (LAGAN's released ``Lookahead`` class; see :class:`Lookahead`)."""


class Lookahead(Method):
    """Lookahead: ``k`` fast steps of ``base`` from the slow weights, then a partial pull back.

    ``fast_0 = slow``,  ``fast_{i+1} = base(fast_i)`` for ``i < k``,
    ``slow⁺ = slow + α (fast_k − slow)``.

    One step of this operator is a whole cycle of ``k`` base steps and the synchronisation; its
    state is the base's, and :func:`gamedyn.run` reports the slow iterate at each
    synchronisation. What happens to the rest of the base's state is ``inner_state``:

    * ``"interpolate"`` (default): the slow copy holds the *whole* base state, and every vector of
      it is interpolated — for momentum both components ``(z_t, z_{t−1})``, for Adam ``z``, ``m``
      and ``v``. The Jacobian is then ``(1 − α) I + α D(base^k)``; when the base has an eigenvalue
      map ``m(λ)``, lookahead's is ``1 − α + α m(λ)^k``. Counts (Adam's step count) are not
      interpolated: they are the fast steps' (``k`` more updates).
    * ``"keep"``: only the iterate is pulled back; the optimiser's state is left as the ``k`` fast
      steps made it (:meth:`Method.with_iterate`: moments and past gradients kept, heavy ball's
      velocity ``z_t − z_{t−1}`` kept). This is what LAGAN's released ``Lookahead`` class does
      (it wraps ``torch.optim`` optimisers and never touches their state): LA-Adam and
      LA-ExtraAdam as run by Chavdarova et al. The two conventions give different operators and
      different rates (e.g. for heavy-ball momentum).

    When the slow weights are created is ``slow_start``:

    * ``"start"`` (default; Zhang et al.): ``slow = z_0``, every cycle is pulled back;
    * ``"first-sync"``: LAGAN's released class creates the slow copy *at* its first
      synchronisation (``slow_param`` is copied from the fast weights there, then
      ``slow += α(fast − slow)`` moves nothing), so the first cycle is ``k`` plain base steps and
      every later cycle is the ``"start"`` operator's. The state then ends with a
      :class:`~gamedyn.methods.base.Count` (0 before the first synchronisation, 1 after), so
      :func:`gamedyn.run` from ``z_0`` equals LAGAN's trainer from ``z_0``, first cycle included.
      Its Jacobian at ``init(z)`` is the *first* cycle's, ``D(base^k)``; the operator of every
      later cycle (what an analysis at a checkpoint means) is the ``"start"`` one, or this one at
      a state whose count is 1.

    Eigenvalues of the base outside the unit circle are pulled inside when their ``k``-th powers
    rotate back towards 1.

    Args:
      base: any :class:`Method`.
      k: the number of fast steps, an integer ``≥ 1``.
      alpha: the slow step size ``α ∈ (0, 1]`` (``α = 1`` is ``k`` plain base steps).
      inner_state: ``"interpolate"`` or ``"keep"`` (:data:`INNER_STATES`).
      slow_start: ``"start"`` or ``"first-sync"`` (:data:`SLOW_STARTS`).

    Example:
      >>> import gamedyn
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.methods import GDA
      >>> game = Bilinear([[1.0]])
      >>> lagan = Lookahead(GDA(0.1), k=3, alpha=0.5, slow_start="first-sync")
      >>> plain = gamedyn.run(GDA(0.1), game, [1.0, 1.0], 3)
      >>> bool((gamedyn.run(lagan, game, [1.0, 1.0], 1)[1] == plain[3]).all())  # no pull back
      True

    References:
      Zhang, Lucas, Hinton and Ba, "Lookahead Optimizer: k steps forward, 1 step back", NeurIPS
      2019. Chavdarova, Pagliardini, Stich, Fleuret and Jaggi, "Taming GANs with
      Lookahead-Minmax", ICLR 2021.
    """

    wraps = ("base",)

    def __init__(
        self,
        base: Method,
        k: int,
        alpha: Any,
        inner_state: str = "interpolate",
        slow_start: str = "start",
    ):
        if not isinstance(base, Method):
            raise TypeError(f"base must be an update operator (a Method), got {base!r}")
        self.base = base
        self.k = _validate.integer_at_least("k", k, 1)
        self.alpha = _validate.unit_interval("alpha", alpha)
        self.inner_state = _validate.choice("inner_state", inner_state, INNER_STATES)
        self.slow_start = _validate.choice("slow_start", slow_start, SLOW_STARTS)
        self.order = base.order

    def hyperparameters(self) -> dict[str, Any]:
        out = {"base": self.base, "k": self.k, "alpha": self.alpha}
        if self.inner_state != "interpolate":
            out["inner_state"] = self.inner_state
        if self.slow_start != "start":
            out["slow_start"] = self.slow_start
        return out

    def _split(self, state: State) -> tuple[State, int]:
        """``(base_state, synced)``: the base's state and whether the slow weights exist."""
        if self.slow_start == "start":
            return state, 1
        return tuple(state[:-1]), int(state[-1])

    def _join(self, base_state: State, synced: int) -> State:
        if self.slow_start == "start":
            return base_state
        return (*base_state, Count(synced))

    def init(self, z: Vec) -> State:
        return self._join(self.base.init(z), 0)

    def output(self, state: State) -> Vec:
        return self.base.output(self._split(state)[0])

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        base_state, synced = self._split(state)
        return self._join(self.base.with_iterate(ops, base_state, z), synced)

    def field_evaluations(self) -> int:
        return self.k * self.base.field_evaluations()

    def step(self, ops: Ops, state: State) -> State:
        state, synced = self._split(state)
        fast = repeat(ops, lambda s: self.base.step(ops, s), self.k, state)
        if not synced:  # LAGAN's first synchronisation: the slow copy is the fast weights
            return self._join(fast, 1)
        if self.inner_state == "keep":
            slow = state[0] + self.alpha * (fast[0] - state[0])
            return self._join(self.base.with_iterate(ops, fast, slow), 1)
        return self._join(
            tuple(
                f if is_count(f) else s + self.alpha * (f - s)
                for s, f in zip(state, fast, strict=True)
            ),
            1,
        )
