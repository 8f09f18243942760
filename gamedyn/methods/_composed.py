r"""Named update operators defined by a play over the players' transforms.

:class:`Composed` is the base of every operator that is a composition
(a :class:`~gamedyn.methods.Play` over per-player :class:`~gamedyn.methods.Transform`\ s): GDA is
:class:`~gamedyn.methods.Simultaneous` over a plain step, alternating GDA
:class:`~gamedyn.methods.Alternating` over it, momentum either over heavy ball,
extragradient :class:`~gamedyn.methods.Extrapolation` over it, and the Adam family
the same plays over Adam. The named class only parses its literature hyperparameters into
transforms and reports them back (:meth:`Method.hyperparameters`); the step, the state, the
frozen operator and lookahead's ``keep`` are the play's.
"""

from __future__ import annotations

from typing import Any

from ._base import Method, Ops, State, Vec
from ._optimiser_state import OptimiserState
from ._play import Play

__all__ = ["Composed", "per_player"]


def per_player(value: Any) -> tuple[Any, Any, bool]:
    """``(value_x, value_y, shared)`` from one value or a pair ``(value_x, value_y)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"expected a value or a pair (x, y), got {value!r}")
        return value[0], value[1], False
    return value, value, True


class Composed(Method):
    """An update operator whose step is its :attr:`play`'s (see the module docstring)."""

    play: Play
    wraps = ("play",)

    def __init__(self, play: Play):
        if not isinstance(play, Play):
            raise TypeError(f"play must be a Play, got {play!r}")
        self.play = play

    @property
    def order(self) -> int:  # type: ignore[override]
        return self.play.order

    def init(self, z: Vec) -> State:
        return self.play.init(z)

    def step(self, ops: Ops, state: State) -> State:
        return self.play.step(ops, state)

    def output(self, state: State) -> Vec:
        return self.play.output(state)

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        return self.play.with_iterate(ops, state, z)

    def optimiser_state(self, state: State, nx: int) -> OptimiserState:
        """The optimiser state of one of its states (:meth:`Play.optimiser_state`)."""
        return self.play.optimiser_state(state, nx)
