"""RMSProp on both players (the optimiser of the Numerics-of-GANs consensus experiments).

:class:`RMSProp` is the simultaneous or alternating play (:mod:`gamedyn.methods`)
over one :class:`~gamedyn.methods.RMSPropTransform` per player, as
``torch.optim.RMSprop`` computes it (optionally centred, with momentum). Its frozen operator
(:meth:`~gamedyn.methods.Composed.frozen`) holds the second moment at its starting
value.
"""

from __future__ import annotations

from typing import Any

from ._composed import Composed, per_player
from ._optimiser_state import OptimiserState
from ._play import Alternating, one_step_play
from ._transforms import RMSPropTransform, describe

__all__ = ["RMSProp"]


class RMSProp(Composed):
    """RMSProp (Tieleman and Hinton 2012) on both players, ``torch.optim.RMSprop``'s rule.

    Args:
      lr: step size, or ``(lr_x, lr_y)``.
      alpha: the smoothing constant ``α``.
      eps: ``ε`` (added to ``√v``).
      weight_decay: L2 weight decay ``λ``.
      momentum: ``μ`` (a ``momentum_buffer`` slot when non-zero).
      centered: subtract the squared running mean of the gradient (a ``grad_avg`` slot).
      alternating, n_critic, first: as :class:`~gamedyn.methods.Adam`.
      second_moment: ``None`` (tracked) or the frozen second moment (a number or one per player).
      start: an :class:`~gamedyn.methods.OptimiserState` (an optimiser's saved state) to start
        from.

    References:
      Tieleman and Hinton, lecture 6.5 of "Neural Networks for Machine Learning", 2012.
      Mescheder, Nowozin and Geiger, "The Numerics of GANs", NeurIPS 2017.
    """

    def __init__(
        self,
        lr: Any,
        alpha: Any = 0.99,
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        momentum: Any = 0.0,
        centered: bool = False,
        *,
        alternating: bool = False,
        n_critic: int = 1,
        first: str = "y",
        second_moment: Any = None,
        start: OptimiserState | None = None,
    ):
        lr_x, lr_y, s1 = per_player(lr)
        v_x, v_y, s2 = per_player(second_moment)
        common = {
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        players: Any = RMSPropTransform(lr_x, second_moment=v_x, **common)
        if not (s1 and s2):
            players = (players, RMSPropTransform(lr_y, second_moment=v_y, **common))
        super().__init__(one_step_play(players, alternating, n_critic, first, start))

    def hyperparameters(self) -> dict[str, Any]:
        tx, ty = self.play.players
        shared = self.play.shared
        out: dict[str, Any] = {"lr": tx.lr if shared or tx.lr == ty.lr else (tx.lr, ty.lr)}
        out.update(
            {k: v for k, v in tx.hyperparameters().items() if k not in ("lr", "second_moment")}
        )
        if isinstance(self.play, Alternating):
            out.update(alternating=True, n_critic=self.play.n_critic, first=self.play.first)
        if tx.second_moment is not None:
            out["second_moment"] = (
                tx.second_moment if shared else (tx.second_moment, ty.second_moment)
            )
        if self.play.start is not None:
            out["start"] = self.play.start
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={describe(v)}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"
