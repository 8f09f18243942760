"""When a monitor fires: every ``n`` steps, or on a geometric grid of steps."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import _validate

__all__ = ["Every", "Geometric", "Steps", "schedule_of"]


@dataclass(frozen=True)
class Every:
    """Fires at ``start, start + n, start + 2n, ...`` (``n ≥ 1``, ``start ≥ 0``).

    Example:
      >>> [s for s in range(12) if Every(5)(s)]
      [0, 5, 10]
    """

    n: int
    start: int = 0

    def __post_init__(self) -> None:
        _validate.integer_at_least("every", self.n, 1)
        _validate.integer_at_least("start", self.start, 0)

    def __call__(self, step: int) -> bool:
        return step >= self.start and (step - self.start) % self.n == 0

    def settings(self) -> dict[str, Any]:
        return {"every": self.n, "start": self.start}


@dataclass(frozen=True)
class Geometric:
    """Fires at step 0 and at ``⌈first · ratio^i⌉`` for ``i = 0, 1, ...`` (``first ≥ 1``,
    ``ratio > 1``): dense early in training, where the spectrum moves fastest, sparse later.

    Example:
      >>> [s for s in range(100) if Geometric(1, 2)(s)]
      [0, 1, 2, 4, 8, 16, 32, 64]
    """

    first: int = 1
    ratio: float = 2.0

    def __post_init__(self) -> None:
        _validate.integer_at_least("first", self.first, 1)
        if not (isinstance(self.ratio, int | float) and math.isfinite(self.ratio)) or not (
            self.ratio > 1
        ):
            raise ValueError(f"ratio must be a finite number > 1, got {self.ratio!r}")

    def __call__(self, step: int) -> bool:
        if step == 0:
            return True
        value = float(self.first)
        while math.ceil(value) < step:
            value *= self.ratio
        return math.ceil(value) == step

    def settings(self) -> dict[str, Any]:
        return {"geometric": {"first": self.first, "ratio": self.ratio}}


@dataclass(frozen=True)
class Steps:
    """Fires at the given steps only.

    Example:
      >>> [s for s in range(10) if Steps((3, 7))(s)]
      [3, 7]
    """

    steps: frozenset[int]

    def __call__(self, step: int) -> bool:
        return step in self.steps

    def settings(self) -> dict[str, Any]:
        return {"steps": sorted(self.steps)}


def schedule_of(every: Any) -> Callable[[int], bool]:
    """``every`` as a schedule: an int ``n`` (:class:`Every`), a schedule object (anything
    callable ``step -> bool``), or an iterable of steps (:class:`Steps`)."""
    if isinstance(every, bool):
        raise TypeError(f"every must be an int, a schedule or a list of steps, got {every!r}")
    if isinstance(every, int):
        return Every(every)
    if callable(every):
        return every
    if isinstance(every, Iterable) and not isinstance(every, str | bytes):
        steps = list(every)
        for s in steps:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise ValueError(f"every: the steps must be integers >= 0, got {s!r}")
        return Steps(frozenset(steps))
    raise TypeError(
        f"every must be an int >= 1, a schedule (Every, Geometric, a callable step -> bool) or "
        f"a list of steps, got {every!r}"
    )
