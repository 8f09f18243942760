"""Fixtures shared by the test files; plain helpers are in helpers.py.

The ``slow`` marker is registered in ``pyproject.toml``: ``python -m pytest -m "not slow"`` is
the quick loop; a plain ``python -m pytest`` runs everything.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def mixture_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> list:
    """Checkpoints of ``mixture-small`` at steps 0 and 4 (batch 16), trained once per session."""
    from gamedyn.examples import train

    return train("mixture-small", 4, tmp_path_factory.mktemp("ckpt"), save_every=4, batch=16)


@pytest.fixture
def process_group():
    """A ``torch.distributed`` process group of this one process (gloo, world size 1), destroyed
    afterwards: what a ``torchrun --nproc-per-node 1`` run sees."""
    import torch.distributed as dist

    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        yield dist.group.WORLD
    finally:
        dist.destroy_process_group()
