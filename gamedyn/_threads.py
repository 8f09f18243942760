"""How many threads torch computes with: ``--threads N`` of every command.

On a small game the work of one product is far below what splitting it over threads pays for,
and on a machine whose cores are busy with other processes every extra thread waits for a
core: a two-thread run of a small game on a shared 2-core machine was measured 66 times slower
than a one-thread run. The default is what torch would use, capped at the number of cores this
process may run on (its CPU affinity: a container or ``taskset`` may allow fewer than the
machine has).

Example:
  >>> n = set_threads(1)
  >>> n, torch.get_num_threads()
  (1, 1)
"""

from __future__ import annotations

import os
from typing import Any

import torch

from . import _validate

__all__ = ["available_cores", "default_threads", "set_threads"]


def available_cores() -> int:
    """The cores this process may run on (``os.sched_getaffinity`` where the system has it,
    else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """What torch would use, capped at :func:`available_cores`."""
    return max(1, min(torch.get_num_threads(), available_cores()))


def set_threads(threads: Any = None) -> int:
    """Set torch's intra-op threads to ``threads`` (``None``: :func:`default_threads`); returns
    the number set. More threads than the cores this process may run on are refused."""
    if threads is None:
        threads = default_threads()
    threads = _validate.integer_at_least("threads", threads, 1)
    cores = available_cores()
    if threads > cores:
        raise ValueError(
            f"threads = {threads} is more than the {cores} cores this process may run on "
            "(each extra thread would wait for a core)"
        )
    torch.set_num_threads(threads)
    return threads
