"""The example GANs the checkpoint figures train in code: seeds, threads, checkpoint steps.

Each checkpoint figure trains its example with :func:`gamedyn.examples.train` (fixed seed, into
a temporary directory) and reloads every checkpoint with
:meth:`gamedyn.examples.Example.load_game` on one fixed evaluation batch.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import torch

__all__ = ["TRAIN_SEED", "EVAL_SEED", "one_thread", "checkpoint_step"]

TRAIN_SEED = 0
"""Seed of the training batches (:func:`gamedyn.examples.train`); the players seed themselves."""
EVAL_SEED = 12_345
"""Seed of the fixed evaluation batch (real data and latents), distinct from training's."""


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one intra-op thread inside the block, restored on exit.

    The example GANs are tiny (a few thousand parameters, batches of 64–256): a second thread
    buys nothing, and on a shared CPU waiting threads made training and ``J u`` products 10–40×
    slower in our measurements.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def checkpoint_step(path: Path) -> int:
    """The training step in a checkpoint's name, ``step_000250.safetensors`` → 250."""
    match = re.fullmatch(r"step_(\d+)", Path(path).stem)
    if match is None:
        raise ValueError(f"{Path(path).name!r} is not named step_NNNNNN by gamedyn.examples.train")
    return int(match.group(1))
