"""Honest timings for the benchmarks: variants interleaved in one run, order rotated each round,
CPU time (``time.process_time``) and wall time, min and median.

Every benchmark of ``benchmarks/`` that compares variants times them through :func:`interleaved`
so that a load that comes and goes (a shared machine) falls on every variant alike; CPU time is
the number to compare on a loaded machine (one torch thread: :func:`single_threaded`).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

__all__ = ["Timing", "interleaved", "single_threaded", "table", "timed"]


class Timing:
    """CPU and wall seconds of each round of one variant, and what its last call returned."""

    def __init__(self) -> None:
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.result: Any = None

    @property
    def cpu_min(self) -> float:
        return min(self.cpu)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def wall_min(self) -> float:
        return min(self.wall)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    def __str__(self) -> str:
        return (
            f"CPU min {self.cpu_min:8.4f} s, median {self.cpu_median:8.4f} s; "
            f"wall min {self.wall_min:8.4f} s, median {self.wall_median:8.4f} s"
        )


def timed(
    fn: Callable[[], Any], sync: Callable[[], None] | None = None
) -> tuple[float, float, Any]:
    """``(cpu seconds, wall seconds, fn())``."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    if sync is not None:
        sync()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def interleaved(
    variants: dict[str, Callable[[], Any]],
    rounds: int,
    *,
    warmup: bool = True,
    sync: Callable[[], None] | None = None,
    progress: bool = False,
    before: Callable[[], None] | None = None,
) -> dict[str, Timing]:
    """Each variant once per round, in an order rotated by one each round (one warm-up call of
    each first, untimed, when ``warmup``); ``before()``, untimed, ahead of every timed call (a
    barrier of the processes, a cache cleared)."""
    names = list(variants)
    timings = {name: Timing() for name in names}
    if warmup:
        for name in names:
            variants[name]()
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            if before is not None:
                before()
            cpu, wall, result = timed(variants[name], sync)
            timings[name].cpu.append(cpu)
            timings[name].wall.append(wall)
            timings[name].result = result
            if progress:
                print(
                    f"  round {r + 1}/{rounds} {name}: CPU {cpu:.3f} s, wall {wall:.3f} s",
                    flush=True,
                )
    return timings


def table(timings: dict[str, Timing], baseline: str | None = None) -> str:
    """One line per variant: CPU and wall min/median, and the CPU-min ratio to ``baseline``."""
    lines = []
    for name, t in timings.items():
        ratio = ""
        if baseline is not None:
            b = timings[baseline]
            ratio = (
                f"  ({t.cpu_min / b.cpu_min:.2f}× CPU min, "
                f"{t.cpu_median / b.cpu_median:.2f}× median)"
            )
        lines.append(f"{name:28s} {t}{ratio}")
    return "\n".join(lines)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """One torch thread inside (timings comparable on a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
