"""``rate_regions``: convergence regions in the λ-plane, with the Dirac-GAN's eigenvalues."""

from __future__ import annotations

import numpy as np

from ..games import DiracGAN
from ..methods import (
    GDA,
    SGA,
    Consensus,
    ExtraGradient,
    HamiltonianGD,
    Lookahead,
    Method,
    Momentum,
    OptimisticGDA,
)
from ..spectrum import eigenvalues

__all__ = ["REGION_LR", "region_methods", "region_game", "region_eigenvalues"]

REGION_LR = 0.5
"""The step size of every rate region."""


def region_methods(lr: float = REGION_LR) -> dict[str, Method]:
    """The methods of the rate-regions figure, at the same step size.

    Only methods with an eigenvalue map can be drawn in the λ-plane; consensus, Hamiltonian GD
    and SGA use ``Jᵀ``, so theirs holds for a normal ``J``.
    """
    return {
        "GDA": GDA(lr),
        "extragradient": ExtraGradient(lr),
        "optimistic GDA": OptimisticGDA(lr),
        "momentum β = −0.3": Momentum(lr, -0.3),
        "lookahead-GDA k=5, α=0.5": Lookahead(GDA(lr), k=5, alpha=0.5),
        "consensus γ = 0.5": Consensus(lr, 0.5),
        "Hamiltonian GD": HamiltonianGD(lr),
        "SGA λ = 0.5 (aligned)": SGA(lr, 0.5, align=True),
    }


def region_game() -> DiracGAN:
    """The Dirac-GAN with R1, ``γ = 0.3``, whose eigenvalues are marked in each region."""
    return DiracGAN("saturating", reg="r1", gamma=0.3)


def region_eigenvalues() -> np.ndarray:
    """The eigenvalues of :func:`region_game`'s Jacobian at its equilibrium."""
    return eigenvalues(region_game())
