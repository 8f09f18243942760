"""Lookahead-minmax around any base update operator."""

from __future__ import annotations

from typing import Any

from .. import _validate
from .base import Method, Ops, State, repeat

__all__ = ["Lookahead"]


class Lookahead(Method):
    """Lookahead: ``k`` fast steps of ``base`` from the slow weights, then a partial pull back.

    ``fast_0 = slow``,  ``fast_{i+1} = base(fast_i)`` for ``i < k``,
    ``slow⁺ = slow + α (fast_k − slow)``.

    The slow copy holds the *whole* base state, so for an augmented base (momentum, optimistic)
    both components ``(z_t, z_{t−1})`` are interpolated. The Jacobian is then
    ``(1 − α) I + α D(base^k)``; when the base has an eigenvalue map ``m(λ)``, lookahead's is
    ``1 − α + α m(λ)^k``: eigenvalues of the base outside the unit circle are pulled inside when
    their ``k``-th powers rotate back towards 1.

    Args:
      base: any :class:`Method`.
      k: the number of fast steps, an integer ``≥ 1``.
      alpha: the slow step size ``α ∈ (0, 1]`` (``α = 1`` is ``k`` plain base steps).

    References:
      Zhang, Lucas, Hinton and Ba, "Lookahead Optimizer: k steps forward, 1 step back", NeurIPS
      2019. Chavdarova, Pagliardini, Stich, Fleuret and Jaggi, "Taming GANs with
      Lookahead-Minmax", ICLR 2021.
    """

    def __init__(self, base: Method, k: int, alpha: Any):
        if not isinstance(base, Method):
            raise TypeError(f"base must be an update operator (a Method), got {base!r}")
        self.base = base
        self.k = _validate.integer_at_least("k", k, 1)
        self.alpha = _validate.unit_interval("alpha", alpha)
        self.order = base.order

    def hyperparameters(self) -> dict[str, Any]:
        return {"base": self.base, "k": self.k, "alpha": self.alpha}

    def field_evaluations(self) -> int:
        return self.k * self.base.field_evaluations()

    def step(self, ops: Ops, state: State) -> State:
        fast = repeat(ops, lambda s: self.base.step(ops, s), self.k, state)
        return tuple(s + self.alpha * (f - s) for s, f in zip(state, fast, strict=True))
