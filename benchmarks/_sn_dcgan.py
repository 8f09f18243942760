"""A user-style DCGAN with spectral norm, and the training script that saves its checkpoint.

Written as a researcher's ``models.py`` + ``train.py`` would be (nothing of gamedyn's inside the
models): ``Generator(nz, ngf)`` is three ``ConvTranspose2d`` layers with BatchNorm and ReLU
(``nz × 1 × 1 → 2·ngf × 2 × 2 → ngf × 4 × 4 → 1 × 8 × 8``, ``tanh``); ``Discriminator(ndf)``
is three ``Conv2d`` layers, each wrapped in the hook-based ``torch.nn.utils.spectral_norm``
(what most public SN-GAN code uses), with LeakyReLU(0.2) and a logit. The data are the 8 × 8
digits of :mod:`gamedyn.examples.digits` (``sample(batch, seed)``), the loss the non-saturating
one (``BCEWithLogitsLoss``), both players ``torch.optim.Adam(lr=2e-4, betas=(0.5, 0.999))``, one
discriminator step then one generator step per iteration, seeds fixed. The checkpoint is saved
the usual way, ``torch.save({"netG", "netD", "optG", "optD", "step"})``; gamedyn reads it with
``torch.load(weights_only=True)`` through :func:`gamedyn.checkpoints.load_torch_game` and
:func:`gamedyn.methods.trained_method` (see :func:`load_game`).

At ``nz = 16, ngf = ndf = 16``: generator 10,592 parameters, discriminator 8,625 (the
discriminator's ``weight_orig`` and biases; ``weight_u``/``weight_v`` are buffers), ``n = 19,217``.

Run (from the repository root):
  python benchmarks/_sn_dcgan.py --steps 400 --out /tmp/p2_sn/ckpt.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils import spectral_norm

NZ, NGF, NDF = 16, 16, 16
"""The sizes the benchmark uses."""


class Generator(nn.Module):
    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 1, inplace: bool = True):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 2, 1, 0, bias=False),  # 2 x 2
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(inplace),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),  # 4 x 4
            nn.BatchNorm2d(ngf),
            nn.ReLU(inplace),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # 8 x 8
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf: int = 64, nc: int = 1, inplace: bool = True):
        super().__init__()
        self.main = nn.Sequential(
            spectral_norm(nn.Conv2d(nc, ndf, 4, 2, 1)),  # 4 x 4
            nn.LeakyReLU(0.2, inplace=inplace),
            spectral_norm(nn.Conv2d(ndf, ndf * 2, 4, 2, 1)),  # 2 x 2
            nn.LeakyReLU(0.2, inplace=inplace),
            spectral_norm(nn.Conv2d(ndf * 2, 1, 2, 1, 0)),  # 1 x 1: a logit
        )

    def forward(self, x):
        return self.main(x).view(-1)


def train(steps: int, out: str | Path, batch: int = 64, seed: int = 0) -> Path:
    """Train ``steps`` iterations (one D step, one G step each) and save the checkpoint."""
    from gamedyn.examples import digits

    torch.manual_seed(seed)
    netG, netD = Generator(nz=NZ, ngf=NGF), Discriminator(ndf=NDF)
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch), torch.zeros(batch)
    for step in range(steps):
        real = digits.sample(batch, seed=1 + step)
        fake = netG(torch.randn(batch, NZ, 1, 1))
        optD.zero_grad()
        (bce(netD(real), ones) + bce(netD(fake.detach()), zeros)).backward()
        optD.step()
        optG.zero_grad()
        bce(netD(fake), ones).backward()
        optG.step()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "netG": netG.state_dict(),
            "netD": netD.state_dict(),
            "optG": optG.state_dict(),
            "optD": optD.state_dict(),
            "step": steps,
        },
        out,
    )
    return out


def load_game(checkpoint: str | Path, batch: int = 64, seed: int = 12_345, inplace: bool = True):
    """The checkpoint's game (float64, non-saturating loss) on ``batch`` digits and latents
    drawn with ``seed``, through gamedyn's public loader (weights only, no pickle).
    ``inplace=False``: the same players with out-of-place activations (the same parameters and
    the same function)."""
    from gamedyn.checkpoints import load_torch_game, standard_normal
    from gamedyn.examples import digits

    models = Path(__file__).resolve()
    return load_torch_game(
        checkpoint,
        f"{models}:Generator",
        f"{models}:Discriminator",
        digits.sample(batch, seed),
        standard_normal(batch, seed, shape=[NZ, 1, 1]),
        generator_kwargs={"nz": NZ, "ngf": NGF, "inplace": inplace},
        discriminator_kwargs={"ndf": NDF, "inplace": inplace},
        loss="non-saturating",
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--out", default="ckpt.pt")
    args = p.parse_args()
    print(train(args.steps, args.out, args.batch))


if __name__ == "__main__":
    main()
