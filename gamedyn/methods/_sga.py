"""Symplectic gradient adjustment (Balduzzi et al., ICML 2018)."""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, scale

__all__ = ["SGA", "ALIGN_EPS"]

ALIGN_EPS = 0.1
"""The ``ε`` of the sign-alignment rule (``1/10`` in Balduzzi et al.'s Algorithm 1)."""


class SGA(Method):
    """Symplectic gradient adjustment: ``z⁺ = z − η (v + λ Aᵀ v)``, ``A = (J − Jᵀ)/2``.

    ``J = S + A`` splits into its symmetric part ``S`` (the potential part of the game) and its
    antisymmetric part ``A`` (the Hamiltonian, rotational part). The adjustment ``λ Aᵀ v`` turns
    the field towards the descent direction of ``H = ½‖v‖²`` (``∇H = Jᵀv = S v + Aᵀ v``) without
    changing its fixed points. ``Aᵀv = (Jᵀv − J v)/2`` takes one ``J u`` and one ``Jᵀ u``.

    With ``align=True`` the sign of ``λ`` follows Balduzzi et al.'s alignment rule:
    ``λ ← sign(⟨v, ∇H⟩ ⟨Aᵀv, ∇H⟩ / d + ε) · λ`` with ``d`` the number of parameters and
    ``ε = 1/10`` (:data:`ALIGN_EPS`), so that the adjustment points towards ``∇H`` near stable
    fixed points and away from it near unstable ones. Near any fixed point both inner products
    vanish and the sign is ``+``: the aligned and plain operators have the same Jacobian there.
    (The SOS authors' implementation divides by the number of parameters, as here; DeepMind's
    SGA notebook by the number of parameter tensors, which is ``d`` when each player is one
    scalar.)

    On the bilinear game ``xᵀAy`` (``S = 0``, ``Aᵀv = JᵀJ z``) the Jacobian is
    ``I − η (J + λ JᵀJ)``, with eigenvalues ``1 − η (λ σ² ± i σ)`` for the singular values ``σ``:
    on ``x·y``, ``1 − η (λ ± i)``. For a normal ``J`` the eigenvalue map is
    ``μ = 1 − η λ_J (1 − i λ Im λ_J)`` for each eigenvalue ``λ_J`` of ``J``.

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      lam: the adjustment weight ``λ ≥ 0`` (``λ = 0`` is GDA).
      align: choose the sign of ``λ`` by the alignment rule at every step.

    Example:
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.spectrum import eigenvalues
      >>> eigenvalues(Bilinear([[1.0]]), method=SGA(0.5, lam=1.0)).round(12)   # 1 − η(λ ± i)
      array([0.5+0.5j, 0.5-0.5j])

    References:
      Balduzzi, Racanière, Martens, Foerster, Tuyls and Graepel, "The Mechanics of n-Player
      Differentiable Games", ICML 2018 (Algorithm 1). Letcher, Balduzzi, Racanière, Martens,
      Foerster, Tuyls and Graepel, "Differentiable Game Mechanics", JMLR 2019.
    """

    def __init__(self, lr: Any, lam: Any, align: bool = False):
        self.lr = _validate.step_size("lr", lr)
        self.lam = _validate.nonnegative("lam", lam)
        if not isinstance(align, bool):
            raise TypeError(f"align must be a bool, got {align!r}")
        self.align = align

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        v = ops.field(z)
        grad_h = ops.vjp(z, v)  # ∇H = Jᵀ v
        adjustment = 0.5 * (grad_h - ops.jvp(z, v))  # Aᵀ v = (Jᵀ v − J v) / 2
        lam = self.lam
        if self.align:
            alignment = ops.dot(v, grad_h) * ops.dot(adjustment, grad_h) / ops.size(z)
            lam = ops.if_nonnegative(alignment + ALIGN_EPS, self.lam, -self.lam)
        return (z - scale(ops, self.lr, v + lam * adjustment),)
