"""``dirac_gan``: Mescheder et al. (2018)'s Dirac-GAN variants, simultaneous and alternating.

References:
  Mescheder, Geiger and Nowozin, "Which Training Methods for GANs do actually Converge?",
  ICML 2018.
"""

from __future__ import annotations

from ..games import DiracGAN

__all__ = ["DIRAC_LR", "DIRAC_START", "DIRAC_STEPS", "dirac_variants"]

DIRAC_LR = 0.2
"""The step size of the Dirac-GAN trajectories."""
DIRAC_START = (1.0, 1.0)
"""Their starting point ``(θ, ψ)``."""
DIRAC_STEPS = 500
"""Their number of steps (100 when ``small``)."""


def dirac_variants() -> dict[str, DiracGAN]:
    """The Dirac-GAN variants of Mescheder et al. (2018)'s figure."""
    return {
        "standard GAN": DiracGAN("saturating"),
        "non-saturating GAN": DiracGAN("non-saturating"),
        "WGAN": DiracGAN("wgan"),
        "WGAN-GP (γ = 1)": DiracGAN("wgan", reg="gp", gamma=1.0),
        "instance noise (σ = 0.7)": DiracGAN("saturating", noise_std=0.7),
        "R1, γ = 0.3": DiracGAN("saturating", reg="r1", gamma=0.3),
        "R1, γ = 1 (critical)": DiracGAN("saturating", reg="r1", gamma=1.0),
        "consensus (γ = 1)": DiracGAN("saturating", reg="consensus", gamma=1.0),
    }
