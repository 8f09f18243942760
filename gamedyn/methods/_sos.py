"""Stable opponent shaping (Letcher et al., ICLR 2019)."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, scale
from ._lola import lookahead_field, shaping_term

__all__ = ["SOS"]


class SOS(Method):
    """SOS: LOLA's shaping term, scaled by ``p ∈ [0, 1]`` so that it never fights the look-ahead.

    With ``ξ₀ = (I − α H_o) ξ`` (``lookahead_field``, shared with LOLA) and
    ``χ = diag(H_oᵀ ∇L)`` (``shaping_term``), Letcher et al.'s
    Algorithm 1 takes

    * ``p₁ = 1`` if ``⟨−αχ, ξ₀⟩ ≥ 0``, else ``min(1, −a ‖ξ₀‖² / ⟨−αχ, ξ₀⟩)``: the shaped
      field keeps ``⟨ξ_p, ξ₀⟩ ≥ (1 − a) ‖ξ₀‖²``;
    * ``p₂ = ‖ξ‖²`` if ``‖ξ‖ < b``, else ``1``: the shaping fades out near fixed points;
    * ``p = min(p₁, p₂)``, ``ξ_p = ξ₀ − p α χ`` and ``z⁺ = z − η ξ_p``.

    ``p`` is a function of ``z`` (through inner products, :meth:`~gamedyn.methods.Ops.dot`,
    and branches, :meth:`~gamedyn.methods.Ops.if_nonnegative`) and is differentiated with
    the rest. At a fixed point ``p = 0`` and ``∇p = 0``, so SOS has the Jacobian of the
    look-ahead alone, ``I − η (I − α H_o) J`` there: it keeps LookAhead's local convergence to
    stable fixed points, and LOLA's shaping away from them. On the bilinear game that is
    ``1 − η (α σ² ± i σ)``.

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      alpha: the look-ahead rate α (default ``lr``, as in Letcher et al.); a pair gives each
        player's own.
      a: the alignment parameter ``a ∈ (0, 1)`` of ``p₁`` (0.5 in Letcher et al.).
      b: the radius ``b > 0`` below which ``p₂ = ‖ξ‖²`` (0.1 in Letcher et al.).

    References:
      Letcher, Foerster, Balduzzi, Rocktäschel and Whiteson, "Stable Opponent Shaping in
      Differentiable Games", ICLR 2019 (Algorithm 1).
    """

    def __init__(self, lr: Any, alpha: Any = None, a: Any = 0.5, b: Any = 0.1):
        self.lr = _validate.step_size("lr", lr)
        self.alpha = self.lr if alpha is None else _validate.step_size("alpha", alpha)
        self.a = _validate.real_scalar("a", a)
        if not _validate.is_symbolic(self.a) and not 0.0 < self.a < 1.0:
            raise ValueError(f"a must lie in (0, 1), got {self.a!r}")
        self.b = _validate.positive("b", b)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        v = ops.field(z)
        xi0 = lookahead_field(ops, z, v, self.alpha)
        shaping = shaping_term(ops, z, self.alpha)  # α χ
        c = -ops.dot(shaping, xi0)  # ⟨−αχ, ξ₀⟩
        # p₁: 1 when c ≥ 0, else min(1, −a‖ξ₀‖²/c); the ratio's denominator is −c > 0 on the
        # branch that uses it (1 on the other, where the ratio is not used)
        ratio = self.a * ops.dot(xi0, xi0) / ops.if_nonnegative(c, 1.0, -c)
        p1 = ops.if_nonnegative(c, 1.0, ops.if_nonnegative(1.0 - ratio, ratio, 1.0))
        # p₂: ‖ξ‖² when ‖ξ‖ < b, else 1
        norm2 = ops.dot(v, v)
        p2 = ops.if_nonnegative(norm2 - self.b**2, 1.0, norm2)
        p = ops.if_nonnegative(p2 - p1, p1, p2)  # min(p₁, p₂)
        return (z - scale(ops, self.lr, xi0 - p * shaping),)
