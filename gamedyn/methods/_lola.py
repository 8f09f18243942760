"""Learning with opponent-learning awareness (Foerster et al. 2018), in the SOS paper's notation.

The two terms LOLA adds to the field are shared with :mod:`.sos`: the look-ahead
:func:`lookahead_field` and the shaping term :func:`shaping_term`.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._base import Method, Ops, State, Vec, off_diagonal_jvp, off_diagonal_vjp, scale

__all__ = ["LOLA", "lookahead_field", "shaping_term"]


def lookahead_field(ops: Ops, z: Vec, v: Vec, alpha: Any) -> Vec:
    """``ξ₀ = (I − α H_o) ξ``: each player's gradient after the others' anticipated step.

    ``H_o`` is the off-diagonal part of the game Jacobian (:func:`off_diagonal_jvp`) and ``ξ``
    the field ``v``; with a pair ``α = (α_x, α_y)`` the first player anticipates the step
    ``−α_y ξ_y`` of the second and vice versa: ``ξ₀ = ξ − H_o (α ξ)``.
    """
    return v - off_diagonal_jvp(ops, z, scale(ops, alpha, v))


def shaping_term(ops: Ops, z: Vec, alpha: Any) -> Vec:
    """``α χ = α diag(H_oᵀ ∇L)``: how each player's loss moves through the others' learning.

    For two players, ``χ_x = (∂ξ_y/∂x)ᵀ ∇_y L_x`` and ``χ_y = (∂ξ_x/∂y)ᵀ ∇_x L_y``: the
    transposed coupling blocks of ``J`` applied to the gradient of each player's loss with
    respect to the *other* player (:meth:`~gamedyn.methods.Ops.loss_gradients`), i.e.
    ``H_oᵀ u`` with ``u = (∇_x L_y, ∇_y L_x)``; with a pair ``α`` it is ``H_oᵀ (α u)``.
    """
    grad_lx, grad_ly = ops.loss_gradients(z)
    ux, _ = ops.split(grad_ly)  # ∇_x L_y
    _, uy = ops.split(grad_lx)  # ∇_y L_x
    return off_diagonal_vjp(ops, z, scale(ops, alpha, ops.join(ux, uy)))


class LOLA(Method):
    """LOLA: each player differentiates through the others' anticipated naive step.

    Player ``i`` minimises its loss after the others' gradient step,
    ``L_i(θ_i, θ_{−i} − α ξ_{−i})``, to first order in ``α``. Its gradient (Letcher et al.'s
    notation: ``ξ`` the field, ``H_o`` the off-diagonal blocks of ``H = J``, ``∇L`` the
    players' full loss gradients) is

    ``ξ_LOLA = (I − α H_o) ξ − α diag(H_oᵀ ∇L)``,  ``z⁺ = z − η ξ_LOLA``:

    the look-ahead term (:func:`lookahead_field`) and the shaping term (:func:`shaping_term`),
    which needs ``∇_y L_x`` and ``∇_x L_y`` — the losses, not only the field — so LOLA has no
    eigenvalue map. In a zero-sum game ``∇_y L_x = −ξ_y`` and the shaping term is
    ``−α H_oᵀ ξ``; on the bilinear game (``H_oᵀ = −H_o = −J``) LOLA is GDA on ``J + 2αJᵀJ``,
    with eigenvalues ``1 − η (2α σ² ± i σ)`` (the look-ahead alone gives ``1 − η (ασ² ± iσ)``).
    Foerster et al.'s own update keeps only the shaping term; Letcher et al. (and their
    implementation) keep both, as here.

    Args:
      lr: step size η, or a pair ``(η_x, η_y)``.
      alpha: the look-ahead rate α each player assumes for the others (default ``lr``, as in
        Letcher et al.); a pair ``(α_x, α_y)`` gives each player's own rate.

    Example:
      >>> from gamedyn.games import Bilinear
      >>> from gamedyn.spectrum import eigenvalues
      >>> eigenvalues(Bilinear([[1.0]]), method=LOLA(0.2, alpha=0.5)).round(12)  # 1 − η(2α ± i)
      array([0.8+0.2j, 0.8-0.2j])

    References:
      Foerster, Chen, Al-Shedivat, Whiteson, Abbeel and Mordatch, "Learning with
      Opponent-Learning Awareness", AAMAS 2018. Letcher, Foerster, Balduzzi, Rocktäschel and
      Whiteson, "Stable Opponent Shaping in Differentiable Games", ICLR 2019.
    """

    def __init__(self, lr: Any, alpha: Any = None):
        self.lr = _validate.step_size("lr", lr)
        self.alpha = self.lr if alpha is None else _validate.step_size("alpha", alpha)

    def step(self, ops: Ops, state: State) -> State:
        (z,) = state
        v = ops.field(z)
        adjusted = lookahead_field(ops, z, v, self.alpha) - shaping_term(ops, z, self.alpha)
        return (z - scale(ops, self.lr, adjusted),)
