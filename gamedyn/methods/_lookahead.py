"""Lookahead-minmax around any base update operator."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, Vec, is_count, repeat

__all__ = ["Lookahead", "INNER_STATES"]

INNER_STATES = ("interpolate", "keep")
"""What a synchronisation does to the base's state besides the iterate (see :class:`Lookahead`)."""


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
      different rates (e.g. for heavy-ball momentum). LAGAN's class creates the slow copy at its
      first synchronisation, so its first cycle is not pulled back; every later cycle is this
      operator's.

    Eigenvalues of the base outside the unit circle are pulled inside when their ``k``-th powers
    rotate back towards 1.

    Args:
      base: any :class:`Method`.
      k: the number of fast steps, an integer ``≥ 1``.
      alpha: the slow step size ``α ∈ (0, 1]`` (``α = 1`` is ``k`` plain base steps).
      inner_state: ``"interpolate"`` or ``"keep"`` (:data:`INNER_STATES`).

    References:
      Zhang, Lucas, Hinton and Ba, "Lookahead Optimizer: k steps forward, 1 step back", NeurIPS
      2019. Chavdarova, Pagliardini, Stich, Fleuret and Jaggi, "Taming GANs with
      Lookahead-Minmax", ICLR 2021.
    """

    wraps = ("base",)

    def __init__(self, base: Method, k: int, alpha: Any, inner_state: str = "interpolate"):
        if not isinstance(base, Method):
            raise TypeError(f"base must be an update operator (a Method), got {base!r}")
        self.base = base
        self.k = _validate.integer_at_least("k", k, 1)
        self.alpha = _validate.unit_interval("alpha", alpha)
        self.inner_state = _validate.choice("inner_state", inner_state, INNER_STATES)
        self.order = base.order

    def hyperparameters(self) -> dict[str, Any]:
        out = {"base": self.base, "k": self.k, "alpha": self.alpha}
        if self.inner_state != "interpolate":
            out["inner_state"] = self.inner_state
        return out

    def init(self, z: Vec) -> State:
        return self.base.init(z)

    def output(self, state: State) -> Vec:
        return self.base.output(state)

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        return self.base.with_iterate(ops, state, z)

    def field_evaluations(self) -> int:
        return self.k * self.base.field_evaluations()

    def step(self, ops: Ops, state: State) -> State:
        fast = repeat(ops, lambda s: self.base.step(ops, s), self.k, state)
        if self.inner_state == "keep":
            slow = state[0] + self.alpha * (fast[0] - state[0])
            return self.base.with_iterate(ops, fast, slow)
        return tuple(
            f if is_count(f) else s + self.alpha * (f - s) for s, f in zip(state, fast, strict=True)
        )
