"""The Jacobian route for frozen-preconditioner Adam: Krylov–Schur on ``P J``, not on the operator.

Simultaneous Adam with its second moment frozen (:meth:`~gamedyn.methods.Method.frozen`, a
checkpoint's operator) is, per coordinate, ``m⁺ = β₁ m + (1 − β₁) v(z)``, ``z⁺ = z − a ⊙ m⁺``
with ``a = lr_p / ((1 − β₁^τ_p)(√v̂ + ε_p))`` (each player ``p`` its own). With ``s = a ⊙ m``
it is ``s⁺ = β₁ s + (1 − β₁) P v(z)``, ``z⁺ = z − s⁺``, ``P = diag(a)``: the *unit* frozen Adam
(``lr = 1``, ``ε = 0``, ``v̂ = 1``, no bias correction) on the preconditioned field ``P v``,
whose Jacobian is ``P J``. So the operator's Jacobian is ``M(P J)``, ``M`` the unit method's
eigenvalue matrix (a heavy ball with ``β = β₁``): an eigenpair ``(θ, x)`` of ``P J`` gives the
operator eigenpairs ``(μ_b, (c_z x, c_m x ⊘ a))``, ``(μ_b, (c_z, c_m))`` those of ``M(θ)``.

Neither ``a`` nor the unit method is written from the formula above: ``a`` is read off the
method's own step (the difference of the updates for two constant fields, divided by the unit
method's), and ``M`` is derived from the unit method's step
(:func:`gamedyn.spectrum.eigenvalue_matrix`); every eigenpair's residual is checked on the
operator itself (:mod:`._jacobian_route`).

It holds for :class:`~gamedyn.methods.Adam` with ``alternating=False``, every player's second
moment frozen, one ``β₁`` for both players and no weight decay (``λ w`` would add ``λ P``, not a
function of ``P J``); alternating Adam's sub-steps see each other's updates and take the
operator route.
"""

from __future__ import annotations

import torch

from ..backends import MatrixFreeOps
from ..games import Game
from ..methods import Adam, AdamTransform, Composed, Method, Simultaneous

Tensor = torch.Tensor

__all__ = ["preconditioned_form"]


class _ConstantField(MatrixFreeOps):
    """Ops whose field is the constant ``value`` (the step's response to a field, read off)."""

    def __init__(self, game: Game, value: float):
        super().__init__(game)
        self.value = value

    def field(self, z: Tensor) -> Tensor:
        return torch.full_like(z, self.value)


def _shape_problem(method: Method) -> str | None:
    if not isinstance(method, Composed) or type(method.play) is not Simultaneous:
        return "not a simultaneous play"
    players = method.play.players
    if not all(type(t) is AdamTransform and t.second_moment is not None for t in players):
        return "not frozen Adam on both players"
    if len({float(t.beta1) for t in players}) != 1:
        return "the players' beta1 differ"
    if any(float(t.weight_decay) != 0.0 for t in players):
        return "weight decay (λ P is not a function of P J)"
    return None


def _response(method: Method, game: Game, z: Tensor) -> Tensor:
    """``z⁺(v ≡ 1) − z⁺(v ≡ 2)``: the step's gain per coordinate on a constant field."""
    out = []
    with torch.no_grad():
        for value in (1.0, 2.0):
            ops = _ConstantField(game, value)
            out.append(method.output(method.step(ops, method.init(z))))
    return out[0] - out[1]


def preconditioned_form(
    method: Method | None, game: Game, z: Tensor
) -> tuple[Method, Tensor] | None:
    """``(unit, a)`` where ``method``'s operator Jacobian is the ``unit`` method's on ``P J``,
    ``P = diag(a)`` (module docs); ``None`` where that does not hold.

    Example:
      >>> import torch
      >>> from gamedyn.games import Bilinear
      >>> game = Bilinear([[1.0]])
      >>> unit, a = preconditioned_form(
      ...     Adam(0.1, betas=(0.5, 0.9), eps=0.0, second_moment=4.0), game, game.default_point())
      >>> unit
      Adam(lr=1.0, betas=(0.5, 0.9), eps=0.0, second_moment=1.0)
      >>> [round(x, 12) for x in a.tolist()]  # lr / √v̂
      [0.05, 0.05]
    """
    if method is None or _shape_problem(method) is not None:
        return None
    players = method.play.players
    beta1, beta2 = float(players[0].beta1), float(players[0].beta2)
    unit = Adam(1.0, betas=(beta1, beta2), eps=0.0, second_moment=1.0)
    z = torch.as_tensor(z)
    a = _response(method, game, z) / _response(unit, game, z)
    if not bool(torch.all(torch.isfinite(a) & (a > 0))):
        return None
    return unit, a
