"""A small DCGAN on scikit-learn's bundled 8 × 8 digits (``sklearn.datasets.load_digits``).

The 1797 digit images ship with scikit-learn (nothing downloads): read from the package's own
``digits.csv.gz`` without importing scikit-learn (the same array as ``load_digits().images``;
``load_digits`` itself where the file is not found); pixels ``0..16`` are scaled to ``[−1, 1]``,
shape ``(N, 1, 8, 8)``. Generator: a linear layer to ``2·W × 2 × 2``, then two
stride-2 transposed convolutions (with BatchNorm and ReLU) to ``1 × 8 × 8``, ``tanh``.
Discriminator: two stride-2 convolutions with LeakyReLU(0.2), then a linear logit (no
BatchNorm, so gradient penalties stay exact).
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import _validate

__all__ = [
    "LATENT_DIM",
    "WIDTH",
    "SMALL_WIDTH",
    "generator",
    "discriminator",
    "small_generator",
    "small_discriminator",
    "sample",
    "latent",
]

LATENT_DIM = 16
"""Dimension of the latent."""
WIDTH = 16
"""Base channel width of both players."""


class _Reshape(nn.Module):
    def __init__(self, *shape: int):
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


def generator(width: int = WIDTH, latent_dim: int = LATENT_DIM) -> nn.Module:
    """``G: R^latent_dim → [−1, 1]^{1×8×8}`` (seeded)."""
    torch.manual_seed(3)
    return nn.Sequential(
        nn.Linear(latent_dim, 2 * width * 4),
        _Reshape(2 * width, 2, 2),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),  # 4 × 4
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # 8 × 8
        nn.Tanh(),
    )


def discriminator(width: int = WIDTH) -> nn.Module:
    """``D: 1×8×8 → R`` (a logit; seeded)."""
    torch.manual_seed(4)
    return nn.Sequential(
        nn.Conv2d(1, width, 4, stride=2, padding=1),  # 4 × 4
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),  # 2 × 2
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(2 * width * 4, 1),
    )


SMALL_WIDTH = 2
"""The base width of ``digits-small`` (tests and GAMEDYN_SMALL runs)."""


def small_generator() -> nn.Module:
    """The generator at width :data:`SMALL_WIDTH` (tests, small figures: dense checks fit)."""
    return generator(SMALL_WIDTH)


def small_discriminator() -> nn.Module:
    """The discriminator at width :data:`SMALL_WIDTH`."""
    return discriminator(SMALL_WIDTH)


_DIGITS = ("datasets", "data", "digits.csv.gz")
"""Where ``load_digits`` reads its data inside the scikit-learn package."""


def _digits_file() -> Path | None:
    """scikit-learn's ``digits.csv.gz``, found without importing scikit-learn (importing it
    costs more than half a second); ``None`` where it is not there."""
    spec = importlib.util.find_spec("sklearn")
    for root in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(root).joinpath(*_DIGITS)
        if path.is_file():
            return path
    return None


def _digit_pixels() -> np.ndarray:
    """``load_digits().images``, ``(1797, 8, 8)`` float64 in ``0..16``: the csv's rows are 64
    pixels then the label, parsed as ``load_digits`` parses them (``np.loadtxt``); scikit-learn's
    own loader where the file is missing or not of that shape."""
    path = _digits_file()
    if path is not None:
        with gzip.open(path, mode="rt", encoding="utf-8") as f:
            data = np.loadtxt(f, delimiter=",")
        if data.ndim == 2 and data.shape[1] == 65:
            return data[:, :-1].reshape(-1, 8, 8)
    from sklearn.datasets import load_digits

    return load_digits().images


@functools.lru_cache(maxsize=1)
def _images() -> torch.Tensor:
    pixels = torch.as_tensor(_digit_pixels(), dtype=torch.float32)
    return (pixels / 8.0 - 1.0).unsqueeze(1)


def sample(batch: int, seed: int = 0) -> torch.Tensor:
    """``batch`` digit images ``(batch, 1, 8, 8)`` in ``[−1, 1]``, drawn without replacement
    (with replacement beyond 1797) by ``seed``."""
    images = _images()
    gen = torch.Generator().manual_seed(_validate.seed("seed", seed))
    if batch <= images.shape[0]:
        index = torch.randperm(images.shape[0], generator=gen)[:batch]
    else:
        index = torch.randint(images.shape[0], (batch,), generator=gen)
    return images[index]


def latent(batch: int, seed: int = 0, latent_dim: int = LATENT_DIM) -> torch.Tensor:
    """Standard normal latents ``(batch, latent_dim)``, fixed by ``seed``."""
    gen = torch.Generator().manual_seed(10_000 + _validate.seed("seed", seed))
    return torch.randn(batch, latent_dim, generator=gen)
