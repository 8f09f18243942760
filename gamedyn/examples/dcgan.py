"""A DCGAN-size GAN for benchmarks: 32 × 32 × 3 images, about 1.7 M parameters.

Radford, Metz and Chintala's architecture at 32 × 32: the generator maps a 100-dimensional
latent through transposed convolutions ``100 → 4W·4×4 → 2W·8×8 → W·16×16 → 3·32×32`` (BatchNorm,
ReLU; ``tanh`` out), the discriminator mirrors it with stride-2 convolutions and LeakyReLU(0.2)
to one logit. With ``W = 64``: 1,068,928 + 662,977 = 1,731,905 parameters. The "real" data are
fixed random images (only the sizes matter for timing).

References:
  A. Radford, L. Metz and S. Chintala, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks", ICLR 2016.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import _validate

__all__ = ["LATENT_DIM", "WIDTH", "generator", "discriminator", "sample", "latent"]

LATENT_DIM = 100
"""Dimension of the latent (DCGAN's 100)."""
WIDTH = 64
"""Base channel width (DCGAN's 64)."""


class _Image(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1, 1, 1)


def generator(width: int = WIDTH, latent_dim: int = LATENT_DIM) -> nn.Module:
    """``G: R^latent_dim → [−1, 1]^{3×32×32}`` (seeded)."""
    torch.manual_seed(5)
    return nn.Sequential(
        _Image(),
        nn.ConvTranspose2d(latent_dim, 4 * width, 4, 1, 0, bias=False),  # 4 × 4
        nn.BatchNorm2d(4 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=False),  # 8 × 8
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # 16 × 16
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.ConvTranspose2d(width, 3, 4, 2, 1, bias=False),  # 32 × 32
        nn.Tanh(),
    )


def discriminator(width: int = WIDTH) -> nn.Module:
    """``D: 3×32×32 → R`` (a logit; seeded)."""
    torch.manual_seed(6)
    return nn.Sequential(
        nn.Conv2d(3, width, 4, 2, 1),  # 16 × 16
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1),  # 8 × 8
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 4 * width, 4, 2, 1),  # 4 × 4
        nn.LeakyReLU(0.2),
        nn.Conv2d(4 * width, 1, 4, 1, 0),  # 1 × 1
        nn.Flatten(),
    )


def sample(batch: int, seed: int = 0) -> torch.Tensor:
    """Fixed "real" images ``(batch, 3, 32, 32)`` in ``[−1, 1]`` (uniform noise, by ``seed``)."""
    gen = torch.Generator().manual_seed(_validate.seed("seed", seed))
    return 2 * torch.rand(batch, 3, 32, 32, generator=gen) - 1


def latent(batch: int, seed: int = 0, latent_dim: int = LATENT_DIM) -> torch.Tensor:
    """Standard normal latents ``(batch, latent_dim)``, fixed by ``seed``."""
    gen = torch.Generator().manual_seed(10_000 + _validate.seed("seed", seed))
    return torch.randn(batch, latent_dim, generator=gen)
