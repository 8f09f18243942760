"""Python's cyclic garbage collector around gamedyn's imports and a command's run.

Importing torch, scipy and gamedyn creates about a million container objects, all of them alive
for the life of the process; the cyclic collector's passes over them while they are made (four
full and some fifty middle-generation passes) find next to nothing and cost 0.3–0.4 CPU seconds
of ``gamedyn spectrum``'s fixed cost (``benchmarks/bench_cli_phases.py``). :func:`paused`
holds the collector off during ``import gamedyn`` (its state is restored after: a library
import changes nothing for the importing program); :func:`freeze_imports` moves what the
imports made out of the collector's way for the rest of a command's process (``gc.freeze``),
where the process is the command's own.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence

__all__ = ["paused", "freeze_imports"]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside; the collector's state as it was on exit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_imports(argv: Sequence[str] | None = None) -> None:
    """Where ``argv`` is ``None`` — ``gamedyn.cli.main()`` run as the process's command (the
    ``gamedyn`` script, ``python -m gamedyn``) — every object alive now (modules, classes,
    functions: what the imports made) is left out of every later collection (``gc.freeze``;
    nothing is freed or changed), so that a later full collection scans the command's own
    objects only. With arguments given (``main([...])`` from a program or a test): nothing."""
    if argv is None:
        gc.freeze()
