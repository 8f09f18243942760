"""The 2-D mixture of 8 Gaussians (Mescheder, Nowozin and Geiger, "The Numerics of GANs", 2017).

Real data: 8 isotropic Gaussians with standard deviation ``STD`` centred on a circle of radius
``RADIUS``. Both players are MLPs with ``DEPTH`` hidden layers of ``WIDTH`` units (ReLU, as in
the paper's experiment); the latent is ``LATENT_DIM``-dimensional standard normal.

References:
  L. Mescheder, S. Nowozin and A. Geiger, "The Numerics of GANs", NeurIPS 2017, section 4.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .. import _validate

__all__ = [
    "RADIUS",
    "STD",
    "MODES",
    "LATENT_DIM",
    "WIDTH",
    "DEPTH",
    "generator",
    "discriminator",
    "small_generator",
    "small_discriminator",
    "sample",
    "latent",
]

RADIUS = 2.0
"""Radius of the circle the modes lie on."""
STD = 0.02
"""Standard deviation of each mode."""
MODES = 8
"""Number of Gaussian modes."""
LATENT_DIM = 16
"""Dimension of the latent."""
WIDTH = 16
"""Hidden width of both players."""
DEPTH = 4
"""Hidden layers of both players."""


def _mlp(inputs: int, outputs: int, width: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(inputs if i == 0 else width, width), nn.ReLU()]
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


def generator(width: int = WIDTH, depth: int = DEPTH, latent_dim: int = LATENT_DIM) -> nn.Module:
    """``G: R^latent_dim → R²``, an MLP (seeded: the same weights on every call)."""
    torch.manual_seed(1)
    return _mlp(latent_dim, 2, width, depth)


def discriminator(width: int = WIDTH, depth: int = DEPTH) -> nn.Module:
    """``D: R² → R`` (a logit), an MLP (seeded)."""
    torch.manual_seed(2)
    return _mlp(2, 1, width, depth)


def sample(batch: int, seed: int = 0) -> torch.Tensor:
    """``batch`` points of the mixture, shape ``(batch, 2)``, float32; fixed by ``seed``."""
    gen = torch.Generator().manual_seed(_validate.seed("seed", seed))
    mode = torch.randint(MODES, (batch,), generator=gen)
    angle = 2 * math.pi * mode.float() / MODES
    centres = RADIUS * torch.stack([angle.cos(), angle.sin()], dim=1)
    return centres + STD * torch.randn(batch, 2, generator=gen)


def latent(batch: int, seed: int = 0, latent_dim: int = LATENT_DIM) -> torch.Tensor:
    """Standard normal latents ``(batch, latent_dim)``, fixed by ``seed``."""
    gen = torch.Generator().manual_seed(10_000 + _validate.seed("seed", seed))
    return torch.randn(batch, latent_dim, generator=gen)


def small_generator() -> nn.Module:
    """A small generator (2 hidden layers of 8 units, 226 parameters) for tests and quick looks."""
    return generator(width=8, depth=2)


def small_discriminator() -> nn.Module:
    """A small discriminator (2 hidden layers of 8 units, 105 parameters)."""
    return discriminator(width=8, depth=2)
