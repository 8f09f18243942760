"""Gradient descent-ascent, simultaneous and alternating.

Both are compositions (:mod:`gamedyn.methods`): a plain step
(:class:`~gamedyn.methods.PlainTransform`) under the simultaneous or the alternating
play (:mod:`gamedyn.methods`), whose rules they share with the Adam family.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ._composed import Composed, per_player
from ._play import Alternating, Play, Simultaneous
from ._transforms import PlainTransform

__all__ = ["GDA", "AltGDA", "OnPlainStep", "plain_players"]


def plain_players(lr: Any) -> Any:
    """One plain transform for a step size, or a pair of them for ``(lr_x, lr_y)``."""
    lr_x, lr_y, shared = per_player(lr)
    if shared:
        return PlainTransform(lr_x)
    return PlainTransform(lr_x), PlainTransform(lr_y)


class OnPlainStep(Composed):
    """A play over a plain step ``u = η g`` per player, named by its step size ``lr`` alone.

    A subclass says which play (:meth:`play_over`); GDA, AltGDA, extragradient and optimistic
    GDA differ in nothing else.
    """

    def __init__(self, lr: Any):
        self.lr = _validate.step_size("lr", lr)
        super().__init__(self.play_over(plain_players(self.lr)))

    @staticmethod
    def play_over(players: Any) -> Play:
        """The play over the players' plain steps."""
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, Any]:
        return {"lr": self.lr}


class GDA(OnPlainStep):
    """Simultaneous gradient descent-ascent: ``z⁺ = z − η v(z)``.

    Jacobian ``I − η J``: eigenvalues ``1 − ηλ``, so on the bilinear game (``λ = ±iσ``) the
    spectral radius is ``√(1 + η²σ_max²) > 1`` for every ``η``: GDA spirals out.
    """

    play_over = staticmethod(Simultaneous)


class AltGDA(OnPlainStep):
    """Alternating gradient descent-ascent.

    ``x⁺ = x − η_x v_x(x, y)``, then ``y⁺ = y − η_y v_y(x⁺, y)``: the first player first, one
    step each (:class:`~gamedyn.methods.Alternating` with ``first="x"``,
    ``n_critic=1``). Its Jacobian depends on the blocks of ``J``, not on its eigenvalues alone.
    On the bilinear game with ``η σ_max < 2`` its eigenvalues lie on the unit circle: the
    iterates stay bounded and cycle.
    """

    @staticmethod
    def play_over(players: Any) -> Play:
        return Alternating(players, n_critic=1, first="x")
