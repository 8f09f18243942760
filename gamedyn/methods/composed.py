"""Named update operators defined by a game schedule over the players' transforms.

:class:`Composed` is the base of every operator that is a composition
(:mod:`gamedyn.methods.schedules` over :mod:`gamedyn.methods.transforms`): GDA is
:class:`~gamedyn.methods.schedules.Simultaneous` over a plain step, alternating GDA
:class:`~gamedyn.methods.schedules.Alternating` over it, momentum either over heavy ball,
extragradient :class:`~gamedyn.methods.schedules.Extrapolation` over it, and the Adam family
the same schedules over Adam. The named class only parses its literature hyperparameters into
transforms and reports them back (:meth:`Method.hyperparameters`); the step, the state, the
frozen operator and lookahead's ``keep`` are the schedule's.
"""

from __future__ import annotations

from typing import Any

from .base import Method, Ops, State, Vec
from .optimiser_state import OptimiserState
from .schedules import Schedule

__all__ = ["Composed", "per_player"]


def per_player(value: Any) -> tuple[Any, Any, bool]:
    """``(value_x, value_y, shared)`` from one value or a pair ``(value_x, value_y)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"expected a value or a pair (x, y), got {value!r}")
        return value[0], value[1], False
    return value, value, True


class Composed(Method):
    """An update operator whose step is its :attr:`schedule`'s (see the module docstring)."""

    schedule: Schedule
    wraps = ("schedule",)

    def __init__(self, schedule: Schedule):
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule must be a Schedule, got {schedule!r}")
        self.schedule = schedule

    @property
    def order(self) -> int:  # type: ignore[override]
        return self.schedule.order

    def init(self, z: Vec) -> State:
        return self.schedule.init(z)

    def step(self, ops: Ops, state: State) -> State:
        return self.schedule.step(ops, state)

    def output(self, state: State) -> Vec:
        return self.schedule.output(state)

    def with_iterate(self, ops: Ops, state: State, z: Vec) -> State:
        return self.schedule.with_iterate(ops, state, z)

    def optimiser_state(self, state: State, nx: int) -> OptimiserState:
        """The optimiser state of one of its states (:meth:`Schedule.optimiser_state`)."""
        return self.schedule.optimiser_state(state, nx)
