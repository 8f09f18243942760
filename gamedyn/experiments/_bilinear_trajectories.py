"""``bilinear_trajectories``: every method on ``x·y`` from ``(1, 1)``, with its spectral radius."""

from __future__ import annotations

from ..games import Bilinear
from ..methods import (
    ACGD,
    CGD,
    GDA,
    LEAD,
    LOLA,
    SGA,
    SOS,
    AltGDA,
    Consensus,
    ExtraGradient,
    HamiltonianGD,
    Lookahead,
    Method,
    Momentum,
    OptimisticGDA,
)
from ..spectrum import spectral_radius

__all__ = ["BILINEAR_LR", "BILINEAR_START", "bilinear_methods", "bilinear_rates"]

BILINEAR_LR = 0.3
"""The step size of every method of the figure."""
BILINEAR_START = (1.0, 1.0)
"""The starting point ``(x, y)`` of every trajectory."""


def bilinear_methods(lr: float = BILINEAR_LR) -> dict[str, Method]:
    """The methods of the bilinear-trajectories figure, by label."""
    return {
        "simultaneous GDA": GDA(lr),
        "alternating GDA": AltGDA(lr),
        "extragradient": ExtraGradient(lr),
        "optimistic GDA": OptimisticGDA(lr),
        "alternating momentum β = −0.5": Momentum(lr, -0.5, alternating=True),
        "lookahead-GDA (k = 5, α = 0.5)": Lookahead(GDA(lr), k=5, alpha=0.5),
        "consensus (γ = 1)": Consensus(lr, 1.0),
        "CGD": CGD(lr),
        "Hamiltonian GD": HamiltonianGD(lr),
        "SGA (λ = 0.5, aligned)": SGA(lr, 0.5, align=True),
        "LOLA (α = lr)": LOLA(lr),
        "SOS (α = lr)": SOS(lr),
        "LEAD (β = 0.2, α = 0.5)": LEAD(lr, 0.2, 0.5),
        # ρ at the equilibrium of the whole state (z*, 0, 1); the run starts with smaller steps
        "ACGD (β₂ = 0.5, ε = 1)": ACGD(lr, beta2=0.5, eps=1.0, bias_correction=False),
    }


def bilinear_rates(lr: float = BILINEAR_LR) -> dict[str, float]:
    """The spectral radius at the equilibrium of each method of :func:`bilinear_methods`."""
    game = Bilinear([[1.0]])
    return {label: spectral_radius(m, game) for label, m in bilinear_methods(lr).items()}
